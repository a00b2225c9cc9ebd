"""The preview of a data-store resource: the first rows as a table, paged by keyset cursor,
filtered by column (``?f.<column>=value`` → ``datastore.search`` filters), downloaded filtered
as CSV (``datastore.iter_csv``), and a bar chart of a numeric column by a category column.

The chart is SVG drawn on the server (no script, so nothing the Content-Security-Policy has to
allow): ``role="img"`` with a title and a description, and the same numbers in the table
beside it, so it reads without sight and without colour."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from yiwang.kernel.errors import DomainError
from yiwang.opendata import datastore, services
from yiwang.opendata.views_common import found_or_404, query, raise_for

PREVIEW_ROWS = 20
FILTER_PREFIX = "f."
NUMERIC = {"int", "numeric"}
CHART_WIDTH = 640
BAR_HEIGHT = 26
LABEL_WIDTH = 160


@dataclass
class Bar:
    label: str
    value: float
    shown: str
    y: int
    width: int


def _resource(request: HttpRequest, name: str, resource_id: Any) -> tuple[Any, Any]:
    resource = found_or_404(services.resource_for_user, request.user, resource_id)
    dataset = resource.dataset
    if dataset.name != name:
        from django.http import Http404

        raise Http404
    return dataset, resource


def _filters(request: HttpRequest, fields: list[dict[str, Any]]) -> dict[str, str]:
    known = {str(f["id"]) for f in fields}
    filters: dict[str, str] = {}
    for key in request.GET:
        value = str(request.GET.get(key, ""))
        if key.startswith(FILTER_PREFIX) and value.strip():
            column = key[len(FILTER_PREFIX) :]
            if column in known:
                filters[column] = value.strip()[:200]
    return filters


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def chart(records: list[dict[str, Any]], x: str, y: str) -> dict[str, Any] | None:
    """The bars of ``y`` by ``x`` for these rows (a horizontal bar chart, longest = full)."""
    pairs = [(str(r.get(x) if r.get(x) is not None else ""), _number(r.get(y))) for r in records]
    points = [(label, value) for label, value in pairs if value is not None]
    if not points:
        return None
    top = max(abs(v) for _l, v in points) or 1.0
    span = CHART_WIDTH - LABEL_WIDTH - 70
    bars = [
        Bar(
            label=label[:16],
            value=value,
            shown=f"{value:g}",
            y=i * BAR_HEIGHT,
            width=max(1, round(abs(value) / top * span)),
        )
        for i, (label, value) in enumerate(points)
    ]
    return {
        "bars": bars,
        "height": len(bars) * BAR_HEIGHT,
        "width": CHART_WIDTH,
        "label_width": LABEL_WIDTH,
        "bar_x": LABEL_WIDTH + 4,
    }


@require_safe
def preview(request: HttpRequest, name: str, resource_id: Any) -> HttpResponse:
    dataset, resource = _resource(request, name, resource_id)
    context: dict[str, Any] = {"dataset": dataset, "resource": resource}
    if not services.may_access(request.user, dataset):
        context["access_required"] = True
        return render(request, "opendata/preview.html", context, status=403)
    if not resource.datastore_active:
        context["inactive"] = True
        return render(request, "opendata/preview.html", context, status=404)
    fields = list(resource.datastore_fields)
    filters = _filters(request, fields)
    cursor = request.GET.get("cursor", "").strip()[:2000] or None
    error = ""
    try:
        result = datastore.search(
            resource, filters=filters or None, limit=PREVIEW_ROWS, cursor=cursor
        )
    except DomainError as exc:
        raise_for(exc)
        error = str(exc.message)
        result = datastore.search(resource, limit=PREVIEW_ROWS)
        filters, cursor = {}, None
    columns = [
        {
            "id": str(f["id"]),
            "label": str(f.get("info", {}).get("label") or f["id"]),
            "type": str(f["type"]),
            "param": f"{FILTER_PREFIX}{f['id']}",
            "value": filters.get(str(f["id"]), ""),
        }
        for f in fields
    ]
    rows = [[r.get(c["id"]) for c in columns] for r in result["records"]]
    kept = [(f"{FILTER_PREFIX}{k}", v) for k, v in filters.items()]

    categories = [c for c in columns if c["type"] not in NUMERIC]
    numbers = [c for c in columns if c["type"] in NUMERIC]
    x = request.GET.get("x", "")
    y = request.GET.get("y", "")
    x = x if x in {c["id"] for c in categories} else (categories[0]["id"] if categories else "")
    y = y if y in {c["id"] for c in numbers} else (numbers[0]["id"] if numbers else "")
    label_of = {c["id"]: c["label"] for c in columns}
    drawn = chart(result["records"], x, y) if x and y else None
    axes = [("x", x), ("y", y)] if drawn else []

    context.update(
        {
            "columns": columns,
            "rows": rows,
            "total": result.get("total", resource.datastore_rows),
            "filters": filters,
            "error": error,
            "next_url": (
                query([*kept, *axes, ("cursor", result["next_cursor"])])
                if result.get("next_cursor")
                else ""
            ),
            "first_url": query([*kept, *axes]) if cursor else "",
            "clear_url": query(axes),
            "csv_url": query(kept),
            "categories": categories,
            "numbers": numbers,
            "x": x,
            "y": y,
            "x_label": label_of.get(x, ""),
            "y_label": label_of.get(y, ""),
            "chart": drawn,
            "kept": kept,
            "api_url": request.build_absolute_uri("/opendata/api/3/action/datastore_search")
            + query(
                [("resource_id", str(resource.pk)), ("limit", "5")]
                + ([("filters", json.dumps(filters, ensure_ascii=False))] if filters else [])
            ),
        }
    )
    return render(request, "opendata/preview.html", context)


@require_safe
def download_csv(
    request: HttpRequest, name: str, resource_id: Any
) -> HttpResponse | StreamingHttpResponse:
    dataset, resource = _resource(request, name, resource_id)
    try:
        services.require_access(request.user, dataset)
        filters = _filters(request, list(resource.datastore_fields))
        body = datastore.iter_csv(resource, filters=filters or None)
    except DomainError as exc:
        raise_for(exc)
        return render(
            request,
            "opendata/preview.html",
            {"dataset": dataset, "resource": resource, "download_error": str(exc.message)},
            status=exc.status if 400 <= exc.status < 500 else 422,
        )
    services.count_download(resource)
    filename = f"{resource.name or dataset.name}{_('（筛选）') if filters else ''}.csv"
    response = StreamingHttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
