"""The open-data portal's forms: what a page asks for, checked for shape only (the services
decide everything else; their refusals land on the fields they name)."""

from __future__ import annotations

import re
from typing import Any, ClassVar

from django import forms
from django.utils.translation import gettext_lazy as _

from yiwang.kernel.forms import SummaryForm
from yiwang.opendata.models import OpenType, Theme, UpdateFrequency

NAME_MAX = 100


def pinyin_name(title: str) -> str:
    """A dataset's URL name from its title: the title's pinyin, lower-case, hyphenated
    (武汉市公交站点 → wu-han-shi-gong-jiao-zhan-dian), cut at 100 characters."""
    from pypinyin import lazy_pinyin

    words = [w.lower() for w in lazy_pinyin(title or "")]
    slug = re.sub(r"[^a-z0-9]+", "-", "-".join(words)).strip("-")
    return slug[:NAME_MAX].strip("-")


# --- publisher -------------------------------------------------------------------------------


class DatasetForm(SummaryForm):
    title = forms.CharField(label=_("标题"), max_length=300)
    name = forms.CharField(
        label=_("数据集标识"),
        max_length=NAME_MAX,
        required=False,
        help_text=_("用于网址和接口，小写字母、数字、“-”或“_”。留空则按标题的拼音自动生成。"),
    )
    owner_org = forms.ChoiceField(label=_("开放机构"))
    notes = forms.CharField(label=_("描述"), required=False, widget=forms.Textarea)
    tags = forms.CharField(
        label=_("标签"), required=False, help_text=_("多个标签用逗号分隔，例如：公交,交通")
    )
    theme = forms.ChoiceField(label=_("数据领域"), choices=Theme.choices)
    region = forms.ChoiceField(label=_("行政区划"))
    license_id = forms.ChoiceField(label=_("开放许可协议"))
    update_frequency = forms.ChoiceField(label=_("更新频率"), choices=UpdateFrequency.choices)
    open_type = forms.ChoiceField(
        label=_("开放类型"), choices=OpenType.choices, widget=forms.RadioSelect
    )
    open_conditions = forms.CharField(
        label=_("开放条件"),
        required=False,
        widget=forms.Textarea,
        help_text=_("有条件开放的数据集须写明申请人应满足的条件。"),
    )
    state = forms.ChoiceField(
        label=_("发布状态"),
        choices=[("active", _("立即发布")), ("draft", _("保存为草稿"))],
        widget=forms.RadioSelect,
    )

    field_aliases: ClassVar[dict[str, str]] = {"publisher": "owner_org"}
    default_field = None

    def __init__(
        self,
        *args: Any,
        publishers: list[tuple[str, str]],
        regions: list[tuple[str, str]],
        licences: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["owner_org"]
        field.choices = publishers
        field = self.fields["region"]
        field.choices = regions
        field = self.fields["license_id"]
        field.choices = licences

    def clean_name(self) -> str:
        name = str(self.cleaned_data.get("name") or "").strip().lower()
        return name

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("name") and data.get("title"):
            data["name"] = pinyin_name(str(data["title"])) or ""
        if data.get("open_type") == OpenType.CONDITIONAL and not data.get("open_conditions"):
            self.add_error("open_conditions", _("有条件开放的数据集须写明开放条件。"))
        return data

    def payload(self) -> dict[str, Any]:
        """The ``package_create`` / ``package_patch`` dictionary of the form."""
        data = dict(self.cleaned_data)
        data["tags"] = [
            t.strip() for t in re.split(r"[,，;；]", data.get("tags") or "") if t.strip()
        ]
        return data


class ResourceForm(SummaryForm):
    name = forms.CharField(label=_("资源名称"), max_length=300, required=False)
    description = forms.CharField(label=_("资源描述"), required=False, widget=forms.Textarea)
    upload = forms.FileField(
        label=_("上传文件"),
        required=False,
        help_text=_(
            "CSV、XLSX 或 JSON 文件；CSV 可为 UTF-8 或 GBK 编码。"
            "表格文件上传后即载入数据表，可在线预览和筛选。"
        ),
    )
    url = forms.CharField(
        label=_("接口或文件链接"),
        required=False,
        max_length=1000,
        help_text=_("不上传文件时，填写 http 或 https 地址。"),
    )
    format = forms.ChoiceField(
        label=_("链接的格式"),
        required=False,
        choices=[("API", "API"), ("CSV", "CSV"), ("XLSX", "XLSX"), ("JSON", "JSON")],
    )

    default_field = "upload"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("upload") and not str(data.get("url") or "").strip():
            self.add_error("upload", _("请上传文件或填写链接。"))
        return data


class ConfirmForm(SummaryForm):
    """A button with nothing to fill in (delete)."""


class AnswerForm(SummaryForm):
    decision = forms.ChoiceField(
        label=_("答复方式"),
        choices=[("answer", _("答复（提供数据或说明）")), ("decline", _("不予提供"))],
        widget=forms.RadioSelect,
    )
    answer = forms.CharField(label=_("答复内容"), widget=forms.Textarea, max_length=5000)
    dataset = forms.ChoiceField(
        label=_("关联数据集"),
        required=False,
        help_text=_("可选：本机构已发布的、满足该需求的数据集。"),
    )

    field_aliases: ClassVar[dict[str, str]] = {"reason": "answer"}
    default_field = "answer"

    def __init__(self, *args: Any, datasets: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["dataset"]
        field.choices = [("", _("（不关联）")), *datasets]


class DecideForm(SummaryForm):
    decision = forms.ChoiceField(
        label=_("审核结果"),
        choices=[("approve", _("同意")), ("reject", _("拒绝"))],
        widget=forms.RadioSelect,
    )
    valid_days = forms.IntegerField(
        label=_("有效天数"),
        required=False,
        min_value=1,
        max_value=3650,
        help_text=_("同意时可填写；留空为长期有效。"),
    )
    reason = forms.CharField(
        label=_("理由"),
        required=False,
        widget=forms.Textarea,
        max_length=2000,
        help_text=_("拒绝时必须填写。"),
    )

    default_field = "reason"


# --- the public ------------------------------------------------------------------------------


class RatingForm(SummaryForm):
    score = forms.TypedChoiceField(
        label=_("评分"),
        coerce=int,
        choices=[(n, _("%(n)s 星") % {"n": n}) for n in range(5, 0, -1)],
        widget=forms.RadioSelect,
    )

    field_aliases: ClassVar[dict[str, str]] = {"rating": "score"}
    default_field = "score"


class CommentForm(SummaryForm):
    body = forms.CharField(label=_("评论"), widget=forms.Textarea, max_length=2000)

    field_aliases: ClassVar[dict[str, str]] = {"comment": "body"}
    default_field = "body"


class DataRequestForm(SummaryForm):
    publisher = forms.ChoiceField(label=_("向哪个机构提出"))
    title = forms.CharField(label=_("需求名称"), max_length=200)
    description = forms.CharField(
        label=_("需求描述"),
        widget=forms.Textarea,
        max_length=5000,
        help_text=_("需要哪些数据、哪些字段、多大范围、多久更新一次。"),
    )
    purpose = forms.CharField(label=_("用途"), required=False, max_length=500)

    default_field = "title"

    def __init__(self, *args: Any, publishers: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["publisher"]
        field.choices = [("", _("请选择")), *publishers]


class ApplicationForm(SummaryForm):
    purpose = forms.CharField(
        label=_("用途"),
        widget=forms.Textarea,
        max_length=2000,
        help_text=_("说明使用该数据的目的、范围和期限，以及您如何满足开放条件。"),
    )

    field_aliases: ClassVar[dict[str, str]] = {"dataset": "purpose"}
    default_field = "purpose"
