"""The tabular data store: CSV and XLSX resources loaded into tables of their own, queried as
CKAN's ``datastore_search`` does, downloaded filtered.

Each loaded resource has one table, ``opendata_ds_<resource id hex>``, with an ``_id`` column
(the row's position in the file, 1..n; the primary key) and one column per header cell. The
resource's ``datastore_fields`` describe the columns (``id``, ``type``, ``info.label`` = the
header cell as written), ``datastore_report`` the validation report of the load.

Loading (:func:`load`) streams the file: the encoding and the column types are chosen from a
prefix and a sample (:mod:`yiwang.opendata.datastore_read`), then the rows go in by COPY
(PostgreSQL) or batched ``executemany`` (SQLite), inside one atomic block: a refused file leaves
no table and no change to the resource.

The typing rule: a column is typed (bool, int, numeric, date, timestamp) when at least 95 % of
the non-empty cells of the sample fit the type; a cell further down that does not fit is stored
as NULL and listed in the report (row, column, value, expected type). When more than 5 % of a
typed column's non-empty cells end up not fitting, the file is read again with that column as
text, so a column is never mostly NULL because of its sample.

Searching (:func:`search`) pages by offset as CKAN does, and by keyset: ``next_cursor`` (an
opaque token holding the last row's sort key and ``_id``) continues after that row with a
``WHERE (key, _id) > (...)`` condition, so a deep page costs what the first one costs.
"""

from __future__ import annotations

import base64
import binascii
import csv
import datetime as dt
import io
import itertools
import json
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, BinaryIO
from urllib.parse import urlencode

from django.db import connection, transaction
from django.utils.translation import gettext as _

from yiwang.kernel.errors import DomainError
from yiwang.opendata import datastore_read as read
from yiwang.opendata.errors import ErrorCode
from yiwang.opendata.models import Resource

TABLE_PREFIX = "opendata_ds_"
#: CKAN's ``ckan.datastore.search.rows_max``.
MAX_LIMIT = 32000
DEFAULT_LIMIT = 100
#: Rows per ``executemany`` on SQLite, per page of a download.
BATCH_ROWS = 5000
#: Bad cells and skipped rows listed one by one in the report (all are counted).
REPORT_MAX_ITEMS = 1000
SEARCH_PATH = "/opendata/api/3/action/datastore_search"

_SQL_TYPES = {
    "postgresql": {
        "int": "bigint",
        "numeric": "numeric",
        "date": "date",
        "timestamp": "timestamp",
        "bool": "boolean",
        "text": "text",
    },
    # SQLite: the affinity turns the canonical texts into integers and reals; dates and
    # timestamps stay ISO texts, which sort as the dates do.
    "sqlite": {
        "int": "INTEGER",
        "numeric": "REAL",
        "date": "TEXT",
        "timestamp": "TEXT",
        "bool": "INTEGER",
        "text": "TEXT",
    },
}


def table_name(resource: Resource) -> str:
    return f"{TABLE_PREFIX}{resource.id.hex}"


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


# --- loading ----------------------------------------------------------------------------------


class _Retype(Exception):
    def __init__(self, columns: set[str], encoding: str) -> None:
        self.columns = columns
        self.encoding = encoding


def load(resource: Resource, stream: BinaryIO, *, filename: str) -> dict[str, Any]:
    """Load a CSV or XLSX file into the resource's table (replacing any earlier one) and
    return the validation report. Raises DomainError ``FILE_INVALID`` for a file that cannot
    be read as a table: nothing is then written. Expects a saved resource (or sets the fields
    on an unsaved one for its caller to save)."""
    source = _seekable(stream)
    encoding: str | None = None
    text_columns: set[str] = set()
    for _attempt in range(4):
        try:
            with transaction.atomic():
                return _load_once(resource, source, filename, encoding, text_columns)
        except read.EncodingRetry:
            encoding = "gb18030"
        except _Retype as retype:
            text_columns |= retype.columns
            encoding = retype.encoding or None
        source.seek(0)
    raise read.file_invalid(_("无法读取该文件。"))  # pragma: no cover (at most 3 retries)


def _seekable(stream: BinaryIO) -> BinaryIO:
    try:
        if stream.seekable():
            stream.seek(0)
            return stream
    except (AttributeError, OSError):
        pass
    spool = tempfile.SpooledTemporaryFile(max_size=8 << 20)  # noqa: SIM115 (returned)
    while block := stream.read(1 << 20):
        spool.write(block)
    spool.seek(0)
    return spool  # type: ignore[return-value]


@dataclass
class _Counts:
    seen: int = 0
    ragged: int = 0
    ragged_rows: list[dict[str, int]] = field(default_factory=list)


def _clean(
    rows: Iterator[tuple[int, list[str]]], width: int, counts: _Counts
) -> Iterator[tuple[int, list[str]]]:
    """Data rows with exactly ``width`` cells: blank lines dropped, trailing empty cells past
    the header trimmed, other rows of the wrong length counted, listed and skipped."""
    for number, cells in rows:
        if len(cells) != width:
            while len(cells) > width and not cells[-1]:
                cells.pop()
            if not any(cells):
                continue
            if len(cells) != width:
                counts.seen += 1
                counts.ragged += 1
                if len(counts.ragged_rows) < REPORT_MAX_ITEMS:
                    counts.ragged_rows.append(
                        {"row": number, "cells": len(cells), "expected": width}
                    )
                if counts.ragged > read.RAGGED_MAX:
                    raise _too_ragged(counts)
                continue
        elif not any(cells):
            continue
        counts.seen += 1
        yield number, cells


def _too_ragged(counts: _Counts) -> DomainError:
    first = counts.ragged_rows[0] if counts.ragged_rows else {"row": 0, "cells": 0, "expected": 0}
    return read.file_invalid(
        _(
            "有 %(n)s 行的列数与表头不一致（如第 %(row)s 行有 %(cells)s 列，表头有 %(expected)s"
            " 列），超过了允许的比例，请检查分隔符和引号后重新上传。"
        )
        % {"n": counts.ragged, **first},
        ragged_rows=counts.ragged_rows[:20],
    )


def _load_once(
    resource: Resource,
    source: BinaryIO,
    filename: str,
    encoding: str | None,
    text_columns: set[str],
) -> dict[str, Any]:
    table = (
        read.open_xlsx(source)
        if read.is_xlsx(source, filename)
        else read.open_csv(source, filename, encoding)
    )
    read.check_header(table.labels)
    ids = read.column_ids(table.labels)
    width = len(ids)
    counts = _Counts()
    rows = _clean(table.rows, width, counts)
    sample = list(itertools.islice(rows, read.SAMPLE_ROWS))
    types = [
        "text"
        if column in text_columns
        else read.infer([cells[j] for _n, cells in sample if cells[j]])
        for j, column in enumerate(ids)
    ]

    name = table_name(resource)
    _drop_tables(resource, name)
    sql_types = _SQL_TYPES[connection.vendor]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            columns_sql = ", ".join(
                [f"{_q('_id')} bigint NOT NULL"]
                + [f"{_q(c)} {sql_types[t]}" for c, t in zip(ids, types, strict=True)]
            )
        else:
            columns_sql = ", ".join(
                [f"{_q('_id')} INTEGER PRIMARY KEY"]
                + [f"{_q(c)} {sql_types[t]}" for c, t in zip(ids, types, strict=True)]
            )
        cursor.execute(f"CREATE TABLE {_q(name)} ({columns_sql})")

    bad_counts = [0] * width
    filled = [0] * width
    bad_cells: list[dict[str, Any]] = []
    parsers = [None if t == "text" else read.PARSERS[t] for t in types]

    def coerced() -> Iterator[list[Any]]:
        position = 0
        for number, cells in itertools.chain(sample, rows):
            position += 1
            out: list[Any] = [position]
            for j, cell in enumerate(cells):
                if not cell:
                    out.append(None)
                    continue
                parse = parsers[j]
                if parse is None:
                    out.append(cell)
                    continue
                filled[j] += 1
                try:
                    out.append(parse(cell))
                except ValueError:
                    bad_counts[j] += 1
                    out.append(None)
                    if len(bad_cells) < REPORT_MAX_ITEMS:
                        bad_cells.append(
                            {
                                "row": number,
                                "column": ids[j],
                                "value": cell[:200],
                                "expected": types[j],
                            }
                        )
            yield out

    written = _insert(name, ["_id", *ids], coerced())
    if counts.ragged > int(counts.seen * read.RAGGED_TOLERANCE):
        raise _too_ragged(counts)
    retype = {
        ids[j]
        for j in range(width)
        if parsers[j] is not None and bad_counts[j] > filled[j] * read.BAD_CELL_TOLERANCE
    }
    if retype:
        raise _Retype(retype, table.encoding)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {_q(name)} ADD PRIMARY KEY ({_q('_id')})")
            cursor.execute(f"ANALYZE {_q(name)}")

    fields = [
        {"id": c, "type": t, "info": {"label": label}}
        for c, t, label in zip(ids, types, table.labels, strict=True)
    ]
    report: dict[str, Any] = {
        "format": table.format,
        "encoding": table.encoding,
        "delimiter": table.delimiter,
        "rows": written,
        "columns": width,
        "fields": fields,
        "renamed": [
            {"label": label, "id": c}
            for c, label in zip(ids, table.labels, strict=True)
            if c != label
        ],
        "retyped_as_text": sorted(text_columns),
        "bad_cell_count": sum(bad_counts),
        "bad_cells": bad_cells,
        "skipped_row_count": counts.ragged,
        "skipped_rows": counts.ragged_rows,
        "ok": not sum(bad_counts) and not counts.ragged,
    }
    resource.encoding = table.encoding
    resource.datastore_active = True
    resource.datastore_table = name
    resource.datastore_fields = fields
    resource.datastore_rows = written
    resource.datastore_report = report
    if not resource._state.adding:
        resource.save(
            update_fields=[
                "encoding",
                "datastore_active",
                "datastore_table",
                "datastore_fields",
                "datastore_rows",
                "datastore_report",
            ]
        )
    return report


def _insert(name: str, columns: list[str], rows: Iterable[list[Any]]) -> int:
    """Write the rows: COPY on PostgreSQL, ``executemany`` in batches on SQLite."""
    written = 0
    columns_sql = ", ".join(_q(c) for c in columns)
    if connection.vendor == "postgresql":
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {_q(name)} ({columns_sql}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
                written += 1
        return written
    connection.ensure_connection()
    raw = connection.connection
    if raw is None:  # pragma: no cover (ensure_connection() opened it)
        raise RuntimeError("no database connection")
    placeholders = ", ".join("?" * len(columns))
    sql = f"INSERT INTO {_q(name)} ({columns_sql}) VALUES ({placeholders})"  # noqa: S608
    iterator = iter(rows)
    while batch := list(itertools.islice(iterator, BATCH_ROWS)):
        raw.executemany(sql, batch)
        written += len(batch)
    return written


def _drop_tables(resource: Resource, *names: str) -> None:
    with connection.cursor() as cursor:
        for name in {resource.datastore_table, *names} - {""}:
            if name.startswith(TABLE_PREFIX):
                cursor.execute(f"DROP TABLE IF EXISTS {_q(name)}")


@transaction.atomic
def drop(resource: Resource) -> None:
    """Drop the resource's table and mark it as not in the data store."""
    _drop_tables(resource, table_name(resource))
    resource.datastore_active = False
    resource.datastore_table = ""
    resource.datastore_fields = []
    resource.datastore_rows = 0
    if not resource._state.adding:
        resource.save(
            update_fields=[
                "datastore_active",
                "datastore_table",
                "datastore_fields",
                "datastore_rows",
            ]
        )


# --- searching --------------------------------------------------------------------------------


def query_invalid(errors: dict[str, list[str]]) -> DomainError:
    message = next(iter(errors.values()))[0]
    return DomainError(ErrorCode.QUERY_INVALID, message, status=422, errors=errors)


def _inactive() -> DomainError:
    return DomainError(ErrorCode.DATASTORE_INACTIVE, _("该资源没有可查询的数据表。"), status=404)


@dataclass
class _Plan:
    resource: Resource
    table: str
    types: dict[str, str]
    selected: list[str]
    #: sort keys, ``_id`` last as the tie-breaker: [(column, "asc" | "desc")]
    keys: list[tuple[str, str]]
    where: list[str]
    params: list[Any]


def _types(resource: Resource) -> dict[str, str]:
    types = {"_id": "int"}
    for item in resource.datastore_fields:
        types[str(item["id"])] = str(item["type"])
    return types


def _db_value(type_: str, canonical: str) -> Any:
    """A canonical text as the query parameter the database compares with the column."""
    postgres = connection.vendor == "postgresql"
    if type_ == "int":
        return int(canonical)
    if type_ == "numeric":
        return Decimal(canonical) if postgres else float(canonical)
    if type_ == "bool":
        return canonical == "1" if postgres else int(canonical)
    if type_ == "date" and postgres:
        return dt.date.fromisoformat(canonical)
    if type_ == "timestamp" and postgres:
        return dt.datetime.fromisoformat(canonical)
    return canonical


def _filter_value(column: str, type_: str, value: Any) -> Any:
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, int | float | str):
        text = str(value).strip()
    else:
        raise query_invalid({"filters": [_("字段“%(f)s”的筛选值应为文字或数字。") % {"f": column}]})
    try:
        canonical = read.PARSERS[type_](text)
    except ValueError:
        canonical = None
    if canonical is None:
        raise query_invalid(
            {
                "filters": [
                    _("字段“%(f)s”的筛选值“%(v)s”不符合该字段的类型（%(t)s）。")
                    % {"f": column, "v": text[:50], "t": type_}
                ]
            }
        )
    return _db_value(type_, canonical)


def _like(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _contains(column: str, type_: str) -> str:
    if connection.vendor == "postgresql":
        expr = _q(column) if type_ == "text" else f"CAST({_q(column)} AS TEXT)"
        return f"{expr} ILIKE %s ESCAPE '\\'"
    return f"{_q(column)} LIKE %s ESCAPE '\\'"


def _parse_sort(sort: str, types: dict[str, str]) -> list[tuple[str, str]]:
    keys: list[tuple[str, str]] = []
    for part in sort.split(","):
        part = part.strip()
        if not part:
            continue
        direction = "asc"
        lowered = part.lower()
        for word in ("asc", "desc"):
            if lowered.endswith(" " + word):
                direction, part = word, part[: -len(word)].strip()
                break
        column = part.strip('"')
        if column not in types:
            raise query_invalid({"sort": [_("无法按未知字段“%(f)s”排序。") % {"f": column}]})
        if any(column == c for c, _d in keys):
            continue
        keys.append((column, direction))
    if not any(c == "_id" for c, _d in keys):
        keys.append(("_id", "asc"))
    return keys


def _plan(
    resource: Resource,
    *,
    filters: dict[str, Any] | None,
    q: str | dict[str, Any] | None,
    fields: list[str] | None,
    sort: str | None,
) -> _Plan:
    if not resource.datastore_active or not resource.datastore_table:
        raise _inactive()
    types = _types(resource)
    where: list[str] = []
    params: list[Any] = []
    unknown = [f for f in (fields or []) if f not in types]
    if unknown:
        raise query_invalid({"fields": [_("未知字段：%(f)s。") % {"f": "、".join(unknown)}]})
    selected = list(dict.fromkeys(fields)) if fields else list(types)

    if filters is not None and not isinstance(filters, dict):
        raise query_invalid({"filters": [_("筛选条件应为 JSON 对象。")]})
    for column, value in (filters or {}).items():
        if column not in types:
            raise query_invalid({"filters": [_("无法按未知字段“%(f)s”筛选。") % {"f": column}]})
        values = value if isinstance(value, list) else [value]
        if not values:
            raise query_invalid({"filters": [_("字段“%(f)s”的筛选值列表为空。") % {"f": column}]})
        converted = [_filter_value(column, types[column], v) for v in values]
        if len(converted) == 1:
            where.append(f"{_q(column)} = %s")
        else:
            where.append(f"{_q(column)} IN ({', '.join(['%s'] * len(converted))})")
        params.extend(converted)

    if isinstance(q, dict):
        for column, value in q.items():
            if column not in types:
                raise query_invalid({"q": [_("无法在未知字段“%(f)s”中检索。") % {"f": column}]})
            if not isinstance(value, str | int | float):
                raise query_invalid({"q": [_("检索词应为文字。")]})
            if str(value).strip():
                where.append(_contains(column, types[column]))
                params.append(_like(str(value).strip()))
    elif isinstance(q, str):
        if q.strip():
            columns = [c for c, t in types.items() if c != "_id" and t != "bool"]
            if columns:
                where.append("(" + " OR ".join(_contains(c, types[c]) for c in columns) + ")")
                params.extend([_like(q.strip())] * len(columns))
            else:
                where.append("1 = 0")
    elif q is not None:
        raise query_invalid({"q": [_("检索词应为文字或 JSON 对象。")]})

    keys = _parse_sort(sort or "", types)
    return _Plan(resource, resource.datastore_table, types, selected, keys, where, params)


def _order_sql(keys: list[tuple[str, str]]) -> str:
    parts = []
    for column, direction in keys:
        nulls = "" if column == "_id" else " NULLS LAST"
        parts.append(f"{_q(column)} {direction.upper()}{nulls}")
    return ", ".join(parts)


def _after(keys: list[tuple[str, str]], values: list[Any]) -> tuple[str, list[Any]]:
    """The keyset condition "comes after the row whose sort key is ``values``" for the order
    of :func:`_order_sql` (NULLs last in both directions)."""
    ors: list[str] = []
    params: list[Any] = []
    for i, (column, direction) in enumerate(keys):
        if values[i] is None:
            continue  # only NULLs follow a NULL: they are equal here, decided by later keys
        terms: list[str] = []
        term_params: list[Any] = []
        for (previous, _d), value in zip(keys[:i], values[:i], strict=True):
            if value is None:
                terms.append(f"{_q(previous)} IS NULL")
            else:
                terms.append(f"{_q(previous)} = %s")
                term_params.append(value)
        op = ">" if direction == "asc" else "<"
        after = f"{_q(column)} {op} %s"
        if column != "_id":
            after = f"({after} OR {_q(column)} IS NULL)"
        terms.append(after)
        term_params.append(values[i])
        ors.append("(" + " AND ".join(terms) + ")")
        params.extend(term_params)
    return ("(" + " OR ".join(ors) + ")" if ors else "1 = 0"), params


def _fetch(
    plan: _Plan, *, limit: int, offset: int = 0, after: list[Any] | None = None
) -> list[tuple[Any, ...]]:
    """Rows of the selected columns followed by the sort keys' columns."""
    key_columns = [c for c, _d in plan.keys]
    columns = ", ".join(_q(c) for c in [*plan.selected, *key_columns])
    where = list(plan.where)
    params = list(plan.params)
    if after is not None:
        condition, after_params = _after(plan.keys, after)
        where.append(condition)
        params.extend(after_params)
    sql = f"SELECT {columns} FROM {_q(plan.table)}"  # noqa: S608 (quoted identifiers)
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += f" ORDER BY {_order_sql(plan.keys)} LIMIT %s OFFSET %s"
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, limit, offset])
        return list(cursor.fetchall())


def _json_value(type_: str, value: Any) -> Any:
    if value is None:
        return None
    if type_ == "bool":
        return bool(value)
    if type_ == "numeric":
        number = float(value)
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    if isinstance(value, dt.date):  # dates and datetimes (PostgreSQL)
        return value.isoformat()
    return value


def _key_value(type_: str, value: Any) -> Any:
    """A sort key's value as kept in a cursor: exact text for numbers and dates."""
    if value is None:
        return None
    if type_ == "int":
        return int(value)
    if type_ == "numeric":
        return str(value) if isinstance(value, Decimal) else repr(float(value))
    if type_ == "bool":
        return "1" if value else "0"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _encode_cursor(keys: list[tuple[str, str]], values: list[Any]) -> str:
    payload = json.dumps({"s": [list(k) for k in keys], "v": values}, ensure_ascii=False)
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def _decode_cursor(plan: _Plan, token: str) -> list[Any]:
    bad = query_invalid({"cursor": [_("游标无效或与本次查询的排序方式不一致。")]})
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        payload = json.loads(raw.decode())
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise bad from None
    keys = [tuple(k) for k in payload.get("s", [])] if isinstance(payload, dict) else []
    values = payload.get("v") if isinstance(payload, dict) else None
    if keys != plan.keys or not isinstance(values, list) or len(values) != len(keys):
        raise bad
    converted: list[Any] = []
    try:
        for (column, _d), value in zip(plan.keys, values, strict=True):
            if value is None:
                if column == "_id":
                    raise bad
                converted.append(None)
            elif plan.types[column] == "int":
                if not isinstance(value, int) or isinstance(value, bool):
                    raise bad
                converted.append(value)
            elif not isinstance(value, str):
                raise bad
            else:
                converted.append(_db_value(plan.types[column], value))
    except (ValueError, ArithmeticError):
        raise bad from None
    return converted


def _links(
    resource: Resource, given: dict[str, Any], *, offset: int, limit: int, cursor: str | None
) -> dict[str, str]:
    base = {"resource_id": str(resource.id), **{k: v for k, v in given.items() if v}}
    start = f"{SEARCH_PATH}?{urlencode(base)}"
    after: dict[str, Any] = {"cursor": cursor} if cursor is not None else {"offset": offset + limit}
    return {"start": start, "next": f"{SEARCH_PATH}?{urlencode({**base, **after})}"}


def search(
    resource: Resource,
    *,
    filters: dict[str, Any] | None = None,
    q: str | dict[str, Any] | None = None,
    fields: list[str] | None = None,
    sort: str | None = None,
    limit: int = DEFAULT_LIMIT,
    offset: int = 0,
    cursor: str | None = None,
    include_total: bool = True,
) -> dict[str, Any]:
    """CKAN's ``datastore_search`` on the resource's table. ``cursor`` (a previous result's
    ``next_cursor``) continues after that page's last row, whatever its depth, at the cost of
    the first page. Unknown fields, bad filter values, bad sort or cursor: QUERY_INVALID."""
    if not isinstance(limit, int) or not 0 <= limit <= MAX_LIMIT:
        raise query_invalid({"limit": [_("应在 0 到 %(n)s 之间。") % {"n": MAX_LIMIT}]})
    if not isinstance(offset, int) or offset < 0:
        raise query_invalid({"offset": [_("不能小于 0。")]})
    if cursor and offset:
        raise query_invalid({"offset": [_("使用游标翻页时不能同时指定 offset。")]})
    plan = _plan(resource, filters=filters, q=q, fields=fields, sort=sort)
    after = _decode_cursor(plan, cursor) if cursor else None

    rows = _fetch(plan, limit=limit + 1, offset=offset, after=after)
    more = len(rows) > limit
    rows = rows[:limit]
    width = len(plan.selected)
    records = [
        {c: _json_value(plan.types[c], v) for c, v in zip(plan.selected, row[:width], strict=True)}
        for row in rows
    ]
    next_cursor = None
    if rows:
        last = rows[-1][width:]
        next_cursor = _encode_cursor(
            plan.keys,
            [_key_value(plan.types[c], v) for (c, _d), v in zip(plan.keys, last, strict=True)],
        )
    labels = {str(f["id"]): f.get("info", {}) for f in resource.datastore_fields}
    result: dict[str, Any] = {
        "include_total": include_total,
        "resource_id": str(resource.id),
        "fields": [
            {"id": c, "type": plan.types[c], **({"info": labels[c]} if labels.get(c) else {})}
            for c in plan.selected
        ],
        "records_format": "objects",
        "records": records,
        "limit": limit,
        "next_cursor": next_cursor if more else None,
    }
    if cursor is None:
        result["offset"] = offset
    given = {
        "q": json.dumps(q, ensure_ascii=False) if isinstance(q, dict) else q,
        "filters": json.dumps(filters, ensure_ascii=False) if filters else None,
        "fields": ",".join(fields) if fields else None,
        "sort": sort,
        "limit": limit if limit != DEFAULT_LIMIT else None,
    }
    for key in ("q", "filters", "sort"):
        if given[key]:
            result[key] = q if key == "q" else filters if key == "filters" else sort
    result["_links"] = _links(
        resource,
        given,
        offset=offset,
        limit=limit,
        cursor=(next_cursor or cursor or "") if cursor is not None else None,
    )
    if include_total:
        if plan.where:
            with connection.cursor() as db:
                where = " AND ".join(plan.where)
                db.execute(
                    f"SELECT COUNT(*) FROM {_q(plan.table)} WHERE {where}",  # noqa: S608
                    plan.params,
                )
                result["total"] = int(db.fetchone()[0])
        else:
            result["total"] = resource.datastore_rows
    return result


def info(resource: Resource) -> dict[str, Any]:
    """CKAN's ``datastore_info``: the table's row count and fields."""
    if not resource.datastore_active:
        raise _inactive()
    return {
        "meta": {
            "id": str(resource.id),
            "count": resource.datastore_rows,
            "table_type": "BASE TABLE",
            "encoding": resource.encoding,
        },
        "fields": [
            {"id": f["id"], "type": f["type"], "info": f.get("info", {})}
            for f in resource.datastore_fields
        ],
    }


def iter_csv(
    resource: Resource,
    *,
    filters: dict[str, Any] | None = None,
    q: str | dict[str, Any] | None = None,
    sort: str | None = None,
) -> Iterator[bytes]:
    """The rows that match, as CSV in UTF-8 with a BOM (so Excel shows Chinese), the header
    as it was uploaded. The query is checked at once (QUERY_INVALID before any byte); the rows
    are then read page by page by keyset, never all at once."""
    plan = _plan(resource, filters=filters, q=q, fields=None, sort=sort)
    plan.selected = [c for c in plan.selected if c != "_id"]
    labels = [str(f.get("info", {}).get("label") or f["id"]) for f in resource.datastore_fields]
    return _csv_pages(plan, labels)


def _csv_pages(plan: _Plan, labels: list[str]) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(labels)
    yield "\ufeff".encode() + buffer.getvalue().encode()
    width = len(plan.selected)
    after: list[Any] | None = None
    while True:
        rows = _fetch(plan, limit=BATCH_ROWS, after=after)
        if not rows:
            return
        buffer.seek(0)
        buffer.truncate()
        for row in rows:
            writer.writerow(
                [
                    _csv_cell(plan.types[c], v)
                    for c, v in zip(plan.selected, row[:width], strict=True)
                ]
            )
        yield buffer.getvalue().encode()
        if len(rows) < BATCH_ROWS:
            return
        last = rows[-1][width:]
        after = [
            _db_value(plan.types[c], _key_value(plan.types[c], v)) if v is not None else None
            for (c, _d), v in zip(plan.keys, last, strict=True)
        ]


def _csv_cell(type_: str, value: Any) -> Any:
    if value is None:
        return ""
    if type_ == "bool":
        return "true" if value else "false"
    return _json_value(type_, value)
