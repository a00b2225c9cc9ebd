"""Persistence of the open-data portal.

CKAN's vocabulary maps onto ours (docs/glossary.md): a CKAN *organization* is a publishing
department (:class:`Publisher`, one per kernel ``Department``), a *package* is a
:class:`Dataset`, a *resource* a :class:`Resource`. Every change of a dataset's metadata makes a
:class:`DatasetVersion` (the whole ``package_show`` dictionary as it then stood); the live row is
updated in place, so an update never takes a dataset out of search. Facets are kept as
:class:`FacetValue` rows (one per dataset and value) so that counting them is one indexed
``GROUP BY`` whatever the facet. Tabular resources loaded into the data store live in tables of
their own (``opendata_ds_<hex>``), described by the ``datastore_*`` fields of their resource.
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class OpenType(models.TextChoices):
    UNCONDITIONAL = "unconditional", _("无条件开放")
    CONDITIONAL = "conditional", _("有条件开放")


class DatasetState(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("dataset state", "草稿")
    ACTIVE = "active", pgettext_lazy("dataset state", "已发布")
    DELETED = "deleted", pgettext_lazy("dataset state", "已删除")


class UpdateFrequency(models.TextChoices):
    REALTIME = "realtime", _("实时")
    DAILY = "daily", _("每日")
    WEEKLY = "weekly", _("每周")
    MONTHLY = "monthly", _("每月")
    QUARTERLY = "quarterly", _("每季度")
    YEARLY = "yearly", _("每年")
    IRREGULAR = "irregular", _("不定期")


class Theme(models.TextChoices):
    """Themes of the national open-data classification (数据领域)."""

    ECONOMY = "economy", _("经济建设")
    FINANCE = "finance", _("财税金融")
    TRANSPORT = "transport", _("交通运输")
    EDUCATION = "education", _("教育文化")
    HEALTH = "health", _("医疗卫生")
    SOCIAL = "social", _("社会保障")
    EMPLOYMENT = "employment", _("劳动就业")
    ENVIRONMENT = "environment", _("资源环境")
    AGRICULTURE = "agriculture", _("农业农村")
    URBAN = "urban", _("城建住房")
    SAFETY = "safety", _("公共安全")
    MARKET = "market", _("市场监管")
    SCIENCE = "science", _("科技创新")
    TOURISM = "tourism", _("旅游休闲")
    GOVERNMENT = "government", _("机构团体")
    GEOGRAPHY = "geography", _("地理空间")


class Publisher(models.Model):
    """A department as a publisher of open data (CKAN's *organization*). ``name`` is its
    URL name (lower-case letters, digits, ``-`` and ``_``, as CKAN requires)."""

    department = models.OneToOneField(
        "kernel.Department", on_delete=models.PROTECT, related_name="+"
    )
    name = models.SlugField(_("机构标识"), max_length=100, unique=True)
    description = models.TextField(_("机构简介"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["name"]
        verbose_name = _("开放机构")
        verbose_name_plural = pgettext_lazy("plural", "开放机构")

    def __str__(self) -> str:
        return self.name


class Licence(models.Model):
    """A licence datasets can be published under (CKAN's ``license_list``)."""

    id = models.SlugField(primary_key=True, max_length=64)
    title = models.CharField(_("名称"), max_length=200)
    url = models.URLField(blank=True)
    od_conformance = models.CharField(max_length=16, default="approved")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering: ClassVar[list[str]] = ["position", "id"]
        verbose_name = _("开放许可协议")
        verbose_name_plural = pgettext_lazy("plural", "开放许可协议")

    def __str__(self) -> str:
        return self.id


class Tag(models.Model):
    name = models.CharField(_("标签"), max_length=100, unique=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["name"]

    def __str__(self) -> str:
        return self.name


class Dataset(models.Model):
    """An open dataset (数据集; CKAN's *package*)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.SlugField(_("数据集标识"), max_length=100, unique=True)
    title = models.CharField(_("标题"), max_length=300)
    notes = models.TextField(_("描述"), blank=True)
    publisher = models.ForeignKey(
        Publisher, on_delete=models.PROTECT, related_name="datasets", verbose_name=_("开放机构")
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="datasets")
    theme = models.CharField(_("数据领域"), max_length=32, choices=Theme.choices)
    region = models.ForeignKey(
        "kernel.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("行政区划")
    )
    licence = models.ForeignKey(
        Licence, on_delete=models.PROTECT, related_name="+", verbose_name=_("开放许可协议")
    )
    update_frequency = models.CharField(
        _("更新频率"), max_length=16, choices=UpdateFrequency.choices
    )
    open_type = models.CharField(_("开放类型"), max_length=16, choices=OpenType.choices)
    #: What a conditional dataset asks of an applicant (开放条件).
    open_conditions = models.TextField(_("开放条件"), blank=True)
    state = models.CharField(
        _("状态"), max_length=16, choices=DatasetState.choices, default=DatasetState.ACTIVE
    )
    version = models.PositiveIntegerField(default=1)
    #: The exchange catalogue entry (政务信息资源目录) this dataset opens, if any.
    exchange_resource_code = models.CharField(_("目录资源代码"), max_length=64, blank=True)
    author = models.CharField(_("数据提供者"), max_length=200, blank=True)
    maintainer = models.CharField(_("维护人"), max_length=200, blank=True)
    maintainer_email = models.EmailField(_("维护人邮箱"), blank=True)
    #: CKAN's free key/value ``extras``: [{"key": ..., "value": ...}]
    extras = models.JSONField(default=list, blank=True)
    metadata_created = models.DateTimeField(auto_now_add=True, db_index=True)
    metadata_modified = models.DateTimeField(db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    view_count = models.PositiveBigIntegerField(default=0)
    download_count = models.PositiveBigIntegerField(default=0)
    api_call_count = models.PositiveBigIntegerField(default=0)
    rating_count = models.PositiveIntegerField(default=0)
    rating_total = models.PositiveIntegerField(default=0)

    class Meta:
        ordering: ClassVar[list[str]] = ["-metadata_modified"]
        verbose_name = _("数据集")
        verbose_name_plural = pgettext_lazy("plural", "数据集")
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["state", "-metadata_modified"], name="opendata_ds_state_mod"),
            models.Index(fields=["publisher", "state"], name="opendata_ds_pub_state"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def rating_average(self) -> float | None:
        return round(self.rating_total / self.rating_count, 2) if self.rating_count else None


class DatasetVersion(models.Model):
    """The dataset's metadata as it stood after one change (``package_show``'s dictionary)."""

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    snapshot = models.JSONField()
    note = models.CharField(_("变更说明"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering: ClassVar[list[str]] = ["dataset", "-version"]
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(fields=["dataset", "version"], name="opendata_version_once"),
        ]

    def __str__(self) -> str:
        return f"{self.dataset_id} v{self.version}"


class FacetValue(models.Model):
    """One facet value of one live dataset (``organization``, ``theme``, ``tags``,
    ``res_format``, ``region``, ``open_type``, ``license_id``): what facet counts group."""

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="facet_values")
    field = models.CharField(max_length=16)
    value = models.CharField(max_length=200)

    class Meta:
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["field", "value", "dataset"], name="opendata_facet_value"),
            models.Index(fields=["dataset", "field", "value"], name="opendata_facet_dataset"),
        ]

    def __str__(self) -> str:
        return f"{self.field}:{self.value}"


class ResourceFormat(models.TextChoices):
    CSV = "CSV", "CSV"
    XLSX = "XLSX", "XLSX"
    JSON = "JSON", "JSON"
    API = "API", "API"


class Resource(models.Model):
    """A file or API link of a dataset (CKAN's *resource*). Tabular files (CSV, XLSX) are
    loaded into the data store: ``datastore_table`` names their table, ``datastore_fields``
    lists its columns (``[{"id": ..., "type": "text" | "int" | "numeric" | "date" |
    "timestamp" | "bool"}]``) and ``datastore_report`` the validation report of the load."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="resources")
    name = models.CharField(_("资源名称"), max_length=300)
    description = models.TextField(_("资源描述"), blank=True)
    format = models.CharField(_("格式"), max_length=8, choices=ResourceFormat.choices)
    #: An http(s) URL for an API link; for an uploaded file, empty (served by the portal).
    url = models.URLField(_("链接"), max_length=1000, blank=True)
    file = models.ForeignKey(
        "kernel.StoredFile", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    size = models.PositiveBigIntegerField(null=True, blank=True)
    mimetype = models.CharField(max_length=100, blank=True)
    hash = models.CharField(max_length=80, blank=True)  # "sha256:<hex>"
    encoding = models.CharField(_("字符编码"), max_length=16, blank=True)
    position = models.PositiveIntegerField(default=0)
    created = models.DateTimeField(auto_now_add=True)
    last_modified = models.DateTimeField(null=True, blank=True)
    datastore_active = models.BooleanField(default=False)
    datastore_table = models.CharField(max_length=63, blank=True)
    datastore_fields = models.JSONField(default=list, blank=True)
    datastore_rows = models.PositiveBigIntegerField(default=0)
    datastore_report = models.JSONField(default=dict, blank=True)
    download_count = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering: ClassVar[list[str]] = ["dataset", "position"]
        verbose_name = _("数据资源")
        verbose_name_plural = pgettext_lazy("plural", "数据资源")

    def __str__(self) -> str:
        return self.name


class ApplicationStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已同意")
    REJECTED = "rejected", _("已拒绝")


class AccessApplication(models.Model):
    """A registered user's application to use a conditional dataset (有条件开放申请), decided
    by its publisher within ``due_on`` (working days)."""

    dataset = models.ForeignKey(Dataset, on_delete=models.PROTECT, related_name="applications")
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    purpose = models.TextField(_("用途"))
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.PENDING,
    )
    due_on = models.DateField(_("答复期限"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(_("理由"), blank=True)
    expires_at = models.DateTimeField(_("有效期至"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-created_at"]
        verbose_name = _("开放申请")
        verbose_name_plural = pgettext_lazy("plural", "开放申请")

    def __str__(self) -> str:
        return f"{self.dataset_id} ← {self.applicant_id}"


class DataRequestStatus(models.TextChoices):
    OPEN = "open", _("待答复")
    ANSWERED = "answered", _("已答复")
    DECLINED = "declined", _("不予提供")


class DataRequest(models.Model):
    """The public asks a department for data (数据需求); the department answers by the
    deadline (working days), possibly pointing at a dataset it published."""

    title = models.CharField(_("需求名称"), max_length=200)
    description = models.TextField(_("需求描述"))
    purpose = models.CharField(_("用途"), max_length=500, blank=True)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    publisher = models.ForeignKey(
        Publisher,
        on_delete=models.PROTECT,
        related_name="data_requests",
        verbose_name=_("开放机构"),
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=DataRequestStatus.choices, default=DataRequestStatus.OPEN
    )
    due_on = models.DateField(_("答复期限"))
    answer = models.TextField(_("答复"), blank=True)
    dataset = models.ForeignKey(
        Dataset, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-created_at"]
        verbose_name = _("数据需求")
        verbose_name_plural = pgettext_lazy("plural", "数据需求")

    def __str__(self) -> str:
        return self.title


class Rating(models.Model):
    """One user's rating of a dataset, 1 to 5, once."""

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="ratings")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    score = models.PositiveSmallIntegerField(_("评分"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(fields=["dataset", "user"], name="opendata_rating_once"),
            models.CheckConstraint(
                condition=models.Q(score__gte=1, score__lte=5), name="opendata_rating_scale"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dataset_id}: {self.score}"


class Comment(models.Model):
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="comments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    body = models.TextField(_("评论"))
    hidden = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["created_at"]

    def __str__(self) -> str:
        return f"{self.dataset_id} #{self.pk}"


class ApiToken(models.Model):
    """A user's API token for the CKAN Action API (sent in the ``Authorization`` header, as
    CKAN's are). Only the SHA-256 of the secret is kept; ``prefix`` finds the row."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="opendata_tokens"
    )
    name = models.CharField(_("名称"), max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user_id}:{self.prefix}"
