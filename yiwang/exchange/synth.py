"""Synthetic base data (人口、法人、信用基础库) for demos and benchmarks:
``yiwang exchange synth --people N --entities M [--credit K]``.

Everything is a pure function of the seed and the row's position, generated in fixed chunks of
:data:`CHUNK` rows, so a run is repeatable, streams (memory does not grow with N) and can be
spread over worker processes. Rows are written as the ORM would write them: personal fields as
SM4-GCM ciphertext with their blind index beside them (:mod:`yiwang.kernel.crypto`, with the
purpose the :class:`~yiwang.kernel.fields.SensitiveField` uses), so ``lookup()`` finds them and
the models decrypt them. PostgreSQL gets ``COPY ... FROM STDIN``: into an empty table in
one transaction, its secondary indexes dropped first and built once at the end (inserting into
the randomly keyed blind-index btrees is what slows a large load); when appending, in
transactions of ``batch_size`` rows. SQLite gets ``executemany`` of the same rows
(``bulk_create`` would encrypt a second time).

ID numbers are unique: birth date and sequence number come from a fixed permutation of the
row's position (:func:`_person_slot`), so an ``--append`` run, which continues from the current
row count, never repeats one. Credit codes likewise (:func:`_entity_slot`).
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import multiprocessing
import random
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.db.models import Max, Min, Model
from django.utils import timezone
from stdnum import numdb
from stdnum.cn import ric, uscc

from yiwang.kernel import crypto
from yiwang.kernel.fields import SensitiveField
from yiwang.kernel.models import BaseCreditRecord, BaseLegalEntity, BasePerson

#: Rows per generation chunk; part of the determinism contract (a chunk's rows depend on it).
CHUNK = 5_000
#: Rows per COPY/transaction.
BATCH = 50_000
#: ``maintenance_work_mem`` for building a freshly filled table's indexes (PostgreSQL).
INDEX_BUILD_MEMORY = "256MB"

REGIONS_CSV = Path(__file__).resolve().parents[1] / "kernel" / "fixtures" / "regions_hubei.csv"

FIRST_BIRTH = dt.date(1940, 1, 1)
LAST_BIRTH = dt.date(2023, 12, 31)
_DAYS = (LAST_BIRTH - FIRST_BIRTH).days + 1
#: Distinct (birth date, sequence) slots: the most people one table can hold.
PEOPLE_SPACE = _DAYS * 1000
#: Distinct organisation-code bodies (8 digits).
ENTITY_SPACE = 10**8
# Multipliers of the slot permutations: coprime with their space, near the golden ratio so
# neighbouring rows land far apart.
_PERSON_STEP = 18_961_793
_ENTITY_STEP = 61_803_401

PERSON_COLUMNS = (
    "name",
    "name_index",
    "id_number",
    "id_number_index",
    "gender",
    "birth_date",
    "ethnicity",
    "address",
    "address_index",
    "household_region",
    "updated_at",
)
ENTITY_COLUMNS = (
    "credit_code",
    "name",
    "representative_name",
    "representative_name_index",
    "representative_id_number",
    "representative_id_number_index",
    "entity_type",
    "registered_capital",
    "established_on",
    "address",
    "status",
    "region",
    "updated_at",
)
CREDIT_COLUMNS = (
    "credit_code",
    "kind",
    "title",
    "decided_by",
    "decided_on",
    "expires_on",
    "updated_at",
)

# --- word lists ---------------------------------------------------------------------------

#: Common surnames, most frequent first, with rough weights (per mille).
SURNAMES = (
    ("王", 72), ("李", 72), ("张", 68), ("刘", 54), ("陈", 46), ("杨", 31), ("黄", 23),
    ("赵", 22), ("吴", 21), ("周", 21), ("徐", 17), ("孙", 16), ("马", 15), ("朱", 14),
    ("胡", 14), ("郭", 13), ("何", 12), ("林", 11), ("高", 11), ("罗", 11), ("郑", 10),
    ("梁", 9), ("谢", 8), ("宋", 8), ("唐", 8), ("许", 7), ("韩", 7), ("邓", 7), ("冯", 7),
    ("曹", 7), ("彭", 7), ("曾", 6), ("肖", 6), ("田", 6), ("董", 5), ("潘", 5), ("袁", 5),
    ("蔡", 5), ("蒋", 5), ("余", 5), ("于", 5), ("杜", 5), ("叶", 5), ("程", 5), ("魏", 4),
    ("苏", 4), ("吕", 4), ("丁", 4), ("任", 4), ("卢", 4), ("姚", 4), ("沈", 4), ("钟", 4),
    ("姜", 4), ("崔", 3), ("谭", 3), ("陆", 3), ("范", 3), ("汪", 3), ("廖", 3), ("石", 3),
    ("金", 3), ("韦", 3), ("贾", 3), ("夏", 3), ("付", 3), ("方", 3), ("邹", 3), ("熊", 3),
    ("白", 3), ("孟", 3), ("秦", 3), ("邱", 3), ("侯", 3), ("江", 3), ("尹", 3), ("薛", 2),
    ("闫", 2), ("段", 2), ("雷", 2), ("龙", 2), ("黎", 2), ("史", 2), ("陶", 2), ("贺", 2),
    ("毛", 2), ("郝", 2), ("顾", 2), ("龚", 2), ("邵", 2), ("万", 2), ("覃", 2), ("武", 2),
    ("欧阳", 1), ("诸葛", 1), ("司马", 1), ("上官", 1),
)  # fmt: skip
GIVEN_MALE = tuple(
    "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林欣晨阳博文亮建国志峰成东"
)
GIVEN_FEMALE = tuple("芳娜敏静丽艳娟霞秀英华玲燕萍红梅琳雪倩婷颖慧琴云洁佳欣悦晶月雯璐诗涵瑶怡")
GIVEN_ANY = tuple("子一思梓雨嘉宇晓海天新春秋")
#: 民族, with rough weights for Hubei (土家族 in 恩施, 长阳, 五峰).
ETHNICITIES = (("汉族", 955), ("土家族", 35), ("苗族", 4), ("回族", 3), ("侗族", 2), ("满族", 1))
STREETS = (
    "解放路", "中山路", "人民路", "建设大道", "和平大道", "友谊路", "新华路", "民主路",
    "胜利街", "光明路", "幸福路", "长江路", "汉江路", "东湖路", "沿江大道", "青年路",
    "团结路", "学府路", "文化路", "园林路",
)  # fmt: skip
TRADE_NAMES = (
    "鑫达", "华信", "恒通", "瑞丰", "荆楚", "长江", "汉水", "楚天", "金鹏", "宏远",
    "天诚", "博源", "佳禾", "新程", "正和", "联创", "锦程", "丰泰", "盛世", "万象",
    "兴业", "和顺", "九州", "东方", "明德", "诚信", "安泰", "远航", "汇通", "启航",
)  # fmt: skip
INDUSTRIES = (
    "商贸", "科技", "建筑工程", "物流", "餐饮管理", "信息技术", "农业开发", "医药",
    "文化传媒", "机械设备", "建材", "电子商务", "环保科技", "教育咨询", "物业管理",
)  # fmt: skip
#: (type, weight, registration-authority + organisation-type digits of the credit code).
ENTITY_TYPES = (
    ("有限责任公司", 62, "91"),
    ("股份有限公司", 4, "91"),
    ("个人独资企业", 6, "91"),
    ("个体工商户", 24, "92"),
    ("农民专业合作社", 4, "93"),
)
#: 登记状态: 存续 (active), 注销 (deregistered), 吊销 (revoked).
ENTITY_STATUSES = (("active", 90), ("deregistered", 7), ("revoked", 3))
CREDIT_KINDS = (
    (
        "red",
        5,
        ("纳税信用A级纳税人", "守合同重信用企业", "诚信经营示范单位"),
        ("税务局", "市场监督管理局"),
    ),
    (
        "black",
        2,
        ("严重违法失信主体", "拖欠农民工工资失信联合惩戒对象", "重大税收违法失信主体"),
        ("市场监督管理局", "人力资源和社会保障局", "税务局"),
    ),
    (
        "penalty",
        8,
        ("未按规定公示年度报告", "销售不合格产品", "违反食品安全法规定", "无证经营"),
        ("市场监督管理局", "生态环境局", "应急管理局"),
    ),
)


# --- regions --------------------------------------------------------------------------------


@dataclass(frozen=True)
class County:
    code: str  # 6 digits
    name: str
    city: str  # the city's name ("" for province-managed counties)


@functools.cache
def counties(scope: str = "42") -> tuple[County, ...]:
    """The current county-level divisions under ``scope`` (2, 4 or 6 digits), from the
    kernel's shipped Hubei division list."""
    with REGIONS_CSV.open(encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    names = {row["code"]: row["name"] for row in rows}
    found = tuple(
        County(row["code"], row["name"], names.get(row["code"][:4], ""))
        for row in rows
        if len(row["code"]) == 6 and row["code"].startswith(scope)
    )
    if not found:
        raise ValueError(f"no county-level division under {scope!r} in {REGIONS_CSV.name}")
    return found


@functools.cache
def _code_years(code: str) -> tuple[tuple[int, int], ...]:
    """The years in which division ``code`` was assigned, by stdnum's ``cn/loc`` table (the
    rule ``cn.ric`` checks: an ID number's region must have existed in the birth year)."""
    found = numdb.get("cn/loc").info(code)
    info = {k: v for _part, props in found for k, v in props.items()}
    spans = []
    for county in info.get("county", "").split(",") if "county" in info else []:
        if not county.startswith("["):
            return ((0, 9999),)
        start, end = county[1:].split("]")[0].split("-")
        spans.append((int(start or 0), int(end or 9999)))
    return tuple(spans)


def _code_valid_in(code: str, year: int) -> bool:
    return any(start <= year <= end for start, end in _code_years(code))


@functools.cache
def id_region(county: County, year: int) -> str:
    """The region part of an ID number for someone now registered in ``county`` and born in
    ``year``: the county's code if it existed then, else its city's, else the province's."""
    for code in (county.code, county.code[:4] + "00", county.code[:2] + "0000"):
        if _code_valid_in(code, year):
            return code
    raise ValueError(f"no division code of {county.code} existed in {year}")


# --- identifiers ------------------------------------------------------------------------------


def id_number(region: str, birth: dt.date, sequence: int) -> str:
    """A resident ID number (GB 11643) with its ISO 7064 MOD 11-2 check digit."""
    body = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return body + ric.calc_check_digit(body + "0")


def organisation_code(body: str) -> str:
    """An organisation code (GB 11714): 8 characters and their MOD 11 check character."""
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(c, 36) * w for c, w in zip(body, weights, strict=True))
    check = 11 - total % 11
    return body + ("X" if check == 10 else "0" if check == 11 else str(check))


def credit_code(prefix: str, region: str, org_body: str) -> str:
    """A unified social credit code (GB 32100): authority and type (2), region (6),
    organisation code (9, with its own check) and the MOD 31 check character."""
    body = prefix + region + organisation_code(org_body)
    return body + uscc.calc_check_digit(body + "0")


def _person_slot(index: int) -> tuple[dt.date, int]:
    """Birth date and sequence number of the ``index``-th person: a bijection on
    [0, PEOPLE_SPACE), so no two rows share an ID number whatever their region."""
    if index >= PEOPLE_SPACE:
        raise ValueError(f"at most {PEOPLE_SPACE} synthetic people fit the ID number space")
    slot = (index * _PERSON_STEP + 7_654_321) % PEOPLE_SPACE
    return FIRST_BIRTH + dt.timedelta(days=slot // 1000), slot % 1000


def _entity_slot(index: int) -> str:
    if index >= ENTITY_SPACE:
        raise ValueError(f"at most {ENTITY_SPACE} synthetic entities fit the code space")
    return f"{(index * _ENTITY_STEP + 12_345_678) % ENTITY_SPACE:08d}"


# --- rows ---------------------------------------------------------------------------------


def _purpose(model: type[Model], name: str) -> str:
    field_ = model._meta.get_field(name)
    if not isinstance(field_, SensitiveField):
        raise TypeError(f"{model.__name__}.{name} is not a SensitiveField")
    return field_.purpose


def _sealed(value: str, purpose: str) -> tuple[str, str]:
    """(stored value, blind index) exactly as SensitiveField.pre_save/get_prep_value make them."""
    if not value:
        return value, ""
    return crypto.encrypt(value, purpose=purpose), crypto.blind_index(value, purpose=purpose)


def _weighted(items: Iterable[tuple[Any, ...]]) -> tuple[list[Any], list[int]]:
    items = list(items)
    return [item[0] for item in items], [item[1] for item in items]


@dataclass(frozen=True)
class Plan:
    """What one run generates: the row range of each kind and the shared context."""

    seed: int
    scope: str
    now: dt.datetime
    today: dt.date
    #: (pk, name, id_number, birth_date) of existing people to make representatives of.
    representatives: tuple[tuple[int, str, str, dt.date], ...] = ()
    #: Credit codes of existing entities to give credit records.
    entity_codes: tuple[str, ...] = ()


def _rng(plan: Plan, kind: str, chunk: int) -> random.Random:
    return random.Random(f"{plan.seed}:{plan.scope}:{kind}:{chunk}")  # noqa: S311 (synthetic)


def _person_name(rng: random.Random, male: bool) -> str:
    surnames, weights = _SURNAME_TABLE
    surname: str = rng.choices(surnames, weights)[0]
    pool = GIVEN_MALE if male else GIVEN_FEMALE
    if rng.random() < 0.3:
        return surname + rng.choice(pool)
    first = rng.choice(GIVEN_ANY) if rng.random() < 0.3 else rng.choice(pool)
    return surname + first + rng.choice(pool)


_SURNAME_TABLE = _weighted(SURNAMES)
_ETHNICITY_TABLE = _weighted(ETHNICITIES)
_TYPE_TABLE = (list(ENTITY_TYPES), [t[1] for t in ENTITY_TYPES])
_STATUS_TABLE = _weighted(ENTITY_STATUSES)
_CREDIT_TABLE = (list(CREDIT_KINDS), [k[1] for k in CREDIT_KINDS])


def _address(rng: random.Random, county: County) -> str:
    return (
        f"湖北省{county.city}{county.name}{rng.choice(STREETS)}"
        f"{rng.randint(1, 399)}号{rng.randint(1, 30)}栋{rng.randint(1, 28)}0{rng.randint(1, 4)}室"
    )


def people_rows(plan: Plan, chunk: int, start: int, stop: int) -> list[tuple[Any, ...]]:
    """Rows (PERSON_COLUMNS, stored form) of people ``start``..``stop-1`` of chunk ``chunk``."""
    rng = _rng(plan, "person", chunk)
    regions = counties(plan.scope)
    name_p = _purpose(BasePerson, "name")
    id_p = _purpose(BasePerson, "id_number")
    address_p = _purpose(BasePerson, "address")
    ethnicities, ethnicity_weights = _ETHNICITY_TABLE
    rows = []
    for index in range(start, stop):
        birth, sequence = _person_slot(index)
        male = sequence % 2 == 1
        county = rng.choice(regions)
        number = id_number(id_region(county, birth.year), birth, sequence)
        name = _person_name(rng, male)
        ethnicity = (
            rng.choices(ethnicities, ethnicity_weights)[0]
            if county.code[:4] in {"4228", "4205"}
            else ("汉族" if rng.random() < 0.985 else rng.choice(ethnicities[1:]))
        )
        address = _address(rng, county)
        rows.append(
            (
                *_sealed(name, name_p),
                *_sealed(number, id_p),
                "男" if male else "女",
                birth,
                ethnicity,
                *_sealed(address, address_p),
                county.code,
                plan.now,
            )
        )
    return rows


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def entity_rows(plan: Plan, chunk: int, start: int, stop: int) -> list[tuple[Any, ...]]:
    """Rows (ENTITY_COLUMNS, stored form) of entities ``start``..``stop-1``."""
    if not plan.representatives:
        raise ValueError("legal entities need people to be their representatives")
    rng = _rng(plan, "entity", chunk)
    regions = counties(plan.scope)
    name_p = _purpose(BaseLegalEntity, "representative_name")
    id_p = _purpose(BaseLegalEntity, "representative_id_number")
    types, type_weights = _TYPE_TABLE
    statuses, status_weights = _STATUS_TABLE
    rows = []
    for index in range(start, stop):
        kind, _weight, prefix = rng.choices(types, type_weights)[0]
        county = rng.choice(regions)
        code = credit_code(prefix, county.code, _entity_slot(index))
        _pk, rep_name, rep_id, rep_birth = rng.choice(plan.representatives)
        earliest = max(_add_years(rep_birth, 18), dt.date(1992, 1, 1))
        latest = plan.today - dt.timedelta(days=30)
        established = earliest + dt.timedelta(days=rng.randint(0, max((latest - earliest).days, 0)))
        trade = rng.choice(TRADE_NAMES)
        industry = rng.choice(INDUSTRIES)
        if kind == "个体工商户":
            name = f"{county.name}{trade}{industry}经营部"
            capital = Decimal(rng.randint(1, 50))
        elif kind == "农民专业合作社":
            name = f"{county.name}{trade}种养殖专业合作社"
            capital = Decimal(rng.randint(10, 500))
        else:
            place = county.city or county.name
            suffix = "股份有限公司" if kind == "股份有限公司" else "有限公司"
            if kind == "个人独资企业":
                suffix = "店"
            name = f"{place}{trade}{industry}{suffix}"
            capital = Decimal(rng.choice((10, 50, 100, 200, 500, 1000, 3000, 5000)))
        rows.append(
            (
                code,
                name,
                *_sealed(rep_name, name_p),
                *_sealed(rep_id, id_p),
                kind,
                capital,
                established,
                _address(rng, county),
                rng.choices(statuses, status_weights)[0],
                county.code,
                plan.now,
            )
        )
    return rows


def credit_rows(plan: Plan, chunk: int, start: int, stop: int) -> list[tuple[Any, ...]]:
    """Rows (CREDIT_COLUMNS) of credit records ``start``..``stop-1``, for existing entities."""
    if not plan.entity_codes:
        raise ValueError("credit records need legal entities")
    rng = _rng(plan, "credit", chunk)
    kinds, weights = _CREDIT_TABLE
    rows = []
    for _index in range(start, stop):
        kind, _weight, titles, authorities = rng.choices(kinds, weights)[0]
        code = rng.choice(plan.entity_codes)
        county = next((c for c in counties(plan.scope) if c.code == code[2:8]), None)
        place = (county.city or county.name) if county else "湖北省"
        decided = plan.today - dt.timedelta(days=rng.randint(1, 6 * 365))
        years = {"red": 2, "black": 3, "penalty": rng.choice((1, 3))}[kind]
        rows.append(
            (
                code,
                kind,
                rng.choice(titles),
                place + rng.choice(authorities),
                decided,
                _add_years(decided, years),
                plan.now,
            )
        )
    return rows


# --- writing --------------------------------------------------------------------------------

_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_value(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    return str(value)


def copy_text(rows: Iterable[tuple[Any, ...]]) -> str:
    """Rows in PostgreSQL's COPY text format."""
    return "".join("\t".join(map(_copy_value, row)) + "\n" for row in rows)


Generator = Callable[[Plan, int, int, int], list[tuple[Any, ...]]]
_GENERATORS: dict[str, tuple[Generator, type[Model], tuple[str, ...]]] = {
    "people": (people_rows, BasePerson, PERSON_COLUMNS),
    "entities": (entity_rows, BaseLegalEntity, ENTITY_COLUMNS),
    "credit": (credit_rows, BaseCreditRecord, CREDIT_COLUMNS),
}


def _work(task: tuple[str, Plan, int, int, int, bool]) -> tuple[int, Any]:
    """One chunk, in a worker or in process: (row count, rows or their COPY text)."""
    kind, plan, chunk, start, stop, as_text = task
    rows = _GENERATORS[kind][0](plan, chunk, start, stop)
    return len(rows), copy_text(rows) if as_text else rows


def chunks(kind: str, plan: Plan, first: int, count: int, *, as_text: bool, jobs: int = 1
           ) -> Iterator[tuple[int, Any]]:  # fmt: skip
    """Generated chunks of rows ``first``..``first+count-1``, in order. With ``jobs`` > 1 they
    are made by worker processes, at most ``2 * jobs`` chunks ahead (memory stays bounded)."""
    tasks = []
    index = first
    while index < first + count:
        chunk = index // CHUNK
        stop = min((chunk + 1) * CHUNK, first + count)
        tasks.append((kind, plan, chunk, index, stop, as_text))
        index = stop
    if jobs <= 1:
        yield from map(_work, tasks)
        return
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        pending: deque[Any] = deque()
        queue = iter(tasks)
        for task in queue:
            pending.append(pool.apply_async(_work, (task,)))
            if len(pending) >= 2 * jobs:
                break
        while pending:
            yield pending.popleft().get()
            following = next(queue, None)
            if following is not None:
                pending.append(pool.apply_async(_work, (following,)))


def _write_batch(model: type[Model], columns: tuple[str, ...], parts: list[Any]) -> None:
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for text in parts:
                    copy.write(text)
        else:
            marks = ", ".join(["%s"] * len(columns))
            sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608 (our names)
            for rows in parts:
                cursor.executemany(sql, rows)


@dataclass(frozen=True)
class _Index:
    name: str
    definition: str  # CREATE INDEX ... or a constraint definition (UNIQUE (...))
    constraint: bool


def _secondary_indexes(model: type[Model]) -> list[_Index]:
    """The PostgreSQL indexes of ``model``'s table other than its primary key, with the unique
    constraints behind some of them; those a foreign key depends on are left out (they stay)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.relname, pg_get_indexdef(i.oid), c.conname, pg_get_constraintdef(c.oid)
            FROM pg_index x
            JOIN pg_class i ON i.oid = x.indexrelid
            LEFT JOIN pg_constraint c ON c.conindid = x.indexrelid AND c.conrelid = x.indrelid
            WHERE x.indrelid = %s::regclass AND NOT x.indisprimary
              AND NOT EXISTS (
                  SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = x.indexrelid
              )
            ORDER BY i.relname
            """,
            [model._meta.db_table],
        )
        return [
            _Index(conname, condef, True) if conname else _Index(relname, indexdef, False)
            for relname, indexdef, conname, condef in cursor.fetchall()
        ]


@contextmanager
def _indexes_built_after(model: type[Model]) -> Iterator[None]:
    """Inside one transaction: drop the table's secondary indexes, let the caller load the
    rows, then build the indexes again in one sorted pass each. Filling an empty table so is
    several times faster than inserting into randomly keyed btrees (the blind indexes) that
    outgrow memory; if anything fails the transaction rolls back, indexes included."""
    table = connection.ops.quote_name(model._meta.db_table)
    indexes = _secondary_indexes(model)
    with transaction.atomic(), connection.cursor() as cursor:
        for index in indexes:
            name = connection.ops.quote_name(index.name)
            if index.constraint:
                cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
            else:
                cursor.execute(f"DROP INDEX {name}")
        yield
        cursor.execute(f"SET LOCAL maintenance_work_mem = '{INDEX_BUILD_MEMORY}'")
        for index in indexes:
            if index.constraint:
                name = connection.ops.quote_name(index.name)
                cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {index.definition}")
            else:
                cursor.execute(index.definition)


def write(
    kind: str,
    plan: Plan,
    first: int,
    count: int,
    *,
    jobs: int = 1,
    batch_size: int = BATCH,
    advance: Callable[[int], object] = lambda n: None,
) -> int:
    """Generate and store rows ``first``..``first+count-1`` of ``kind``. An empty PostgreSQL
    table is filled in one transaction with its indexes built at the end (an interrupted fill
    leaves the table as it was); otherwise one transaction per ``batch_size`` rows (an
    interrupted run keeps whole batches; ``--append`` continues)."""
    model = _GENERATORS[kind][1]
    as_text = connection.vendor == "postgresql"
    if as_text and first == 0 and not model._default_manager.exists():
        # A fresh fill: one transaction, the indexes built once at the end.
        with _indexes_built_after(model):
            return _write_rows(kind, plan, first, count, jobs, batch_size, advance)
    return _write_rows(kind, plan, first, count, jobs, batch_size, advance)


def _write_rows(
    kind: str,
    plan: Plan,
    first: int,
    count: int,
    jobs: int,
    batch_size: int,
    advance: Callable[[int], object],
) -> int:
    _generate, model, columns = _GENERATORS[kind]
    as_text = connection.vendor == "postgresql"
    parts: list[Any] = []
    pending = written = 0
    for size, part in chunks(kind, plan, first, count, as_text=as_text, jobs=jobs):
        parts.append(part)
        pending += size
        advance(size)
        if pending >= batch_size:
            _write_batch(model, columns, parts)
            written += pending
            parts, pending = [], 0
    if parts:
        _write_batch(model, columns, parts)
        written += pending
    return written


# --- the run --------------------------------------------------------------------------------


class AlreadyFilled(Exception):
    """The base tables already hold rows and ``append`` was not asked for."""


@dataclass
class SynthResult:
    people: int = 0
    entities: int = 0
    credit: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    def rate(self, kind: str) -> float:
        seconds = self.seconds.get(kind) or 0.0
        count: int = getattr(self, kind)
        return count / seconds if seconds else 0.0


def _sample_pks(model: type[Model], rng: random.Random, size: int) -> list[int]:
    bounds = model._default_manager.aggregate(low=Min("pk"), high=Max("pk"))
    if bounds["low"] is None:
        return []
    low, high = bounds["low"], bounds["high"]
    if high - low + 1 <= size:
        return list(range(low, high + 1))
    return sorted(rng.sample(range(low, high + 1), size))


def _representatives(seed: int, today: dt.date, size: int = 5_000) -> tuple[Any, ...]:
    """Adult people already stored, read through the ORM (so decrypted): a deterministic
    sample for a given table."""
    pks = _sample_pks(BasePerson, random.Random(f"{seed}:representatives"), size)  # noqa: S311
    adult = _add_years(today, -19)
    found: list[tuple[int, str, str, dt.date]] = []
    for i in range(0, len(pks), 1_000):
        found.extend(
            (pk, name, number, birth)
            for pk, name, number, birth in BasePerson.objects.filter(
                pk__in=pks[i : i + 1_000], birth_date__lte=adult
            )
            .order_by("pk")
            .values_list("pk", "name", "id_number", "birth_date")
            if birth is not None
        )
    return tuple(found)


def _entity_codes(seed: int, size: int = 20_000) -> tuple[str, ...]:
    pks = _sample_pks(BaseLegalEntity, random.Random(f"{seed}:credit-entities"), size)  # noqa: S311
    codes: list[str] = []
    for i in range(0, len(pks), 5_000):
        codes.extend(
            BaseLegalEntity.objects.filter(pk__in=pks[i : i + 5_000])
            .order_by("pk")
            .values_list("credit_code", flat=True)
        )
    return tuple(codes)


def synthesize(
    *,
    people: int = 0,
    entities: int = 0,
    credit: int = 0,
    seed: int = 1,
    region: str = "42",
    append: bool = False,
    jobs: int = 1,
    batch_size: int = BATCH,
    progress: bool = True,
) -> SynthResult:
    """Fill the base tables with ``people`` people, ``entities`` legal entities (their
    representatives drawn from the stored people) and ``credit`` credit records (of stored
    entities). Refuses tables that already hold rows unless ``append``."""
    counties(region)  # an unknown region fails before anything is written
    wanted = {"people": people, "entities": entities, "credit": credit}
    existing = {
        kind: _GENERATORS[kind][1]._default_manager.count() if n else 0
        for kind, n in wanted.items()
    }
    filled = [kind for kind, n in existing.items() if n]
    if filled and not append:
        raise AlreadyFilled(
            f"base tables already hold rows ({', '.join(f'{k}: {existing[k]}' for k in filled)});"
            " pass --append to add more"
        )
    now = timezone.now()
    plan = Plan(seed=seed, scope=region, now=now, today=timezone.localdate(now))
    result = SynthResult()
    with _Progress(progress) as bar:
        for kind, count in wanted.items():
            if count <= 0:
                continue
            if kind == "entities":
                plan = replace(plan, representatives=_representatives(seed, plan.today))
            elif kind == "credit":
                plan = replace(plan, entity_codes=_entity_codes(seed))
            started = time.perf_counter()
            advance = bar.task(kind, count)
            setattr(
                result,
                kind,
                write(kind, plan, existing[kind], count, jobs=jobs, batch_size=batch_size,
                      advance=advance),
            )  # fmt: skip
            result.seconds[kind] = time.perf_counter() - started
    return result


class _Progress:
    """A rich progress bar on standard error (rows, rows/s), or nothing."""

    def __init__(self, enabled: bool) -> None:
        self.progress: Any = None
        if enabled:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                ProgressColumn,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )
            from rich.text import Text

            class RateColumn(ProgressColumn):
                def render(self, task: Any) -> Text:
                    return Text(f"{task.speed or 0:,.0f} 行/秒")

            self.progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                RateColumn(),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=Console(stderr=True),
            )

    def __enter__(self) -> _Progress:
        if self.progress is not None:
            self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.stop()

    def task(self, kind: str, total: int) -> Callable[[int], object]:
        if self.progress is None:
            return lambda n: None
        labels = {"people": "人口", "entities": "法人", "credit": "信用记录"}
        task_id = self.progress.add_task(labels[kind], total=total)
        return lambda n: self.progress.update(task_id, advance=n)
