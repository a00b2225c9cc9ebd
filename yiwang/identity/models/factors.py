"""Second factors (TOTP devices, passkeys) and one-time codes sent by SMS."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yiwang.kernel.fields import SensitiveField, SensitiveKind


class TotpDevice(models.Model):
    """An authenticator app (RFC 6238, 30-second steps). ``last_step`` makes each code single
    use: a code whose step is not after the last accepted one is refused."""

    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="totp_devices"
    )
    name = models.CharField(_("名称"), max_length=64)
    secret = SensitiveField(_("密钥"), kind=SensitiveKind.TEXT)
    confirmed_at = models.DateTimeField(_("启用时间"), null=True, blank=True)
    last_step = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("动态口令设备")
        verbose_name_plural = pgettext_lazy("plural", "动态口令设备")

    def __str__(self) -> str:
        return f"{self.name} ({self.account_id})"


class Passkey(models.Model):
    """A WebAuthn credential (passkey) registered by the account holder."""

    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="passkeys"
    )
    name = models.CharField(_("名称"), max_length=64)
    credential_id = models.CharField(max_length=1024, unique=True)  # base64url
    public_key = models.BinaryField()
    sign_count = models.BigIntegerField(default=0)
    transports = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("通行密钥")
        verbose_name_plural = pgettext_lazy("plural", "通行密钥")

    def __str__(self) -> str:
        return f"{self.name} ({self.account_id})"


class OneTimeCodePurpose(models.TextChoices):
    REGISTER = "register", _("注册")
    LOGIN = "login", _("登录")
    CHANGE_MOBILE = "change_mobile", _("更换手机号")
    REAUTHENTICATE = "reauthenticate", _("身份确认")


class OneTimeCode(models.Model):
    """A 6-digit code sent to a mobile number: single use, valid for a few minutes, a few
    attempts. Only the code's keyed hash is stored; the number is kept as its blind index."""

    purpose = models.CharField(max_length=20, choices=OneTimeCodePurpose.choices)
    mobile_index = models.CharField(max_length=64, db_index=True)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("短信验证码")
        verbose_name_plural = pgettext_lazy("plural", "短信验证码")
        indexes: ClassVar[list[Any]] = [
            models.Index(fields=["mobile_index", "purpose", "created_at"], name="otc_lookup_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} code {self.pk}"
