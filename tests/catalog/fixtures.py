"""Catalogue fixtures (a pytest plugin loaded by tests/conftest.py, so browser tests see them
too): a provincial master item with materials, catalogue staff of the
owning department (武昌区市场监督管理局), and two reviewers of the province."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import DepartmentFactory, StaffFactory
from yiwang.catalog import services
from yiwang.catalog.schemas import ItemIn, LifeEventIn, VersionIn

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
                "required": False,  # met by an e-licence when held; else optional here
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


FOOD_FORM = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "title": "经营者姓名", "x-meaning": "applicant.name"},
        "food_category": {"type": "string", "title": "经营项目"},
    },
    "required": ["name", "food_category"],
}


def publish_item(
    *,
    item_owner: Any,
    editor: Any,
    reviewer: Any,
    department: Any,
    version: dict[str, Any] | None = None,
    **item: Any,
) -> Any:
    """A master item, implemented by ``department`` and published."""
    master = services.create_item(actor=item_owner, data=ItemIn(**item_data(**item)))
    implementation = services.create_implementation(
        actor=editor, item=master, department=department, data=VersionIn(**(version or {}))
    )
    draft = implementation.versions.get()
    services.submit(actor=editor, version=draft)
    services.publish(actor=reviewer, version=draft)
    implementation.refresh_from_db()
    return implementation


@pytest.fixture
def licence_replacement(
    item_owner: Any, reviewer: Any, other_department: Any, province_department: Any
) -> Any:
    """营业执照遗失补领: for enterprises, by 宜昌市市场监督管理局, instant, online only."""
    editor = StaffFactory(
        username="yichang_editor", role="department_admin", department=other_department
    )
    return publish_item(
        item_owner=item_owner,
        editor=editor,
        reviewer=reviewer,
        department=other_department,
        code="000105002000",
        name="营业执照遗失补领",
        service_objects=["enterprise"],
        themes=["qualification"],
        channels=["online"],
        statutory_limit_days=None,
        max_trips=0,
        version={"handling_kind": "instant", "phone": "0717-1234567"},
    )


@pytest.fixture
def food_licence(
    item_owner: Any, catalog_editor: Any, reviewer: Any, owning_department: Any
) -> Any:
    """食品经营许可 by 武昌区市场监督管理局: shares the ID card and the applicant's name with
    个体工商户设立登记, and adds a health certificate from shared data."""
    return publish_item(
        item_owner=item_owner,
        editor=catalog_editor,
        reviewer=reviewer,
        department=owning_department,
        code="000105003000",
        name="食品经营许可",
        themes=["operation"],
        result_name="食品经营许可证",
        result_license_type="food_business_licence",
        statutory_limit_days=20,
        fees=[{"name": "许可证工本费", "amount": "10", "basis": "鄂价费〔2020〕1号"}],
        materials=[
            {
                "code": "F01",
                "name": "食品经营许可申请书",
                "form": "original",
                "copies": 1,
                "required": True,
            },
            {
                "code": "F02",
                "name": "法定代表人身份证",
                "form": "copy",
                "copies": 1,
                "required": False,  # met by an e-licence when held; else optional here
                "source": "licence",
                "license_type": "resident_id_card",
                "meaning": "applicant.id_card",
            },
            {
                "code": "F03",
                "name": "从业人员健康证明",
                "form": "copy",
                "copies": 1,
                "required": True,
                "source": "shared_data",
                "shared_data": "health_certificate",
            },
        ],
        version={"promised_limit_days": 10, "form_schema": FOOD_FORM},
    )


def make_life_event(
    *, actor: Any, reviewer: Any, members: list[str], publish: bool = True, **fields: Any
) -> Any:
    data = {
        "code": "restaurant",
        "name": "开办餐饮店",
        "description": "个体经营者开办餐饮店,一次申请营业执照和食品经营许可。",
        "department_code": "420106-SCJG",
        "service_objects": ["citizen"],
        "themes": ["establishment"],
        "promised_limit_days": 8,
        "members": members,
        **fields,
    }
    event = services.save_life_event(actor=actor, data=LifeEventIn(**data))
    if publish:
        event = services.set_life_event_status(actor=reviewer, event=event, status="published")
    return event


@pytest.fixture
def restaurant(published: Any, food_licence: Any, catalog_editor: Any, reviewer: Any) -> Any:
    return make_life_event(
        actor=catalog_editor, reviewer=reviewer, members=[published.code, food_licence.code]
    )
