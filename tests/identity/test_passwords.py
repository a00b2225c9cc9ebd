"""Password rules: argon2id, 8..64 characters, common passwords refused, GB/T 22239
complexity for staff."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import AccountFactory
from yiwang.identity.models import Account
from yiwang.identity.passwords import ClassifiedProtectionValidator, character_classes
from yiwang.identity.services import change_password, create_staff_account
from yiwang.kernel.errors import DomainError
from yiwang.kernel.models import AuditEntry


def test_passwords_are_hashed_with_argon2id(db: None) -> None:
    account = create_staff_account(actor="test", username="s1", password="Strong-pass-1")

    assert account.password.startswith("argon2$argon2id$")


@pytest.mark.parametrize(
    ("password", "classes"),
    [("abcdefgh", 1), ("abcdEFGH", 2), ("abcdEF12", 3), ("abC1!xyz", 4), ("密码密码ab12", 3)],
)
def test_character_classes(password: str, classes: int) -> None:
    assert character_classes(password) == classes


@pytest.mark.parametrize("password", ["abcdefgh12", "ABCDEFGH12", "abcdEFGHij", "Ab1!"])
def test_staff_password_needs_three_classes_and_eight_characters(password: str) -> None:
    with pytest.raises(Exception, match="至少三类"):
        ClassifiedProtectionValidator().validate(password)


def test_staff_account_refuses_a_simple_password_and_creates_nothing(db: None) -> None:
    with pytest.raises(DomainError) as refused:
        create_staff_account(actor="test", username="s2", password="lowercase-only")

    assert refused.value.code == "password_rejected"
    assert not Account.objects.filter(username="s2").exists()


@pytest.mark.parametrize("password", ["Aa1!" * 16 + "x", "password", "short1A"])
def test_too_long_common_or_short_passwords_are_refused(db: None, password: str) -> None:
    citizen = AccountFactory(username="c1")

    with pytest.raises(DomainError):
        change_password(actor=citizen, account=citizen, new_password=password)


def test_a_64_character_citizen_password_is_accepted(db: None) -> None:
    citizen = AccountFactory(username="c2")

    change_password(actor=citizen, account=citizen, new_password="a1" * 32)

    citizen.refresh_from_db()
    assert citizen.check_password("a1" * 32)
    assert citizen.password_changed_at is not None
    assert AuditEntry.objects.filter(action="identity.password_changed").exists()


def test_staff_password_change_applies_the_complexity_rule(clerk: Any) -> None:
    with pytest.raises(DomainError):
        change_password(actor=clerk, account=clerk, new_password="onlylowercase")
    change_password(actor=clerk, account=clerk, new_password="Three-Classes9")
