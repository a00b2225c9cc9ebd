"""Deterministic demo data of the kernel: Hubei's regions (a public extract of the national
statistical division codes) and a few departments."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from yiwang.kernel import services
from yiwang.kernel.models import Department, Region

REGIONS_CSV = Path(__file__).parent / "fixtures" / "regions_hubei.csv"

#: (code, name, region code)
DEPARTMENTS = [
    ("42-ZWSJ", "湖北省政务服务和大数据管理局", "42"),
    ("42-SCJG", "湖北省市场监督管理局", "42"),
    ("4201-ZWSJ", "武汉市政务服务和大数据管理局", "4201"),
    ("4201-SCJG", "武汉市市场监督管理局", "4201"),
    ("4201-RSJ", "武汉市人力资源和社会保障局", "4201"),
    ("4201-GAJ", "武汉市公安局", "4201"),
    ("420106-SCJG", "武昌区市场监督管理局", "420106"),
    ("420106-ZWSJ", "武昌区政务服务和大数据管理局", "420106"),
    ("4205-SCJG", "宜昌市市场监督管理局", "4205"),
    ("4206-SCJG", "襄阳市市场监督管理局", "4206"),
]


def load(actor: Any, say: Any) -> None:
    result = services.import_regions(REGIONS_CSV.read_bytes(), actor=actor)
    say(f"regions: {result.created} created, {result.unchanged + result.updated} kept")
    created = 0
    for code, name, region_code in DEPARTMENTS:
        if not Department.objects.filter(code=code).exists():
            services.create_department(
                actor=actor, code=code, name=name, region=Region.objects.get(code=region_code)
            )
            created += 1
    say(f"departments: {created} created, {len(DEPARTMENTS) - created} kept")
    load_base_data(say)


#: Demo persons of the population base data: (name, birth date, sequence). ID numbers are
#: made for 武昌区 (420106, a code in use since 1983) with valid check digits; they belong
#: to nobody.
PERSONS = [
    ("张伟", "19850312", "011"),
    ("王芳", "19900725", "022"),
    ("李娜", "19881103", "042"),
    ("刘洋", "19950218", "013"),
    ("陈静", "19880930", "024"),
    ("杨磊", "19860614", "035"),
    ("赵敏", "20000101", "046"),
    ("黄强", "19830808", "057"),
]

#: Demo legal entities: (credit code body without check character, name, representative).
ENTITIES = [
    ("91420106MA4K00001", "武汉长江餐饮管理有限公司", "张伟"),
    ("91420106MA4K00002", "武昌区黄鹤楼文化传媒有限公司", "王芳"),
    ("92420106MA4K00003", "武昌区李娜小吃店", "李娜"),
]


def person_id_number(birth: str, seq: str) -> str:
    from stdnum.cn import ric

    body = f"420106{birth}{seq}"
    return body + ric.calc_check_digit(body + "?")


def demo_credit_code(body: str) -> str:
    from stdnum.cn import uscc

    return body + uscc.calc_check_digit(body + "?")


def load_base_data(say: Any) -> None:
    from yiwang.kernel.fields import lookup
    from yiwang.kernel.models import BaseLegalEntity, BasePerson

    ids = {}
    created = 0
    for name, birth, seq in PERSONS:
        number = person_id_number(birth, seq)
        ids[name] = number
        if not BasePerson.objects.filter(**lookup(BasePerson, "id_number", number)).exists():
            BasePerson.objects.create(name=name, id_number=number)
            created += 1
    for body, entity_name, representative in ENTITIES:
        BaseLegalEntity.objects.get_or_create(
            credit_code=demo_credit_code(body),
            defaults={
                "name": entity_name,
                "representative_name": representative,
                "representative_id_number": ids[representative],
            },
        )
    say(f"base data: {created} demo persons created, {len(ENTITIES)} legal entities")
