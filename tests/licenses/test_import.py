"""Bulk import of paper licences: all or nothing, every bad row listed; JSON rows or Excel."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from openpyxl import Workbook

from tests.licenses.conftest import CREDIT_CODE, FOOD_DATA
from yiwang.kernel.errors import ImportRefused
from yiwang.licenses import services
from yiwang.licenses.models import License

pytestmark = pytest.mark.django_db

GOOD = {
    "holder_name": "武汉长江餐饮管理有限公司",
    "holder_credit_code": CREDIT_CODE,
    "valid_from": "2022-01-01",
    "valid_until": "2026-12-31",
    **FOOD_DATA,
}


def test_good_rows_are_imported_with_their_own_dates(
    food_type: Any, approver: Any, owning_department: Any
) -> None:
    summary = services.import_licenses(
        actor=approver,
        type_code="food_business_licence",
        issuer_department_code=owning_department.code,
        rows=[GOOD, {**GOOD, "data": dict(FOOD_DATA), "valid_until": ""}],
    )

    assert summary.created == 2
    first, second = License.objects.order_by("pk")
    assert first.current().valid_until == dt.date(2026, 12, 31)
    assert first.current().data == FOOD_DATA
    assert second.current().valid_until is None
    assert first.holder_kind == "entity"


def test_one_bad_row_refuses_the_whole_import_and_lists_every_error(
    food_type: Any, approver: Any, owning_department: Any
) -> None:
    rows = [
        GOOD,
        {**GOOD, "holder_credit_code": "91420106MA4K000010"},  # bad check character
        {**GOOD, "address": "", "valid_from": "yesterday"},
        {**GOOD, "valid_until": "2020-01-01"},
    ]
    with pytest.raises(ImportRefused) as caught:
        services.import_licenses(
            actor=approver,
            type_code="food_business_licence",
            issuer_department_code=owning_department.code,
            rows=rows,
        )

    errors = caught.value.details["errors"]
    assert {(e["row"], e["field"]) for e in errors} >= {
        (2, "holder_credit_code"),
        (3, "data/address"),
        (3, "valid_from"),
        (4, "valid_until"),
    }
    assert all(e["row"] != 1 for e in errors)
    assert not License.objects.exists()


def test_an_excel_workbook_is_read_by_names_or_titles(
    food_type: Any, approver: Any, owning_department: Any
) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(
        ["holder_name", "holder_credit_code", "valid_from", "经营者名称", "address", "scope"]
    )
    sheet.append(
        [
            "武汉长江餐饮管理有限公司",
            CREDIT_CODE,
            dt.datetime(2023, 5, 1),  # noqa: DTZ001  (Excel cells carry no zone)
            "长江餐饮",
            "中北路1号",
            "热食",
        ]
    )
    sheet.append([None] * 6)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)

    rows = services.rows_from_xlsx(buffer)
    summary = services.import_licenses(
        actor=approver,
        type_code="food_business_licence",
        issuer_department_code=owning_department.code,
        rows=rows,
    )

    assert summary.created == 1
    version = License.objects.get().current()
    assert version.valid_from == dt.date(2023, 5, 1)
    assert version.data["business_name"] == "长江餐饮"


def test_an_outsider_cannot_import(food_type: Any, outsider: Any, owning_department: Any) -> None:
    with pytest.raises(Exception) as caught:
        services.import_licenses(
            actor=outsider,
            type_code="food_business_licence",
            issuer_department_code=owning_department.code,
            rows=[GOOD],
        )
    assert getattr(caught.value, "status", None) == 403
    assert not License.objects.exists()
