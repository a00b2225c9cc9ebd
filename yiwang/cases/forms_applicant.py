"""The applicant's forms: the application form drawn from the version's JSON Schema and UI
hints, the start choice (for myself or for an entity) and the material upload.

The application form is not a Django form on purpose: its only judge is
``services.validate_form``, the function the API uses, so the page shows exactly the API's
errors (same pointers, same messages). This module turns the schema into questions to draw,
reads the answers back into typed JSON and places each error beside its question."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

#: The name prefix of every answer in the POST data: nothing else on the page can clash
#: with a field called ``action`` or ``csrfmiddlewaretoken``.
PREFIX = "answer-"


@dataclass
class Option:
    value: str  # as posted
    label: str
    input_id: str
    checked: bool = False


@dataclass
class Question:
    """One field of the application form, ready to draw."""

    name: str
    title: str
    kind: str  # text, textarea, integer, number, date, boolean, checkbox, radios, select,
    #           checkboxes, json
    required: bool
    hint: str
    value: str = ""  # what the input shows
    options: list[Option] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    answer: Any = None  # the stored answer (None: not answered)

    @property
    def input_id(self) -> str:
        """The id the error summary links to: the input, or the first of its options."""
        return f"field-{self.name}"

    @property
    def html_name(self) -> str:
        return f"{PREFIX}{self.name}"

    @property
    def is_group(self) -> bool:
        """Drawn as a fieldset with a legend (a choice among options)."""
        return self.kind in {"boolean", "checkbox", "radios", "checkboxes"}

    @property
    def multiple(self) -> bool:
        """Drawn as check boxes (several may be ticked) rather than radios."""
        return self.kind in {"checkbox", "checkboxes"}

    @property
    def shown(self) -> str:
        """The answer as the check-answers page says it ('' when not answered)."""
        answer = self.answer
        if answer is None or answer == "" or answer == []:
            return ""
        if self.kind in {"boolean", "checkbox"} and isinstance(answer, bool):
            return _("是") if answer else _("否")
        if isinstance(answer, list):
            return "、".join(_text(a) for a in answer)
        return _text(answer)


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def _posted(value: Any) -> str:
    """How a JSON value travels as an option's value."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _type(prop: dict[str, Any]) -> str:
    kind = prop.get("type", "string")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    return str(kind)


def _kind(prop: dict[str, Any], widget: str) -> str:
    kind = _type(prop)
    if isinstance(prop.get("enum"), list) and prop["enum"]:
        if widget == "select" or (widget != "radio" and len(prop["enum"]) > 6):
            return "select"
        return "radios"
    items = prop.get("items")
    choices = items.get("enum") if isinstance(items, dict) else None
    if kind == "array" and isinstance(choices, list) and choices:
        return "checkboxes"
    if kind == "boolean":
        return "checkbox" if widget == "checkbox" else "boolean"
    if kind in {"integer", "number"}:
        return kind
    if kind == "string":
        if widget == "date" or prop.get("format") == "date":
            return "date"
        if widget in {"textarea", "address"}:
            return "textarea"
        return "text"
    return "json"  # objects and free arrays: JSON text, judged by the schema like the rest


def field_names(schema: dict[str, Any], ui: dict[str, Any]) -> list[str]:
    """The fields in the order the UI hints give, then the rest in the schema's order."""
    properties = schema.get("properties") or {}
    if not isinstance(properties, dict):
        return []
    order = (ui or {}).get("order") or []
    names = [n for n in order if isinstance(n, str) and n in properties]
    return names + [n for n in properties if n not in names]


def questions(
    schema: dict[str, Any],
    ui: dict[str, Any],
    data: dict[str, Any],
    errors: list[dict[str, Any]] | None = None,
    *,
    raw: dict[str, str] | None = None,
) -> list[Question]:
    """The questions of the form with ``data`` filled in and ``errors`` (the service's,
    ``{"field": "form/<name>/...", "message"}``) placed beside their question. ``raw``
    keeps what a person typed when it could not be read as the field's type."""
    schema = schema or {}
    ui = ui or {}
    properties = schema.get("properties") or {}
    required = set(schema.get("required") or [])
    widgets = ui.get("widgets") or {}
    helps = ui.get("help") or {}
    out = []
    for name in field_names(schema, ui):
        prop = properties.get(name) or {}
        if not isinstance(prop, dict):
            prop = {}
        kind = _kind(prop, str(widgets.get(name, "")))
        answer = data.get(name) if isinstance(data, dict) else None
        question = Question(
            name=name,
            title=str(prop.get("title") or name),
            kind=kind,
            required=name in required,
            hint=str(helps.get(name) or prop.get("description") or ""),
            answer=answer,
        )
        if raw and name in raw:
            question.value = raw[name]
        elif answer is not None:
            if kind == "json":
                question.value = json.dumps(answer, ensure_ascii=False)
            else:
                question.value = answer if isinstance(answer, str) else _posted(answer)
        if kind in {"radios", "select"}:
            values = prop["enum"]
            question.options = [
                Option(
                    _posted(v),
                    _text(v),
                    question.input_id if i == 0 else f"{question.input_id}-{i + 1}",
                    answer is not None and _posted(answer) == _posted(v),
                )
                for i, v in enumerate(values)
            ]
        elif kind == "checkboxes":
            chosen = {_posted(a) for a in answer} if isinstance(answer, list) else set()
            question.options = [
                Option(
                    _posted(v),
                    _text(v),
                    question.input_id if i == 0 else f"{question.input_id}-{i + 1}",
                    _posted(v) in chosen,
                )
                for i, v in enumerate(prop["items"]["enum"])
            ]
        elif kind == "checkbox":
            question.options = [Option("true", _("是"), question.input_id, answer is True)]
        elif kind == "boolean":
            question.options = [
                Option("true", _("是"), question.input_id, answer is True),
                Option("false", _("否"), f"{question.input_id}-2", answer is False),
            ]
        out.append(question)
    if errors:
        place_errors(out, errors)
    return out


def question_of(pointer: str) -> str:
    """The field a service error points at: ``form/shop_name/0`` → ``shop_name``."""
    if not pointer.startswith("form/"):
        return ""
    return pointer[len("form/") :].split("/", 1)[0]


def place_errors(found: list[Question], errors: list[dict[str, Any]]) -> None:
    by_name = {q.name: q for q in found}
    for error in errors:
        question = by_name.get(question_of(str(error.get("field", ""))))
        if question is not None:
            question.errors.append(str(error.get("message", "")))


def _number(text: str, integer: bool) -> Any:
    try:
        if integer:
            return int(text)
        as_float = float(text)
    except ValueError:
        return None
    if not math.isfinite(as_float):
        return None
    return int(as_float) if as_float.is_integer() and "." not in text else as_float


def read_answers(
    schema: dict[str, Any], ui: dict[str, Any], post: Any
) -> tuple[dict[str, Any], dict[str, str]]:
    """The answers of a posted form as JSON typed by the schema, and the raw text of answers
    that could not be read as their type (kept as text, so the schema names the error).

    An empty answer is left out (a required field then gets the schema's "required"
    error); so is anything the schema does not ask."""
    properties = (schema or {}).get("properties") or {}
    widgets = (ui or {}).get("widgets") or {}
    data: dict[str, Any] = {}
    raw: dict[str, str] = {}
    for name in field_names(schema or {}, ui or {}):
        prop = properties.get(name) or {}
        if not isinstance(prop, dict):
            prop = {}
        kind = _kind(prop, str(widgets.get(name, "")))
        key = f"{PREFIX}{name}"
        if kind == "checkbox":
            data[name] = post.get(key) == "true"
            continue
        if kind == "checkboxes":
            allowed = {_posted(v): v for v in prop["items"]["enum"]}
            picked = [allowed.get(v, v) for v in post.getlist(key)]
            if picked:
                data[name] = picked
            continue
        text = str(post.get(key, "")).strip()
        if not text:
            continue
        if kind in {"radios", "select"}:
            data[name] = {_posted(v): v for v in prop["enum"]}.get(text, text)
        elif kind == "boolean":
            data[name] = {"true": True, "false": False}.get(text, text)
        elif kind in {"integer", "number"}:
            number = _number(text, kind == "integer")
            if number is None:
                data[name] = text
                raw[name] = text
            else:
                data[name] = number
        elif kind == "json":
            try:
                data[name] = json.loads(text)
            except ValueError:
                data[name] = text
                raw[name] = text
        else:
            data[name] = text
    return data, raw


# --- the start page and uploads -------------------------------------------------------------

SELF = "self"


class StartForm(forms.Form):
    """For whom the application is made: the person, or one of the entities they may act for
    in this service (the choices are set per request)."""

    applicant = forms.ChoiceField(
        label=gettext_lazy("申请主体"),
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy("请选择以谁的名义申请。"),
            "invalid_choice": gettext_lazy("请选择以谁的名义申请。"),
        },
    )
    token = forms.CharField(max_length=64, required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, entities: list[dict[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(SELF, _("以个人身份申请"))]
        choices += [
            (str(e["credit_code"]), _("以企业身份申请:%(name)s") % {"name": e["name"]})
            for e in entities
        ]
        choice: Any = self.fields["applicant"]
        choice.choices = choices


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("选择文件"),
        allow_empty_file=True,  # the kernel's store_file says "empty" in its own words
        error_messages={
            "required": gettext_lazy("请选择要上传的文件。"),
            "invalid": gettext_lazy("请选择要上传的文件。"),
            "missing": gettext_lazy("请选择要上传的文件。"),
        },
    )
