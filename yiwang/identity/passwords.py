"""Password rules beyond Django's built-in validators.

Every account: 8 to 64 characters (Django's MinimumLengthValidator and our
:class:`MaximumLengthValidator`) and not on the common-password list. Staff accounts also meet
the complexity rule of the classified-protection standard (GB/T 22239, 等级保护): at least 8
characters drawn from at least three of upper case, lower case, digits and special characters.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from yiwang.identity.errors import ErrorCode
from yiwang.kernel.errors import DomainError

MAX_LENGTH = 64


class MaximumLengthValidator:
    """Refuse passwords longer than ``max_length`` (argon2 would hash them, but a cap keeps
    hashing cost predictable and matches what the forms accept)."""

    def __init__(self, max_length: int = MAX_LENGTH) -> None:
        self.max_length = max_length

    def validate(self, password: str, user: Any = None) -> None:
        if len(password) > self.max_length:
            raise ValidationError(
                _("密码最多 %(max)d 个字符。") % {"max": self.max_length},
                code="password_too_long",
            )

    def get_help_text(self) -> str:
        return _("密码最多 %(max)d 个字符。") % {"max": self.max_length}


def character_classes(password: str) -> int:
    """How many of the four classes (upper, lower, digit, special) the password uses."""
    upper = any(c.isascii() and c.isupper() for c in password)
    lower = any(c.isascii() and c.islower() for c in password)
    digit = any(c.isascii() and c.isdigit() for c in password)
    special = any(not (c.isascii() and c.isalnum()) for c in password)
    return sum((upper, lower, digit, special))


class ClassifiedProtectionValidator:
    """GB/T 22239 complexity for staff: at least ``min_length`` characters and at least
    ``min_classes`` of the four character classes."""

    def __init__(self, min_length: int = 8, min_classes: int = 3) -> None:
        self.min_length = min_length
        self.min_classes = min_classes

    def validate(self, password: str, user: Any = None) -> None:
        if len(password) < self.min_length or character_classes(password) < self.min_classes:
            raise ValidationError(self.get_help_text(), code="password_not_complex")

    def get_help_text(self) -> str:
        return _(
            "工作人员密码至少 %(min)d 个字符，"
            "并包含大写字母、小写字母、数字、特殊字符中的至少三类。"
        ) % {"min": self.min_length}


def validate_account_password(password: str, account: Any) -> None:
    """Run the configured validators, plus the staff complexity rule for staff accounts;
    refuse with one DomainError that lists every reason."""
    validators = password_validation.get_default_password_validators()
    if getattr(account, "is_staff", False):
        validators = [*validators, ClassifiedProtectionValidator()]
    try:
        password_validation.validate_password(password, account, validators)
    except ValidationError as exc:
        raise DomainError(
            ErrorCode.PASSWORD_REJECTED,
            " ".join(str(m) for m in exc.messages),
            status=400,
            reasons=[str(m) for m in exc.messages],
        ) from None
