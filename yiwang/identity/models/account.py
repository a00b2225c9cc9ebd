"""Accounts: one account for one person, citizen or staff."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yiwang.kernel.fields import SensitiveField, SensitiveKind, mask


class VerificationLevel(models.IntegerChoices):
    """How sure the platform is of who holds the account; services require a minimum."""

    UNVERIFIED = 0, _("未实名")
    REAL_NAME = 1, _("已实名")
    FACE_VERIFIED = 2, _("已人脸核验")  # placeholder level: face verification comes later


class Account(AbstractUser):
    """One account for one person. Personal identifiers are stored encrypted; the mobile
    number and ID number are unique through their blind indexes."""

    display_name = SensitiveField(_("姓名"), kind=SensitiveKind.TEXT, blank=True)
    mobile = SensitiveField(_("手机号码"), kind=SensitiveKind.MOBILE, blank=True)
    id_number = SensitiveField(_("居民身份证号码"), kind=SensitiveKind.ID_NUMBER, blank=True)
    verification_level = models.PositiveSmallIntegerField(
        _("实名等级"), choices=VerificationLevel.choices, default=VerificationLevel.UNVERIFIED
    )
    verified_at = models.DateTimeField(_("实名时间"), null=True, blank=True)
    failed_logins = models.PositiveSmallIntegerField(_("连续登录失败次数"), default=0)
    locked_until = models.DateTimeField(_("锁定至"), null=True, blank=True)
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("账号")
        verbose_name_plural = pgettext_lazy("plural", "账号")
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(
                fields=["mobile_index"],
                condition=~models.Q(mobile_index=""),
                name="account_mobile_unique",
            ),
            models.UniqueConstraint(
                fields=["id_number_index"],
                condition=~models.Q(id_number_index=""),
                name="account_id_number_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.username

    @property
    def masked_mobile(self) -> str:
        return mask(self.mobile, SensitiveKind.MOBILE)

    @property
    def masked_id_number(self) -> str:
        return mask(self.id_number, SensitiveKind.ID_NUMBER)

    @property
    def masked_name(self) -> str:
        return mask(self.display_name, SensitiveKind.TEXT)
