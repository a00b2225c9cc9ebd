"""Appending audit rows vs inserting the same rows with plain SQL.

Ours: ``audit.record(...)`` in its own ``transaction.atomic()``, as a service calls it: it
locks the chain head, hashes the row (SM3), inserts it through the ORM and moves the head.

Baseline: the same row content (same columns, same values, the hash precomputed) inserted with
one ``cursor.execute("INSERT ...")`` in its own ``transaction.atomic()``, into
``bench_audit_plain``: a table of the same columns, types and indexes as the audit table, but
no chain head.

The ratio is what the chain and the ORM cost over the bare insert of the row.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import harness
from django.apps.registry import Apps
from django.db import connection, models, transaction
from django.utils import timezone

from yiwang.identity.models import Account
from yiwang.kernel import audit, context
from yiwang.kernel.models import AuditEntry

OPS_PER_ROUND = 100
ROUNDS = 31
WARMUP_ROUNDS = 1
PLAIN_TABLE = "bench_audit_plain"

ACTION = "licence.approve"
TARGET_TYPE = "licensing.application"
REQUEST_ID = uuid.UUID(int=0x5EED).hex
SOURCE_IP = "10.42.0.17"


def details(n: int) -> dict[str, Any]:
    """A typical details payload: a state change with a note (with Chinese text)."""
    return {
        "from": "submitted",
        "to": "approved",
        "department": "420106-SCJG",
        "note": f"材料齐全，准予许可 #{n}",
    }


def plain_model() -> type[models.Model]:
    """A model of the same columns and indexes as AuditEntry, on its own table, in its own app
    registry: never installed, its table made by the benchmark in the throwaway database."""
    attrs: dict[str, Any] = {"__module__": __name__}
    for field in AuditEntry._meta.local_fields:
        attrs[field.name] = field.clone()
    meta_attrs = {
        "app_label": "bench",
        "db_table": PLAIN_TABLE,
        "apps": Apps(),
        "indexes": [
            models.Index(fields=["target_type", "target_id"], name="bench_plain_target_idx")
        ],
    }
    attrs["Meta"] = type("Meta", (), meta_attrs)
    return type("BenchAuditPlain", (models.Model,), attrs)


def plain_rows(actor: Account, count: int) -> Iterator[list[Any]]:
    """``count`` rows as ``record()`` would write them (a valid chain of their own), each as
    the list of database-ready parameters of the INSERT, computed before any timing."""
    fields = AuditEntry._meta.local_fields
    prev = audit.GENESIS_HASH
    start = timezone.now()
    rows = []
    for seq in range(1, count + 1):
        entry = AuditEntry(
            seq=seq,
            created_at=start + timedelta(microseconds=seq),
            actor_id=actor.pk,
            actor_label=actor.get_username(),
            action=ACTION,
            target_type=TARGET_TYPE,
            target_id=str(seq),
            details=details(seq),
            request_id=REQUEST_ID,
            source_ip=SOURCE_IP,
            prev_hash=prev,
        )
        entry.hash = prev = audit.chain_hash(prev, entry)
        rows.append([f.get_db_prep_save(getattr(entry, f.attname), connection) for f in fields])
    return iter(rows)


def insert_sql() -> str:
    quote = connection.ops.quote_name
    columns = [f.column for f in AuditEntry._meta.local_fields]
    return (
        f"INSERT INTO {quote(PLAIN_TABLE)} ({', '.join(quote(c) for c in columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )


def make_ours(actor: Account) -> Callable[[], None]:
    counter = itertools.count(1)

    def ours() -> None:
        n = next(counter)
        with transaction.atomic():
            audit.record(
                ACTION, actor=actor, target_type=TARGET_TYPE, target_id=str(n), details=details(n)
            )

    return ours


def make_baseline(actor: Account, count: int) -> Callable[[], None]:
    rows = plain_rows(actor, count)
    sql = insert_sql()

    def baseline() -> None:
        params = next(rows)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)

    return baseline


def main() -> None:
    actor = Account(username="bench.clerk")
    actor.set_unusable_password()
    actor.save()

    plain = plain_model()
    with connection.schema_editor() as editor:
        editor.create_model(plain)

    # Every timed call, plus one of each to count its statements afterwards.
    total = OPS_PER_ROUND * (harness.counted_rounds(ROUNDS) + WARMUP_ROUNDS) + 1
    ours, baseline = make_ours(actor), make_baseline(actor, total)
    token = context.bind(context.RequestContext(request_id=REQUEST_ID, source_ip=SOURCE_IP))
    try:
        harness.compare(
            "audit_append",
            ours,
            baseline,
            ops_per_round=OPS_PER_ROUND,
            rounds=ROUNDS,
            warmup_rounds=WARMUP_ROUNDS,
        )
        for side, op in (("ours", ours), ("baseline", baseline)):
            sql = harness.statements(op)
            verbs = " | ".join(statement.split(None, 1)[0] for statement in sql)
            harness.log(f"bench: audit_append: {side} sends {len(sql)} statements: {verbs}")
    finally:
        context.reset(token)

    # Both sides did the same work: as many rows each, and the real chain is intact.
    written = AuditEntry.objects.count()
    plain_written = plain.objects.count()
    check = audit.verify()
    if written != total or plain_written != total or not check.ok:
        raise SystemExit(
            f"bench_audit: wrong outcome: {written} audit rows, {plain_written} "
            f"plain rows, expected {total}; verify: {check}"
        )


if __name__ == "__main__":
    with harness.test_database():
        main()
