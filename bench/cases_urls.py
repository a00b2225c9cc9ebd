"""The bench server's URLs: the platform's own, and before them the baseline of
``bench_cases_submit.py``: ``POST /api/v1/bench/submissions`` inserts one row of the size of a
submitted case, behind the same middleware, session sign-in and CSRF check as the real API.

Only ``bench/cases_settings.py`` names this module; the platform's URLs never include it."""

# No ``from __future__ import annotations``: django-ninja reads the header parameter at
# runtime (as in yiwang/cases/api.py).
import json
from typing import Any

from cases_baseline import Submission
from django.db import transaction
from django.http import HttpRequest
from django.urls import path
from ninja import HeaderEx, NinjaAPI, P
from ninja.security import django_auth

from yiwang.api import JSONRenderer
from yiwang.urls import urlpatterns as platform_urlpatterns

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
