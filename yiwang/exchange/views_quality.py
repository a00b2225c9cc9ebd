"""Exchange pages: the call log (调用日志) with its export and chain verification, the data
quality figures (数据质量) and error reports (纠错).

The call log shows the calls of the user's departments, as consumer and as provider. The
export is the whole hash chain (it verifies offline only whole), so it is offered to those
who see the exchange region-wide (auditors and platform administrators), not to a single
department's officers, who would otherwise read every other department's calls. Checking
the chain tells only whether it is intact, so every viewer may ask for it.
"""

from __future__ import annotations

import io
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from yiwang.exchange import forms, msglog, permissions, services
from yiwang.exchange.models import CallLogEntry, ConsumerApp, DataResource, ReportStatus
from yiwang.exchange.services_common import today
from yiwang.exchange.views import PAGE_SIZE, bound, nav, staff_page
from yiwang.kernel import pdf as kernel_pdf
from yiwang.kernel.formviews import done, form_page, object_or_404
from yiwang.kernel.models import Department
from yiwang.kernel.permissions import can, restrict, scope_for

# --- the call log ----------------------------------------------------------------------------


def _departments(user: Any, action: str = permissions.VIEW) -> list[Department]:
    return list(
        restrict(
            Department.objects.order_by("code"),
            user,
            action,
            region_field="region__code",
            department_field="id",
        )
    )


def _calls(user: Any) -> QuerySet[CallLogEntry]:
    codes = [d.code for d in _departments(user)]
    provided = DataResource.objects.filter(provider__code__in=codes).values("code")
    return CallLogEntry.objects.filter(
        Q(consumer_code__in=codes) | Q(resource_code__in=provided)
    ).order_by("-seq")


def may_export(user: Any) -> bool:
    return bool(scope_for(user, permissions.VIEW).region_codes)


def _calls_context(request: HttpRequest, verdict: dict[str, Any] | None) -> dict[str, Any]:
    user: Any = request.user
    form = forms.CallFilterForm(request.GET or None)
    rows = _calls(user)
    if form.is_valid():
        outcome = form.cleaned_data.get("outcome")
        if outcome == "ok":
            rows = rows.filter(outcome="ok")
        elif outcome == "refused":
            rows = rows.exclude(outcome="ok")
        if form.cleaned_data.get("resource"):
            rows = rows.filter(resource_code=form.cleaned_data["resource"].strip())
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    entries = list(page.object_list)
    apps = dict(
        ConsumerApp.objects.filter(pk__in={e.app_id for e in entries}).values_list("pk", "name")
    )
    names = dict(
        Department.objects.filter(code__in={e.consumer_code for e in entries}).values_list(
            "code", "name"
        )
    )
    return {
        **nav(user, "calls"),
        "form": form,
        "page": page,
        "rows": [
            {
                "entry": e,
                "app": apps.get(e.app_id, "") if e.app_id else "",
                "consumer": names.get(e.consumer_code, e.consumer_code),
                "records": len(e.record_ids or []),
            }
            for e in entries
        ],
        "may_export": may_export(user),
        "verdict": verdict,
    }


@staff_page
@require_safe
def calls(request: HttpRequest) -> HttpResponse:
    return render(request, "exchange/calls.html", _calls_context(request, None))


@require_POST
@staff_page
def calls_verify(request: HttpRequest) -> HttpResponse:
    """Recompute the whole chain (msglog.verify_db) and show the verdict."""
    ok, bad, count = msglog.verify_db()
    verdict = {"ok": ok, "bad": bad, "count": count, "at": timezone.now()}
    return render(request, "exchange/calls.html", _calls_context(request, verdict))


@staff_page
@require_safe
def calls_export(request: HttpRequest) -> HttpResponse:
    """The whole message log as JSON Lines (``yiwang exchange verify-log`` checks it)."""
    if not may_export(request.user):
        raise PermissionDenied
    buffer = io.StringIO()
    msglog.export(buffer)
    stamp = timezone.localdate().isoformat()
    response = HttpResponse(buffer.getvalue(), content_type="application/x-ndjson; charset=utf-8")
    response["Content-Disposition"] = kernel_pdf.attachment(
        f"调用日志-{stamp}.jsonl", f"exchange-log-{stamp}.jsonl"
    )
    return response


# --- quality ---------------------------------------------------------------------------------


@staff_page
@require_safe
def quality(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    figures = [{"name": d.name, **services.quality(d.code)} for d in _departments(user)[:50]]
    total = services.quality(None) if may_export(user) else None
    reports = services.reports_for_user(user)
    provided = [d.pk for d in _departments(user, permissions.APPROVE)]
    made = [d.pk for d in _departments(user, permissions.REQUEST)]
    on = today()
    to_answer = reports.filter(resource__provider_id__in=provided, status=ReportStatus.OPEN)
    context = {
        **nav(user, "quality"),
        "figures": figures,
        "total": total,
        "to_answer": [
            {"report": r, "overdue": r.due_on < on} for r in to_answer.order_by("due_on", "id")
        ],
        "made": list(reports.filter(reporter_id__in=made).order_by("-reported_at")[:100]),
    }
    return render(request, "exchange/quality.html", context)


@staff_page
def report_new(request: HttpRequest, code: str) -> HttpResponse:
    """A consumer holding a grant reports a wrong value (纠错)."""
    user: Any = request.user
    resource = object_or_404(services.resource_for_user, user, code)
    if not can(user, permissions.REQUEST):
        raise PermissionDenied
    form = forms.ReportForm(*bound(request)[:1], fields=list(resource.fields.all()))

    def act(data: dict[str, Any]) -> HttpResponse:
        report = services.report_error(
            actor=user,
            resource=resource,
            record_key=data["record_key"],
            field_name=data["field_name"],
            description=data["description"],
        )
        message = _("纠错已提交，提供方应在 %(due)s 前处理。") % {"due": report.due_on.isoformat()}
        return done(request, message, "exchange:report", report_id=report.pk)

    context = {**nav(user, "quality"), "resource": resource}
    # no grant on the resource (403) is told on the form, not as the 403 page
    return form_page(request, form, act, "exchange/report_new.html", context, pages={404})


@staff_page
def report_detail(request: HttpRequest, report_id: int) -> HttpResponse:
    user: Any = request.user
    report = object_or_404(services.report_for_user, user, report_id)
    may_resolve = report.status == ReportStatus.OPEN and can(
        user, permissions.APPROVE, department=report.resource.provider
    )
    if request.method == "POST" and not may_resolve:
        raise PermissionDenied
    form = forms.ResolveForm(*bound(request)[:1])

    def act(data: dict[str, Any]) -> HttpResponse:
        services.resolve_report(
            actor=user,
            report=report,
            corrected=bool(data["corrected"]),
            resolution=data["resolution"],
        )
        return done(request, _("纠错已处理。"), "exchange:report", report_id=report.pk)

    context = {
        **nav(user, "quality"),
        "report": report,
        "overdue": report.status == ReportStatus.OPEN and report.due_on < today(),
        "may_resolve": may_resolve,
    }
    return form_page(request, form, act, "exchange/report.html", context)
