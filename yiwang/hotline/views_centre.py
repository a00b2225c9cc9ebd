"""The centre's oversight pages: supervision (due-soon and overdue orders, 督办), callbacks to make
(回访), and analytics (volume, hot topics, 三率, map).

* Supervision: running orders of the centre's regions that are due soon or overdue (as the
  deadline job ``mark_deadlines`` last marked them), the most overdue first, each with its
  earlier supervisions and — for supervisors — a form that urges it (``supervise``).
* Callbacks: completed orders of the agent's regions not yet called back, the oldest first,
  each with the citizen's contact and a callback form (``record_callback``).
* Analytics: the figures of :mod:`yiwang.hotline.analytics` for a date range and region, with
  server-drawn SVG charts (:mod:`yiwang.hotline.charts`) beside their tables; ``?format=csv``
  downloads the 三率 table."""

from __future__ import annotations

import csv
import io
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from yiwang.hotline import access, charts, deadlines, pages, services
from yiwang.hotline import analytics as figures
from yiwang.hotline.forms_centre import AnalyticsForm, CallbackForm, SuperviseForm
from yiwang.hotline.models import DeadlineState, OrderStatus, Supervision, WorkOrder
from yiwang.kernel.formviews import done, object_or_404, submit

PAGE_SIZE = 20
#: The analytics page's filter parameters.
FILTERS = ("date_from", "date_to", "region")
#: The deadline states the supervision page lists (``?state=``).
STATES = (DeadlineState.OVERDUE, DeadlineState.DUE_SOON)


def _in_regions(regions: frozenset[str]) -> Q:
    condition = Q(pk__in=[])
    for code in regions:
        condition |= Q(region__code__startswith=code)
    return condition


def _prefix(order: WorkOrder) -> str:
    return f"o{order.pk}"


def _with_refused(rows: list[WorkOrder], refused: WorkOrder | None) -> list[WorkOrder]:
    """The page's orders, with the one whose form was refused first when it is not among them
    (it may have left the list, e.g. called back already)."""
    if refused is not None and all(o.pk != refused.pk for o in rows):
        return [refused, *rows]
    return rows


def duration(seconds: int) -> str:
    """A span of time in days, hours and minutes (the largest two that apply)."""
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return _("%(d)d 天 %(h)d 小时") % {"d": days, "h": hours}
    if hours:
        return _("%(h)d 小时 %(m)d 分钟") % {"h": hours, "m": minutes}
    return _("%(m)d 分钟") % {"m": minutes}


# --- supervision (督办) ----------------------------------------------------------------------


def _supervision_orders(reach: frozenset[str], state: str) -> QuerySet[WorkOrder]:
    wanted = (state,) if state in STATES else STATES
    return (
        WorkOrder.objects.filter(
            _in_regions(reach), deadline_state__in=wanted, status__in=deadlines.RUNNING
        )
        .select_related("topic", "lead_department", "region")
        .prefetch_related(
            Prefetch(
                "supervisions",
                queryset=Supervision.objects.select_related("created_by").order_by(
                    "created_at", "pk"
                ),
            )
        )
        .order_by("due_at", "pk")
    )


def _supervision_page(
    request: HttpRequest,
    found: pages.Reach,
    *,
    refused: tuple[WorkOrder, SuperviseForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    user: Any = request.user
    state = request.GET.get("state", "")
    state = state if state in STATES else ""
    page = Paginator(_supervision_orders(found.intake | found.supervise, state), PAGE_SIZE)
    shown = page.get_page(request.GET.get("page"))
    now = timezone.now()
    rows = []
    refused_order = refused[0] if refused else None
    if refused_order is not None:
        refused_order = (
            _supervision_orders(found.intake | found.supervise, "")
            .filter(pk=refused_order.pk)
            .first()
            or refused_order
        )
    for order in _with_refused(list(shown.object_list), refused_order):
        left = deadlines.seconds_left(order, now)
        may_supervise = access.covers(found.supervise, order.region_id)
        form = None
        if may_supervise:
            if refused and refused[0].pk == order.pk:
                form = refused[1]
            else:
                form = SuperviseForm(prefix=_prefix(order))
        rows.append(
            {
                "order": order,
                "overdue": left is not None and left < 0,
                "left": duration(left) if left is not None else "",
                "supervisions": list(order.supervisions.all()),
                "form": form,
            }
        )
    context = {
        **pages.nav(user, "supervision", found),
        "rows": rows,
        "page": shown,
        "state": state,
        "may_supervise": bool(found.supervise),
        "summary": refused[1].summary() if refused else [],
    }
    return render(request, "hotline/centre/supervision.html", context, status=status)


@pages.staff_only
@require_safe
def supervision(request: HttpRequest) -> HttpResponse:
    found = pages.require_staff(request.user, centre=True)
    return _supervision_page(request, found)


@require_POST
@pages.staff_only
def supervision_act(request: HttpRequest, order_id: int) -> HttpResponse:
    user: Any = request.user
    found = pages.require_staff(user, centre=True)
    order = object_or_404(access.get_order_for, user, order_id)
    form = SuperviseForm(request.POST, prefix=_prefix(order))

    def act(data: dict[str, Any]) -> HttpResponse:
        escalate = bool(data.get("escalate"))
        services.supervise(actor=user, order=order, note=data["note"], escalate=escalate)
        if escalate:
            message = _("已督办工单%(no)s，并提级报上级热线。") % {"no": order.number}
        else:
            message = _("已督办工单%(no)s。") % {"no": order.number}
        return done(request, message, "hotline:supervision")

    def refused(shown: SuperviseForm, status: int) -> HttpResponse:
        return _supervision_page(request, found, refused=(order, shown), status=status)

    return submit(form, act, refused)


# --- callbacks (回访) --------------------------------------------------------------------------


def _callback_orders(reach: frozenset[str]) -> QuerySet[WorkOrder]:
    return (
        WorkOrder.objects.filter(_in_regions(reach), status=OrderStatus.COMPLETED)
        .select_related("topic", "lead_department", "region")
        .order_by("completed_at", "pk")
    )


def _callbacks_page(
    request: HttpRequest,
    found: pages.Reach,
    *,
    refused: tuple[WorkOrder, CallbackForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    user: Any = request.user
    shown: Page[WorkOrder] = Paginator(_callback_orders(found.intake), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = []
    for order in _with_refused(list(shown.object_list), refused[0] if refused else None):
        if refused and refused[0].pk == order.pk:
            form = refused[1]
        else:
            form = CallbackForm(prefix=_prefix(order))
        contact = access.contact_for(user, order, reach=found.intake | found.supervise)
        rows.append({"order": order, "contact": contact, "form": form})
    context = {
        **pages.nav(user, "callbacks", found),
        "rows": rows,
        "page": shown,
        "summary": refused[1].summary() if refused else [],
    }
    return render(request, "hotline/centre/callbacks.html", context, status=status)


def _require_intake(user: Any) -> pages.Reach:
    found = pages.require_staff(user, centre=True)
    if not found.intake:
        raise PermissionDenied
    return found


@pages.staff_only
@require_safe
def callbacks(request: HttpRequest) -> HttpResponse:
    return _callbacks_page(request, _require_intake(request.user))


@require_POST
@pages.staff_only
def callback_act(request: HttpRequest, order_id: int) -> HttpResponse:
    user: Any = request.user
    found = _require_intake(user)
    order = object_or_404(access.get_order_for, user, order_id)
    form = CallbackForm(request.POST, prefix=_prefix(order))

    def act(data: dict[str, Any]) -> HttpResponse:
        services.record_callback(
            actor=user,
            order=order,
            score=data["score"],
            resolved=data["resolved"],
            comment=data["comment"],
        )
        message = _("已记录工单%(no)s的回访，工单已关闭。") % {"no": order.number}
        return done(request, message, "hotline:callbacks")

    def refused(shown: CallbackForm, status: int) -> HttpResponse:
        order.refresh_from_db()
        return _callbacks_page(request, found, refused=(order, shown), status=status)

    return submit(form, act, refused)


# --- analytics (统计分析) ---------------------------------------------------------------------


def _rates_csv(report: figures.Report) -> HttpResponse:
    """The 三率 table as CSV (UTF-8 with a BOM, so Excel shows the Chinese)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(
        [
            _("部门编码"),
            _("主办部门"),
            _("工单数"),
            _("办结数"),
            _("按时办结数"),
            _("按时办结率"),
            _("评价数"),
            _("已解决数"),
            _("解决率"),
            _("满意数"),
            _("满意率"),
        ]
    )
    for row in report.rates:
        writer.writerow(
            [
                row.code,
                row.name,
                row.orders,
                row.on_time.whole,
                row.on_time.part,
                row.on_time.percent,
                row.resolution.whole,
                row.resolution.part,
                row.resolution.percent,
                row.satisfaction.part,
                row.satisfaction.percent,
            ]
        )
    window = report.window
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    name = f"hotline-rates-{window.start:%Y%m%d}-{window.end:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _topic_label(code: str, name: str) -> str:
    return name or _("未分类")


def _charts(report: figures.Report) -> dict[str, Any]:
    return {
        "day_chart": charts.columns(report.by_day),
        "topic_chart": charts.bars(
            [(_topic_label(t.key, t.label), t.count) for t in report.by_group]
        ),
        "map": charts.scatter(report.map.points),
        "map_groups": charts.group_labels(),
    }


@pages.staff_only
@require_safe
def analytics(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    found = pages.require_staff(user, centre=True)
    reach = found.intake | found.supervise
    filters = {k: str(request.GET[k]) for k in FILTERS if k in request.GET}
    choices = figures.region_choices(reach)
    default = figures.default_window()
    initial = {"date_from": default.start.isoformat(), "date_to": default.end.isoformat()}
    form = AnalyticsForm(filters or None, regions=choices, initial=initial)
    context: dict[str, Any] = {**pages.nav(user, "analytics", found), "form": form}
    if filters and not form.is_valid():
        context["summary"] = form.summary()
        return render(request, "hotline/centre/analytics.html", context, status=422)
    data = form.cleaned_data if filters else {}
    window: figures.Window = data.get("window") or figures.default_window()
    scope = frozenset({data["region"]}) if data.get("region") else reach
    report = figures.report(scope, window)
    if request.GET.get("format") == "csv":
        return _rates_csv(report)
    region_name = dict(choices).get(data.get("region", ""), "")
    context.update(
        {
            "report": report,
            "region_name": region_name,
            "csv_query": _csv_query(filters),
            "min_volume": figures.HOT_MIN_VOLUME,
            **_charts(report),
        }
    )
    return render(request, "hotline/centre/analytics.html", context)


def _csv_query(filters: dict[str, str]) -> str:
    return urlencode({**filters, "format": "csv"})


#: Further routes of these pages (urls.py appends them).
extra_urlpatterns: list[URLPattern] = [
    path(
        "staff/hotline/supervision/<int:order_id>/",
        supervision_act,
        name="supervision-act",
    ),
    path(
        "staff/hotline/callbacks/<int:order_id>/",
        callback_act,
        name="callbacks-act",
    ),
]
