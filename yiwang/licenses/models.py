"""Persistence of e-licences (电子证照): the catalogue of licence types, issued licences and
their signed versions, status changes, uses, the holder's grants (亮证) and the departments
verified to read licences by grant (用证部门认证)."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yiwang.kernel.fields import SensitiveField, SensitiveKind


class HolderKind(models.TextChoices):
    PERSON = "person", _("自然人")
    ENTITY = "entity", _("法人")
    EITHER = "either", _("自然人或法人")


class LicenseStatus(models.TextChoices):
    VALID = "valid", _("有效")
    SUSPENDED = "suspended", _("已暂停")
    REVOKED = "revoked", _("已注销")
    EXPIRED = "expired", _("过期")


class UseVia(models.TextChoices):
    GRANT = "grant", _("扫码授权")
    PAPERLESS = "paperless", _("免提交")
    VERIFICATION = "verification", _("核验")
    DOWNLOAD = "download", _("下载")


class LicenseType(models.Model):
    """A kind of licence in the catalogue (证照目录), e.g. 食品经营许可证."""

    # The catalogue's key (e.g. ``food_business_licence``): what service items name as
    # their result and materials name as a licence that can replace them.
    code = models.CharField(_("证照类型编码"), max_length=64, unique=True)
    # The type's segment of licence identifiers: letters and digits (e.g. ``SPJY``).
    identifier_code = models.CharField(_("证照类型代码"), max_length=32, unique=True)
    name = models.CharField(_("证照名称"), max_length=100)
    issuing_department_kind = models.CharField(_("发证部门类型"), max_length=100, blank=True)
    description = models.TextField(_("说明"), blank=True)
    fields_schema = models.JSONField(_("照面信息结构"), default=dict, blank=True)
    # Both empty: valid until revoked (长期有效).
    validity_years = models.PositiveIntegerField(_("有效期(年)"), null=True, blank=True)
    validity_days = models.PositiveIntegerField(_("有效期(天)"), null=True, blank=True)
    layout = models.JSONField(_("照面布局"), default=list, blank=True)
    holder_kind = models.CharField(
        _("持证主体"), max_length=8, choices=HolderKind.choices, default=HolderKind.EITHER
    )
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["code"]
        verbose_name = _("证照类型")
        verbose_name_plural = pgettext_lazy("plural", "证照类型")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class LicenseCounter(models.Model):
    """The last serial given per (type, issuer); locked while a licence takes the next one."""

    type_code = models.CharField(max_length=32)
    issuer_code = models.CharField(max_length=32)
    last = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(
                fields=["type_code", "issuer_code"], name="license_counter_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type_code}/{self.issuer_code}: {self.last}"


class License(models.Model):
    """One licence for its whole life; each change adds a :class:`LicenseVersion`."""

    identifier_base = models.CharField(_("证照标识(不含版本)"), max_length=120, unique=True)
    license_type = models.ForeignKey(LicenseType, on_delete=models.PROTECT, related_name="licenses")
    issuer_department = models.ForeignKey(
        "kernel.Department", on_delete=models.PROTECT, related_name="+"
    )
    issuer_code = models.CharField(_("发证机构代码"), max_length=32)
    issuer_department_code = models.CharField(_("发证部门编码"), max_length=32)
    issuer_name = models.CharField(_("发证机构"), max_length=200)
    holder_kind = models.CharField(_("持证主体类型"), max_length=8, choices=HolderKind.choices)
    holder_name = models.CharField(_("持证主体"), max_length=200)
    holder_id_number = SensitiveField(
        _("持证人身份证号码"), kind=SensitiveKind.ID_NUMBER, blank=True
    )
    holder_credit_code = models.CharField(
        _("统一社会信用代码"), max_length=18, blank=True, db_index=True
    )
    holder_user_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=LicenseStatus.choices, default=LicenseStatus.VALID
    )
    version = models.PositiveIntegerField(_("当前版本"), default=1)
    case_no = models.CharField(_("办件编号"), max_length=20, blank=True)
    case_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-created_at", "-id"]
        verbose_name = _("电子证照")
        verbose_name_plural = pgettext_lazy("plural", "电子证照")
        constraints: ClassVar[list[Any]] = [
            # A redelivered cases.completed must not issue the same licence twice.
            models.UniqueConstraint(
                fields=["license_type", "case_id"],
                condition=models.Q(case_id__isnull=False),
                name="license_once_per_case",
            ),
        ]

    def __str__(self) -> str:
        return self.identifier_base

    def current(self) -> LicenseVersion:
        """The current version (from prefetched ``versions`` when they were fetched)."""
        prefetched = getattr(self, "_prefetched_objects_cache", {}).get("versions")
        if prefetched is not None:
            for version in prefetched:
                if version.version == self.version:
                    found: LicenseVersion = version
                    return found
        return self.versions.get(version=self.version)


class LicenseVersion(models.Model):
    """A signed state of a licence: its identifier, data, validity and signature."""

    license = models.ForeignKey(License, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    identifier = models.CharField(_("证照标识"), max_length=130, unique=True)
    data = models.JSONField(_("照面信息"), default=dict)
    valid_from = models.DateField(_("有效期起"))
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)
    digest = models.CharField(max_length=64, help_text="SM3 of the canonical data, hex")
    signature = models.CharField(max_length=160, help_text="SM2 signature, DER, hex")
    signing_key = models.ForeignKey("kernel.SigningKey", on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField()
    reason = models.TextField(_("变更原因"), blank=True)
    pdf = models.ForeignKey(
        "kernel.StoredFile", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    sealed = models.BooleanField(_("已加盖电子印章"), default=False)

    class Meta:
        ordering: ClassVar[list[str]] = ["license_id", "version"]
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(fields=["license", "version"], name="license_version_unique"),
        ]

    def __str__(self) -> str:
        return self.identifier


class LicenseStatusChange(models.Model):
    license = models.ForeignKey(License, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=10, choices=LicenseStatus.choices)
    to_status = models.CharField(max_length=10, choices=LicenseStatus.choices)
    reason = models.TextField(blank=True)
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_label = models.CharField(max_length=150, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.license_id}: {self.from_status} -> {self.to_status}"


class LicenseUse(models.Model):
    """Someone used a licence: read it by the holder's grant, used it instead of a material
    (免提交), verified it as staff, or downloaded it. Shown to the holder."""

    license = models.ForeignKey(License, on_delete=models.CASCADE, related_name="uses")
    version = models.PositiveIntegerField()
    used_at = models.DateTimeField(auto_now_add=True, db_index=True)
    user_id = models.BigIntegerField(null=True, blank=True)
    user_name = models.CharField(max_length=150, blank=True)
    department_code = models.CharField(max_length=32, blank=True, db_index=True)
    department_name = models.CharField(max_length=200, blank=True)
    purpose = models.CharField(max_length=200, blank=True)
    case_no = models.CharField(max_length=20, blank=True)
    material_code = models.CharField(max_length=40, blank=True)
    via = models.CharField(max_length=12, choices=UseVia.choices)

    class Meta:
        ordering: ClassVar[list[str]] = ["-used_at", "-id"]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["via", "used_at"], name="license_use_via_at"),
        ]

    def __str__(self) -> str:
        return f"{self.license_id} {self.via} {self.used_at}"


class LicenseGrant(models.Model):
    """亮证: the holder lets one clerk read chosen licences once, within minutes. Only hashes
    of the token and of the short code are kept."""

    holder_user_id = models.BigIntegerField(db_index=True)
    licenses = models.ManyToManyField(License, related_name="grants")
    token_hash = models.CharField(max_length=64, unique=True)
    short_code_hash = models.CharField(max_length=64, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    used_by_id = models.BigIntegerField(null=True, blank=True)
    used_department_code = models.CharField(max_length=32, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-created_at"]

    def __str__(self) -> str:
        return f"grant {self.pk} of {self.holder_user_id}"


class LicenseUserDepartment(models.Model):
    """A department verified to read licences its clerks are shown (用证部门认证)."""

    department = models.OneToOneField(
        "kernel.Department", on_delete=models.PROTECT, related_name="+"
    )
    verified_by_id = models.BigIntegerField(null=True, blank=True)
    verified_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("用证部门")

    def __str__(self) -> str:
        return f"user department {self.department_id}"
