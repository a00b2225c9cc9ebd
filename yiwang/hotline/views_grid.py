"""The grid worker's pages (网格员上报网格事件): report an event found on patrol — where it is
(the grid, the address and its coordinates, which a grid event must have) and photos of it —
from a phone; and the worker's own reports, newest first.

A grid worker is one of the centre's agents (``hotline.intake`` in their regions): anybody
else is 403, as on the intake page. The form calls exactly one service (create_order with the
grid channel); the photos are kept through the kernel's file store in the same transaction,
and a refusal leaves neither an order nor a stored photo behind (:mod:`yiwang.hotline.uploads`)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from yiwang.hotline import access, services, uploads
from yiwang.hotline.forms_common import region_choices, topic_choices
from yiwang.hotline.forms_grid import GridReportForm
from yiwang.hotline.models import Channel, WorkOrder
from yiwang.hotline.pages import Reach, nav, require_staff, staff_only
from yiwang.kernel.formviews import done, form_page

#: Reports per page of "my reports".
PAGE_SIZE = 20


def _worker(request: HttpRequest) -> tuple[Any, Reach]:
    """The user and their reach: one of the centre's agents (``hotline.intake``), else 403."""
    user: Any = request.user
    found = require_staff(user, centre=True)
    if not found.intake:
        raise PermissionDenied
    return user, found


def _reports(user: Any) -> QuerySet[WorkOrder]:
    """The grid events ``user`` reported (and may still see)."""
    return access.orders_for(user).filter(channel=Channel.GRID, created_by=user)


def _initial(user: Any, found: Reach, regions: list[tuple[str, str]]) -> dict[str, Any]:
    """A worker reports from the same grid most days: the form starts with the grid and the
    region of their last report (else their only region)."""
    offered = {code for code, _label in regions}
    last = _reports(user).order_by("-created_at", "-pk").values("grid_code", "region_id").first()
    initial: dict[str, Any] = {}
    if last is not None:
        initial["grid_code"] = last["grid_code"]
        if last["region_id"] in offered:
            initial["region"] = last["region_id"]
    if "region" not in initial and len(found.intake) == 1:
        initial["region"] = next(iter(found.intake))
    return initial


def routing_message(order: WorkOrder) -> str:
    """The number and where the event went."""
    if order.lead_department is not None:
        return _("已上报网格事件，工单编号 %(no)s，已转%(lead)s办理。") % {
            "no": order.number,
            "lead": order.lead_department.name,
        }
    if order.proposed_department is not None:
        return _(
            "已上报网格事件，工单编号 %(no)s。系统建议由%(department)s办理，等待12345中心确认派单。"
        ) % {"no": order.number, "department": order.proposed_department.name}
    return _("已上报网格事件，工单编号 %(no)s，等待12345中心派单。") % {"no": order.number}


@staff_only
def grid_report(request: HttpRequest) -> HttpResponse:
    """上报网格事件."""
    user, found = _worker(request)
    regions = region_choices(found.intake)
    bound = (request.POST, request.FILES) if request.method == "POST" else ()
    form = GridReportForm(
        *bound,
        topics=topic_choices(),
        regions=regions,
        initial=_initial(user, found, regions),
    )

    def act(data: dict[str, Any]) -> HttpResponse:
        with uploads.photos_kept(user, data["photos"]) as photos:
            order = services.create_order(
                actor=user,
                channel=Channel.GRID,
                category=data["category"],
                content=data["content"],
                region_code=data["region"],
                address=data["address"],
                latitude=data["latitude"],
                longitude=data["longitude"],
                urgency=data["urgency"],
                topic_code=data["topic"] or None,
                grid_code=data["grid_code"],
                photos=photos,
            )
        return done(request, routing_message(order), "hotline:order", order_id=order.pk)

    context = {**nav(user, "grid", found)}
    return form_page(request, form, act, "hotline/grid/report.html", context)


@staff_only
@require_safe
def grid_reports(request: HttpRequest) -> HttpResponse:
    """我的上报: the worker's grid events, newest first, with where each stands."""
    user, found = _worker(request)
    photos = Count("attachments", filter=Q(attachments__assignment__isnull=True))
    rows = (
        _reports(user)
        .select_related("lead_department", "topic")
        .annotate(photo_count=photos)
        .order_by("-created_at", "-pk")
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {**nav(user, "grid", found), "page": page}
    return render(request, "hotline/grid/reports.html", context)


#: The grid worker's routes (urls.py appends them).
urlpatterns: list[URLPattern] = [
    path("staff/hotline/grid/", grid_report, name="grid-report"),
    path("staff/hotline/grid/mine/", grid_reports, name="grid-reports"),
]
