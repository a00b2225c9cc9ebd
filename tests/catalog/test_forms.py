"""Application forms (yiwang/catalog/forms.py): a JSON Schema with UI hints, refused with a
JSON pointer at the bad spot, and the merge of several forms into one for a life event."""

from __future__ import annotations

from typing import Any

import pytest

from tests.catalog.fixtures import DEFAULT_FORM
from yiwang.catalog import forms, services
from yiwang.catalog.errors import FieldErrors
from yiwang.catalog.models import ImplementationVersion
from yiwang.catalog.schemas import VersionIn


def schema_errors(schema: Any) -> list[tuple[str, str]]:
    with pytest.raises(FieldErrors) as caught:
        forms.validate_schema(schema)
    assert caught.value.code == "form_schema_invalid"
    assert caught.value.status == 422
    return [(e["field"], e["code"]) for e in caught.value.details["errors"]]


def ui_errors(ui: Any, schema: dict[str, Any] = DEFAULT_FORM) -> list[tuple[str, str]]:
    with pytest.raises(FieldErrors) as caught:
        forms.validate_ui(ui, schema)
    assert caught.value.code == "form_schema_invalid"
    return [(e["field"], e["code"]) for e in caught.value.details["errors"]]


def field(title: str, meaning: str = "", **attrs: Any) -> dict[str, Any]:
    prop: dict[str, Any] = {"type": "string", "title": title, **attrs}
    if meaning:
        prop["x-meaning"] = meaning
    return prop


# --- the schema -----------------------------------------------------------------------------


def test_a_good_form_and_no_form_are_accepted() -> None:
    forms.validate_schema(DEFAULT_FORM)
    forms.validate_schema({})
    forms.validate_schema(None)
    forms.validate_ui({"order": ["shop_name"], "widgets": {"shop_name": "textarea"}}, DEFAULT_FORM)
    forms.validate_ui({}, DEFAULT_FORM)


def test_an_invalid_json_schema_points_at_the_bad_keyword() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "strin", "title": "甲"}}}
    assert schema_errors(schema) == [("form_schema/properties/a/type", "schema_invalid")]


def test_an_invalid_nested_keyword_points_at_it() -> None:
    schema = {
        "type": "object",
        "properties": {"age": {"type": "integer", "title": "年龄", "minimum": "十八"}},
    }
    assert schema_errors(schema) == [("form_schema/properties/age/minimum", "schema_invalid")]


@pytest.mark.parametrize("schema", [["a"], "object", 3])
def test_a_schema_must_be_an_object(schema: Any) -> None:
    assert schema_errors(schema) == [("form_schema", "schema_not_object")]


def test_the_form_itself_must_be_of_type_object() -> None:
    schema = {"type": "array", "properties": {"a": field("甲")}}
    assert schema_errors(schema) == [("form_schema/type", "schema_not_object")]


@pytest.mark.parametrize("properties", [{}, None])
def test_a_form_needs_fields(properties: Any) -> None:
    schema: dict[str, Any] = {"type": "object"}
    if properties is not None:
        schema["properties"] = properties
    assert schema_errors(schema) == [("form_schema/properties", "schema_no_fields")]


def test_every_field_needs_a_title() -> None:
    schema = {
        "type": "object",
        "properties": {
            "a": {"type": "string"},
            "b": {"type": "string", "title": "  "},
            "c": field("丙"),
        },
    }
    assert schema_errors(schema) == [
        ("form_schema/properties/a/title", "field_title_missing"),
        ("form_schema/properties/b/title", "field_title_missing"),
    ]


def test_required_must_name_known_fields() -> None:
    schema = {"type": "object", "properties": {"a": field("甲")}, "required": ["a", "b"]}
    with pytest.raises(FieldErrors) as caught:
        forms.validate_schema(schema)
    [error] = caught.value.details["errors"]
    assert (error["field"], error["code"]) == ("form_schema/required", "required_unknown_field")
    assert "b" in error["message"]


def test_too_many_fields_are_refused() -> None:
    properties = {f"f{i}": field(f"字段{i}") for i in range(forms.MAX_FIELDS + 1)}
    schema = {"type": "object", "properties": properties}
    assert schema_errors(schema) == [("form_schema/properties", "schema_too_many_fields")]


# --- UI hints -------------------------------------------------------------------------------


def test_ui_hints_naming_unknown_fields_point_at_each() -> None:
    ui = {
        "order": ["applicant_name", "nickname"],
        "widgets": {"age": "number"},
        "help": {"email": "填写常用邮箱"},
    }
    assert ui_errors(ui) == [
        ("form_ui/order/1", "ui_unknown_field"),
        ("form_ui/widgets/age", "ui_unknown_field"),
        ("form_ui/help/email", "ui_unknown_field"),
    ]


def test_an_unknown_widget_is_refused_with_the_known_ones() -> None:
    with pytest.raises(FieldErrors) as caught:
        forms.validate_ui({"widgets": {"shop_name": "slider"}}, DEFAULT_FORM)
    [error] = caught.value.details["errors"]
    assert (error["field"], error["code"]) == ("form_ui/widgets/shop_name", "ui_unknown_widget")
    assert "slider" in error["message"] and "textarea" in error["message"]


def test_malformed_ui_hints_are_refused() -> None:
    assert ui_errors(["order"]) == [("form_ui", "ui_not_object")]
    assert ui_errors({"order": "applicant_name", "widgets": [], "colour": "red"}) == [
        ("form_ui/colour", "ui_unknown_key"),
        ("form_ui/order", "ui_order_invalid"),
        ("form_ui/widgets", "ui_not_object"),
    ]


# --- through the service --------------------------------------------------------------------


@pytest.mark.django_db
def test_a_draft_with_a_bad_form_is_refused_and_unchanged(
    implementation: Any, catalog_editor: Any
) -> None:
    version = implementation.versions.get()
    before = ImplementationVersion.objects.values().get(pk=version.pk)
    with pytest.raises(FieldErrors) as caught:
        services.update_draft(
            actor=catalog_editor,
            version=version,
            data=VersionIn(
                form_schema={"type": "object", "properties": {"a": {"type": "strin"}}},
                form_ui={"widgets": {"zzz": "text"}},
            ),
        )
    assert caught.value.code == "form_schema_invalid"
    assert [(e["field"], e["code"]) for e in caught.value.details["errors"]] == [
        ("form_schema/properties/a/type", "schema_invalid"),
        ("form_ui/widgets/zzz", "ui_unknown_field"),
    ]
    assert ImplementationVersion.objects.values().get(pk=version.pk) == before


@pytest.mark.django_db
def test_a_bad_form_with_a_broken_rule_is_one_refusal(
    implementation: Any, catalog_editor: Any
) -> None:
    version = implementation.versions.get()
    with pytest.raises(FieldErrors) as caught:
        services.update_draft(
            actor=catalog_editor,
            version=version,
            data=VersionIn(
                max_trips=3, form_schema={"type": "object", "properties": {}}, form_ui={}
            ),
        )
    assert caught.value.code == "version_invalid"
    assert [(e["field"], e["code"]) for e in caught.value.details["errors"]] == [
        ("max_trips", "wider_than_master"),
        ("form_schema/properties", "schema_no_fields"),
    ]


@pytest.mark.django_db
def test_a_draft_can_drop_its_form(implementation: Any, catalog_editor: Any) -> None:
    version = implementation.versions.get()
    services.update_draft(
        actor=catalog_editor, version=version, data=VersionIn(form_schema={}, form_ui={})
    )
    version.refresh_from_db()
    assert (version.form_schema, version.form_ui) == ({}, {})


# --- merging --------------------------------------------------------------------------------

SHOP = (
    "SHOP",
    {
        "type": "object",
        "properties": {
            "name": field("申请人姓名", "applicant.name"),
            "id": field("身份证号码", "applicant.id_number"),
            "shop": field("店铺名称"),
        },
        "required": ["name"],
    },
    {"order": ["shop", "name", "id"], "widgets": {"shop": "text"}, "help": {"id": "18 位"}},
)
FOOD = (
    "FOOD",
    {
        "type": "object",
        "properties": {
            "applicant": field("经营者姓名", "applicant.name"),
            "idno": field("经营者身份证号", "applicant.id_number"),
            "area": {"type": "number", "title": "经营面积"},
        },
        "required": ["idno", "area"],
    },
    {"widgets": {"area": "number", "applicant": "textarea"}},
)


def test_merge_asks_each_meaning_once() -> None:
    merged = forms.merge([SHOP, FOOD])
    properties = merged.schema["properties"]
    assert list(properties) == ["shop", "applicant_name", "applicant_id_number", "area"]
    # the first form's wording wins
    assert properties["applicant_name"]["title"] == "申请人姓名"
    assert properties["applicant_name"]["x-meaning"] == "applicant.name"
    assert properties["shop"]["x-meaning"] == "shop"
    assert merged.ui["order"] == ["shop", "applicant_name", "applicant_id_number", "area"]
    assert merged.ui["widgets"] == {"shop": "text", "area": "number"}
    assert merged.ui["help"] == {"applicant_id_number": "18 位"}
    assert merged.sources == {
        "shop": ["SHOP"],
        "applicant.name": ["SHOP", "FOOD"],
        "applicant.id_number": ["SHOP", "FOOD"],
        "area": ["FOOD"],
    }
    # the merged form is itself a valid form
    forms.validate_schema(merged.schema)
    forms.validate_ui(merged.ui, merged.schema)


def test_merge_requires_what_any_form_requires() -> None:
    merged = forms.merge([SHOP, FOOD])
    assert merged.schema["required"] == ["applicant_name", "applicant_id_number", "area"]


def test_merge_of_forms_without_required_fields_has_no_required_list() -> None:
    only = ("ONE", {"type": "object", "properties": {"a": field("甲")}}, {})
    merged = forms.merge([only, ("TWO", {}, {})])
    assert "required" not in merged.schema
    assert merged.ui == {"order": ["a"]}


@pytest.mark.parametrize(
    ("attrs", "named"),
    [
        ({"type": "integer"}, "type"),
        ({"format": "date"}, "format"),
        ({"enum": ["男", "女"]}, "enum"),
    ],
)
def test_the_same_meaning_defined_differently_is_a_conflict(
    attrs: dict[str, Any], named: str
) -> None:
    other = (
        "OTHER",
        {"type": "object", "properties": {"who": field("姓名", "applicant.name", **attrs)}},
        {},
    )
    with pytest.raises(FieldErrors) as caught:
        forms.merge([SHOP, other])
    assert caught.value.code == "life_event_form_conflict"
    assert caught.value.status == 409
    [error] = caught.value.details["errors"]
    assert (error["field"], error["code"]) == (
        "OTHER/form_schema/properties/who",
        "form_field_conflict",
    )
    assert "SHOP" in error["message"] and "OTHER" in error["message"]
    assert named in error["message"]
