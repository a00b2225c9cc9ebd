"""Forms of the staff workbench pages.

The forms only check what a browser can get wrong (a choice that is not offered, a text too
long); every rule of handling (a refusal needs a reason, a supplement request lists at least
one item, a disapproval needs an opinion) is the service's, and its refusal comes back onto the
field it names through :meth:`WorkbenchForm.apply_error`, listed in the error summary at the
top of the page by :meth:`WorkbenchForm.summary`."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from lxml import etree

from yiwang.cases.forms_applicant import field_names
from yiwang.cases.models import Case, CaseStatus, CaseTask, TaskOutcome
from yiwang.catalog import services as catalog
from yiwang.kernel.forms import SummaryForm
from yiwang.kernel.models import Department


class WorkbenchForm(SummaryForm):
    """A form whose service refusals land on its fields."""

    #: Where a refusal that names no field of this form is linked from the summary.
    summary_fallback = "actions"

    def value(self, name: str) -> Any:
        """A valid filter's value; an invalid one is shown as an error and not applied."""
        if not self.is_bound:
            return None
        self.is_valid()
        return self.cleaned_data.get(name) if hasattr(self, "cleaned_data") else None


def _department_choices(departments: list[Department]) -> list[tuple[Any, str]]:
    return [("", _("全部")), *((d.pk, d.name) for d in departments)]


# --- queues and search ----------------------------------------------------------------------


class QueueFilterForm(WorkbenchForm):
    summary_fallback = "filters"

    q = forms.CharField(label=gettext_lazy("办件编号或事项名称"), required=False, max_length=100)
    department = forms.TypedChoiceField(
        label=gettext_lazy("办理部门"), required=False, coerce=int, empty_value=None
    )
    sort = forms.CharField(required=False, max_length=20, widget=forms.HiddenInput)

    def __init__(self, data: Any, *, departments: list[Department]) -> None:
        super().__init__(data)
        field: Any = self.fields["department"]
        field.choices = _department_choices(departments)


class SearchForm(WorkbenchForm):
    summary_fallback = "search"

    case_no = forms.CharField(label=gettext_lazy("办件编号"), required=False, max_length=20)
    applicant = forms.CharField(
        label=gettext_lazy("申请人"),
        required=False,
        max_length=100,
        help_text=gettext_lazy("姓名、手机号码或统一社会信用代码，须完整填写。"),
    )
    item = forms.CharField(
        label=gettext_lazy("事项"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("事项编码、实施编码或事项名称中的文字。"),
    )
    status = forms.ChoiceField(
        label=gettext_lazy("状态"),
        required=False,
        choices=[
            ("", gettext_lazy("全部")),
            *((value, label) for value, label in CaseStatus.choices if value != CaseStatus.DRAFT),
        ],
    )
    department = forms.TypedChoiceField(
        label=gettext_lazy("办理部门"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, data: Any, *, departments: list[Department]) -> None:
        super().__init__(data)
        field: Any = self.fields["department"]
        field.choices = _department_choices(departments)

    def has_criteria(self) -> bool:
        return self.is_bound and any(
            self.value(name) for name in ("case_no", "applicant", "item", "status", "department")
        )


# --- actions --------------------------------------------------------------------------------


class ReasonForm(WorkbenchForm):
    """不予受理 and 特别程序: a reason the applicant reads (required by the service)."""

    reason = forms.CharField(
        label=gettext_lazy("理由"), required=False, max_length=2000, widget=forms.Textarea
    )

    def __init__(self, data: Any = None, *, prefix: str, label: Any = None) -> None:
        super().__init__(data, prefix=prefix)
        if label is not None:
            self.fields["reason"].label = label
        self.summary_fallback = f"action-{prefix}"


#: How many free rows (any item, written out) the supplement form offers besides the form's
#: fields and the materials.
OTHER_ROWS = 3


@dataclass(frozen=True)
class SupplementRow:
    field: str  # the service's name of the item: form/<name>, materials.<code>, or free text
    label: str
    reason: str  # the form field holding the reason


class SupplementForm(WorkbenchForm):
    """一次性告知: a reason beside each field of the application form and each material (the
    clerk fills the ones to correct), and a few free rows for anything else. Every item with a
    reason goes to the service at once."""

    def __init__(self, data: Any = None, *, case: Case) -> None:
        super().__init__(data, prefix="supplement")
        self.summary_fallback = "action-supplement"
        self.rows: list[SupplementRow] = []
        schema = (case.version.form_schema if case.version else None) or {}
        ui = (case.version.form_ui if case.version else None) or {}
        properties = schema.get("properties") or {}
        # The form's own order (jsonb keeps no key order; the UI hints do).
        for n, name in enumerate(field_names(schema, ui)):
            spec = properties[name]
            title = str(spec.get("title", name)) if isinstance(spec, dict) else str(name)
            key = f"form_{n}"
            self.fields[key] = forms.CharField(
                label=_("申请表“%(title)s”需补正的内容") % {"title": title},
                required=False,
                max_length=1000,
            )
            self.rows.append(SupplementRow(f"form/{name}", title, key))
        for n, material in enumerate(case.materials.all()):
            key = f"material_{n}"
            self.fields[key] = forms.CharField(
                label=_("材料“%(name)s”需补正的内容") % {"name": material.name},
                required=False,
                max_length=1000,
            )
            self.rows.append(SupplementRow(f"materials.{material.code}", material.name, key))
        for n in range(OTHER_ROWS):
            self.fields[f"other_field_{n}"] = forms.CharField(
                label=_("其他事项 %(n)d：名称") % {"n": n + 1}, required=False, max_length=200
            )
            self.fields[f"other_reason_{n}"] = forms.CharField(
                label=_("其他事项 %(n)d：需补正的内容") % {"n": n + 1},
                required=False,
                max_length=1000,
            )
        self._sent: list[str] = []  # the form field of each item given to the service

    @property
    def known_rows(self) -> list[dict[str, Any]]:
        return [{"row": row, "field": self[row.reason]} for row in self.rows]

    @property
    def other_rows(self) -> list[dict[str, Any]]:
        return [
            {"field": self[f"other_field_{n}"], "reason": self[f"other_reason_{n}"]}
            for n in range(OTHER_ROWS)
        ]

    def items(self) -> list[dict[str, str]]:
        """The items for the service: each known row with a reason, then the free rows as
        written (the service tells a free row without a reason, and an empty request)."""
        data = self.cleaned_data
        items: list[dict[str, str]] = []
        self._sent = []
        for row in self.rows:
            reason = str(data.get(row.reason, "")).strip()
            if reason:
                items.append({"field": row.field, "reason": reason})
                self._sent.append(row.reason)
        for n in range(OTHER_ROWS):
            items.append(
                {
                    "field": str(data.get(f"other_field_{n}", "")),
                    "reason": str(data.get(f"other_reason_{n}", "")),
                }
            )
            self._sent.append(f"other_reason_{n}")
        return items

    def field_for(self, name: str) -> str | None:
        if name == "items":
            return self.rows[0].reason if self.rows else "other_field_0"
        if name.startswith("items[") and "]" in name:
            try:
                index = int(name[len("items[") : name.index("]")])
            except ValueError:
                return None
            return self._sent[index] if 0 <= index < len(self._sent) else None
        return None


@dataclass(frozen=True)
class DecisionField:
    """A value an exclusive gateway after a step reads (``inspection_passed``)."""

    name: str
    label: str
    boolean: bool


_BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
_NOT_VARIABLES = {"True", "False", "None", "abs", "all", "any", "bool", "float", "int", "len"}
_NOT_VARIABLES |= {"max", "min", "round", "str"}


def _variables(expression: str) -> tuple[set[str], set[str]]:
    """The names an expression reads, and those of them it treats as yes/no."""
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError:
        return set(), set()
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id not in _NOT_VARIABLES}
    flags: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare) and isinstance(node.left, ast.Name):
            if all(
                isinstance(c, ast.Constant) and isinstance(c.value, bool) for c in node.comparators
            ):
                flags.add(node.left.id)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.operand, ast.Name):
            flags.add(node.operand.id)
    if isinstance(tree.body, ast.Name):
        flags.add(tree.body.id)
    return names, flags


def decision_fields(case: Case, step: str) -> list[DecisionField]:
    """What the exclusive gateways right after ``step`` read that the application form does
    not already hold: the handler answers them when completing the step."""
    if case.version is None:
        return []
    try:
        root = etree.fromstring(
            catalog.process_source(case.version).encode(),
            parser=etree.XMLParser(resolve_entities=False, no_network=True),
        )
    except etree.XMLSyntaxError:
        return []
    gateways = {g.get("id"): g for g in root.iter(f"{_BPMN}exclusiveGateway")}
    flows = list(root.iter(f"{_BPMN}sequenceFlow"))
    known = set((case.form_data or {}).keys())
    found: dict[str, DecisionField] = {}
    for flow in flows:
        gateway = gateways.get(flow.get("targetRef")) if flow.get("sourceRef") == step else None
        if gateway is None:
            continue
        for out in flows:
            if out.get("sourceRef") != gateway.get("id"):
                continue
            condition = out.find(f"{_BPMN}conditionExpression")
            if condition is None or not (condition.text or "").strip():
                continue
            names, flags = _variables(condition.text or "")
            for name in sorted(names - known):
                label = gateway.get("name") or name
                previous = found.get(name)
                found[name] = DecisionField(
                    name, label, name in flags or bool(previous and previous.boolean)
                )
    return list(found.values())


YES_NO = [("yes", gettext_lazy("是")), ("no", gettext_lazy("否"))]


class CompleteTaskForm(WorkbenchForm):
    """Work one open step: approve, disapprove (with an opinion), or return to a done step;
    plus the values the next gateways read."""

    outcome = forms.ChoiceField(
        label=gettext_lazy("办理结果"),
        choices=TaskOutcome.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy("请选择办理结果。"),
            "invalid_choice": gettext_lazy("请选择办理结果。"),
        },
    )
    opinion = forms.CharField(
        label=gettext_lazy("办理意见"), required=False, max_length=2000, widget=forms.Textarea
    )
    return_to = forms.ChoiceField(label=gettext_lazy("退回到"), required=False)

    def __init__(
        self,
        data: Any = None,
        *,
        task: CaseTask,
        return_targets: list[tuple[str, str]],
        decisions: list[DecisionField],
    ) -> None:
        super().__init__(data, prefix=f"task-{task.pk}")
        self.task = task
        self.summary_fallback = f"action-task-{task.pk}"
        field: Any = self.fields["return_to"]
        field.choices = [("", _("请选择环节")), *return_targets]
        if not return_targets:
            del self.fields["return_to"]
        self.decisions = decisions
        for decision in decisions:
            if decision.boolean:
                self.fields[f"data_{decision.name}"] = forms.ChoiceField(
                    label=decision.label,
                    choices=YES_NO,
                    required=False,
                    widget=forms.RadioSelect,
                )
            else:
                self.fields[f"data_{decision.name}"] = forms.CharField(
                    label=decision.label, required=False, max_length=200
                )

    @property
    def decision_fields(self) -> list[forms.BoundField]:
        return [self[f"data_{d.name}"] for d in self.decisions]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("outcome") == TaskOutcome.APPROVE:
            for decision in self.decisions:
                key = f"data_{decision.name}"
                if not str(cleaned.get(key, "")).strip():
                    self.add_error(key, _("同意时请回答此项，流程据此决定下一步。"))
        return cleaned

    def data_for_process(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for decision in self.decisions:
            raw = str(self.cleaned_data.get(f"data_{decision.name}", "")).strip()
            if not raw:
                continue
            if decision.boolean:
                data[decision.name] = raw == "yes"
            else:
                try:
                    data[decision.name] = int(raw)
                except ValueError:
                    data[decision.name] = raw
        return data

    def field_for(self, name: str) -> str | None:
        if name.startswith("data."):
            key = f"data_{name.removeprefix('data.')}"
            return key if key in self.fields else None
        return name if name in {"outcome", "opinion", "return_to"} else None
