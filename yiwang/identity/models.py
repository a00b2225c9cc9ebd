"""Accounts. The unified-identity issue grows this into citizen and enterprise accounts with
real-name verification and MFA; the foundation needs staff accounts only."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yiwang.kernel.fields import SensitiveField, SensitiveKind, mask


class Account(AbstractUser):
    """One account for one person. Personal identifiers are stored encrypted."""

    display_name = SensitiveField(_("姓名"), kind=SensitiveKind.TEXT, blank=True)
    mobile = SensitiveField(_("手机号码"), kind=SensitiveKind.MOBILE, blank=True)
    id_number = SensitiveField(_("居民身份证号码"), kind=SensitiveKind.ID_NUMBER, blank=True)

    class Meta:
        verbose_name = _("账号")
        verbose_name_plural = pgettext_lazy("plural", "账号")

    def __str__(self) -> str:
        return self.username

    @property
    def masked_mobile(self) -> str:
        return mask(self.mobile, SensitiveKind.MOBILE)

    @property
    def masked_id_number(self) -> str:
        return mask(self.id_number, SensitiveKind.ID_NUMBER)
