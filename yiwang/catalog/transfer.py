"""Catalogue import and export: Excel workbooks (the format catalogue staff use) and JSON.

Workbook (.xlsx)
----------------
Three sheets, each with one header row (row 1) and one record per row below it. Columns are
found by their header, so they may come in any order; a header may be the Chinese name or the
English key given here, and full-width brackets or spaces in it do not matter. Other columns
and other sheets are ignored. Sheet names and headers are the file format, not page text:
they stay Chinese whatever the language of the page (a translated header would not re-import).

Sheet ``事项`` — one row per master item (the fields of ``ItemIn``):
    事项编码 code · 事项名称 name · 事项类型 item_type · 主管部门编码 department_code ·
    设定依据 legal_basis · 行使层级 handling_levels · 服务对象 service_objects · 主题 themes ·
    受理条件 acceptance_conditions · 办理流程 process_description ·
    法定时限(工作日) statutory_limit_days · 收费 fees · 结果类型 result_type ·
    结果名称 result_name · 电子证照类型 result_license_type · 办理渠道 channels ·
    最多跑动次数 max_trips

Sheet ``材料`` — the master items' materials (``MaterialIn``), in order:
    事项编码 item_code · 材料编码 code · 材料名称 name · 材料形式 form · 份数 copies ·
    是否必要 required · 来源 source · 可用电子证照类型 license_type · 可用共享数据 shared_data ·
    材料含义 meaning · 填报说明 note

Sheet ``实施清单`` — one row per implementation (item × implementing department):
    事项编码 item_code · 实施部门编码 department_code · 办件类型 handling_kind ·
    承诺时限(工作日) promised_limit_days · 办理渠道 channels · 最多跑动次数 max_trips ·
    办理地点 hall_address · 办理时间 office_hours · 咨询电话 phone ·
    监督投诉电话 complaint_phone

Values:
- a choice is its Chinese label (行政许可, 即办件, 原件) or its code (licensing, instant,
  original); a list (行使层级, 服务对象, 主题, 办理渠道) separates them with 、 , ， ; ； or line
  breaks, and a handling level may also read 省级/市级/县级;
- 收费 is one fee per line (or separated by ; when on one line): ``名称:金额`` or
  ``名称:金额:依据``, amounts in yuan;
- 是否必要 is 是/否 (true/false, 1/0 also work);
- an empty cell takes the default: no statutory limit, 1 copy, required, 电子件, 申请人提交,
  at most 1 trip. In 实施清单 an empty 办件类型, 办理渠道 or 最多跑动次数 keeps what the
  implementation has (or inherits it from the master item); an empty 承诺时限 means none
  (right for 即办件 only).

The workbook describes each listed item whole: its materials are exactly its rows in 材料, so
a material row must name an item of the 事项 sheet. A 实施清单 row may name an item of the
workbook or one already in the catalogue. Materials, forms and processes of implementations
are not in the workbook: a new implementation inherits the master's materials, an existing one
keeps its own (JSON carries them all).

JSON
----
``{"format": "yiwang.catalog", "version": 1, "items": [ItemIn…], "implementations":
[ImplementationIn…]}``: the API's input shapes, materials nested in their item. A key left out
of an implementation keeps the implementation's current value, as in the API.

Import
------
:func:`import_file` is all or nothing. Every row is parsed and checked against the schemas,
then the services themselves run in one transaction (items first, then implementations; each
row in a savepoint, so one bad row does not hide the next), which applies exactly the rules
of the API: permissions, narrowing, limits. If anything at all is wrong the transaction is
rolled back and the refusal ``catalog_import_refused`` lists every error (up to
:data:`MAX_ERRORS`) as ``{"sheet", "row", "column", "field", "code", "message", "location"}``
— Excel row numbers and headers for a workbook (``location`` ``事项!D5``, or ``事项!5:5``
for a whole row), the list name, index and field path for JSON
(``implementations[3].promised_limit_days``). Errors of the file as a whole (not an xlsx,
missing sheet or header column, too many rows: 400; too large: 413) refuse before any row
is read. A service's own code (``promised_limit_exceeds_statutory``, ``permission_denied``
…) is kept in each error.

An item listed again is updated through ``update_item`` (unchanged ones are left alone). An
implementation that does not exist is created; one whose latest version already says what the
row says is left alone; otherwise its open draft is updated, or, when its latest version is
published or withdrawn, a new draft is started (``revise``) and updated. A version in review
cannot be changed by an import. Nothing is submitted or published by an import.

Export
------
:func:`export_workbook` and :func:`export_json` write the items and implementations (their
latest version) the user may view, in the formats above; either file re-imports unchanged.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.db.models import Prefetch
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from pydantic import ValidationError

from yiwang.catalog import permissions, services
from yiwang.catalog.errors import ErrorCode
from yiwang.catalog.models import (
    Channel,
    HandlingKind,
    ImplementationVersion,
    ItemImplementation,
    ItemType,
    MaterialForm,
    MaterialSource,
    ResultType,
    ServiceItem,
    ServiceObject,
    Theme,
    VersionStatus,
)
from yiwang.catalog.schemas import ImplementationIn, ItemIn
from yiwang.kernel import audit
from yiwang.kernel.errors import DomainError
from yiwang.kernel.errors import ErrorCode as KernelCode
from yiwang.kernel.models import Department, RegionLevel
from yiwang.kernel.permissions import can

#: Most records a sheet (or a JSON list) may hold; split bigger catalogues into batches.
MAX_ROWS = 20_000
#: Most errors a refusal lists (``details.error_count`` says how many there were).
MAX_ERRORS = 1_000
#: Most bytes the parts of a workbook may unpack to (a small zip can hide a huge sheet).
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
JSON_FORMAT = "yiwang.catalog"
#: Deepest nesting a JSON import may have (forms are a few levels deep).
MAX_JSON_DEPTH = 32
JSON_VERSION = 1

SHEET_ITEMS = "事项"
SHEET_MATERIALS = "材料"
SHEET_IMPLEMENTATIONS = "实施清单"
JSON_ITEMS = "items"
JSON_IMPLEMENTATIONS = "implementations"

_UNSET: Any = object()  # an empty cell whose field is left out (default, or "keep")


@dataclass(frozen=True)
class Column:
    """One column of a sheet: its field, header, how its cells read, and what an empty cell
    means (``_UNSET``: leave the field out)."""

    key: str
    header: str
    kind: str = "text"  # text | int | choice | choices | fees | bool
    choices: type[models.TextChoices] | None = None
    empty: Any = ""
    width: int = 16
    code: bool = False  # formatted as text in Excel, so 000105001000 keeps its zeros


ITEM_COLUMNS = (
    Column("code", "事项编码", width=18, code=True),
    Column("name", "事项名称", width=30),
    Column("item_type", "事项类型", "choice", ItemType, _UNSET),
    Column("department_code", "主管部门编码", width=16, code=True),
    Column("legal_basis", "设定依据", width=40),
    Column("handling_levels", "行使层级", "choices", RegionLevel, []),
    Column("service_objects", "服务对象", "choices", ServiceObject, []),
    Column("themes", "主题", "choices", Theme, []),
    Column("acceptance_conditions", "受理条件", width=40),
    Column("process_description", "办理流程", width=30),
    Column("statutory_limit_days", "法定时限(工作日)", "int", empty=None, width=12),
    Column("fees", "收费", "fees", empty=[], width=24),
    Column("result_type", "结果类型", "choice", ResultType, _UNSET),
    Column("result_name", "结果名称", width=20),
    Column("result_license_type", "电子证照类型", width=20),
    Column("channels", "办理渠道", "choices", Channel, [], width=24),
    Column("max_trips", "最多跑动次数", "int", empty=_UNSET, width=10),
)
MATERIAL_COLUMNS = (
    Column("item_code", "事项编码", width=18, code=True),
    Column("code", "材料编码", width=12, code=True),
    Column("name", "材料名称", width=30),
    Column("form", "材料形式", "choice", MaterialForm, _UNSET, width=10),
    Column("copies", "份数", "int", empty=_UNSET, width=8),
    Column("required", "是否必要", "bool", empty=_UNSET, width=8),
    Column("source", "来源", "choice", MaterialSource, _UNSET, width=12),
    Column("license_type", "可用电子证照类型", width=20),
    Column("shared_data", "可用共享数据", width=20),
    Column("meaning", "材料含义", width=20),
    Column("note", "填报说明", width=30),
)
IMPLEMENTATION_COLUMNS = (
    Column("item_code", "事项编码", width=18, code=True),
    Column("department_code", "实施部门编码", width=16, code=True),
    Column("handling_kind", "办件类型", "choice", HandlingKind, _UNSET, width=10),
    Column("promised_limit_days", "承诺时限(工作日)", "int", empty=None, width=12),
    Column("channels", "办理渠道", "choices", Channel, _UNSET, width=24),
    Column("max_trips", "最多跑动次数", "int", empty=_UNSET, width=10),
    Column("hall_address", "办理地点", width=30),
    Column("office_hours", "办理时间", width=20),
    Column("phone", "咨询电话", width=16, code=True),
    Column("complaint_phone", "监督投诉电话", width=16, code=True),
)
SHEETS: dict[str, tuple[Column, ...]] = {
    SHEET_ITEMS: ITEM_COLUMNS,
    SHEET_MATERIALS: MATERIAL_COLUMNS,
    SHEET_IMPLEMENTATIONS: IMPLEMENTATION_COLUMNS,
}
_SHEET_ORDER = {
    "": -1,
    SHEET_ITEMS: 0,
    SHEET_MATERIALS: 1,
    SHEET_IMPLEMENTATIONS: 2,
    JSON_ITEMS: 0,
    JSON_IMPLEMENTATIONS: 1,
}


@dataclass
class ImportResult:
    """What an import did (``materials``: the material rows of the listed items)."""

    items_created: int = 0
    items_updated: int = 0
    items_unchanged: int = 0
    materials: int = 0
    implementations_created: int = 0
    implementations_updated: int = 0
    implementations_unchanged: int = 0


# --- permissions --------------------------------------------------------------------------


def _is_console(actor: Any) -> bool:
    """A system actor (``"cli"``): the operator at the server's console sees everything."""
    return isinstance(actor, str)


def check_import_allowed(actor: Any) -> None:
    """Refuse (403) a user who may not import at all, before the file is even read."""
    if not _is_console(actor) and not can(actor, permissions.IMPORT):
        raise DomainError(KernelCode.PERMISSION_DENIED, _("您没有导入事项目录的权限。"), status=403)


def check_export_allowed(actor: Any) -> None:
    if not _is_console(actor) and not can(actor, permissions.VIEW):
        raise DomainError(KernelCode.PERMISSION_DENIED, _("您没有导出事项目录的权限。"), status=403)


def check_size(size: int) -> None:
    """Refuse (413) a file over the upload limit (``YIWANG_UPLOAD_MAX_BYTES``)."""
    limit: int = settings.YIWANG_UPLOAD_MAX_BYTES
    if size > limit:
        raise _file_error(
            "file_too_large",
            _("文件超过大小上限 %(n)d 字节,请分批导入。") % {"n": limit},
            status=413,
        )


# --- errors -------------------------------------------------------------------------------


def _error(
    sheet: str,
    code: str,
    message: Any,
    *,
    row: int | None = None,
    column: str = "",
    field_name: str = "",
    location: str = "",
) -> dict[str, Any]:
    return {
        "sheet": sheet,
        "row": row,
        "column": column,
        "field": field_name,
        "code": code,
        "message": str(message),
        "location": location or sheet,
    }


def _refusal(errors: list[dict[str, Any]], *, status: int = 422) -> DomainError:
    def order(e: dict[str, Any]) -> tuple[int, int, str]:
        return (_SHEET_ORDER.get(e["sheet"], 9), e["row"] or 0, e["location"])

    errors = sorted(errors, key=order)
    first = errors[0]
    if first["location"]:
        message = _(
            "导入被拒绝,未写入任何数据。共 %(count)d 处错误,第一处在 %(where)s:%(message)s"
        ) % {
            "count": len(errors),
            "where": first["location"],
            "message": first["message"],
        }
    else:
        message = _("导入被拒绝,未写入任何数据:%(message)s") % {"message": first["message"]}
    return DomainError(
        ErrorCode.IMPORT_REFUSED,
        message,
        status=status,
        errors=errors[:MAX_ERRORS],
        error_count=len(errors),
    )


def _file_error(code: str, message: Any, *, status: int = 400, sheet: str = "") -> DomainError:
    return _refusal([_error(sheet, code, message)], status=status)


def _path(field_name: str) -> tuple[str | int, ...]:
    """``materials[2].copies`` → ``("materials", 2, "copies")``."""
    parts: list[str | int] = []
    for name, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", field_name):
        parts.append(int(index) if index else name)
    return tuple(parts) or (field_name,)


def _dotted(path: Iterable[str | int]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _schema_message(error: Any) -> str:
    """A Chinese message for a pydantic error (its own messages are English)."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return _("必须填写。")
    if kind == "string_too_short":
        return _("不能为空。")
    if kind == "too_short":
        return _("至少填写一项。")
    if kind in {"string_too_long", "too_long"}:
        limit = ctx.get("max_length", "")
        return _("不能超过 %(n)s 个字符。") % {"n": limit}
    if kind == "string_pattern_mismatch":
        return _("只能由字母、数字和 . _ - 组成,并以字母或数字开头。")
    if kind in {"greater_than_equal", "greater_than"}:
        return _("不能小于 %(n)s。") % {"n": ctx.get("ge", ctx.get("gt", ""))}
    if kind in {"less_than_equal", "less_than"}:
        return _("不能大于 %(n)s。") % {"n": ctx.get("le", ctx.get("lt", ""))}
    if kind.startswith("int_"):
        return _("应为整数。")
    if kind == "decimal_max_places":
        return _("金额最多两位小数。")
    if kind.startswith("decimal_"):
        return _("应为不超过 8 位整数、2 位小数的金额。")
    if kind.startswith("bool_"):
        return _("应为“是”或“否”。")
    if kind == "enum":
        return _("取值无效,可选:%(expected)s。") % {"expected": ctx.get("expected", "")}
    if kind == "value_error":
        return _("取值无效:%(detail)s") % {"detail": str(error.get("msg", ""))[:300]}
    return _("格式不正确:%(detail)s") % {"detail": str(error.get("msg", ""))[:300]}


# --- reading cells ------------------------------------------------------------------------


class _CellError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


_LABELS: dict[type[models.TextChoices], dict[str, str]] = {}
_CODES: dict[type[models.TextChoices], dict[str, str]] = {}


def _choice_labels(choices: type[models.TextChoices]) -> dict[str, str]:
    """Code → the label a workbook shows: Chinese, and region levels as 省级, 市级 …"""
    labels = _LABELS.get(choices)
    if labels is None:
        suffix = "级" if choices is RegionLevel else ""
        with translation.override("zh-hans"):
            labels = {value: f"{label}{suffix}" for value, label in choices.choices}
        _LABELS[choices] = labels
    return labels


def _label_map(choices: type[models.TextChoices]) -> dict[str, str]:
    """Label (also without 级) or code (any case) → code."""
    codes = _CODES.get(choices)
    if codes is None:
        codes = {}
        for value, label in _choice_labels(choices).items():
            codes[label] = codes[label.removesuffix("级")] = codes[value.lower()] = value
        _CODES[choices] = codes
    return codes


def _labels(choices: type[models.TextChoices]) -> str:
    return "、".join(_choice_labels(choices).values())


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value).strip()


def _integer(value: Any) -> int:
    if isinstance(value, bool):
        raise _CellError("not_integer", _("应为整数。"))
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = _text(value)
    if re.fullmatch(r"[+-]?\d{1,18}", text):
        return int(text)
    raise _CellError("not_integer", _("“%(value)s”不是整数。") % {"value": text[:50]})


def _choice(column: Column, token: str) -> str:
    if column.choices is None:  # a programming error in the column tables
        raise TypeError(f"column {column.key} has no choices")
    mapping = _label_map(column.choices)
    code = mapping.get(token) or mapping.get(token.lower())
    if code is None:
        raise _CellError(
            "choice_unknown",
            _("“%(value)s”不是有效的%(what)s,可填:%(labels)s。")
            % {"value": token[:50], "what": column.header, "labels": _labels(column.choices)},
        )
    return code


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in {"是", "必要", "true", "yes", "y", "1"}:
        return True
    if text in {"否", "非必要", "false", "no", "n", "0"}:
        return False
    raise _CellError("not_boolean", _("“%(value)s”应为“是”或“否”。") % {"value": text[:50]})


def _fees(text: str) -> list[dict[str, Any]]:
    lines = re.split(r"[\r\n]+", text) if "\n" in text else re.split(r"[;；]", text)
    fees = []
    for line in filter(None, (line.strip() for line in lines)):
        parts = re.split(r"[:：]", line, maxsplit=2)
        if len(parts) < 2 or not parts[0].strip():
            raise _CellError(
                "fee_format",
                _("收费“%(fee)s”应写成“名称:金额”或“名称:金额:依据”。") % {"fee": line[:50]},
            )
        amount = parts[1].strip().removesuffix("元").strip()
        try:
            value = Decimal(amount)
        except InvalidOperation:
            raise _CellError(
                "fee_format",
                _("收费“%(fee)s”的金额“%(amount)s”不是数字。")
                % {"fee": parts[0].strip()[:50], "amount": amount[:20]},
            ) from None
        basis = parts[2].strip() if len(parts) > 2 else ""
        fees.append({"name": parts[0].strip(), "amount": value, "basis": basis})
    return fees


def _read_cell(column: Column, value: Any) -> Any:
    """The field value of a cell; ``_UNSET`` to leave the field out. Raises _CellError."""
    text = value if isinstance(value, bool | int | float) else _text(value)
    if text == "":
        return column.empty
    if column.kind == "int":
        return _integer(value)
    if column.kind == "bool":
        return _boolean(value)
    if column.kind == "choice":
        return _choice(column, _text(value))
    if column.kind == "choices":
        tokens = [t.strip() for t in re.split(r"[、,，;；\r\n]+", _text(value))]
        return list(dict.fromkeys(_choice(column, t) for t in tokens if t))
    if column.kind == "fees":
        return _fees(_text(value))
    return _text(value)


# --- the parsed import --------------------------------------------------------------------


@dataclass
class _Record:
    """One row of a sheet (or one entry of a JSON list) and where it came from."""

    sheet: str
    row: int
    values: dict[str, Any]
    bad: set[str] = field(default_factory=set)  # fields whose cell could not be read


@dataclass
class _ItemEntry:
    record: _Record
    materials: list[_Record] = field(default_factory=list)
    data: ItemIn | None = None
    failed: bool = False


@dataclass
class _ImplementationEntry:
    record: _Record
    data: ImplementationIn | None = None
    failed: bool = False


class _Import:
    """Everything an import collects: the entries, the errors, and how to point at a spot."""

    def __init__(self, kind: str) -> None:
        self.kind = kind  # "xlsx" | "json"
        self.errors: list[dict[str, Any]] = []
        self.items: list[_ItemEntry] = []
        self.implementations: list[_ImplementationEntry] = []
        self.positions: dict[str, dict[str, int]] = {}  # sheet → field → column index

    # -- pointing at a spot

    def row_name(self, record: _Record) -> str:
        if self.kind == "json":
            return f"{record.sheet}[{record.row}]"
        return _("第 %(row)d 行") % {"row": record.row}

    def at(
        self, record: _Record, path: tuple[str | int, ...], code: str, message: Any
    ) -> dict[str, Any]:
        if self.kind == "json":
            dotted = _dotted(path)
            where = f"{record.sheet}[{record.row}]" + (f".{dotted}" if dotted else "")
            return _error(
                record.sheet,
                code,
                message,
                row=record.row,
                column=dotted,
                field_name=dotted,
                location=where,
            )
        columns = {c.key: c for c in SHEETS[record.sheet]}
        column = columns.get(str(path[0])) if path else None
        index = self.positions.get(record.sheet, {}).get(column.key) if column else None
        cell = f"{get_column_letter(index + 1)}{record.row}" if index is not None else ""
        where = f"{record.sheet}!{cell or f'{record.row}:{record.row}'}"
        return _error(
            record.sheet,
            code,
            message,
            row=record.row,
            column=column.header if column else "",
            field_name=_dotted(path),
            location=where,
        )

    def item_error(
        self, entry: _ItemEntry, path: tuple[str | int, ...], code: str, message: Any
    ) -> None:
        entry.failed = True
        if (
            self.kind == "xlsx"
            and len(path) >= 2
            and path[0] == "materials"
            and isinstance(path[1], int)
            and path[1] < len(entry.materials)
        ):
            self.errors.append(self.at(entry.materials[path[1]], path[2:], code, message))
        else:
            self.errors.append(self.at(entry.record, path, code, message))

    def implementation_error(
        self, entry: _ImplementationEntry, path: tuple[str | int, ...], code: str, message: Any
    ) -> None:
        entry.failed = True
        self.errors.append(self.at(entry.record, path, code, message))


def _service_errors(exc: DomainError) -> list[tuple[tuple[str | int, ...], str, str]]:
    """A service's refusal as (path, code, message) triples."""
    listed = exc.details.get("errors")
    if isinstance(listed, list) and listed:
        return [
            (_path(str(e.get("field", ""))), str(e.get("code", exc.code)), str(e["message"]))
            for e in listed
        ]
    return [((), str(exc.code), str(exc.message))]


# --- reading a workbook -------------------------------------------------------------------


def _open_workbook(data: bytes) -> Any:
    not_xlsx = _("文件不是有效的 Excel 工作簿(.xlsx);旧版 .xls 请先另存为 .xlsx。")
    if not data.startswith(b"PK\x03\x04"):
        raise _file_error("file_not_xlsx", not_xlsx)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _file_error("file_not_xlsx", not_xlsx) from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise _file_error(
            "file_too_large",
            _("工作簿解压后超过 %(n)d MB,请分批导入。") % {"n": MAX_UNPACKED_BYTES // 2**20},
            status=413,
        )
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds on a damaged file; all mean the same here
        raise _file_error("file_not_xlsx", not_xlsx) from None


def _header_key(text: Any) -> str:
    return re.sub(r"\s+", "", _text(text)).replace("(", "(").replace(")", ")")


def _read_sheet(state: _Import, worksheet: Any, sheet: str) -> list[_Record] | None:
    """The non-empty rows of a sheet as records of raw cell values; None (and errors) when
    the header is incomplete or the sheet too long."""
    columns = SHEETS[sheet]
    lookup: dict[str, str] = {}
    for column in columns:
        lookup[_header_key(column.header)] = column.key
        lookup[column.key] = column.key
    header = next(worksheet.iter_rows(min_row=1, max_row=1, values_only=True), ())
    positions: dict[str, int] = {}
    for index, text in enumerate(header):
        key = lookup.get(_header_key(text))
        if key is not None and key not in positions:
            positions[key] = index
    state.positions[sheet] = positions
    missing = [c for c in columns if c.key not in positions]
    for column in missing:
        state.errors.append(
            _error(
                sheet,
                "column_missing",
                _("“%(sheet)s”表缺少“%(column)s”列(第 1 行应为表头)。")
                % {"sheet": sheet, "column": column.header},
                row=1,
                column=column.header,
                field_name=column.key,
                location=f"{sheet}!1:1",
            )
        )
    if missing:
        return None
    records: list[_Record] = []
    width = max(positions.values()) + 1
    for number, cells in enumerate(
        worksheet.iter_rows(min_row=2, max_col=width, values_only=True), start=2
    ):
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in cells):
            if number > 5 * MAX_ROWS:  # a sheet of blank but formatted rows: stop reading
                break
            continue
        if len(records) >= MAX_ROWS:
            state.errors.append(
                _error(
                    sheet,
                    "too_many_rows",
                    _("“%(sheet)s”表超过 %(n)d 行的上限,请分批导入。")
                    % {"sheet": sheet, "n": MAX_ROWS},
                    row=number,
                    location=f"{sheet}!{number}:{number}",
                )
            )
            return None
        values = {key: cells[i] if i < len(cells) else None for key, i in positions.items()}
        records.append(_Record(sheet, number, values))
    return records


def _convert(state: _Import, record: _Record) -> None:
    """Turn a record's raw cells into field values, noting every cell that cannot be read."""
    values: dict[str, Any] = {}
    for column in SHEETS[record.sheet]:
        try:
            value = _read_cell(column, record.values.get(column.key))
        except _CellError as exc:
            record.bad.add(column.key)
            state.errors.append(state.at(record, (column.key,), exc.code, exc.message))
            continue
        if value is not _UNSET:
            values[column.key] = value
    record.values = values


def _parse_workbook(state: _Import, data: bytes) -> None:
    workbook = _open_workbook(data)
    try:
        missing = [s for s in SHEETS if s not in workbook.sheetnames]
        if missing:
            raise _refusal(
                [
                    _error(s, "sheet_missing", _("工作簿缺少“%(sheet)s”表。") % {"sheet": s})
                    for s in missing
                ],
                status=400,
            )
        try:
            sheets = {s: _read_sheet(state, workbook[s], s) for s in SHEETS}
        except DomainError:
            raise
        except Exception:  # a damaged sheet only shows while its rows are read
            raise _file_error(
                "file_not_xlsx", _("工作簿已损坏,无法读取;请在 Excel 中打开后另存为 .xlsx。")
            ) from None
    finally:
        workbook.close()
    if state.errors:
        raise _refusal(state.errors, status=400)
    by_code: dict[str, _ItemEntry] = {}
    for record in sheets[SHEET_ITEMS] or []:
        _convert(state, record)
        entry = _ItemEntry(record)
        state.items.append(entry)
        code = record.values.get("code", "")
        if code and code in by_code:
            state.item_error(
                entry,
                ("code",),
                "duplicate",
                _("事项编码 %(code)s 与%(other)s重复。")
                % {"code": code, "other": state.row_name(by_code[code].record)},
            )
        elif code:
            by_code[code] = entry
    for record in sheets[SHEET_MATERIALS] or []:
        _convert(state, record)
        owner = by_code.get(record.values.get("item_code", ""))
        if owner is None:
            state.errors.append(
                state.at(
                    record,
                    ("item_code",),
                    "item_unknown",
                    _("事项编码“%(code)s”不在“事项”表中(材料须随所属事项一起导入)。")
                    % {"code": record.values.get("item_code", "")},
                )
            )
            continue
        owner.materials.append(record)
        if record.bad:
            owner.failed = True
    for entry in state.items:
        values = dict(entry.record.values)
        values["materials"] = [
            {k: v for k, v in m.values.items() if k != "item_code"} for m in entry.materials
        ]
        entry.data = _validated_item(state, entry, values)
        entry.failed = entry.failed or bool(entry.record.bad)
    for record in sheets[SHEET_IMPLEMENTATIONS] or []:
        _convert(state, record)
        implementation = _ImplementationEntry(record, failed=bool(record.bad))
        implementation.data = _validated_implementation(state, implementation)
        state.implementations.append(implementation)


def _validated_item(state: _Import, entry: _ItemEntry, values: dict[str, Any]) -> ItemIn | None:
    try:
        return ItemIn.model_validate(values)
    except ValidationError as exc:
        for error in exc.errors():
            path = tuple(error["loc"])
            if path and path[0] in entry.record.bad:
                continue  # already reported: the cell could not be read
            if (
                len(path) >= 3
                and path[0] == "materials"
                and isinstance(path[1], int)
                and path[1] < len(entry.materials)
                and path[2] in entry.materials[path[1]].bad
            ):
                continue
            state.item_error(entry, path, error["type"], _schema_message(error))
        entry.failed = True
        return None


def _validated_implementation(
    state: _Import, entry: _ImplementationEntry
) -> ImplementationIn | None:
    try:
        return ImplementationIn.model_validate(entry.record.values)
    except ValidationError as exc:
        for error in exc.errors():
            path = tuple(error["loc"])
            if path and path[0] in entry.record.bad:
                continue
            state.implementation_error(entry, path, error["type"], _schema_message(error))
        entry.failed = True
        return None


# --- reading JSON -------------------------------------------------------------------------


def _depth(value: Any) -> int:
    """How deeply ``value`` nests (iteratively: a deep document must not exhaust the stack
    of the validators that read it later)."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        current, depth = stack.pop()
        deepest = max(deepest, depth)
        if isinstance(current, dict):
            stack.extend((v, depth + 1) for v in current.values())
        elif isinstance(current, list):
            stack.extend((v, depth + 1) for v in current)
    return deepest


def _parse_json(state: _Import, data: bytes) -> None:
    try:
        payload = json.loads(data.decode("utf-8-sig"))
    except json.JSONDecodeError as exc:
        raise _refusal(
            [
                _error(
                    "",
                    "json_invalid",
                    _("不是有效的 JSON:第 %(line)d 行第 %(col)d 列附近有误。")
                    % {"line": exc.lineno, "col": exc.colno},
                    row=exc.lineno,
                    column=str(exc.colno),
                    location=f"{exc.lineno}:{exc.colno}",
                )
            ],
            status=400,
        ) from None
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise _file_error("json_invalid", _("不是有效的 UTF-8 JSON 文件。")) from None
    if _depth(payload) > MAX_JSON_DEPTH:
        raise _file_error(
            "json_too_deep",
            _("JSON 嵌套超过 %(n)d 层,不像是事项目录文件。") % {"n": MAX_JSON_DEPTH},
        )
    if not isinstance(payload, dict):
        raise _file_error(
            "json_not_object",
            _('JSON 文件应是一个对象:{"items": [...], "implementations": [...]}。'),
        )
    if payload.get("format", JSON_FORMAT) != JSON_FORMAT:
        raise _file_error(
            "json_format_unknown",
            _("JSON 文件的 format 应为“%(format)s”。") % {"format": JSON_FORMAT},
        )
    lists = {}
    for name in (JSON_ITEMS, JSON_IMPLEMENTATIONS):
        entries = payload.get(name, [])
        if not isinstance(entries, list):
            state.errors.append(
                _error(name, "json_not_list", _("%(name)s 应是数组。") % {"name": name})
            )
        elif len(entries) > MAX_ROWS:
            state.errors.append(
                _error(
                    name,
                    "too_many_rows",
                    _("%(name)s 超过 %(n)d 条的上限,请分批导入。") % {"name": name, "n": MAX_ROWS},
                )
            )
        else:
            lists[name] = entries
    if state.errors:
        raise _refusal(state.errors, status=400)
    for index, raw in enumerate(lists[JSON_ITEMS]):
        entry = _ItemEntry(_Record(JSON_ITEMS, index, raw if isinstance(raw, dict) else {}))
        state.items.append(entry)
        if not isinstance(raw, dict):
            state.item_error(entry, (), "json_not_object", _("每个事项应是一个 JSON 对象。"))
            continue
        entry.data = _validated_item(state, entry, raw)
    for index, raw in enumerate(lists[JSON_IMPLEMENTATIONS]):
        record = _Record(JSON_IMPLEMENTATIONS, index, raw if isinstance(raw, dict) else {})
        implementation = _ImplementationEntry(record)
        state.implementations.append(implementation)
        if not isinstance(raw, dict):
            state.implementation_error(
                implementation, (), "json_not_object", _("每个实施清单应是一个 JSON 对象。")
            )
            continue
        implementation.data = _validated_implementation(state, implementation)


# --- cross-checks and writing -------------------------------------------------------------


def _check_references(state: _Import) -> tuple[dict[str, Department], set[str]]:
    """Unknown departments, unknown items and duplicate rows, before any service runs."""
    codes = {e.data.department_code for e in state.items if e.data} | {
        e.data.department_code for e in state.implementations if e.data
    }
    departments = {
        d.code: d for d in Department.objects.select_related("region").filter(code__in=codes)
    }
    seen_items: dict[str, _Record] = {}
    for entry in state.items:
        if entry.data is None:
            continue
        if entry.data.department_code not in departments:
            state.item_error(
                entry,
                ("department_code",),
                "department_unknown",
                _("部门编码 %(code)s 不存在。") % {"code": entry.data.department_code},
            )
        if state.kind == "json":  # a workbook's duplicates are found while reading it
            if entry.data.code in seen_items:
                state.item_error(
                    entry,
                    ("code",),
                    "duplicate",
                    _("事项编码 %(code)s 与%(other)s重复。")
                    % {
                        "code": entry.data.code,
                        "other": state.row_name(seen_items[entry.data.code]),
                    },
                )
            seen_items.setdefault(entry.data.code, entry.record)
    in_file = {
        str(e.record.values.get("code", "")) for e in state.items if e.record.values.get("code")
    }
    wanted = {e.data.item_code for e in state.implementations if e.data} - in_file
    in_catalog = set(ServiceItem.objects.filter(code__in=wanted).values_list("code", flat=True))
    seen: dict[tuple[str, str], _Record] = {}
    for implementation in state.implementations:
        data = implementation.data
        if data is None:
            continue
        if data.item_code not in in_file and data.item_code not in in_catalog:
            state.implementation_error(
                implementation,
                ("item_code",),
                "item_unknown",
                _("事项编码 %(code)s 既不在“事项”表中,也不在事项目录中。")
                % {"code": data.item_code},
            )
        if data.department_code not in departments:
            state.implementation_error(
                implementation,
                ("department_code",),
                "department_unknown",
                _("部门编码 %(code)s 不存在。") % {"code": data.department_code},
            )
        key = (data.item_code, data.department_code)
        if key in seen:
            state.implementation_error(
                implementation,
                ("department_code",),
                "duplicate",
                _("部门 %(dept)s 实施事项 %(item)s 的记录与%(other)s重复。")
                % {"item": key[0], "dept": key[1], "other": state.row_name(seen[key])},
            )
        seen.setdefault(key, implementation.record)
    failed_items = {
        str(e.record.values.get("code", "")) for e in state.items if e.failed or e.data is None
    }
    return departments, failed_items


def _save_item(actor: Any, data: ItemIn, counts: ImportResult) -> None:
    existing = ServiceItem.objects.filter(code=data.code).first()
    if existing is None:
        services.create_item(actor=actor, data=data)
        counts.items_created += 1
    else:
        item = services.update_item(actor=actor, item=existing, data=data)
        if item.revision != existing.revision:
            counts.items_updated += 1
        else:
            counts.items_unchanged += 1
    counts.materials += len(data.materials)


def _save_implementation(
    actor: Any, data: ImplementationIn, department: Department, counts: ImportResult
) -> None:
    item = ServiceItem.objects.get(code=data.item_code)
    services.require(actor, permissions.EDIT, department)
    implementation = ItemImplementation.objects.filter(item=item, department=department).first()
    if implementation is None:
        services.create_implementation(actor=actor, item=item, department=department, data=data)
        counts.implementations_created += 1
        return
    latest = implementation.versions.order_by("-number").first()
    if latest is not None:
        # The same comparison update_draft makes: does the row change the latest version?
        before = services._version_content(latest)
        if services._content(item, data, before) == before:
            counts.implementations_unchanged += 1
            return
    if latest is not None and latest.status == VersionStatus.REVIEW:
        raise DomainError(
            ErrorCode.STATUS_TRANSITION,
            _("版本 %(n)d 正在审核中,不能通过导入修改;请先退回或发布。") % {"n": latest.number},
            status=409,
        )
    if latest is None or latest.status != VersionStatus.DRAFT:
        latest = services.revise(actor=actor, implementation=implementation)
    services.update_draft(actor=actor, version=latest, data=data)
    counts.implementations_updated += 1


def _write(state: _Import, actor: Any, counts: ImportResult) -> None:
    """Run the services for every good entry, each in a savepoint, collecting refusals."""
    departments, failed_items = _check_references(state)
    for entry in state.items:
        if entry.failed or entry.data is None:
            continue
        try:
            with transaction.atomic():
                _save_item(actor, entry.data, counts)
        except DomainError as exc:
            failed_items.add(entry.data.code)
            for path, code, message in _service_errors(exc):
                state.item_error(entry, path, code, message)
    for implementation in state.implementations:
        data = implementation.data
        if implementation.failed or data is None or data.item_code in failed_items:
            continue
        try:
            with transaction.atomic():
                _save_implementation(actor, data, departments[data.department_code], counts)
        except DomainError as exc:
            for path, code, message in _service_errors(exc):
                state.implementation_error(implementation, path, code, message)


def import_file(*, actor: Any, data: bytes, filename: str) -> ImportResult:
    """Import a workbook (.xlsx) or a JSON file, all or nothing (see the module docstring).

    Raises DomainError ``catalog_import_refused`` listing every error; nothing is written
    then."""
    check_import_allowed(actor)
    check_size(len(data))
    if not data.strip():
        raise _file_error("file_empty", _("文件是空的,请重新选择。"))
    name = filename.lower()
    if name.endswith(".json") or (not name.endswith(".xlsx") and data.lstrip()[:1] in b"{["):
        kind = "json"
    elif name.endswith(".xlsx") or data.startswith(b"PK\x03\x04"):
        kind = "xlsx"
    else:
        raise _file_error(
            "file_type_not_allowed", _("只能导入 Excel 工作簿(.xlsx)或 JSON 文件(.json)。")
        )
    state = _Import(kind)
    if kind == "xlsx":
        _parse_workbook(state, data)
    else:
        _parse_json(state, data)
    result = ImportResult()
    with transaction.atomic():
        _write(state, actor, result)
        if state.errors:
            raise _refusal(state.errors)  # rolls back everything the services wrote
        audit.record(
            "catalog.imported",
            actor=actor,
            target_type="catalog.serviceitem",
            details={"format": kind, "filename": filename[:200], **asdict(result)},
        )
    return result


# --- export -------------------------------------------------------------------------------


def _scoped(queryset: Any, actor: Any) -> Any:
    return queryset if _is_console(actor) else queryset.for_user(actor, permissions.VIEW)


def _material_dict(material: Any) -> dict[str, Any]:
    return services.material_dict(material, position=False)


def _fees_out(fees: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"name": f["name"], "amount": str(f["amount"]), "basis": f.get("basis", "")} for f in fees
    ]


def _item_dicts(actor: Any) -> Iterator[dict[str, Any]]:
    items = (
        _scoped(ServiceItem.objects.all(), actor)
        .select_related("department")
        .prefetch_related("materials")
        .order_by("code")
    )
    for item in items:
        yield {
            "code": item.code,
            "name": item.name,
            "item_type": item.item_type,
            "department_code": item.department.code,
            "legal_basis": item.legal_basis,
            "handling_levels": list(item.handling_levels),
            "service_objects": list(item.service_objects),
            "themes": list(item.themes),
            "acceptance_conditions": item.acceptance_conditions,
            "process_description": item.process_description,
            "statutory_limit_days": item.statutory_limit_days,
            "fees": _fees_out(item.fees),
            "result_type": item.result_type,
            "result_name": item.result_name,
            "result_license_type": item.result_license_type,
            "channels": list(item.channels),
            "max_trips": item.max_trips,
            "materials": [_material_dict(m) for m in item.materials.all()],
        }


def _implementation_dicts(actor: Any) -> Iterator[dict[str, Any]]:
    implementations = (
        _scoped(ItemImplementation.objects.all(), actor)
        .select_related("item", "department")
        .prefetch_related(
            Prefetch(
                "versions",
                queryset=ImplementationVersion.objects.order_by("-number").prefetch_related(
                    "materials"
                ),
            )
        )
        .order_by("code")
    )
    for implementation in implementations:
        versions = list(implementation.versions.all())
        if not versions:
            continue
        latest = versions[0]
        yield {
            "item_code": implementation.item.code,
            "department_code": implementation.department.code,
            "handling_kind": latest.handling_kind,
            "promised_limit_days": latest.promised_limit_days,
            "acceptance_conditions": latest.acceptance_conditions,
            "service_objects": list(latest.service_objects),
            "channels": list(latest.channels),
            "max_trips": latest.max_trips,
            "fees": _fees_out(latest.fees),
            "hall_address": latest.hall_address,
            "office_hours": latest.office_hours,
            "phone": latest.phone,
            "complaint_phone": latest.complaint_phone,
            "form_schema": latest.form_schema,
            "form_ui": latest.form_ui,
            "process_bpmn": latest.process_bpmn,
            "materials": [_material_dict(m) for m in latest.materials.all()],
        }


def export_json(actor: Any) -> dict[str, Any]:
    """The catalogue the actor may view, in the JSON import format."""
    check_export_allowed(actor)
    return {
        "format": JSON_FORMAT,
        "version": JSON_VERSION,
        "exported_at": timezone.now().isoformat(timespec="seconds"),
        JSON_ITEMS: list(_item_dicts(actor)),
        JSON_IMPLEMENTATIONS: list(_implementation_dicts(actor)),
    }


def _cell_value(column: Column, value: Any) -> Any:
    if value is None or column.kind in {"text", "int"}:
        return value
    if column.kind == "bool":
        return "是" if value else "否"
    if column.kind == "fees":
        return "\n".join(
            ":".join([f["name"], str(f["amount"])] + ([f["basis"]] if f.get("basis") else []))
            for f in value
        )
    if column.choices is None:
        raise TypeError(f"column {column.key} has no choices")
    labels = _choice_labels(column.choices)
    if column.kind == "choices":
        return "、".join(labels.get(v, v) for v in value)
    return labels.get(value, value)


def _write_sheet(workbook: Any, sheet: str, rows: Iterable[dict[str, Any]]) -> None:
    columns = SHEETS[sheet]
    worksheet = workbook.create_sheet(sheet)
    for index, column in enumerate(columns, start=1):
        worksheet.column_dimensions[get_column_letter(index)].width = column.width
    worksheet.freeze_panes = "A2"
    bold = Font(bold=True)
    worksheet.append([_cell(worksheet, c.header, font=bold) for c in columns])
    for row in rows:
        values = []
        for column in columns:
            value = _cell_value(column, row.get(column.key))
            values.append(_cell(worksheet, value, text=column.code) if value is not None else None)
        worksheet.append(values)


def _cell(worksheet: Any, value: Any, *, font: Any = None, text: bool = False) -> Any:
    cell = WriteOnlyCell(worksheet, value)
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula, whatever the text starts with
    if text:
        cell.number_format = "@"
    if font is not None:
        cell.font = font
    return cell


def export_workbook(actor: Any) -> bytes:
    """The catalogue the actor may view as an Excel workbook in the import format."""
    check_export_allowed(actor)
    items = list(_item_dicts(actor))
    workbook = Workbook(write_only=True)
    _write_sheet(workbook, SHEET_ITEMS, items)
    _write_sheet(
        workbook,
        SHEET_MATERIALS,
        ({"item_code": i["code"], **m} for i in items for m in i["materials"]),
    )
    _write_sheet(workbook, SHEET_IMPLEMENTATIONS, _implementation_dicts(actor))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def export_filename(extension: str) -> str:
    return f"yiwang-catalog-{timezone.localdate():%Y%m%d}.{extension}"
