"""The forms of the licence pages. They check only what a page must read (a number, JSON
that parses, a file that is there); the services judge everything else and their errors
are shown beside the field they name."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from yiwang.licenses.models import HolderKind


def _json_field(label: Any, help_text: Any, initial: str) -> forms.CharField:
    return forms.CharField(
        label=label, help_text=help_text, initial=initial, widget=forms.Textarea, required=True
    )


class TypeForm(forms.Form):
    name = forms.CharField(label=_("证照名称"), max_length=100)
    code = forms.CharField(
        label=_("证照类型编码"),
        max_length=64,
        help_text=_("目录中的编码:字母、数字和下划线,例如 food_business_licence。"),
    )
    identifier_code = forms.CharField(
        label=_("证照类型代码"),
        max_length=32,
        required=False,
        help_text=_("证照标识中的类型代码:大写字母和数字,例如 SPJY;不填则用编码的大写。"),
    )
    holder_kind = forms.ChoiceField(
        label=_("持证主体"), choices=HolderKind.choices, initial=HolderKind.EITHER
    )
    fields_schema = _json_field(
        _("照面信息结构(JSON Schema)"),
        _(
            '例如:{"type": "object", "properties": {"scope": {"type": "string", '
            '"title": "经营项目"}}}'
        ),
        '{"type": "object", "required": [], "properties": {}}',
    )
    layout = _json_field(
        _("照面布局(JSON)"),
        _('每行一个字段,例如:[{"field": "scope", "label": "经营项目"}]'),
        "[]",
    )
    validity_years = forms.IntegerField(
        label=_("有效期(年)"), required=False, min_value=1, max_value=100
    )
    validity_days = forms.IntegerField(
        label=_("有效期(天)"),
        required=False,
        min_value=1,
        max_value=36500,
        help_text=_("年和天都不填:长期有效。"),
    )
    issuing_department_kind = forms.CharField(label=_("发证部门类型"), required=False)
    description = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea)

    def _json(self, name: str, kind: type) -> Any:
        try:
            value = json.loads(self.cleaned_data[name])
        except ValueError as exc:
            raise forms.ValidationError(_("不是有效的 JSON:%(e)s") % {"e": exc}) from exc
        if not isinstance(value, kind):
            raise forms.ValidationError(
                _("应为 JSON 对象。") if kind is dict else _("应为 JSON 数组。")
            )
        return value

    def clean_fields_schema(self) -> Any:
        return self._json("fields_schema", dict)

    def clean_layout(self) -> Any:
        return self._json("layout", list)


class HolderForm(forms.Form):
    """Who the licence is issued to; the service checks the ID number or credit code."""

    department = forms.ChoiceField(label=_("发证部门"))
    holder_kind = forms.ChoiceField(
        label=_("持证主体类型"),
        choices=[(HolderKind.PERSON, _("自然人")), (HolderKind.ENTITY, _("法人"))],
    )
    holder_name = forms.CharField(label=_("持证主体名称"), max_length=200, required=False)
    holder_id_number = forms.CharField(
        label=_("身份证号码"),
        max_length=18,
        required=False,
        help_text=_("持证主体为自然人时填写。"),
    )
    holder_credit_code = forms.CharField(
        label=_("统一社会信用代码"),
        max_length=18,
        required=False,
        help_text=_("持证主体为法人时填写。"),
    )

    def __init__(self, *args: Any, departments: list[Any], kinds: list[str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        field: Any = self.fields["department"]
        field.choices = [(d.code, d.name) for d in departments]
        kind_field: Any = self.fields["holder_kind"]
        kind_field.choices = [c for c in kind_field.choices if c[0] in kinds]
        if len(kind_field.choices) == 1:
            self.initial.setdefault("holder_kind", kind_field.choices[0][0])


class ImportForm(forms.Form):
    type_code = forms.ChoiceField(label=_("证照类型"))
    department = forms.ChoiceField(label=_("发证部门"))
    file = forms.FileField(
        label=_("导入文件"),
        help_text=_(
            "Excel(.xlsx,首行为列名)或 JSON(行的数组)。列:holder_name、holder_id_number 或 "
            "holder_credit_code、valid_from、valid_until,以及照面信息各字段(字段名或标题)。"
        ),
    )

    def __init__(self, *args: Any, types: list[Any], departments: list[Any], **kwargs: Any):
        super().__init__(*args, **kwargs)
        type_field: Any = self.fields["type_code"]
        type_field.choices = [(t.code, f"{t.name}({t.code})") for t in types]
        field: Any = self.fields["department"]
        field.choices = [(d.code, d.name) for d in departments]


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=500, required=False, widget=forms.Textarea)


class SearchForm(forms.Form):
    q = forms.CharField(label=_("证照标识或持证主体名称"), max_length=130, required=False)


class RedeemForm(forms.Form):
    short_code = forms.CharField(
        label=_("授权码"),
        max_length=8,
        required=False,
        help_text=_("持证人出示的 8 位数字。"),
    )
    token = forms.CharField(label=_("或粘贴扫描到的亮证码内容"), max_length=200, required=False)
    department = forms.ChoiceField(label=_("用证部门"))
    case_no = forms.CharField(label=_("办件编号(选填)"), max_length=20, required=False)
    purpose = forms.CharField(label=_("用途(选填)"), max_length=200, required=False)

    def __init__(self, *args: Any, departments: list[Any], **kwargs: Any):
        super().__init__(*args, **kwargs)
        field: Any = self.fields["department"]
        field.choices = [(d.code, d.name) for d in departments]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        code = (data.get("short_code") or "").strip()
        token = (data.get("token") or "").strip()
        if not code and not token:
            self.add_error("short_code", _("请输入授权码,或粘贴扫描到的亮证码内容。"))
        elif code and not (len(code) == 8 and code.isdigit()):
            self.add_error("short_code", _("授权码是 8 位数字。"))
        return data


class VerifyForm(forms.Form):
    text = forms.CharField(
        label=_("证照标识或二维码内容"),
        max_length=400,
        required=False,
        help_text=_("例如 1.2.156.3005.2.SPJY.…;也可粘贴扫描证照二维码得到的内容。"),
    )


class VerifyFileForm(forms.Form):
    file = forms.FileField(label=_("证照 PDF 文件"))


class DepartmentForm(forms.Form):
    department_code = forms.CharField(
        label=_("部门编码"), max_length=32, help_text=_("例如 420106-SCJG。")
    )
