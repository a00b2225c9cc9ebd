"""Forms of the staff catalogue pages.

Each form checks what a browser can get wrong (a number that is not a number, JSON that does
not parse, a file that is not text) and converts what it holds into the API's input schemas
(:class:`VersionIn`, :class:`ImplementationIn`, :class:`ReviewIn`, :class:`WithdrawIn`), so a
page and the API are validated by the same services. A service's refusal names fields the way
the API does (``promised_limit_days``, ``materials[2].copies``,
``form_schema/properties/x/title``); :meth:`StaffForm.apply_error` puts each one back on the
form field a person can correct, and :meth:`StaffForm.summary` lists them for the error
summary at the top of the page.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pydantic import ValidationError

from yiwang.catalog import process
from yiwang.catalog.models import (
    Channel,
    HandlingKind,
    ImplementationVersion,
    ItemType,
    MaterialForm,
    MaterialSource,
    ResultType,
    ServiceItem,
    ServiceObject,
    Theme,
    VersionStatus,
)
from yiwang.catalog.schemas import (
    ImplementationIn,
    ItemIn,
    LifeEventIn,
    ReviewIn,
    VersionIn,
    WithdrawIn,
)
from yiwang.kernel.forms import SummaryForm, anchor
from yiwang.kernel.models import Department, Region, RegionLevel

_INDEXED = re.compile(r"^(?P<list>fees|materials)\[(?P<i>\d+)\](?:\.(?P<attr>\w+))?")


def _loc(loc: tuple[int | str, ...]) -> str:
    """A pydantic error location as the services name fields: ``fees[0].amount``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


class StaffForm(SummaryForm):
    """A form whose service refusals land on its fields."""

    #: Where a refusal that names no field of this form is linked from the summary.
    summary_fallback = "main"

    def apply_validation(self, exc: ValidationError) -> None:
        """Put a schema's refusal (a value the form let through) on the fields it names."""
        for item in exc.errors():
            name = _loc(tuple(item.get("loc", ())))
            field = self.field_for(name)
            message = _("%(field)s 的值无效：%(msg)s") % {"field": name, "msg": item.get("msg")}
            self.add_error(field if field in self.fields else None, message)


# --- the implementation list --------------------------------------------------------------

SORTS = {
    "code": "code",
    "name": "item__name",
    "department": "department__name",
    "status": "latest_status",
    "updated": "latest_at",
}


SORT_LABELS = {
    "code": gettext_lazy("实施编码"),
    "name": gettext_lazy("事项名称"),
    "department": gettext_lazy("实施部门"),
    "status": gettext_lazy("最新版本状态"),
    "updated": gettext_lazy("最近变更"),
}


class ListFilterForm(StaffForm):
    q = forms.CharField(label=gettext_lazy("事项编码或名称"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=gettext_lazy("最新版本状态"),
        required=False,
        choices=[("", gettext_lazy("全部")), *VersionStatus.choices],
    )
    department = forms.TypedChoiceField(
        label=gettext_lazy("实施部门"), required=False, coerce=int, empty_value=None
    )
    region = forms.ChoiceField(label=gettext_lazy("行政区划"), required=False)
    sort = forms.ChoiceField(label=gettext_lazy("排序"), required=False)

    def __init__(self, data: Any, *, departments: list[Department], regions: list[Region]) -> None:
        super().__init__(data)
        department_field: Any = self.fields["department"]
        department_field.choices = [("", _("全部")), *((d.pk, d.name) for d in departments)]
        region_field: Any = self.fields["region"]
        region_field.choices = [("", _("全部")), *((r.code, r.name) for r in regions)]
        sort_field: Any = self.fields["sort"]
        sort_field.choices = [
            choice
            for key, label in SORT_LABELS.items()
            for choice in (
                (key, _("%(column)s（正序）") % {"column": label}),
                (f"-{key}", _("%(column)s（倒序）") % {"column": label}),
            )
        ]

    def value(self, name: str) -> Any:
        """A valid filter's value; an invalid one is shown as an error and not applied."""
        if not self.is_bound:
            return None
        self.is_valid()
        return self.cleaned_data.get(name) if hasattr(self, "cleaned_data") else None


# --- a new implementation ------------------------------------------------------------------


class NewImplementationForm(StaffForm):
    item_code = forms.ChoiceField(
        label=gettext_lazy("政务服务事项"),
        error_messages={"required": gettext_lazy("请选择要实施的事项。")},
    )
    department_code = forms.ChoiceField(
        label=gettext_lazy("实施部门"),
        error_messages={"required": gettext_lazy("请选择实施部门。")},
    )

    def __init__(
        self, data: Any = None, *, items: list[ServiceItem], departments: list[Department]
    ) -> None:
        initial = {"department_code": departments[0].code} if len(departments) == 1 else {}
        super().__init__(data, initial=initial)
        item_field: Any = self.fields["item_code"]
        item_field.choices = [("", _("请选择")), *((i.code, f"{i.code} {i.name}") for i in items)]
        department_field: Any = self.fields["department_code"]
        department_field.choices = [
            ("", _("请选择")),
            *((d.code, f"{d.name}（{d.region.name}）") for d in departments),
        ]

    def to_schema(self) -> ImplementationIn:
        return ImplementationIn.model_validate(
            {
                "item_code": self.cleaned_data["item_code"],
                "department_code": self.cleaned_data["department_code"],
            }
        )


# --- editing a draft -----------------------------------------------------------------------


def _pretty(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2) if value else ""


#: How deep a form definition may nest: real forms need a handful of levels, and a limit
#: keeps the schema validator's recursion far from Python's own.
MAX_JSON_DEPTH = 32
MAX_JSON_CHARS = 256 * 1024


def _depth(value: Any, limit: int) -> int:
    """The nesting depth of ``value``, counting no further than ``limit + 1``."""
    if limit < 0 or not isinstance(value, dict | list):
        return 0
    children = value.values() if isinstance(value, dict) else value
    return 1 + max((_depth(child, limit - 1) for child in children), default=0)


def _json_object(text: str, what: str) -> dict[str, Any]:
    """Parse a JSON textarea: empty means ``{}``; a syntax error names its line and column."""
    if not text.strip():
        return {}
    try:
        value = json.loads(text)
    except RecursionError as exc:
        raise forms.ValidationError(
            _("%(what)s嵌套层数过多。") % {"what": what}, code="json_too_deep"
        ) from exc
    except json.JSONDecodeError as exc:
        raise forms.ValidationError(
            _("%(what)s不是合法的 JSON（第 %(line)d 行第 %(col)d 列）：%(msg)s")
            % {"what": what, "line": exc.lineno, "col": exc.colno, "msg": exc.msg},
            code="json_invalid",
        ) from exc
    if not isinstance(value, dict):
        raise forms.ValidationError(
            _("%(what)s必须是 JSON 对象（{ ... }）。") % {"what": what}, code="json_not_object"
        )
    if _depth(value, MAX_JSON_DEPTH) > MAX_JSON_DEPTH:
        raise forms.ValidationError(
            _("%(what)s嵌套层数过多（最多 %(n)d 层）。") % {"what": what, "n": MAX_JSON_DEPTH},
            code="json_too_deep",
        )
    return value


class VersionForm(StaffForm):
    """The open draft of an implementation: what a department may set locally.

    The master item's fees and materials are listed one row each; a row can be kept or
    removed and narrowed (a lower amount; fewer copies, optional, met by a licence or shared
    data). Row fields are named by the master row's position (``mat_2_copies``)."""

    summary_fallback = "version-form"

    handling_kind = forms.ChoiceField(
        label=gettext_lazy("办件类型"), choices=HandlingKind.choices, widget=forms.RadioSelect
    )
    promised_limit_days = forms.IntegerField(
        label=gettext_lazy("承诺时限（工作日）"),
        required=False,
        min_value=1,
        max_value=3650,
        error_messages={"invalid": gettext_lazy("请输入工作日天数（整数）。")},
    )
    acceptance_conditions = forms.CharField(
        label=gettext_lazy("受理条件"), required=False, max_length=5000, widget=forms.Textarea
    )
    service_objects = forms.MultipleChoiceField(
        label=gettext_lazy("服务对象"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("请至少选择一个服务对象。")},
    )
    channels = forms.MultipleChoiceField(
        label=gettext_lazy("办理渠道"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("请至少选择一个办理渠道。")},
    )
    max_trips = forms.IntegerField(
        label=gettext_lazy("最多跑动次数"),
        min_value=0,
        max_value=5,
        error_messages={
            "required": gettext_lazy("请输入最多跑动次数。"),
            "invalid": gettext_lazy("请输入整数。"),
        },
    )
    hall_address = forms.CharField(label=gettext_lazy("办理地点"), required=False, max_length=300)
    office_hours = forms.CharField(label=gettext_lazy("办理时间"), required=False, max_length=200)
    phone = forms.CharField(label=gettext_lazy("咨询电话"), required=False, max_length=40)
    complaint_phone = forms.CharField(
        label=gettext_lazy("监督投诉电话"), required=False, max_length=40
    )
    form_schema = forms.CharField(
        label=gettext_lazy("申请表单（JSON Schema）"),
        required=False,
        max_length=MAX_JSON_CHARS,
        widget=forms.Textarea,
    )
    form_ui = forms.CharField(
        label=gettext_lazy("表单界面提示（JSON）"),
        required=False,
        max_length=MAX_JSON_CHARS,
        widget=forms.Textarea,
    )
    process_bpmn = forms.CharField(
        label=gettext_lazy("办理流程（BPMN 2.0）"),
        required=False,
        max_length=process.MAX_BPMN_BYTES,
        strip=False,
        widget=forms.Textarea,
    )
    process_file = forms.FileField(label=gettext_lazy("上传流程文件（.bpmn）"), required=False)

    def __init__(
        self,
        data: Any = None,
        files: Any = None,
        *,
        version: ImplementationVersion,
        item: ServiceItem,
    ) -> None:
        self.item = item
        self.version = version
        self.master_fees: list[dict[str, Any]] = list(item.fees)
        self.master_materials = list(item.materials.all())
        #: Row index of each fee / material sent to the service → its master row.
        self._fee_rows: list[int] = []
        self._material_rows: list[int] = []
        super().__init__(data, files, initial=self._initial(version))
        objects: Any = self.fields["service_objects"]
        objects.choices = [(v, ServiceObject(v).label) for v in item.service_objects]
        channels: Any = self.fields["channels"]
        channels.choices = [(v, Channel(v).label) for v in item.channels]
        self._add_fee_fields()
        self._add_material_fields(version)

    # --- building -------------------------------------------------------------------------

    @staticmethod
    def _initial(version: ImplementationVersion) -> dict[str, Any]:
        initial: dict[str, Any] = {
            name: getattr(version, name)
            for name in (
                "handling_kind",
                "promised_limit_days",
                "acceptance_conditions",
                "service_objects",
                "channels",
                "max_trips",
                "hall_address",
                "office_hours",
                "phone",
                "complaint_phone",
                "process_bpmn",
            )
        }
        initial["form_schema"] = _pretty(version.form_schema)
        initial["form_ui"] = _pretty(version.form_ui)
        return initial

    def _add_fee_fields(self) -> None:
        local = {f["name"]: f for f in self.version.fees}
        for i, fee in enumerate(self.master_fees):
            name = fee["name"]
            self.fields[f"fee_{i}_keep"] = forms.BooleanField(
                label=_("收取“%(name)s”") % {"name": name},
                required=False,
                initial=name in local,
            )
            self.fields[f"fee_{i}_amount"] = forms.DecimalField(
                label=_("“%(name)s”金额（元）") % {"name": name},
                required=False,
                min_value=Decimal(0),
                max_digits=10,
                decimal_places=2,
                initial=local.get(name, fee)["amount"],
                error_messages={"invalid": _("请输入金额，例如 10.00。")},
            )

    def _add_material_fields(self, version: ImplementationVersion) -> None:
        local = {m.code: m for m in version.materials.all()}
        self.local_materials = local
        for i, master in enumerate(self.master_materials):
            current = local.get(master.code, master)
            name = master.name
            self.fields[f"mat_{i}_keep"] = forms.BooleanField(
                label=_("要求提交“%(name)s”") % {"name": name},
                required=False,
                initial=master.code in local,
            )
            if master.required:
                self.fields[f"mat_{i}_required"] = forms.BooleanField(
                    label=_("“%(name)s”为必要材料") % {"name": name},
                    required=False,
                    initial=current.required,
                )
            self.fields[f"mat_{i}_copies"] = forms.IntegerField(
                label=_("“%(name)s”份数") % {"name": name},
                min_value=0,
                max_value=20,
                initial=current.copies,
                error_messages={
                    "required": _("请输入份数。"),
                    "invalid": _("请输入整数。"),
                },
            )
            self.fields[f"mat_{i}_source"] = forms.ChoiceField(
                label=_("“%(name)s”来源") % {"name": name},
                choices=MaterialSource.choices,
                initial=current.source,
            )
            self.fields[f"mat_{i}_license_type"] = forms.CharField(
                label=_("“%(name)s”可用电子证照类型") % {"name": name},
                required=False,
                max_length=64,
                initial=current.license_type,
            )
            self.fields[f"mat_{i}_shared_data"] = forms.CharField(
                label=_("“%(name)s”可用共享数据") % {"name": name},
                required=False,
                max_length=64,
                initial=current.shared_data,
            )

    # --- what the template walks ----------------------------------------------------------

    def fee_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "master": fee,
                "keep": self[f"fee_{i}_keep"],
                "amount": self[f"fee_{i}_amount"],
            }
            for i, fee in enumerate(self.master_fees)
        ]

    def material_rows(self) -> list[dict[str, Any]]:
        rows = []
        for i, master in enumerate(self.master_materials):
            rows.append(
                {
                    "master": master,
                    "keep": self[f"mat_{i}_keep"],
                    "required": self[f"mat_{i}_required"] if master.required else None,
                    "copies": self[f"mat_{i}_copies"],
                    "source": self[f"mat_{i}_source"],
                    "license_type": self[f"mat_{i}_license_type"],
                    "shared_data": self[f"mat_{i}_shared_data"],
                    "errors": any(
                        self[name].errors for name in self.fields if name.startswith(f"mat_{i}_")
                    ),
                }
            )
        return rows

    # --- cleaning -------------------------------------------------------------------------

    def clean_form_schema(self) -> dict[str, Any]:
        return _json_object(self.cleaned_data["form_schema"], _("申请表单"))

    def clean_form_ui(self) -> dict[str, Any]:
        return _json_object(self.cleaned_data["form_ui"], _("界面提示"))

    def clean_process_file(self) -> str | None:
        upload: UploadedFile | None = self.cleaned_data.get("process_file")
        if not upload:
            return None
        if upload.size and upload.size > process.MAX_BPMN_BYTES:
            raise forms.ValidationError(_("流程文件超过 512 KB。"), code="too_large")
        try:
            return b"".join(upload.chunks()).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise forms.ValidationError(
                _("流程文件必须是 UTF-8 编码的 BPMN 2.0 XML 文本。"), code="not_text"
            ) from exc

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        uploaded = cleaned.get("process_file")
        if uploaded:
            # The uploaded process replaces the textarea; show it there if it is refused.
            cleaned["process_bpmn"] = uploaded
            posted: Any = self.data
            data = posted.copy()
            data["process_bpmn"] = uploaded
            self.data = data
        for i in range(len(self.master_materials)):
            source = cleaned.get(f"mat_{i}_source")
            if not cleaned.get(f"mat_{i}_keep"):
                continue
            if source == MaterialSource.LICENCE and not cleaned.get(f"mat_{i}_license_type"):
                self.add_error(
                    f"mat_{i}_license_type",
                    _("来源为电子证照时，请填写可用的电子证照类型。"),
                )
            if source == MaterialSource.SHARED_DATA and not cleaned.get(f"mat_{i}_shared_data"):
                self.add_error(
                    f"mat_{i}_shared_data", _("来源为共享数据时，请填写可用的共享数据。")
                )
        for i in range(len(self.master_fees)):
            if cleaned.get(f"fee_{i}_keep") and cleaned.get(f"fee_{i}_amount") is None:
                self.add_error(f"fee_{i}_amount", _("请输入收费金额。"))
        return cleaned

    # --- to the service -------------------------------------------------------------------

    def to_schema(self) -> VersionIn:
        """The draft as :class:`VersionIn`; raises pydantic's ``ValidationError``."""
        data = self.cleaned_data
        instant = data["handling_kind"] == HandlingKind.INSTANT
        self._fee_rows = [i for i in range(len(self.master_fees)) if data.get(f"fee_{i}_keep")]
        self._material_rows = [
            i for i in range(len(self.master_materials)) if data.get(f"mat_{i}_keep")
        ]
        fees = [
            {
                "name": self.master_fees[i]["name"],
                "amount": data[f"fee_{i}_amount"],
                "basis": self.master_fees[i].get("basis", ""),
            }
            for i in self._fee_rows
        ]
        return VersionIn.model_validate(
            {
                "handling_kind": data["handling_kind"],
                "promised_limit_days": None if instant else data.get("promised_limit_days"),
                "acceptance_conditions": data.get("acceptance_conditions", ""),
                "service_objects": data["service_objects"],
                "channels": data["channels"],
                "max_trips": data["max_trips"],
                "fees": fees,
                "hall_address": data.get("hall_address", ""),
                "office_hours": data.get("office_hours", ""),
                "phone": data.get("phone", ""),
                "complaint_phone": data.get("complaint_phone", ""),
                "form_schema": data.get("form_schema") or {},
                "form_ui": data.get("form_ui") or {},
                "process_bpmn": data.get("process_bpmn", ""),
                "materials": [self._material(i) for i in self._material_rows],
            }
        )

    def _material(self, i: int) -> dict[str, Any]:
        """A kept master material as narrowed on the page (:class:`MaterialIn`'s fields)."""
        data = self.cleaned_data
        master = self.master_materials[i]
        current = self.local_materials.get(master.code, master)
        source = data[f"mat_{i}_source"]
        return {
            "code": master.code,
            "name": current.name,
            "form": current.form,
            "copies": data[f"mat_{i}_copies"],
            "required": bool(data.get(f"mat_{i}_required")) if master.required else False,
            "source": source,
            "license_type": data.get(f"mat_{i}_license_type", "")
            if source == MaterialSource.LICENCE
            else "",
            "shared_data": data.get(f"mat_{i}_shared_data", "")
            if source == MaterialSource.SHARED_DATA
            else "",
            "meaning": current.meaning,
            "note": current.note,
        }

    # --- refusals back onto fields --------------------------------------------------------

    def field_for(self, name: str) -> str | None:
        if name.startswith("form_schema"):
            return "form_schema"
        if name.startswith("form_ui"):
            return "form_ui"
        match = _INDEXED.match(name)
        if match:
            i = int(match["i"])
            attr = match["attr"] or ""
            if match["list"] == "fees":
                if i >= len(self._fee_rows):
                    return None
                row = self._fee_rows[i]
                return f"fee_{row}_amount" if attr == "amount" else f"fee_{row}_keep"
            if i >= len(self._material_rows):
                return None
            row = self._material_rows[i]
            candidate = f"mat_{row}_{attr}"
            return candidate if candidate in self.fields else f"mat_{row}_keep"
        return super().field_for(name)

    def describe(self, error: dict[str, Any]) -> str:
        message = str(error.get("message", ""))
        field = str(error.get("field", ""))
        for prefix in ("form_schema", "form_ui"):
            if field.startswith(prefix + "/"):
                pointer = field[len(prefix) :]
                return _("%(message)s（位置：%(pointer)s）") % {
                    "message": message,
                    "pointer": pointer,
                }
        element = error.get("element")
        line = error.get("line")
        if element and line:
            return _("元素 %(element)s（第 %(line)s 行）：%(message)s") % {
                "element": element,
                "line": line,
                "message": message,
            }
        if element:
            return _("元素 %(element)s：%(message)s") % {"element": element, "message": message}
        if line:
            return _("第 %(line)s 行：%(message)s") % {"line": line, "message": message}
        return message


# --- actions on a version ------------------------------------------------------------------

ACTIONS = ("submit", "publish", "reject", "withdraw", "revise")


class ActionForm(StaffForm):
    summary_fallback = "actions"

    action = forms.ChoiceField(
        label=gettext_lazy("操作"),
        choices=[(a, a) for a in ACTIONS],
        error_messages={
            "required": gettext_lazy("请选择要执行的操作。"),
            "invalid_choice": gettext_lazy("不支持该操作。"),
        },
    )
    version = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    comment = forms.CharField(
        label=gettext_lazy("审核意见"), required=False, max_length=1000, widget=forms.Textarea
    )
    reason = forms.CharField(
        label=gettext_lazy("撤回原因"), required=False, max_length=300, widget=forms.Textarea
    )
    next = forms.CharField(required=False, max_length=500)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        action = cleaned.get("action")
        if action == "reject" and not cleaned.get("comment", "").strip():
            self.add_error("comment", _("退回时请写明原因。"))
        if action == "withdraw" and not cleaned.get("reason", "").strip():
            self.add_error("reason", _("请填写撤回原因。"))
        return cleaned

    def field_for(self, name: str) -> str | None:
        return name if name in {"comment", "reason"} else None

    def summary(self) -> list[dict[str, str]]:
        rows = [{"href": "#actions", "message": str(m)} for m in self.non_field_errors()]
        for name in ("action", "version", "next"):
            rows += [{"href": "#actions", "message": str(m)} for m in self[name].errors]
        for name in ("comment", "reason"):
            bound = self[name]
            rows += [
                {
                    "href": f"#{anchor(bound)}",
                    "message": _("%(label)s：%(message)s") % {"label": bound.label, "message": m},
                }
                for m in bound.errors
            ]
        return rows

    def review(self) -> ReviewIn:
        return ReviewIn(comment=self.cleaned_data.get("comment", ""))

    def withdrawal(self) -> WithdrawIn:
        return WithdrawIn(reason=self.cleaned_data.get("reason", ""))


class ConsistencyFilterForm(StaffForm):
    field = forms.ChoiceField(label=gettext_lazy("要素"), required=False)
    department = forms.ChoiceField(label=gettext_lazy("实施部门"), required=False)

    def __init__(self, data: Any, *, fields: dict[str, str], departments: list[str]) -> None:
        super().__init__(data)
        field: Any = self.fields["field"]
        field.choices = [("", _("全部")), *fields.items()]
        department: Any = self.fields["department"]
        department.choices = [("", _("全部")), *((d, d) for d in departments)]

    def value(self, name: str) -> str:
        if not self.is_bound:
            return ""
        self.is_valid()
        return str(getattr(self, "cleaned_data", {}).get(name) or "")


# --- master items and life events (views_staff_more) ----------------------------------------


#: Blank rows the item editor offers below the filled ones; "add a row" adds one more.
BLANK_ROWS = 1
MAX_ROWS = 60


def _department_choices(departments: list[Department]) -> list[tuple[str, str]]:
    return [("", _("请选择")), *((d.code, f"{d.name}（{d.region.name}）") for d in departments)]


class ItemFilterForm(StaffForm):
    q = forms.CharField(label=gettext_lazy("事项编码或名称"), required=False, max_length=100)
    item_type = forms.ChoiceField(
        label=gettext_lazy("事项类型"),
        required=False,
        choices=[("", gettext_lazy("全部")), *ItemType.choices],
    )
    department = forms.TypedChoiceField(
        label=gettext_lazy("主管部门"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, data: Any, *, departments: list[Department]) -> None:
        super().__init__(data)
        department_field: Any = self.fields["department"]
        department_field.choices = [("", _("全部")), *((d.pk, d.name) for d in departments)]

    def value(self, name: str) -> Any:
        if not self.is_bound:
            return None
        self.is_valid()
        return self.cleaned_data.get(name) if hasattr(self, "cleaned_data") else None


def _rows(data: Any, key: str, filled: int) -> int:
    """How many rows a table shows: the filled ones and a blank one, or as many as were
    posted, one more when the person asked for another row."""
    count = filled + BLANK_ROWS
    if data is not None:
        posted = str(data.get(f"{key}_rows", ""))
        if posted.isdigit():
            count = max(count, int(posted))
        if data.get("add") == key:
            count += 1
    return min(count, MAX_ROWS)


class ItemForm(StaffForm):
    """A master item with every :class:`ItemIn` field. Fees and materials are tables of
    ``fee_<i>_<attr>`` / ``mat_<i>_<attr>`` fields; an empty row is left out."""

    summary_fallback = "item-form"

    code = forms.CharField(
        label=gettext_lazy("事项编码"),
        max_length=32,
        error_messages={"required": gettext_lazy("请输入事项编码。")},
    )
    name = forms.CharField(
        label=gettext_lazy("事项名称"),
        max_length=200,
        error_messages={"required": gettext_lazy("请输入事项名称。")},
    )
    item_type = forms.ChoiceField(
        label=gettext_lazy("事项类型"),
        choices=[("", gettext_lazy("请选择")), *ItemType.choices],
        error_messages={"required": gettext_lazy("请选择事项类型。")},
    )
    department_code = forms.ChoiceField(
        label=gettext_lazy("主管部门"),
        error_messages={"required": gettext_lazy("请选择主管部门。")},
    )
    legal_basis = forms.CharField(
        label=gettext_lazy("设定依据"),
        max_length=5000,
        widget=forms.Textarea,
        error_messages={"required": gettext_lazy("请填写设定依据。")},
    )
    handling_levels = forms.MultipleChoiceField(
        label=gettext_lazy("行使层级"),
        choices=RegionLevel.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("请至少选择一个行使层级。")},
    )
    service_objects = forms.MultipleChoiceField(
        label=gettext_lazy("服务对象"),
        choices=ServiceObject.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("请至少选择一个服务对象。")},
    )
    themes = forms.MultipleChoiceField(
        label=gettext_lazy("主题"),
        required=False,
        choices=Theme.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    channels = forms.MultipleChoiceField(
        label=gettext_lazy("办理渠道"),
        choices=Channel.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("请至少选择一个办理渠道。")},
    )
    acceptance_conditions = forms.CharField(
        label=gettext_lazy("受理条件"), required=False, max_length=5000, widget=forms.Textarea
    )
    process_description = forms.CharField(
        label=gettext_lazy("办理流程说明"), required=False, max_length=5000, widget=forms.Textarea
    )
    statutory_limit_days = forms.IntegerField(
        label=gettext_lazy("法定时限（工作日）"),
        required=False,
        min_value=0,
        max_value=3650,
        error_messages={"invalid": gettext_lazy("请输入工作日天数（整数）。")},
    )
    result_type = forms.ChoiceField(
        label=gettext_lazy("结果类型"),
        choices=[("", gettext_lazy("请选择")), *ResultType.choices],
        error_messages={"required": gettext_lazy("请选择结果类型。")},
    )
    result_name = forms.CharField(label=gettext_lazy("结果名称"), required=False, max_length=200)
    result_license_type = forms.CharField(
        label=gettext_lazy("电子证照类型"), required=False, max_length=64
    )
    max_trips = forms.IntegerField(
        label=gettext_lazy("最多跑动次数"),
        min_value=0,
        max_value=5,
        initial=1,
        error_messages={
            "required": gettext_lazy("请输入最多跑动次数。"),
            "invalid": gettext_lazy("请输入整数。"),
        },
    )

    def __init__(
        self,
        data: Any = None,
        *,
        departments: list[Department],
        item: ServiceItem | None = None,
    ) -> None:
        self.item = item
        initial = self._initial(item) if item is not None else {}
        if item is None and len(departments) == 1:
            initial["department_code"] = departments[0].code
        super().__init__(data, initial=initial)
        department_field: Any = self.fields["department_code"]
        department_field.choices = _department_choices(departments)
        if item is not None:
            self.fields["code"].disabled = True
        fees = list(item.fees) if item is not None else []
        materials = list(item.materials.all()) if item is not None else []
        self.fee_count = _rows(data, "fee", len(fees))
        self.material_count = _rows(data, "mat", len(materials))
        #: Row index of each fee / material sent to the service → its table row.
        self._fee_rows: list[int] = []
        self._material_rows: list[int] = []
        for i in range(self.fee_count):
            self._add_fee(i, fees[i] if i < len(fees) else None)
        for i in range(self.material_count):
            self._add_material(i, materials[i] if i < len(materials) else None)

    @staticmethod
    def _initial(item: ServiceItem) -> dict[str, Any]:
        initial: dict[str, Any] = {
            name: getattr(item, name)
            for name in (
                "code",
                "name",
                "item_type",
                "legal_basis",
                "handling_levels",
                "service_objects",
                "themes",
                "channels",
                "acceptance_conditions",
                "process_description",
                "statutory_limit_days",
                "result_type",
                "result_name",
                "result_license_type",
                "max_trips",
            )
        }
        initial["department_code"] = item.department.code
        return initial

    def _add_fee(self, i: int, fee: dict[str, Any] | None) -> None:
        n = i + 1
        fee = fee or {}
        self.fields[f"fee_{i}_name"] = forms.CharField(
            label=_("收费 %(n)d：名称") % {"n": n},
            required=False,
            max_length=100,
            initial=fee.get("name", ""),
        )
        self.fields[f"fee_{i}_amount"] = forms.DecimalField(
            label=_("收费 %(n)d：金额（元）") % {"n": n},
            required=False,
            min_value=Decimal(0),
            max_digits=10,
            decimal_places=2,
            initial=fee.get("amount"),
            error_messages={"invalid": _("请输入金额，例如 10.00。")},
        )
        self.fields[f"fee_{i}_basis"] = forms.CharField(
            label=_("收费 %(n)d：依据") % {"n": n},
            required=False,
            max_length=300,
            initial=fee.get("basis", ""),
        )

    def _add_material(self, i: int, material: Any) -> None:
        n = i + 1

        def value(attr: str, default: Any) -> Any:
            return getattr(material, attr) if material is not None else default

        self.fields[f"mat_{i}_code"] = forms.CharField(
            label=_("材料 %(n)d：编码") % {"n": n},
            required=False,
            max_length=40,
            initial=value("code", ""),
        )
        self.fields[f"mat_{i}_name"] = forms.CharField(
            label=_("材料 %(n)d：名称") % {"n": n},
            required=False,
            max_length=200,
            initial=value("name", ""),
        )
        self.fields[f"mat_{i}_form"] = forms.ChoiceField(
            label=_("材料 %(n)d：形式") % {"n": n},
            choices=MaterialForm.choices,
            initial=value("form", MaterialForm.ELECTRONIC),
            required=False,
        )
        self.fields[f"mat_{i}_copies"] = forms.IntegerField(
            label=_("材料 %(n)d：份数") % {"n": n},
            required=False,
            min_value=0,
            max_value=20,
            initial=value("copies", 1),
            error_messages={"invalid": _("请输入整数。")},
        )
        self.fields[f"mat_{i}_required"] = forms.BooleanField(
            label=_("材料 %(n)d：必要") % {"n": n},
            required=False,
            initial=value("required", True),
        )
        self.fields[f"mat_{i}_source"] = forms.ChoiceField(
            label=_("材料 %(n)d：来源") % {"n": n},
            choices=MaterialSource.choices,
            initial=value("source", MaterialSource.UPLOAD),
            required=False,
        )
        for attr, label, length in (
            ("license_type", _("电子证照类型"), 64),
            ("shared_data", _("共享数据"), 64),
            ("meaning", _("含义（用于一件事合并）"), 100),
            ("note", _("备注"), 500),
        ):
            self.fields[f"mat_{i}_{attr}"] = forms.CharField(
                label=_("材料 %(n)d：%(what)s") % {"n": n, "what": label},
                required=False,
                max_length=length,
                initial=value(attr, ""),
            )

    # --- what the template walks ----------------------------------------------------------

    def fee_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "n": i + 1,
                "name": self[f"fee_{i}_name"],
                "amount": self[f"fee_{i}_amount"],
                "basis": self[f"fee_{i}_basis"],
                "errors": any(self[f"fee_{i}_{a}"].errors for a in ("name", "amount", "basis")),
            }
            for i in range(self.fee_count)
        ]

    MATERIAL_ATTRS = (
        "code",
        "name",
        "form",
        "copies",
        "required",
        "source",
        "license_type",
        "shared_data",
        "meaning",
        "note",
    )

    def material_rows(self) -> list[dict[str, Any]]:
        rows = []
        for i in range(self.material_count):
            row: dict[str, Any] = {"n": i + 1}
            for attr in self.MATERIAL_ATTRS:
                row[attr] = self[f"mat_{i}_{attr}"]
            row["errors"] = any(row[a].errors for a in self.MATERIAL_ATTRS)
            rows.append(row)
        return rows

    def quiet(self) -> None:
        """Show what was posted without judging it (the person only asked for a row)."""
        self._errors = forms.utils.ErrorDict()

    # --- cleaning -------------------------------------------------------------------------

    def _fee_filled(self, i: int) -> bool:
        data = self.cleaned_data
        return bool(
            data.get(f"fee_{i}_name")
            or data.get(f"fee_{i}_amount") is not None
            or data.get(f"fee_{i}_basis")
        )

    def _material_filled(self, i: int) -> bool:
        data = self.cleaned_data
        return bool(
            data.get(f"mat_{i}_code")
            or data.get(f"mat_{i}_name")
            or data.get(f"mat_{i}_license_type")
            or data.get(f"mat_{i}_shared_data")
            or data.get(f"mat_{i}_meaning")
            or data.get(f"mat_{i}_note")
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for i in range(self.fee_count):
            if not self._fee_filled(i):
                continue
            if not cleaned.get(f"fee_{i}_name") and f"fee_{i}_name" not in self.errors:
                self.add_error(f"fee_{i}_name", _("请输入收费项目名称。"))
            if cleaned.get(f"fee_{i}_amount") is None and f"fee_{i}_amount" not in self.errors:
                self.add_error(f"fee_{i}_amount", _("请输入收费金额。"))
        for i in range(self.material_count):
            if not self._material_filled(i):
                continue
            for attr, message in (("code", _("请输入材料编码。")), ("name", _("请输入材料名称。"))):
                name = f"mat_{i}_{attr}"
                if not cleaned.get(name) and name not in self.errors:
                    self.add_error(name, message)
            source = cleaned.get(f"mat_{i}_source")
            if source == MaterialSource.LICENCE and not cleaned.get(f"mat_{i}_license_type"):
                self.add_error(
                    f"mat_{i}_license_type", _("来源为电子证照时，请填写可用的电子证照类型。")
                )
            if source == MaterialSource.SHARED_DATA and not cleaned.get(f"mat_{i}_shared_data"):
                self.add_error(
                    f"mat_{i}_shared_data", _("来源为共享数据时，请填写可用的共享数据。")
                )
        return cleaned

    # --- to the service -------------------------------------------------------------------

    def to_schema(self) -> ItemIn:
        """The item as :class:`ItemIn`; raises pydantic's ``ValidationError``."""
        data = self.cleaned_data
        self._fee_rows = [i for i in range(self.fee_count) if self._fee_filled(i)]
        self._material_rows = [i for i in range(self.material_count) if self._material_filled(i)]
        fees = [
            {
                "name": data[f"fee_{i}_name"],
                "amount": data[f"fee_{i}_amount"],
                "basis": data.get(f"fee_{i}_basis", ""),
            }
            for i in self._fee_rows
        ]
        materials = []
        for i in self._material_rows:
            source = data.get(f"mat_{i}_source") or MaterialSource.UPLOAD
            copies = data.get(f"mat_{i}_copies")
            materials.append(
                {
                    "code": data[f"mat_{i}_code"],
                    "name": data[f"mat_{i}_name"],
                    "form": data.get(f"mat_{i}_form") or MaterialForm.ELECTRONIC,
                    "copies": 1 if copies is None else copies,
                    "required": bool(data.get(f"mat_{i}_required")),
                    "source": source,
                    "license_type": data.get(f"mat_{i}_license_type", "")
                    if source == MaterialSource.LICENCE
                    else "",
                    "shared_data": data.get(f"mat_{i}_shared_data", "")
                    if source == MaterialSource.SHARED_DATA
                    else "",
                    "meaning": data.get(f"mat_{i}_meaning", ""),
                    "note": data.get(f"mat_{i}_note", ""),
                }
            )
        return ItemIn.model_validate(
            {
                "code": data["code"],
                "name": data["name"],
                "item_type": data["item_type"],
                "department_code": data["department_code"],
                "legal_basis": data["legal_basis"],
                "handling_levels": data["handling_levels"],
                "service_objects": data["service_objects"],
                "themes": data.get("themes") or [],
                "acceptance_conditions": data.get("acceptance_conditions", ""),
                "process_description": data.get("process_description", ""),
                "statutory_limit_days": data.get("statutory_limit_days"),
                "fees": fees,
                "result_type": data["result_type"],
                "result_name": data.get("result_name", ""),
                "result_license_type": data.get("result_license_type", ""),
                "channels": data["channels"],
                "max_trips": data["max_trips"],
                "materials": materials,
            }
        )

    def field_for(self, name: str) -> str | None:
        match = _INDEXED.match(name)
        if match:
            i = int(match["i"])
            attr = match["attr"] or ""
            if match["list"] == "fees":
                if i >= len(self._fee_rows):
                    return None
                candidate = f"fee_{self._fee_rows[i]}_{attr}"
                return candidate if candidate in self.fields else f"fee_{self._fee_rows[i]}_name"
            if i >= len(self._material_rows):
                return None
            row = self._material_rows[i]
            candidate = f"mat_{row}_{attr}"
            return candidate if candidate in self.fields else f"mat_{row}_code"
        return super().field_for(name)


class LifeEventForm(StaffForm):
    """A life event; its members are written one per line: an implementation code, or
    ``event:<code>`` for a life event it includes."""

    summary_fallback = "life-event-form"

    code = forms.CharField(
        label=gettext_lazy("一件事编码"),
        max_length=40,
        error_messages={"required": gettext_lazy("请输入编码。")},
    )
    name = forms.CharField(
        label=gettext_lazy("名称"),
        max_length=200,
        error_messages={"required": gettext_lazy("请输入名称。")},
    )
    description = forms.CharField(
        label=gettext_lazy("说明"), required=False, max_length=5000, widget=forms.Textarea
    )
    department_code = forms.ChoiceField(
        label=gettext_lazy("牵头部门"),
        error_messages={"required": gettext_lazy("请选择牵头部门。")},
    )
    service_objects = forms.MultipleChoiceField(
        label=gettext_lazy("服务对象"),
        choices=ServiceObject.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("请至少选择一个服务对象。")},
    )
    themes = forms.MultipleChoiceField(
        label=gettext_lazy("主题"),
        required=False,
        choices=Theme.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    promised_limit_days = forms.IntegerField(
        label=gettext_lazy("承诺时限（工作日）"),
        required=False,
        min_value=1,
        max_value=3650,
        error_messages={"invalid": gettext_lazy("请输入工作日天数（整数）。")},
    )
    members = forms.CharField(
        label=gettext_lazy("成员"),
        required=False,
        max_length=10000,
        widget=forms.Textarea,
    )

    def __init__(
        self,
        data: Any = None,
        *,
        departments: list[Department],
        event: Any = None,
        members: list[str] | None = None,
    ) -> None:
        initial: dict[str, Any] = {}
        if event is not None:
            initial = {
                "code": event.code,
                "name": event.name,
                "description": event.description,
                "department_code": event.department.code,
                "service_objects": event.service_objects,
                "themes": event.themes,
                "promised_limit_days": event.promised_limit_days,
                "members": "\n".join(members or []),
            }
        elif len(departments) == 1:
            initial["department_code"] = departments[0].code
        super().__init__(data, initial=initial)
        department_field: Any = self.fields["department_code"]
        department_field.choices = _department_choices(departments)
        if event is not None:
            self.fields["code"].disabled = True

    def clean_members(self) -> list[str]:
        text = self.cleaned_data.get("members") or ""
        return [line.strip() for line in text.splitlines() if line.strip()]

    def to_schema(self) -> LifeEventIn:
        data = self.cleaned_data
        return LifeEventIn.model_validate(
            {
                "code": data["code"],
                "name": data["name"],
                "description": data.get("description", ""),
                "department_code": data["department_code"],
                "service_objects": data["service_objects"],
                "themes": data.get("themes") or [],
                "promised_limit_days": data.get("promised_limit_days"),
                "members": data.get("members") or [],
            }
        )

    def field_for(self, name: str) -> str | None:
        if name.startswith("members"):
            return "members"
        return super().field_for(name)

    def describe(self, error: dict[str, Any]) -> str:
        message = str(error.get("message", ""))
        match = re.match(r"^members\[(\d+)\]", str(error.get("field", "")))
        if match:
            return _("第 %(line)d 行：%(message)s") % {
                "line": int(match.group(1)) + 1,
                "message": message,
            }
        return message
