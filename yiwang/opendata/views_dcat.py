"""The DCAT-AP catalogue endpoints (see :mod:`yiwang.opendata.dcat`):

* ``/opendata/catalog.jsonld`` — JSON-LD
* ``/opendata/catalog.ttl`` — Turtle
* ``/opendata/catalog`` — either, by the ``Accept`` header (Turtle for ``text/turtle``,
  JSON-LD otherwise)

Parameters: ``page`` (from 1; a page past the end is an empty catalogue page) and
``modified_since`` (an ISO 8601 date or date and time). Bad values are refused with 400 and
the platform's error envelope. Callers share the Action API's anonymous rate limit.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from yiwang.kernel import context, ratelimit
from yiwang.kernel.errors import DomainError
from yiwang.opendata import dcat
from yiwang.opendata.errors import ErrorCode

CONTENT_TYPES = {
    "jsonld": "application/ld+json; charset=utf-8",
    "turtle": "text/turtle; charset=utf-8",
}
PAGE_MAX = 1_000_000


def _error(status: int, code: str, message: str, **details: Any) -> HttpResponse:
    body = {"code": code, "message": message, "details": details}
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False, default=str),
        status=status,
        content_type="application/json; charset=utf-8",
    )
    if "retry_after" in details:
        response["Retry-After"] = str(details["retry_after"])
    return response


def _query_error(parameter: str, message: str) -> HttpResponse:
    return _error(400, ErrorCode.QUERY_INVALID, message, parameter=parameter)


def _render(request: HttpRequest, fmt: str) -> HttpResponse:
    try:
        ip = context.current().source_ip or request.META.get("REMOTE_ADDR") or "unknown"
        ratelimit.hit(
            "opendata.api.anon",
            str(ip),
            limit=settings.YIWANG_OPENDATA_ANON_PER_MINUTE,
            window_seconds=60,
        )
    except DomainError as refused:
        return _error(refused.status, str(refused.code), str(refused.message), **refused.details)

    raw_page = request.GET.get("page", "1").strip() or "1"
    if not raw_page.isdigit() or not 1 <= int(raw_page) <= PAGE_MAX:
        return _query_error(
            "page", _("page 应为 1 到 %(max)s 之间的整数。") % {"max": f"{PAGE_MAX:,}"}
        )
    page = int(raw_page)
    raw_since = request.GET.get("modified_since", "").strip()
    since = None
    if raw_since:
        try:
            since = dcat.parse_modified_since(raw_since)
        except ValueError:
            return _query_error(
                "modified_since",
                _(
                    "modified_since 格式不正确:应为 ISO 8601 日期或日期时间,"
                    "例如 2024-05-01 或 2024-05-01T08:00:00+08:00。"
                ),
            )
    result = dcat.catalog_page(page=page, modified_since=since)
    graph = dcat.build_graph(result, path=request.path, modified_since=raw_since)
    response = HttpResponse(dcat.serialize(graph, fmt), content_type=CONTENT_TYPES[fmt])
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_safe
def catalog_jsonld(request: HttpRequest) -> HttpResponse:
    return _render(request, "jsonld")


@require_safe
def catalog_turtle(request: HttpRequest) -> HttpResponse:
    return _render(request, "turtle")


def negotiate(accept: str) -> str:
    """``turtle`` when the client prefers Turtle to JSON(-LD), else ``jsonld``."""
    weights: dict[str, float] = {}
    for part in accept.split(","):
        media, _sep, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            key, _eq, value = param.strip().partition("=")
            if key == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        weights[media.strip().lower()] = quality
    turtle = max(weights.get("text/turtle", 0.0), weights.get("application/x-turtle", 0.0))
    json_ld = max(weights.get("application/ld+json", 0.0), weights.get("application/json", 0.0))
    return "turtle" if turtle > json_ld else "jsonld"


@require_safe
def catalog(request: HttpRequest) -> HttpResponse:
    response = _render(request, negotiate(request.headers.get("Accept", "")))
    patch_vary_headers(response, ["Accept"])
    return response
