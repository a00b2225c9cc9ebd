"""Real-name verification: name and resident ID number checked against the population base
data, and the verification levels that gate what an account may do."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.identity.errors import ErrorCode
from yiwang.identity.models import Account, VerificationLevel
from yiwang.kernel import audit, ratelimit
from yiwang.kernel.errors import DomainError
from yiwang.kernel.fields import lookup
from yiwang.kernel.population import person_matches
from yiwang.kernel.validators import validate_id_number

#: Attempts per account and hour: enough for typing mistakes, too few to guess pairs.
VERIFY_ATTEMPTS_PER_HOUR = 10


def require_level(account: Any, level: VerificationLevel | int) -> None:
    """Refuse (403 ``verification_required``) unless ``account`` is verified to ``level``."""
    current = getattr(account, "verification_level", VerificationLevel.UNVERIFIED)
    if not getattr(account, "is_authenticated", False) or current < level:
        raise DomainError(
            ErrorCode.VERIFICATION_REQUIRED,
            _("请先完成实名认证再办理此事项。"),
            status=403,
            required=int(level),
        )


@transaction.atomic
def _record_failure(account: Account, reason: str) -> None:
    # Its own transaction: the refusal's audit row stays although the verification fails.
    audit.record(
        "identity.verification_failed",
        actor=account,
        target=account,
        details={"reason": reason},
    )


def verify_real_name(*, actor: Any, account: Account, name: str, id_number: str) -> Account:
    """Check ``name`` and ``id_number`` against the population base data and, if they match a
    person and no other account holds that ID number, raise ``account`` to REAL_NAME.

    Every refusal writes ``identity.verification_failed`` and changes nothing else.
    """
    if account.verification_level >= VerificationLevel.REAL_NAME:
        raise DomainError(ErrorCode.ALREADY_VERIFIED, _("您已完成实名认证。"), status=409)
    ratelimit.hit(
        "identity-verify", str(account.pk), limit=VERIFY_ATTEMPTS_PER_HOUR, window_seconds=3600
    )
    name = " ".join((name or "").split())
    try:
        id_number = validate_id_number(id_number)
    except DomainError as error:
        _record_failure(account, str(error.code))
        raise
    if not name or not person_matches(name, id_number):
        _record_failure(account, ErrorCode.REAL_NAME_MISMATCH)
        raise DomainError(
            ErrorCode.REAL_NAME_MISMATCH,
            _("姓名与身份证号码不一致,请核对后重新输入。"),
        )
    taken = DomainError(
        ErrorCode.ID_NUMBER_TAKEN,
        _("该身份证号码已在其他账号完成实名认证。如非本人操作,请拨打12345。"),
        status=409,
    )
    if (
        Account.objects.filter(**lookup(Account, "id_number", id_number))
        .exclude(pk=account.pk)
        .exists()
    ):
        _record_failure(account, ErrorCode.ID_NUMBER_TAKEN)
        raise taken
    try:
        with transaction.atomic():
            _mark_verified(actor=actor, account=account, name=name, id_number=id_number)
    except IntegrityError:  # another account verified the same number a moment ago
        account.refresh_from_db()
        _record_failure(account, ErrorCode.ID_NUMBER_TAKEN)
        raise taken from None
    return account


def _mark_verified(*, actor: Any, account: Account, name: str, id_number: str) -> None:
    account.display_name = name
    account.id_number = id_number
    account.verification_level = VerificationLevel.REAL_NAME
    account.verified_at = timezone.now()
    account.save(
        update_fields=[
            "display_name",
            "display_name_index",
            "id_number",
            "id_number_index",
            "verification_level",
            "verified_at",
        ]
    )
    audit.record(
        "identity.verified",
        actor=actor,
        target=account,
        details={"level": int(VerificationLevel.REAL_NAME), "method": "population_base"},
    )
