"""The exchange's settings are read from the environment (yiwang/settings.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

NAMES = (
    "YIWANG_EXCHANGE_APPROVAL_DAYS",
    "YIWANG_EXCHANGE_REPORT_DAYS",
    "YIWANG_EXCHANGE_FILE_MAX_BYTES",
)


def _settings(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    code = f"import yiwang.settings as s; print(' '.join(str(getattr(s, n)) for n in {NAMES!r}))"
    full_env = {k: v for k, v in os.environ.items() if k not in NAMES}
    full_env.update(YIWANG_DATA_DIR=str(tmp_path), **env)
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=60,
        check=False,
    )


def test_defaults_and_environment(tmp_path: Path) -> None:
    assert _settings(tmp_path).stdout.split() == ["5", "5", str(50 * 1024 * 1024)]
    read = _settings(
        tmp_path,
        YIWANG_EXCHANGE_APPROVAL_DAYS="10",
        YIWANG_EXCHANGE_REPORT_DAYS="3",
        YIWANG_EXCHANGE_FILE_MAX_BYTES="1024",
    )
    assert read.stdout.split() == ["10", "3", "1024"]


def test_a_bad_value_names_the_variable(tmp_path: Path) -> None:
    result = _settings(tmp_path, YIWANG_EXCHANGE_APPROVAL_DAYS="0")
    assert result.returncode != 0
    assert "YIWANG_EXCHANGE_APPROVAL_DAYS" in result.stderr
