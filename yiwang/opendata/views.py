"""The open-data portal's public pages, under ``/opendata/``: the portal home, search with
facets, a dataset's page (resources, rating, comments, API hints), organisations, data requests
and access applications. The preview of a data-store resource is
:mod:`~yiwang.opendata.views_preview`; the publisher's pages
:mod:`~yiwang.opendata.views_publisher`.

Every page works without JavaScript. Search filters arrive as GET parameters, one per facet
field (``?theme=transport&tags=公交``), and become CKAN ``fq`` terms; a bad one is shown as an
error above the results, never a 500. Each form posts to a view that calls one service."""

from __future__ import annotations

import contextlib
from typing import Any

from django.db.models import Count, Q, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from yiwang.kernel.errors import DomainError
from yiwang.opendata import actions, participation, search, services
from yiwang.opendata.forms import ApplicationForm, CommentForm, DataRequestForm, RatingForm
from yiwang.opendata.models import (
    DataRequestStatus,
    DatasetState,
    OpenType,
    Publisher,
    Rating,
    Resource,
    Theme,
    UpdateFrequency,
)
from yiwang.opendata.views_common import (
    done,
    facet_labels,
    form_page,
    found_or_404,
    page_number,
    pagination,
    posted,
    query,
    signed_in,
)

PAGE_SIZE = 20
MAX_QUERY = 100
FACETS: tuple[tuple[str, str], ...] = (
    ("organization", "开放机构"),
    ("theme", "数据领域"),
    ("tags", "标签"),
    ("res_format", "格式"),
    ("region", "行政区划"),
    ("open_type", "开放类型"),
)
FACET_SHOWN = 10
SORTS = {"relevance": "score desc", "date": "metadata_modified desc"}


# --- home ------------------------------------------------------------------------------------


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    overview = search.search(rows=6, facet_fields=["theme", "organization"], facet_limit=-1)
    themes = [
        {"value": value, "label": str(label), "count": overview.facets["theme"].get(value, 0)}
        for value, label in Theme.choices
        if overview.facets["theme"].get(value)
    ]
    labels = facet_labels(overview.facets)
    organisations = [
        {"name": name, "title": labels["organization"].get(name, name), "count": n}
        for name, n in list(overview.facets["organization"].items())[:12]
    ]
    live = services.active_datasets()
    totals = live.aggregate(downloads=Sum("download_count"), api=Sum("api_call_count"))
    context = {
        "themes": themes,
        "organisations": organisations,
        "newest": services.datasets_by_ids(overview.ids),
        "popular": list(
            live.select_related("publisher__department").order_by("-download_count", "title")[:6]
        ),
        "totals": {
            "datasets": overview.count,
            "publishers": len(overview.facets["organization"]),
            "resources": Resource.objects.filter(dataset__state=DatasetState.ACTIVE).count(),
            "downloads": totals["downloads"] or 0,
            "api_calls": totals["api"] or 0,
        },
    }
    return render(request, "opendata/home.html", context)


# --- search ----------------------------------------------------------------------------------


def _chosen(request: HttpRequest) -> list[tuple[str, str]]:
    """The facet values chosen, as (field, value) in the order given."""
    chosen: list[tuple[str, str]] = []
    for name, _label in FACETS:
        for value in request.GET.getlist(name):
            value = value.replace('"', "").strip()[:200]
            if value and (name, value) not in chosen:
                chosen.append((name, value))
    return chosen


@require_safe
def search_page(request: HttpRequest) -> HttpResponse:
    q = " ".join(request.GET.get("q", "").split())[:MAX_QUERY]
    chosen = _chosen(request)
    sort_key = request.GET.get("sort", "")
    if sort_key not in SORTS:
        sort_key = "relevance" if q else "date"
    page = page_number(request)
    fq = " AND ".join(f'{name}:"{value}"' for name, value in chosen)
    error = ""
    try:
        result = search.search(
            q=q,
            fq=fq,
            sort=SORTS[sort_key] if q else "metadata_modified desc",
            rows=PAGE_SIZE,
            start=(page - 1) * PAGE_SIZE,
            facet_fields=[name for name, _label in FACETS],
            facet_limit=-1,
        )
    except actions.ActionError as exc:
        error = str(getattr(exc, "message", "") or exc)
        result = search.SearchResult(count=0, facets={name: {} for name, _label in FACETS})
    labels = facet_labels(result.facets)
    base = [("q", q)] if q else []
    kept = [*base, *chosen] + ([("sort", sort_key)] if q and request.GET.get("sort") else [])

    facets = []
    for name, title in FACETS:
        values: list[dict[str, Any]] = []
        for value, n in result.facets.get(name, {}).items():
            selected = (name, value) in chosen
            params = [p for p in kept if p != (name, value)] if selected else [*kept, (name, value)]
            values.append(
                {
                    "value": value,
                    "label": labels.get(name, {}).get(value, value),
                    "count": n,
                    "selected": selected,
                    "url": query(params),
                }
            )
        values.sort(key=lambda v: (not v["selected"], -int(v["count"])))
        if values:
            facets.append(
                {
                    "name": name,
                    "title": _(title),
                    "values": values[:FACET_SHOWN],
                    "more": values[FACET_SHOWN:],
                }
            )
    chosen_rows = [
        {
            "field": _(dict(FACETS)[name]),
            "label": labels.get(name, {}).get(value, value),
            "remove": query([p for p in kept if p != (name, value)]),
        }
        for name, value in chosen
    ]
    sorts = [
        {
            "key": key,
            "label": label,
            "current": key == sort_key,
            "url": query([*base, *chosen, ("sort", key)]),
        }
        for key, label in (("relevance", _("相关度")), ("date", _("更新时间")))
    ]
    context = {
        "q": q,
        "error": error,
        "count": result.count,
        "datasets": services.datasets_by_ids(result.ids),
        "facets": facets,
        "chosen": chosen,
        "chosen_rows": chosen_rows,
        "sorts": sorts if q else [],
        "hidden": chosen,
        "pagination": pagination(request, page=page, count=result.count, size=PAGE_SIZE),
        "theme_labels": dict(Theme.choices),
    }
    return render(request, "opendata/search.html", context)


# --- a dataset -------------------------------------------------------------------------------


def _dataset_context(request: HttpRequest, dataset: Any) -> dict[str, Any]:
    user: Any = request.user
    package = services.package_dict(dataset)
    resources = sorted(dataset.resources.all(), key=lambda r: (r.position, r.created))
    signed = bool(getattr(user, "is_authenticated", False))
    api_base = request.build_absolute_uri(reverse("opendata:action", args=["package_show"]))
    store = next((r for r in resources if r.datastore_active), None)
    return {
        "dataset": dataset,
        "package": package,
        "resources": [{"resource": r, "url": services.resource_dict(r)["url"]} for r in resources],
        "may_access": services.may_access(user, dataset),
        "may_edit": signed and services.can_publish(user, dataset.publisher),
        "conditional": dataset.open_type == OpenType.CONDITIONAL,
        "rating": participation.rating_summary(dataset),
        "rated": signed and Rating.objects.filter(dataset=dataset, user=user).exists(),
        "comments": participation.visible_comments(dataset),
        "publisher_title": services.publisher_title(dataset.publisher),
        "theme_label": Theme(dataset.theme).label if dataset.theme in Theme.values else "",
        "frequency_label": (
            UpdateFrequency(dataset.update_frequency).label
            if dataset.update_frequency in UpdateFrequency.values
            else ""
        ),
        "api_show": f"{api_base}?id={dataset.name}",
        "api_datastore": (
            request.build_absolute_uri(reverse("opendata:action", args=["datastore_search"]))
            + f"?resource_id={store.pk}&limit=5"
            if store
            else ""
        ),
    }


@require_safe
def dataset_page(request: HttpRequest, name: str) -> HttpResponse:
    dataset = found_or_404(services.dataset_for_user, request.user, name)
    if dataset.state == DatasetState.ACTIVE:
        participation.count_view(dataset)
    context = _dataset_context(request, dataset)
    context["rating_form"] = RatingForm()
    context["comment_form"] = CommentForm()
    return render(request, "opendata/dataset.html", context)


def _dataset_form_post(
    request: HttpRequest, name: str, form: Any, act: Any, which: str
) -> HttpResponse:
    dataset = found_or_404(services.dataset_for_user, request.user, name)

    def acted(data: dict[str, Any]) -> HttpResponse:
        message = act(dataset, data)
        return done(request, message, "opendata:dataset", dataset.name)

    context = _dataset_context(request, dataset)
    context["rating_form"] = form if which == "rating" else RatingForm()
    context["comment_form"] = form if which == "comment" else CommentForm()
    return form_page(request, form, acted, "opendata/dataset.html", context)


@signed_in
@require_POST
def rate(request: HttpRequest, name: str) -> HttpResponse:
    def act(dataset: Any, data: dict[str, Any]) -> str:
        participation.rate_dataset(actor=request.user, dataset=dataset, score=data["score"])
        return _("感谢您的评分。")

    return _dataset_form_post(request, name, RatingForm(request.POST), act, "rating")


@signed_in
@require_POST
def comment(request: HttpRequest, name: str) -> HttpResponse:
    def act(dataset: Any, data: dict[str, Any]) -> str:
        participation.comment_on_dataset(actor=request.user, dataset=dataset, body=data["body"])
        return _("评论已发表。")

    return _dataset_form_post(request, name, CommentForm(request.POST), act, "comment")


# --- access applications ---------------------------------------------------------------------


@signed_in
@require_http_methods(["GET", "HEAD", "POST"])
def apply(request: HttpRequest, name: str) -> HttpResponse:
    dataset = found_or_404(services.dataset_for_user, request.user, name)
    if dataset.open_type != OpenType.CONDITIONAL:
        raise Http404
    form = ApplicationForm(posted(request))

    def act(data: dict[str, Any]) -> HttpResponse:
        participation.apply_for_access(actor=request.user, dataset=dataset, purpose=data["purpose"])
        return done(request, _("申请已提交，开放机构将在期限内答复。"), "opendata:my-applications")

    return form_page(request, form, act, "opendata/apply.html", {"dataset": dataset})


@signed_in
@require_safe
def my_applications(request: HttpRequest) -> HttpResponse:
    rows = participation.applications_of(request.user)
    items = [{"item": a, "overdue": participation.is_overdue(a)} for a in rows]
    return render(request, "opendata/my_applications.html", {"items": items})


# --- organisations ---------------------------------------------------------------------------


@require_safe
def organisations(request: HttpRequest) -> HttpResponse:
    rows = (
        Publisher.objects.select_related("department")
        .annotate(count=Count("datasets", filter=Q(datasets__state=DatasetState.ACTIVE)))
        .order_by("-count", "name")
    )
    items = [{"publisher": p, "title": services.publisher_title(p), "count": p.count} for p in rows]
    return render(request, "opendata/organisations.html", {"items": items})


@require_safe
def organisation(request: HttpRequest, name: str) -> HttpResponse:
    publisher = found_or_404(services.get_publisher, name)
    page = page_number(request)
    result = search.search(
        fq=f'organization:"{publisher.name}"',
        sort="metadata_modified desc",
        rows=PAGE_SIZE,
        start=(page - 1) * PAGE_SIZE,
    )
    context = {
        "publisher": publisher,
        "title": services.publisher_title(publisher),
        "count": result.count,
        "datasets": services.datasets_by_ids(result.ids),
        "pagination": pagination(request, page=page, count=result.count, size=PAGE_SIZE),
        "requests": participation.data_requests(publisher=publisher)[:5],
        "theme_labels": dict(Theme.choices),
    }
    return render(request, "opendata/organisation.html", context)


# --- data requests ---------------------------------------------------------------------------


REQUEST_STATUSES = [("", "全部"), *DataRequestStatus.choices]


@require_safe
def requests_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in DataRequestStatus.values:
        status = ""
    rows = participation.data_requests(status=status).select_related("publisher__department")
    page = page_number(request)
    count = rows.count()
    items = rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    statuses = [
        {
            "value": value,
            "label": _(str(label)),
            "current": value == status,
            "url": query([("status", value)] if value else []),
        }
        for value, label in REQUEST_STATUSES
    ]
    context = {
        "items": [
            {"item": r, "publisher_title": services.publisher_title(r.publisher)} for r in items
        ],
        "count": count,
        "statuses": statuses,
        "pagination": pagination(request, page=page, count=count, size=PAGE_SIZE),
    }
    return render(request, "opendata/requests.html", context)


def _publisher_choices() -> list[tuple[str, str]]:
    rows = Publisher.objects.select_related("department").order_by("department__name")
    return [(str(p.pk), services.publisher_title(p)) for p in rows]


@signed_in
@require_http_methods(["GET", "HEAD", "POST"])
def request_new(request: HttpRequest) -> HttpResponse:
    initial = {}
    wanted = request.GET.get("publisher", "")
    if wanted:
        with contextlib.suppress(DomainError):
            initial["publisher"] = str(services.get_publisher(wanted).pk)
    form = DataRequestForm(posted(request), initial=initial, publishers=_publisher_choices())

    def act(data: dict[str, Any]) -> HttpResponse:
        publisher = found_or_404(services.get_publisher, data["publisher"])
        participation.submit_data_request(
            actor=request.user,
            publisher=publisher,
            title=data["title"],
            description=data["description"],
            purpose=data.get("purpose") or "",
        )
        return done(request, _("数据需求已提交，开放机构将在期限内答复。"), "opendata:my-requests")

    return form_page(request, form, act, "opendata/request_new.html", {})


@signed_in
@require_safe
def my_requests(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    rows = (
        participation.data_requests().filter(requester=user).select_related("publisher__department")
    )
    items = [
        {
            "item": r,
            "publisher_title": services.publisher_title(r.publisher),
            "overdue": participation.is_overdue(r),
        }
        for r in rows
    ]
    return render(request, "opendata/my_requests.html", {"items": items})
