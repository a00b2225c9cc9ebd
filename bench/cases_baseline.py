"""The baseline row of ``bench_cases_submit.py``: one submitted application as a single row.

In its own app registry (never installed): the benchmark creates its table in its throwaway
database, and the bench server's endpoint (bench/cases_urls.py) inserts into it."""

from __future__ import annotations

from django.apps.registry import Apps
from django.db import models

TABLE = "bench_case_submission"


class Submission(models.Model):
    """The applicant, the idempotency key (unique per applicant, as on ``Case``) and the
    case's row as JSON."""

    applicant_id = models.BigIntegerField()
    idempotency_key = models.CharField(max_length=80)
    body = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "bench"
        db_table = TABLE
        apps = Apps()
        constraints = [
            models.UniqueConstraint(
                fields=["applicant_id", "idempotency_key"], name="bench_submission_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.applicant_id} {self.idempotency_key}"
