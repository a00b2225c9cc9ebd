"""One-time codes sent by SMS: 6 digits, single use, valid for ``YIWANG_SMS_CODE_TTL``
seconds (at most 10 minutes), five attempts, rate-limited per number."""

from __future__ import annotations

import datetime as dt
import hmac
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.identity.errors import ErrorCode
from yiwang.identity.models import OneTimeCode, OneTimeCodePurpose
from yiwang.kernel import audit, ratelimit
from yiwang.kernel.crypto import blind_index
from yiwang.kernel.errors import DomainError
from yiwang.kernel.sms import send_sms
from yiwang.kernel.validators import validate_mobile

MAX_ATTEMPTS = 5


def _mobile_index(mobile: str) -> str:
    # The same blind index as Account.mobile, so codes and accounts meet without plaintext.
    return blind_index(mobile, purpose="identity.account.mobile")


def _code_hash(mobile_index: str, code: str) -> str:
    return blind_index(f"{mobile_index}:{code}", purpose="identity.onetimecode")


def issue_code(mobile: str, purpose: OneTimeCodePurpose | str, *, actor: object = None) -> None:
    """Send a fresh code to ``mobile`` for ``purpose``. Earlier unused codes stop working."""
    mobile = validate_mobile(mobile)
    purpose = OneTimeCodePurpose(purpose)
    ratelimit.hit("sms-minute", mobile, limit=1, window_seconds=60)
    ratelimit.hit("sms-day", mobile, limit=10, window_seconds=86400)
    index = _mobile_index(mobile)
    code = f"{secrets.randbelow(1_000_000):06d}"
    ttl = settings.YIWANG_SMS_CODE_TTL
    with transaction.atomic():
        now = timezone.now()
        OneTimeCode.objects.filter(
            mobile_index=index, purpose=purpose, used_at__isnull=True
        ).update(used_at=now)
        OneTimeCode.objects.create(
            purpose=purpose,
            mobile_index=index,
            code_hash=_code_hash(index, code),
            expires_at=now + dt.timedelta(seconds=ttl),
        )
        audit.record(
            "identity.code_sent",
            actor=actor,
            target_type="identity.onetimecode",
            details={"purpose": str(purpose), "mobile_index": index[:16]},
        )
        minutes = max(1, ttl // 60)
        body = _("【一网通办】您的验证码是%(code)s,%(minutes)s分钟内有效。请勿告诉他人。") % {
            "code": code,
            "minutes": minutes,
        }
        transaction.on_commit(lambda: send_sms(mobile, body))


def check_code(mobile: str, purpose: OneTimeCodePurpose | str, code: str) -> None:
    """Accept ``code`` once, or refuse with one answer for every way it can be wrong.

    Call it before opening the transaction that acts on the code: a refusal counts the
    attempt and writes its audit row, and those must stay even though the action fails.
    """
    refused = DomainError(ErrorCode.CODE_INVALID, _("验证码不正确或已失效,请重新获取。"))
    try:
        mobile = validate_mobile(mobile)
    except DomainError:
        raise refused from None
    purpose = OneTimeCodePurpose(purpose)
    index = _mobile_index(mobile)
    now = timezone.now()
    with transaction.atomic():
        current = (
            OneTimeCode.objects.select_for_update()
            .filter(mobile_index=index, purpose=purpose, used_at__isnull=True, expires_at__gt=now)
            .order_by("-created_at")
            .first()
        )
        if current is None or current.attempts >= MAX_ATTEMPTS:
            reason = "none"
        elif not hmac.compare_digest(_code_hash(index, (code or "").strip()), current.code_hash):
            OneTimeCode.objects.filter(pk=current.pk).update(attempts=current.attempts + 1)
            reason = "wrong"
        elif OneTimeCode.objects.filter(pk=current.pk, used_at__isnull=True).update(used_at=now):
            audit.record(
                "identity.code_accepted",
                actor=None,
                target_type="identity.onetimecode",
                target_id=str(current.pk),
                details={"purpose": str(purpose)},
            )
            return
        else:  # a concurrent check used it first
            reason = "used"
        audit.record(
            "identity.code_refused",
            actor=None,
            target_type="identity.onetimecode",
            details={"purpose": str(purpose), "mobile_index": index[:16], "reason": reason},
        )
    raise refused
