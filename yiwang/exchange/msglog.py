"""The message log of data calls (X-Road's message log, in spirit): every call through the
gateway, answered or refused, is one :class:`~yiwang.exchange.models.CallLogEntry` in a hash
chain. ``hash`` = SM3(prev_hash || "\\n" || canonical JSON of the entry's content), so editing,
removing or reordering any entry breaks the chain at that entry.

The log exports as JSON Lines carrying every field the hashes cover, and
:func:`verify_file` checks such a file with nothing but Python and SM3 (no database, no
Django settings): an auditor can take the file away and verify it offline.

Personal values of a query (an ID number, a name) are never stored in clear: only their blind
index (:func:`query_index`), which finds every call about a given person without holding it.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from cryptography.hazmat.primitives import hashes

if TYPE_CHECKING:
    from yiwang.exchange.models import CallLogEntry

GENESIS_HASH = "0" * 64
#: The blind-index purpose of personal values in queries: the same for every field, so a
#: person's calls are found by one index whatever the resource.
QUERY_PURPOSE = "exchange.calllog.query"

#: The entry's fields the hash covers, in the export's order.
CONTENT_FIELDS = (
    "seq",
    "at",
    "app_id",
    "consumer_code",
    "grant_id",
    "resource_code",
    "purpose",
    "query",
    "record_ids",
    "response_sm3",
    "outcome",
    "node",
)


def sm3_hex(data: bytes) -> str:
    # kernel.crypto.sm3_hex, repeated here so the offline verifier needs no Django import.
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize().hex()


def canonical(content: dict[str, Any]) -> bytes:
    return json.dumps(
        {name: content[name] for name in CONTENT_FIELDS},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()


def chain_hash(prev_hash: str, content: dict[str, Any]) -> str:
    return sm3_hex(prev_hash.encode() + b"\n" + canonical(content))


def _iso(at: datetime) -> str:
    return at.isoformat(timespec="microseconds")


def content_of(entry: CallLogEntry) -> dict[str, Any]:
    """What the hash covers, as JSON values (the export's line without the two hashes)."""
    return {
        "seq": entry.seq,
        "at": _iso(entry.at),
        "app_id": entry.app_id,
        "consumer_code": entry.consumer_code,
        "grant_id": entry.grant_id,
        "resource_code": entry.resource_code,
        "purpose": entry.purpose,
        "query": entry.query,
        "record_ids": entry.record_ids,
        "response_sm3": entry.response_sm3,
        "outcome": entry.outcome,
        "node": entry.node,
    }


def query_index(value: str) -> str:
    """The blind index a personal query value is logged as."""
    from yiwang.kernel.crypto import blind_index

    return blind_index(value, purpose=QUERY_PURPOSE)


def _normalise(value: Any) -> Any:
    # Round-trip through JSON so what is hashed is exactly what the database gives back.
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


_HEAD_SQL = "UPDATE {head} SET last_seq = last_seq + 1 WHERE id = 1 RETURNING last_seq, last_hash"


def _tables() -> tuple[str, str, list[Any]]:
    from yiwang.exchange.models import CallLogEntry, CallLogHead

    return (
        CallLogHead._meta.db_table,
        CallLogEntry._meta.db_table,
        list(CallLogEntry._meta.concrete_fields),
    )


def _start_head(cursor: Any, head: str, entries: str) -> None:
    """Create the head row on first use: at the chain's last entry (a log written before the
    head existed) or at the genesis. Two first appenders may race here: the second insert is
    ignored (ON CONFLICT DO NOTHING), and both then line up on the row's lock."""
    cursor.execute(f"SELECT seq, hash FROM {entries} ORDER BY seq DESC LIMIT 1")  # noqa: S608
    last = cursor.fetchone()
    seq, last_hash = (int(last[0]), str(last[1])) if last else (0, GENESIS_HASH)
    cursor.execute(
        f"INSERT INTO {head} (id, last_seq, last_hash) VALUES (1, %s, %s) "  # noqa: S608
        "ON CONFLICT (id) DO NOTHING",
        [seq, last_hash],
    )


def _advance_head(cursor: Any, head: str, entries: str) -> tuple[int, str]:
    """Take the next sequence number and the previous hash, locking the head row until the
    transaction ends: an UPDATE waits for a concurrent appender and then sees its row (the
    effect of ``select_for_update`` and an increment, in one round trip)."""
    sql = _HEAD_SQL.format(head=head)
    cursor.execute(sql)
    row = cursor.fetchone()
    if row is None:  # a fresh (or flushed) database: start the chain
        _start_head(cursor, head, entries)
        cursor.execute(sql)
        row = cursor.fetchone()
    return int(row[0]), str(row[1])


def _insert_sql(connection: Any, entry: CallLogEntry) -> tuple[str, list[Any]]:
    """The statement that inserts the entry and moves the head's hash to it, with its
    parameters (one statement on PostgreSQL; on SQLite, the INSERT alone)."""
    head, entries, columns = _tables()
    columns = [f for f in columns if not f.primary_key]
    names = ", ".join(connection.ops.quote_name(f.column) for f in columns)
    marks = ", ".join("%s" for _f in columns)
    params = [f.get_db_prep_save(getattr(entry, f.attname), connection) for f in columns]
    insert = f"INSERT INTO {entries} ({names}) VALUES ({marks})"  # noqa: S608
    if connection.vendor != "postgresql":
        return f"{insert} RETURNING id", params
    return (
        f"WITH ins AS ({insert} RETURNING id, hash) "  # noqa: S608
        f"UPDATE {head} SET last_hash = (SELECT hash FROM ins) WHERE id = 1 "
        "RETURNING (SELECT id FROM ins)"
    ), params


def _insert(cursor: Any, connection: Any, entry: CallLogEntry) -> None:
    sql, params = _insert_sql(connection, entry)
    cursor.execute(sql, params)
    entry.pk = cursor.fetchone()[0]
    if connection.vendor != "postgresql":
        head, _entries, _columns = _tables()
        cursor.execute(f"UPDATE {head} SET last_hash = %s WHERE id = 1", [entry.hash])  # noqa: S608


def _entry(seq: int, prev_hash: str, body: bytes, fields: dict[str, Any]) -> CallLogEntry:
    from django.utils import timezone

    from yiwang.exchange.models import CallLogEntry

    entry = CallLogEntry(
        seq=seq,
        at=timezone.now(),
        response_sm3=sm3_hex(body) if body else "",
        prev_hash=prev_hash,
        **fields,
    )
    entry.hash = chain_hash(prev_hash, content_of(entry))
    return entry


def _one_trip_transactions(connection: Any) -> bool:
    """Whether BEGIN and COMMIT can ride with the first and last statements: PostgreSQL with
    client-side binding (psycopg's ClientCursor sends a query string, which may hold several
    statements), in autocommit mode (not inside a caller's transaction)."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return False
    if connection.settings_dict.get("OPTIONS", {}).get("server_side_binding"):
        return False
    connection.ensure_connection()
    return bool(connection.get_autocommit())


def _append_one_trip(
    connection: Any, response: Callable[[int], bytes] | None, fields: dict[str, Any]
) -> tuple[CallLogEntry, bytes]:
    """The append as two round trips on PostgreSQL: ``BEGIN; UPDATE head ... RETURNING`` (the
    head row's lock, held to the end), then ``INSERT ... ; COMMIT``. Anything failing in
    between rolls back, and the lock goes with it."""
    head, entries, _columns = _tables()
    with connection.cursor() as cursor:
        cursor.execute("BEGIN; " + _HEAD_SQL.format(head=head))
        try:
            cursor.nextset()
            row = cursor.fetchone()
            if row is None:  # a fresh (or flushed) database: start the chain
                _start_head(cursor, head, entries)
                cursor.execute(_HEAD_SQL.format(head=head))
                row = cursor.fetchone()
            seq, prev_hash = int(row[0]), str(row[1])
            body = response(seq) if response is not None else b""
            entry = _entry(seq, prev_hash, body, fields)
            sql, params = _insert_sql(connection, entry)
            cursor.execute(f"{sql}; COMMIT", params)
            entry.pk = cursor.fetchone()[0]
        except BaseException:
            with contextlib.suppress(Exception):  # a lost connection took the transaction
                cursor.execute("ROLLBACK")
            raise
    return entry, body


def append(
    *,
    outcome: str,
    resource_code: str,
    app: Any = None,
    consumer_code: str = "",
    grant: Any = None,
    purpose: str = "",
    query: dict[str, Any] | None = None,
    record_ids: Iterable[Any] = (),
    response: Callable[[int], bytes] | None = None,
    node: str = "",
) -> tuple[CallLogEntry, bytes]:
    """Append one entry in its own (or the caller's) transaction and return it with the
    response body. ``response(seq)`` builds the exact bytes answered (they may carry the
    entry's sequence number); their SM3 is logged. Appenders line up on the lock of the
    chain's head row (:class:`~yiwang.exchange.models.CallLogHead`, taken by the UPDATE that
    hands out the sequence number and held to the end of the transaction), so the chain never
    forks. Plain SQL keeps the hot path to two statements; on PostgreSQL outside a caller's
    transaction BEGIN and COMMIT ride with them, so an append is two round trips."""
    from django.db import connection, transaction

    fields = {
        "app_id": getattr(app, "pk", None),
        "consumer_code": consumer_code[:32],
        "grant_id": getattr(grant, "pk", None),
        "resource_code": resource_code[:64],
        "purpose": purpose[:200],
        "query": _normalise(query or {}),
        "record_ids": _normalise(list(record_ids)),
        "outcome": outcome[:32],
        "node": node,
    }
    if _one_trip_transactions(connection):
        entry, body = _append_one_trip(connection, response, fields)
    else:
        head, entries, _columns = _tables()
        with transaction.atomic(), connection.cursor() as cursor:
            seq, prev_hash = _advance_head(cursor, head, entries)
            body = response(seq) if response is not None else b""
            entry = _entry(seq, prev_hash, body, fields)
            _insert(cursor, connection, entry)
    entry._state.adding = False
    entry._state.db = connection.alias
    return entry, body


def head() -> tuple[int, str]:
    """The head row's last sequence number and hash (``(0, GENESIS_HASH)`` before any
    entry)."""
    from yiwang.exchange.models import CallLogHead

    row = CallLogHead.objects.filter(pk=1).values_list("last_seq", "last_hash").first()
    return (int(row[0]), str(row[1])) if row else (0, GENESIS_HASH)


# --- Verification ------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    ok: bool
    first_bad_seq: int | None
    count: int

    def as_tuple(self) -> tuple[bool, int | None, int]:
        return self.ok, self.first_bad_seq, self.count


def verify_lines(lines: Iterable[dict[str, Any]]) -> Verdict:
    """Walk entries in order; the first whose place, link or content is wrong is named. The
    first entry of a partial export (``since_seq``) is trusted to link to what came before."""
    expected_prev: str | None = None
    expected_seq: int | None = None
    count = 0
    for line in lines:
        seq = line.get("seq")
        if not isinstance(seq, int):
            return Verdict(False, expected_seq, count)
        if expected_seq is None:
            expected_seq = seq
            expected_prev = GENESIS_HASH if seq == 1 else line.get("prev_hash")
        if seq != expected_seq or line.get("prev_hash") != expected_prev:
            return Verdict(False, expected_seq, count)
        try:
            recomputed = chain_hash(str(line["prev_hash"]), line)
        except (KeyError, TypeError):
            return Verdict(False, seq, count)
        if recomputed != line.get("hash"):
            return Verdict(False, seq, count)
        expected_prev = recomputed
        expected_seq = seq + 1
        count += 1
    return Verdict(True, None, count)


def _read_jsonl(path: str | Path) -> Iterator[dict[str, Any]]:
    with open(path, encoding="utf-8") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                line = json.loads(raw)
            except json.JSONDecodeError:
                line = {"seq": None, "_line": number}
            yield line if isinstance(line, dict) else {"seq": None}


def verify_file(path: str | Path) -> tuple[bool, int | None, int]:
    """Verify an exported log file offline: ``(ok, first_bad_seq, count of good entries)``."""
    return verify_lines(_read_jsonl(path)).as_tuple()


def _entries(since_seq: int | None, batch: int = 5000) -> Iterator[CallLogEntry]:
    from yiwang.exchange.models import CallLogEntry

    last = (since_seq - 1) if since_seq else 0
    while True:
        chunk = list(CallLogEntry.objects.filter(seq__gt=last).order_by("seq")[:batch])
        if not chunk:
            return
        yield from chunk
        last = chunk[-1].seq


def _line(entry: CallLogEntry) -> dict[str, Any]:
    return {**content_of(entry), "prev_hash": entry.prev_hash, "hash": entry.hash}


def verify_db() -> tuple[bool, int | None, int]:
    """Verify the chain in the database, as :func:`verify_file` does an export."""
    return verify_lines(_line(entry) for entry in _entries(None)).as_tuple()


def export(target: str | Path | IO[str], since_seq: int | None = None) -> int:
    """Write the log (from ``since_seq`` on) as JSON Lines to a path or a text stream; return
    the number of entries written."""
    if isinstance(target, str | Path):
        with open(target, "w", encoding="utf-8") as handle:
            return export(handle, since_seq)
    count = 0
    for entry in _entries(since_seq):
        target.write(json.dumps(_line(entry), ensure_ascii=False, separators=(",", ":")))
        target.write("\n")
        count += 1
    return count


# --- ``yiwang exchange export-log FILE`` / ``verify-log FILE`` ---------------------------------


def _configure_export(parser: Any) -> None:
    parser.add_argument("path", help="JSON Lines file to write")
    parser.add_argument("--since-seq", type=int, default=None, help="first entry to export")


def _run_export(options: dict[str, Any], out: IO[str]) -> None:
    count = export(options["path"], options.get("since_seq"))
    out.write(f"exported {count} entries to {options['path']}\n")


def _configure_verify(parser: Any) -> None:
    parser.add_argument("path", help="an exported JSON Lines file")


def _run_verify(options: dict[str, Any], out: IO[str]) -> None:
    from django.core.management.base import CommandError

    ok, bad, count = verify_file(options["path"])
    if not ok:
        raise CommandError(f"the log is broken at entry #{bad} ({count} entries verified)")
    out.write(f"ok: {count} entries verified\n")


def register_commands() -> None:
    """Register the subcommands with ``yiwang exchange`` (see exchange.commands)."""
    from yiwang.exchange.commands import register

    register(
        "export-log",
        help="export the message log as JSON Lines",
        configure=_configure_export,
        run=_run_export,
    )
    register(
        "verify-log",
        help="verify an exported message log offline",
        configure=_configure_verify,
        run=_run_verify,
    )
