"""Forms of the exchange pages.

They check only what a browser can get wrong (a choice not offered, a date that is not one, a
line of the fields table that does not split into five columns); the exchange's rules (a
conditional resource needs its conditions, an authoritative source must be a department, a
purpose is required) are the services', and a refusal comes back onto the field it names
through :meth:`ExchangeForm.apply_error`.

The fields table (信息项) of a resource is a textarea, one field per line,
``name|title|type|personal|source``: it works without JavaScript, at 320 px and with a
keyboard, a list copied from a spreadsheet (tab-separated) pastes straight in, and an error
names its line. Repeated form rows would need a fixed number of empty rows or script to add
more, and a 7-column grid of inputs does not fit a phone.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yiwang.exchange.models import (
    ConsumerApp,
    DataField,
    FieldType,
    OpenType,
    ShareGrant,
    ShareMethod,
    ShareType,
    UpdateCycle,
)
from yiwang.exchange.services_catalog import META_FIELDS
from yiwang.exchange.services_sharing import RATE_LIMIT_MAX, RATE_LIMIT_MIN
from yiwang.kernel.forms import SummaryForm

#: A service error's field name → the page field that shows it.
FIELD_ALIASES = {
    "provider_code": "provider",
    "source_name": "source",
    "fields": "field_names",
    "expires_at": "expires_on",
}
_YES = {"是", "y", "yes", "true", "1", "个人", "个人信息"}
_NO = {"", "否", "n", "no", "false", "0"}
_SEPARATOR = re.compile(r"[|｜\t]")
_FIELD_ERROR = re.compile(r"^fields/(\d+)(?:/.*)?$")


def set_choices(field: forms.Field, choices: list[tuple[str, str]]) -> None:
    cast(forms.ChoiceField, field).choices = choices


class ExchangeForm(SummaryForm):
    """A form whose service refusals land on its fields; errors of the fields table
    (``fields/<n>/...``) are shown on its textarea with their line number."""

    field_aliases: ClassVar[dict[str, str]] = FIELD_ALIASES

    def place(self, item: dict[str, Any], fallback: str) -> tuple[str | None, str]:
        name = str(item.get("field", ""))
        message = self.describe(item) or fallback
        line = _FIELD_ERROR.match(name)
        if line and "items" in self.fields:
            return "items", _("第 %(n)s 行：%(message)s") % {
                "n": int(line.group(1)) + 1,
                "message": message,
            }
        name = name.split("/", 1)[0]
        if name == "fields" and "items" in self.fields:
            return "items", message
        return (self.field_for(name) or self.default_field), message


# --- the catalogue ----------------------------------------------------------------------------


class SearchForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("关键词"),
        required=False,
        max_length=100,
        help_text=gettext_lazy("资源名称、摘要或信息项名称，例如：人口、社保。"),
    )
    provider = forms.ChoiceField(label=gettext_lazy("提供方"), required=False)
    share_type = forms.ChoiceField(
        label=gettext_lazy("共享类型"),
        required=False,
        choices=[("", gettext_lazy("全部")), *ShareType.choices],
    )
    classification = forms.CharField(
        label=gettext_lazy("资源分类"),
        required=False,
        max_length=64,
        help_text=gettext_lazy("分类代码的开头，例如 1.01。"),
    )

    def __init__(self, *args: Any, providers: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self.fields["provider"], [("", _("全部")), *providers])


def field_lines(fields: list[DataField]) -> str:
    """A resource's fields as the textarea shows them."""
    return "\n".join(
        "|".join(
            [f.name, f.title, f.type, _("是") if f.personal else _("否"), f.authoritative_source]
        )
        for f in fields
    )


def _field_type(value: str) -> str | None:
    value = value.strip()
    if not value:
        return FieldType.STRING.value
    for choice, label in FieldType.choices:
        if value.lower() == choice or value == str(label):
            return str(choice)
    return None


class ResourceForm(ExchangeForm):
    """A resource's metadata and its fields table (create: also its provider and code)."""

    default_field = "name"

    provider = forms.ChoiceField(label=gettext_lazy("提供方部门"))
    code = forms.CharField(
        label=gettext_lazy("资源代码"),
        max_length=64,
        help_text=gettext_lazy("本平台内唯一，例如 GA-RK-001。字母、数字和 . _ / -。"),
        error_messages={"required": gettext_lazy("请填写资源代码。")},
    )
    name = forms.CharField(
        label=gettext_lazy("资源名称"),
        max_length=200,
        error_messages={"required": gettext_lazy("请填写资源名称。")},
    )
    classification = forms.CharField(
        label=gettext_lazy("资源分类"),
        max_length=64,
        help_text=gettext_lazy("政务信息资源分类代码，例如 1.01.001。"),
        error_messages={"required": gettext_lazy("请填写资源分类。")},
    )
    abstract = forms.CharField(
        label=gettext_lazy("资源摘要"),
        error_messages={"required": gettext_lazy("请填写资源摘要。")},
    )
    format = forms.CharField(
        label=gettext_lazy("资源格式"),
        max_length=32,
        help_text=gettext_lazy("例如：数据库、接口、电子文件。"),
        error_messages={"required": gettext_lazy("请填写资源格式。")},
    )
    share_type = forms.ChoiceField(
        label=gettext_lazy("共享类型"),
        choices=ShareType.choices,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("请选择共享类型。")},
    )
    share_conditions = forms.CharField(
        label=gettext_lazy("共享条件"),
        required=False,
        help_text=gettext_lazy("有条件共享的资源必填。"),
    )
    legal_basis = forms.CharField(
        label=gettext_lazy("不予共享依据"),
        required=False,
        help_text=gettext_lazy("不予共享的资源必填：禁止共享的法律法规条款。"),
    )
    share_methods = forms.MultipleChoiceField(
        label=gettext_lazy("共享方式"),
        required=False,
        choices=ShareMethod.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    open_type = forms.ChoiceField(label=gettext_lazy("开放类型"), choices=OpenType.choices)
    update_cycle = forms.ChoiceField(label=gettext_lazy("更新周期"), choices=UpdateCycle.choices)
    items = forms.CharField(
        label=gettext_lazy("信息项"),
        help_text=gettext_lazy(
            "每行一个信息项：标识|名称|类型|是否个人信息|权威来源部门代码。"
            "类型为 字符、整数、数值、日期、日期时间 或 布尔（留空为字符）；"
            "个人信息填“是”或“否”；权威来源留空则为提供方部门。"
            "例如：id_number|公民身份号码|字符|是|4201-GAJ"
        ),
        error_messages={"required": gettext_lazy("请至少登记一个信息项。")},
    )

    def __init__(
        self, *args: Any, providers: list[tuple[str, str]] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if providers is None:  # editing: the provider and code stay as they are
            del self.fields["provider"]
            del self.fields["code"]
        else:
            set_choices(self.fields["provider"], providers)

    def clean_items(self) -> list[dict[str, Any]]:
        """Each non-blank line as a field spec (the source left blank is filled in later)."""
        specs: list[dict[str, Any]] = []
        problems: list[str] = []
        lines = [line for line in str(self.cleaned_data["items"]).splitlines() if line.strip()]
        for n, line in enumerate(lines, start=1):
            parts = [part.strip() for part in _SEPARATOR.split(line)]
            if len(parts) < 2 or len(parts) > 5:
                problems.append(
                    _("第 %(n)s 行：应为“标识|名称|类型|是否个人信息|权威来源”，用 | 分隔。")
                    % {"n": n}
                )
                continue
            parts += [""] * (5 - len(parts))
            name, title, kind, personal, source = parts
            field_type = _field_type(kind)
            if field_type is None:
                problems.append(
                    _(
                        "第 %(n)s 行：数据类型“%(t)s”无效，"
                        "应为字符、整数、数值、日期、日期时间或布尔。"
                    )
                    % {"n": n, "t": kind}
                )
            if personal.lower() not in _YES | _NO:
                problems.append(_("第 %(n)s 行：是否个人信息应填“是”或“否”。") % {"n": n})
            specs.append(
                {
                    "name": name,
                    "title": title,
                    "type": field_type or kind,
                    "personal": personal.lower() in _YES,
                    "authoritative_source": source,
                }
            )
        if problems:
            raise forms.ValidationError(problems)
        if not specs:
            raise forms.ValidationError(_("请至少登记一个信息项。"))
        return specs

    def meta(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {name: data.get(name, "") for name in META_FIELDS}


class ReasonForm(ExchangeForm):
    default_field = "reason"

    reason = forms.CharField(
        label=gettext_lazy("原因"),
        max_length=2000,
        error_messages={"required": gettext_lazy("请填写原因。")},
    )


class MountTableForm(ExchangeForm):
    default_field = "source"

    source = forms.ChoiceField(
        label=gettext_lazy("基础库数据表"),
        error_messages={"required": gettext_lazy("请选择数据表。")},
    )

    def __init__(self, *args: Any, sources: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self.fields["source"], [("", _("请选择")), *sources])


class MountApiForm(ExchangeForm):
    default_field = "url"

    url = forms.CharField(
        label=gettext_lazy("接口地址"),
        max_length=200,
        help_text=gettext_lazy("http 或 https 网址。"),
        error_messages={"required": gettext_lazy("请填写接口地址。")},
    )
    key_field = forms.CharField(
        label=gettext_lazy("查询键信息项"),
        max_length=64,
        required=False,
        help_text=gettext_lazy("按哪个信息项查询，例如 id_number。"),
    )


class MountFileForm(ExchangeForm):
    default_field = "file"

    file = forms.FileField(
        label=gettext_lazy("数据文件"),
        error_messages={
            "required": gettext_lazy("请选择要挂接的文件。"),
            "empty": gettext_lazy("所选文件是空的。"),
        },
    )


class ReportForm(ExchangeForm):
    """A consumer's error report (纠错) on one value."""

    default_field = "description"

    record_key = forms.CharField(
        label=gettext_lazy("记录标识"),
        max_length=100,
        help_text=gettext_lazy("出错记录的查询键，例如公民身份号码。个人信息将脱敏保存。"),
        error_messages={"required": gettext_lazy("请填写记录标识。")},
    )
    field_name = forms.ChoiceField(
        label=gettext_lazy("出错的信息项"),
        error_messages={"required": gettext_lazy("请选择出错的信息项。")},
    )
    description = forms.CharField(
        label=gettext_lazy("问题描述"),
        max_length=2000,
        help_text=gettext_lazy("写明错误的值和您掌握的正确值及其来源。"),
        error_messages={"required": gettext_lazy("请描述数据问题。")},
    )

    def __init__(self, *args: Any, fields: list[DataField], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(f.name, f"{f.title}（{f.name}）") for f in fields]
        set_choices(self.fields["field_name"], [("", _("请选择")), *choices])


class ResolveForm(ExchangeForm):
    default_field = "resolution"

    corrected = forms.TypedChoiceField(
        label=gettext_lazy("处理结论"),
        choices=[("yes", gettext_lazy("已更正")), ("no", gettext_lazy("不予更正"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("请选择处理结论。")},
    )
    resolution = forms.CharField(
        label=gettext_lazy("处理结果"),
        max_length=2000,
        help_text=gettext_lazy("已更正：写明更正内容；不予更正：写明理由。"),
        error_messages={"required": gettext_lazy("请填写处理结果。")},
    )


# --- requests and grants ----------------------------------------------------------------------


def _field_choices(fields: list[DataField]) -> list[tuple[str, str]]:
    return [
        (
            f.name,
            f"{f.title}（{f.name}）" + (_("，个人信息") if f.personal else ""),
        )
        for f in fields
    ]


DATE_ERRORS = {"invalid": gettext_lazy("请按 2030-12-31 的格式填写日期。")}


class RequestForm(ExchangeForm):
    """A consumer department asks for some fields of a resource."""

    default_field = "purpose"

    field_names = forms.MultipleChoiceField(
        label=gettext_lazy("申请的信息项"),
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("只勾选办理业务确实需要的信息项。"),
        error_messages={
            "required": gettext_lazy("请选择至少一个信息项。"),
            "invalid_choice": gettext_lazy("所选信息项不属于该资源。"),
        },
    )
    purpose = forms.CharField(
        label=gettext_lazy("用途"),
        max_length=2000,
        help_text=gettext_lazy("用于办理什么业务，例如：社保参保登记核验身份。"),
        error_messages={"required": gettext_lazy("请填写数据用途。")},
    )
    legal_basis = forms.CharField(
        label=gettext_lazy("申请依据"),
        max_length=2000,
        help_text=gettext_lazy("法律法规或文件名称及条款。"),
        error_messages={"required": gettext_lazy("请填写申请依据。")},
    )
    valid_until = forms.DateField(
        label=gettext_lazy("使用期限（可选）"),
        required=False,
        help_text=gettext_lazy("格式：2030-12-31。不填则长期有效，直至撤销。"),
        error_messages=DATE_ERRORS,
    )

    def __init__(self, *args: Any, fields: list[DataField], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self.fields["field_names"], _field_choices(fields))


#: A new grant's rate limit unless the provider sets another (the model's default).
DEFAULT_RATE_LIMIT = ShareGrant._meta.get_field("rate_limit_per_minute").default


class ApproveForm(ExchangeForm):
    """The provider grants a request: some or all of the requested fields."""

    default_field = "field_names"

    field_names = forms.MultipleChoiceField(
        label=gettext_lazy("同意共享的信息项"),
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("可以只同意申请的一部分信息项。"),
        error_messages={
            "required": gettext_lazy("请选择至少一个信息项。"),
            "invalid_choice": gettext_lazy("所选信息项不在申请范围内。"),
        },
    )
    personal_unmasked = forms.BooleanField(
        label=gettext_lazy("个人信息不脱敏"),
        required=False,
        help_text=gettext_lazy("不勾选时，个人信息项按脱敏形式提供。"),
    )
    expires_on = forms.DateField(
        label=gettext_lazy("授权有效期至（可选）"),
        required=False,
        help_text=gettext_lazy("格式：2030-12-31。不填则长期有效，直至撤销。"),
        error_messages=DATE_ERRORS,
    )
    rate_limit_per_minute = forms.IntegerField(
        label=gettext_lazy("每分钟调用次数上限"),
        min_value=RATE_LIMIT_MIN,
        max_value=RATE_LIMIT_MAX,
        required=False,
        help_text=gettext_lazy(
            "数据接口按此授权每分钟最多受理的调用次数（1 至 100000）；不填为 600。"
        ),
        error_messages={
            "invalid": gettext_lazy("请填写整数。"),
            "min_value": gettext_lazy("每分钟调用次数上限不能小于 %(limit_value)s。"),
            "max_value": gettext_lazy("每分钟调用次数上限不能大于 %(limit_value)s。"),
        },
    )
    reason = forms.CharField(
        label=gettext_lazy("审核意见（可选）"), max_length=2000, required=False
    )

    def __init__(self, *args: Any, fields: list[DataField], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self.fields["field_names"], _field_choices(fields))


class AppForm(ExchangeForm):
    default_field = "name"

    name = forms.CharField(
        label=gettext_lazy("应用名称"),
        max_length=100,
        help_text=gettext_lazy("调用数据的业务系统名称，例如：社保业务系统。"),
        error_messages={"required": gettext_lazy("请填写应用名称。")},
    )


class AppChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """An application, shown by its name."""

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class SubscriptionForm(ExchangeForm):
    """A consumer's application follows a granted resource's changes (订阅)."""

    app = AppChoiceField(
        label=gettext_lazy("订阅的应用"),
        queryset=ConsumerApp.objects.none(),
        widget=forms.RadioSelect,
        help_text=gettext_lazy("资源数据变更时通知哪个应用。"),
        error_messages={
            "required": gettext_lazy("请选择应用。"),
            "invalid_choice": gettext_lazy("请选择本部门的有效应用。"),
        },
    )
    callback_url = forms.CharField(
        label=gettext_lazy("回调地址（可选）"),
        max_length=200,
        required=False,
        help_text=gettext_lazy(
            "http 或 https 网址，例如 https://sb.example.gov.cn/notify。"
            "数据变更时平台向该地址发送通知；不填则不回调。"
        ),
        error_messages={"max_length": gettext_lazy("回调地址不能超过 %(limit_value)s 个字符。")},
    )

    def __init__(self, *args: Any, apps: QuerySet[ConsumerApp], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(AppChoiceField, self.fields["app"]).queryset = apps


class CallFilterForm(forms.Form):
    outcome = forms.ChoiceField(
        label=gettext_lazy("结果"),
        required=False,
        choices=[
            ("", gettext_lazy("全部")),
            ("ok", gettext_lazy("成功")),
            ("refused", gettext_lazy("被拒绝")),
        ],
    )
    resource = forms.CharField(label=gettext_lazy("资源代码"), required=False, max_length=64)
