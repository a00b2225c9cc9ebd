"""Knowledge search of the 12345 hotline over 50,000 generated articles against a plain indexed
lookup of the same articles table, on the same database in the same run.

Ours: ``knowledge.search_articles(q, public=True, limit=10)``: the query's synonym variants
(物业 → 物业公司, 物管, ...), the Chinese full-text lookup of each in the kernel's index
(scope ``hotline.article``, the ``status`` filter token), merged best first.

Baseline: the ten newest published articles of one owner department
(``KnowledgeArticle.objects.filter(owner_id=..., status="published")[:10]``, the owner
foreign key's index), read as the same (id, title, summary) tuples.

Generated data: the demo taxonomy's leaf topics (``yiwang.hotline.taxonomy``) and their lead
departments; each article a realistic question and answer built from its topic's keywords,
place names of 武汉市 and answer templates. Rows are written with ``bulk_create`` and indexed
in bulk (``knowledge.index_entry`` → ``SearchEntry.objects.bulk_create``).

Besides the harness's line it prints ``hotline_search latency: ours p50 …, p95 …; baseline
p50 …, p95 …``. ``BENCH_ARTICLES`` sets the number of articles (default 50,000).
"""

from __future__ import annotations

import functools
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import timedelta

import harness  # first: it sets up Django, so yiwang can be imported after it
from django.db import connection, transaction
from django.utils import timezone

from yiwang.hotline import knowledge, taxonomy
from yiwang.hotline.models import ArticleStatus, KnowledgeArticle, Synonym, Topic
from yiwang.kernel import search as kernel_search
from yiwang.kernel.models import Department, Region, SearchEntry

ARTICLES = int(os.environ.get("BENCH_ARTICLES", "50000"))
OPS = 40
ROUNDS = 11

PLACES = ["武昌区", "江汉区", "洪山区", "江岸区", "硚口区", "汉阳区", "青山区", "东西湖区"]
TITLES = [
    "{kw}问题怎么反映",
    "{place}{kw}投诉如何处理",
    "遇到{kw}该找哪个部门",
    "关于{kw}的常见问答",
    "{kw}和{kw2}有什么规定",
    "{topic}：{kw}办理指南",
    "{place}居民咨询{kw}",
]
BODIES = [
    "市民反映{kw}问题，可拨打12345热线或通过网站、移动端提交诉求。{topic}由{dept}负责，"
    "一般在{days}个工作日内答复。",
    "{kw}涉及{kw2}的，应先与{party}协商；协商不成的，可向{dept}投诉，并提供照片、合同等材料。",
    "根据相关规定，{kw}须依法依规处理。{place}的市民可到街道政务服务中心咨询，"
    "也可登录官方网站查询办理进度。",
    "{dept}将对{kw}问题进行核查，情况属实的责令限期整改；对{kw2}等问题，会同相关部门联合处置。",
]
PARTIES = ["物业服务企业", "开发商", "经营者", "用人单位", "社区居委会", "房东"]
SYNONYMS = {
    "物业": ["物业公司", "物管"],
    "噪音": ["噪声", "扰民"],
    "停车": ["泊车"],
    "社保": ["社会保险"],
    "工资": ["薪水", "薪资"],
}
QUERIES = (
    "物业",
    "物管不打扫楼道",
    "噪音扰民",
    "电梯困人",
    "拖欠工资",
    "社保转移",
    "占道经营",
    "停车",
    "漏水",
    "夜间施工",
    "房产证",
    "医保报销",
    "wy",
    "垃圾清运不及时",
)


def _generate(count: int) -> list[int]:
    rng = random.Random(2025)
    province, _ = Region.objects.get_or_create(
        code="42", defaults={"name": "湖北省", "level": "province"}
    )
    city, _ = Region.objects.get_or_create(
        code=taxonomy.CITY_REGION, defaults={"name": "武汉市", "level": "city", "parent": province}
    )
    departments = {
        spec.code: Department.objects.get_or_create(
            code=spec.code, defaults={"name": spec.name, "region": city}
        )[0]
        for spec in taxonomy.DEPARTMENTS
    }
    topics: dict[str, Topic] = {}
    for spec in taxonomy.TOPICS:
        topics[spec.code] = Topic.objects.create(
            code=spec.code,
            name=spec.name,
            parent=topics.get(spec.parent or ""),
            keywords=list(spec.keywords),
        )
    for term, words in SYNONYMS.items():
        Synonym.objects.create(term=term, synonyms=words)
    leaves = taxonomy.leaf_topics()
    today = timezone.localdate()
    now = timezone.now()
    batch = 5000
    for offset in range(0, count, batch):
        rows: list[KnowledgeArticle] = []
        for i in range(offset, min(offset + batch, count)):
            spec = leaves[i % len(leaves)]
            kw, kw2 = rng.sample(spec.keywords, 2)
            values = {
                "kw": kw,
                "kw2": kw2,
                "topic": spec.name,
                "place": rng.choice(PLACES),
                "dept": departments[spec.lead].name,
                "days": rng.choice([3, 5, 10, 13]),
                "party": rng.choice(PARTIES),
            }
            body = "".join(t.format(**values) for t in rng.sample(BODIES, 2))
            rows.append(
                KnowledgeArticle(
                    title=rng.choice(TITLES).format(**values),
                    body=body,
                    topic=topics[spec.code],
                    owner=departments[spec.lead],
                    status=ArticleStatus.PUBLISHED if rng.random() < 0.9 else ArticleStatus.DRAFT,
                    review_due_on=today + timedelta(days=rng.randint(-30, 365)),
                    published_at=now - timedelta(minutes=i),
                )
            )
        with transaction.atomic():
            KnowledgeArticle.objects.bulk_create(rows, batch_size=1000)
        harness.log(f"bench: {offset + len(rows)} articles")
    return [d.pk for d in departments.values()]


def _index_all() -> None:
    # A first load analyses the same few hundred words again and again: memoise their pinyin
    # (as open data's index_many does), only for this load.
    original = kernel_search.pinyin_terms
    kernel_search.pinyin_terms = functools.lru_cache(maxsize=None)(original)  # type: ignore[assignment]
    try:
        _index_batches()
    finally:
        kernel_search.pinyin_terms = original  # type: ignore[assignment]


def _index_batches() -> None:
    done = 0
    ids = list(KnowledgeArticle.objects.values_list("pk", flat=True))
    for offset in range(0, len(ids), 2000):
        chunk = KnowledgeArticle.objects.select_related("topic").filter(
            pk__in=ids[offset : offset + 2000]
        )
        entries = [knowledge.index_entry(a) for a in chunk]
        with transaction.atomic():
            SearchEntry.objects.bulk_create(entries, batch_size=500)
        done += len(entries)
        if done % 10000 == 0 or done == len(ids):
            harness.log(f"bench: {done} articles indexed")


def _percentile(samples: list[float], n: int) -> float:
    return statistics.quantiles(samples, n=100)[n - 1] * 1000


def _timed(op: Callable[[], object], sink: list[float]) -> Callable[[], None]:
    def run() -> None:
        start = time.perf_counter()
        op()
        sink.append(time.perf_counter() - start)

    return run


def main() -> None:
    started = time.perf_counter()
    owners = _generate(ARTICLES)
    harness.log(f"bench: generated {ARTICLES} articles in {time.perf_counter() - started:.0f}s")
    started = time.perf_counter()
    _index_all()
    harness.log(f"bench: indexed in {time.perf_counter() - started:.0f}s")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")

    for q in QUERIES:
        samples = []
        for _ in range(5):
            begin = time.perf_counter()
            found = knowledge.search_articles(q, limit=10)
            samples.append(time.perf_counter() - begin)
        harness.log(
            f"bench: q={q!r}: {found.total} articles, {len(found.variants)} variant(s), "
            f"{statistics.median(samples) * 1000:.1f} ms; first: "
            f"{found.hits[0].title if found.hits else '-'}"
        )

    pick = random.Random(7)

    def ours() -> None:
        found = knowledge.search_articles(pick.choice(QUERIES), limit=10)
        [(h.id, h.title, h.summary) for h in found.hits]

    def baseline() -> None:
        rows = KnowledgeArticle.objects.filter(
            owner_id=pick.choice(owners), status=ArticleStatus.PUBLISHED
        ).only("pk", "title", "body")[:10]
        [(a.pk, a.title, a.body[:120]) for a in rows]

    harness.log(f"bench: statements per search: {len(harness.statements(ours))}")
    ours_times: list[float] = []
    base_times: list[float] = []
    harness.compare(
        "hotline_search",
        _timed(ours, ours_times),
        _timed(baseline, base_times),
        ops_per_round=OPS,
        rounds=ROUNDS,
    )
    print(
        f"hotline_search latency: ours p50 {_percentile(ours_times, 50):.1f} ms, p95 "
        f"{_percentile(ours_times, 95):.1f} ms; baseline p50 {_percentile(base_times, 50):.1f}"
        f" ms, p95 {_percentile(base_times, 95):.1f} ms",
        flush=True,
    )
    with open("/proc/loadavg") as loadavg:
        harness.log(f"bench: load average {loadavg.read().strip()}")


if __name__ == "__main__":
    sys.setrecursionlimit(10_000)
    with harness.test_database():
        main()
