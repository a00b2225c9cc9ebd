"""The bench URLconf of ``bench_exchange_lookup.py``: the platform's own URLs, and before them
the baseline ``GET /api/v1/bench/person?key=<ID number>``: the same blind-index lookup of the
population table and decryption of the same fields as the gateway, with no authentication,
grant check, rate limit, masking or message log. Only the bench names this module."""

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import path
from ninja import NinjaAPI

from yiwang.api import JSONRenderer
from yiwang.kernel.fields import lookup
from yiwang.kernel.models import BasePerson
from yiwang.urls import urlpatterns as platform_urlpatterns

FIELDS = ["name", "id_number", "gender", "birth_date"]

bench_api = NinjaAPI(
    title="Yiwang bench",
    auth=None,
    urls_namespace="bench_exchange_api",
    renderer=JSONRenderer(),
    docs_url=None,
)


@bench_api.get("/person")
def person(request: HttpRequest, key: str) -> HttpResponse:
    rows: list[dict[str, Any]] = [
        {"_id": row.pop("pk"), **row}
        for row in BasePerson.objects.filter(**lookup(BasePerson, "id_number", key)).values(
            "pk", *FIELDS
        )
    ]
    body = {"resource": "bench", "records": [{k: r[k] for k in FIELDS} for r in rows]}
    return HttpResponse(
        json.dumps(body, ensure_ascii=False, default=str), content_type="application/json"
    )


urlpatterns = [path("api/v1/bench/", bench_api.urls), *platform_urlpatterns]
