"""Application forms of implementations: a JSON Schema (draft 2020-12) with UI hints,
validated on save, and the merge of several forms into one for a life event.

The schema is an object whose properties each have a ``title`` (the label a person sees) and
may carry ``x-meaning``: what the field is across forms (``applicant.name``,
``applicant.id_number``, …). A life event's merged form asks each meaning once.

UI hints: ``{"order": [field, ...], "widgets": {field: widget}, "help": {field: text}}``.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from yiwang.catalog.errors import ErrorCode, FieldErrors, field_error

WIDGETS = {"text", "textarea", "select", "radio", "checkbox", "date", "number", "file", "address"}
MAX_FIELDS = 200
_COMPARED = ("type", "format", "enum")


def _pointer(*parts: str) -> str:
    return "/".join(("form_schema", *parts))


def validate_schema(schema: Any) -> None:
    """Refuse a schema that is not a valid JSON Schema object form, naming each bad spot."""
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    if schema in ({}, None):
        return
    if not isinstance(schema, dict):
        raise FieldErrors(
            ErrorCode.FORM_SCHEMA_INVALID,
            [field_error("form_schema", "schema_not_object", _("表单定义必须是 JSON 对象。"))],
        )
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        where = _pointer(*[str(p) for p in exc.path])
        raise FieldErrors(
            ErrorCode.FORM_SCHEMA_INVALID,
            [
                field_error(
                    where,
                    "schema_invalid",
                    _("不是合法的 JSON Schema:%(msg)s") % {"msg": exc.message[:300]},
                )
            ],
        ) from exc
    errors: list[dict[str, Any]] = []
    if schema.get("type") != "object":
        errors.append(
            field_error(_pointer("type"), "schema_not_object", _("表单的 type 必须是 object。"))
        )
    properties = schema.get("properties")
    if not isinstance(properties, dict) or not properties:
        errors.append(
            field_error(_pointer("properties"), "schema_no_fields", _("表单至少需要一个字段。"))
        )
        properties = {}
    if len(properties) > MAX_FIELDS:
        errors.append(
            field_error(
                _pointer("properties"),
                "schema_too_many_fields",
                _("表单字段不能超过 %(n)d 个。") % {"n": MAX_FIELDS},
            )
        )
    for name, prop in properties.items():
        if not isinstance(prop, dict) or not str(prop.get("title", "")).strip():
            errors.append(
                field_error(
                    _pointer("properties", name, "title"),
                    "field_title_missing",
                    _("字段 %(name)s 缺少标题(title)。") % {"name": name},
                )
            )
    for name in schema.get("required", []) or []:
        if name not in properties:
            errors.append(
                field_error(
                    _pointer("required"),
                    "required_unknown_field",
                    _("必填字段 %(name)s 未在 properties 中定义。") % {"name": name},
                )
            )
    if errors:
        raise FieldErrors(ErrorCode.FORM_SCHEMA_INVALID, errors)


def validate_ui(ui: Any, schema: dict[str, Any]) -> None:
    if ui in ({}, None):
        return
    fields = set((schema or {}).get("properties", {}))
    errors: list[dict[str, Any]] = []
    if not isinstance(ui, dict):
        raise FieldErrors(
            ErrorCode.FORM_SCHEMA_INVALID,
            [field_error("form_ui", "ui_not_object", _("界面提示必须是 JSON 对象。"))],
        )
    unknown_keys = set(ui) - {"order", "widgets", "help"}
    for key in sorted(unknown_keys):
        errors.append(
            field_error(
                f"form_ui/{key}", "ui_unknown_key", _("未知的界面提示项 %(k)s。") % {"k": key}
            )
        )
    order = ui.get("order", [])
    if not isinstance(order, list):
        errors.append(
            field_error("form_ui/order", "ui_order_invalid", _("order 必须是字段名列表。"))
        )
        order = []
    for i, name in enumerate(order):
        if name not in fields:
            errors.append(
                field_error(
                    f"form_ui/order/{i}",
                    "ui_unknown_field",
                    _("字段 %(name)s 不在表单中。") % {"name": name},
                )
            )
    for key in ("widgets", "help"):
        mapping = ui.get(key, {})
        if not isinstance(mapping, dict):
            errors.append(
                field_error(f"form_ui/{key}", "ui_not_object", _("%(k)s 必须是对象。") % {"k": key})
            )
            continue
        for name, value in mapping.items():
            if name not in fields:
                errors.append(
                    field_error(
                        f"form_ui/{key}/{name}",
                        "ui_unknown_field",
                        _("字段 %(name)s 不在表单中。") % {"name": name},
                    )
                )
            elif key == "widgets" and value not in WIDGETS:
                errors.append(
                    field_error(
                        f"form_ui/widgets/{name}",
                        "ui_unknown_widget",
                        _("未知控件 %(w)s,可用:%(all)s")
                        % {"w": value, "all": ", ".join(sorted(WIDGETS))},
                    )
                )
    if errors:
        raise FieldErrors(ErrorCode.FORM_SCHEMA_INVALID, errors)


def meaning_of(name: str, prop: dict[str, Any]) -> str:
    return str(prop.get("x-meaning") or name)


def merged_key(name: str, prop: dict[str, Any]) -> str:
    """The name a field takes in a merged form: its meaning, dots made underscores."""
    return meaning_of(name, prop).replace(".", "_")


@dataclass
class MergedForm:
    schema: dict[str, Any]
    ui: dict[str, Any]
    #: meaning → the implementation codes whose form asks for it
    sources: dict[str, list[str]] = field(default_factory=dict)


def merge(forms: list[tuple[str, dict[str, Any], dict[str, Any]]]) -> MergedForm:
    """Merge ``(source code, schema, ui)`` forms into one: a field whose meaning was already
    asked is asked once; the same meaning with a different type, format or choices is a
    conflict (refused, naming both sources)."""
    properties: dict[str, dict[str, Any]] = {}
    origin: dict[str, str] = {}
    required: list[str] = []
    order: list[str] = []
    widgets: dict[str, str] = {}
    help_texts: dict[str, str] = {}
    sources: dict[str, list[str]] = {}
    errors: list[dict[str, Any]] = []
    for source, schema, ui in forms:
        props = (schema or {}).get("properties", {})
        names = [n for n in (ui or {}).get("order", []) if n in props]
        names += [n for n in props if n not in names]
        for name in names:
            prop = props[name]
            meaning = meaning_of(name, prop)
            sources.setdefault(meaning, []).append(source)
            key = merged_key(name, prop)
            if key in properties:
                existing = properties[key]
                differing = [a for a in _COMPARED if existing.get(a) != prop.get(a)]
                if differing:
                    errors.append(
                        field_error(
                            f"{source}/form_schema/properties/{name}",
                            "form_field_conflict",
                            _("字段“%(title)s”在 %(a)s 与 %(b)s 中的定义不同(%(attrs)s)。")
                            % {
                                "title": prop.get("title", name),
                                "a": origin[key],
                                "b": source,
                                "attrs": ", ".join(differing),
                            },
                        )
                    )
            else:
                merged_prop = copy.deepcopy(prop)
                merged_prop["x-meaning"] = meaning
                properties[key] = merged_prop
                origin[key] = source
                order.append(key)
                widget = (ui or {}).get("widgets", {}).get(name)
                if widget:
                    widgets[key] = widget
                help_text = (ui or {}).get("help", {}).get(name)
                if help_text:
                    help_texts[key] = help_text
            if name in (schema or {}).get("required", []) and key not in required:
                required.append(key)
    if errors:
        raise FieldErrors(ErrorCode.LIFE_EVENT_CONFLICT, errors, status=409)
    schema_out: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema_out["required"] = required
    ui_out: dict[str, Any] = {"order": order}
    if widgets:
        ui_out["widgets"] = widgets
    if help_texts:
        ui_out["help"] = help_texts
    return MergedForm(schema=schema_out, ui=ui_out, sources=sources)


def with_field_order(schema: Any, ui: Any) -> Any:
    """UI hints whose ``order`` names every field: the fields given first as ordered, then the
    rest in the schema's order. PostgreSQL's jsonb does not keep object keys in order, so the
    order a form was written in is kept here, as a list."""
    if not isinstance(schema, dict) or not isinstance(ui, dict):
        return ui
    properties = schema.get("properties")
    order = ui.get("order", [])
    if not isinstance(properties, dict) or not properties or not isinstance(order, list):
        return ui
    complete = list(order) + [name for name in properties if name not in order]
    return ui if complete == order else {**ui, "order": complete}


def without_unknown_fields(schema: Any, ui: Any) -> Any:
    """UI hints cut to the fields of ``schema``: when a new schema is saved on its own, the
    hints of fields it no longer has go with them."""
    if not isinstance(schema, dict) or not isinstance(ui, dict):
        return ui
    fields = set(schema.get("properties") or {})
    pruned = dict(ui)
    if isinstance(ui.get("order"), list):
        pruned["order"] = [name for name in ui["order"] if name in fields]
    for key in ("widgets", "help"):
        if isinstance(ui.get(key), dict):
            pruned[key] = {name: v for name, v in ui[key].items() if name in fields}
    return pruned
