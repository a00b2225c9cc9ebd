"""Portal search over 20,000 generated implementations against the plain indexed lookup of one
implementation by its code, on the same database in the same run.

Ours: ``GET /api/v1/catalog/search?q=&region=`` with a mix of queries (Chinese words, several
words, pinyin and initials, filters alone), as the portal sends them.

Baseline: ``GET /api/v1/catalog/implementations/<code>`` (public, a unique index on the code).

Both go over HTTP to the real server (``yiwang serve``) on the benchmark's test database, one
keep-alive client. Issue 4's target: p95 of the search under 10× the p95 of the lookup. The
same comparison in process (``services.search_catalog`` against
``ItemImplementation.objects.filter(code=...).first()``) follows, without HTTP and the server.

Besides the harness's throughput line, each comparison prints its latencies:

    catalog_search latency: p95 ratio 2.41 (ours p50 6.1 ms, p95 9.3 ms; baseline p50 2.9 ms,
    p95 3.9 ms), target under 10

``BENCH_CATALOG_SIZE`` changes the number of implementations (20,000 by default).
"""

from __future__ import annotations

import itertools
import logging
import os
import random
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

import harness  # first: it sets up Django
import httpx
from catalog_data import generate

from yiwang.catalog import services
from yiwang.catalog.models import ItemImplementation
from yiwang.kernel.models import SearchEntry

logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request is not a result

DEFAULT_SIZE = 20_000
SIZE = int(os.environ.get("BENCH_CATALOG_SIZE", DEFAULT_SIZE))
OPS = 40
ROUNDS = 15
WARMUP_ROUNDS = 1
TARGET = 10.0

#: (q, region): what people type into the portal's search box, with or without a region.
QUERIES: tuple[tuple[str, str], ...] = (
    ("营业执照", ""),
    ("营业执照", "4201"),
    ("不动产登记", "42"),
    ("出生医学证明", "420106"),
    ("身份证", ""),
    ("公积金", "4205"),
    ("食品经营许可", "4201"),
    ("机动车 驾驶证", ""),
    ("结婚 登记", "4206"),
    ("武昌区 营业执照", ""),
    ("社会保障卡 补换", "42"),
    ("yyzz", ""),
    ("yyzz", "4201"),
    ("bdc", "4203"),
    ("jdc", ""),
    ("shehui", "4228"),
    ("", "4201"),
    ("", "420106"),
    ("", "42"),
    ("养老", "4211"),
)


class Timed:
    """One side of the comparison: calls ``op`` and keeps each call's latency."""

    def __init__(self, op: Callable[[], Any], check: Callable[[Any], None]) -> None:
        self.op = op
        self.check = check
        self.samples: list[float] = []

    def __call__(self) -> None:
        start = time.perf_counter()
        outcome = self.op()
        self.samples.append(time.perf_counter() - start)
        self.check(outcome)

    def counted(self) -> list[float]:
        """The latencies of the counted rounds (the warm-up rounds left out)."""
        return self.samples[WARMUP_ROUNDS * OPS :]


def percentile(samples: Sequence[float], p: int) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[p - 1]


def report_latency(name: str, ours: Timed, baseline: Timed) -> float:
    o, b = ours.counted(), baseline.counted()
    o50, o95, b50, b95 = (1000 * percentile(s, p) for s, p in ((o, 50), (o, 95), (b, 50), (b, 95)))
    ratio = o95 / b95
    print(
        f"{name} latency: p95 ratio {ratio:.2f} (ours p50 {o50:.1f} ms, p95 {o95:.1f} ms; "
        f"baseline p50 {b50:.1f} ms, p95 {b95:.1f} ms), target under {TARGET:.0f}",
        flush=True,
    )
    harness.log(
        f"bench: {name}: {len(o)} searches, {len(b)} look-ups; "
        + ("within" if ratio < TARGET else "OVER")
        + " the target"
    )
    return ratio


def main() -> None:
    catalogue = generate(SIZE, progress=harness.log)
    harness.log(
        f"bench: catalog_search: {catalogue.implementations} implementations of "
        f"{catalogue.items} items by {catalogue.departments} departments in "
        f"{catalogue.regions} regions; rows {catalogue.seconds_rows:.0f} s, "
        f"search index {catalogue.seconds_index:.0f} s"
    )
    indexed = SearchEntry.objects.filter(scope=services.SEARCH_SCOPE).count()
    if indexed != SIZE:
        raise SystemExit(f"bench_catalog_search: {indexed} documents indexed, expected {SIZE}")

    # Every query of the mix finds something (in a smaller catalogue, a query that finds
    # nothing is left out); the totals are what the HTTP answers must show.
    expected = {}
    for q, region in QUERIES:
        total = services.search_catalog(q, region=region).total
        harness.log(f"bench: catalog_search: {q or '(filters only)'!r} {region}: {total} found")
        if total:
            expected[(q, region)] = total
        elif SIZE >= DEFAULT_SIZE:
            raise SystemExit(f"bench_catalog_search: {q!r} in {region or 'all'} finds nothing")
    codes = list(ItemImplementation.objects.values_list("code", flat=True))
    random.Random(7).shuffle(codes)

    with harness.live_server() as base, httpx.Client(base_url=base, timeout=30) as http:
        over_http(http, expected, codes)
    in_process(list(expected), codes)


def over_http(http: httpx.Client, expected: dict[tuple[str, str], int], codes: list[str]) -> None:
    queries = itertools.cycle(expected)
    lookups = itertools.cycle(codes)

    def search() -> tuple[tuple[str, str], httpx.Response]:
        q, region = next(queries)
        params = {"q": q, "region": region} if region else {"q": q}
        return (q, region), http.get("/api/v1/catalog/search", params=params)

    def check_search(outcome: tuple[tuple[str, str], httpx.Response]) -> None:
        query, response = outcome
        if response.status_code != 200 or response.json()["total"] != expected[query]:
            raise SystemExit(
                f"bench_catalog_search: {query}: {response.status_code} {response.text}"
            )

    def lookup() -> tuple[str, httpx.Response]:
        code = next(lookups)
        return code, http.get(f"/api/v1/catalog/implementations/{code}")

    def check_lookup(outcome: tuple[str, httpx.Response]) -> None:
        code, response = outcome
        if response.status_code != 200 or response.json()["code"] != code:
            raise SystemExit(
                f"bench_catalog_search: {code}: {response.status_code} {response.text}"
            )

    ours, baseline = Timed(search, check_search), Timed(lookup, check_lookup)
    harness.compare(
        "catalog_search",
        ours,
        baseline,
        ops_per_round=OPS,
        rounds=ROUNDS,
        warmup_rounds=WARMUP_ROUNDS,
    )
    report_latency("catalog_search", ours, baseline)


def in_process(mix: list[tuple[str, str]], codes: list[str]) -> None:
    queries = itertools.cycle(mix)
    lookups = itertools.cycle(codes)

    def search() -> int:
        q, region = next(queries)
        return services.search_catalog(q, region=region).total

    def lookup() -> ItemImplementation | None:
        return ItemImplementation.objects.filter(code=next(lookups)).first()

    def found(outcome: object) -> None:
        if not outcome:
            raise SystemExit("bench_catalog_search: an in-process call found nothing")

    ours, baseline = Timed(search, found), Timed(lookup, found)
    harness.compare(
        "catalog_search_inprocess",
        ours,
        baseline,
        ops_per_round=OPS,
        rounds=ROUNDS,
        warmup_rounds=WARMUP_ROUNDS,
    )
    report_latency("catalog_search_inprocess", ours, baseline)
    for side, op in (("ours", search), ("baseline", lookup)):
        sql = harness.statements(op)
        harness.log(f"bench: catalog_search_inprocess: {side} sends {len(sql)} statements")
    log_slowest(mix)


def log_slowest(mix: list[tuple[str, str]], repeat: int = 5) -> None:
    """Which queries of the mix make the tail: the median time of each, slowest first."""
    medians = []
    for q, region in mix:
        samples = []
        for _ in range(repeat):
            start = time.perf_counter()
            total = services.search_catalog(q, region=region).total
            samples.append(time.perf_counter() - start)
        medians.append((statistics.median(samples), q or "(filters only)", region or "all", total))
    medians.sort(reverse=True)
    harness.log(
        "bench: catalog_search_inprocess: slowest queries: "
        + ", ".join(f"{q!r} {r} ({n} found) {1000 * t:.1f} ms" for t, q, r, n in medians[:5])
    )


if __name__ == "__main__":
    with harness.test_database():
        main()
