"""Persistence of the 12345 hotline (一网统管): work orders from every channel, the topic
taxonomy and the dispatch catalogue that routes them, the departments' assignments (主办/协办)
with their actions, supervision, callbacks and ratings, and the knowledge base.

A work order's life is ``received → dispatched → (signed for by every assignment) → replied →
completed → closed`` (after the callback or the citizen's rating), with ``reopened`` when an
unsatisfied citizen asks again within the window, ``merged`` into another order (并单) and
``closed`` straight from ``received`` when an agent answers a consultation from the knowledge
base. Every step is a :class:`OrderEvent` on the order's timeline.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yiwang.kernel.fields import SensitiveField, SensitiveKind
from yiwang.kernel.models import ScopedQuerySet


class Category(models.TextChoices):
    CONSULTATION = "consultation", _("咨询")
    COMPLAINT = "complaint", _("投诉")
    REPORT = "report", _("举报")
    SUGGESTION = "suggestion", _("建议")
    HELP = "help", _("求助")
    PRAISE = "praise", _("表扬")


class Channel(models.TextChoices):
    PHONE = "phone", _("电话")
    WEB = "web", _("网站")
    MOBILE = "mobile", _("移动端")
    API = "api", _("接口")
    OPEN311 = "open311", "Open311"
    GRID = "grid", _("网格上报")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("一般")
    URGENT = "urgent", _("紧急")
    CRITICAL = "critical", _("特急")


class OrderStatus(models.TextChoices):
    RECEIVED = "received", _("已受理")
    DISPATCHED = "dispatched", _("已派单")
    IN_PROGRESS = "in_progress", _("办理中")
    REPLIED = "replied", _("已答复")
    COMPLETED = "completed", _("已办结")
    CLOSED = "closed", pgettext_lazy("work order status", "已关闭")
    REOPENED = "reopened", _("已重办")
    MERGED = "merged", _("已并单")


class DeadlineState(models.TextChoices):
    ON_TIME = "on_time", _("正常")
    DUE_SOON = "due_soon", _("即将到期")
    OVERDUE = "overdue", _("已超期")


class DeadlineUnit(models.TextChoices):
    WORKING_DAYS = "working_days", _("工作日")
    HOURS = "hours", _("小时")


class Topic(models.Model):
    """A node of the maintained topic taxonomy (诉求分类), e.g. 城乡建设 › 物业管理."""

    code = models.CharField(_("分类编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    #: Words people use for it (for knowledge search and the classifier's features).
    keywords = models.JSONField(default=list, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["code"]
        verbose_name = _("诉求分类")
        verbose_name_plural = pgettext_lazy("plural", "诉求分类")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class DispatchRule(models.Model):
    """The dispatch catalogue (派单目录): orders on ``topic`` in ``region`` (or any region it
    contains) go to ``lead`` (主办) with ``supporting`` departments (协办). The most specific
    region wins."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="rules")
    region = models.ForeignKey("kernel.Region", on_delete=models.PROTECT, related_name="+")
    lead = models.ForeignKey(
        "kernel.Department", on_delete=models.PROTECT, related_name="+", verbose_name=_("主办部门")
    )
    supporting = models.ManyToManyField(
        "kernel.Department", blank=True, related_name="+", verbose_name=_("协办部门")
    )

    class Meta:
        verbose_name = _("派单规则")
        verbose_name_plural = pgettext_lazy("plural", "派单规则")
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(fields=["topic", "region"], name="hotline_rule_once"),
        ]

    def __str__(self) -> str:
        return f"{self.topic_id}@{self.region_id} → {self.lead_id}"


class DeadlineRule(models.Model):
    """How long a department has for an order of a category and urgency (configurable)."""

    category = models.CharField(_("诉求类型"), max_length=16, choices=Category.choices)
    urgency = models.CharField(_("紧急程度"), max_length=10, choices=Urgency.choices)
    amount = models.PositiveIntegerField(_("时限"))
    unit = models.CharField(_("单位"), max_length=16, choices=DeadlineUnit.choices)
    #: Hours a department has to sign for (签收) an order after dispatch.
    sign_hours = models.PositiveIntegerField(_("签收时限（小时）"), default=2)

    class Meta:
        verbose_name = _("办理时限")
        verbose_name_plural = pgettext_lazy("plural", "办理时限")
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(fields=["category", "urgency"], name="hotline_deadline_once"),
        ]

    def __str__(self) -> str:
        return f"{self.category}/{self.urgency}: {self.amount} {self.unit}"


class OrderCounter(models.Model):
    """The last sequence number of a day's orders (for order numbers)."""

    day = models.DateField(unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.day}: {self.last}"


class WorkOrderQuerySet(ScopedQuerySet):
    region_field = "region__code"
    department_field = "lead_department_id"


class WorkOrder(models.Model):
    """One citizen request (工单), whatever the channel. ``number`` is ``<yyyymmdd><seq 6>``."""

    number = models.CharField(_("工单编号"), max_length=20, unique=True)
    channel = models.CharField(_("来源渠道"), max_length=10, choices=Channel.choices)
    category = models.CharField(_("诉求类型"), max_length=16, choices=Category.choices)
    topic = models.ForeignKey(
        Topic, on_delete=models.PROTECT, null=True, blank=True, related_name="orders"
    )
    title = models.CharField(_("标题"), max_length=200)
    content = models.TextField(_("诉求内容"))
    region = models.ForeignKey("kernel.Region", on_delete=models.PROTECT, related_name="+")
    address = models.CharField(_("地址"), max_length=300, blank=True)
    # WGS-84 degrees; both or neither.
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    urgency = models.CharField(
        _("紧急程度"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=OrderStatus.choices, default=OrderStatus.RECEIVED
    )
    # The citizen: a platform user when known, and the contact given (masked for departments).
    citizen = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="work_orders",
    )
    contact_name = SensitiveField(_("联系人"), kind=SensitiveKind.TEXT, blank=True)
    contact_phone = SensitiveField(_("联系电话"), kind=SensitiveKind.MOBILE, blank=True)
    #: The citizen asked to stay anonymous to the handling departments (保密).
    confidential = models.BooleanField(_("要求保密"), default=False)
    # A phone call's own record.
    caller_number = SensitiveField(_("来电号码"), kind=SensitiveKind.MOBILE, blank=True)
    recording_ref = models.CharField(_("录音编号"), max_length=100, blank=True)
    agent_notes = models.TextField(_("坐席备注"), blank=True)
    # The grid worker's event (网格事件): the reporting grid.
    grid_code = models.CharField(_("网格编码"), max_length=40, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("受理时间"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Routing: what the classifier proposed and whether it dispatched on its own.
    proposed_topic = models.ForeignKey(
        Topic, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    proposed_department = models.ForeignKey(
        "kernel.Department", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    proposal_confidence = models.FloatField(null=True, blank=True)
    auto_dispatched = models.BooleanField(default=False)
    lead_department = models.ForeignKey(
        "kernel.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("主办部门"),
    )
    dispatched_at = models.DateTimeField(_("派单时间"), null=True, blank=True)
    due_at = models.DateTimeField(_("办理期限"), null=True, blank=True)
    deadline_state = models.CharField(
        _("时限状态"), max_length=10, choices=DeadlineState.choices, default=DeadlineState.ON_TIME
    )
    #: Supervision level reached (0 none, 1 centre, 2 higher level).
    supervision_level = models.PositiveSmallIntegerField(default=0)
    # The answer: the lead department's reply or the knowledge article an agent closed with.
    answer = models.TextField(_("答复内容"), blank=True)
    knowledge_article = models.ForeignKey(
        "KnowledgeArticle", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    completed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(default=0)
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged_orders"
    )
    # Open311: the client that filed it and its token for the citizen.
    open311_client = models.ForeignKey(
        "Open311Client", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = WorkOrderQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["-created_at"]
        verbose_name = _("工单")
        verbose_name_plural = pgettext_lazy("plural", "工单")
        indexes: ClassVar[list[Any]] = [
            models.Index(fields=["status", "deadline_state"], name="hotline_order_status_dl"),
            models.Index(fields=["lead_department", "status"], name="hotline_order_lead"),
            models.Index(fields=["topic", "region", "created_at"], name="hotline_order_topic"),
            models.Index(fields=["citizen", "created_at"], name="hotline_order_citizen"),
        ]
        constraints: ClassVar[list[Any]] = [
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True, longitude__isnull=True)
                | models.Q(
                    latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180
                ),
                name="hotline_order_coordinates",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class Attachment(models.Model):
    """A photo of a grid event, a recording's file, or a file attached to a reply."""

    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="attachments")
    assignment = models.ForeignKey(
        "Assignment", on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    file = models.ForeignKey("kernel.StoredFile", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.order_id}: {self.file_id}"


class AssignmentRole(models.TextChoices):
    LEAD = "lead", _("主办")
    SUPPORT = "support", _("协办")


class AssignmentStatus(models.TextChoices):
    PENDING = "pending", _("待签收")
    SIGNED = "signed", _("已签收")
    REPLIED = "replied", _("已答复")
    SENT_BACK = "sent_back", _("已退单")
    WITHDRAWN = "withdrawn", _("已撤回")


class Assignment(models.Model):
    """An order as one department holds it (主办 or 协办), with that department's actions."""

    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="assignments")
    department = models.ForeignKey("kernel.Department", on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("角色"), max_length=8, choices=AssignmentRole.choices)
    status = models.CharField(
        _("状态"),
        max_length=10,
        choices=AssignmentStatus.choices,
        default=AssignmentStatus.PENDING,
    )
    dispatched_at = models.DateTimeField(_("派单时间"))
    sign_due_at = models.DateTimeField(_("签收期限"))
    signed_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    due_at = models.DateTimeField(_("办理期限"))
    reply = models.TextField(_("答复内容"), blank=True)
    replied_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    send_back_reason = models.TextField(_("退单理由"), blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["order", "role", "dispatched_at"]
        verbose_name = _("派单")
        verbose_name_plural = pgettext_lazy("plural", "派单")
        indexes: ClassVar[list[Any]] = [
            models.Index(fields=["department", "status"], name="hotline_assign_dept"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} → {self.department_id} ({self.role})"


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已同意")
    REJECTED = "rejected", _("已拒绝")


class SendBack(models.Model):
    """A department's send-back (退单), reviewed by the hotline centre."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="send_backs")
    reason = models.TextField(_("退单理由"))
    suggested_department = models.ForeignKey(
        "kernel.Department", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(_("审核意见"), blank=True)

    def __str__(self) -> str:
        return f"send back {self.assignment_id}"


class Extension(models.Model):
    """A department's request for more time (延期), approved or not by the centre."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="extensions")
    reason = models.TextField(_("延期理由"))
    amount = models.PositiveIntegerField(_("延长时限"))
    unit = models.CharField(_("单位"), max_length=16, choices=DeadlineUnit.choices)
    status = models.CharField(
        _("状态"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("审核意见"), blank=True)

    def __str__(self) -> str:
        return f"extension {self.assignment_id}"


class Supervision(models.Model):
    """The centre urges an order (督办); ``level`` 2 escalates it to the higher level."""

    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="supervisions")
    level = models.PositiveSmallIntegerField(_("督办级别"), default=1)
    note = models.TextField(_("督办意见"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"supervision {self.order_id} L{self.level}"


class Satisfaction(models.IntegerChoices):
    VERY_SATISFIED = 5, _("非常满意")
    SATISFIED = 4, _("满意")
    FAIR = 3, _("基本满意")
    UNSATISFIED = 2, _("不满意")
    VERY_UNSATISFIED = 1, _("非常不满意")


class Feedback(models.Model):
    """The callback (回访) by the centre or the citizen's own rating (评价): one per round of
    handling (a reopened order is rated again)."""

    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="feedback")
    round = models.PositiveSmallIntegerField(default=0)  # the order's reopen_count then
    score = models.PositiveSmallIntegerField(_("满意度"), choices=Satisfaction.choices)
    resolved = models.BooleanField(_("问题已解决"), default=True)
    comment = models.TextField(_("评价内容"), blank=True)
    by_callback = models.BooleanField(_("回访"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(fields=["order", "round"], name="hotline_feedback_once"),
            models.CheckConstraint(
                condition=models.Q(score__gte=1, score__lte=5), name="hotline_feedback_scale"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}#{self.round}: {self.score}"


class OrderEvent(models.Model):
    """One step on an order's timeline (受理, 派单, 签收, 退单, 延期, 答复, 督办, 办结, 回访,
    评价, 重办, 并单), shown to staff and — the public kinds — to the citizen."""

    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=24)
    department = models.ForeignKey(
        "kernel.Department", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.TextField(blank=True)
    public = models.BooleanField(default=True)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["order", "created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.kind}"


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("article status", "草稿")
    PUBLISHED = "published", pgettext_lazy("article status", "已发布")
    ARCHIVED = "archived", pgettext_lazy("article status", "已归档")


class KnowledgeArticle(models.Model):
    """An answer in the knowledge base (知识库), owned by a department, reviewed by a date."""

    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("正文"))
    topic = models.ForeignKey(
        Topic, on_delete=models.PROTECT, null=True, blank=True, related_name="articles"
    )
    owner = models.ForeignKey(
        "kernel.Department", on_delete=models.PROTECT, related_name="+", verbose_name=_("责任部门")
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT
    )
    version = models.PositiveIntegerField(default=1)
    review_due_on = models.DateField(_("复核日期"))
    published_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    use_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering: ClassVar[list[str]] = ["-updated_at"]
        verbose_name = _("知识")
        verbose_name_plural = pgettext_lazy("plural", "知识")

    def __str__(self) -> str:
        return self.title


class ArticleVersion(models.Model):
    article = models.ForeignKey(KnowledgeArticle, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    body = models.TextField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(fields=["article", "version"], name="hotline_article_version"),
        ]

    def __str__(self) -> str:
        return f"{self.article_id} v{self.version}"


class Synonym(models.Model):
    """Words that mean the same to a caller (物业 = 物业公司 = 物管) for knowledge search."""

    term = models.CharField(max_length=50, unique=True)
    synonyms = models.JSONField(default=list)

    def __str__(self) -> str:
        return self.term


class Open311Client(models.Model):
    """An Open311 GeoReport v2 client allowed to POST requests (its ``api_key``; only the
    SHA-256 of the secret is kept)."""

    name = models.CharField(_("名称"), max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name
