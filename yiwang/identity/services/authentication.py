"""Checking who is signing in: password, SMS code and TOTP checks with lockout, rate limits
and one identical answer for every way a credential can be wrong.

Five failed attempts (any factor) lock the account for 30 minutes; while it is locked even the
right password is refused. A locked account is only named as locked to someone who gave its
right password (or code); everyone else gets the same answer as for an unknown account.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any, Literal

from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.identity.errors import ErrorCode
from yiwang.identity.models import Account, OneTimeCodePurpose, TotpDevice
from yiwang.identity.services.codes import check_code, issue_code
from yiwang.identity.services.factors import verify_passkey, verify_totp
from yiwang.identity.services.sessions import set_pending, sign_in
from yiwang.kernel import audit, ratelimit
from yiwang.kernel.errors import DomainError
from yiwang.kernel.fields import lookup
from yiwang.kernel.validators import validate_mobile

MAX_FAILURES = 5
LOCK_MINUTES = 30
#: (limit, window seconds) per source address and per account name, for each endpoint.
IP_LIMIT = (30, 300)
ACCOUNT_LIMIT = (10, 300)

Step = Literal["signed_in", "second_factor", "enrol"]


def _invalid() -> DomainError:
    return DomainError(ErrorCode.CREDENTIALS_INVALID, _("用户名或密码不正确。"), status=401)


def _locked() -> DomainError:
    return DomainError(
        ErrorCode.ACCOUNT_LOCKED,
        _("连续登录失败次数过多，账号已锁定 %(minutes)d 分钟，请稍后再试。")
        % {"minutes": LOCK_MINUTES},
        status=423,
    )


def _second_factor_invalid() -> DomainError:
    return DomainError(
        ErrorCode.SECOND_FACTOR_INVALID, _("动态口令不正确或已使用，请重新输入。"), status=401
    )


def source_address(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR") or "unknown")


def limit(endpoint: str, *, ip: str, account_key: str) -> None:
    """Count one attempt at ``endpoint`` from ``ip`` against ``account_key``; 429 past the
    limits. The same counters run for known and unknown accounts."""
    ratelimit.hit(f"auth-{endpoint}-ip", ip, limit=IP_LIMIT[0], window_seconds=IP_LIMIT[1])
    ratelimit.hit(
        f"auth-{endpoint}-account",
        account_key.strip().lower(),
        limit=ACCOUNT_LIMIT[0],
        window_seconds=ACCOUNT_LIMIT[1],
    )


def is_locked(account: Account) -> bool:
    return account.locked_until is not None and account.locked_until > timezone.now()


@transaction.atomic
def record_failure(*, account: Account | None, factor: str, reason: str) -> None:
    """Count a failed attempt (locking the account at the fifth) and audit it. Runs in its own
    transaction, before the caller raises, so the count survives the refusal."""
    if account is None:
        audit.record(
            "identity.login_failed",
            actor=None,
            target_type="identity.account",
            details={"factor": factor, "reason": reason},
        )
        return
    row = Account.objects.select_for_update().get(pk=account.pk)
    now = timezone.now()
    if is_locked(row):
        audit.record(
            "identity.login_failed",
            actor=None,
            target=row,
            details={"factor": factor, "reason": "locked"},
        )
        return
    failures = row.failed_logins + 1
    if failures >= MAX_FAILURES:
        row.failed_logins = 0
        row.locked_until = now + dt.timedelta(minutes=LOCK_MINUTES)
    else:
        row.failed_logins = failures
    row.save(update_fields=["failed_logins", "locked_until"])
    audit.record(
        "identity.login_failed",
        actor=None,
        target=row,
        details={"factor": factor, "reason": reason, "failures": failures},
    )
    if row.locked_until is not None and row.locked_until > now and failures >= MAX_FAILURES:
        audit.record(
            "identity.account_locked",
            actor="system",
            target=row,
            details={"minutes": LOCK_MINUTES, "factor": factor},
        )


def _find_account(identifier: str) -> Account | None:
    identifier = identifier.strip()
    if not identifier:
        return None
    query = Q(username=identifier)
    with contextlib.suppress(DomainError):  # not a mobile number: a username only
        query |= Q(**lookup(Account, "mobile", validate_mobile(identifier)))
    return Account.objects.filter(query).first()


def check_password_login(
    *, ip: str, identifier: str, password: str, staff_only: bool = False
) -> Account:
    """The account whose name (or mobile number) and password these are, or the one refusal
    for every way they can be wrong. ``staff_only`` treats citizen accounts as unknown."""
    limit("password", ip=ip, account_key=identifier)
    account = _find_account(identifier)
    if account is None or (staff_only and not account.is_staff):
        # Run the hasher anyway, so an unknown name takes as long as a wrong password.
        Account().set_password(password)
        record_failure(account=None, factor="password", reason="unknown")
        raise _invalid()
    right = account.check_password(password)
    if right and account.is_active and is_locked(account):
        record_failure(account=account, factor="password", reason="locked")
        raise _locked()
    if not right or not account.is_active:
        record_failure(
            account=account, factor="password", reason="wrong" if right is False else "inactive"
        )
        raise _invalid()
    return account


def send_login_code(*, ip: str, mobile: str) -> None:
    """Send a sign-in code to ``mobile`` if an active account holds it; say nothing either way
    (the caller answers "if the number is registered, a code was sent")."""
    mobile = validate_mobile(mobile)
    limit("sms-send", ip=ip, account_key=mobile)
    account = Account.objects.filter(**lookup(Account, "mobile", mobile), is_active=True).first()
    if account is not None:
        issue_code(mobile, OneTimeCodePurpose.LOGIN, actor=None)


def check_sms_login(*, ip: str, mobile: str, code: str) -> Account:
    """The account holding ``mobile`` if ``code`` is the sign-in code sent to it."""
    limit("sms", ip=ip, account_key=mobile)
    check_code(mobile, OneTimeCodePurpose.LOGIN, code)  # one answer for every bad code
    account = Account.objects.filter(**lookup(Account, "mobile", validate_mobile(mobile))).first()
    refused = DomainError(ErrorCode.CODE_INVALID, _("验证码不正确或已失效,请重新获取。"))
    if account is None or not account.is_active:
        raise refused
    if is_locked(account):
        record_failure(account=account, factor="sms", reason="locked")
        raise _locked()
    return account


def check_totp(*, ip: str, account: Account, code: str) -> None:
    """Accept ``code`` from one of the account's authenticator apps, once."""
    limit("totp", ip=ip, account_key=f"totp:{account.pk}")
    if is_locked(account):
        record_failure(account=account, factor="totp", reason="locked")
        raise _locked()
    devices = TotpDevice.objects.filter(account=account, confirmed_at__isnull=False)
    if not any(verify_totp(device, code) for device in devices):
        record_failure(account=account, factor="totp", reason="wrong")
        account.refresh_from_db(fields=["locked_until"])
        if is_locked(account):
            raise _locked()
        raise _second_factor_invalid()


def check_passkey(
    *, ip: str, account: Account, credential: str, challenge: bytes, rp_id: str, origin: str
) -> None:
    """Accept a passkey assertion for ``account`` (signature counter checked)."""
    limit("passkey", ip=ip, account_key=f"passkey:{account.pk}")
    if is_locked(account):
        record_failure(account=account, factor="passkey", reason="locked")
        raise _locked()
    if not verify_passkey(
        account=account, credential=credential, challenge=challenge, rp_id=rp_id, origin=origin
    ):
        record_failure(account=account, factor="passkey", reason="wrong")
        raise DomainError(ErrorCode.PASSKEY_INVALID, _("通行密钥验证未通过，请重试。"), status=401)


def has_second_factor(account: Account) -> bool:
    return (
        TotpDevice.objects.filter(account=account, confirmed_at__isnull=False).exists()
        or account.passkeys.exists()
    )


def needs_second_factor(account: Account) -> bool:
    """Staff always need one; a citizen who enrolled one uses it too."""
    return bool(account.is_staff) or has_second_factor(account)


def complete_first_factor(request: HttpRequest, account: Account, factor: str) -> Step:
    """After the first factor: sign in, or hold the sign-in pending its second factor (or,
    for staff with none yet, its enrolment)."""
    if not needs_second_factor(account):
        sign_in(request, account, [factor])
        return "signed_in"
    set_pending(request, account, [factor])
    _audit_first_factor(account, factor)
    return "second_factor" if has_second_factor(account) else "enrol"


@transaction.atomic
def _audit_first_factor(account: Account, factor: str) -> None:
    audit.record(
        "identity.first_factor_passed", actor=account, target=account, details={"factor": factor}
    )


def complete_second_factor(
    request: HttpRequest, account: Account, factors: list[str], factor: str
) -> Any:
    """The second factor passed: sign in with both."""
    return sign_in(request, account, [*factors, factor])
