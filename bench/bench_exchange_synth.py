"""``yiwang exchange synth`` (generate, encrypt, COPY into the emptied table with its indexes
built at the end) against a plain ``COPY`` of the same rows, with their ciphertexts, into the
same table (PostgreSQL) — the issue's baseline — and, as a second baseline, the same COPY with
the indexes dropped first and built at the end as synth does (the best a loader of ready-made
rows can do, so its ratio is the cost of generating and encrypting). The baseline's rows are
the ones our first round wrote, copied out of the table to a file (``COPY ... TO``), so the two
sides load byte-for-byte the same data and no separate generation pass is needed.

``BENCH_PEOPLE`` sets the number of people per round (default 200 000; 10 000 000 for the
issue's figure), ``BENCH_JOBS`` the worker processes of ours (default 1). Each side loads an
emptied table; the rates are rows per second (the median over rounds)."""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

import harness  # first: it sets up Django
from django.db import connection, transaction

from yiwang.exchange import synth
from yiwang.kernel.models import BasePerson

TABLE = BasePerson._meta.db_table


def _truncate() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {TABLE}")


def _dump(path: Path, columns: str) -> None:
    """Copy the rows ours wrote out of the table, in COPY's text format."""
    started = time.perf_counter()
    with (
        connection.cursor() as cursor,
        path.open("wb") as out,
        cursor.cursor.copy(f"COPY {TABLE} ({columns}) TO STDOUT") as copy,
    ):
        for block in copy:
            out.write(block)
    harness.log(f"bench: copied the rows out in {time.perf_counter() - started:.0f} s")


def main() -> None:
    if harness.vendor() != "postgresql":
        harness.log("bench: exchange_synth measures COPY; run it with a postgres DATABASE_URL")
        return
    people = int(os.environ.get("BENCH_PEOPLE", "200000"))
    jobs = int(os.environ.get("BENCH_JOBS", "1"))
    rounds = harness.counted_rounds(3 if people <= 1_000_000 else 1)
    columns = ", ".join(synth.PERSON_COLUMNS)

    with tempfile.TemporaryDirectory() as tmp:
        rows_file = Path(tmp) / "people.copy"

        def ours() -> float:
            _truncate()
            started = time.perf_counter()
            synth.synthesize(people=people, seed=1, jobs=jobs, progress=False)
            rate = people / (time.perf_counter() - started)
            if not rows_file.exists():
                _dump(rows_file, columns)
            return rate

        def load() -> None:
            with (
                transaction.atomic(),
                connection.cursor() as cursor,
                rows_file.open("rb") as src,
                cursor.cursor.copy(f"COPY {TABLE} ({columns}) FROM STDIN") as copy,
            ):
                while block := src.read(1 << 20):
                    copy.write(block)

        def baseline() -> float:
            _truncate()
            started = time.perf_counter()
            load()
            return people / (time.perf_counter() - started)

        def deferred() -> float:
            _truncate()
            started = time.perf_counter()
            with synth._indexes_built_after(BasePerson):
                load()
            return people / (time.perf_counter() - started)

        ours_rates: list[float] = []
        base_rates: list[float] = []
        deferred_rates: list[float] = []
        sides = {ours: ours_rates, baseline: base_rates, deferred: deferred_rates}
        for i in range(rounds):
            # ours goes first in the first round: it writes the rows the baselines load
            order = (ours, baseline, deferred) if i % 2 == 0 else (deferred, baseline, ours)
            for side in order:
                sides[side].append(side())
            harness.log(
                f"bench: round {i + 1}/{rounds}: ours {ours_rates[-1]:.0f} rows/s, "
                f"plain COPY {base_rates[-1]:.0f} rows/s, "
                f"COPY with indexes built after {deferred_rates[-1]:.0f} rows/s"
            )
        ours_rate, base_rate = statistics.median(ours_rates), statistics.median(base_rates)
        deferred_rate = statistics.median(deferred_rates)
        harness.log(
            f"bench: against COPY with indexes built after: ratio {ours_rate / deferred_rate:.2f}"
            f" ({ours_rate:.0f} vs {deferred_rate:.0f} rows/s)"
        )
        print(
            harness.Result(
                name="exchange_synth",
                ratio=ours_rate / base_rate,
                ours=ours_rate,
                baseline=base_rate,
                ours_rounds=tuple(ours_rates),
                baseline_rounds=tuple(base_rates),
            ).line,
            flush=True,
        )
        if BasePerson.objects.count() != people:
            raise RuntimeError("the last round did not leave the expected rows")


if __name__ == "__main__":
    with harness.test_database():
        main()
