"""Signed-in sessions an account holder can see and end ("log out other devices")."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AccountSession(models.Model):
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account_sessions"
    )
    session_key = models.CharField(max_length=64, unique=True)
    factors = models.JSONField(_("认证因素"), default=list)
    user_agent = models.CharField(_("设备"), max_length=300, blank=True)
    ip_address = models.GenericIPAddressField(_("地址"), null=True, blank=True)
    created_at = models.DateTimeField(_("登录时间"), auto_now_add=True)
    last_seen_at = models.DateTimeField(_("最近活动"), auto_now_add=True)
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    end_reason = models.CharField(max_length=32, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-created_at"]
        verbose_name = _("登录会话")
        verbose_name_plural = pgettext_lazy("plural", "登录会话")

    def __str__(self) -> str:
        return f"session of {self.account_id}"
