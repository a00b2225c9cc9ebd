"""Seals, the platform CA that certifies them, who may use each, and every use."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yiwang.kernel.models import Department, SigningKey


class CertificateAuthority(models.Model):
    """The platform's root CA for one algorithm: SM2 (seal certificates for seal records) or
    ECDSA P-256 (certificates for PAdES signatures). Made once, on first need."""

    algorithm = models.CharField(max_length=16, unique=True)
    name = models.CharField(max_length=200)
    signing_key = models.ForeignKey(SigningKey, on_delete=models.PROTECT, related_name="+")
    certificate = models.TextField(help_text="PEM")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class SealKind(models.TextChoices):
    OFFICIAL = "official", _("公章")
    LICENSE = "license", _("证照专用章")
    BUSINESS = "business", _("行政审批专用章")
    CONTRACT = "contract", _("合同专用章")
    FINANCE = "finance", _("财务专用章")


class SealStatus(models.TextChoices):
    ACTIVE = "active", _("启用")
    SUSPENDED = "suspended", _("已暂停")
    REVOKED = "revoked", _("已注销")


class SealFormat(models.TextChoices):
    SM2 = "sm2", _("国密签章(SM2)")
    PADES = "pades", _("PAdES 数字签名")


class Seal(models.Model):
    """A department's e-seal: its image, an SM2 key with a certificate from the platform CA
    (for seal records) and an ECDSA key with its certificate (for PAdES)."""

    code = models.CharField(_("印章编码"), max_length=40, unique=True)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="+", verbose_name=_("所属部门")
    )
    name = models.CharField(_("印章名称"), max_length=100)
    kind = models.CharField(_("印章类型"), max_length=16, choices=SealKind.choices)
    image = models.BinaryField(_("印模图片"))
    image_sm3 = models.CharField(max_length=64)
    status = models.CharField(
        _("状态"), max_length=16, choices=SealStatus.choices, default=SealStatus.ACTIVE
    )
    valid_from = models.DateTimeField(_("生效时间"))
    valid_until = models.DateTimeField(_("失效时间"))
    keeper = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("保管人"),
    )
    #: System purposes that may use the seal without a person ("cases.decision",
    #: "cases.acceptance", "licenses.issue"): the department's standing authorisation.
    automatic_purposes = models.JSONField(_("自动用章事项"), default=list, blank=True)
    sm2_key = models.ForeignKey(SigningKey, on_delete=models.PROTECT, related_name="+")
    sm2_certificate = models.TextField(help_text="PEM, issued by the platform SM2 CA")
    pades_key = models.ForeignKey(SigningKey, on_delete=models.PROTECT, related_name="+")
    pades_certificate = models.TextField(help_text="PEM, issued by the platform ECDSA CA")
    status_reason = models.CharField(_("状态说明"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["department_id", "code"]
        verbose_name = _("电子印章")
        verbose_name_plural = _("电子印章")

    def __str__(self) -> str:
        return self.name


class SealStatusChange(models.Model):
    """The seal's history: whether it was usable at a moment is read from here."""

    seal = models.ForeignKey(Seal, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    reason = models.CharField(max_length=500, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField(db_index=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.seal_id}: {self.from_status} → {self.to_status}"


class SealPermission(models.Model):
    """A person allowed to use a seal (用章授权)."""

    seal = models.ForeignKey(Seal, on_delete=models.CASCADE, related_name="permissions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    granted_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["seal", "user"],
                condition=models.Q(revoked_at__isnull=True),
                name="seal_permission_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} may use {self.seal_id}"


class SealUseOutcome(models.TextChoices):
    SEALED = "sealed", _("已盖章")
    REFUSED = "refused", _("已拒绝")


class SealUse(models.Model):
    """One use of a seal, or one refused attempt (用章记录)."""

    seal = models.ForeignKey(Seal, on_delete=models.PROTECT, related_name="uses")
    at = models.DateTimeField(db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    actor_label = models.CharField(max_length=150, blank=True)
    purpose = models.CharField(_("用途"), max_length=64)
    reference = models.CharField(_("关联业务"), max_length=120, blank=True)
    format = models.CharField(max_length=8, choices=SealFormat.choices)
    outcome = models.CharField(max_length=8, choices=SealUseOutcome.choices)
    refusal_code = models.CharField(max_length=64, blank=True)
    #: SM3 of the document as it was handed in, and of the sealed bytes covered by the seal.
    input_sm3 = models.CharField(max_length=64, blank=True)
    sealed_sm3 = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.seal_id} {self.outcome} {self.purpose} {self.reference}"
