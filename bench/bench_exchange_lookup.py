"""Single-person lookup by ID number through the data API gateway — the application's API
key, the grant check, the field check, the per-grant rate limit, the blind-index fetch and
decryption, masking and the hash-chained message-log entry — against a bare endpoint doing the
same indexed blind-index lookup and decryption with none of the rest, both through Django's
request handling (the test client, in process) on the same PostgreSQL population table.

Prints ``exchange_lookup: ratio R (ours X/s, baseline Y/s)`` and, on standard error, the p99
latency of each side. ``BENCH_PEOPLE`` sets the population (default 100 000; 10 000 000 for
the issue's figure). PostgreSQL only.

``BENCH_EXISTING=1`` runs on the database ``DATABASE_URL`` names as it is, without a throwaway
copy: one already filled by ``yiwang exchange synth --people 10000000`` (the bench adds its
resource, grant and application beside the data, and its calls to the message log).
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time

import harness  # first: it sets up Django, so yiwang can be imported after it
from django.db import transaction
from django.db.models import Max, Min
from django.test import Client, override_settings
from django.utils import timezone

from yiwang.exchange import msglog, synth
from yiwang.exchange.models import (
    ConsumerApp,
    DataField,
    DataResource,
    Mount,
    ShareGrant,
    ShareRequest,
)
from yiwang.exchange.services_sharing import _key_hash
from yiwang.exchange.sources import PERSON_FIELDS
from yiwang.kernel.models import BasePerson, Department, Region

PEOPLE = int(os.environ.get("BENCH_PEOPLE", "100000"))
FIELDS = ["name", "id_number", "gender", "birth_date"]
KEY = "ywk_bench000_" + "s" * 43


EXISTING = os.environ.get("BENCH_EXISTING", "") not in {"", "0"}


def _setup() -> None:
    if DataResource.objects.filter(code="RK-0001").exists():
        return  # an existing database set up by an earlier run
    with transaction.atomic():
        province, _ = Region.objects.get_or_create(
            code="42", defaults={"name": "湖北省", "level": "province"}
        )
        city, _ = Region.objects.get_or_create(
            code="4201", defaults={"name": "武汉市", "level": "city", "parent": province}
        )
        provider = Department.objects.create(code="42-GA", name="湖北省公安厅", region=province)
        consumer = Department.objects.create(code="4201-RS", name="武汉市人社局", region=city)
        resource = DataResource.objects.create(
            code="RK-0001",
            classification="1-01",
            name="人口基本信息",
            provider=provider,
            abstract="人口基础库",
            format="接口",
            share_type="conditional",
            share_methods=["api"],
            open_type="not_open",
            update_cycle="daily",
            status="published",
        )
        for position, (name, title, kind, personal) in enumerate(PERSON_FIELDS):
            DataField.objects.create(
                resource=resource,
                name=name,
                title=title,
                type=kind,
                personal=personal,
                authoritative_source=provider.code,
                position=position,
            )
        Mount.objects.create(
            resource=resource, kind="table", source="population", key_field="id_number"
        )
        request = ShareRequest.objects.create(
            resource=resource,
            consumer=consumer,
            fields=FIELDS,
            purpose="bench",
            legal_basis="bench",
            status="approved",
        )
        ShareGrant.objects.create(
            request=request,
            resource=resource,
            consumer=consumer,
            fields=FIELDS,
            rate_limit_per_minute=2_000_000_000,
            granted_at=timezone.now(),
        )
        ConsumerApp.objects.create(
            department=consumer,
            name="bench",
            api_key_prefix="bench000",
            api_key_hash=_key_hash(KEY),
        )


def _sample_numbers(n: int) -> list[str]:
    """ID numbers of ``n`` people picked at random by primary key (no sort of the table)."""
    bounds = BasePerson.objects.aggregate(low=Min("pk"), high=Max("pk"))
    pick = random.Random(11)
    ids = {pick.randint(bounds["low"], bounds["high"]) for _ in range(n)}
    return [p.id_number for p in BasePerson.objects.filter(pk__in=ids).only("id_number")]


def _p99(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100)[98] * 1000


def main() -> None:
    if harness.vendor() != "postgresql":
        harness.log("exchange_lookup: skipped (PostgreSQL only; set DATABASE_URL=postgres://...)")
        return
    _setup()
    if EXISTING:
        harness.log(f"bench: on the existing population of {BasePerson.objects.count()} people")
    else:
        harness.log(f"bench: synthesising {PEOPLE} people")
        started = time.perf_counter()
        synth.synthesize(people=PEOPLE, progress=False)
        harness.log(f"bench: {PEOPLE} people in {time.perf_counter() - started:.1f}s")
    numbers = _sample_numbers(2000)
    pick = random.Random(7)
    client = Client()
    headers = {"X-Api-Key": KEY}
    ours_times: list[float] = []
    base_times: list[float] = []

    def timed(path: str, params: dict[str, str], sink: list[float], **extra: object) -> None:
        start = time.perf_counter()
        response = client.get(path, params, **extra)
        sink.append(time.perf_counter() - start)
        if response.status_code != 200 or len(response.json()["records"]) != 1:
            raise RuntimeError(f"{path}: {response.status_code} {response.content[:200]!r}")

    def ours() -> None:
        timed(
            "/api/v1/exchange/data/RK-0001",
            {"key": pick.choice(numbers), "purpose": "bench"},
            ours_times,
            headers=headers,
        )

    def baseline() -> None:
        timed("/api/v1/bench/person", {"key": pick.choice(numbers)}, base_times)

    with override_settings(ROOT_URLCONF="exchange_urls"):
        ours()
        record = client.get("/api/v1/exchange/data/RK-0001", {"key": numbers[0]}, headers=headers)
        assert record.json()["records"][0]["id_number"].count("*") == 10, record.content
        harness.log(
            f"bench: gateway statements per call: {len(harness.statements(ours))}, "
            f"baseline: {len(harness.statements(baseline))}"
        )
        ours_times.clear()
        base_times.clear()
        harness.compare("exchange_lookup", ours, baseline, ops_per_round=200, rounds=15)
    harness.log(
        f"bench: exchange_lookup p99 ours {_p99(ours_times):.2f} ms, "
        f"baseline {_p99(base_times):.2f} ms"
    )
    ok, bad, count = msglog.verify_db()
    if not ok or count < len(ours_times):
        raise RuntimeError(f"message log: ok={ok} first bad={bad} count={count}")
    harness.log(f"bench: message log verified, {count} entries")


if __name__ == "__main__":
    sys.setrecursionlimit(10_000)
    if EXISTING:
        from django.test.utils import setup_test_environment

        setup_test_environment(debug=False)  # the test client's host, as in a test database
        main()
    else:
        with harness.test_database():
            main()
