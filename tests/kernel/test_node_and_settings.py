"""Node identity, strict settings and the yiwang command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from yiwang.conf import ConfigError, Env, data_dir
from yiwang.kernel.node import this_node, verify_signature


def test_node_signs_and_keeps_its_key(settings: object) -> None:
    node = this_node()
    signature = node.sign(b"hello")
    assert verify_signature(node.public_key_pem(), b"hello", signature)
    assert not verify_signature(node.public_key_pem(), b"hullo", signature)
    key_file = Path(os.environ["YIWANG_DATA_DIR"]) / "keys" / "node_ed25519.pem"
    assert key_file.exists()
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"


@pytest.mark.parametrize(
    ("name", "value", "read"),
    [
        ("YIWANG_DEBUG", "maybe", lambda e: e.boolean("YIWANG_DEBUG", False)),
        ("YIWANG_UPLOAD_MAX_BYTES", "lots", lambda e: e.integer("YIWANG_UPLOAD_MAX_BYTES", 1)),
        (
            "YIWANG_UPLOAD_MAX_BYTES",
            "0",
            lambda e: e.integer("YIWANG_UPLOAD_MAX_BYTES", 1, minimum=1),
        ),
        ("NATS_URL", "localhost:4222", lambda e: e.url("NATS_URL", ("nats",))),
        ("REDIS_URL", "http://x", lambda e: e.url("REDIS_URL", ("redis",))),
        ("DATABASE_URL", "mysql://x/y", lambda e: e.database("DATABASE_URL", Path("/tmp/x"))),
    ],
)
def test_invalid_values_name_the_variable(name: str, value: str, read: object) -> None:
    with pytest.raises(ConfigError, match=name):
        read(Env({name: value}))  # type: ignore[operator]


def test_defaults_and_valid_values() -> None:
    env = Env({"YIWANG_DEBUG": "yes", "NATS_URL": "nats://127.0.0.1:4222"})
    assert env.boolean("YIWANG_DEBUG", False) is True
    assert env.boolean("OTHER", False) is False
    assert env.url("NATS_URL", ("nats",)) == "nats://127.0.0.1:4222"
    assert env.url("REDIS_URL", ("redis",)) is None
    db = env.database("DATABASE_URL", Path("/tmp/y.sqlite3"))
    assert db["ENGINE"] == "django.db.backends.sqlite3"
    pg = Env({"DATABASE_URL": "postgres://u@127.0.0.1:5432/yw"}).database("DATABASE_URL", Path())
    assert pg["ENGINE"] == "django.db.backends.postgresql"
    assert pg["NAME"] == "yw"


def test_data_dir_that_cannot_be_created(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ConfigError, match="YIWANG_DATA_DIR"):
        data_dir(Env({"YIWANG_DATA_DIR": str(blocker / "sub")}))


def _yiwang(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **env}
    return subprocess.run(
        [sys.executable, "-m", "yiwang", *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=300,
        check=False,
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("YIWANG_DEBUG", "sometimes"),
        ("YIWANG_LOG_LEVEL", "LOUD"),
        ("YIWANG_PII_KEY", "abc"),
        ("YIWANG_NODE_REGION", "4x"),
        ("DATABASE_URL", "oracle://x/y"),
        ("NATS_URL", "127.0.0.1:4222"),
    ],
)
def test_cli_stops_on_a_bad_value_naming_it(tmp_path: Path, name: str, value: str) -> None:
    result = _yiwang("check", YIWANG_DATA_DIR=str(tmp_path), **{name: value})
    assert result.returncode == 2
    assert name in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_check_migrate_and_audit_verify(tmp_path: Path) -> None:
    env = {"YIWANG_DATA_DIR": str(tmp_path), "DATABASE_URL": ""}
    assert _yiwang("check", **env).returncode == 0
    assert _yiwang("migrate", "--no-input", **env).returncode == 0
    secret = (tmp_path / "keys" / "secret_key").read_text()
    assert len(secret) >= 50
    verify = _yiwang("audit", "verify", **env)
    assert verify.returncode == 0, verify.stderr
    assert verify.stdout.startswith("OK")
    assert (tmp_path / "yiwang.sqlite3").exists()


@pytest.mark.django_db
def test_first_platform_admin_from_the_command_line(regions: object, monkeypatch: object) -> None:
    from django.core.management import call_command
    from django.core.management.base import CommandError

    from yiwang.identity.models import Account
    from yiwang.kernel.models import AuditEntry
    from yiwang.kernel.permissions import can

    monkeypatch.setenv("YIWANG_NEW_PASSWORD", "Strong-Pass-2026!")  # type: ignore[attr-defined]
    call_command("staff", "add", "root", "--role", "platform_admin", "--region", "420000")
    account = Account.objects.get(username="root")
    assert account.check_password("Strong-Pass-2026!")
    assert can(account, "kernel.import_regions", region="42")
    assert AuditEntry.objects.filter(action="identity.staff_account_created").exists()
    with pytest.raises(CommandError, match="not imported"):
        call_command("staff", "add", "x", "--role", "auditor", "--region", "4399")
    monkeypatch.setenv("YIWANG_NEW_PASSWORD", "password")  # type: ignore[attr-defined]
    with pytest.raises(CommandError):
        call_command("staff", "add", "weak", "--role", "auditor", "--region", "42")
    assert not Account.objects.filter(username="weak").exists()
