"""The service catalogue: items (the master catalogue), their implementations by a department
in a region (实施清单) with immutable published versions, materials, and life events
(一件事) that bundle implementations."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yiwang.kernel.models import Department, Region, ScopedQuerySet


class ItemType(models.TextChoices):
    LICENSING = "licensing", _("行政许可")
    PAYMENT = "payment", _("行政给付")
    CONFIRMATION = "confirmation", _("行政确认")
    LEVY = "levy", _("行政征收")
    RULING = "ruling", _("行政裁决")
    REWARD = "reward", _("行政奖励")
    OTHER_POWER = "other_power", _("其他行政权力")
    PUBLIC_SERVICE = "public_service", _("公共服务")


class ServiceObject(models.TextChoices):
    CITIZEN = "citizen", _("自然人")
    ENTERPRISE = "enterprise", _("法人")


class Channel(models.TextChoices):
    ONLINE = "online", _("网上办理")
    HALL = "hall", _("窗口办理")
    MOBILE = "mobile", _("移动端办理")
    KIOSK = "kiosk", _("自助终端")


class HandlingKind(models.TextChoices):
    INSTANT = "instant", _("即办件")
    PROMISED = "promised", _("承诺件")


class ResultType(models.TextChoices):
    LICENCE = "licence", _("证照")
    APPROVAL = "approval", _("批准文书")
    CERTIFICATE = "certificate", _("证明")
    FILING = "filing", _("备案回执")
    PAYMENT = "payment", _("款物发放")
    OTHER = "other", _("其他")


class Theme(models.TextChoices):
    """Life themes for citizens and enterprises (the portal's browse-by-theme)."""

    BIRTH = "birth", _("生育收养")
    HOUSEHOLD = "household", _("户籍办理")
    EDUCATION = "education", _("教育科研")
    EMPLOYMENT = "employment", _("就业创业")
    SOCIAL_SECURITY = "social_security", _("社会保障")
    HEALTH = "health", _("医疗卫生")
    HOUSING = "housing", _("住房保障")
    TRANSPORT = "transport", _("交通出行")
    MARRIAGE = "marriage", _("婚姻登记")
    ELDERLY = "elderly", _("养老服务")
    ESTABLISHMENT = "establishment", _("设立变更")
    OPERATION = "operation", _("准营准办")
    QUALIFICATION = "qualification", _("资质认证")
    TAX = "tax", _("税收财务")
    CONSTRUCTION = "construction", _("工程建设")
    PROPERTY = "property", _("不动产")


class MaterialSource(models.TextChoices):
    """How a material requirement can be met. Anything but ``upload`` lets the applicant
    skip it when the licence or the shared data is found (免提交)."""

    UPLOAD = "upload", _("申请人提交")
    LICENCE = "licence", _("电子证照")
    SHARED_DATA = "shared_data", _("共享数据")


class MaterialForm(models.TextChoices):
    ORIGINAL = "original", _("原件")
    COPY = "copy", _("复印件")
    ELECTRONIC = "electronic", _("电子件")


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    REVIEW = "review", _("待审核")
    PUBLISHED = "published", _("已发布")
    SUPERSEDED = "superseded", _("已被新版本替代")
    WITHDRAWN = "withdrawn", _("已撤回")


class LifeEventStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    WITHDRAWN = "withdrawn", _("已撤回")


class ItemQuerySet(ScopedQuerySet):
    region_field = "department__region__code"
    department_field = "department_id"


class ServiceItem(models.Model):
    """A catalogued service with its basic elements (事项基本要素), kept by the competent
    department at the catalogue's level (usually the province)."""

    code = models.CharField(_("事项编码"), max_length=32, unique=True)
    name = models.CharField(_("事项名称"), max_length=200)
    item_type = models.CharField(_("事项类型"), max_length=20, choices=ItemType.choices)
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        related_name="catalog_items",
        verbose_name=_("主管部门"),
    )
    legal_basis = models.TextField(_("设定依据"))
    handling_levels = models.JSONField(_("行使层级"), default=list)
    service_objects = models.JSONField(_("服务对象"), default=list)
    themes = models.JSONField(_("主题"), default=list, blank=True)
    acceptance_conditions = models.TextField(_("受理条件"), blank=True)
    process_description = models.TextField(_("办理流程"), blank=True)
    statutory_limit_days = models.PositiveSmallIntegerField(
        _("法定时限(工作日)"), null=True, blank=True
    )
    fees = models.JSONField(_("收费"), default=list, blank=True)
    result_type = models.CharField(_("结果类型"), max_length=20, choices=ResultType.choices)
    result_name = models.CharField(_("结果名称"), max_length=200, blank=True)
    result_license_type = models.CharField(_("电子证照类型"), max_length=64, blank=True)
    channels = models.JSONField(_("办理渠道"), default=list)
    max_trips = models.PositiveSmallIntegerField(_("最多跑动次数"), default=1)
    revision = models.PositiveIntegerField(_("修订号"), default=1)
    is_active = models.BooleanField(_("有效"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ItemQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["code"]
        verbose_name = _("政务服务事项")
        verbose_name_plural = pgettext_lazy("plural", "政务服务事项")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class ImplementationQuerySet(ScopedQuerySet):
    region_field = "region__code"
    department_field = "department_id"


class ItemImplementation(models.Model):
    """An item as implemented by one department in one region (实施清单 entry). Its content
    lives in versions; ``current`` is the published one, if any."""

    code = models.CharField(_("实施编码"), max_length=80, unique=True)
    item = models.ForeignKey(ServiceItem, on_delete=models.PROTECT, related_name="implementations")
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="catalog_implementations"
    )
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    current = models.OneToOneField(
        "ImplementationVersion",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("现行版本"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = ImplementationQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["code"]
        verbose_name = _("实施清单")
        verbose_name_plural = pgettext_lazy("plural", "实施清单")
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(
                fields=["item", "department"], name="implementation_one_per_department"
            ),
        ]

    def __str__(self) -> str:
        return self.code


class VersionQuerySet(ScopedQuerySet):
    region_field = "implementation__region__code"
    department_field = "implementation__department_id"


#: The content fields of a version: copied into a new draft, frozen once submitted.
VERSION_CONTENT_FIELDS = (
    "name",
    "item_code",
    "item_type",
    "legal_basis",
    "handling_kind",
    "statutory_limit_days",
    "promised_limit_days",
    "acceptance_conditions",
    "service_objects",
    "channels",
    "max_trips",
    "fees",
    "result_type",
    "result_name",
    "result_license_type",
    "hall_address",
    "office_hours",
    "phone",
    "complaint_phone",
    "form_schema",
    "form_ui",
    "process_bpmn",
    "decision_dmn",
)


class ImplementationVersion(models.Model):
    """One version of an implementation. Only a draft may change; a published version is
    frozen, and a change makes a new draft (its number one higher)."""

    implementation = models.ForeignKey(
        ItemImplementation, on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("版本号"))
    status = models.CharField(
        _("状态"), max_length=12, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    # The four elements that must be the same at every level (三级四同), as this version
    # states them; the consistency report compares them with the master item.
    name = models.CharField(_("事项名称"), max_length=200)
    item_code = models.CharField(_("事项编码"), max_length=32)
    item_type = models.CharField(_("事项类型"), max_length=20, choices=ItemType.choices)
    legal_basis = models.TextField(_("设定依据"))
    handling_kind = models.CharField(
        _("办件类型"), max_length=10, choices=HandlingKind.choices, default=HandlingKind.PROMISED
    )
    statutory_limit_days = models.PositiveSmallIntegerField(
        _("法定时限(工作日)"), null=True, blank=True
    )
    promised_limit_days = models.PositiveSmallIntegerField(
        _("承诺时限(工作日)"), null=True, blank=True
    )
    acceptance_conditions = models.TextField(_("受理条件"), blank=True)
    service_objects = models.JSONField(_("服务对象"), default=list)
    channels = models.JSONField(_("办理渠道"), default=list)
    max_trips = models.PositiveSmallIntegerField(_("最多跑动次数"), default=1)
    fees = models.JSONField(_("收费"), default=list, blank=True)
    result_type = models.CharField(_("结果类型"), max_length=20, choices=ResultType.choices)
    result_name = models.CharField(_("结果名称"), max_length=200, blank=True)
    result_license_type = models.CharField(_("电子证照类型"), max_length=64, blank=True)
    hall_address = models.CharField(_("办理地点"), max_length=300, blank=True)
    office_hours = models.CharField(_("办理时间"), max_length=200, blank=True)
    phone = models.CharField(_("咨询电话"), max_length=40, blank=True)
    complaint_phone = models.CharField(_("监督投诉电话"), max_length=40, blank=True)
    form_schema = models.JSONField(_("申请表单(JSON Schema)"), default=dict, blank=True)
    form_ui = models.JSONField(_("表单界面提示"), default=dict, blank=True)
    process_bpmn = models.TextField(_("办理流程(BPMN 2.0)"), blank=True)
    # 秒批: a DMN 1.3 decision table whose inputs all come from verified data (see
    # yiwang/cases/auto_approval.py); empty when every case needs a human decision.
    decision_dmn = models.TextField(_("秒批规则(DMN)"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    review_comment = models.TextField(_("审核意见"), blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    ended_at = models.DateTimeField(_("停止时间"), null=True, blank=True)
    end_reason = models.CharField(_("停止原因"), max_length=300, blank=True)

    objects = VersionQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["implementation_id", "-number"]
        verbose_name = _("实施清单版本")
        verbose_name_plural = pgettext_lazy("plural", "实施清单版本")
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(
                fields=["implementation", "number"], name="version_number_unique"
            ),
            models.UniqueConstraint(
                fields=["implementation"],
                condition=models.Q(status="published"),
                name="version_one_published",
            ),
            models.UniqueConstraint(
                fields=["implementation"],
                condition=models.Q(status__in=["draft", "review"]),
                name="version_one_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.implementation.code} v{self.number}"

    @property
    def is_editable(self) -> bool:
        return self.status == VersionStatus.DRAFT


class Material(models.Model):
    """A material requirement (申请材料) of a master item or of an implementation version.

    ``code`` identifies the requirement within its item (an implementation's material names
    the master material it narrows); ``meaning`` says what the material is, across items, so a
    life event asks for each material once (defaults to the licence type, the shared-data
    code or the name)."""

    item = models.ForeignKey(
        ServiceItem, on_delete=models.CASCADE, null=True, blank=True, related_name="materials"
    )
    version = models.ForeignKey(
        ImplementationVersion,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="materials",
    )
    position = models.PositiveSmallIntegerField(_("序号"), default=0)
    code = models.CharField(_("材料编码"), max_length=40)
    name = models.CharField(_("材料名称"), max_length=200)
    form = models.CharField(
        _("材料形式"), max_length=12, choices=MaterialForm.choices, default=MaterialForm.ELECTRONIC
    )
    copies = models.PositiveSmallIntegerField(_("份数"), default=1)
    required = models.BooleanField(_("必要"), default=True)
    source = models.CharField(
        _("来源"), max_length=12, choices=MaterialSource.choices, default=MaterialSource.UPLOAD
    )
    license_type = models.CharField(_("可用电子证照类型"), max_length=64, blank=True)
    shared_data = models.CharField(_("可用共享数据"), max_length=64, blank=True)
    meaning = models.CharField(_("材料含义"), max_length=100, blank=True)
    note = models.CharField(_("填报说明"), max_length=500, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["position", "id"]
        verbose_name = _("申请材料")
        verbose_name_plural = pgettext_lazy("plural", "申请材料")
        constraints: ClassVar[list[Any]] = [
            models.CheckConstraint(
                condition=(
                    models.Q(item__isnull=False, version__isnull=True)
                    | models.Q(item__isnull=True, version__isnull=False)
                ),
                name="material_belongs_to_one",
            ),
            models.UniqueConstraint(fields=["item", "code"], name="material_code_per_item"),
            models.UniqueConstraint(fields=["version", "code"], name="material_code_per_version"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def exempt_possible(self) -> bool:
        """Can this requirement be met without the applicant uploading anything?"""
        return self.source != MaterialSource.UPLOAD

    @property
    def meaning_key(self) -> str:
        if self.meaning:
            return self.meaning
        if self.license_type:
            return f"licence:{self.license_type}"
        if self.shared_data:
            return f"data:{self.shared_data}"
        return f"name:{self.name}"


class LifeEventQuerySet(ScopedQuerySet):
    region_field = "region__code"
    department_field = "department_id"


class LifeEvent(models.Model):
    """A bundle of implementations handled together (一件事一次办): one form, one set of
    materials. A member may itself be a life event (e.g. 开办餐饮店 includes 企业开办)."""

    code = models.CharField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=200)
    description = models.TextField(_("说明"), blank=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        related_name="catalog_life_events",
        verbose_name=_("牵头部门"),
    )
    service_objects = models.JSONField(_("服务对象"), default=list)
    themes = models.JSONField(_("主题"), default=list, blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=LifeEventStatus.choices, default=LifeEventStatus.DRAFT
    )
    promised_limit_days = models.PositiveSmallIntegerField(
        _("承诺时限(工作日)"), null=True, blank=True
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = LifeEventQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["code"]
        verbose_name = _("一件事")
        verbose_name_plural = pgettext_lazy("plural", "一件事")

    def __str__(self) -> str:
        return self.name


class LifeEventMember(models.Model):
    life_event = models.ForeignKey(LifeEvent, on_delete=models.CASCADE, related_name="members")
    position = models.PositiveSmallIntegerField(_("序号"), default=0)
    implementation = models.ForeignKey(
        ItemImplementation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    child = models.ForeignKey(
        LifeEvent, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering: ClassVar[list[str]] = ["position", "id"]
        verbose_name = _("一件事成员")
        verbose_name_plural = pgettext_lazy("plural", "一件事成员")
        constraints: ClassVar[list[Any]] = [
            models.CheckConstraint(
                condition=(
                    models.Q(implementation__isnull=False, child__isnull=True)
                    | models.Q(implementation__isnull=True, child__isnull=False)
                ),
                name="life_event_member_one_kind",
            ),
        ]

    def __str__(self) -> str:
        return str(self.implementation or self.child)
