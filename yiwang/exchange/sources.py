"""The registry of base sources: the data behind table mounts (挂接).

``registered()`` names each source (``population``, ``legal_entities``, ``credit_records``,
``licence_index``); a :class:`Source` describes its fields and answers ``fetch(key, fields)``
with plain values (no masking here: the gateway masks by grant). Keys are validated first: a
malformed ID number or credit code raises :class:`InvalidKey` with a Chinese message. Personal
keys are found through their blind index, never by plaintext.

The licence index reads the licences module through its services only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Max, Model, QuerySet

from yiwang.kernel.errors import DomainError
from yiwang.kernel.fields import lookup
from yiwang.kernel.models import BaseCreditRecord, BaseLegalEntity, BasePerson
from yiwang.kernel.validators import validate_credit_code, validate_id_number

#: Above this many rows (by the planner's estimate) row_count() returns the estimate.
ESTIMATE_ABOVE = 1_000_000


class InvalidKey(ValueError):
    """A malformed key (ID number, credit code, licence identifier); ``message`` is Chinese,
    ``code`` the kernel's validation error code."""

    def __init__(self, message: str, code: str = "invalid_key") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


#: (name, title, type, personal); type is a catalogue FieldType value.
FieldSpec = tuple[str, str, str, bool]


@dataclass(frozen=True)
class Source:
    name: str
    title: str
    key_field: str
    fields: list[FieldSpec]
    #: key → normalised key, or raise InvalidKey.
    validate_key: Callable[[str], str]
    _rows: Callable[[str, list[str]], list[dict[str, Any]]]
    _count: Callable[[], int]
    _updated: Callable[[], dt.datetime | None]
    _sample: Callable[[int], list[dict[str, Any]]]
    #: For a base table: its model and the column holding a row's region code (what the
    #: cascade's backflow, 数据回流, reads and writes); None / '' for other sources.
    model: type[Model] | None = None
    region_field: str = ""

    @property
    def field_names(self) -> list[str]:
        return [f[0] for f in self.fields]

    def personal_fields(self) -> list[str]:
        return [f[0] for f in self.fields if f[3]]

    def row_count(self) -> int:
        return self._count()

    def data_updated_at(self) -> dt.datetime | None:
        return self._updated()

    def fetch(self, key: str, fields: list[str] | None = None) -> list[dict[str, Any]]:
        """Rows whose key equals ``key``: the asked ``fields`` (all when None) and ``_id``."""
        wanted = self.field_names if fields is None else list(fields)
        unknown = [f for f in wanted if f not in self.field_names]
        if unknown:
            raise ValueError(f"{self.name} has no field {', '.join(unknown)}")
        return self._rows(self.validate_key(key), wanted)

    def sample(self, n: int) -> list[dict[str, Any]]:
        """Up to ``n`` rows (all fields and ``_id``), e.g. for a catalogue preview."""
        return self._sample(max(0, n))


# --- key validation ---------------------------------------------------------------------------


def _checked(validator: Callable[[str], str]) -> Callable[[str], str]:
    def validate(value: str) -> str:
        if not isinstance(value, str):
            raise InvalidKey("查询键应为字符串。")
        try:
            return validator(value)
        except DomainError as exc:
            raise InvalidKey(str(exc.message), str(exc.code)) from None

    return validate


valid_id_number = _checked(validate_id_number)
valid_credit_code = _checked(validate_credit_code)


def valid_licence_identifier(value: str) -> str:
    from yiwang.licenses import identifiers

    identifier = (value or "").strip().upper() if isinstance(value, str) else ""
    if not identifiers.is_valid(identifier):
        raise InvalidKey("电子证照标识格式不正确。", "licence_identifier_format")
    return identifier


# --- table sources ------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def _estimated_count(model: type[Model]) -> int:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                [model._meta.db_table],
            )
            row = cursor.fetchone()
        estimate = int(row[0]) if row else -1
        if estimate > ESTIMATE_ABOVE:
            return estimate
    return model._default_manager.count()


def _table_source(
    *,
    name: str,
    title: str,
    model: type[Model],
    key_field: str,
    fields: list[FieldSpec],
    validate_key: Callable[[str], str],
    order: str = "pk",
    region_field: str = "",
) -> Source:
    manager = model._default_manager
    names = [f[0] for f in fields]

    def by_key(key: str) -> QuerySet[Any]:
        if key_field in {f[0] for f in fields if f[3]}:
            return manager.filter(**lookup(model, key_field, key))
        return manager.filter(**{key_field: key})

    def rows(key: str, wanted: list[str]) -> list[dict[str, Any]]:
        found = by_key(key).order_by(order).values("pk", *wanted)
        return [{"_id": row.pop("pk"), **{k: _plain(v) for k, v in row.items()}} for row in found]

    def sample(n: int) -> list[dict[str, Any]]:
        found = manager.order_by("pk").values("pk", *names)[:n]
        return [{"_id": row.pop("pk"), **{k: _plain(v) for k, v in row.items()}} for row in found]

    def updated() -> dt.datetime | None:
        value: dt.datetime | None = manager.aggregate(latest=Max("updated_at"))["latest"]
        return value

    return Source(
        name=name,
        title=title,
        key_field=key_field,
        fields=fields,
        validate_key=validate_key,
        _rows=rows,
        _count=lambda: _estimated_count(model),
        _updated=updated,
        _sample=sample,
        model=model,
        region_field=region_field,
    )


# --- the licence index (through licences' services) ---------------------------------------------

LICENCE_FIELDS: list[FieldSpec] = [
    ("identifier", "证照标识", "string", False),
    ("type_code", "证照类型代码", "string", False),
    ("type_name", "证照类型", "string", False),
    ("holder_name", "持证主体", "string", True),
    ("issuer_name", "发证机关", "string", False),
    ("status", "证照状态", "string", False),
    ("valid_until", "有效期至", "date", False),
]


def _licence_key(value: str) -> str:
    """A licence identifier, or the unified social credit code of a holding entity."""
    text = (value or "").strip().upper() if isinstance(value, str) else ""
    if len(text) == 18:
        try:
            return valid_credit_code(text)
        except InvalidKey:
            pass
    return valid_licence_identifier(text)


def _licence_rows(key: str, wanted: list[str]) -> list[dict[str, Any]]:
    """By identifier: that version as checked now; by credit code: the entity's licences. The
    licence identifier is the record id (``_id``)."""
    from yiwang.licenses import services as licences

    if valid_credit_code_or_none(key):
        views = [licences.view(licence) for licence in licences.licenses_of_entity(key)]
    else:
        checked = licences.check_identifier(key)
        views = [] if checked is None else [checked]
    return [
        {"_id": view["identifier"], **{k: _plain(view.get(k)) for k in wanted}}
        for view in sorted(views, key=lambda v: str(v["identifier"]))
    ]


def valid_credit_code_or_none(value: str) -> str | None:
    try:
        return valid_credit_code(value)
    except InvalidKey:
        return None


def _licence_sample(n: int) -> list[dict[str, Any]]:
    from yiwang.licenses import services as licences

    return [
        {"_id": v["identifier"], **{k: _plain(v.get(k)) for k, *_ in LICENCE_FIELDS}}
        for v in licences.register_sample(n)
    ]


def _licence_source() -> Source:
    from yiwang.licenses import services as licences

    return Source(
        name="licence_index",
        title="电子证照目录",
        key_field="identifier",
        fields=LICENCE_FIELDS,
        validate_key=_licence_key,
        _rows=_licence_rows,
        _count=licences.register_size,
        _updated=licences.register_changed_at,
        _sample=_licence_sample,
    )


# --- the registry ---------------------------------------------------------------------------------

PERSON_FIELDS: list[FieldSpec] = [
    ("id_number", "公民身份号码", "string", True),
    ("name", "姓名", "string", True),
    ("gender", "性别", "string", True),
    ("birth_date", "出生日期", "date", True),
    ("ethnicity", "民族", "string", True),
    ("address", "户籍地址", "string", True),
    ("household_region", "户籍地区划代码", "string", False),
    ("updated_at", "更新时间", "datetime", False),
]
ENTITY_FIELDS: list[FieldSpec] = [
    ("credit_code", "统一社会信用代码", "string", False),
    ("name", "名称", "string", False),
    ("entity_type", "市场主体类型", "string", False),
    ("representative_name", "法定代表人", "string", True),
    ("representative_id_number", "法定代表人身份证号码", "string", True),
    ("registered_capital", "注册资本(万元)", "number", False),
    ("established_on", "成立日期", "date", False),
    ("address", "住所", "string", False),
    ("status", "登记状态", "string", False),
    ("region", "登记机关区划代码", "string", False),
    ("updated_at", "更新时间", "datetime", False),
]
CREDIT_FIELDS: list[FieldSpec] = [
    ("credit_code", "统一社会信用代码", "string", False),
    ("kind", "类别", "string", False),
    ("title", "事由", "string", False),
    ("decided_by", "认定部门", "string", False),
    ("decided_on", "认定日期", "date", False),
    ("expires_on", "有效期至", "date", False),
    ("updated_at", "更新时间", "datetime", False),
]


def registered() -> dict[str, Source]:
    """Every base source by its registry name (the ``source`` of a table mount)."""
    return {
        "population": _table_source(
            name="population",
            title="人口基础信息",
            model=BasePerson,
            key_field="id_number",
            fields=PERSON_FIELDS,
            validate_key=valid_id_number,
            region_field="household_region",
        ),
        "legal_entities": _table_source(
            name="legal_entities",
            title="法人基础信息",
            model=BaseLegalEntity,
            key_field="credit_code",
            fields=ENTITY_FIELDS,
            validate_key=valid_credit_code,
            region_field="region",
        ),
        "credit_records": _table_source(
            name="credit_records",
            title="信用基础信息",
            model=BaseCreditRecord,
            key_field="credit_code",
            fields=CREDIT_FIELDS,
            validate_key=valid_credit_code,
            order="-decided_on",
        ),
        "licence_index": _licence_source(),
    }


def get(name: str) -> Source:
    """The source named ``name``; KeyError if there is none."""
    return registered()[name]
