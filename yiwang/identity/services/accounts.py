"""Identity services: account changes, each one transaction with its audit row."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import password_validation
from django.db import transaction

from yiwang.identity.models import Account
from yiwang.kernel import audit
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
    password_validation.validate_password(password, account)
    account.set_password(password)
    account.save()
    audit.record(
        "identity.staff_account_created",
        actor=actor,
        target=account,
        details={"username": username, "is_superuser": is_superuser},
    )
    return account


def record_login(account: Account) -> None:
    audit.record("identity.login", actor=account, target=account)


def record_logout(account: Any) -> None:
    if getattr(account, "is_authenticated", False):
        audit.record("identity.logout", actor=account, target=account)
