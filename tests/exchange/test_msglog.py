"""The message log: a hash chain that verifies from an exported file with no database, names
the entry a tamperer changed, and holds under concurrent appends."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.db import connection, connections

from yiwang.exchange import msglog
from yiwang.exchange.models import CallLogEntry, CallLogHead


def _append(n: int, start: int = 0) -> list[CallLogEntry]:
    return [
        msglog.append(
            outcome="ok",
            resource_code="RK-0001",
            consumer_code="4205-SCJG",
            purpose="测试",
            query={"key_index": msglog.query_index(f"key-{i}"), "fields": ["gender"]},
            record_ids=[i, i + 1],
            response=lambda seq: json.dumps({"call": seq}).encode(),
        )[0]
        for i in range(start, start + n)
    ]


@pytest.mark.django_db
def test_entries_chain_and_verify_in_the_database() -> None:
    entries = _append(3)
    assert [e.seq for e in entries] == [1, 2, 3]
    assert entries[0].prev_hash == msglog.GENESIS_HASH
    assert entries[2].prev_hash == entries[1].hash
    assert entries[0].response_sm3 == msglog.sm3_hex(b'{"call": 1}')
    assert msglog.verify_db() == (True, None, 3)


@pytest.mark.django_db
def test_exported_file_verifies_offline(tmp_path: Path) -> None:
    _append(4)
    path = tmp_path / "log.jsonl"
    assert msglog.export(path) == 4
    assert msglog.verify_file(path) == (True, None, 4)
    # offline: a bare Python with no Django settings verifies the file
    script = (
        "import sys; from yiwang.exchange.msglog import verify_file; "
        "print(verify_file(sys.argv[1]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(path)],
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path.cwd())},
    )
    assert result.stdout.strip() == "(True, None, 4)"


@pytest.mark.django_db
def test_a_changed_record_id_is_found_at_its_entry(tmp_path: Path) -> None:
    _append(5)
    path = tmp_path / "log.jsonl"
    msglog.export(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    tampered = json.loads(lines[2])
    tampered["record_ids"] = [999]
    lines[2] = json.dumps(tampered, ensure_ascii=False)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert msglog.verify_file(path) == (False, 3, 2)


@pytest.mark.django_db
def test_a_removed_line_is_found(tmp_path: Path) -> None:
    _append(4)
    path = tmp_path / "log.jsonl"
    msglog.export(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    del lines[1]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert msglog.verify_file(path) == (False, 2, 1)


@pytest.mark.django_db
def test_a_changed_row_in_the_database_is_found() -> None:
    _append(3)
    CallLogEntry.objects.filter(seq=2).update(outcome="exchange_no_grant")
    assert msglog.verify_db() == (False, 2, 1)


@pytest.mark.django_db
def test_partial_export_from_a_sequence_number_verifies(tmp_path: Path) -> None:
    _append(5)
    path = tmp_path / "tail.jsonl"
    assert msglog.export(path, since_seq=3) == 3
    assert msglog.verify_file(path) == (True, None, 3)


@pytest.mark.django_db
def test_export_and_verify_subcommands(tmp_path: Path) -> None:
    import io

    msglog.register_commands()
    from yiwang.exchange.commands import SUBCOMMANDS

    _append(2)
    path = tmp_path / "log.jsonl"
    out = io.StringIO()
    SUBCOMMANDS["export-log"].run({"path": str(path), "since_seq": None}, out)
    SUBCOMMANDS["verify-log"].run({"path": str(path)}, out)
    assert "ok: 2 entries verified" in out.getvalue()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="two writers need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_keep_one_chain() -> None:
    errors: list[BaseException] = []

    def writer(start: int) -> None:
        try:
            _append(25, start)
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(k * 100,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert msglog.verify_db() == (True, None, 100)


@pytest.mark.django_db
def test_the_head_row_follows_the_last_entry() -> None:
    assert msglog.head() == (0, msglog.GENESIS_HASH)
    entries = _append(3)
    assert msglog.head() == (3, entries[-1].hash)
    assert CallLogHead.objects.count() == 1


@pytest.mark.django_db
def test_a_log_without_a_head_row_continues_from_its_last_entry() -> None:
    # A log written before the head row existed (or a head lost): the first append starts the
    # head at the chain's last entry, so the chain goes on unbroken.
    first = _append(2)
    CallLogHead.objects.all().delete()
    (third,) = _append(1, start=2)
    assert third.seq == 3
    assert third.prev_hash == first[-1].hash
    assert msglog.head() == (3, third.hash)
    assert msglog.verify_db() == (True, None, 3)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the one-trip path is PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_a_failed_append_outside_a_transaction_rolls_back_and_frees_the_head() -> None:
    _append(1)

    def broken(seq: int) -> bytes:
        raise RuntimeError("no body")

    with pytest.raises(RuntimeError):
        msglog.append(outcome="ok", resource_code="RK-0001", response=broken)
    assert connection.get_autocommit() and not connection.in_atomic_block
    assert msglog.head()[0] == 1  # the sequence number handed out was rolled back
    (second,) = _append(1, start=1)
    assert second.seq == 2
    assert msglog.verify_db() == (True, None, 2)
