"""Citizens' forms: a request (诉求) to 12345, the rating of a completed order and the request
to handle it again (重办).

Each form checks what a person can put right on the page (a choice, an empty field, a number
that is not one); the service checks the rest and its refusal lands on the field it names."""

from __future__ import annotations

from typing import Any, ClassVar, cast

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yiwang.hotline.forms_common import (
    MAX_PHOTOS,
    PhotosField,
    coordinate_field,
    resolved_field,
)
from yiwang.hotline.models import Category, Satisfaction
from yiwang.hotline.services_intake import PHONE
from yiwang.kernel.forms import SummaryForm
from yiwang.kernel.models import Region

#: One line under each category, so a person picks the right one.
CATEGORY_HINTS: dict[str, Any] = {
    Category.CONSULTATION: gettext_lazy("想了解政策、办事流程或规定。"),
    Category.COMPLAINT: gettext_lazy("自身权益受到损害，或对服务、管理不满意。"),
    Category.REPORT: gettext_lazy("发现违法违规行为，向有关部门反映。"),
    Category.SUGGESTION: gettext_lazy("对政府工作和公共服务提出改进意见。"),
    Category.HELP: gettext_lazy("生活中遇到困难，需要政府部门帮助解决。"),
    Category.PRAISE: gettext_lazy("对工作人员或部门的良好服务表示感谢。"),
}


def region_choices() -> list[tuple[str, Any]]:
    """The districts and counties (区县) of this node's province, grouped by city; a node
    without county rows offers its cities."""
    province = str(settings.YIWANG_NODE_REGION)[:2]
    rows = list(
        Region.objects.filter(code__startswith=province, level__in=("city", "county"))
        .order_by("code")
        .values_list("code", "name", "level", "parent_id")
    )
    cities = {code: name for code, name, level, _parent in rows if level == "city"}
    groups: dict[str, list[tuple[str, str]]] = {}
    for code, name, level, parent in rows:
        if level == "county":
            groups.setdefault(str(parent), []).append((code, name))
    choices: list[tuple[str, Any]] = [("", _("请选择"))]
    if not groups:
        return choices + sorted(cities.items())
    for parent, counties in groups.items():
        choices.append((cities.get(parent, parent), counties))
    return choices


def _coordinate(low: int, high: int, label: Any) -> forms.DecimalField:
    between = _("应在 %(low)d 至 %(high)d 之间。") % {"low": low, "high": high}
    return coordinate_field(
        low, high, label, invalid=_("请输入数字，例如 30.550000。"), between=between
    )


class RequestForm(SummaryForm):
    """A citizen's request (诉求)."""

    field_aliases: ClassVar[dict[str, str]] = {"region_code": "region", "photo_ids": "photos"}

    category = forms.ChoiceField(
        label=gettext_lazy("诉求类型"),
        choices=Category.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy("请选择诉求类型。"),
            "invalid_choice": gettext_lazy("请从列出的诉求类型中选择。"),
        },
    )
    title = forms.CharField(
        label=gettext_lazy("标题（选填）"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("一句话概括您的诉求；不填写时取诉求内容的开头。"),
        error_messages={"max_length": gettext_lazy("标题最多 %(limit_value)d 字。")},
    )
    content = forms.CharField(
        label=gettext_lazy("诉求内容"),
        max_length=5000,
        widget=forms.Textarea,
        help_text=gettext_lazy("请写清楚发生了什么、在哪里、从什么时候开始，以及希望怎样解决。"),
        error_messages={
            "required": gettext_lazy("请填写诉求内容。"),
            "max_length": gettext_lazy("诉求内容最多 %(limit_value)d 字。"),
        },
    )
    region = forms.ChoiceField(
        label=gettext_lazy("所在区县"),
        error_messages={
            "required": gettext_lazy("请选择事情发生地所在的区县。"),
            "invalid_choice": gettext_lazy("请从列表中选择区县。"),
        },
    )
    address = forms.CharField(
        label=gettext_lazy("详细地址（选填）"),
        required=False,
        max_length=300,
        help_text=gettext_lazy("街道、小区、门牌号或附近的标志性建筑。"),
        error_messages={"max_length": gettext_lazy("地址最多 %(limit_value)d 字。")},
    )
    latitude = _coordinate(-90, 90, gettext_lazy("纬度"))
    longitude = _coordinate(-180, 180, gettext_lazy("经度"))
    photos = PhotosField(label=gettext_lazy("照片（选填）"), required=False)
    contact_phone = forms.CharField(
        label=gettext_lazy("联系电话"),
        max_length=20,
        help_text=gettext_lazy("办理部门可能需要联系您了解情况。手机号 11 位，座机请加区号。"),
        error_messages={
            "required": gettext_lazy("请填写联系电话，以便办理部门联系您。"),
            "max_length": gettext_lazy("电话号码过长。"),
        },
    )
    confidential = forms.BooleanField(
        label=gettext_lazy("请为我保密：不向办理部门透露我的姓名和电话"),
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.region_options = region_choices()
        cast(forms.ChoiceField, self.fields["region"]).choices = self.region_options
        self.fields["photos"].help_text = _(
            "最多 %(max)d 张，JPG 或 PNG 格式，每张不超过 %(size)s。"
            "页面出错需重填时，请重新选择照片。"
        ) % {"max": MAX_PHOTOS, "size": filesizeformat(settings.YIWANG_UPLOAD_MAX_BYTES)}

    def clean_contact_phone(self) -> str:
        number = "".join(str(self.cleaned_data.get("contact_phone", "")).split())
        if not PHONE.match(number):
            raise forms.ValidationError(_("电话号码格式不正确（手机号11位，或区号加座机号）。"))
        return number

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        latitude, longitude = data.get("latitude"), data.get("longitude")
        if (latitude is None) != (longitude is None) and not (
            self.has_error("latitude") or self.has_error("longitude")
        ):
            missing = "longitude" if longitude is None else "latitude"
            self.add_error(missing, _("经度和纬度须同时填写，或都不填。"))
        return data

    def region_groups(self) -> list[dict[str, Any]]:
        """The region select's options, grouped by city (``group`` None: no group)."""
        chosen = str(self["region"].value() or "")
        groups: list[dict[str, Any]] = []
        for value, label in self.region_options:
            if isinstance(label, list | tuple):
                options = [
                    {"value": code, "label": name, "selected": code == chosen}
                    for code, name in label
                ]
                groups.append({"group": value, "options": options})
            else:
                option = {"value": value, "label": label, "selected": value == chosen}
                groups.append({"group": None, "options": [option]})
        return groups

    def category_options(self) -> list[dict[str, Any]]:
        """The category radios, each with its one-line explanation."""
        return [
            {"option": option, "hint": CATEGORY_HINTS.get(option.data["value"], "")}
            for option in self["category"]
        ]


class RateForm(SummaryForm):
    """评价: five levels, whether the problem was solved, a comment."""

    score = forms.TypedChoiceField(
        label=gettext_lazy("您对办理结果满意吗？"),
        choices=sorted(Satisfaction.choices, reverse=True),
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy("请选择满意程度。"),
            "invalid_choice": gettext_lazy("满意程度只能是列出的五个等级之一。"),
        },
    )
    resolved = resolved_field(
        gettext_lazy("您反映的问题解决了吗？"),
        required=gettext_lazy("请选择问题是否已解决。"),
        invalid=gettext_lazy("请选择“已解决”或“未解决”。"),
    )
    comment = forms.CharField(
        label=gettext_lazy("评价内容（选填）"),
        required=False,
        max_length=2000,
        widget=forms.Textarea,
        error_messages={"max_length": gettext_lazy("评价内容最多 %(limit_value)d 字。")},
    )


class ReopenForm(SummaryForm):
    """重办: why the answer did not solve it."""

    field_aliases: ClassVar[dict[str, str]] = {"reason_text": "reason"}

    reason = forms.CharField(
        label=gettext_lazy("申请重办的理由"),
        max_length=5000,
        widget=forms.Textarea,
        help_text=gettext_lazy("请说明哪些问题没有解决，原办理部门将重新办理。"),
        error_messages={
            "required": gettext_lazy("请填写申请重办的理由。"),
            "max_length": gettext_lazy("理由最多 %(limit_value)d 字。"),
        },
    )


class KnowledgeSearchForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("搜索问题"), required=False, max_length=100)
