"""Case submission over HTTP with concurrent clients, against an endpoint of the same server
that inserts one row of the same size.

Ours: ``POST /api/v1/cases/{id}/submit`` with an ``Idempotency-Key``, on drafts made before
timing (form filled, application form uploaded): the form is validated against the version's
JSON Schema, the materials checked (the ID card recorded as met by the e-licence), the case
number drawn, the workflow started (its first step opened), the timeline event, audit row,
site message and outbox event written (the SMS and the event's delivery after commit), and
the case answered as the API shapes it.

Baseline: ``POST /api/v1/bench/submissions`` (bench/cases_urls.py and cases_baseline.py, only
on this benchmark's server): the draft's row as JSON, inserted as one row in its own
transaction and answered back, behind the same middleware, session sign-in and CSRF check.

Both run on the real server (``yiwang serve``, uvicorn) on the benchmark's test database,
driven by ``BENCH_CLIENTS`` (8) signed-in citizens at once, each its own keep-alive client
(bench/cases_load.py). Issue 5's
target: throughput ratio >= 0.35 on PostgreSQL, p99 reported. Prints the harness's line and a
latency line:

    cases_submit: ratio 0.23 (ours 10.7/s, baseline 46.5/s)
    cases_submit latency: p99 ratio 6.23 (ours p50 622.0 ms, p95 1454.0 ms, p99 1935.7 ms;
    baseline p50 159.6 ms, p95 264.2 ms, p99 310.9 ms), 8 clients
"""

from __future__ import annotations

import itertools
import json
import logging
import os
from typing import Any

import harness  # first: it sets up Django
import httpx
from cases_baseline import Submission
from cases_data import citizens as make_citizens
from cases_data import csrf_token, draft, drafts_for, publish, session_cookie, world
from cases_load import bench_settings, compare_concurrent, report_latency
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.db.models import Count
from django.test import Client, override_settings

from yiwang.cases.models import Case, CaseStatus
from yiwang.kernel import audit
from yiwang.kernel.models import OutboxEvent

logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request is not a result
logging.getLogger("yiwang.kernel.sms").setLevel(logging.WARNING)  # the local gateway logs each

CLIENTS = int(os.environ.get("BENCH_CLIENTS", "8"))
REQUESTS_PER_ROUND = 8 * CLIENTS
ROUNDS = 15
WARMUP_ROUNDS = 1
TARGET = 0.35


def main() -> None:
    place = world()
    code = publish(place, code="000105001000", name="个体工商户设立登记")
    citizens = make_citizens(CLIENTS)
    rounds = harness.counted_rounds(ROUNDS) + WARMUP_ROUNDS
    per_client = REQUESTS_PER_ROUND // CLIENTS * rounds
    drafts = drafts_for(citizens, code, per_client, progress=harness.log)
    spare = draft(citizens[0], code)  # for counting statements, not timed
    total = CLIENTS * per_client

    with connection.schema_editor() as editor:
        editor.create_model(Submission)
    # The baseline's row: the draft's own row, as JSON (the same size as what ours updates).
    row = Case.objects.filter(pk=drafts[0][0].pk).values().get()
    body = json.dumps(row, cls=DjangoJSONEncoder, ensure_ascii=False).encode()
    harness.log(f"bench: cases_submit: {total} drafts; the baseline's row is {len(body)} bytes")
    log_statements(citizens[0], spare, body)

    queues = [iter(mine) for mine in drafts]
    serials = [itertools.count() for _ in citizens]
    token = csrf_token()
    with bench_settings("cases_settings"), harness.live_server() as base:
        http = [
            httpx.Client(
                base_url=base,
                timeout=60,
                cookies={"sessionid": session_cookie(citizen), "csrftoken": token},
                headers={"X-CSRFToken": token},
            )
            for citizen in citizens
        ]
        try:

            def submit(i: int) -> None:
                case = next(queues[i])
                response = http[i].post(
                    f"/api/v1/cases/{case.pk}/submit",
                    headers={"Idempotency-Key": f"submit-{case.pk}"},
                )
                if response.status_code != 200 or response.json()["status"] != "submitted":
                    raise SystemExit(f"cases_submit: {response.status_code} {response.text}")

            def insert(i: int) -> None:
                response = http[i].post(
                    "/api/v1/bench/submissions",
                    content=body,
                    headers={
                        "Idempotency-Key": f"baseline-{next(serials[i])}",
                        "Content-Type": "application/json",
                    },
                )
                if response.status_code != 200:
                    raise SystemExit(
                        f"cases_submit baseline: {response.status_code} {response.text}"
                    )

            result, ours, baseline = compare_concurrent(
                "cases_submit",
                submit,
                insert,
                clients=CLIENTS,
                requests_per_round=REQUESTS_PER_ROUND,
                rounds=ROUNDS,
                warmup_rounds=WARMUP_ROUNDS,
            )
            report_latency("cases_submit", ours, baseline, clients=CLIENTS)
            harness.log(
                f"bench: cases_submit: target ratio >= {TARGET} "
                + ("met" if result.ratio >= TARGET else "NOT met")
                + f" ({harness.vendor()})"
            )
            # The same key again answers the same case, unchanged (a client's retry).
            case = drafts[0][0]
            again = http[0].post(
                f"/api/v1/cases/{case.pk}/submit", headers={"Idempotency-Key": f"submit-{case.pk}"}
            )
            if again.status_code != 200:
                raise SystemExit(f"cases_submit: a retry answered {again.status_code}")
        finally:
            for client in http:
                client.close()
    check(total, ours.requests, baseline.requests + 1)


def log_statements(citizen: Any, case: Case, body: bytes) -> None:
    """The SQL behind one request of each side (in process, through Django's test client
    with the bench URLconf): the round trips behind the ratio."""
    client = Client()
    client.cookies["sessionid"] = session_cookie(citizen)
    with override_settings(ROOT_URLCONF="cases_urls"):
        ours = harness.statements(
            lambda: client.post(
                f"/api/v1/cases/{case.pk}/submit", HTTP_IDEMPOTENCY_KEY=f"submit-{case.pk}"
            )
        )
        baseline = harness.statements(
            lambda: client.post(
                "/api/v1/bench/submissions",
                body,
                content_type="application/json",
                HTTP_IDEMPOTENCY_KEY="statements",
            )
        )
    harness.log(
        f"bench: cases_submit: one submission sends {len(ours)} statements, "
        f"the baseline {len(baseline)}"
    )


def check(drafts: int, submitted: int, inserted: int) -> None:
    """Every request did its whole work: one submitted case with its own number, its event
    and its workflow per request; the audit chain intact; one baseline row per request."""
    cases = Case.objects.filter(status=CaseStatus.SUBMITTED)
    numbers = cases.aggregate(n=Count("case_no", distinct=True))["n"]
    events = OutboxEvent.objects.filter(topic="cases.submitted").count()
    submitted += 1  # the spare draft of log_statements()
    if not (cases.count() == numbers == events == submitted) or submitted != drafts + 1:
        raise SystemExit(
            f"cases_submit: {submitted} submissions of {drafts} drafts made {cases.count()} "
            f"submitted cases, {numbers} case numbers, {events} events"
        )
    started = cases.filter(workflow_state__isnull=False).count()
    harness.log(f"bench: cases_submit: {started} of {submitted} cases have a running workflow")
    rows = Submission.objects.count()
    if rows != inserted:
        raise SystemExit(f"cases_submit: {inserted} baseline requests inserted {rows} rows")
    verified = audit.verify()
    if not verified.ok:
        raise SystemExit(f"cases_submit: the audit chain does not verify: {verified}")


if __name__ == "__main__":
    with harness.test_database():
        main()
