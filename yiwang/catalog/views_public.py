"""Public catalogue pages: browse by theme, object, department and region; the portal search;
the guide (办事指南) of an implementation and of a life event, each also as a PDF.

Every page reads published content only and works without JavaScript. Filters arrive as GET
parameters; a value that is not one of the offered choices is ignored, never an error."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from yiwang.catalog import guide as guides
from yiwang.catalog import guide_pdf as pdf
from yiwang.catalog import services
from yiwang.catalog.models import (
    ItemImplementation,
    LifeEvent,
    LifeEventStatus,
    ServiceItem,
    ServiceObject,
    Theme,
)
from yiwang.kernel.models import Department, Region

PAGE_SIZE = 20
MAX_PAGE = 500
MAX_QUERY = 100
KINDS = ("implementation", "life_event")
LIFE_EVENTS_ON_BROWSE = 12
_REGION_CODE = re.compile(r"^\d{2,12}$")


# --- filters -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    value: str
    label: str


@dataclass
class Filters:
    """The validated filters of a browse or search request."""

    q: str = ""
    region: str = ""
    department: str = ""
    service_object: str = ""
    theme: str = ""
    kind: str = ""  # implementation or life_event; set by links, not offered as a field
    page: int = 1

    def params(self, **changes: Any) -> dict[str, str]:
        values = {
            "q": self.q,
            "region": self.region,
            "department": self.department,
            "object": self.service_object,
            "theme": self.theme,
            "kind": self.kind,
            "page": str(self.page) if self.page > 1 else "",
        }
        values.update({k: str(v) if v else "" for k, v in changes.items()})
        return {k: v for k, v in values.items() if v}

    def query(self, **changes: Any) -> str:
        """The query string of these filters with ``changes`` (a page change keeps the
        filters; any other change goes back to page 1)."""
        if "page" not in changes:
            changes["page"] = ""
        encoded = urlencode(self.params(**changes))
        return f"?{encoded}" if encoded else "?"

    @property
    def active(self) -> bool:
        return bool(
            self.region or self.department or self.service_object or self.theme or self.kind
        )


def _published_implementations() -> Any:
    return ItemImplementation.objects.filter(current__status="published")


def _published_events() -> Any:
    return LifeEvent.objects.filter(status=LifeEventStatus.PUBLISHED)


def _distinct(queryset: Any, field: str) -> list[Any]:
    return list(queryset.order_by().values_list(field, flat=True).distinct())


def department_options() -> list[Option]:
    """Departments with something published, by region."""
    ids = set(_distinct(_published_implementations(), "department_id"))
    ids |= set(_distinct(_published_events(), "department_id"))
    departments = Department.objects.filter(pk__in=ids).select_related("region")
    return [Option(str(d.pk), d.name) for d in departments.order_by("region_id", "name")]


def region_options() -> list[Option]:
    """Regions with something published, with the regions above them, as an indented tree."""
    codes = set(_distinct(_published_implementations(), "region_id"))
    codes |= set(_distinct(_published_events(), "region_id"))
    prefixes = {p for code in codes for p in services.region_prefixes(code)}
    options = []
    for region in Region.objects.filter(code__in=prefixes).order_by("code"):
        depth = len(services.region_prefixes(region.code)) - 1
        options.append(Option(region.code, "\u3000" * depth + region.name))
    return options


def theme_options() -> list[Option]:
    """Themes that published items or life events carry, in the catalogue's order."""
    used: set[str] = set()
    item_ids = _published_implementations().values_list("item_id", flat=True)
    for themes in _distinct(ServiceItem.objects.filter(pk__in=item_ids), "themes"):
        used.update(themes or [])
    for themes in _distinct(_published_events(), "themes"):
        used.update(themes or [])
    return [Option(value, str(label)) for value, label in Theme.choices if value in used]


def object_options() -> list[Option]:
    return [Option(value, str(label)) for value, label in ServiceObject.choices]


def _page_number(raw: str) -> int:
    try:
        number = int(raw)
    except ValueError:
        return 1
    return min(max(number, 1), MAX_PAGE)


def read_filters(request: HttpRequest, *, departments: list[Option]) -> Filters:
    get = request.GET
    q = " ".join(get.get("q", "").split())[:MAX_QUERY]
    region = get.get("region", "").strip()
    if not _REGION_CODE.match(region) or not Region.objects.filter(code=region).exists():
        region = ""
    department = get.get("department", "").strip()
    if department not in {o.value for o in departments}:
        department = ""
    service_object = get.get("object", "").strip()
    if service_object not in ServiceObject.values:
        service_object = ""
    theme = get.get("theme", "").strip()
    if theme not in Theme.values:
        theme = ""
    kind = get.get("kind", "").strip()
    if kind not in KINDS:
        kind = ""
    return Filters(
        q=q,
        region=region,
        department=department,
        service_object=service_object,
        theme=theme,
        kind=kind,
        page=_page_number(get.get("page", "1")),
    )


# --- results -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    """One search hit as a result row shows it."""

    kind: str  # implementation or life_event
    title: str
    url: str
    summary: str
    department: str
    region: str
    promised_limit: str
    items: int
    one_trip: bool
    zero_trips: bool
    online: bool
    instant: bool
    objects: list[str]


def _results(hits: list[Any]) -> list[Result]:
    codes = {str(h.data.get("region_code", "")) for h in hits}
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    results = []
    for hit in hits:
        data = hit.data
        kind = str(data.get("kind", "implementation"))
        instant = data.get("handling_kind") == "instant"
        days = data.get("promised_limit_days")
        trips = data.get("max_trips")
        results.append(
            Result(
                kind=kind,
                title=hit.title,
                url=hit.url,
                summary=hit.summary,
                department=str(data.get("department", "")),
                region=names.get(str(data.get("region_code", "")), ""),
                promised_limit=(
                    guides.days_text(days, instant=instant) if (days is not None or instant) else ""
                ),
                items=int(data.get("items") or 0),
                one_trip=trips == 1,
                zero_trips=trips == 0,
                online=bool(data.get("online")),
                instant=instant,
                objects=guides.labels(ServiceObject, list(data.get("service_objects") or [])),
            )
        )
    return results


@dataclass(frozen=True)
class Pagination:
    page: int
    pages: int
    previous: str
    next: str
    numbers: list[tuple[int, str]]  # (number, query string)


def _pagination(filters: Filters, total: int) -> Pagination | None:
    pages = max(1, math.ceil(total / PAGE_SIZE))
    if pages <= 1:
        return None
    page = min(filters.page, pages)
    window = range(max(1, page - 2), min(pages, page + 2) + 1)
    return Pagination(
        page=page,
        pages=pages,
        previous=filters.query(page=page - 1) if page > 1 else "",
        next=filters.query(page=page + 1) if page < pages else "",
        numbers=[(n, filters.query(page=n)) for n in window],
    )


def _search(filters: Filters, *, kind: str = "", limit: int | None = None) -> Any:
    limit = limit or PAGE_SIZE
    return services.search_catalog(
        filters.q,
        region=filters.region,
        department=filters.department or None,
        service_object=filters.service_object,
        theme=filters.theme,
        kind=kind or filters.kind,
        limit=limit,
        offset=(filters.page - 1) * limit,
    )


def _search_page(filters: Filters, *, kind: str = "") -> Any:
    """One page of results; a page past the end shows the last page instead."""
    page = _search(filters, kind=kind)
    if not page.hits and page.total and filters.page > 1:
        filters.page = max(1, math.ceil(page.total / PAGE_SIZE))
        page = _search(filters, kind=kind)
    return page


def _label(options: list[Option], value: str) -> str:
    return next((o.label.strip("\u3000") for o in options if o.value == value), "")


def _kind_label(kind: str) -> str:
    return {"implementation": _("单个事项"), "life_event": _("一件事")}.get(kind, "")


def _context(request: HttpRequest, *, with_query: bool) -> tuple[Filters, dict[str, Any]]:
    departments = department_options()
    filters = read_filters(request, departments=departments)
    if not with_query:  # browsing: no words, both kinds shown apart
        filters.q = ""
        filters.kind = ""
    regions = region_options()
    themes = theme_options()
    objects = object_options()
    chosen = [
        (_("地区"), _label(regions, filters.region), filters.query(region="")),
        (_("部门"), _label(departments, filters.department), filters.query(department="")),
        (_("服务对象"), _label(objects, filters.service_object), filters.query(object="")),
        (_("主题"), _label(themes, filters.theme), filters.query(theme="")),
        (_("类别"), _kind_label(filters.kind), filters.query(kind="")),
    ]
    return filters, {
        "filters": filters,
        "regions": regions,
        "departments": departments,
        "themes": themes,
        "objects": objects,
        "chosen": [(name, label, url) for name, label, url in chosen if label],
        "theme_links": [(o, filters.query(theme=o.value)) for o in themes],
        "object_links": [(o, filters.query(object=o.value)) for o in objects],
        "all_objects_link": filters.query(object=""),
        "all_themes_link": filters.query(theme=""),
        "all_events_link": Filters(
            region=filters.region,
            department=filters.department,
            service_object=filters.service_object,
            theme=filters.theme,
            kind="life_event",
        ).query(),
    }


# --- pages -------------------------------------------------------------------------------


@require_safe
def browse(request: HttpRequest) -> HttpResponse:
    """Published services by theme, object, department and region; life events first."""
    filters, context = _context(request, with_query=False)
    page = _search_page(filters, kind="implementation")
    events = _search(
        Filters(
            region=filters.region,
            department=filters.department,
            service_object=filters.service_object,
            theme=filters.theme,
        ),
        kind="life_event",
        limit=LIFE_EVENTS_ON_BROWSE,
    )
    context.update(
        {
            "life_events": _results(events.hits),
            "life_event_total": events.total,
            "results": _results(page.hits),
            "total": page.total,
            "pagination": _pagination(filters, page.total),
        }
    )
    return render(request, "catalog/public/browse.html", context)


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    """The portal search: Chinese words, pinyin or initials, with the browse filters."""
    filters, context = _context(request, with_query=True)
    page = _search_page(filters)
    context.update(
        {
            "results": _results(page.hits),
            "total": page.total,
            "pagination": _pagination(filters, page.total),
            "clear_filters": Filters(q=filters.q).query(),
        }
    )
    return render(request, "catalog/public/search.html", context)


def _implementation_or_404(code: str) -> ItemImplementation:
    implementation = guides.published_implementation(code)
    if implementation is None:
        raise Http404(_("没有找到该事项的办事指南。"))
    return implementation


def _life_event_or_404(code: str) -> LifeEvent:
    event = guides.published_life_event(code)
    if event is None:
        raise Http404(_("没有找到该一件事。"))
    return event


@require_safe
def guide(request: HttpRequest, code: str) -> HttpResponse:
    implementation = _implementation_or_404(code)
    return render(
        request,
        "catalog/public/guide.html",
        {"guide": guides.build(implementation)},
    )


@require_safe
def life_event(request: HttpRequest, code: str) -> HttpResponse:
    event = _life_event_or_404(code)
    return render(
        request, "catalog/public/life_event.html", {"guide": guides.build_life_event(event)}
    )


_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]")


def pdf_response(content: bytes, *, name: str, fallback: str) -> HttpResponse:
    """A PDF download named ``name`` (UTF-8, RFC 5987) with an ASCII ``fallback`` for
    clients that do not read ``filename*``."""
    response = HttpResponse(content, content_type="application/pdf")
    ascii_name = _UNSAFE_FILENAME.sub("_", fallback) or "guide.pdf"
    response["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"
    )
    response["Content-Length"] = str(len(content))
    return response


@require_safe
def guide_pdf(request: HttpRequest, code: str) -> HttpResponse:
    implementation = _implementation_or_404(code)
    built = guides.build(implementation)
    return pdf_response(
        pdf.render_guide(built),
        name=_("%(name)s办事指南.pdf") % {"name": built.name},
        fallback=f"guide-{implementation.code}.pdf",
    )


@require_safe
def life_event_pdf(request: HttpRequest, code: str) -> HttpResponse:
    event = _life_event_or_404(code)
    built = guides.build_life_event(event)
    return pdf_response(
        pdf.render_life_event(built),
        name=_("%(name)s一件事办事指南.pdf") % {"name": built.name},
        fallback=f"life-event-{event.code}.pdf",
    )
