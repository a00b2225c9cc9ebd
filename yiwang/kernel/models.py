"""Persistence of the shared kernel: regions, departments, roles, audit trail, calendar
overrides, the event outbox and stored files."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yiwang.kernel.fields import SensitiveField, SensitiveKind


class RegionLevel(models.TextChoices):
    PROVINCE = "province", _("省")
    CITY = "city", _("市")
    COUNTY = "county", _("县")
    TOWNSHIP = "township", _("乡")
    VILLAGE = "village", _("村")


#: Length of a statistical division code at each level (GB/T 2260 + the township and village
#: extension of the National Bureau of Statistics).
CODE_LENGTH: dict[str, int] = {
    RegionLevel.PROVINCE: 2,
    RegionLevel.CITY: 4,
    RegionLevel.COUNTY: 6,
    RegionLevel.TOWNSHIP: 9,
    RegionLevel.VILLAGE: 12,
}
LEVEL_BY_LENGTH: dict[int, str] = {length: level for level, length in CODE_LENGTH.items()}


class ScopedQuerySet(models.QuerySet[Any]):
    """Adds ``for_user(user, action)``: the permission gate applied to this model's rows."""

    region_field: ClassVar[str | None] = None
    department_field: ClassVar[str | None] = None

    def for_user(self, user: Any, action: str) -> ScopedQuerySet:
        from yiwang.kernel.permissions import restrict

        return restrict(  # type: ignore[return-value]
            self,
            user,
            action,
            region_field=self.region_field,
            department_field=self.department_field,
        )


class RegionQuerySet(ScopedQuerySet):
    region_field = "code"


class DepartmentQuerySet(ScopedQuerySet):
    region_field = "region__code"
    department_field = "pk"


class Region(models.Model):
    """An administrative division. The code is the significant prefix of the statistical
    division code (2/4/6/9/12 digits), so a region's descendants are the codes it prefixes."""

    code = models.CharField(_("区划代码"), max_length=12, primary_key=True)
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("层级"), max_length=10, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )

    objects = RegionQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["code"]
        verbose_name = _("行政区划")
        verbose_name_plural = pgettext_lazy("plural", "行政区划")
        constraints: ClassVar[list[Any]] = [
            models.CheckConstraint(
                condition=(
                    models.Q(level="province", parent__isnull=True)
                    | (~models.Q(level="province") & models.Q(parent__isnull=False))
                ),
                name="region_parent_matches_level",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def full_code(self) -> str:
        """The 12-digit form used by statistical tables (e.g. 420000000000)."""
        return self.code.ljust(12, "0")

    @property
    def admin_code(self) -> str:
        """The 6-digit administrative division code of GB/T 2260 (e.g. 420000)."""
        return self.code[:6].ljust(6, "0")


class Department(models.Model):
    """A government body inside a region (e.g. 武汉市市场监督管理局)."""

    code = models.CharField(_("部门编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=200)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="departments")
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    objects = DepartmentQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["region_id", "code"]
        verbose_name = _("部门")
        verbose_name_plural = pgettext_lazy("plural", "部门")

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    PLATFORM_ADMIN = "platform_admin", _("平台管理员")
    DEPARTMENT_ADMIN = "department_admin", _("部门管理员")
    WINDOW_CLERK = "window_clerk", _("窗口人员")
    APPROVER = "approver", _("审批人员")
    HOTLINE_AGENT = "hotline_agent", _("热线话务员")
    DATA_OFFICER = "data_officer", _("数据专员")
    AUDITOR = "auditor", _("审计员")


class RoleAssignment(models.Model):
    """A staff member holds a role in a region, optionally limited to one department."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_assignments"
    )
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("角色分配")
        verbose_name_plural = pgettext_lazy("plural", "角色分配")
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(
                fields=["user", "role", "region", "department"], name="role_assignment_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.role} @ {self.region_id}/{self.department_id or '*'}"


class AppendOnlyQuerySet(models.QuerySet["AuditEntry"]):
    """Audit rows are never changed through the ORM."""

    def update(self, **kwargs: Any) -> int:
        raise PermissionError("the audit trail is append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("the audit trail is append-only")

    def bulk_update(self, *args: Any, **kwargs: Any) -> int:
        raise PermissionError("the audit trail is append-only")


class AuditEntry(models.Model):
    """One row of the append-only, hash-chained audit trail.

    ``hash`` = SM3(prev_hash || canonical JSON of the row's content); ``seq`` is gap-free.
    """

    seq = models.BigIntegerField(primary_key=True)
    created_at = models.DateTimeField(db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    actor_label = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=100, db_index=True)
    target_type = models.CharField(max_length=100, blank=True)
    target_id = models.CharField(max_length=100, blank=True, db_index=True)
    details = models.JSONField(default=dict)
    request_id = models.CharField(max_length=64, blank=True)
    source_ip = models.GenericIPAddressField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["seq"]
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计日志")
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["target_type", "target_id"], name="audit_target_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionError("the audit trail is append-only")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("the audit trail is append-only")


class AuditChainHead(models.Model):
    """The single row holding the chain's last sequence number and hash. Appending locks it,
    so concurrent writers line up and the chain never forks."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("审计链头")

    def __str__(self) -> str:
        return f"audit head #{self.last_seq}"


class CalendarOverride(models.Model):
    """A local correction of the national holiday calendar (e.g. a regional holiday, or a year
    the calendar package does not know yet)."""

    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("是否工作日"))
    reason = models.CharField(_("原因"), max_length=200)

    class Meta:
        ordering: ClassVar[list[str]] = ["date"]
        verbose_name = _("日历调整")
        verbose_name_plural = pgettext_lazy("plural", "日历调整")

    def __str__(self) -> str:
        return f"{self.date} {'work' if self.is_workday else 'rest'}"


class OutboxEvent(models.Model):
    """A domain event, stored in the transaction that caused it and delivered after commit."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    topic = models.CharField(max_length=100, db_index=True)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    delivered_at = models.DateTimeField(null=True, blank=True, db_index=True)
    relayed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["created_at"]
        verbose_name = _("待发事件")

    def __str__(self) -> str:
        return f"{self.topic} {self.id}"


class OutboxDelivery(models.Model):
    """Marks that one handler has processed one event, so a redelivery skips it."""

    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="deliveries")
    handler = models.CharField(max_length=200)
    delivered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(fields=["event", "handler"], name="outbox_delivery_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.handler} <- {self.event_id}"


class SmsMessage(models.Model):
    """A text message as the local SMS gateway 'sent' it: the table a developer reads instead
    of a phone. A real gateway adapter records here too, for the audit of what was sent."""

    mobile = SensitiveField(_("手机号码"), kind=SensitiveKind.MOBILE)
    body = models.TextField(_("内容"))
    gateway = models.CharField(max_length=32, default="local")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-created_at"]
        verbose_name = _("短信")
        verbose_name_plural = pgettext_lazy("plural", "短信")

    def __str__(self) -> str:
        return f"SMS {self.pk}"


class BasePerson(models.Model):
    """A row of the population base data (人口基础库) as far as the kernel needs it for
    real-name verification. Until the data-sharing exchange mounts the real base table, a
    seeded table of demo persons stands here; see :mod:`yiwang.kernel.population`."""

    name = SensitiveField(_("姓名"), kind=SensitiveKind.TEXT)
    id_number = SensitiveField(_("居民身份证号码"), kind=SensitiveKind.ID_NUMBER)
    gender = models.CharField(_("性别"), max_length=1, blank=True)  # 男 / 女
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    ethnicity = models.CharField(_("民族"), max_length=20, blank=True)
    address = SensitiveField(_("户籍地址"), kind=SensitiveKind.TEXT, blank=True)
    household_region = models.CharField(_("户籍地区划"), max_length=12, blank=True, db_index=True)
    updated_at = models.DateTimeField(_("更新时间"), null=True, blank=True)
    #: The node the row came from by backflow (数据回流); '' for this node's own data.
    origin_node = models.CharField(_("来源节点"), max_length=12, blank=True, db_default="")

    class Meta:
        verbose_name = _("人口基础信息")
        verbose_name_plural = pgettext_lazy("plural", "人口基础信息")

    def __str__(self) -> str:
        return f"person {self.pk}"


class BaseLegalEntity(models.Model):
    """A row of the legal-entity base data (法人基础库): code, name and representative."""

    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    name = models.CharField(_("名称"), max_length=200)
    representative_name = SensitiveField(_("法定代表人"), kind=SensitiveKind.TEXT)
    representative_id_number = SensitiveField(
        _("法定代表人身份证号码"), kind=SensitiveKind.ID_NUMBER
    )
    entity_type = models.CharField(_("市场主体类型"), max_length=60, blank=True)
    registered_capital = models.DecimalField(
        _("注册资本(万元)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    established_on = models.DateField(_("成立日期"), null=True, blank=True)
    address = models.CharField(_("住所"), max_length=200, blank=True)
    #: 存续 (active), 注销 (deregistered), 吊销 (revoked).
    status = models.CharField(_("登记状态"), max_length=16, default="active")
    region = models.CharField(_("登记机关区划"), max_length=12, blank=True, db_index=True)
    updated_at = models.DateTimeField(_("更新时间"), null=True, blank=True)
    #: The node the row came from by backflow (数据回流); '' for this node's own data.
    origin_node = models.CharField(_("来源节点"), max_length=12, blank=True, db_default="")

    class Meta:
        verbose_name = _("法人基础信息")
        verbose_name_plural = pgettext_lazy("plural", "法人基础信息")

    def __str__(self) -> str:
        return f"{self.name} ({self.credit_code})"


class BaseCreditRecord(models.Model):
    """A row of the credit base data (信用基础库): a commendation (red list), a serious
    dishonesty listing (black list) or an administrative penalty of a legal entity."""

    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, db_index=True)
    kind = models.CharField(_("类别"), max_length=16)  # red / black / penalty
    title = models.CharField(_("事由"), max_length=200)
    decided_by = models.CharField(_("认定部门"), max_length=200)
    decided_on = models.DateField(_("认定日期"))
    expires_on = models.DateField(_("有效期至"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("信用基础信息")
        verbose_name_plural = pgettext_lazy("plural", "信用基础信息")

    def __str__(self) -> str:
        return f"{self.kind} {self.credit_code}"


class StoredFile(models.Model):
    """A file kept through the storage abstraction, addressed by id, checked by its hash."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("文件名"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    storage_path = models.CharField(max_length=500)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("存储文件")

    def __str__(self) -> str:
        return self.name


class SearchEntry(models.Model):
    """One searchable document of some module (see :mod:`yiwang.kernel.search`).

    ``title_terms`` and ``terms`` hold analysed, space-separated index terms (jieba words,
    pinyin, initials and filter tokens); the full-text index over them is an FTS5 table on
    SQLite and a ``tsvector`` column on PostgreSQL, both kept in step by database triggers.
    """

    scope = models.CharField(_("范围"), max_length=40)
    key = models.CharField(_("键"), max_length=100)
    title = models.CharField(_("标题"), max_length=300)
    summary = models.TextField(_("摘要"), blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    data = models.JSONField(_("展示数据"), default=dict, blank=True)
    title_terms = models.TextField(_("标题索引词"))
    terms = models.TextField(_("索引词"))
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("搜索条目")
        verbose_name_plural = pgettext_lazy("plural", "搜索条目")
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(fields=["scope", "key"], name="search_entry_unique_key"),
        ]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}"


class SigningKey(models.Model):
    """An SM2 key pair of an owner (a seal, an issuer). The private key stays in the key store
    named by ``store`` (``yiwang.kernel.keystore``): for the local store, ``private_key`` is
    its SM4-GCM ciphertext; for a hardware module it would be the key's label in the device.
    No API returns ``private_key``."""

    owner_type = models.CharField(max_length=40)
    owner_id = models.CharField(max_length=64)
    algorithm = models.CharField(max_length=16, default="sm2")
    public_key = models.CharField(max_length=130, help_text="04 || x || y, hex")
    fingerprint = models.CharField(max_length=64, unique=True, help_text="SM3 of the point")
    store = models.CharField(max_length=40, default="local")
    private_key = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    disabled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["owner_type", "owner_id"], name="kernel_signingkey_owner")]

    def __str__(self) -> str:
        return f"{self.owner_type}:{self.owner_id} ({self.fingerprint[:16]})"
