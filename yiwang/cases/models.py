"""Cases (办件): one application for a published implementation version and everything that
happens to it. The version is fixed when the case is created, so a later catalogue change
never changes a running case.

The design is in docs/cases.md: applications, window intake, the clock, the process (BPMN on
SpiffWorkflow, its open and done steps as ``CaseTask`` rows), decisions, results and delivery."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yiwang.kernel.fields import SensitiveField, SensitiveKind
from yiwang.kernel.models import ScopedQuerySet


class CaseStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待受理")
    SUPPLEMENT = "supplement", _("待补正")
    REFUSED = "refused", _("不予受理")
    ACCEPTED = "accepted", _("已受理")
    COMPLETED = "completed", _("已办结")
    WITHDRAWN = "withdrawn", _("已撤回")


class Channel(models.TextChoices):
    ONLINE = "online", _("网上申请")
    HALL = "hall", _("窗口申请")


class MaterialStatus(models.TextChoices):
    UPLOADED = "uploaded", _("已上传")
    EXEMPT = "exempt", _("免提交")
    MISSING = "missing", _("未提交")


class Decision(models.TextChoices):
    APPROVE = "approve", _("准予")
    DISAPPROVE = "disapprove", _("不予")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("待办")
    DONE = "done", _("已办")
    CANCELLED = "cancelled", _("已取消")


class TaskOutcome(models.TextChoices):
    APPROVE = "approve", _("同意")
    DISAPPROVE = "disapprove", _("不同意")
    RETURN = "return", _("退回")


class DeliveryMethod(models.TextChoices):
    PICKUP = "pickup", _("窗口领取")
    MAIL = "mail", _("邮寄送达")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待送达")
    SENT = "sent", _("已寄出")
    DELIVERED = "delivered", _("已送达")
    PICKED_UP = "picked_up", _("已领取")


class DeadlineState(models.TextChoices):
    ON_TIME = "on_time", _("正常")
    DUE_SOON = "due_soon", _("即将到期")
    OVERDUE = "overdue", _("已超期")


class CaseQuerySet(ScopedQuerySet):
    region_field = "region__code"
    department_field = "department_id"


class CaseCounter(models.Model):
    """The last sequence number of a region's cases in a year (for case numbers)."""

    region_code = models.CharField(max_length=6)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("办件编号计数")
        verbose_name_plural = pgettext_lazy("plural", "办件编号计数")
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(fields=["region_code", "year"], name="case_counter_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.region_code}/{self.year}: {self.last}"


class Case(models.Model):
    """An application. ``case_no`` is given at submission (``<region 6><year><sequence 7>``)."""

    case_no = models.CharField(_("办件编号"), max_length=20, unique=True, null=True, blank=True)
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="cases"
    )
    entity_credit_code = models.CharField(_("申请单位统一社会信用代码"), max_length=18, blank=True)
    # NULL only for the parent case of a life event (一件事), whose children each hold one.
    version = models.ForeignKey(
        "catalog.ImplementationVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )
    life_event_code = models.CharField(_("一件事编码"), max_length=40, blank=True)
    implementation_code = models.CharField(_("实施编码"), max_length=80)
    item_name = models.CharField(_("事项名称"), max_length=200)
    department = models.ForeignKey(
        "kernel.Department", on_delete=models.PROTECT, related_name="cases"
    )
    region = models.ForeignKey("kernel.Region", on_delete=models.PROTECT, related_name="+")
    # 跨域通办: the department whose hall received the application when another region's
    # department handles it (NULL when the handling department received it itself).
    intake_department = models.ForeignKey(
        "kernel.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="received_cases",
    )
    channel = models.CharField(
        _("申请渠道"), max_length=10, choices=Channel.choices, default=Channel.ONLINE
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=CaseStatus.choices, default=CaseStatus.DRAFT
    )
    form_data = models.JSONField(_("申请表"), default=dict, blank=True)
    # NULL, not "", for drafts: the unique constraint must not count them.
    idempotency_key = models.CharField(max_length=80, null=True, blank=True)  # noqa: DJ001
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    promised_due = models.DateField(_("承诺办结日期"), null=True, blank=True)
    statutory_due = models.DateField(_("法定办结日期"), null=True, blank=True)
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    end_reason = models.TextField(_("原因"), blank=True)
    # The clock (see yiwang/cases/clock.py): suspension (特别程序) and deadline marking.
    suspended_at = models.DateTimeField(_("暂停计时时间"), null=True, blank=True)
    suspended_days = models.PositiveIntegerField(_("已暂停工作日数"), default=0)
    deadline_state = models.CharField(
        _("时限状态"), max_length=10, choices=DeadlineState.choices, default=DeadlineState.ON_TIME
    )
    # The process (yiwang/cases/workflow.py): SpiffWorkflow's serialised state.
    workflow_state = models.JSONField(null=True, blank=True, editable=False)
    # The result.
    decision = models.CharField(_("审批结果"), max_length=12, choices=Decision.choices, blank=True)
    decision_reason = models.TextField(_("决定理由"), blank=True)
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    auto_approved = models.BooleanField(_("秒批"), default=False)
    acceptance_notice = models.ForeignKey(
        "kernel.StoredFile", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    result_document = models.ForeignKey(
        "kernel.StoredFile", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["-created_at"]
        verbose_name = _("办件")
        verbose_name_plural = pgettext_lazy("plural", "办件")
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(
                fields=["applicant", "idempotency_key"], name="case_idempotency_per_applicant"
            ),
        ]
        indexes: ClassVar[list[Any]] = [
            models.Index(fields=["department", "status"], name="case_department_status"),
            models.Index(fields=["applicant", "status"], name="case_applicant_status"),
            models.Index(fields=["status", "deadline_state"], name="case_status_deadline"),
        ]

    def __str__(self) -> str:
        return self.case_no or f"draft {self.pk}"


class CaseMaterial(models.Model):
    """How one material requirement of the version is met in this case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="materials")
    code = models.CharField(_("材料编码"), max_length=40)
    name = models.CharField(_("材料名称"), max_length=200)
    required = models.BooleanField(_("必要"), default=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=MaterialStatus.choices, default=MaterialStatus.MISSING
    )
    file = models.ForeignKey(
        "kernel.StoredFile", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    exempt_by = models.CharField(_("免提交依据"), max_length=100, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["id"]
        verbose_name = _("办件材料")
        verbose_name_plural = pgettext_lazy("plural", "办件材料")
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(fields=["case", "code"], name="case_material_once"),
        ]

    def __str__(self) -> str:
        return self.name


class CaseEvent(models.Model):
    """One step of a case's timeline, as the applicant and staff see it."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("类型"), max_length=40)
    note = models.TextField(_("说明"), blank=True)
    details = models.JSONField(_("详情"), default=dict, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["at", "id"]
        verbose_name = _("办件记录")
        verbose_name_plural = pgettext_lazy("plural", "办件记录")

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"


class SupplementRequest(models.Model):
    """一次性告知: everything missing or wrong, at once. The clock stops while it is open."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="supplements")
    items = models.JSONField(_("补正内容"), default=list)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("告知时间"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("补正时间"), null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["requested_at", "id"]
        verbose_name = _("补正告知")
        verbose_name_plural = pgettext_lazy("plural", "补正告知")

    def __str__(self) -> str:
        return f"{self.case_id} supplement"


class CaseSuspension(models.Model):
    """特别程序: the clock stops from ``started_at`` until ``ended_at``; the working days in
    between extend both due dates."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="suspensions")
    reason = models.TextField(_("原因"))
    started_at = models.DateTimeField(_("开始时间"))
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    working_days = models.IntegerField(_("暂停工作日数"), null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["started_at", "id"]
        verbose_name = _("特别程序")
        verbose_name_plural = pgettext_lazy("plural", "特别程序")

    def __str__(self) -> str:
        return f"{self.case_id} suspension"


class CaseTask(models.Model):
    """One user task of the case's process: open (in a department's queue for a role) or
    done (with who did it, the outcome and the opinion). ``task_id`` is SpiffWorkflow's."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tasks")
    task_id = models.CharField(max_length=36)
    step = models.CharField(_("步骤标识"), max_length=100)
    name = models.CharField(_("步骤"), max_length=200)
    role = models.CharField(_("角色"), max_length=40)
    department = models.ForeignKey(
        "kernel.Department", on_delete=models.PROTECT, related_name="case_tasks"
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN
    )
    outcome = models.CharField(
        _("办理结果"), max_length=12, choices=TaskOutcome.choices, blank=True
    )
    opinion = models.TextField(_("办理意见"), blank=True)
    data = models.JSONField(_("办理数据"), default=dict, blank=True)
    created_at = models.DateTimeField(_("到达时间"), auto_now_add=True)
    completed_at = models.DateTimeField(_("办理时间"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering: ClassVar[list[str]] = ["created_at", "id"]
        verbose_name = _("办理环节")
        verbose_name_plural = pgettext_lazy("plural", "办理环节")
        indexes: ClassVar[list[Any]] = [
            models.Index(fields=["department", "role", "status"], name="case_task_queue"),
            models.Index(fields=["case", "status"], name="case_task_open"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.step}"


class Delivery(models.Model):
    """How the applicant receives the result: picked up at the window or mailed (the postal
    carrier is an adapter, see yiwang/cases/delivery.py)."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="delivery")
    method = models.CharField(_("送达方式"), max_length=10, choices=DeliveryMethod.choices)
    recipient = SensitiveField(_("收件人"), kind=SensitiveKind.TEXT, blank=True)
    phone = SensitiveField(_("联系电话"), kind=SensitiveKind.MOBILE, blank=True)
    address = SensitiveField(_("收件地址"), kind=SensitiveKind.TEXT, blank=True)
    status = models.CharField(
        _("送达状态"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    carrier = models.CharField(_("承运方"), max_length=40, blank=True)
    tracking_no = models.CharField(_("运单号"), max_length=60, blank=True)
    created_at = models.DateTimeField(_("选择时间"), auto_now_add=True)
    sent_at = models.DateTimeField(_("寄出时间"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("结果送达")
        verbose_name_plural = pgettext_lazy("plural", "结果送达")

    def __str__(self) -> str:
        return f"{self.case_id} {self.method}"


class Notice(models.Model):
    """A site message (站内消息) to the applicant about a change of their case; the same text
    also goes out by SMS through the kernel's adapter."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="case_notices"
    )
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(_("类型"), max_length=40)
    body = models.TextField(_("内容"))
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-created_at", "-id"]
        verbose_name = _("办件消息")
        verbose_name_plural = pgettext_lazy("plural", "办件消息")
        indexes: ClassVar[list[Any]] = [
            models.Index(fields=["recipient", "read_at"], name="case_notice_unread"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id} {self.kind}"
