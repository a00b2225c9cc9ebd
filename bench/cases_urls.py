"""The bench server's URLs: the platform's own, and before them the baseline of
``bench_cases_submit.py``: ``POST /api/v1/bench/submissions`` inserts one row of the size of a
submitted case, behind the same middleware, session sign-in and CSRF check as the real API.

Only ``bench/cases_settings.py`` names this module; the platform's URLs never include it."""

# No ``from __future__ import annotations``: django-ninja reads the header parameter at
# runtime (as in yiwang/cases/api.py).
import json
from typing import Any

from django.apps.registry import Apps
from django.db import models, transaction
from django.http import HttpRequest
from django.urls import path
from ninja import HeaderEx, NinjaAPI, P
from ninja.security import django_auth

from yiwang.api import JSONRenderer
from yiwang.urls import urlpatterns as platform_urlpatterns

TABLE = "bench_case_submission"


class Submission(models.Model):
    """One submitted application as a single row: the applicant, the idempotency key (unique
    per applicant, as on ``Case``) and the case's row as JSON. In its own app registry: never
    installed; the benchmark creates its table in the throwaway database."""

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


bench_api = NinjaAPI(
    title="Yiwang bench",
    auth=django_auth,
    urls_namespace="bench_api",
    renderer=JSONRenderer(),
    docs_url=None,
)


@bench_api.post("/submissions")
def insert_submission(
    request: HttpRequest,
    idempotency_key: HeaderEx[str, P(alias="Idempotency-Key", max_length=200)] = "",
) -> dict[str, Any]:
    """Insert the posted row in its own transaction; answer it back."""
    body = json.loads(request.body)
    with transaction.atomic():
        row = Submission.objects.create(
            applicant_id=request.user.pk, idempotency_key=idempotency_key, body=body
        )
    return {"id": row.pk, "idempotency_key": row.idempotency_key, "body": row.body}


urlpatterns = [path("api/v1/bench/", bench_api.urls), *platform_urlpatterns]
