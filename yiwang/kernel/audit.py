"""The append-only, hash-chained audit trail.

Every state change calls :func:`record` inside its own transaction. Each row carries the hash
of the row before it, so editing or deleting any row (even with raw SQL) breaks the chain at
that point, and :func:`verify` names the first broken row.

The chain hash is SM3 over the previous hash and the canonical JSON of the row's content.
"""

from __future__ import annotations

import functools
import ipaddress
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from django.db import connection, transaction
from django.utils import timezone

from yiwang.kernel import context
from yiwang.kernel.crypto import sm3_hex
from yiwang.kernel.models import AuditChainHead, AuditEntry

F = TypeVar("F", bound=Callable[..., Any])

GENESIS_HASH = "0" * 64


def _canonical(entry: AuditEntry) -> bytes:
    content = {
        "seq": entry.seq,
        "created_at": entry.created_at.isoformat(timespec="microseconds"),
        "actor_id": entry.actor_id,
        "actor_label": entry.actor_label,
        "action": entry.action,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "details": entry.details,
        "request_id": entry.request_id,
        "source_ip": entry.source_ip,
    }
    return json.dumps(
        content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    ).encode()


def chain_hash(prev_hash: str, entry: AuditEntry) -> str:
    return sm3_hex(prev_hash.encode() + b"\n" + _canonical(entry))


def _normalise_details(details: dict[str, Any] | None) -> dict[str, Any]:
    # Round-trip through JSON so what we hash is exactly what the database gives back.
    return json.loads(json.dumps(details or {}, ensure_ascii=False, default=str))  # type: ignore[no-any-return]


_HEAD = AuditChainHead._meta.db_table
_ENTRY = AuditEntry._meta.db_table
_COLUMNS = list(AuditEntry._meta.concrete_fields)


def _advance_head(cursor: Any) -> tuple[int, str]:
    """Take the next sequence number and the previous hash, locking the head row until the
    transaction ends (an UPDATE waits for concurrent appenders and then sees their row)."""
    sql = (
        f"UPDATE {_HEAD} SET last_seq = last_seq + 1 WHERE id = 1 "  # noqa: S608
        "RETURNING last_seq, last_hash"
    )
    cursor.execute(sql)
    row = cursor.fetchone()
    if row is None:  # a fresh (or flushed) database: start the chain
        AuditChainHead.objects.get_or_create(pk=1, defaults={"last_hash": GENESIS_HASH})
        cursor.execute(sql)
        row = cursor.fetchone()
    return int(row[0]), str(row[1])


def _insert(cursor: Any, entry: AuditEntry) -> None:
    names = ", ".join(connection.ops.quote_name(f.column) for f in _COLUMNS)
    marks = ", ".join(["%s"] * len(_COLUMNS))
    params = [f.get_db_prep_save(getattr(entry, f.attname), connection) for f in _COLUMNS]
    insert = f"INSERT INTO {_ENTRY} ({names}) VALUES ({marks})"  # noqa: S608
    if connection.vendor == "postgresql":
        # One round trip: insert the row and move the head's hash to it.
        cursor.execute(
            f"WITH ins AS ({insert} RETURNING hash) "  # noqa: S608
            f"UPDATE {_HEAD} SET last_hash = (SELECT hash FROM ins) WHERE id = 1",
            params,
        )
    else:
        cursor.execute(insert, params)
        cursor.execute(f"UPDATE {_HEAD} SET last_hash = %s WHERE id = 1", [entry.hash])  # noqa: S608


def _actor_fields(actor: Any) -> tuple[int | None, str]:
    if actor is None:
        return None, "system"
    if isinstance(actor, str):
        return None, actor[:150]
    if getattr(actor, "is_authenticated", False):
        return int(actor.pk), str(actor.get_username())[:150]
    return None, "anonymous"


def record(
    action: str,
    *,
    actor: Any,
    target: Any = None,
    target_type: str = "",
    target_id: str = "",
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one row to the audit trail in the caller's transaction.

    ``actor`` is a user, a system label (``"system"``, ``"cli"``) or None. ``target`` is a
    model instance (its label and pk are recorded) or given as ``target_type``/``target_id``.
    """
    if target is not None:
        target_type = target._meta.label_lower
        target_id = str(target.pk)
    actor_id, actor_label = _actor_fields(actor)
    ctx = context.current()
    source_ip = ctx.source_ip
    if source_ip is not None:
        try:
            ipaddress.ip_address(source_ip)
        except ValueError:
            source_ip = None
    entry = AuditEntry(
        created_at=timezone.now(),
        actor_id=actor_id,
        actor_label=actor_label,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        details=_normalise_details(details),
        request_id=ctx.request_id,
        source_ip=source_ip,
    )
    # No savepoint: the row belongs to the caller's transaction, and if writing it fails the
    # caller's state change must fail with it. Plain SQL keeps this hot path to three
    # statements (two on PostgreSQL); see bench/bench_audit.py.
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        entry.seq, entry.prev_hash = _advance_head(cursor)
        entry.hash = chain_hash(entry.prev_hash, entry)
        _insert(cursor, entry)
    entry._state.adding = False
    entry._state.db = connection.alias
    return entry


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    broken_seq: int | None = None
    reason: str = ""


def _rows(batch: int = 5000) -> Iterator[AuditEntry]:
    last = 0
    while True:
        chunk = list(AuditEntry.objects.filter(seq__gt=last).order_by("seq")[:batch])
        if not chunk:
            return
        yield from chunk
        last = chunk[-1].seq


def verify() -> VerifyResult:
    """Walk the whole chain; report the first row whose content, link or place is wrong."""
    expected_prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    for entry in _rows():
        if entry.seq != expected_seq:
            return VerifyResult(
                False,
                checked,
                expected_seq,
                f"row #{expected_seq} is missing (next row is #{entry.seq})",
            )
        if entry.prev_hash != expected_prev:
            return VerifyResult(
                False, checked, entry.seq, f"row #{entry.seq} does not link to the row before it"
            )
        if chain_hash(entry.prev_hash, entry) != entry.hash:
            return VerifyResult(
                False, checked, entry.seq, f"row #{entry.seq} was changed after it was written"
            )
        expected_prev = entry.hash
        expected_seq += 1
        checked += 1
    head = AuditChainHead.objects.filter(pk=1).first()
    last_seq = head.last_seq if head else 0
    last_hash = head.last_hash if head else GENESIS_HASH
    if last_seq != checked or last_hash != expected_prev:
        return VerifyResult(
            False,
            checked,
            checked + 1,
            f"the trail ends at row #{checked} but row #{last_seq} was written "
            f"(rows at the end were deleted)",
        )
    return VerifyResult(True, checked)


def install_postgres_guard(schema_editor: Any) -> None:
    """On PostgreSQL, a trigger refuses UPDATE and DELETE on the audit table."""
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        """
        CREATE OR REPLACE FUNCTION kernel_audit_append_only() RETURNS trigger AS $$
        BEGIN
            RAISE EXCEPTION 'the audit trail is append-only (% refused)', TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END;
        $$ LANGUAGE plpgsql;
        DROP TRIGGER IF EXISTS kernel_audit_append_only ON kernel_auditentry;
        CREATE TRIGGER kernel_audit_append_only
            BEFORE UPDATE OR DELETE ON kernel_auditentry
            FOR EACH ROW EXECUTE FUNCTION kernel_audit_append_only();
        """,
        params=None,
    )


def is_guarded() -> bool:
    """Whether the database itself refuses changes to audit rows (PostgreSQL trigger)."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_trigger WHERE tgname = 'kernel_audit_append_only' "
            "AND tgenabled <> 'D'"
        )
        return cursor.fetchone() is not None


def refusals_recorded(action: str) -> Callable[[F], F]:
    """Keep a service's refusals on the trail: a :class:`~yiwang.kernel.errors.DomainError`
    raised by the wrapped function (whose own transaction rolls back) is recorded as
    ``<action>_refused`` with its code and the actor, then re-raised. Put it *outside*
    ``@transaction.atomic`` so the entry is written after the rollback. Callers already inside
    a transaction keep or lose the entry with theirs."""
    from yiwang.kernel.errors import DomainError

    def wrap(function: F) -> F:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return function(*args, **kwargs)
            except DomainError as error:
                record(
                    f"{action}_refused",
                    actor=kwargs.get("actor"),
                    target_type=action,
                    details={"code": str(error.code), "message": str(error.message)},
                )
                raise

        return cast(F, wrapper)

    return wrap
