"""Open-data search (CKAN ``package_search``) over 100,000 generated datasets against a plain
indexed query of the same datasets table, on the same database in the same run.

Ours: ``GET /opendata/api/3/action/package_search?q=...&facet.field=["organization","theme",
"tags"]&rows=10`` through Django's request handling (the test client, in process): the action
dispatcher, the anonymous rate limit, the Chinese full-text lookup with its fq, three facet
counts over the whole matched set and ten ``package_dict`` results. A second comparison runs
``search.search(...)`` and ``services.package_dict`` directly, without the dispatcher.

Baseline: ``Dataset.objects.filter(state="active", publisher=...).order_by("-metadata_modified")
[:10]`` (the ``(publisher, state)`` index), its ten rows serialised with ``package_dict``.

Generated data: about 40 publishers (departments of the province and its cities), 16 themes,
17 cities and their districts, titles such as 武汉市2023年公交线路运营信息, 2–4 tags each from
the theme's vocabulary and one or two resources (CSV, XLSX, JSON, API). The rows are written
with ``bulk_create`` and indexed with ``search.index_many``.

Besides the harness's line, each comparison prints its latencies on standard output::

    opendata_search latency: ours p50 8.1 ms, p95 21.0 ms; baseline p50 2.2 ms, p95 2.9 ms;
    target p95 under 50 ms

``BENCH_DATASETS`` sets the number of datasets (default 100,000). ``BENCH_EXISTING=1`` runs on
the database ``DATABASE_URL`` names as it is, without a throwaway copy: one a previous run
filled (generating and indexing 100,000 datasets takes a while), or a real catalogue.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import harness  # first: it sets up Django, so yiwang can be imported after it
from django.db import connection, transaction
from django.test import Client, override_settings
from django.utils import timezone

from yiwang.kernel.models import Department, Region, SearchEntry
from yiwang.opendata import search, services
from yiwang.opendata.models import Dataset, FacetValue, Publisher, Resource, Tag

DATASETS = int(os.environ.get("BENCH_DATASETS", "100000"))
EXISTING = os.environ.get("BENCH_EXISTING", "") not in {"", "0"}
TARGET_P95_MS = 50.0
OPS = 40
ROUNDS = 11

CITIES = [
    ("4201", "武汉市", ["江岸区", "江汉区", "硚口区", "汉阳区", "武昌区", "青山区", "洪山区"]),
    ("4202", "黄石市", ["黄石港区", "西塞山区"]),
    ("4203", "十堰市", ["茅箭区", "张湾区"]),
    ("4205", "宜昌市", ["西陵区", "伍家岗区", "点军区"]),
    ("4206", "襄阳市", ["襄城区", "樊城区"]),
    ("4207", "鄂州市", ["梁子湖区", "华容区"]),
    ("4208", "荆门市", ["东宝区", "掇刀区"]),
    ("4209", "孝感市", ["孝南区"]),
    ("4210", "荆州市", ["沙市区", "荆州区"]),
    ("4211", "黄冈市", ["黄州区"]),
    ("4212", "咸宁市", ["咸安区"]),
    ("4213", "随州市", ["曾都区"]),
    ("4228", "恩施土家族苗族自治州", ["恩施市"]),
    ("4290", "省直辖县级行政区划", ["仙桃市", "潜江市", "天门市"]),
]

#: theme → (bureau, subjects, tags)
THEMES: dict[str, tuple[str, list[str], list[str]]] = {
    "transport": (
        "交通运输局",
        [
            "公交线路",
            "公交站点",
            "地铁客流",
            "出租车运营",
            "道路运输许可",
            "公共停车场",
            "客运班线",
        ],
        ["公交", "地铁", "交通出行", "停车", "道路运输", "出租车"],
    ),
    "health": (
        "卫生健康委员会",
        ["医疗机构名录", "执业医师注册", "疫苗接种点", "卫生监督抽检", "基层医疗服务"],
        ["医疗", "医院", "卫生", "疫苗", "医师"],
    ),
    "education": (
        "教育局",
        ["中小学名录", "幼儿园名录", "学校招生计划", "教育经费统计", "民办学校许可"],
        ["教育", "学校", "招生", "幼儿园"],
    ),
    "economy": (
        "发展和改革委员会",
        ["重大项目清单", "固定资产投资统计", "价格监测", "招商引资项目"],
        ["投资", "项目", "价格", "经济运行"],
    ),
    "finance": (
        "财政局",
        ["财政预算公开", "政府采购公告", "专项资金分配", "税收收入统计"],
        ["财政", "预算", "政府采购", "税收"],
    ),
    "social": (
        "民政局",
        ["养老机构名录", "社会组织登记", "低保对象统计", "婚姻登记机关"],
        ["养老", "社会组织", "社会救助", "婚姻登记"],
    ),
    "employment": (
        "人力资源和社会保障局",
        ["招聘岗位信息", "职业技能培训机构", "社保经办网点", "最低工资标准"],
        ["就业", "招聘", "社保", "职业培训"],
    ),
    "environment": (
        "生态环境局",
        ["空气质量监测", "重点排污单位", "水质监测断面", "环境影响评价审批"],
        ["环境", "空气质量", "水质", "排污"],
    ),
    "agriculture": (
        "农业农村局",
        ["农产品价格", "农民专业合作社", "高标准农田建设", "农机购置补贴"],
        ["农业", "农产品", "合作社", "补贴"],
    ),
    "urban": (
        "住房和城乡建设局",
        ["商品房预售许可", "保障性住房", "建筑企业资质", "老旧小区改造"],
        ["住房", "房地产", "建筑", "小区"],
    ),
    "safety": (
        "应急管理局",
        ["应急避难场所", "危险化学品企业", "安全生产许可", "消防救援站"],
        ["应急", "安全生产", "消防", "避难场所"],
    ),
    "market": (
        "市场监督管理局",
        ["市场主体登记", "食品经营许可", "产品质量抽检", "特种设备登记"],
        ["市场主体", "食品安全", "质量抽检", "营业执照"],
    ),
    "science": (
        "科学技术局",
        ["高新技术企业名单", "科技项目立项", "专利授权统计", "众创空间名录"],
        ["科技", "高新技术", "专利", "创新"],
    ),
    "tourism": (
        "文化和旅游局",
        ["A级旅游景区", "星级饭店名录", "公共图书馆", "文化馆站"],
        ["旅游", "景区", "文化", "图书馆"],
    ),
    "government": (
        "政务服务和大数据管理局",
        ["政务服务事项清单", "办件量统计", "政务服务中心窗口", "电子证照目录"],
        ["政务服务", "办事指南", "电子证照", "数据开放"],
    ),
    "geography": (
        "自然资源和规划局",
        ["地名地址", "土地供应计划", "不动产登记网点", "规划许可公示"],
        ["地理信息", "土地", "不动产", "规划"],
    ),
}
SUFFIXES = ["信息", "数据", "统计", "名录", "清单", "明细"]
FORMATS = ["CSV", "CSV", "XLSX", "JSON", "API"]
LICENCES = ["cc-by-4.0", "gov-open", "cc-by-4.0", "odc-by", "cc-zero"]

#: (q, fq): what people search for, with and without a filter.
QUERIES: tuple[tuple[str, str], ...] = (
    ("公交", ""),
    ("公交线路", ""),
    ("医疗机构", ""),
    ("武汉市 空气质量", ""),
    ("食品经营许可", "organization:4201-scjg"),
    ("养老", "region:4205"),
    ("gjxl", ""),
    ("招聘", "res_format:CSV"),
    ("2023年 财政预算", ""),
    ("不动产登记", "theme:geography"),
    ("幼儿园", "region:42"),
    ("地铁", ""),
    ("旅游景区", "license_id:gov-open"),
    ("专利", ""),
    ("", "theme:transport"),
    ("", "organization:42-jt tags:公交"),
)
FACETS = '["organization","theme","tags"]'


def _generate(count: int) -> None:
    """Regions, ~40 publishers and ``count`` datasets with tags and resources, in bulk."""
    rng = random.Random(2024)
    province, _ = Region.objects.get_or_create(
        code="42", defaults={"name": "湖北省", "level": "province"}
    )
    cities: list[tuple[Region, list[Region]]] = []
    for code, name, districts in CITIES:
        city, _ = Region.objects.get_or_create(
            code=code, defaults={"name": name, "level": "city", "parent": province}
        )
        counties = [
            Region.objects.get_or_create(
                code=f"{code}{n + 2:02d}",
                defaults={"name": district, "level": "county", "parent": city},
            )[0]
            for n, district in enumerate(districts)
        ]
        cities.append((city, counties))
    # ~40 publishers: the province's bureaus and those of the larger cities.
    owners: list[tuple[Region, str]] = [(province, t) for t in THEMES]
    for city, _counties in cities[:6]:
        owners += [(city, t) for t in rng.sample(sorted(THEMES), 4)]
    publishers: dict[str, list[tuple[Publisher, Region, list[Region]]]] = {}
    short = {
        "transport": "jt",
        "health": "wjw",
        "education": "jy",
        "economy": "fgw",
        "finance": "cz",
        "social": "mz",
        "employment": "rs",
        "environment": "sthj",
        "agriculture": "ny",
        "urban": "zj",
        "safety": "yj",
        "market": "scjg",
        "science": "kj",
        "tourism": "wl",
        "government": "zwfw",
        "geography": "zrzy",
    }
    for region, theme in owners:
        bureau = THEMES[theme][0]
        if region.code == "42":
            bureau = bureau.replace("局", "厅").replace("委员会", "委员会")
        department = Department.objects.create(
            code=f"{region.code}-{short[theme].upper()}",
            name=f"{region.name}{bureau}",
            region=region,
        )
        publisher = Publisher.objects.create(
            department=department, name=f"{region.code}-{short[theme]}"
        )
        counties = next((c for r, c in cities if r.code == region.code), [])
        publishers.setdefault(theme, []).append((publisher, region, counties))
    tags = {
        name: Tag.objects.get_or_create(name=name)[0]
        for _bureau, _subjects, names in THEMES.values()
        for name in names
    }
    harness.log(f"bench: {sum(len(v) for v in publishers.values())} publishers")

    now = timezone.now()
    themes = sorted(THEMES)
    Through = Dataset.tags.through
    batch = 5000
    for offset in range(0, count, batch):
        datasets: list[Dataset] = []
        links: list[Any] = []
        resources: list[Resource] = []
        for i in range(offset, min(offset + batch, count)):
            theme = themes[i % len(themes)]
            _bureau, subjects, theme_tags = THEMES[theme]
            publisher, region, counties = rng.choice(publishers[theme])
            if region.code == "42":
                city, counties = rng.choice(cities)
                place = rng.choice([city, *counties]) if counties else city
            else:
                place = rng.choice([region, *counties]) if counties else region
            subject = rng.choice(subjects)
            year = rng.randint(2015, 2024)
            title = f"{place.name}{year}年{subject}{rng.choice(SUFFIXES)}"
            dataset = Dataset(
                id=uuid.UUID(int=rng.getrandbits(128), version=4),
                name=f"ds-{i:06d}",
                title=title,
                notes=(
                    f"{publisher.department.name}发布的{place.name}{subject}，"
                    f"包括{'、'.join(rng.sample(theme_tags, 2))}等内容，按{year}年度统计。"
                ),
                publisher=publisher,
                theme=theme,
                region=place,
                licence_id=rng.choice(LICENCES),
                update_frequency=rng.choice(["daily", "monthly", "quarterly", "yearly"]),
                open_type="conditional" if rng.random() < 0.15 else "unconditional",
                state="active",
                metadata_modified=now - timedelta(minutes=i * 7 + rng.randint(0, 6)),
            )
            datasets.append(dataset)
            for name in rng.sample(theme_tags, rng.randint(2, min(4, len(theme_tags)))):
                links.append(Through(dataset_id=dataset.id, tag_id=tags[name].pk))
            for position in range(rng.randint(1, 2)):
                fmt = rng.choice(FORMATS)
                resources.append(
                    Resource(
                        dataset=dataset,
                        name=f"{subject}{'接口' if fmt == 'API' else '数据文件'}",
                        format=fmt,
                        url="https://data.hubei.gov.cn/api/x" if fmt == "API" else "",
                        position=position,
                    )
                )
        with transaction.atomic():
            Dataset.objects.bulk_create(datasets, batch_size=1000)
            Through.objects.bulk_create(links, batch_size=2000)
            Resource.objects.bulk_create(resources, batch_size=2000)
        harness.log(f"bench: {offset + len(datasets)} datasets")


def _index_all() -> None:
    done = 0
    ids = list(Dataset.objects.values_list("pk", flat=True))
    for offset in range(0, len(ids), 5000):
        done += search.index_many(Dataset(pk=pk) for pk in ids[offset : offset + 5000])
        harness.log(f"bench: {done} datasets indexed")


def _percentile(samples: list[float], n: int) -> float:
    return statistics.quantiles(samples, n=100)[n - 1] * 1000


def _latency(name: str, ours: list[float], base: list[float]) -> None:
    print(
        f"{name} latency: ours p50 {_percentile(ours, 50):.1f} ms, p95 "
        f"{_percentile(ours, 95):.1f} ms; baseline p50 {_percentile(base, 50):.1f} ms, p95 "
        f"{_percentile(base, 95):.1f} ms; target p95 under {TARGET_P95_MS:.0f} ms",
        flush=True,
    )


def _timed(op: Callable[[], object], sink: list[float]) -> Callable[[], None]:
    def run() -> None:
        start = time.perf_counter()
        op()
        sink.append(time.perf_counter() - start)

    return run


def main() -> None:
    if EXISTING and Dataset.objects.exists():
        harness.log(f"bench: on the existing {Dataset.objects.count()} datasets")
    else:
        started = time.perf_counter()
        _generate(DATASETS)
        harness.log(f"bench: generated {DATASETS} datasets in {time.perf_counter() - started:.0f}s")
        started = time.perf_counter()
        _index_all()
        harness.log(
            f"bench: indexed in {time.perf_counter() - started:.0f}s "
            f"({SearchEntry.objects.count()} entries, {FacetValue.objects.count()} facet values)"
        )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    pick = random.Random(7)
    publisher_ids = list(Publisher.objects.values_list("pk", flat=True))
    client = Client()

    def api() -> None:
        q, fq = pick.choice(QUERIES)
        response = client.get(
            "/opendata/api/3/action/package_search",
            {"q": q, "fq": fq, "facet.field": FACETS, "rows": "10"},
        )
        body = response.json()
        if response.status_code != 200 or not body["success"]:
            raise RuntimeError(f"package_search: {response.status_code} {response.content[:300]!r}")

    def direct() -> None:
        q, fq = pick.choice(QUERIES)
        found = search.search(q=q, fq=fq, rows=10, facet_fields=["organization", "theme", "tags"])
        json.dumps([services.package_dict(d) for d in services.datasets_by_ids(found.ids)])

    def baseline() -> None:
        rows = (
            Dataset.objects.filter(state="active", publisher_id=pick.choice(publisher_ids))
            .select_related("publisher__department", "licence", "region")
            .prefetch_related("tags", "resources")
            .order_by("-metadata_modified")[:10]
        )
        json.dumps([services.package_dict(d) for d in rows])

    # What each query finds, and what search.search alone costs (median of 5, facets and
    # without): a check that the data means something, and where the time goes.
    for q, fq in [*QUERIES, ("", "")]:
        costs = []
        for facets in (["organization", "theme", "tags"], []):
            samples = []
            for _ in range(5):
                begin = time.perf_counter()
                found = search.search(q=q, fq=fq, rows=10, facet_fields=facets)
                samples.append(time.perf_counter() - begin)
            costs.append(statistics.median(samples) * 1000)
        harness.log(
            f"bench: q={q!r} fq={fq!r}: {found.count} datasets, search {costs[0]:.1f} ms "
            f"({costs[1]:.1f} ms without facets)"
        )
    last = Dataset.objects.count() - 20
    for q, fq in (("", ""), ("", "theme:transport"), ("公交", "")):
        deep = time.perf_counter()
        search.search(q=q, fq=fq, start=last if not (q or fq) else 1000, rows=10)
        harness.log(
            f"bench: a deep page (q={q!r} fq={fq!r}, start={last if not (q or fq) else 1000}): "
            f"{(time.perf_counter() - deep) * 1000:.1f} ms"
        )
    harness.log(f"bench: statements per API call: {len(harness.statements(api))}")

    with override_settings(YIWANG_OPENDATA_ANON_PER_MINUTE=2_000_000_000):
        ours_times: list[float] = []
        base_times: list[float] = []
        harness.compare(
            "opendata_search",
            _timed(api, ours_times),
            _timed(baseline, base_times),
            ops_per_round=OPS,
            rounds=ROUNDS,
        )
        _latency("opendata_search", ours_times, base_times)
    ours_times, base_times = [], []
    harness.compare(
        "opendata_search_inprocess",
        _timed(direct, ours_times),
        _timed(baseline, base_times),
        ops_per_round=OPS,
        rounds=ROUNDS,
    )
    _latency("opendata_search_inprocess", ours_times, base_times)
    with open("/proc/loadavg") as loadavg:
        harness.log(f"bench: load average {loadavg.read().strip()}")


if __name__ == "__main__":
    sys.setrecursionlimit(10_000)
    if EXISTING:
        from django.test.utils import setup_test_environment

        setup_test_environment(debug=False)  # the test client's host, as in a test database
        main()
    else:
        with harness.test_database():
            main()
