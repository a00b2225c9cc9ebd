"""Work-order pages for the centre and the departments: the queue, the order page with its
timeline, and every action on one order (dispatch, sign for, send back, extension, reply,
complete, supervise, merge, callback).

Who sees an order is :func:`access.orders_for`'s answer (404 otherwise); who may act is the
services' (a department acting on an order it does not hold gets their 403, a wrong state
409, invalid input 422 on the form). The order page offers each action's form only to the
users the services would let act, and shows a refused form again with its error."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from yiwang.hotline import access, deadlines, pages, permissions, services, uploads
from yiwang.hotline.forms_orders import (
    ACTIONS,
    CallbackForm,
    DispatchForm,
    MergeForm,
    OrderActionForm,
    QueueFilterForm,
    SendBackForm,
)
from yiwang.hotline.models import (
    Assignment,
    AssignmentStatus,
    Attachment,
    DeadlineState,
    Extension,
    OrderStatus,
    RequestStatus,
    SendBack,
    Topic,
    WorkOrder,
)
from yiwang.hotline.services_handling import OPEN
from yiwang.hotline.services_loop import MERGEABLE
from yiwang.kernel import files
from yiwang.kernel.errors import DomainError
from yiwang.kernel.formviews import done, submit, summary_of
from yiwang.kernel.models import Department

PAGE_SIZE = 25
TEMPLATE = "hotline/orders/order.html"

#: Timeline steps as people call them.
EVENT_LABELS = {
    "received": gettext_lazy("受理"),
    "contact": gettext_lazy("登记联系方式"),
    "dispatched": gettext_lazy("派单"),
    "redispatched": gettext_lazy("改派"),
    "signed_for": gettext_lazy("签收"),
    "sent_back": gettext_lazy("退单"),
    "send_back_reviewed": gettext_lazy("退单审核"),
    "extension_requested": gettext_lazy("申请延期"),
    "extension_decided": gettext_lazy("延期审核"),
    "replied": gettext_lazy("答复"),
    "answered": gettext_lazy("并单答复"),
    "completed": gettext_lazy("办结"),
    "supervised": gettext_lazy("督办"),
    "merged": gettext_lazy("并单"),
    "merge_target": gettext_lazy("合并工单"),
    "callback": gettext_lazy("回访"),
    "rated": gettext_lazy("评价"),
    "reopened": gettext_lazy("重办"),
}

#: What an action that worked says on the order page.
DONE_MESSAGES = {
    "sign-for": gettext_lazy("已签收工单。"),
    "send-back": gettext_lazy("已提交退单，等待热线中心审核。"),
    "extension": gettext_lazy("已提交延期申请，等待热线中心审核。"),
    "reply": gettext_lazy("已提交答复。"),
    "dispatch": gettext_lazy("已派单。"),
    "complete": gettext_lazy("工单已办结。"),
    "supervise": gettext_lazy("已督办。"),
    "merge": gettext_lazy("已并单。"),
    "callback": gettext_lazy("已记录回访，工单已关闭。"),
}


# --- the queue ------------------------------------------------------------------------------


def _deadline_q(state: str, now: dt.datetime) -> Q:
    """Orders whose clock runs and that are ``state`` now: past ``due_at`` is overdue even
    before ``mark-deadlines`` has marked it."""
    running = Q(status__in=deadlines.RUNNING)
    if state == DeadlineState.OVERDUE:
        return running & (Q(deadline_state=DeadlineState.OVERDUE) | Q(due_at__lt=now))
    not_past = Q(due_at__isnull=True) | Q(due_at__gte=now)
    return running & Q(deadline_state=state) & not_past


def _filtered(
    orders: QuerySet[WorkOrder], filters: dict[str, str], held: frozenset[int]
) -> QuerySet[WorkOrder]:
    if "q" in filters:
        orders = orders.filter(number__icontains=filters["q"])
    for name in ("status", "category", "urgency"):
        if name in filters:
            orders = orders.filter(**{name: filters[name]})
    if "deadline" in filters:
        orders = orders.filter(_deadline_q(filters["deadline"], timezone.now()))
    if held and ("role" in filters or "assignment" in filters):
        mine = Assignment.objects.filter(department_id__in=held).exclude(
            status=AssignmentStatus.WITHDRAWN
        )
        if "role" in filters:
            mine = mine.filter(role=filters["role"])
        if "assignment" in filters:
            mine = mine.filter(status=filters["assignment"])
        orders = orders.filter(pk__in=mine.values("order_id"))
    return orders


def deadline_shown(order: WorkOrder, now: dt.datetime) -> str:
    """The deadline state a row shows: none when no clock runs, overdue once past due."""
    if order.status not in deadlines.RUNNING or order.due_at is None:
        return ""
    if order.due_at < now:
        return str(DeadlineState.OVERDUE)
    return order.deadline_state


@pages.staff_only
@require_safe
def queue(request: HttpRequest) -> HttpResponse:
    """Orders the user may see, newest first, with filters; a fixed number of queries for any
    page size (the department's own assignments come in one prefetch)."""
    user: Any = request.user
    found = pages.require_staff(user)
    held = found.departments
    form = QueueFilterForm(request.GET or None, department=bool(held))
    filters = form.filters()
    orders = (
        _filtered(access.orders_for(user), filters, held)
        .select_related("topic", "region", "lead_department")
        .defer("content", "contact_name", "contact_phone", "caller_number", "agent_notes")
        .order_by("-created_at", "-id")
    )
    if held:
        orders = orders.prefetch_related(
            Prefetch(
                "assignments",
                queryset=Assignment.objects.filter(department_id__in=held)
                .exclude(status=AssignmentStatus.WITHDRAWN)
                .order_by("role", "pk"),
                to_attr="mine",
            )
        )
    page = Paginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = [{"order": o, "deadline": deadline_shown(o, now)} for o in page.object_list]
    context = {
        **pages.nav(user, "queue", found),
        "form": form,
        "filtered": bool(filters),
        "page": page,
        "rows": rows,
        "department": bool(held),
        "centre": found.centre,
    }
    return render(request, "hotline/orders/queue.html", context)


# --- one order ------------------------------------------------------------------------------


def _order(user: Any, order_id: int) -> WorkOrder:
    """The order if the user may see it (404 otherwise), with what its page shows."""
    order: WorkOrder | None = (
        access.orders_for(user)
        .select_related(
            "topic__parent",
            "region",
            "lead_department",
            "proposed_topic",
            "proposed_department",
            "merged_into",
            "knowledge_article",
        )
        .filter(pk=order_id)
        .first()
    )
    if order is None:
        raise Http404
    return order


def _departments(order: WorkOrder) -> list[tuple[str, str]]:
    """Departments an order can go to: active ones of its region, the regions above and the
    regions below it (the hotline centres themselves left out)."""
    code = order.region_id
    above = [code[:n] for n in (2, 4, 6, 9, 12) if n <= len(code)]
    rows = (
        Department.objects.filter(is_active=True)
        .filter(Q(region_id__in=above) | Q(region__code__startswith=code))
        .exclude(code__endswith=permissions.CENTRE_SUFFIX)
        .order_by("region_id", "code")
    )
    return [(d.code, d.name) for d in rows]


def _topics() -> list[tuple[str, str]]:
    rows = Topic.objects.filter(is_active=True, parent__isnull=False).order_by("code")
    return [(t.code, f"{t.code} {t.name}") for t in rows]


def _duration(seconds: int) -> str:
    """A time left (or overdue) in days, hours and minutes."""
    left = abs(seconds)
    days, rest = divmod(left, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        text = _("%(d)d 天 %(h)d 小时") % {"d": days, "h": hours}
    elif hours:
        text = _("%(h)d 小时 %(m)d 分钟") % {"h": hours, "m": minutes}
    else:
        text = _("%(m)d 分钟") % {"m": minutes}
    return text


def _distance(order: WorkOrder, other: WorkOrder) -> str:
    if order.latitude is not None and other.latitude is not None:
        metres = services.metres(
            float(order.latitude),
            float(order.longitude or 0),
            float(other.latitude),
            float(other.longitude or 0),
        )
        return _("相距 %(m)d 米") % {"m": round(metres)}
    return _("同一地址")


def _suggestions(found: pages.Reach, order: WorkOrder) -> list[tuple[WorkOrder, str]]:
    """Merge suggestions the centre may merge, with how far each is."""
    return [
        (other, _distance(order, other))
        for other in services.similar_orders(order)
        if access.covers(found.intake, other.region_id)
    ]


def _mine(assignments: Sequence[Assignment], held: frozenset[int]) -> Assignment | None:
    """The assignment the user's department works on (the lead's first), as the services
    pick it."""
    active = [a for a in assignments if a.department_id in held and a.status in access.ACTIVE]
    active.sort(key=lambda a: (a.role, a.pk))
    return active[0] if active else None


def _may(
    found: pages.Reach,
    order: WorkOrder,
    mine: Assignment | None,
    pending_send_back: bool,
    pending_extension: bool,
) -> dict[str, bool]:
    """Which actions the user may take on the order now (as the services decide)."""
    intake = access.covers(found.intake, order.region_id)
    supervise = access.covers(found.supervise, order.region_id)
    working = mine is not None and order.status in OPEN
    return {
        "sign-for": working and mine is not None and mine.status == AssignmentStatus.PENDING,
        "send-back": working and not pending_send_back,
        "extension": working and not pending_extension,
        "reply": working,
        "dispatch": intake and order.status in (OrderStatus.RECEIVED, OrderStatus.REOPENED),
        "complete": intake and order.status == OrderStatus.REPLIED,
        "supervise": supervise and order.status in (*OPEN, OrderStatus.REPLIED),
        "merge": intake and order.status in MERGEABLE,
        "callback": intake and order.status == OrderStatus.COMPLETED,
    }


def _form(
    action: str,
    order: WorkOrder,
    found: pages.Reach,
    data: Any = None,
    upload: Any = None,
    suggestions: list[tuple[WorkOrder, str]] | None = None,
) -> OrderActionForm:
    """The form of ``action`` on ``order`` (bound to ``data`` when given)."""
    form_class = ACTIONS[action]
    if form_class is SendBackForm:
        return SendBackForm(data, departments=_departments(order))
    if form_class is DispatchForm:
        return DispatchForm(
            data,
            topics=_topics(),
            departments=_departments(order),
            initial=_dispatch_initial(order),
        )
    if form_class is MergeForm:
        offered = suggestions if suggestions is not None else _suggestions(found, order)
        choices = [(str(o.pk), f"{o.number} {o.title}（{distance}）") for o, distance in offered]
        return MergeForm(data, suggestions=choices)
    if form_class is CallbackForm:
        return CallbackForm(data)
    return form_class(data, upload)


def _dispatch_initial(order: WorkOrder) -> dict[str, Any]:
    """The proposal as the dispatch form's starting point: the proposed (or given) topic and
    the catalogue's lead and supporting departments for it, or the proposed department."""
    topic = order.topic or order.proposed_topic
    initial: dict[str, Any] = {"topic_code": topic.code if topic else ""}
    rule = services.rule_for(topic, order.region_id) if topic is not None else None
    if rule is not None:
        initial["lead_code"] = rule.lead.code
        initial["supporting_codes"] = [d.code for d in rule.supporting.all()]
    elif order.proposed_department is not None:
        initial["lead_code"] = order.proposed_department.code
    return initial


def _timeline(order: WorkOrder, contact_visible: bool) -> list[dict[str, Any]]:
    rows = []
    for row in order.events.select_related("department"):
        note = row.note
        if row.kind == "contact":  # an Open311 client's e-mail: personal data
            email = str(row.details.get("email", ""))
            note = email if contact_visible else ""
        rows.append(
            {
                "event": row,
                "label": EVENT_LABELS.get(row.kind, row.kind),
                "note": note,
                "level": row.details.get("level"),
                "approved": row.details.get("approved"),
                "late": bool(row.details.get("late")),
            }
        )
    return rows


def _context(
    request: HttpRequest,
    order: WorkOrder,
    found: pages.Reach,
    bound_forms: dict[str, OrderActionForm],
) -> dict[str, Any]:
    user: Any = request.user
    contact = access.contact_for(user, order)
    contact_visible = access.covers(found.intake | found.supervise, order.region_id) or (
        access.contact_visible(user, order)
    )
    assignments = list(order.assignments.select_related("department").order_by("role", "pk"))
    send_backs = list(
        SendBack.objects.filter(assignment__order=order)
        .select_related("assignment__department", "suggested_department")
        .order_by("created_at", "pk")
    )
    extensions = list(
        Extension.objects.filter(assignment__order=order)
        .select_related("assignment__department")
        .order_by("created_at", "pk")
    )
    mine = _mine(assignments, found.departments)
    may = _may(
        found,
        order,
        mine,
        pending_send_back=any(
            s.assignment_id == getattr(mine, "pk", None) and s.status == RequestStatus.PENDING
            for s in send_backs
        ),
        pending_extension=any(
            e.assignment_id == getattr(mine, "pk", None) and e.status == RequestStatus.PENDING
            for e in extensions
        ),
    )
    suggestions = _suggestions(found, order) if may["merge"] or "merge" in bound_forms else []
    forms = {
        action.replace("-", "_"): bound_forms.get(action)
        or _form(action, order, found, suggestions=suggestions)
        for action in ACTIONS
        if may[action] or action in bound_forms
    }
    seconds = deadlines.seconds_left(order)
    now = timezone.now()
    return {
        **pages.nav(user, "queue", found),
        "order": order,
        "contact": contact,
        "contact_visible": contact_visible,
        "attachments": list(
            Attachment.objects.filter(order=order)
            .select_related("file", "assignment__department")
            .order_by("created_at", "pk")
        ),
        "assignments": assignments,
        "mine": mine,
        "send_backs": send_backs,
        "extensions": extensions,
        "supervisions": list(order.supervisions.order_by("created_at", "pk")),
        "feedback": list(order.feedback.order_by("round", "pk")),
        "merged_orders": list(order.merged_orders.order_by("created_at", "pk")),
        "timeline": _timeline(order, contact_visible),
        "seconds_left": seconds,
        "time_left": _duration(seconds) if seconds is not None else "",
        "deadline": deadline_shown(order, now),
        "centre": access.covers(found.intake, order.region_id),
        "forms": forms,
        "suggestions": suggestions,
        "summary": summary_of(bound_forms),
    }


@pages.staff_only
@require_safe
def order_detail(request: HttpRequest, order_id: int) -> HttpResponse:
    found = pages.require_staff(request.user)
    order = _order(request.user, order_id)
    return render(request, TEMPLATE, _context(request, order, found, {}))


@pages.staff_only
@require_safe
def attachment(request: HttpRequest, order_id: int, attachment_id: int) -> HttpResponse:
    """A photo or a reply's file, to whoever may see the order."""
    pages.require_staff(request.user)
    order = _order(request.user, order_id)
    row = Attachment.objects.select_related("file").filter(pk=attachment_id, order=order).first()
    if row is None:
        raise Http404
    try:
        handle = files.open_file(row.file)
    except OSError as exc:  # missing or altered: it cannot be given out as it was
        raise Http404 from exc
    response: HttpResponse = FileResponse(  # type: ignore[assignment]
        handle, as_attachment=True, filename=row.file.name, content_type=row.file.content_type
    )
    return response


# --- actions --------------------------------------------------------------------------------


def _reply(user: Any, order: WorkOrder, data: dict[str, Any]) -> None:
    """Keep the files, then reply with them, in one transaction. A blank reply stores nothing
    (the service refuses it); a file the kernel refuses is shown on the attachments field; a
    refused reply leaves neither the files' records nor their bytes behind."""
    content = data.get("content") or ""
    with transaction.atomic():
        stored = []
        try:
            if content.strip():
                for upload in data.get("attachments") or []:
                    stored.append(_attachment(user, upload))
            services.reply(actor=user, order=order, content=content, attachments=stored)
        except BaseException:
            uploads.discard(stored)
            raise


def _attachment(user: Any, upload: Any) -> Any:
    try:
        return files.store_file(upload, name=upload.name or "file", actor=user)
    except DomainError as exc:
        raise DomainError(
            exc.code,
            exc.message,
            status=exc.status if exc.status == 413 else 422,
            errors={"attachments": [str(exc.message)]},
        ) from exc


def _merge_targets(user: Any, ids: Sequence[str]) -> list[WorkOrder]:
    visible = access.orders_for(user)
    found = []
    for other_id in ids:
        other = visible.filter(pk=int(other_id)).first()
        if other is None:
            raise access.not_found()
        found.append(other)
    return found


def _act(user: Any, action: str, order: WorkOrder, data: dict[str, Any]) -> None:
    """Call the one service of ``action``."""
    if action == "sign-for":
        services.sign_for(actor=user, order=order)
    elif action == "send-back":
        services.send_back(
            actor=user,
            order=order,
            reason_text=data["reason"],
            suggested_code=data.get("suggested_code") or None,
        )
    elif action == "extension":
        services.request_extension(
            actor=user,
            order=order,
            reason_text=data["reason"],
            amount=data["amount"],
            unit=data["unit"],
        )
    elif action == "reply":
        _reply(user, order, data)
    elif action == "dispatch":
        lead = data.get("lead_code") or None
        supporting = list(data.get("supporting_codes") or [])
        services.dispatch(
            actor=user,
            order=order,
            topic_code=data["topic_code"],
            lead_code=lead,
            supporting_codes=supporting if (lead or supporting) else None,
        )
    elif action == "complete":
        services.complete(actor=user, order=order, note=data.get("note", ""))
    elif action == "supervise":
        services.supervise(
            actor=user, order=order, note=data["note"], escalate=bool(data.get("escalate"))
        )
    elif action == "merge":
        targets = _merge_targets(user, data.get("order_ids") or [])
        services.merge(actor=user, target=order, orders=targets)
    elif action == "callback":
        services.record_callback(
            actor=user,
            order=order,
            score=data["score"],
            resolved=data["resolved"],
            comment=data.get("comment", ""),
        )


@require_POST
@pages.staff_only
def order_action(request: HttpRequest, order_id: int, action: str) -> HttpResponse:
    """One action on the order (a form of the order page)."""
    if action not in ACTIONS:
        raise Http404
    user: Any = request.user
    found = pages.require_staff(user)
    order = _order(user, order_id)
    form = _form(action, order, found, request.POST, request.FILES)

    def act(data: dict[str, Any]) -> HttpResponse:
        _act(user, action, order, data)
        return done(request, str(DONE_MESSAGES[action]), "hotline:order", order_id=order.pk)

    def refused(shown: OrderActionForm, status: int) -> HttpResponse:
        fresh = _order(user, order_id)
        context = _context(request, fresh, found, {action: shown})
        return render(request, TEMPLATE, context, status=status)

    return submit(form, act, refused)


#: Further routes of these pages (urls.py appends them).
extra_urlpatterns: list[URLPattern] = [
    path(
        "staff/hotline/orders/<int:order_id>/files/<int:attachment_id>/",
        attachment,
        name="orders-attachment",
    ),
]
