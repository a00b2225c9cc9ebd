"""Catalogue import and export (Excel and JSON): round trips, all-or-nothing imports that point
at every bad cell, the API endpoints and the management command."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils import translation
from openpyxl import Workbook, load_workbook

from tests.catalog.fixtures import item_data
from yiwang.catalog import services, transfer
from yiwang.catalog.models import (
    ImplementationVersion,
    ItemImplementation,
    Material,
    ServiceItem,
)
from yiwang.catalog.schemas import ItemIn
from yiwang.kernel.errors import DomainError
from yiwang.kernel.models import AuditEntry

pytestmark = pytest.mark.django_db

NEW_ITEM = "000105002000"

ITEM_ROW: dict[str, Any] = {
    "code": NEW_ITEM,
    "name": "食品经营许可",
    "item_type": "行政许可",
    "department_code": "42-SCJG",
    "legal_basis": "《中华人民共和国食品安全法》第三十五条",
    "handling_levels": "省级、市级、县级",
    "service_objects": "法人",
    "themes": "准营准办",
    "acceptance_conditions": "有与经营的食品品种、数量相适应的经营场所。",
    "process_description": "申请、受理、审查、决定。",
    "statutory_limit_days": 20,
    "fees": "",
    "result_type": "证照",
    "result_name": "食品经营许可证",
    "result_license_type": "food_business_licence",
    "channels": "网上办理、窗口办理、移动端办理",
    "max_trips": 1,
}
MATERIAL_ROWS: list[dict[str, Any]] = [
    {
        "item_code": NEW_ITEM,
        "code": "M01",
        "name": "食品经营许可申请书",
        "form": "原件",
        "copies": 1,
        "required": "是",
        "source": "申请人提交",
    },
    {
        "item_code": NEW_ITEM,
        "code": "M02",
        "name": "营业执照",
        "form": "电子件",
        "copies": 1,
        "required": "否",
        "source": "电子证照",
        "license_type": "business_licence",
        "meaning": "entity.business_licence",
    },
]
IMPLEMENTATION_ROWS: list[dict[str, Any]] = [
    {
        "item_code": NEW_ITEM,
        "department_code": "420106-SCJG",
        "handling_kind": "承诺件",
        "promised_limit_days": 10,
        "channels": "网上办理、窗口办理",
        "max_trips": 0,
        "hall_address": "武汉市武昌区中北路 1 号",
        "office_hours": "工作日 9:00-17:00",
        "phone": "027-87654321",
        "complaint_phone": "12345",
    },
    {
        "item_code": NEW_ITEM,
        "department_code": "42-SCJG",
        "handling_kind": "即办件",
        "promised_limit_days": None,
        "channels": "",
        "max_trips": None,
        "hall_address": "武汉市洪山路 1 号",
        "office_hours": "",
        "phone": "",
        "complaint_phone": "",
    },
]


def sheets(
    items: list[dict[str, Any]] | None = None,
    materials: list[dict[str, Any]] | None = None,
    implementations: list[dict[str, Any]] | None = None,
) -> dict[str, list[list[Any]]]:
    """The three sheets as rows (header first), from records keyed by field."""
    records = {
        transfer.SHEET_ITEMS: [ITEM_ROW] if items is None else items,
        transfer.SHEET_MATERIALS: MATERIAL_ROWS if materials is None else materials,
        transfer.SHEET_IMPLEMENTATIONS: (
            IMPLEMENTATION_ROWS if implementations is None else implementations
        ),
    }
    return {
        name: [
            [c.header for c in transfer.SHEETS[name]],
            *([r.get(c.key) for c in transfer.SHEETS[name]] for r in records[name]),
        ]
        for name in transfer.SHEETS
    }


def workbook(content: dict[str, list[list[Any]]]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for name, rows in content.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def read_sheets(data: bytes) -> dict[str, list[list[Any]]]:
    book = load_workbook(io.BytesIO(data))
    return {
        name: [list(row) for row in book[name].iter_rows(values_only=True)]
        for name in book.sheetnames
    }


def snapshot() -> tuple[int, ...]:
    return (
        ServiceItem.objects.count(),
        Material.objects.count(),
        ItemImplementation.objects.count(),
        ImplementationVersion.objects.count(),
        AuditEntry.objects.count(),
    )


def refused(actor: Any, data: bytes, filename: str = "目录.xlsx") -> DomainError:
    """Import, expect the refusal, and check that nothing at all was written."""
    before = snapshot()
    with pytest.raises(DomainError) as caught:
        transfer.import_file(actor=actor, data=data, filename=filename)
    assert snapshot() == before
    assert caught.value.code == "catalog_import_refused"
    assert caught.value.message
    return caught.value


def error_at(exc: DomainError, sheet: str, row: int | None, column: str) -> dict[str, Any]:
    errors: list[dict[str, Any]] = exc.details["errors"]
    found = [e for e in errors if (e["sheet"], e["row"], e["column"]) == (sheet, row, column)]
    assert found, f"no error at {sheet} {row} {column}: {errors}"
    assert set(found[0]) == {"sheet", "row", "column", "field", "code", "message", "location"}
    return found[0]


@pytest.fixture
def departments(province_department: Any, owning_department: Any) -> None:
    """The provincial and the county market regulators (42-SCJG, 420106-SCJG)."""


# --- import ------------------------------------------------------------------------------


def test_workbook_import_creates_items_materials_and_implementations(
    admin: Any, departments: None
) -> None:
    result = transfer.import_file(actor=admin, data=workbook(sheets()), filename="目录.xlsx")

    assert result == transfer.ImportResult(items_created=1, materials=2, implementations_created=2)
    item = ServiceItem.objects.get(code=NEW_ITEM)
    assert item.item_type == "licensing"
    assert item.handling_levels == ["province", "city", "county"]
    assert item.service_objects == ["enterprise"]
    assert item.channels == ["online", "hall", "mobile"]
    materials = list(item.materials.all())
    assert [(m.code, m.form, m.required, m.source) for m in materials] == [
        ("M01", "original", True, "upload"),
        ("M02", "electronic", False, "licence"),
    ]
    county = ItemImplementation.objects.get(code=f"{NEW_ITEM}.420106-SCJG")
    draft = county.versions.get()
    assert (draft.status, draft.handling_kind, draft.promised_limit_days) == (
        "draft",
        "promised",
        10,
    )
    assert (draft.channels, draft.max_trips) == (["online", "hall"], 0)
    assert [m.code for m in draft.materials.all()] == ["M01", "M02"]  # inherited
    province = ItemImplementation.objects.get(code=f"{NEW_ITEM}.42-SCJG").versions.get()
    assert (province.handling_kind, province.promised_limit_days) == ("instant", None)
    assert province.channels == ["online", "hall", "mobile"]  # empty cell: inherited
    actions = list(AuditEntry.objects.order_by("seq").values_list("action", flat=True))
    assert actions[-4:] == [
        "catalog.item_created",
        "catalog.implementation_created",
        "catalog.implementation_created",
        "catalog.imported",
    ]
    imported = AuditEntry.objects.get(action="catalog.imported")
    assert imported.actor_id == admin.pk
    assert imported.details["format"] == "xlsx"
    assert imported.details["items_created"] == 1
    assert imported.details["implementations_created"] == 2


def test_workbook_accepts_codes_as_well_as_labels(admin: Any, departments: None) -> None:
    row = {
        **ITEM_ROW,
        "item_type": "licensing",
        "handling_levels": "province, city ,county",
        "service_objects": "enterprise；citizen",
        "result_type": "licence",
        "channels": "online\nhall",
        "fees": "工本费:10元\n加急费：20.5:《收费标准》第3条",
        "statutory_limit_days": "20",
    }
    materials = [{**MATERIAL_ROWS[0], "form": "original", "required": True, "source": "upload"}]
    implementation = {**IMPLEMENTATION_ROWS[0], "handling_kind": "promised", "channels": "hall"}

    transfer.import_file(
        actor=admin, data=workbook(sheets([row], materials, [implementation])), filename="x.xlsx"
    )

    item = ServiceItem.objects.get(code=NEW_ITEM)
    assert item.service_objects == ["enterprise", "citizen"]
    assert item.channels == ["online", "hall"]
    assert item.fees == [
        {"name": "工本费", "amount": "10.00", "basis": ""},
        {"name": "加急费", "amount": "20.50", "basis": "《收费标准》第3条"},
    ]
    assert item.materials.get().required is True


def test_a_listed_item_is_updated_and_its_materials_replaced(admin: Any, item: Any) -> None:
    data = transfer.export_json(admin)
    data["items"][0]["name"] = "个体工商户设立登记(新)"
    data["items"][0]["materials"] = data["items"][0]["materials"][:2]

    result = transfer.import_file(
        actor=admin, data=json.dumps(data).encode(), filename="catalog.json"
    )

    assert (result.items_updated, result.items_unchanged) == (1, 0)
    item.refresh_from_db()
    assert (item.name, item.revision) == ("个体工商户设立登记(新)", 2)
    assert [m.code for m in item.materials.all()] == ["M01", "M02"]
    assert AuditEntry.objects.filter(action="catalog.item_updated").count() == 1


def test_a_changed_row_starts_a_new_draft_of_a_published_implementation(
    admin: Any, published: Any
) -> None:
    content = read_sheets(transfer.export_workbook(admin))
    content[transfer.SHEET_IMPLEMENTATIONS][1][3] = 3  # 承诺时限: 5 → 3

    result = transfer.import_file(actor=admin, data=workbook(content), filename="目录.xlsx")

    assert (result.implementations_updated, result.items_unchanged) == (1, 1)
    versions = {v.number: v for v in published.versions.all()}
    assert (versions[1].status, versions[1].promised_limit_days) == ("published", 5)
    assert (versions[2].status, versions[2].promised_limit_days) == ("draft", 3)
    assert versions[2].form_schema == versions[1].form_schema  # not in the workbook: kept


def test_a_changed_row_updates_the_open_draft(admin: Any, implementation: Any) -> None:
    data = transfer.export_json(admin)
    data["implementations"][0]["phone"] = "027-11112222"

    result = transfer.import_file(actor=admin, data=json.dumps(data).encode(), filename="a.json")

    assert result.implementations_updated == 1
    version = implementation.versions.get()
    assert (version.number, version.status, version.phone) == (1, "draft", "027-11112222")
    assert AuditEntry.objects.filter(action="catalog.version_updated").count() == 1


def test_a_version_in_review_cannot_be_changed_by_an_import(
    admin: Any, implementation: Any, catalog_editor: Any
) -> None:
    services.submit(actor=catalog_editor, version=implementation.versions.get())
    data = transfer.export_json(admin)
    data["implementations"][0]["phone"] = "027-11112222"

    exc = refused(admin, json.dumps(data).encode(), "a.json")

    error = error_at(exc, "implementations", 0, "")
    assert error["code"] == "status_transition_invalid"
    assert "审核" in error["message"]


# --- round trips -------------------------------------------------------------------------


def test_exported_workbook_reimports_unchanged(admin: Any, published: Any) -> None:
    exported = transfer.export_workbook(admin)
    before = snapshot()

    result = transfer.import_file(actor=admin, data=exported, filename="目录.xlsx")

    assert result == transfer.ImportResult(
        items_unchanged=1, materials=3, implementations_unchanged=1
    )
    assert snapshot()[:4] == before[:4]
    assert snapshot()[4] == before[4] + 1  # only catalog.imported
    assert AuditEntry.objects.latest("seq").action == "catalog.imported"
    assert read_sheets(transfer.export_workbook(admin)) == read_sheets(exported)


def test_exported_json_reimports_unchanged(admin: Any, published: Any) -> None:
    exported = transfer.export_json(admin)
    before = snapshot()

    result = transfer.import_file(
        actor=admin, data=json.dumps(exported).encode(), filename="catalog.json"
    )

    assert result == transfer.ImportResult(
        items_unchanged=1, materials=3, implementations_unchanged=1
    )
    assert snapshot()[:4] == before[:4]
    again = transfer.export_json(admin)
    assert {k: v for k, v in again.items() if k != "exported_at"} == {
        k: v for k, v in exported.items() if k != "exported_at"
    }


def test_imported_workbook_exports_as_it_was_written(admin: Any, departments: None) -> None:
    transfer.import_file(actor=admin, data=workbook(sheets()), filename="目录.xlsx")

    content = read_sheets(transfer.export_workbook(admin))

    assert content[transfer.SHEET_ITEMS][0] == [c.header for c in transfer.ITEM_COLUMNS]
    row = dict(
        zip([c.key for c in transfer.ITEM_COLUMNS], content[transfer.SHEET_ITEMS][1], strict=True)
    )
    assert {k: row[k] for k in ("item_type", "handling_levels", "service_objects", "themes")} == {
        "item_type": "行政许可",
        "handling_levels": "省级、市级、县级",
        "service_objects": "法人",
        "themes": "准营准办",
    }
    materials = content[transfer.SHEET_MATERIALS]
    assert [r[:7] for r in materials[1:]] == [
        [NEW_ITEM, "M01", "食品经营许可申请书", "原件", 1, "是", "申请人提交"],
        [NEW_ITEM, "M02", "营业执照", "电子件", 1, "否", "电子证照"],
    ]
    implementations = content[transfer.SHEET_IMPLEMENTATIONS]
    assert implementations[1][:6] == [
        NEW_ITEM,
        "42-SCJG",
        "即办件",
        None,
        "网上办理、窗口办理、移动端办理",
        1,
    ]
    assert implementations[2][:6] == [
        NEW_ITEM,
        "420106-SCJG",
        "承诺件",
        10,
        "网上办理、窗口办理",
        0,
    ]


def test_text_that_looks_like_a_formula_stays_text(admin: Any, province_department: Any) -> None:
    services.create_item(
        actor=admin,
        data=ItemIn(**item_data(legal_basis='=HYPERLINK("http://evil.example","点击")')),
    )

    exported = transfer.export_workbook(admin)
    book = load_workbook(io.BytesIO(exported))
    cell = book[transfer.SHEET_ITEMS]["E2"]

    assert cell.data_type == "s"
    assert cell.value.startswith("=HYPERLINK")
    result = transfer.import_file(actor=admin, data=exported, filename="目录.xlsx")
    assert result.items_unchanged == 1


def test_fees_round_trip_through_the_workbook(admin: Any, province_department: Any) -> None:
    fees = [
        {"name": "工本费", "amount": "10.00", "basis": "鄂价费〔2020〕1号:第二条"},
        {"name": "加急费", "amount": "0.50", "basis": ""},
    ]
    services.create_item(actor=admin, data=ItemIn(**item_data(fees=fees)))
    exported = transfer.export_workbook(admin)

    assert read_sheets(exported)[transfer.SHEET_ITEMS][1][11] == (
        "工本费:10.00:鄂价费〔2020〕1号:第二条\n加急费:0.50"
    )
    assert transfer.import_file(actor=admin, data=exported, filename="x.xlsx").items_unchanged == 1


def test_export_holds_only_the_users_scope(
    catalog_editor: Any, implementation: Any, outsider: Any
) -> None:
    mine = transfer.export_json(catalog_editor)
    theirs = transfer.export_json(outsider)

    assert mine["items"] == []  # the master item belongs to the province
    assert [i["department_code"] for i in mine["implementations"]] == ["420106-SCJG"]
    assert mine["implementations"][0]["promised_limit_days"] == 5
    assert theirs["implementations"] == []


def test_the_workbook_is_chinese_whatever_the_page_language(admin: Any, item: Any) -> None:
    with translation.override("en"):
        content = read_sheets(transfer.export_workbook(admin))

    assert content[transfer.SHEET_ITEMS][0][:3] == ["事项编码", "事项名称", "事项类型"]
    assert content[transfer.SHEET_ITEMS][1][2] == "行政许可"


def test_citizen_cannot_export(citizen: Any) -> None:
    with pytest.raises(DomainError) as caught:
        transfer.export_workbook(citizen)
    assert (caught.value.status, caught.value.code) == (403, "permission_denied")


# --- refusals: nothing written, every error pointed at --------------------------------------


def test_a_file_that_is_not_a_workbook_is_refused(admin: Any, departments: None) -> None:
    exc = refused(admin, b"code,name\n1,2\n", "目录.xlsx")

    assert exc.status == 400
    assert exc.details["errors"][0]["code"] == "file_not_xlsx"


def test_a_corrupt_workbook_is_refused(admin: Any, departments: None) -> None:
    data = workbook(sheets())

    exc = refused(admin, data[: len(data) // 2], "目录.xlsx")

    assert exc.status == 400
    assert exc.details["errors"][0]["code"] == "file_not_xlsx"


def test_an_unknown_file_type_is_refused(admin: Any) -> None:
    exc = refused(admin, b"\x00\x01binary", "目录.doc")

    assert exc.details["errors"][0]["code"] == "file_type_not_allowed"


def test_a_missing_sheet_is_refused(admin: Any, departments: None) -> None:
    content = sheets()
    del content[transfer.SHEET_MATERIALS]

    exc = refused(admin, workbook(content))

    assert exc.status == 400
    assert error_at(exc, transfer.SHEET_MATERIALS, None, "")["code"] == "sheet_missing"


def test_a_missing_column_is_refused(admin: Any, departments: None) -> None:
    content = sheets()
    for row in content[transfer.SHEET_ITEMS]:
        del row[2]  # 事项类型

    exc = refused(admin, workbook(content))

    error = error_at(exc, transfer.SHEET_ITEMS, 1, "事项类型")
    assert (error["code"], error["field"]) == ("column_missing", "item_type")


def test_columns_are_found_by_header_in_any_order(admin: Any, departments: None) -> None:
    content = sheets()
    for name, rows in content.items():
        content[name] = [list(reversed(row)) for row in rows]
    content[transfer.SHEET_ITEMS][0][0] = "max_trips"  # an English key works too
    content[transfer.SHEET_ITEMS][0][6] = "法定时限(工作日)"  # full-width brackets

    result = transfer.import_file(actor=admin, data=workbook(content), filename="x.xlsx")

    assert result.implementations_created == 2


def test_wrong_types_point_at_their_cells(admin: Any, departments: None) -> None:
    items = [{**ITEM_ROW, "statutory_limit_days": "abc", "item_type": "许可"}]
    materials = [{**MATERIAL_ROWS[0], "copies": "两份", "required": "也许"}]

    exc = refused(admin, workbook(sheets(items, materials, [])))

    limit = error_at(exc, transfer.SHEET_ITEMS, 2, "法定时限(工作日)")
    assert (limit["code"], limit["field"], limit["location"]) == (
        "not_integer",
        "statutory_limit_days",
        "事项!K2",
    )
    assert "abc" in limit["message"]
    kind = error_at(exc, transfer.SHEET_ITEMS, 2, "事项类型")
    assert kind["code"] == "choice_unknown"
    assert "行政许可" in kind["message"]  # says what may be written
    assert error_at(exc, transfer.SHEET_MATERIALS, 2, "份数")["code"] == "not_integer"
    assert error_at(exc, transfer.SHEET_MATERIALS, 2, "是否必要")["code"] == "not_boolean"
    assert len(exc.details["errors"]) == 4  # no knock-on "missing" errors


def test_unknown_departments_are_refused(admin: Any, departments: None) -> None:
    items = [{**ITEM_ROW, "department_code": "42-NOPE"}]
    implementations = [{**IMPLEMENTATION_ROWS[0], "department_code": "420106-NOPE"}]

    exc = refused(admin, workbook(sheets(items, None, implementations)))

    assert error_at(exc, transfer.SHEET_ITEMS, 2, "主管部门编码")["code"] == "department_unknown"
    error = error_at(exc, transfer.SHEET_IMPLEMENTATIONS, 2, "实施部门编码")
    assert error["code"] == "department_unknown"
    assert "420106-NOPE" in error["message"]


def test_unknown_item_codes_are_refused(admin: Any, departments: None) -> None:
    materials = [*MATERIAL_ROWS, {**MATERIAL_ROWS[0], "item_code": "999", "code": "M09"}]
    implementations = [{**IMPLEMENTATION_ROWS[0], "item_code": "888"}]

    exc = refused(admin, workbook(sheets(None, materials, implementations)))

    assert error_at(exc, transfer.SHEET_MATERIALS, 4, "事项编码")["code"] == "item_unknown"
    assert error_at(exc, transfer.SHEET_IMPLEMENTATIONS, 2, "事项编码")["code"] == "item_unknown"


def test_an_implementation_may_name_an_item_already_in_the_catalogue(
    admin: Any, item: Any, owning_department: Any
) -> None:
    row = {**IMPLEMENTATION_ROWS[0], "item_code": item.code, "promised_limit_days": 7}

    result = transfer.import_file(
        actor=admin, data=workbook(sheets([], [], [row])), filename="x.xlsx"
    )

    assert result.implementations_created == 1
    assert ItemImplementation.objects.get(item=item).versions.get().promised_limit_days == 7


def test_a_promised_limit_longer_than_the_statutory_one_is_refused(
    admin: Any, departments: None
) -> None:
    implementations = [{**IMPLEMENTATION_ROWS[0], "promised_limit_days": 30}]

    exc = refused(admin, workbook(sheets(None, None, implementations)))

    error = error_at(exc, transfer.SHEET_IMPLEMENTATIONS, 2, "承诺时限(工作日)")
    assert error["code"] == "promised_limit_exceeds_statutory"
    assert error["location"] == "实施清单!D2"
    assert "30" in error["message"] and "20" in error["message"]


def test_duplicates_are_refused(admin: Any, departments: None) -> None:
    materials = [*MATERIAL_ROWS, {**MATERIAL_ROWS[1], "name": "营业执照副本"}]
    implementations = [*IMPLEMENTATION_ROWS, IMPLEMENTATION_ROWS[0]]
    items = [ITEM_ROW, {**ITEM_ROW, "name": "又一个"}]

    exc = refused(admin, workbook(sheets(items, materials, implementations)))

    duplicate = error_at(exc, transfer.SHEET_ITEMS, 3, "事项编码")
    assert duplicate["code"] == "duplicate"
    assert "第 2 行" in duplicate["message"]
    assert error_at(exc, transfer.SHEET_MATERIALS, 4, "材料编码")["code"] == "duplicate"
    assert error_at(exc, transfer.SHEET_IMPLEMENTATIONS, 4, "实施部门编码")["code"] == "duplicate"


def test_every_bad_row_is_listed_and_the_good_ones_are_not_written(
    admin: Any, departments: None
) -> None:
    items = [
        ITEM_ROW,
        {**ITEM_ROW, "code": "000105003000", "name": ""},
        {**ITEM_ROW, "code": "000105004000", "result_license_type": ""},
    ]
    implementations = [
        IMPLEMENTATION_ROWS[0],
        {**IMPLEMENTATION_ROWS[1], "handling_kind": "承诺件"},  # no promised limit
    ]

    exc = refused(admin, workbook(sheets(items, None, implementations)))

    assert error_at(exc, transfer.SHEET_ITEMS, 3, "事项名称")["code"] == "string_too_short"
    assert error_at(exc, transfer.SHEET_ITEMS, 4, "电子证照类型")["code"] == "required"
    assert (
        error_at(exc, transfer.SHEET_IMPLEMENTATIONS, 3, "承诺时限(工作日)")["code"]
        == "promised_limit_required"
    )
    assert exc.details["error_count"] == 3
    assert "事项!B3" in str(exc.message)  # the first error, where to find it


def test_a_long_error_list_is_cut_but_counted(
    admin: Any, departments: None, monkeypatch: Any
) -> None:
    monkeypatch.setattr(transfer, "MAX_ERRORS", 2)
    items = [{**ITEM_ROW, "code": f"X{n}", "max_trips": "many"} for n in range(3)]

    exc = refused(admin, workbook(sheets(items, [], [])))

    assert len(exc.details["errors"]) == 2
    assert exc.details["error_count"] == 3


def test_a_sheet_over_the_row_limit_is_refused(
    admin: Any, departments: None, monkeypatch: Any
) -> None:
    monkeypatch.setattr(transfer, "MAX_ROWS", 2)
    materials = [*MATERIAL_ROWS, {**MATERIAL_ROWS[0], "code": "M03"}]

    exc = refused(admin, workbook(sheets(None, materials)))

    error = error_at(exc, transfer.SHEET_MATERIALS, 4, "")
    assert error["code"] == "too_many_rows"
    assert "2" in error["message"]


def test_a_file_over_the_size_limit_is_refused(
    admin: Any, departments: None, settings: Any
) -> None:
    settings.YIWANG_UPLOAD_MAX_BYTES = 1000

    exc = refused(admin, workbook(sheets()))

    assert exc.status == 413
    assert exc.details["errors"][0]["code"] == "file_too_large"


def test_a_department_admin_may_not_import(catalog_editor: Any, departments: None) -> None:
    before = snapshot()

    with pytest.raises(DomainError) as caught:
        transfer.import_file(actor=catalog_editor, data=workbook(sheets()), filename="x.xlsx")

    assert (caught.value.status, caught.value.code) == (403, "permission_denied")
    assert snapshot() == before


def test_rows_outside_the_importers_scope_are_refused(
    departments: None, other_department: Any, regions: Any
) -> None:
    from tests.factories import StaffFactory

    yichang_admin = StaffFactory(username="yc", role="platform_admin", region=regions.yichang)
    implementations = [{**IMPLEMENTATION_ROWS[0], "department_code": "4205-SCJG"}]

    exc = refused(yichang_admin, workbook(sheets(None, None, implementations)))

    error = error_at(exc, transfer.SHEET_ITEMS, 2, "")
    assert (error["code"], error["location"]) == ("permission_denied", "事项!2:2")


# --- JSON --------------------------------------------------------------------------------


def test_json_import_creates_what_it_lists(admin: Any, departments: None) -> None:
    data = item_data(code=NEW_ITEM)
    document = {
        "format": "yiwang.catalog",
        "items": [data],
        "implementations": [
            {"item_code": NEW_ITEM, "department_code": "420106-SCJG", "promised_limit_days": 9}
        ],
    }

    result = transfer.import_file(
        actor=admin, data=json.dumps(document).encode(), filename="catalog.json"
    )

    assert (result.items_created, result.implementations_created) == (1, 1)
    version = ImplementationVersion.objects.get(implementation__item__code=NEW_ITEM)
    assert version.promised_limit_days == 9


def test_json_errors_point_at_list_index_and_field(admin: Any, departments: None) -> None:
    bad_item = item_data(code=NEW_ITEM, statutory_limit_days="abc")
    bad_item["materials"][1]["copies"] = 99
    document = {
        "items": [bad_item, item_data(code="X1", department_code="nope"), item_data(code="X1")],
        "implementations": [
            {"item_code": "000105001000", "department_code": "420106-SCJG"},
            "not an object",
        ],
    }

    exc = refused(admin, json.dumps(document).encode(), "catalog.json")

    assert error_at(exc, "items", 0, "statutory_limit_days")["code"] == "int_parsing"
    error = error_at(exc, "items", 0, "materials[1].copies")
    assert (error["code"], error["location"]) == ("less_than_equal", "items[0].materials[1].copies")
    assert error_at(exc, "items", 1, "department_code")["code"] == "department_unknown"
    duplicate = error_at(exc, "items", 2, "code")
    assert (duplicate["code"], duplicate["location"]) == ("duplicate", "items[2].code")
    assert "items[1]" in duplicate["message"]
    assert error_at(exc, "implementations", 0, "item_code")["code"] == "item_unknown"
    assert error_at(exc, "implementations", 1, "")["code"] == "json_not_object"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"{not json", "json_invalid"),
        (b"\xff\xfe\x00", "json_invalid"),
        (b"[1, 2]", "json_not_object"),
        (b'{"items": {}}', "json_not_list"),
        (b'{"format": "other"}', "json_format_unknown"),
        (b"[" * 100 + b"]" * 100, "json_too_deep"),
    ],
)
def test_malformed_json_is_refused(admin: Any, data: bytes, code: str) -> None:
    exc = refused(admin, data, "catalog.json")

    assert exc.status == 400
    assert exc.details["errors"][0]["code"] == code


# --- API ---------------------------------------------------------------------------------

EXPORT_XLSX = "/api/v1/catalog/export.xlsx"
EXPORT_JSON = "/api/v1/catalog/export.json"
IMPORT = "/api/v1/catalog/import"


def upload(data: bytes, name: str = "目录.xlsx") -> dict[str, Any]:
    return {"file": SimpleUploadedFile(name, data, content_type=transfer.XLSX_CONTENT_TYPE)}


def test_anonymous_callers_must_sign_in(client: Any, departments: None) -> None:
    for response in (
        client.get(EXPORT_XLSX),
        client.get(EXPORT_JSON),
        client.post(IMPORT, upload(workbook(sheets()))),
    ):
        assert response.status_code == 401
        assert response.json()["code"] == "not_authenticated"
    assert not ServiceItem.objects.exists()


def test_a_department_admin_is_forbidden_to_import(
    client: Any, catalog_editor: Any, departments: None
) -> None:
    client.force_login(catalog_editor)
    before = snapshot()

    response = client.post(IMPORT, upload(workbook(sheets())))

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert snapshot() == before


def test_a_platform_admin_imports_through_the_api(
    client: Any, admin: Any, departments: None
) -> None:
    client.force_login(admin)

    response = client.post(IMPORT, upload(workbook(sheets())))

    assert response.status_code == 200, response.content
    counts = response.json()
    assert counts["items_created"] == 1 and counts["items_updated"] == 0
    assert counts["implementations_created"] == 2 and counts["implementations_updated"] == 0
    assert counts["items_unchanged"] == 0 and counts["implementations_unchanged"] == 0
    assert counts["materials"] > 0
    assert AuditEntry.objects.filter(action="catalog.imported", actor_id=admin.pk).count() == 1


def test_an_api_refusal_lists_every_error(client: Any, admin: Any, departments: None) -> None:
    client.force_login(admin)
    implementations = [{**IMPLEMENTATION_ROWS[0], "promised_limit_days": 30}]

    response = client.post(IMPORT, upload(workbook(sheets(None, None, implementations))))

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "catalog_import_refused"
    assert body["details"]["errors"][0]["location"] == "实施清单!D2"
    assert not ServiceItem.objects.exists()


def test_an_oversized_upload_is_refused_before_it_is_read(
    client: Any, admin: Any, settings: Any
) -> None:
    client.force_login(admin)
    settings.YIWANG_UPLOAD_MAX_BYTES = 10

    response = client.post(IMPORT, upload(b"x" * 100))

    assert response.status_code == 413
    assert response.json()["code"] == "catalog_import_refused"


def test_a_bad_upload_answers_400_not_500(client: Any, admin: Any) -> None:
    client.force_login(admin)

    response = client.post(IMPORT, upload(b"PK\x03\x04garbage"))

    assert response.status_code == 400
    assert response.json()["details"]["errors"][0]["code"] == "file_not_xlsx"


def test_export_endpoints_answer_downloads(client: Any, admin: Any, published: Any) -> None:
    client.force_login(admin)

    xlsx = client.get(EXPORT_XLSX)
    as_json = client.get(EXPORT_JSON)

    assert xlsx.status_code == 200
    assert xlsx["Content-Type"] == transfer.XLSX_CONTENT_TYPE
    assert xlsx["Content-Disposition"].startswith('attachment; filename="yiwang-catalog-')
    assert xlsx["Content-Disposition"].endswith('.xlsx"')
    assert read_sheets(xlsx.content)[transfer.SHEET_ITEMS][1][0] == "000105001000"
    assert as_json.status_code == 200
    assert as_json["Content-Type"] == "application/json; charset=utf-8"
    assert as_json["Content-Disposition"].endswith('.json"')
    document = json.loads(as_json.content)
    assert document["format"] == "yiwang.catalog"
    assert [i["code"] for i in document["items"]] == ["000105001000"]
    assert "个体工商户设立登记" in as_json.content.decode()  # not \\u-escaped


def test_a_citizen_may_not_export(client: Any, citizen: Any) -> None:
    client.force_login(citizen)

    response = client.get(EXPORT_XLSX)

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


# --- management command ------------------------------------------------------------------


def test_command_exports_and_reimports(tmp_path: Path, published: Any) -> None:
    out = io.StringIO()
    xlsx, as_json = tmp_path / "目录.xlsx", tmp_path / "catalog.json"

    call_command("catalog", "export", "-o", str(xlsx), stdout=out)
    call_command("catalog", "export", "--format", "json", "-o", str(as_json), stdout=out)
    call_command("catalog", "import", str(xlsx), stdout=out)

    assert read_sheets(xlsx.read_bytes())[transfer.SHEET_ITEMS][1][0] == "000105001000"
    assert json.loads(as_json.read_text())["implementations"][0]["promised_limit_days"] == 5
    assert "1 unchanged (3 materials)" in out.getvalue()
    imported = AuditEntry.objects.get(action="catalog.imported")
    assert imported.actor_label == "cli"


def test_command_imports_new_content_as_cli(tmp_path: Path, departments: None) -> None:
    path = tmp_path / "目录.xlsx"
    path.write_bytes(workbook(sheets()))
    out = io.StringIO()

    call_command("catalog", "import", str(path), stdout=out)

    assert "items: 1 created" in out.getvalue()
    assert "implementations: 2 created" in out.getvalue()
    assert AuditEntry.objects.get(action="catalog.item_created").actor_label == "cli"


def test_command_prints_every_error_of_a_refused_import(tmp_path: Path, departments: None) -> None:
    path = tmp_path / "目录.xlsx"
    implementations = [{**IMPLEMENTATION_ROWS[0], "promised_limit_days": 30}]
    path.write_bytes(workbook(sheets(None, None, implementations)))

    with pytest.raises(CommandError) as caught:
        call_command("catalog", "import", str(path))

    assert "实施清单!D2: [promised_limit_exceeds_statutory]" in str(caught.value)
    assert not ServiceItem.objects.exists()


def test_command_needs_a_file(tmp_path: Path, db: None) -> None:
    with pytest.raises(CommandError, match="no such file"):
        call_command("catalog", "import", str(tmp_path / "missing.xlsx"))
    with pytest.raises(CommandError, match="usage"):
        call_command("catalog", "export")
