"""The licence tests' fixtures: a food-business licence type (entity holder) and a marriage
certificate style type (person holder), an issuer (the owning department), its approver, a
real-name-verified citizen and a platform admin."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from tests.factories import AccountFactory, StaffFactory
from yiwang.licenses import services

ID_NUMBER = "420106198503120118"  # a valid check digit; belongs to nobody
CREDIT_CODE = "91420106MA4K00001J"

FOOD_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["business_name", "address", "scope"],
    "properties": {
        "business_name": {"type": "string", "title": "经营者名称", "minLength": 1},
        "address": {"type": "string", "title": "经营场所", "minLength": 1},
        "scope": {"type": "string", "title": "经营项目"},
        "seats": {"type": "integer", "title": "座位数", "minimum": 0},
    },
}
FOOD_LAYOUT = [
    {"field": "business_name", "label": "经营者名称"},
    {"field": "address", "label": "经营场所"},
    {"field": "scope", "label": "经营项目"},
]
FOOD_DATA = {
    "business_name": "武汉长江餐饮管理有限公司",
    "address": "武昌区中北路1号",
    "scope": "热食类食品制售",
}

PERSON_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["qualification"],
    "properties": {"qualification": {"type": "string", "title": "资格名称", "minLength": 1}},
}


@pytest.fixture
def approver(owning_department: Any) -> Any:
    return StaffFactory(username="approver", role="approver", department=owning_department)


@pytest.fixture
def food_type(db: None) -> Any:
    return services.create_type(
        actor="test",
        code="food_business_licence",
        identifier_code="SPJY",
        name="食品经营许可证",
        fields_schema=FOOD_SCHEMA,
        layout=FOOD_LAYOUT,
        holder_kind="entity",
        validity_years=5,
    )


@pytest.fixture
def person_type(db: None) -> Any:
    return services.create_type(
        actor="test",
        code="vocational_qualification",
        identifier_code="ZYZG",
        name="职业资格证书",
        fields_schema=PERSON_SCHEMA,
        layout=[{"field": "qualification", "label": "资格名称"}],
        holder_kind="person",
    )


@pytest.fixture
def verified_citizen(citizen: Any) -> Any:
    citizen.display_name = "张伟"
    citizen.id_number = ID_NUMBER
    citizen.verification_level = 1
    citizen.verified_at = timezone.now()
    citizen.save()
    return citizen


@pytest.fixture
def stranger(db: None) -> Any:
    return AccountFactory(username="stranger", is_staff=False)


def issue_food(approver: Any, department: Any, **overrides: Any) -> Any:
    kwargs: dict[str, Any] = {
        "actor": approver,
        "type_code": "food_business_licence",
        "issuer_department_code": department.code,
        "holder_kind": "entity",
        "holder_name": "武汉长江餐饮管理有限公司",
        "holder_credit_code": CREDIT_CODE,
        "data": dict(FOOD_DATA),
    }
    kwargs.update(overrides)
    return services.issue(**kwargs)


def issue_person(actor: Any, department: Any, user: Any = None, **overrides: Any) -> Any:
    kwargs: dict[str, Any] = {
        "actor": actor,
        "type_code": "vocational_qualification",
        "issuer_department_code": department.code,
        "holder_kind": "person",
        "holder_name": "张伟",
        "holder_id_number": ID_NUMBER,
        "holder_user_id": user.pk if user is not None else None,
        "data": {"qualification": "中式烹调师"},
    }
    kwargs.update(overrides)
    return services.issue(**kwargs)
