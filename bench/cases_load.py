"""Concurrent clients for a side-by-side comparison over HTTP.

:func:`compare_concurrent` is :func:`harness.compare` for several callers at once: each round,
``clients`` threads (each with its own keep-alive HTTP client) send their share of the round's
requests as fast as the server answers; the round's rate is its requests over its wall time.
Rounds of the two sides interleave and alternate which goes first, the rate of each side is the
median of its rounds, and the harness's result line is printed. Every request's latency is
kept, for the percentiles of :func:`report_latency`."""

from __future__ import annotations

import gc
import os
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import harness

#: One request by client number ``i`` (0 ≤ i < clients); raises when the answer is wrong.
Request = Callable[[int], object]


@dataclass
class Side:
    request: Request
    rates: list[float] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    requests: int = 0


def _round(pool: ThreadPoolExecutor, side: Side, clients: int, each: int, *, keep: bool) -> None:
    def work(i: int) -> list[float]:
        samples = []
        for _ in range(each):
            start = time.perf_counter()
            side.request(i)
            samples.append(time.perf_counter() - start)
        return samples

    gc.collect()
    start = time.perf_counter()
    results = list(pool.map(work, range(clients)))
    elapsed = time.perf_counter() - start
    side.requests += clients * each
    if keep:
        side.rates.append(clients * each / elapsed)
        for samples in results:
            side.latencies.extend(samples)


def compare_concurrent(
    name: str,
    ours: Request,
    baseline: Request,
    *,
    clients: int,
    requests_per_round: int,
    rounds: int = 15,
    warmup_rounds: int = 1,
) -> tuple[harness.Result, Side, Side]:
    """Time ``ours`` against ``baseline`` with ``clients`` concurrent callers; print the
    harness's line and return it with both sides (rates, latencies, requests sent)."""
    rounds = harness.counted_rounds(rounds)
    each = requests_per_round // clients
    if each < 1 or rounds < 1:
        raise ValueError("requests_per_round must be at least clients, rounds at least 1")
    verbose = os.environ.get("BENCH_VERBOSE", "") not in {"", "0"}
    mine, theirs = Side(ours), Side(baseline)
    with ThreadPoolExecutor(max_workers=clients, thread_name_prefix="client") as pool:
        for _ in range(warmup_rounds):
            _round(pool, mine, clients, each, keep=False)
            _round(pool, theirs, clients, each, keep=False)
        for i in range(rounds):
            order = (mine, theirs) if i % 2 == 0 else (theirs, mine)
            for side in order:
                _round(pool, side, clients, each, keep=True)
            if verbose:
                harness.log(
                    f"bench: {name} round {i + 1}/{rounds}: ours {mine.rates[-1]:.1f}/s, "
                    f"baseline {theirs.rates[-1]:.1f}/s"
                )
    ours_median = statistics.median(mine.rates)
    base_median = statistics.median(theirs.rates)
    result = harness.Result(
        name=name,
        ratio=ours_median / base_median,
        ours=ours_median,
        baseline=base_median,
        ours_rounds=tuple(mine.rates),
        baseline_rounds=tuple(theirs.rates),
    )
    print(result.line, flush=True)
    if rounds >= 4:
        paired = [o / b for o, b in zip(mine.rates, theirs.rates, strict=True)]
        q1, q2, q3 = statistics.quantiles(paired, n=4)
        harness.log(
            f"bench: {name}: round-by-round ratio median {q2:.2f}, middle half {q1:.2f}-{q3:.2f}"
            f" over {rounds} rounds of {clients * each} requests by {clients} clients"
        )
    return result, mine, theirs


def percentile(samples: Sequence[float], p: int) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[p - 1]


def report_latency(name: str, ours: Side, baseline: Side, *, clients: int) -> None:
    """The latency line: p50, p95 and p99 of each side's requests (counted rounds only)."""
    o50, o95, o99 = (1000 * percentile(ours.latencies, p) for p in (50, 95, 99))
    b50, b95, b99 = (1000 * percentile(baseline.latencies, p) for p in (50, 95, 99))
    print(
        f"{name} latency: p99 ratio {o99 / b99:.2f} (ours p50 {o50:.1f} ms, p95 {o95:.1f} ms, "
        f"p99 {o99:.1f} ms; baseline p50 {b50:.1f} ms, p95 {b95:.1f} ms, p99 {b99:.1f} ms), "
        f"{clients} clients",
        flush=True,
    )


@contextmanager
def bench_settings(module: str) -> Iterator[None]:
    """Start servers (``harness.live_server``) with a bench settings module from bench/:
    the environment a server inherits names it and puts bench/ on the import path. This
    process keeps the settings it was set up with."""
    saved = {k: os.environ.get(k) for k in ("DJANGO_SETTINGS_MODULE", "PYTHONPATH")}
    here = str(Path(__file__).resolve().parent)
    os.environ["DJANGO_SETTINGS_MODULE"] = module
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (here, saved["PYTHONPATH"]) if p)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
