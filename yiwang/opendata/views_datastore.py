"""The filtered download of a resource's table: the rows matching ``filters`` (a JSON
object), ``q`` and ``sort`` given in the query string, as CSV in UTF-8 with a BOM (so Excel
shows Chinese), streamed."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from django.http import HttpRequest, JsonResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from yiwang.kernel.errors import DomainError
from yiwang.opendata import datastore, services
from yiwang.opendata.errors import ErrorCode


def _query(request: HttpRequest) -> dict[str, Any]:
    query: dict[str, Any] = {"sort": request.GET.get("sort") or None}
    raw_filters = request.GET.get("filters") or ""
    raw_q = request.GET.get("q") or ""
    try:
        query["filters"] = json.loads(raw_filters) if raw_filters else None
        query["q"] = json.loads(raw_q) if raw_q.lstrip().startswith("{") else raw_q or None
    except ValueError:
        raise DomainError(
            ErrorCode.QUERY_INVALID,
            _("筛选条件应为 JSON 对象。"),
            status=422,
            errors={"filters": [_("筛选条件应为 JSON 对象。")]},
        ) from None
    return query


@require_GET
def download_filtered(request: HttpRequest, resource_id: str) -> HttpResponseBase:
    """``GET ...?filters={"地区":"武汉市"}&q=...&sort=人口 desc`` → ``<resource name>.csv``."""
    try:
        resource = services.resource_for_user(request.user, resource_id)
        services.require_access(request.user, resource.dataset)
        rows = datastore.iter_csv(resource, **_query(request))
    except DomainError as error:
        return JsonResponse(error.as_dict(), status=error.status)
    services.count_download(resource)
    response = StreamingHttpResponse(rows, content_type="text/csv; charset=utf-8")
    filename = f"{resource.name or resource.id}.csv"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
