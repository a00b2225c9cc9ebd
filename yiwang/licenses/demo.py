"""Demo licence types and licences, so the wallet, verification and 亮证 show real licences
after ``yiwang demo``:

* 营业执照 and 食品经营许可证 of 武汉长江餐饮管理有限公司 (represented by 张伟), issued by
  武昌区市场监督管理局;
* 张伟's 结婚证, issued to his account, and his 居民户口簿, imported from paper (matched to
  him by his ID number only);
* 武昌区市场监督管理局 verified as a user department, so its clerks can read a licence
  shown to them.

The type codes are the catalogue's (``business_licence``, ``food_business_licence``, ...),
so completed demo cases whose result is one of them get their licence. Safe to run again."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model

from yiwang.kernel.demo import ENTITIES, PERSONS, demo_credit_code, person_id_number
from yiwang.kernel.fields import lookup
from yiwang.kernel.models import Department
from yiwang.licenses import services
from yiwang.licenses.models import License, LicenseType, LicenseUserDepartment

ISSUER = "420106-SCJG"
CIVIL_AFFAIRS = "4201-ZWSJ"  # stands in for a civil affairs bureau in the demo regions
POLICE = "4201-GAJ"


def _text(title: str) -> dict[str, Any]:
    return {"type": "string", "title": title, "minLength": 1}


#: (code, identifier code, name, holder kind, validity years, department kind, fields)
TYPES: list[tuple[str, str, str, str, int | None, str, dict[str, str]]] = [
    (
        "business_licence",
        "YYZZ",
        "营业执照",
        "either",  # a company's, or a sole trader's (个体工商户) issued to the person
        None,
        "市场监督管理部门",
        {
            "name": "名称",
            "entity_type": "类型",
            "legal_representative": "法定代表人(经营者)",
            "registered_capital": "注册资本",
            "established_on": "成立日期",
            "address": "住所(经营场所)",
            "business_scope": "经营范围",
        },
    ),
    (
        "food_business_licence",
        "SPJY",
        "食品经营许可证",
        "entity",
        5,
        "市场监督管理部门",
        {
            "operator_name": "经营者名称",
            "legal_representative": "法定代表人(负责人)",
            "premises": "经营场所",
            "main_business": "主体业态",
            "business_items": "经营项目",
        },
    ),
    (
        "marriage_certificate",
        "JHZ",
        "结婚证",
        "person",
        None,
        "民政部门",
        {
            "spouse_name": "配偶姓名",
            "registered_on": "登记日期",
            "certificate_no": "结婚证字号",
        },
    ),
    (
        "household_register",
        "HKB",
        "居民户口簿",
        "person",
        None,
        "公安机关",
        {
            "household_type": "户别",
            "household_head": "户主姓名",
            "relationship": "与户主关系",
            "address": "住址",
        },
    ),
    (
        "resident_id_card",
        "JMSFZ",
        "居民身份证",
        "person",
        20,
        "公安机关",
        {"sex": "性别", "ethnicity": "民族", "address": "住址"},
    ),
]


#: Where a licence field's value comes from when a case issues it (``x-from``: form field
#: names or meanings, the first present wins), and which fields every licence of the type has
#: (the others only some: a company's capital, not a sole trader's).
SOURCES: dict[str, dict[str, list[str]]] = {
    "business_licence": {
        "name": ["shop_name", "entity.name"],
        "entity_type": ["organization_form", "entity_type"],
        "legal_representative": ["entity.legal_representative", "applicant.name"],
        "address": ["entity.address"],
        "business_scope": ["entity.business_scope"],
    },
}
OPTIONAL: dict[str, set[str]] = {
    "business_licence": {"entity_type", "registered_capital", "established_on"},
}


def _schema(code: str, fields: dict[str, str]) -> dict[str, Any]:
    sources = SOURCES.get(code, {})
    properties = {
        field: {**_text(title), **({"x-from": sources[field]} if field in sources else {})}
        for field, title in fields.items()
    }
    optional = OPTIONAL.get(code, set())
    return {
        "type": "object",
        "required": [f for f in fields if f not in optional],
        "properties": properties,
    }


def _ensure_types(actor: Any) -> int:
    created = 0
    for code, identifier_code, name, holder_kind, years, kind, fields in TYPES:
        if LicenseType.objects.filter(code=code).exists():
            continue
        services.create_type(
            actor=actor,
            code=code,
            identifier_code=identifier_code,
            name=name,
            holder_kind=holder_kind,
            validity_years=years,
            issuing_department_kind=kind,
            fields_schema=_schema(code, fields),
            layout=[{"field": field, "label": title} for field, title in fields.items()],
        )
        created += 1
    return created


def load(actor: Any, say: Any) -> None:
    created_types = _ensure_types(actor)
    credit_code = demo_credit_code(ENTITIES[0][0])
    entity_name = ENTITIES[0][1]
    name, birth, seq = PERSONS[0]
    id_number = person_id_number(birth, seq)
    zhang = get_user_model().objects.filter(username="zhangwei").first()
    issued = 0

    def has(type_code: str, **holder: Any) -> bool:
        return License.objects.filter(license_type__code=type_code, **holder).exists()

    if not has("business_licence", holder_credit_code=credit_code):
        services.issue(
            actor=actor,
            type_code="business_licence",
            issuer_department_code=ISSUER,
            holder_kind="entity",
            holder_name=entity_name,
            holder_credit_code=credit_code,
            data={
                "name": entity_name,
                "entity_type": "有限责任公司(自然人投资或控股)",
                "legal_representative": name,
                "registered_capital": "壹佰万元整",
                "established_on": "2021-03-18",
                "address": "武汉市武昌区中北路1号",
                "business_scope": "餐饮服务;餐饮管理;食品销售",
            },
            valid_from=dt.date(2021, 3, 18),
        )
        issued += 1
    if not has("food_business_licence", holder_credit_code=credit_code):
        services.issue(
            actor=actor,
            type_code="food_business_licence",
            issuer_department_code=ISSUER,
            holder_kind="entity",
            holder_name=entity_name,
            holder_credit_code=credit_code,
            data={
                "operator_name": entity_name,
                "legal_representative": name,
                "premises": "武汉市武昌区中北路1号一楼",
                "main_business": "餐饮服务经营者",
                "business_items": "热食类食品制售",
            },
        )
        issued += 1
    person = lookup(License, "holder_id_number", id_number)
    if not has("marriage_certificate", **person):
        services.issue(
            actor=actor,
            type_code="marriage_certificate",
            issuer_department_code=CIVIL_AFFAIRS,
            holder_kind="person",
            holder_name=name,
            holder_id_number=id_number,
            holder_user_id=zhang.pk if zhang else None,
            data={
                "spouse_name": PERSONS[4][0],
                "registered_on": "2015-05-20",
                "certificate_no": "J420106-2015-000520",
            },
            valid_from=dt.date(2015, 5, 20),
        )
        issued += 1
    if not has("household_register", **person):
        services.import_licenses(
            actor=actor,
            type_code="household_register",
            issuer_department_code=POLICE,
            rows=[
                {
                    "holder_name": name,
                    "holder_id_number": id_number,
                    "valid_from": "2010-09-01",
                    "household_type": "家庭户",
                    "household_head": name,
                    "relationship": "户主",
                    "address": "武汉市武昌区积玉桥街道和平大道100号",
                }
            ],
        )
        issued += 1
    if not has("resident_id_card", **person):
        services.issue(
            actor=actor,
            type_code="resident_id_card",
            issuer_department_code=POLICE,
            holder_kind="person",
            holder_name=name,
            holder_id_number=id_number,
            holder_user_id=zhang.pk if zhang else None,
            data={"sex": "男", "ethnicity": "汉", "address": "武汉市武昌区积玉桥街道和平大道100号"},
            valid_from=dt.date(2016, 8, 1),
        )
        issued += 1
    department = Department.objects.get(code=ISSUER)
    if not LicenseUserDepartment.objects.filter(
        department=department, revoked_at__isnull=True
    ).exists():
        services.verify_department(actor=actor, department_code=ISSUER)
    say(
        f"licence types: {created_types} created, {len(TYPES) - created_types} kept; "
        f"licences: {issued} issued ({entity_name}: 营业执照, 食品经营许可证; {name}: 结婚证, "
        f"居民户口簿 imported from paper, 居民身份证); {ISSUER} verified as a user department"
    )
