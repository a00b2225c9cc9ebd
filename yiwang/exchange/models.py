"""The exchange's records: the resource catalogue and its mounts, share requests and grants,
consumer applications, the message log of data calls, error reports, subscriptions, and the
peer nodes of the cascade with the messages exchanged with them.

Vocabulary (docs/glossary.md): a *resource* (政务信息资源, ``DataResource``) is a catalogue
entry with *fields* (信息项, ``DataField``); it is *mounted* (挂接) on a base table, an external
API or a file; a consumer department *requests* it (共享申请) and gets a *grant* covering some
fields; its *applications* call the gateway and every call is in the *message log*.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yiwang.kernel.models import Department


class ShareType(models.TextChoices):
    UNCONDITIONAL = "unconditional", _("无条件共享")
    CONDITIONAL = "conditional", _("有条件共享")
    NOT_SHARED = "not_shared", _("不予共享")


class OpenType(models.TextChoices):
    OPEN = "open", _("无条件开放")
    CONDITIONAL = "conditional", _("有条件开放")
    NOT_OPEN = "not_open", _("不予开放")


class ShareMethod(models.TextChoices):
    API = "api", _("接口")
    FILE = "file", _("文件")
    SUBSCRIPTION = "subscription", _("订阅")


class UpdateCycle(models.TextChoices):
    REALTIME = "realtime", _("实时")
    DAILY = "daily", _("每日")
    WEEKLY = "weekly", _("每周")
    MONTHLY = "monthly", _("每月")
    QUARTERLY = "quarterly", _("每季度")
    YEARLY = "yearly", _("每年")


#: Days a resource may go without an update and still count as fresh (鲜活).
CYCLE_DAYS = {
    UpdateCycle.REALTIME: 1,
    UpdateCycle.DAILY: 1,
    UpdateCycle.WEEKLY: 7,
    UpdateCycle.MONTHLY: 31,
    UpdateCycle.QUARTERLY: 92,
    UpdateCycle.YEARLY: 366,
}


class ResourceStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    WITHDRAWN = "withdrawn", pgettext_lazy("resource status", "已撤销")


class FieldType(models.TextChoices):
    STRING = "string", _("字符")
    INTEGER = "integer", _("整数")
    NUMBER = "number", _("数值")
    DATE = "date", _("日期")
    DATETIME = "datetime", _("日期时间")
    BOOLEAN = "boolean", _("布尔")


class DataResource(models.Model):
    """A catalogue entry (政务信息资源目录) with the national core metadata."""

    code = models.CharField(_("资源代码"), max_length=64, unique=True)
    classification = models.CharField(_("资源分类"), max_length=64)
    name = models.CharField(_("资源名称"), max_length=200)
    provider = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="+", verbose_name=_("提供方")
    )
    abstract = models.TextField(_("资源摘要"))
    format = models.CharField(_("资源格式"), max_length=32)  # e.g. 数据库, 接口, 电子文件
    share_type = models.CharField(_("共享类型"), max_length=16, choices=ShareType.choices)
    share_conditions = models.TextField(_("共享条件"), blank=True)
    #: Required when the resource is not shared: the law that forbids it.
    legal_basis = models.TextField(_("不予共享依据"), blank=True)
    share_methods = models.JSONField(_("共享方式"), default=list)  # ShareMethod values
    open_type = models.CharField(_("开放类型"), max_length=16, choices=OpenType.choices)
    update_cycle = models.CharField(_("更新周期"), max_length=16, choices=UpdateCycle.choices)
    publish_date = models.DateField(_("发布日期"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=ResourceStatus.choices, default=ResourceStatus.DRAFT
    )
    version = models.PositiveIntegerField(_("版本"), default=1)
    #: The node that owns the entry ('' = this node); entries from a peer are read-only here.
    origin_node = models.CharField(_("来源节点"), max_length=12, blank=True)
    search_text = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["code"]
        verbose_name = _("政务信息资源")
        verbose_name_plural = _("政务信息资源")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class DataField(models.Model):
    """One field (信息项) of a resource."""

    resource = models.ForeignKey(DataResource, on_delete=models.CASCADE, related_name="fields")
    name = models.CharField(_("信息项标识"), max_length=64)  # the key in answers
    title = models.CharField(_("信息项名称"), max_length=100)
    type = models.CharField(_("数据类型"), max_length=16, choices=FieldType.choices)
    personal = models.BooleanField(_("个人信息"), default=False)
    #: 一数一源: the department code that is the authoritative source of this element.
    authoritative_source = models.CharField(_("权威来源"), max_length=32)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering: ClassVar[list[str]] = ["resource_id", "position", "id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["resource", "name"], name="data_field_once")
        ]

    def __str__(self) -> str:
        return f"{self.resource_id}.{self.name}"


class ResourceVersion(models.Model):
    """A published state of a resource and its fields, as JSON (the catalogue's history)."""

    resource = models.ForeignKey(DataResource, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    snapshot = models.JSONField()
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering: ClassVar[list[str]] = ["resource_id", "-version"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["resource", "version"], name="resource_version_once")
        ]

    def __str__(self) -> str:
        return f"{self.resource_id} v{self.version}"


class MountKind(models.TextChoices):
    TABLE = "table", _("数据库表")
    API = "api", _("接口")
    FILE = "file", _("文件")


class Mount(models.Model):
    """What backs a resource (挂接): a registered base table (by its registry name, see
    ``exchange.sources``), an external API (URL), or a file kept by the kernel."""

    resource = models.OneToOneField(DataResource, on_delete=models.CASCADE, related_name="mount")
    kind = models.CharField(_("挂接方式"), max_length=8, choices=MountKind.choices)
    source = models.CharField(_("数据源"), max_length=200)  # table name / URL
    file = models.ForeignKey(
        "kernel.StoredFile", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    key_field = models.CharField(_("查询键"), max_length=64, blank=True)
    row_count = models.BigIntegerField(_("数据量"), null=True, blank=True)
    #: When the data behind it last changed (for freshness, 鲜活率).
    data_updated_at = models.DateTimeField(_("数据更新时间"), null=True, blank=True)
    mounted_at = models.DateTimeField(auto_now_add=True)
    mounted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.resource_id} ← {self.kind}:{self.source}"


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已同意")
    REJECTED = "rejected", _("已拒绝")
    WITHDRAWN = "withdrawn", _("已撤回")


class ShareRequest(models.Model):
    """A consumer department asks for a resource (共享申请): some or all fields, a purpose and
    a legal basis. Unconditional resources are granted at once; conditional ones wait for the
    provider, who must decide by ``due_on`` (working days)."""

    resource = models.ForeignKey(DataResource, on_delete=models.PROTECT, related_name="requests")
    consumer = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="+", verbose_name=_("使用方")
    )
    fields = models.JSONField(_("申请信息项"))  # field names
    purpose = models.TextField(_("用途"))
    legal_basis = models.TextField(_("依据"))
    valid_until = models.DateField(_("申请使用期限"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    due_on = models.DateField(_("答复期限"), null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(_("审核意见"), blank=True)
    #: Set when the request came from a peer node (the consumer is that node's department).
    origin_node = models.CharField(max_length=12, blank=True)
    #: The request's id on the other node (a city's own id for its request to the province,
    #: and the province's id on the city's copy), so decisions find their request exactly.
    remote_ref = models.CharField(max_length=40, blank=True, db_index=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"request {self.pk}: {self.consumer_id} → {self.resource_id}"


class ShareGrant(models.Model):
    """What a consumer department may read of a resource, until it expires or is revoked."""

    request = models.OneToOneField(ShareRequest, on_delete=models.PROTECT, related_name="grant")
    resource = models.ForeignKey(DataResource, on_delete=models.PROTECT, related_name="grants")
    consumer = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    fields = models.JSONField()  # granted field names
    #: Personal fields come unmasked only when the grant says so (and names them in fields).
    personal_unmasked = models.BooleanField(default=False)
    rate_limit_per_minute = models.PositiveIntegerField(default=600)
    granted_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.TextField(blank=True)
    origin_node = models.CharField(max_length=12, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-granted_at", "-id"]

    def __str__(self) -> str:
        return f"grant {self.pk}: {self.consumer_id} ← {self.resource_id}"


class ConsumerApp(models.Model):
    """A consumer department's application that calls the gateway: with an OAuth client (client
    credentials through the identity module's server) or an API key (only its hash is kept)."""

    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("应用名称"), max_length=100)
    oauth_client_id = models.CharField(max_length=100, blank=True, db_index=True)
    api_key_prefix = models.CharField(max_length=12, blank=True, db_index=True)
    api_key_hash = models.CharField(max_length=128, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    def __str__(self) -> str:
        return self.name


class CallLogEntry(models.Model):
    """One data call through the gateway (or a refusal of one), in a hash chain: each entry's
    hash covers its content and the previous entry's hash, so the exported log verifies
    offline (X-Road's message log, in spirit)."""

    seq = models.BigIntegerField(unique=True)
    at = models.DateTimeField()
    app = models.ForeignKey(ConsumerApp, on_delete=models.PROTECT, null=True, related_name="+")
    consumer_code = models.CharField(max_length=32)
    grant = models.ForeignKey(ShareGrant, on_delete=models.PROTECT, null=True, related_name="+")
    resource_code = models.CharField(max_length=64)
    purpose = models.CharField(max_length=200, blank=True)
    query = models.JSONField(default=dict)  # personal values in it are kept as blind indexes
    record_ids = models.JSONField(default=list)
    response_sm3 = models.CharField(max_length=64, blank=True)
    outcome = models.CharField(max_length=32)  # ok, or a refusal code
    node = models.CharField(max_length=12, blank=True)  # the calling peer node, if any
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering: ClassVar[list[str]] = ["seq"]

    def __str__(self) -> str:
        return f"call {self.seq} {self.consumer_code} {self.resource_code} {self.outcome}"


class CallLogHead(models.Model):
    """The single row holding the message log's last sequence number and hash. An append
    locks it (one short row lock, like the audit trail's head), so writers line up and the
    chain never forks."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return f"message log head #{self.last_seq}"


class ReportStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    CORRECTED = "corrected", _("已更正")
    REJECTED = "rejected", _("不予更正")


class ErrorReport(models.Model):
    """A consumer's report of wrong data (纠错), routed to the provider with a deadline."""

    resource = models.ForeignKey(DataResource, on_delete=models.PROTECT, related_name="reports")
    reporter = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    record_key = models.CharField(_("记录标识"), max_length=100)  # masked when personal
    field_name = models.CharField(_("信息项"), max_length=64)
    description = models.TextField(_("问题描述"))
    status = models.CharField(
        _("状态"), max_length=12, choices=ReportStatus.choices, default=ReportStatus.OPEN
    )
    due_on = models.DateField(_("处理期限"))
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    reported_at = models.DateTimeField(auto_now_add=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.TextField(_("处理结果"), blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-reported_at", "-id"]

    def __str__(self) -> str:
        return f"report {self.pk} on {self.resource_id}"


class Subscription(models.Model):
    """A consumer's standing interest in a resource's changes (instead of polling): each change
    is an outbox event ``exchange.resource_changed`` (relayed to NATS when configured) and,
    for a callback URL, a delivery."""

    grant = models.ForeignKey(ShareGrant, on_delete=models.CASCADE, related_name="subscriptions")
    app = models.ForeignKey(ConsumerApp, on_delete=models.CASCADE, related_name="+")
    callback_url = models.URLField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    last_delivered_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"subscription {self.pk} to {self.grant_id}"


class PeerNode(models.Model):
    """Another Yiwang node this one exchanges with (a province and its cities): its region code,
    address and public key. Messages from it are accepted only when signed by that key."""

    node_id = models.CharField(_("节点"), max_length=12, unique=True)  # region code
    name = models.CharField(_("名称"), max_length=100)
    base_url = models.URLField(_("地址"))
    public_key = models.TextField(_("公钥"))  # PEM
    is_parent = models.BooleanField(_("上级节点"), default=False)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.node_id})"


class NodeMessage(models.Model):
    """A signed message sent to or received from a peer; its id refuses replays."""

    message_id = models.UUIDField(unique=True)
    direction = models.CharField(max_length=3)  # in / out
    peer = models.CharField(max_length=12)
    kind = models.CharField(max_length=40)
    body_sm3 = models.CharField(max_length=64)
    sent_at = models.DateTimeField()
    recorded_at = models.DateTimeField(auto_now_add=True)
    outcome = models.CharField(max_length=64, default="ok")

    class Meta:
        ordering: ClassVar[list[str]] = ["-recorded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.direction} {self.kind} {self.peer} {self.message_id}"
