"""The exchange tests' fixtures, shared by every exchange test file.

Departments: 武汉市公安局 (``police``, provider of the population resource), 武汉市人力资源和
社会保障局 (``hrss``, a consumer), 宜昌市市场监督管理局 (``other_department``, an outsider).
Each has a data officer (``police_officer``, ``hrss_officer``, ``outsider_officer``).
``population`` is a published, unconditional resource (人口基础信息) with personal fields;
``household`` a published conditional one; ``population_grant`` the consumer's grant on
``population`` (all fields, masked); ``hrss_app`` the consumer's application and its key.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import DepartmentFactory, RegionTree, StaffFactory
from yiwang.exchange import services

POPULATION_FIELDS: list[dict[str, Any]] = [
    {"name": "id_number", "title": "公民身份号码", "type": "string", "personal": True},
    {"name": "name", "title": "姓名", "type": "string", "personal": True},
    {"name": "gender", "title": "性别", "type": "string"},
    {"name": "birth_date", "title": "出生日期", "type": "date"},
    {"name": "ethnicity", "title": "民族", "type": "string"},
    {"name": "address", "title": "住址", "type": "string", "personal": True},
    {"name": "household_region", "title": "户籍地行政区划", "type": "string"},
]


def resource_meta(**overrides: Any) -> dict[str, Any]:
    """Valid metadata of an unconditional resource (override any key)."""
    meta: dict[str, Any] = {
        "classification": "1.01.001",
        "name": "人口基础信息",
        "abstract": "本市户籍人口的公民身份号码、姓名、性别、出生日期、民族、住址等基础信息。",
        "format": "数据库",
        "share_type": "unconditional",
        "share_conditions": "",
        "legal_basis": "",
        "share_methods": ["api", "subscription"],
        "open_type": "not_open",
        "update_cycle": "daily",
    }
    meta.update(overrides)
    return meta


def fields_of(source: str, specs: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Field specs with ``authoritative_source`` filled in."""
    return [{"authoritative_source": source, **spec} for spec in (specs or POPULATION_FIELDS)]


def make_resource(
    actor: Any,
    provider: Any,
    code: str,
    *,
    publish: bool = True,
    fields: list[dict[str, Any]] | None = None,
    **meta: Any,
) -> Any:
    resource = services.create_resource(
        actor=actor,
        code=code,
        provider_code=provider.code,
        fields=fields if fields is not None else fields_of(provider.code),
        **resource_meta(**meta),
    )
    if publish:
        services.publish_resource(actor=actor, resource=resource)
        resource.refresh_from_db()
    return resource


@pytest.fixture
def police(regions: RegionTree) -> Any:
    return DepartmentFactory(code="4201-GAJ", name="武汉市公安局", region=regions.wuhan)


@pytest.fixture
def hrss(regions: RegionTree) -> Any:
    return DepartmentFactory(
        code="4201-RSJ", name="武汉市人力资源和社会保障局", region=regions.wuhan
    )


@pytest.fixture
def police_officer(police: Any) -> Any:
    return StaffFactory(username="police_officer", role="data_officer", department=police)


@pytest.fixture
def hrss_officer(hrss: Any) -> Any:
    return StaffFactory(username="hrss_officer", role="data_officer", department=hrss)


@pytest.fixture
def outsider_officer(other_department: Any) -> Any:
    return StaffFactory(
        username="outsider_officer", role="data_officer", department=other_department
    )


@pytest.fixture
def population(police_officer: Any, police: Any) -> Any:
    """人口基础信息: published, unconditional, API and subscription, with personal fields."""
    return make_resource(police_officer, police, "GA-RK-001")


@pytest.fixture
def household(police_officer: Any, police: Any) -> Any:
    """户籍变动信息: published, conditional."""
    return make_resource(
        police_officer,
        police,
        "GA-HJ-002",
        name="户籍变动信息",
        abstract="户籍迁入、迁出、变更记录。",
        share_type="conditional",
        share_conditions="用于社会保障待遇核定。",
        fields=fields_of(police.code, POPULATION_FIELDS[:3]),
    )


@pytest.fixture
def population_grant(hrss_officer: Any, population: Any) -> Any:
    """The consumer's grant on ``population`` (every field, personal fields masked)."""
    request = services.request_share(
        actor=hrss_officer,
        resource=population,
        fields=None,
        purpose="社保参保登记核验身份",
        legal_basis="《社会保险法》第五十八条",
    )
    return request.grant


@pytest.fixture
def hrss_app(hrss_officer: Any) -> tuple[Any, str]:
    """The consumer's application and its API key (shown once)."""
    app, key = services.create_app(actor=hrss_officer, name="社保业务系统")
    return app, key
