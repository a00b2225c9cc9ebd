"""The staff catalogue, continued: master items (事项基本要素) and life events (一件事).

Like the other staff pages, these validate input, call one service and show its refusal on
the field it names; every write (and its audit row) is the service's."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from pydantic import ValidationError

from yiwang.catalog import permissions, services
from yiwang.catalog.errors import ErrorCode
from yiwang.catalog.forms_staff import ItemFilterForm, ItemForm, LifeEventForm
from yiwang.catalog.models import LifeEvent, LifeEventStatus, ServiceItem
from yiwang.catalog.views_staff import PAGE_SIZE, _nav, _require, staff_page
from yiwang.kernel.errors import DomainError
from yiwang.kernel.errors import ErrorCode as KernelCode
from yiwang.kernel.models import Department
from yiwang.kernel.permissions import can


def _more_nav(user: Any, current: str) -> dict[str, Any]:
    return {
        **_nav(user, current),
        "can_manage_items": can(user, permissions.MANAGE_ITEMS),
        "can_manage_life_events": can(user, permissions.MANAGE_LIFE_EVENTS),
    }


def _departments(user: Any, action: str, also: Department | None = None) -> list[Department]:
    """The active departments the caller may act for, plus ``also`` (the record's own)."""
    found = list(
        Department.objects.for_user(user, action)
        .filter(is_active=True)
        .select_related("region")
        .order_by("region_id", "name")
    )
    if also is not None and all(d.pk != also.pk for d in found):
        found.insert(0, also)
    return found


def _refused(form: Any, exc: DomainError) -> None:
    if exc.code == KernelCode.PERMISSION_DENIED:
        raise PermissionDenied from exc
    form.apply_error(exc)


# --- master items ---------------------------------------------------------------------------


@staff_page
def item_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    _require(user, permissions.VIEW)
    visible = ServiceItem.objects.for_user(user, permissions.VIEW)
    departments = list(
        Department.objects.filter(pk__in=visible.values("department_id")).order_by("name")
    )
    form = ItemFilterForm(request.GET or None, departments=departments)
    rows = visible.select_related("department")
    if q := (form.value("q") or "").strip():
        rows = rows.filter(Q(code__icontains=q) | Q(name__icontains=q))
    if item_type := form.value("item_type"):
        rows = rows.filter(item_type=item_type)
    if department := form.value("department"):
        rows = rows.filter(department_id=department)
    page = Paginator(rows.order_by("code"), PAGE_SIZE).get_page(request.GET.get("page"))
    manageable = {
        d.pk for d in Department.objects.for_user(user, permissions.MANAGE_ITEMS).only("pk")
    }
    context = {
        "form": form,
        "summary": form.summary() if form.is_bound else [],
        "page": page,
        "manageable": manageable,
        **_more_nav(user, "items"),
    }
    return render(request, "catalog/staff/items.html", context)


def _save_item(request: HttpRequest, form: ItemForm, item: ServiceItem | None) -> Any:
    """Call the service for a valid form; the saved item, or None with the refusal shown."""
    user: Any = request.user
    try:
        data = form.to_schema()
    except ValidationError as exc:
        form.apply_validation(exc)
        return None
    try:
        if item is None:
            return services.create_item(actor=user, data=data)
        return services.update_item(actor=user, item=item, data=data)
    except DomainError as exc:
        _refused(form, exc)
        return None


@staff_page
def item_new(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    departments = _departments(user, permissions.MANAGE_ITEMS)
    if not departments:
        raise PermissionDenied
    posted = request.POST if request.method == "POST" else None
    form = ItemForm(posted, departments=departments)
    if posted is not None and posted.get("add"):
        form.quiet()
    elif form.is_bound and form.is_valid():
        saved = _save_item(request, form, None)
        if saved is not None:
            messages.success(request, _("已创建事项 %(code)s。") % {"code": saved.code})
            return redirect("catalog:staff-item-edit", code=saved.code)
    context = {"form": form, "summary": form.summary(), "item": None, **_more_nav(user, "item-new")}
    return render(
        request, "catalog/staff/item_edit.html", context, status=422 if form.errors else 200
    )


@staff_page
def item_edit(request: HttpRequest, code: str) -> HttpResponse:
    user: Any = request.user
    visible = ServiceItem.objects.for_user(user, permissions.VIEW).select_related("department")
    item: ServiceItem = get_object_or_404(visible, code=code)
    if not can(user, permissions.MANAGE_ITEMS, department=item.department):
        raise PermissionDenied
    departments = _departments(user, permissions.MANAGE_ITEMS, also=item.department)
    posted = request.POST if request.method == "POST" else None
    form = ItemForm(posted, departments=departments, item=item)
    if posted is not None and posted.get("add"):
        form.quiet()
    elif form.is_bound and form.is_valid():
        saved = _save_item(request, form, item)
        if saved is not None:
            messages.success(
                request,
                _("事项 %(code)s 已保存（修订号 %(n)d）。")
                % {"code": saved.code, "n": saved.revision},
            )
            return redirect("catalog:staff-item-edit", code=saved.code)
    context = {"form": form, "summary": form.summary(), "item": item, **_more_nav(user, "items")}
    return render(
        request, "catalog/staff/item_edit.html", context, status=422 if form.errors else 200
    )


# --- life events ----------------------------------------------------------------------------


@staff_page
def life_event_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    _require(user, permissions.VIEW)
    events = (
        LifeEvent.objects.for_user(user, permissions.VIEW)
        .select_related("department", "region")
        .order_by("code")
    )
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, **_more_nav(user, "life-events")}
    return render(request, "catalog/staff/life_events.html", context)


def _member_codes(event: LifeEvent) -> list[str]:
    codes = []
    members = event.members.select_related("implementation", "child").order_by("position")
    for member in members:
        if member.implementation is not None:
            codes.append(member.implementation.code)
        elif member.child is not None:
            codes.append(f"event:{member.child.code}")
    return codes


def _event_or_404(user: Any, code: str) -> LifeEvent:
    visible = LifeEvent.objects.for_user(user, permissions.VIEW).select_related(
        "department__region", "region"
    )
    event: LifeEvent = get_object_or_404(visible, code=code)
    return event


def _merged(event: LifeEvent) -> dict[str, Any]:
    """The merged materials and form fields, or the reason they cannot be merged."""
    try:
        result = services.merged(event)
    except DomainError as exc:
        listed = exc.details.get("errors") or [{"message": exc.message}]
        return {"merge_problems": [str(e.get("message", "")) for e in listed]}
    schema = result.form.schema
    properties = schema.get("properties", {})
    required = set(schema.get("required", []))
    order = [n for n in result.form.ui.get("order", []) if n in properties]
    order += [n for n in properties if n not in order]
    fields = [
        {
            "name": name,
            "title": properties[name].get("title", name),
            "required": name in required,
            "sources": result.form.sources.get(str(properties[name].get("x-meaning", name)), []),
        }
        for name in order
    ]
    return {
        "merged_materials": result.materials,
        "merged_fields": fields,
        "merged_implementations": result.implementations,
    }


ACTION_DONE = {
    LifeEventStatus.PUBLISHED: gettext_lazy("一件事 %(code)s 已发布。"),
    LifeEventStatus.WITHDRAWN: gettext_lazy("一件事 %(code)s 已撤回。"),
}


def _event_page(
    request: HttpRequest,
    event: LifeEvent,
    form: LifeEventForm | None,
    action_summary: list[dict[str, str]] | None = None,
) -> HttpResponse:
    user: Any = request.user
    summary = (form.summary() if form is not None else []) + (action_summary or [])
    context = {
        "event": event,
        "form": form,
        "summary": summary,
        "members": _member_codes(event),
        "may_publish": event.status != LifeEventStatus.PUBLISHED
        and can(user, permissions.REVIEW, department=event.department),
        "may_withdraw": event.status == LifeEventStatus.PUBLISHED
        and can(user, permissions.MANAGE_LIFE_EVENTS, department=event.department),
        **_merged(event),
        **_more_nav(user, "life-events"),
    }
    status = 200
    if summary:
        status = 409 if action_summary else 422
    return render(request, "catalog/staff/life_event.html", context, status=status)


def _save_event(request: HttpRequest, form: LifeEventForm, event: LifeEvent | None) -> Any:
    user: Any = request.user
    try:
        data = form.to_schema()
    except ValidationError as exc:
        form.apply_validation(exc)
        return None
    try:
        return services.save_life_event(actor=user, data=data, event=event)
    except DomainError as exc:
        _refused(form, exc)
        return None


@staff_page
def life_event_new(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    departments = _departments(user, permissions.MANAGE_LIFE_EVENTS)
    if not departments:
        raise PermissionDenied
    form = LifeEventForm(
        request.POST if request.method == "POST" else None, departments=departments
    )
    if form.is_bound and form.is_valid():
        saved = _save_event(request, form, None)
        if saved is not None:
            messages.success(request, _("已创建一件事 %(code)s（草稿）。") % {"code": saved.code})
            return redirect("catalog:staff-life-event-edit", code=saved.code)
    context = {"form": form, "summary": form.summary(), **_more_nav(user, "life-event-new")}
    return render(
        request, "catalog/staff/life_event_new.html", context, status=422 if form.errors else 200
    )


@staff_page
def life_event_edit(request: HttpRequest, code: str) -> HttpResponse:
    user: Any = request.user
    event = _event_or_404(user, code)
    may_edit = can(user, permissions.MANAGE_LIFE_EVENTS, department=event.department)
    if request.method == "POST" and not may_edit:
        raise PermissionDenied
    form: LifeEventForm | None = None
    if may_edit:
        departments = _departments(user, permissions.MANAGE_LIFE_EVENTS, also=event.department)
        form = LifeEventForm(
            request.POST if request.method == "POST" else None,
            departments=departments,
            event=event,
            members=_member_codes(event),
        )
        if form.is_bound and form.is_valid():
            saved = _save_event(request, form, event)
            if saved is not None:
                messages.success(request, _("一件事 %(code)s 已保存。") % {"code": saved.code})
                return redirect("catalog:staff-life-event-edit", code=saved.code)
    return _event_page(request, event, form)


@require_POST
@staff_page
def life_event_action(request: HttpRequest, code: str) -> HttpResponse:
    user: Any = request.user
    event = _event_or_404(user, code)
    action = request.POST.get("action", "")
    wanted = {"publish": LifeEventStatus.PUBLISHED, "withdraw": LifeEventStatus.WITHDRAWN}.get(
        action
    )
    if wanted is None:
        messages.error(request, _("不支持该操作。"))
        return redirect("catalog:staff-life-event-edit", code=event.code)
    try:
        services.set_life_event_status(actor=user, event=event, status=wanted)
    except DomainError as exc:
        if exc.code == KernelCode.PERMISSION_DENIED:
            raise PermissionDenied from exc
        form = None
        if can(user, permissions.MANAGE_LIFE_EVENTS, department=event.department):
            departments = _departments(user, permissions.MANAGE_LIFE_EVENTS, also=event.department)
            form = LifeEventForm(departments=departments, event=event, members=_member_codes(event))
        listed = exc.details.get("errors") or [{"message": exc.message}]
        href = "#actions"
        if exc.code != ErrorCode.STATUS_TRANSITION:
            href = "#id_members" if form is not None else "#members-title"
        rows = [{"href": href, "message": str(e.get("message", ""))} for e in listed]
        return _event_page(request, event, form, rows)
    messages.success(request, str(ACTION_DONE[wanted]) % {"code": event.code})
    return redirect("catalog:staff-life-event-edit", code=event.code)
