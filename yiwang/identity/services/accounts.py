"""Identity services: account changes, each one transaction with its audit row."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.identity.errors import ErrorCode
from yiwang.identity.models import Account, OneTimeCodePurpose
from yiwang.identity.passwords import validate_account_password
from yiwang.identity.services.codes import check_code
from yiwang.identity.services.sessions import end_sessions
from yiwang.kernel import audit
from yiwang.kernel.errors import DomainError
from yiwang.kernel.fields import lookup
from yiwang.kernel.validators import validate_id_number, validate_mobile


@transaction.atomic
def create_staff_account(
    *,
    actor: Any,
    username: str,
    password: str,
    display_name: str = "",
    mobile: str = "",
    id_number: str = "",
    is_superuser: bool = False,
) -> Account:
    """Create a staff account (the staff flag lets it into the workbench)."""
    if mobile:
        mobile = validate_mobile(mobile)
    if id_number:
        id_number = validate_id_number(id_number)
    account = Account(
        username=username,
        display_name=display_name,
        mobile=mobile,
        id_number=id_number,
        is_staff=True,
        is_superuser=is_superuser,
    )
    validate_account_password(password, account)  # staff: GB/T 22239 complexity too
    account.set_password(password)
    account.save()
    audit.record(
        "identity.staff_account_created",
        actor=actor,
        target=account,
        details={"username": username, "is_superuser": is_superuser},
    )
    return account


@transaction.atomic
def change_password(*, actor: Any, account: Account, new_password: str) -> None:
    """Set a new password (staff passwords must meet the GB/T 22239 complexity rule). The
    caller has re-authenticated the account holder."""
    validate_account_password(new_password, account)
    account.set_password(new_password)
    account.password_changed_at = timezone.now()
    account.save(update_fields=["password", "password_changed_at"])
    audit.record("identity.password_changed", actor=actor, target=account)


@transaction.atomic
def disable_account(*, actor: Any, account: Account) -> None:
    """Disable the account and end all its sessions on the server at once."""
    Account.objects.filter(pk=account.pk).update(is_active=False)
    account.is_active = False
    ended = end_sessions(actor=actor, account=account, reason="account_disabled")
    audit.record(
        "identity.account_disabled", actor=actor, target=account, details={"sessions": ended}
    )


def change_mobile(*, actor: Any, account: Account, mobile: str, code: str) -> None:
    """Move the account to a new mobile number, proven by the SMS code sent to that number.
    The caller has re-authenticated the account holder."""
    mobile = validate_mobile(mobile)
    check_code(mobile, OneTimeCodePurpose.CHANGE_MOBILE, code)  # commits its own audit row
    _apply_mobile(actor=actor, account=account, mobile=mobile)


@transaction.atomic
def _apply_mobile(*, actor: Any, account: Account, mobile: str) -> None:
    if Account.objects.filter(**lookup(Account, "mobile", mobile)).exclude(pk=account.pk).exists():
        raise DomainError(ErrorCode.MOBILE_TAKEN, _("该手机号码已被其他账号使用。"), status=409)
    account.mobile = mobile
    account.save(update_fields=["mobile", "mobile_index"])
    audit.record("identity.mobile_changed", actor=actor, target=account)
