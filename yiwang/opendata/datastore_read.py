"""Reading tabular files for the data store: the encoding of a CSV, its rows (or an XLSX
sheet's), the column ids made from the header, and the typing of cells.

Cells are parsed into a *canonical text* per type (``"42"``, ``"3.5"``, ``"2024-05-01"``,
``"2024-05-01T08:30:00"``, ``"1"``/``"0"`` for booleans), which both databases take as they
are: SQLite by the column's type affinity, PostgreSQL's COPY by its text input. ``None`` is an
empty cell (stored as NULL).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any, BinaryIO

from django.utils.translation import gettext as _

from yiwang.kernel.errors import DomainError
from yiwang.opendata.errors import ErrorCode

#: Bytes read to choose the encoding and the delimiter.
PREFIX_BYTES = 64 * 1024
#: Rows read before the column types are chosen.
SAMPLE_ROWS = 1000
#: A typed column tolerates this share of cells that do not fit (NULL + reported); beyond it
#: the column is text.
BAD_CELL_TOLERANCE = 0.05
#: Rows whose number of cells differs from the header's are skipped and reported; beyond this
#: share (or this many) the file is refused.
RAGGED_TOLERANCE = 0.01
RAGGED_MAX = 1000
MAX_COLUMNS = 1000
#: PostgreSQL identifiers are at most 63 bytes; room is kept for a ``_NN`` suffix.
ID_BYTES = 58
#: Integers beyond ±2**53 would lose digits in JSON clients (JavaScript numbers): such long
#: digit strings (ID numbers, account numbers) are codes, not quantities, and stay text.
SAFE_INT_DIGITS = 15

TYPES = ("bool", "int", "numeric", "date", "timestamp", "text")


def file_invalid(message: str, **details: Any) -> DomainError:
    return DomainError(
        ErrorCode.FILE_INVALID, message, status=422, errors={"upload": [message]}, **details
    )


# --- cells ----------------------------------------------------------------------------------

_DIGITS = rf"(0|[1-9]\d{{0,{SAFE_INT_DIGITS - 1}}})"
_INT = re.compile(rf"[+-]?{_DIGITS}")
_NUMERIC = re.compile(rf"[+-]?({_DIGITS}(\.\d*)?|\.\d+)([eE][+-]?\d{{1,3}})?")
_DATE = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?")
_TIMESTAMP = re.compile(
    r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?"
)
_TRUE = frozenset({"true", "yes", "是"})
_FALSE = frozenset({"false", "no", "否"})


def _bool(value: str) -> str | None:
    lowered = value.lower()
    if lowered in _TRUE:
        return "1"
    if lowered in _FALSE:
        return "0"
    raise ValueError(value)


def _int(value: str) -> str:
    if not _INT.fullmatch(value):
        raise ValueError(value)
    return value.lstrip("+")


def _numeric(value: str) -> str:
    if not _NUMERIC.fullmatch(value):
        raise ValueError(value)
    return value.lstrip("+")


def _date(value: str) -> str:
    match = _DATE.fullmatch(value)
    if not match:
        raise ValueError(value)
    return dt.date(int(match[1]), int(match[2]), int(match[3])).isoformat()


def _timestamp(value: str) -> str:
    match = _TIMESTAMP.fullmatch(value)
    if not match:
        return _date(value) + "T00:00:00"
    fraction = (match[7] or "").ljust(6, "0")
    return dt.datetime(  # noqa: DTZ001 (the file's local time, as written: a naive timestamp)
        int(match[1]),
        int(match[2]),
        int(match[3]),
        int(match[4]),
        int(match[5]),
        int(match[6] or 0),
        int(fraction or 0),
    ).isoformat()


def _text(value: str) -> str:
    return value


#: type → parser of a stripped, non-empty cell into its canonical text (ValueError if it does
#: not fit).
PARSERS: dict[str, Callable[[str], str | None]] = {
    "bool": _bool,
    "int": _int,
    "numeric": _numeric,
    "date": _date,
    "timestamp": _timestamp,
    "text": _text,
}


def fits(type_: str, value: str) -> bool:
    try:
        PARSERS[type_](value)
    except ValueError:
        return False
    return True


def infer(values: list[str]) -> str:
    """The narrowest type that at least ``1 - BAD_CELL_TOLERANCE`` of the non-empty sample
    ``values`` fit; ``text`` when none does (or the sample has no value)."""
    if not values:
        return "text"
    allowed = int(len(values) * BAD_CELL_TOLERANCE)
    for type_ in TYPES[:-1]:
        parse = PARSERS[type_]
        failures = 0
        for value in values:
            try:
                parse(value)
            except ValueError:
                failures += 1
                if failures > allowed:
                    break
        else:
            return type_
    return "text"


def _looks_like_data(cell: str) -> bool:
    return any(fits(t, cell) for t in ("int", "numeric", "date", "timestamp"))


# --- column ids -------------------------------------------------------------------------------

_NOT_WORD = re.compile(r"[^\w]+")


def column_ids(header: list[str]) -> list[str]:
    """Column ids from the header cells: word characters (Chinese included) kept, everything
    else turned into ``_``, no leading ``_`` (CKAN reserves those: ``_id``), at most
    :data:`ID_BYTES` bytes, an empty one named ``column_<n>``, duplicates (ignoring case, as
    SQLite does) suffixed ``_2``, ``_3``..."""
    ids: list[str] = []
    taken: set[str] = set()
    for position, label in enumerate(header, start=1):
        base = _NOT_WORD.sub("_", label.strip()).strip("_")
        base = base.encode()[:ID_BYTES].decode(errors="ignore") or f"column_{position}"
        candidate, n = base, 1
        while candidate.casefold() in taken:
            n += 1
            candidate = f"{base}_{n}"
        taken.add(candidate.casefold())
        ids.append(candidate)
    return ids


# --- files ------------------------------------------------------------------------------------


@dataclass
class Table:
    """An opened file: its header labels and an iterator over its data rows (lists of
    stripped strings), numbered from 2 (the header is row 1, as a spreadsheet shows it)."""

    format: str
    encoding: str
    delimiter: str
    labels: list[str]
    rows: Iterator[tuple[int, list[str]]]


class EncodingRetry(Exception):
    """A file read as UTF-8 turned out not to be (past the prefix): read it again as GB18030."""


def detect_encoding(prefix: bytes) -> str:
    """``utf-8-sig`` (with BOM), ``utf-8`` or ``gb18030`` (a superset of GBK and GB2312): the
    first that decodes the prefix strictly. A NUL byte means a binary file."""
    if b"\x00" in prefix:
        raise file_invalid(_("文件不是文本格式的 CSV（含有二进制内容），请检查文件后重新上传。"))
    if prefix.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    for encoding in ("utf-8", "gb18030"):
        try:
            codecs.getincrementaldecoder(encoding)(errors="strict").decode(prefix, final=False)
        except UnicodeDecodeError:
            continue
        return encoding
    raise file_invalid(
        _("无法识别文件的字符编码：文件既不是 UTF-8 也不是 GBK/GB18030 编码的文本。")
    )


def _sniff_delimiter(text: str, filename: str) -> str:
    if filename.lower().endswith(".tsv"):
        return "\t"
    first = text.split("\n", 1)[0]
    counts = {d: first.count(d) for d in (",", "\t", ";", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def open_csv(stream: BinaryIO, filename: str, encoding: str | None = None) -> Table:
    prefix = stream.read(PREFIX_BYTES)
    stream.seek(0)
    if not prefix.strip(b" \t\r\n\xef\xbb\xbf"):
        raise file_invalid(_("文件为空。"))
    encoding = encoding or detect_encoding(prefix)
    if encoding == "gb18030" and b"\x00" in prefix:
        raise file_invalid(_("文件不是文本格式的 CSV（含有二进制内容），请检查文件后重新上传。"))
    text_prefix = prefix.decode(encoding, errors="ignore")
    delimiter = _sniff_delimiter(text_prefix, filename)
    text = io.TextIOWrapper(
        _Unclosed(stream),  # type: ignore[type-var]  # a BufferedIOBase, as it expects
        encoding=encoding,
        errors="strict",
        newline="",
    )
    reader = csv.reader(_checked_lines(text, encoding), delimiter=delimiter, strict=False)
    try:
        header = next(reader, None)
    except csv.Error as error:
        raise file_invalid(_("CSV 格式有误（第 1 行）：%(e)s") % {"e": error}) from None
    if header is None or not any(cell.strip() for cell in header):
        raise file_invalid(_("文件为空或第一行（表头）为空。"))

    def rows() -> Iterator[tuple[int, list[str]]]:
        number = 1
        try:
            for row in reader:
                number += 1
                yield number, [cell.strip() for cell in row]
        except csv.Error as error:
            raise file_invalid(
                _("CSV 格式有误（第 %(row)s 行）：%(e)s") % {"row": number + 1, "e": error},
                row=number + 1,
            ) from None

    return Table("CSV", encoding, delimiter, [cell.strip() for cell in header], rows())


class _Unclosed(io.BufferedIOBase):
    """The caller's stream for a text wrapper, which would close it when collected: it stays
    open (a load may read it again, and it is the caller's)."""

    def __init__(self, raw: BinaryIO) -> None:
        super().__init__()
        self._raw = raw

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1, /) -> bytes:
        return self._raw.read(-1 if size is None else size)

    def read1(self, size: int = -1, /) -> bytes:
        return self._raw.read(size if size and size > 0 else 1 << 16)

    def close(self) -> None:
        pass


def _checked_lines(text: IO[str], encoding: str) -> Iterator[str]:
    """The file's lines, with a decoding error past the prefix turned into a retry as GB18030
    (plain UTF-8 guessed from an ASCII prefix) or a refusal."""
    try:
        for line in text:
            if "\x00" in line:
                raise file_invalid(
                    _("文件不是文本格式的 CSV（含有二进制内容），请检查文件后重新上传。")
                )
            yield line
    except UnicodeDecodeError:
        if encoding == "utf-8":
            raise EncodingRetry from None
        raise file_invalid(
            _("文件中有无法按 %(enc)s 解码的内容，请将文件另存为 UTF-8 编码后重新上传。")
            % {"enc": encoding.upper()}
        ) from None


def _xlsx_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, dt.datetime):
        if value.time() == dt.time():
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value).strip()


def open_xlsx(stream: BinaryIO) -> Table:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        values = sheet.iter_rows(values_only=True)
        header_row = next(values, None)
    except Exception:  # openpyxl raises many kinds on a damaged file; all mean the same here
        raise file_invalid(_("无法读取该 Excel 文件：文件已损坏或不是 XLSX 格式。")) from None
    if header_row is None or not any(v not in (None, "") for v in header_row):
        raise file_invalid(_("文件为空或第一行（表头）为空。"))
    header = [_xlsx_cell(v) for v in header_row]
    while header and not header[-1]:
        header.pop()

    def rows() -> Iterator[tuple[int, list[str]]]:
        number = 1
        try:
            for row in values:
                number += 1
                cells = [_xlsx_cell(v) for v in row]
                while len(cells) > len(header) and not cells[-1]:
                    cells.pop()
                if len(cells) < len(header):
                    # read-only sheets leave out trailing empty cells
                    cells.extend([""] * (len(header) - len(cells)))
                yield number, cells
        except DomainError:
            raise
        except Exception:
            raise file_invalid(
                _("无法读取该 Excel 文件（第 %(row)s 行）。") % {"row": number + 1}
            ) from None
        finally:
            workbook.close()

    return Table("XLSX", "", "", header, rows())


def is_xlsx(stream: BinaryIO, filename: str) -> bool:
    lowered = filename.lower()
    if lowered.endswith((".xlsx", ".xlsm")):
        return True
    if lowered.endswith((".csv", ".tsv", ".txt")):
        return False
    head = stream.read(4)
    stream.seek(0)
    return head == b"PK\x03\x04"


def check_header(labels: list[str]) -> None:
    if len(labels) > MAX_COLUMNS:
        raise file_invalid(_("列数过多（最多 %(n)s 列）。") % {"n": MAX_COLUMNS})
    filled = [label for label in labels if label]
    if not filled or all(_looks_like_data(label) for label in filled):
        raise file_invalid(_("文件缺少表头：第一行应为各列的名称（如“地区”“人口”），而不是数据。"))
