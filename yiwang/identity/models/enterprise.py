"""Legal entities bound to their legal representative, and the agents they delegate."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class EntityBinding(models.Model):
    """A legal entity (by unified social credit code) bound to the account of its legal
    representative, after both were checked against the legal-entity base data."""

    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    name = models.CharField(_("名称"), max_length=200)
    representative = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="represented_entities"
    )
    bound_at = models.DateTimeField(_("绑定时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("法人绑定")
        verbose_name_plural = pgettext_lazy("plural", "法人绑定")

    def __str__(self) -> str:
        return f"{self.name} ({self.credit_code})"


class Delegation(models.Model):
    """The representative lets an agent (经办人) act for the entity: for some services (or
    all, ``["*"]``) until an expiry. Revocation takes effect at once."""

    entity = models.ForeignKey(EntityBinding, on_delete=models.CASCADE, related_name="delegations")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="delegations"
    )
    scope = models.JSONField(_("授权范围"), default=list)
    expires_at = models.DateTimeField(_("到期时间"))
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("经办人授权")
        verbose_name_plural = pgettext_lazy("plural", "经办人授权")
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(
                fields=["entity", "agent"],
                condition=models.Q(revoked_at__isnull=True),
                name="delegation_one_active_per_agent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agent_id} for {self.entity_id}"
