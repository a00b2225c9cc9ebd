"""The benchmark harness: Django on a throwaway test database, and a side-by-side comparison.

A benchmark script imports this module *before* anything from ``yiwang`` (importing it sets up
Django), wraps its work in :func:`test_database`, and calls :func:`compare` once per
benchmark. :func:`compare` prints exactly one line to standard output::

    NAME: ratio R (ours X/s, baseline Y/s)

R is ours/baseline throughput: above 1 ours is faster, below 1 it is slower. Everything else
(progress, diagnostics) goes to standard error. See bench/README.md.

Environment:

* ``DATABASE_URL``: as for the platform (SQLite by default, or ``postgres://...``). The
  benchmark never runs on that database: it creates its own test database beside it
  (``test_<name>_bench_<pid>`` on PostgreSQL, a file in a temporary directory on SQLite) and
  destroys it at the end.
* ``YIWANG_DATA_DIR``: defaults to a fresh temporary directory, removed at the end.
* ``BENCH_ROUNDS``: overrides every benchmark's number of counted rounds (e.g. 3 for a quick
  smoke run; the figures are then rough).
* ``BENCH_VERBOSE=1``: also prints each round's rates to standard error.
"""

from __future__ import annotations

import atexit
import gc
import os
import shutil
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# --- Django set-up, at import time so a script can import yiwang right after this module. ---

_TMP = Path(tempfile.mkdtemp(prefix="yiwang-bench-"))
atexit.register(shutil.rmtree, _TMP, ignore_errors=True)

os.environ.setdefault("YIWANG_DATA_DIR", str(_TMP / "data"))
os.environ["DJANGO_SETTINGS_MODULE"] = "yiwang.settings"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import (  # noqa: E402
    CaptureQueriesContext,
    setup_test_environment,
    teardown_test_environment,
)


def _on_sigterm(signum: int, frame: Any) -> None:
    # Turn a polite kill into an exception, so test_database() still drops its database;
    # a second one while it does so is ignored.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise SystemExit(128 + signum)


signal.signal(signal.SIGTERM, _on_sigterm)


def log(message: str) -> None:
    """Diagnostics go to standard error; standard output carries only result lines."""
    print(message, file=sys.stderr, flush=True)


def vendor() -> str:
    """``sqlite`` or ``postgresql``."""
    return connection.vendor


@contextmanager
def test_database() -> Iterator[None]:
    """Create a fresh, migrated test database for the default alias; destroy it on exit.

    The configured database is never opened: only the test database (and, on PostgreSQL,
    the server's maintenance database to run CREATE/DROP DATABASE).
    """
    alias_settings = settings.DATABASES["default"]
    test_settings = alias_settings.setdefault("TEST", {})
    if alias_settings["ENGINE"] == "django.db.backends.sqlite3":
        # A file, not Django's default in-memory database, so the journal mode and
        # synchronous settings of a deployment (WAL, NORMAL) apply as they do in production.
        test_name = str(_TMP / f"test_bench_{os.getpid()}.sqlite3")
    else:
        test_name = f"test_{alias_settings['NAME']}_bench_{os.getpid()}"
    if test_name == alias_settings["NAME"]:
        raise RuntimeError(f"refusing to benchmark on the configured database {test_name!r}")
    test_settings["NAME"] = test_name
    # create_test_db() swaps the connection's NAME; keep the real one to restore it.
    old_name = alias_settings["NAME"]

    setup_test_environment(debug=False)
    attempted = created = False
    try:
        log(f"bench: creating test database {test_name} ({connection.vendor})")
        attempted = True
        # autoclobber: the name is ours alone (it carries our process id).
        connection.creation.create_test_db(
            verbosity=0, autoclobber=True, serialize=False, keepdb=False
        )
        created = True
        yield
    finally:
        try:
            if attempted:
                _drop_test_database(test_name, old_name, must_exist=created)
        finally:
            teardown_test_environment()


def _drop_test_database(test_name: str, old_name: str, *, must_exist: bool) -> None:
    """Drop the test database, whatever stage its creation reached (an interrupted migration
    leaves it half made). The connection is pointed at the test database first, so the drop
    can only ever name it, never the configured database."""
    alias_settings = settings.DATABASES["default"]
    alias_settings["NAME"] = connection.settings_dict["NAME"] = test_name
    try:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    except Exception:
        if must_exist:
            raise
        # Interrupted before the database existed: nothing to drop.
    else:
        log(f"bench: dropped test database {test_name}")
    finally:
        alias_settings["NAME"] = connection.settings_dict["NAME"] = old_name


# --- The comparison. ---


def statements(op: Callable[[], object]) -> list[str]:
    """Run ``op`` once (untimed) and return the SQL statements it sent, BEGIN and COMMIT
    included: how many round trips one operation costs."""
    with CaptureQueriesContext(connection) as captured:
        op()
    return [query["sql"] for query in captured.captured_queries]


@dataclass(frozen=True)
class Result:
    name: str
    ratio: float
    ours: float
    """Median per-round throughput of ours, operations per second."""
    baseline: float
    ours_rounds: tuple[float, ...]
    baseline_rounds: tuple[float, ...]

    @property
    def line(self) -> str:
        return (
            f"{self.name}: ratio {self.ratio:.2f} "
            f"(ours {_rate(self.ours)}/s, baseline {_rate(self.baseline)}/s)"
        )


def _rate(value: float) -> str:
    return f"{value:.0f}" if value >= 100 else f"{value:.3g}"


def _time_round(op: Callable[[], object], ops: int) -> float:
    """Run ``op`` ``ops`` times; return operations per second."""
    gc.collect()
    start = time.perf_counter()
    for _ in range(ops):
        op()
    elapsed = time.perf_counter() - start
    return ops / elapsed


def counted_rounds(default: int) -> int:
    """The number of counted rounds: ``default``, unless BENCH_ROUNDS overrides it."""
    raw = os.environ.get("BENCH_ROUNDS", "").strip()
    return int(raw) if raw else default


def compare(
    name: str,
    ours: Callable[[], object],
    baseline: Callable[[], object],
    *,
    ops_per_round: int,
    rounds: int = 15,
    warmup_rounds: int = 1,
) -> Result:
    """Time ``ours`` against ``baseline`` in interleaved rounds and print the result line.

    Each callable performs ONE operation per call; a round calls it ``ops_per_round`` times.
    Rounds alternate which of the two runs first (ours, baseline / baseline, ours / ...), so
    drift of the machine and growth of the data weigh on both alike. ``warmup_rounds`` of
    each are run first and not counted. The reported rate of each is the median of its
    per-round rates; the ratio is ours/baseline of those medians.
    """
    rounds = counted_rounds(rounds)
    if ops_per_round < 1 or rounds < 1:
        raise ValueError("ops_per_round and rounds must be at least 1")
    verbose = os.environ.get("BENCH_VERBOSE", "") not in {"", "0"}

    for _ in range(warmup_rounds):
        _time_round(ours, ops_per_round)
        _time_round(baseline, ops_per_round)

    ours_rates: list[float] = []
    base_rates: list[float] = []
    for i in range(rounds):
        if i % 2 == 0:
            ours_rates.append(_time_round(ours, ops_per_round))
            base_rates.append(_time_round(baseline, ops_per_round))
        else:
            base_rates.append(_time_round(baseline, ops_per_round))
            ours_rates.append(_time_round(ours, ops_per_round))
        if verbose:
            log(
                f"bench: {name} round {i + 1}/{rounds}: ours {_rate(ours_rates[-1])}/s, "
                f"baseline {_rate(base_rates[-1])}/s"
            )

    ours_median = statistics.median(ours_rates)
    base_median = statistics.median(base_rates)
    result = Result(
        name=name,
        ratio=ours_median / base_median,
        ours=ours_median,
        baseline=base_median,
        ours_rounds=tuple(ours_rates),
        baseline_rounds=tuple(base_rates),
    )
    print(result.line, flush=True)
    if rounds >= 4:
        # How steady it was: the spread of the round-by-round ratio (stderr, for the reader).
        paired = [o / b for o, b in zip(ours_rates, base_rates, strict=True)]
        q1, q2, q3 = statistics.quantiles(paired, n=4)
        log(
            f"bench: {name}: round-by-round ratio median {q2:.2f}, "
            f"middle half {q1:.2f}-{q3:.2f} over {rounds} rounds of {ops_per_round}"
        )
    return result


def _database_url() -> str:
    """The DATABASE_URL of the benchmark's test database, for a server in another process."""
    from django.db import connection

    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings_dict['NAME']}"
    password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{settings_dict['USER']}{password}@{host}:{port}/{settings_dict['NAME']}"


@contextmanager
def live_server(timeout: float = 60.0) -> Iterator[str]:
    """Serve the platform over HTTP with ``yiwang serve`` (uvicorn) on the benchmark's test
    database, as a client reaches it; yields the base URL. Use inside ``test_database()``."""
    import socket
    import subprocess
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "DATABASE_URL": _database_url()}
    command = [sys.executable, "-m", "yiwang", "serve", "--port", str(port), "--no-access-log"]
    server = subprocess.Popen(  # noqa: S603  (our own command line)
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{base}/readyz", timeout=2) as answer:  # noqa: S310
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start (exit code {server.poll()})")
            time.sleep(0.2)
        log(f"serving {base} (pid {server.pid})")
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
