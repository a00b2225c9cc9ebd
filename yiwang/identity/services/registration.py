"""Citizen registration: a mobile number proven by an SMS code, and a password.

Step 1 never tells the requester whether the number is registered: a free number gets a code,
a registered one gets a message saying so, and both answers read "验证码已发送". Only the
holder of the number, after proving it with the code, learns that it is taken.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yiwang.identity.errors import ErrorCode
from yiwang.identity.models import Account, OneTimeCodePurpose
from yiwang.identity.services.codes import check_code, issue_code
from yiwang.kernel import audit, ratelimit
from yiwang.kernel.crypto import blind_index
from yiwang.kernel.errors import DomainError
from yiwang.kernel.fields import lookup
from yiwang.kernel.sms import send_sms
from yiwang.kernel.validators import validate_mobile

PASSWORD_MIN = 8
PASSWORD_MAX = 64
_USERNAME_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def _mobile_taken(mobile: str) -> bool:
    return Account.objects.filter(**lookup(Account, "mobile", mobile)).exists()


def send_registration_code(mobile: str, *, actor: Any = None) -> None:
    """Step 1: send a registration code to a free number, or tell a registered number's
    holder that it is registered. The caller sees the same outcome either way."""
    mobile = validate_mobile(mobile)
    if not _mobile_taken(mobile):
        issue_code(mobile, OneTimeCodePurpose.REGISTER, actor=actor)
        return
    # The same limits as a code, so timing and 429s do not tell the two cases apart.
    ratelimit.hit("sms-minute", mobile, limit=1, window_seconds=60)
    ratelimit.hit("sms-day", mobile, limit=10, window_seconds=86400)
    with transaction.atomic():
        audit.record(
            "identity.registration_notice_sent",
            actor=actor,
            target_type="identity.account",
            details={"mobile_index": blind_index(mobile, purpose="identity.account.mobile")[:16]},
        )
        body = _("【一网通办】该手机号已注册一网通办账号,可直接登录。如非本人操作,请忽略本短信。")
        transaction.on_commit(lambda: send_sms(mobile, body))


def check_password(password: str, *, mobile: str = "") -> None:
    """Refuse a password outside 8..64 characters or one Django's validators reject."""
    messages: list[str] = []
    if not PASSWORD_MIN <= len(password or "") <= PASSWORD_MAX:
        messages.append(
            _("密码长度应为%(min)s至%(max)s个字符。") % {"min": PASSWORD_MIN, "max": PASSWORD_MAX}
        )
    else:
        try:
            password_validation.validate_password(password, Account(username="", mobile=mobile))
        except ValidationError as error:
            messages.extend(str(m) for m in error.messages)
    if messages:
        raise DomainError(ErrorCode.PASSWORD_REJECTED, " ".join(messages), messages=messages)


def _new_username() -> str:
    # Never the mobile number: usernames show up in logs and the audit trail.
    while True:
        username = "u" + "".join(secrets.choice(_USERNAME_ALPHABET) for _ in range(11))
        if not Account.objects.filter(username=username).exists():
            return username


@transaction.atomic
def _record_refusal(mobile: str, reason: str, actor: Any) -> None:
    audit.record(
        "identity.registration_refused",
        actor=actor,
        target_type="identity.account",
        details={
            "reason": reason,
            "mobile_index": blind_index(mobile, purpose="identity.account.mobile")[:16],
        },
    )


def register_account(*, actor: Any, mobile: str, code: str, password: str) -> Account:
    """Step 2: create an unverified citizen account for a mobile number proven by ``code``.

    The password is checked before the code, so a rejected password does not use the code
    up. A refusal leaves no account behind.
    """
    mobile = validate_mobile(mobile)
    check_password(password, mobile=mobile)
    check_code(mobile, OneTimeCodePurpose.REGISTER, code)  # its own transaction and audit
    taken = DomainError(
        ErrorCode.MOBILE_TAKEN,
        gettext_lazy("该手机号已注册,请直接登录。"),
        status=409,
    )
    if _mobile_taken(mobile):
        _record_refusal(mobile, ErrorCode.MOBILE_TAKEN, actor)
        raise taken
    try:
        return create_citizen_account(actor=actor, mobile=mobile, password=password)
    except IntegrityError:  # registered concurrently
        _record_refusal(mobile, ErrorCode.MOBILE_TAKEN, actor)
        raise taken from None


@transaction.atomic
def create_citizen_account(
    *, actor: Any, mobile: str, password: str, username: str | None = None
) -> Account:
    """Create an unverified citizen account. Registration calls it once the mobile number is
    proven (with a random username); the demo loader calls it directly with fixed names."""
    account = Account(
        username=username or _new_username(),
        mobile=mobile,
        is_staff=False,
        password_changed_at=timezone.now(),
    )
    account.set_password(password)
    account.save()
    audit.record(
        "identity.account_registered",
        actor=actor if actor is not None else account,
        target=account,
        details={"username": account.username},
    )
    return account
