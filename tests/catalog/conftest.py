"""Catalogue fixtures: a provincial master item with materials, catalogue staff of the
owning department (武昌区市场监督管理局), and two reviewers of the province."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import DepartmentFactory, StaffFactory

DEFAULT_FORM = {
    "type": "object",
    "properties": {
        "applicant_name": {"type": "string", "title": "申请人姓名", "x-meaning": "applicant.name"},
        "id_number": {"type": "string", "title": "身份证号码", "x-meaning": "applicant.id_number"},
        "shop_name": {"type": "string", "title": "店铺名称"},
    },
    "required": ["applicant_name", "id_number"],
}


def item_data(**overrides: Any) -> dict[str, Any]:
    """The API/service input of a realistic master item (个体工商户设立登记)."""
    data: dict[str, Any] = {
        "code": "000105001000",
        "name": "个体工商户设立登记",
        "item_type": "licensing",
        "department_code": "42-SCJG",
        "legal_basis": "《促进个体工商户发展条例》第八条;《市场主体登记管理条例》第三条",
        "handling_levels": ["province", "city", "county"],
        "service_objects": ["citizen"],
        "themes": ["establishment"],
        "acceptance_conditions": "经营者具有完全民事行为能力,经营场所符合规定。",
        "process_description": "申请、受理、审查、决定、发证。",
        "statutory_limit_days": 15,
        "fees": [{"name": "登记费", "amount": "0.00", "basis": "不收费"}],
        "result_type": "licence",
        "result_name": "营业执照",
        "result_license_type": "business_licence",
        "channels": ["online", "hall", "mobile"],
        "max_trips": 1,
        "materials": [
            {
                "code": "M01",
                "name": "个体工商户登记(备案)申请书",
                "form": "original",
                "copies": 1,
                "required": True,
            },
            {
                "code": "M02",
                "name": "经营者身份证明",
                "form": "copy",
                "copies": 1,
                "required": True,
                "source": "licence",
                "license_type": "resident_id_card",
                "meaning": "applicant.id_card",
            },
            {
                "code": "M03",
                "name": "经营场所使用证明",
                "form": "copy",
                "copies": 2,
                "required": False,
            },
        ],
    }
    data.update(overrides)
    return data


@pytest.fixture
def province_department(regions: Any) -> Any:
    return DepartmentFactory(code="42-SCJG", name="湖北省市场监督管理局", region=regions.hubei)


@pytest.fixture
def catalog_editor(owning_department: Any) -> Any:
    """Catalogue staff: the department admin of 武昌区市场监督管理局."""
    return StaffFactory(
        username="catalog_editor", role="department_admin", department=owning_department
    )


@pytest.fixture
def item_owner(province_department: Any) -> Any:
    """The department admin of the provincial department that keeps the master item."""
    return StaffFactory(
        username="item_owner", role="department_admin", department=province_department
    )


@pytest.fixture
def reviewer(regions: Any) -> Any:
    """A reviewer of the province's government-service administration."""
    return StaffFactory(username="reviewer", role="platform_admin", region=regions.hubei)


@pytest.fixture
def second_reviewer(regions: Any) -> Any:
    return StaffFactory(username="reviewer2", role="platform_admin", region=regions.hubei)


@pytest.fixture
def item(province_department: Any, item_owner: Any) -> Any:
    from yiwang.catalog import services
    from yiwang.catalog.schemas import ItemIn

    return services.create_item(actor=item_owner, data=ItemIn(**item_data()))


@pytest.fixture
def implementation(item: Any, owning_department: Any, catalog_editor: Any) -> Any:
    """A draft implementation by 武昌区市场监督管理局 with a form and a 5-day promise."""
    from yiwang.catalog import services
    from yiwang.catalog.schemas import VersionIn

    return services.create_implementation(
        actor=catalog_editor,
        item=item,
        department=owning_department,
        data=VersionIn(
            promised_limit_days=5,
            hall_address="武汉市武昌区中北路 1 号政务服务中心 2 楼",
            office_hours="工作日 9:00-17:00",
            phone="027-12345678",
            form_schema=DEFAULT_FORM,
            form_ui={"order": ["applicant_name", "id_number", "shop_name"]},
        ),
    )


@pytest.fixture
def published(implementation: Any, catalog_editor: Any, reviewer: Any) -> Any:
    """The implementation with version 1 submitted and published."""
    from yiwang.catalog import services

    version = implementation.versions.get()
    services.submit(actor=catalog_editor, version=version)
    services.publish(actor=reviewer, version=version, comment="同意发布")
    implementation.refresh_from_db()
    return implementation
