"""The audit trail: append-only, hash-chained, verifiable after tampering by raw SQL."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from yiwang.kernel import audit, context
from yiwang.kernel.models import AuditEntry

pytestmark = pytest.mark.django_db


def _write(n: int) -> list[AuditEntry]:
    return [
        audit.record(
            "test.thing_done",
            actor="system",
            target_type="test.thing",
            target_id=str(i),
            details={"n": i, "名称": "测试"},
        )
        for i in range(n)
    ]


def _tamper(sql: str, params: list[Any]) -> None:
    """Change the table behind the ORM's back, as a rogue DBA would (disabling the
    PostgreSQL guard first, which only the table owner can do)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE kernel_auditentry DISABLE TRIGGER kernel_audit_append_only")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE kernel_auditentry ENABLE TRIGGER kernel_audit_append_only")


def test_rows_chain_to_each_other() -> None:
    entries = _write(3)
    assert [e.seq for e in entries] == [1, 2, 3]
    assert entries[0].prev_hash == audit.GENESIS_HASH
    assert entries[1].prev_hash == entries[0].hash
    assert entries[2].prev_hash == entries[1].hash
    assert audit.verify().ok


def test_records_actor_target_request_and_source() -> None:
    from tests.factories import AccountFactory

    user = AccountFactory(username="someone")
    token = context.bind(context.RequestContext(request_id="req-123", source_ip="10.0.0.7"))
    try:
        entry = audit.record("test.changed", actor=user, target=user, details={"k": "v"})
    finally:
        context.reset(token)
    stored = AuditEntry.objects.get(seq=entry.seq)
    assert stored.actor_id == user.pk
    assert stored.actor_label == "someone"
    assert stored.target_type == "identity.account"
    assert stored.target_id == str(user.pk)
    assert stored.request_id == "req-123"
    assert stored.source_ip == "10.0.0.7"
    assert stored.details == {"k": "v"}


def test_row_rolls_back_with_its_transaction() -> None:
    _write(1)
    with pytest.raises(RuntimeError), transaction.atomic():
        audit.record("test.lost", actor="system")
        raise RuntimeError("the state change failed")
    assert AuditEntry.objects.count() == 1
    assert audit.record("test.next", actor="system").seq == 2
    assert audit.verify().ok


def test_orm_refuses_changes() -> None:
    entry = _write(1)[0]
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(seq=entry.seq).update(action="x")
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()
    with pytest.raises(PermissionError):
        entry.delete()
    stored = AuditEntry.objects.get(seq=entry.seq)
    stored.action = "edited"
    with pytest.raises(PermissionError):
        stored.save()
    assert AuditEntry.objects.get(seq=entry.seq).action == "test.thing_done"


def test_edited_row_is_named() -> None:
    _write(5)
    _tamper("UPDATE kernel_auditentry SET action = %s WHERE seq = %s", ["test.forged", 3])
    result = audit.verify()
    assert not result.ok
    assert result.broken_seq == 3
    assert result.checked == 2


def test_edited_details_are_detected() -> None:
    _write(3)
    _tamper("UPDATE kernel_auditentry SET details = %s WHERE seq = %s", ['{"n": 99}', 2])
    assert audit.verify().broken_seq == 2


def test_deleted_middle_row_is_named() -> None:
    _write(5)
    _tamper("DELETE FROM kernel_auditentry WHERE seq = %s", [2])
    result = audit.verify()
    assert not result.ok
    assert result.broken_seq == 2
    assert "missing" in result.reason


def test_deleted_last_row_is_detected() -> None:
    _write(4)
    _tamper("DELETE FROM kernel_auditentry WHERE seq = %s", [4])
    result = audit.verify()
    assert not result.ok
    assert result.broken_seq == 4


def test_rewritten_chain_is_detected_by_the_next_link() -> None:
    entries = _write(3)
    # Recompute row 2's own hash after editing it: row 3 still points at the old hash.
    forged = AuditEntry.objects.get(seq=2)
    forged.action = "test.forged"
    new_hash = audit.chain_hash(entries[0].hash, forged)
    _tamper(
        "UPDATE kernel_auditentry SET action = %s, hash = %s WHERE seq = %s",
        ["test.forged", new_hash, 2],
    )
    assert audit.verify().broken_seq == 3


def test_verify_command_prints_ok_and_fails_on_tampering(capsys: Any) -> None:
    _write(3)
    call_command("audit", "verify")
    assert "OK: 3 rows" in capsys.readouterr().out
    _tamper("UPDATE kernel_auditentry SET target_id = %s WHERE seq = %s", ["x", 1])
    with pytest.raises(CommandError, match=r"BROKEN at row #1"):
        call_command("audit", "verify")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_postgres_trigger_refuses_update_and_delete() -> None:
    from django.db import DatabaseError

    _write(2)
    assert audit.is_guarded()
    for sql in (
        "UPDATE kernel_auditentry SET action = 'x' WHERE seq = 1",
        "DELETE FROM kernel_auditentry WHERE seq = 1",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)
    assert AuditEntry.objects.count() == 2
    assert audit.verify().ok
