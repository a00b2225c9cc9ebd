"""The open-data store: loading a CSV of ``BENCH_ROWS`` rows (default 1 000 000) through
``datastore.load`` (encoding detection, typing, validation, COPY / executemany) against a bare
bulk insert of the same file into a table of the same column types (PostgreSQL: ``COPY ...
FROM STDIN (FORMAT csv)`` of the file as it is; SQLite: ``csv.reader`` + ``executemany`` in
batches), rows per second; then ``datastore.search`` (limit 100) at offset 0, at offset
900 000 (``BENCH_DEPTH``) and by keyset cursor at that same depth, p50/p95 of each.

Prints three result lines::

    opendata_datastore_load: ratio R (ours X/s, baseline Y/s)            rows per second
    opendata_datastore_keyset: ratio R (ours X/s, baseline Y/s)          cursor at depth / offset 0
    opendata_datastore_offset: ratio R (ours X/s, baseline Y/s)          offset at depth / offset 0

A keyset ratio near 1 says a deep page costs what the first one costs; the offset line shows
what CKAN's offset paging costs at that depth. The CSV is generated once per run (places of
Hubei with their Chinese names, dates, counts, amounts, yes/no, remarks).
"""

from __future__ import annotations

import csv
import itertools
import os
import random
import resource as rlimit
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import harness  # first: it sets up Django, so yiwang can be imported after it
from django.db import connection, transaction

from yiwang.kernel.models import Department, Region
from yiwang.opendata import datastore
from yiwang.opendata.models import Dataset, Licence, Publisher, Resource

ROWS = int(os.environ.get("BENCH_ROWS", "1000000"))
DEPTH = int(os.environ.get("BENCH_DEPTH", str(min(900_000, ROWS * 9 // 10))))
QUERIES = int(os.environ.get("BENCH_QUERIES", "40"))
LIMIT = 100

CITIES = {
    "武汉市": ["江岸区", "江汉区", "硚口区", "汉阳区", "武昌区", "青山区", "洪山区", "东西湖区"],
    "宜昌市": ["西陵区", "伍家岗区", "点军区", "猇亭区", "夷陵区", "远安县", "兴山县"],
    "襄阳市": ["襄城区", "樊城区", "襄州区", "南漳县", "谷城县", "保康县"],
    "荆州市": ["沙市区", "荆州区", "公安县", "监利市", "江陵县", "石首市"],
    "黄石市": ["黄石港区", "西塞山区", "下陆区", "铁山区", "阳新县", "大冶市"],
    "十堰市": ["茅箭区", "张湾区", "郧阳区", "郧西县", "竹山县", "丹江口市"],
}
STREETS = ["中山路", "解放大道", "建设大道", "和平街道", "长江路", "人民路", "东风路", "新华路"]
HEADER = [
    "城市",
    "区县",
    "街道",
    "统计日期",
    "常住人口（人）",
    "户数",
    "面积（平方公里）",
    "人均可支配收入（元）",
    "是否城镇",
    "备注",
]


def generate(path: Path, rows: int) -> None:
    started = time.perf_counter()
    rng = random.Random(9)
    cities = list(CITIES)
    first = date(2015, 1, 1)
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        for i in range(rows):
            city = cities[i % len(cities)]
            county = rng.choice(CITIES[city])
            writer.writerow(
                [
                    city,
                    county,
                    f"{rng.choice(STREETS)}{rng.randint(1, 40)}号社区",
                    (first + timedelta(days=rng.randint(0, 3650))).isoformat(),
                    rng.randint(800, 60000),
                    rng.randint(300, 20000),
                    f"{rng.uniform(0.5, 120):.2f}",
                    f"{rng.uniform(18000, 90000):.1f}",
                    "是" if rng.random() < 0.7 else "否",
                    "" if rng.random() < 0.8 else f"{county}抽样调查",
                ]
            )
    harness.log(
        f"bench: generated {rows} rows ({path.stat().st_size / 1e6:.0f} MB) in "
        f"{time.perf_counter() - started:.0f} s"
    )


def make_resource() -> Resource:
    province = Region.objects.create(code="42", name="湖北省", level="province")
    city = Region.objects.create(code="4201", name="武汉市", level="city", parent=province)
    department = Department.objects.create(code="4201-TJJ", name="武汉市统计局", region=city)
    publisher = Publisher.objects.create(department=department, name="4201-tjj")
    dataset = Dataset.objects.create(
        name="hubei-communities",
        title="湖北省社区人口与收入",
        publisher=publisher,
        theme="social",
        region=province,
        licence=Licence.objects.get(id="cc-by-4.0"),
        update_frequency="yearly",
        open_type="unconditional",
        metadata_modified="2024-01-01T00:00:00Z",
    )
    return Resource.objects.create(dataset=dataset, name="社区人口", format="CSV")


BASELINE_TABLE = "bench_opendata_bulk"


def baseline_load(path: Path, fields: list[dict[str, str]]) -> float:
    """Create a table of the same column types and bulk-insert the file's rows; rows/s."""
    types = datastore._SQL_TYPES[connection.vendor]
    q = connection.ops.quote_name
    columns = [q(f["id"]) for f in fields]
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {BASELINE_TABLE}")
        # booleans are 是/否 in the file, which a bare COPY does not read: text there
        sql_types = [
            "text"
            if f["type"] == "bool" and connection.vendor == "postgresql"
            else types[f["type"]]
            for f in fields
        ]
        definition = ", ".join(f"{c} {t}" for c, t in zip(columns, sql_types, strict=True))
        cursor.execute(f"CREATE TABLE {BASELINE_TABLE} ({definition})")
        if connection.vendor == "postgresql":
            sql = f"COPY {BASELINE_TABLE} ({', '.join(columns)}) FROM STDIN (FORMAT csv, HEADER)"
            with path.open("rb") as src, cursor.cursor.copy(sql) as copy:
                while block := src.read(1 << 20):
                    copy.write(block)
        else:
            raw = connection.connection
            placeholders = ", ".join("?" * len(columns))
            sql = f"INSERT INTO {BASELINE_TABLE} VALUES ({placeholders})"
            with path.open(encoding="utf-8", newline="") as src:
                reader = csv.reader(src)
                next(reader)
                while batch := list(itertools.islice(reader, datastore.BATCH_ROWS)):
                    raw.executemany(sql, batch)
    return ROWS / (time.perf_counter() - started)


def latencies(op: Callable[[], object], n: int) -> list[float]:
    op()  # warm
    times = []
    for _ in range(n):
        started = time.perf_counter()
        op()
        times.append(time.perf_counter() - started)
    return times


def p(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] * 1000


def result(name: str, ours: list[float], base: list[float]) -> None:
    # rates are queries per second of the median latency
    ours_rate, base_rate = 1 / statistics.median(ours), 1 / statistics.median(base)
    print(
        harness.Result(name, ours_rate / base_rate, ours_rate, base_rate, (), ()).line,
        flush=True,
    )


def main() -> None:
    rounds = harness.counted_rounds(3)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "communities.csv"
        generate(path, ROWS)
        res = make_resource()

        def ours() -> float:
            started = time.perf_counter()
            with transaction.atomic(), path.open("rb") as stream:
                report = datastore.load(res, stream, filename=path.name)
            rate = ROWS / (time.perf_counter() - started)
            if report["rows"] != ROWS or not report["ok"]:
                raise RuntimeError(f"unexpected load report: {report['rows']} rows")
            return rate

        ours_rates: list[float] = []
        base_rates: list[float] = []
        for i in range(rounds):
            if i % 2 == 0:
                ours_rates.append(ours())
                base_rates.append(baseline_load(path, res.datastore_fields))
            else:
                base_rates.append(baseline_load(path, res.datastore_fields))
                ours_rates.append(ours())
            harness.log(
                f"bench: load round {i + 1}/{rounds}: ours {ours_rates[-1]:.0f} rows/s, "
                f"baseline {base_rates[-1]:.0f} rows/s"
            )
        ours_rate, base_rate = statistics.median(ours_rates), statistics.median(base_rates)
        print(
            harness.Result(
                "opendata_datastore_load",
                ours_rate / base_rate,
                ours_rate,
                base_rate,
                tuple(ours_rates),
                tuple(base_rates),
            ).line,
            flush=True,
        )
        harness.log(
            f"bench: types {[f['type'] for f in res.datastore_fields]}; peak RSS "
            f"{rlimit.getrusage(rlimit.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
        )
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {BASELINE_TABLE}")

        res.refresh_from_db()
        deep = datastore.search(res, limit=LIMIT, offset=DEPTH - LIMIT)
        cursor_token = deep["next_cursor"]
        first_id = datastore.search(res, limit=1, cursor=cursor_token)["records"][0]["_id"]
        if first_id != DEPTH + 1:
            raise RuntimeError(f"the cursor continued at {first_id}, not {DEPTH + 1}")

        start = latencies(lambda: datastore.search(res, limit=LIMIT), QUERIES)
        by_offset = latencies(lambda: datastore.search(res, limit=LIMIT, offset=DEPTH), QUERIES)
        by_cursor = latencies(
            lambda: datastore.search(res, limit=LIMIT, cursor=cursor_token), QUERIES
        )
        for label, times in (
            ("offset 0", start),
            (f"offset {DEPTH}", by_offset),
            (f"cursor at {DEPTH}", by_cursor),
        ):
            harness.log(
                f"bench: search {label}: p50 {p(times, 50):.2f} ms, p95 {p(times, 95):.2f} ms"
            )
        result("opendata_datastore_keyset", by_cursor, start)
        result("opendata_datastore_offset", by_offset, start)


if __name__ == "__main__":
    with harness.test_database():
        main()
