"""Work orders API: ``/api/v1/hotline/...``.

Everything needs sign-in. Citizens file orders (web, mobile or API channel), read their own
and rate them; the centre's agents take phone calls and grid events, confirm routing,
dispatch, review send-backs and extensions, complete, merge and call back; its supervisors
urge (督办); department clerks sign for, send back, ask for more time and reply on the orders
their department holds. An order the caller may not see answers 404 as if it did not exist
(see :mod:`yiwang.hotline.access`). Uploaded files (``/api/v1/kernel/files``) are named by id."""

# No ``from __future__ import annotations``: django-ninja reads the annotations at runtime.
from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import P, QueryEx, Router, Status
from ninja.pagination import LimitOffsetPagination, paginate

from yiwang.hotline import access, deadlines, permissions, services
from yiwang.hotline import analytics as figures
from yiwang.hotline.errors import ErrorCode
from yiwang.hotline.forms_centre import AnalyticsForm
from yiwang.hotline.models import (
    Assignment,
    AssignmentStatus,
    DeadlineState,
    Extension,
    Feedback,
    OrderStatus,
    SendBack,
    WorkOrder,
)
from yiwang.hotline.schemas import (
    AnalyticsOut,
    CallbackIn,
    DecideIn,
    DispatchIn,
    ExtensionIn,
    ExtensionOut,
    FeedbackOut,
    MergeIn,
    OrderIn,
    OrderOut,
    RateIn,
    ReopenIn,
    ReplyIn,
    ReviewIn,
    SendBackIn,
    SendBackOut,
    SuperviseIn,
)
from yiwang.kernel.errors import DomainError
from yiwang.kernel.errors import ErrorCode as KernelCode
from yiwang.kernel.models import StoredFile
from yiwang.kernel.schemas import ERRORS, BuiltRows

router = Router(tags=["hotline"])

#: The list's queues (``?queue=``).
QUEUES = ("all", "mine", "confirm", "department", "supervision", "escalated")


def _files(request: HttpRequest, ids: list[str], field: str) -> list[StoredFile]:
    """Files the caller uploaded, in the order named; an unknown id is refused."""
    found: dict[str, StoredFile] = {}
    for file_id in ids:
        row = None
        try:
            row = StoredFile.objects.filter(pk=file_id, uploaded_by_id=request.user.pk).first()
        except Exception:  # not a UUID
            row = None
        if row is None:
            message = _("文件 %(id)s 不存在。") % {"id": file_id}
            raise DomainError(
                ErrorCode.ORDER_INVALID, message, status=422, errors={field: [message]}
            )
        found[file_id] = row
    return list(found.values())


def _shaped(queryset: QuerySet[WorkOrder]) -> QuerySet[WorkOrder]:
    return queryset.select_related(
        "topic", "proposed_topic", "proposed_department", "lead_department", "merged_into"
    )


def _builder(request: HttpRequest, *, detail: bool = False) -> Any:
    user = request.user
    centre = access.centre_reach(user)
    held = access.department_ids(user)

    def build(order: WorkOrder) -> dict[str, Any]:
        contact = access.contact_for(user, order, reach=centre)
        data: dict[str, Any] = {
            "id": order.pk,
            "number": order.number,
            "channel": order.channel,
            "category": order.category,
            "topic_code": order.topic.code if order.topic else None,
            "topic_name": order.topic.name if order.topic else None,
            "title": order.title,
            "content": order.content,
            "region_code": order.region_id,
            "address": order.address,
            "latitude": float(order.latitude) if order.latitude is not None else None,
            "longitude": float(order.longitude) if order.longitude is not None else None,
            "urgency": order.urgency,
            "status": order.status,
            "status_label": str(order.get_status_display()),
            "confidential": order.confidential,
            "proposed_topic_code": order.proposed_topic.code if order.proposed_topic else None,
            "proposed_department_code": (
                order.proposed_department.code if order.proposed_department else None
            ),
            "proposal_confidence": order.proposal_confidence,
            "auto_dispatched": order.auto_dispatched,
            "lead_department_code": order.lead_department.code if order.lead_department else None,
            "dispatched_at": order.dispatched_at,
            "due_at": order.due_at,
            "seconds_left": deadlines.seconds_left(order),
            "deadline_state": order.deadline_state,
            "supervision_level": order.supervision_level,
            "answer": order.answer,
            "created_at": order.created_at,
            "completed_at": order.completed_at,
            "closed_at": order.closed_at,
            "reopen_count": order.reopen_count,
            "merged_into": order.merged_into.number if order.merged_into else None,
            **contact,
        }
        if detail:
            staff = (
                access.covers(centre, order.region_id)
                or order.assignments.filter(department_id__in=held).exists()
            )
            if staff:
                data["assignments"] = [
                    {
                        "id": a.pk,
                        "department_code": a.department.code,
                        "department_name": a.department.name,
                        "role": a.role,
                        "status": a.status,
                        "dispatched_at": a.dispatched_at,
                        "sign_due_at": a.sign_due_at,
                        "signed_at": a.signed_at,
                        "due_at": a.due_at,
                        "reply": a.reply,
                        "replied_at": a.replied_at,
                    }
                    for a in order.assignments.select_related("department")
                ]
            timeline = order.events.select_related("department")
            if not staff:
                timeline = timeline.filter(public=True)
            data["timeline"] = [
                {
                    "at": e.created_at,
                    "kind": e.kind,
                    "note": e.note,
                    "department_code": e.department.code if e.department else None,
                    "details": e.details if staff else {},
                }
                for e in timeline
            ]
        return data

    return build


def _order(request: HttpRequest, order_id: int) -> WorkOrder:
    return access.get_order_for(request.user, order_id)


def _detail(request: HttpRequest, order: WorkOrder) -> dict[str, Any]:
    fresh = _shaped(WorkOrder.objects.filter(pk=order.pk)).get()
    result: dict[str, Any] = _builder(request, detail=True)(fresh)
    return result


# --- orders ---------------------------------------------------------------------------------------


@router.post("/orders", response={201: OrderOut, **ERRORS})
def create_order(request: HttpRequest, payload: OrderIn) -> Any:
    """受理. Citizens: channel web, mobile or api. Agents: phone (caller number, recording
    reference, notes) or grid (grid code, photos)."""
    data = payload.dict()
    photos = _files(request, data.pop("photo_ids"), "photo_ids")
    order = services.create_order(actor=request.user, photos=photos, **data)
    return Status(201, _detail(request, order))


@router.get("/orders", response={200: list[OrderOut], **ERRORS})
@paginate(LimitOffsetPagination)
def list_orders(request: HttpRequest, queue: str = "all", status: str = "") -> Any:
    """Orders by role: ``mine`` (the caller's own), ``confirm`` (the agents' orders waiting for
    routing to be confirmed), ``department`` (what the clerk's departments hold now),
    ``supervision`` (the centre's due-soon and overdue orders), ``escalated`` (orders raised to
    the higher level), ``all`` (everything the caller may see)."""
    user = request.user
    if queue not in QUEUES:
        raise DomainError(
            ErrorCode.ORDER_INVALID,
            _("未知的队列。"),
            status=422,
            errors={"queue": [_("未知的队列。")]},
        )
    orders = access.orders_for(user)
    centre = access.centre_reach(user)
    region = Q(pk__in=[])
    for code in centre:
        region |= Q(region__code__startswith=code)
    if queue == "mine":
        orders = WorkOrder.objects.filter(citizen_id=user.pk)
    elif queue == "confirm":
        orders = orders.filter(region, status=OrderStatus.RECEIVED, lead_department__isnull=True)
    elif queue == "department":
        orders = orders.filter(
            pk__in=Assignment.objects.filter(
                department_id__in=access.department_ids(user),
                status__in=(*access.ACTIVE, AssignmentStatus.SENT_BACK),
            ).values("order_id")
        )
    elif queue == "supervision":
        orders = orders.filter(
            region, deadline_state__in=(DeadlineState.DUE_SOON, DeadlineState.OVERDUE)
        ).filter(status__in=deadlines.RUNNING)
    elif queue == "escalated":
        orders = orders.filter(region, supervision_level__gte=2)
    if status:
        orders = orders.filter(status=status)
    return BuiltRows(_shaped(orders).order_by("-created_at", "-id"), _builder(request))


@router.get("/orders/{int:order_id}", response={200: OrderOut, **ERRORS})
def get_order(request: HttpRequest, order_id: int) -> Any:
    """One order with its timeline (the citizen sees the public steps)."""
    return _detail(request, _order(request, order_id))


@router.post("/orders/{int:order_id}/dispatch", response={200: OrderOut, **ERRORS})
def dispatch(request: HttpRequest, order_id: int, payload: DispatchIn) -> Any:
    order = services.dispatch(actor=request.user, order=_order(request, order_id), **payload.dict())
    return _detail(request, order)


@router.post("/orders/{int:order_id}/sign-for", response={200: OrderOut, **ERRORS})
def sign_for(request: HttpRequest, order_id: int) -> Any:
    order = _order(request, order_id)
    services.sign_for(actor=request.user, order=order)
    return _detail(request, order)


def _send_back_out(row: SendBack) -> dict[str, Any]:
    return {
        "id": row.pk,
        "order_id": row.assignment.order_id,
        "department_code": row.assignment.department.code,
        "reason": row.reason,
        "suggested_code": row.suggested_department.code if row.suggested_department else None,
        "status": row.status,
    }


@router.post("/orders/{int:order_id}/send-back", response={201: SendBackOut, **ERRORS})
def send_back(request: HttpRequest, order_id: int, payload: SendBackIn) -> Any:
    row = services.send_back(
        actor=request.user,
        order=_order(request, order_id),
        reason_text=payload.reason,
        suggested_code=payload.suggested_code,
    )
    return Status(201, _send_back_out(row))


@router.post("/send-backs/{int:send_back_id}/review", response={200: SendBackOut, **ERRORS})
def review_send_back(request: HttpRequest, send_back_id: int, payload: ReviewIn) -> Any:
    row = SendBack.objects.select_related("assignment__order").filter(pk=send_back_id).first()
    if row is None:
        raise access.not_found()
    access.get_order_for(request.user, row.assignment.order_id)
    row = services.review_send_back(actor=request.user, send_back=row, **payload.dict())
    return _send_back_out(
        SendBack.objects.select_related("assignment__department", "suggested_department").get(
            pk=row.pk
        )
    )


def _extension_out(row: Extension) -> dict[str, Any]:
    return {
        "id": row.pk,
        "order_id": row.assignment.order_id,
        "department_code": row.assignment.department.code,
        "reason": row.reason,
        "amount": row.amount,
        "unit": row.unit,
        "status": row.status,
    }


@router.post("/orders/{int:order_id}/extension", response={201: ExtensionOut, **ERRORS})
def request_extension(request: HttpRequest, order_id: int, payload: ExtensionIn) -> Any:
    row = services.request_extension(
        actor=request.user,
        order=_order(request, order_id),
        reason_text=payload.reason,
        amount=payload.amount,
        unit=payload.unit,
    )
    return Status(201, _extension_out(row))


@router.post("/extensions/{int:extension_id}/decide", response={200: ExtensionOut, **ERRORS})
def decide_extension(request: HttpRequest, extension_id: int, payload: DecideIn) -> Any:
    row = Extension.objects.select_related("assignment").filter(pk=extension_id).first()
    if row is None:
        raise access.not_found()
    access.get_order_for(request.user, row.assignment.order_id)
    row = services.decide_extension(actor=request.user, extension=row, **payload.dict())
    return _extension_out(Extension.objects.select_related("assignment__department").get(pk=row.pk))


@router.post("/orders/{int:order_id}/reply", response={200: OrderOut, **ERRORS})
def reply(request: HttpRequest, order_id: int, payload: ReplyIn) -> Any:
    order = _order(request, order_id)
    files = _files(request, payload.attachment_ids, "attachment_ids")
    services.reply(actor=request.user, order=order, content=payload.content, attachments=files)
    return _detail(request, order)


@router.post("/orders/{int:order_id}/complete", response={200: OrderOut, **ERRORS})
def complete(request: HttpRequest, order_id: int) -> Any:
    order = services.complete(actor=request.user, order=_order(request, order_id))
    return _detail(request, order)


@router.post("/orders/{int:order_id}/supervise", response={200: OrderOut, **ERRORS})
def supervise(request: HttpRequest, order_id: int, payload: SuperviseIn) -> Any:
    order = _order(request, order_id)
    services.supervise(actor=request.user, order=order, **payload.dict())
    return _detail(request, order)


@router.get("/orders/{int:order_id}/similar", response={200: list[OrderOut], **ERRORS})
def similar(request: HttpRequest, order_id: int) -> Any:
    """Merge suggestions (并单): same topic, near the same place, within the time window."""
    order = _order(request, order_id)
    if not access.is_centre(request.user, order, permissions.INTAKE):
        raise access.not_found()
    build = _builder(request)
    return [build(o) for o in services.similar_orders(order)]


@router.post("/orders/{int:order_id}/merge", response={200: OrderOut, **ERRORS})
def merge(request: HttpRequest, order_id: int, payload: MergeIn) -> Any:
    target = _order(request, order_id)
    visible = access.orders_for(request.user)
    orders = []
    for other_id in payload.order_ids:
        other = visible.filter(pk=other_id).first()
        if other is None:
            raise access.not_found()
        orders.append(other)
    services.merge(actor=request.user, target=target, orders=orders)
    return _detail(request, target)


def _feedback_out(row: Feedback) -> dict[str, Any]:
    return {
        "order_id": row.order_id,
        "round": row.round,
        "score": row.score,
        "resolved": row.resolved,
        "comment": row.comment,
        "by_callback": row.by_callback,
    }


@router.post("/orders/{int:order_id}/callback", response={201: FeedbackOut, **ERRORS})
def callback(request: HttpRequest, order_id: int, payload: CallbackIn) -> Any:
    row = services.record_callback(
        actor=request.user, order=_order(request, order_id), **payload.dict()
    )
    return Status(201, _feedback_out(row))


@router.post("/orders/{int:order_id}/rate", response={201: FeedbackOut, **ERRORS})
def rate(request: HttpRequest, order_id: int, payload: RateIn) -> Any:
    row = services.rate(actor=request.user, order=_order(request, order_id), **payload.dict())
    return Status(201, _feedback_out(row))


@router.post("/orders/{int:order_id}/reopen", response={200: OrderOut, **ERRORS})
def reopen(request: HttpRequest, order_id: int, payload: ReopenIn) -> Any:
    order = services.reopen(
        actor=request.user, order=_order(request, order_id), reason_text=payload.reason
    )
    return _detail(request, order)


# --- analytics --------------------------------------------------------------------------------

#: The query parameters of ``GET /analytics`` → the analytics page's filter fields.
ANALYTICS_PARAMS = {"from": "date_from", "to": "date_to", "region": "region"}


def _rate(rate: figures.Rate) -> dict[str, Any]:
    return {"part": rate.part, "whole": rate.whole, "rate": rate.value}


def _analytics_out(report: figures.Report) -> dict[str, Any]:
    def buckets(rows: list[figures.Bucket]) -> list[dict[str, Any]]:
        return [{"code": r.key, "name": r.label, "count": r.count} for r in rows]

    def topics(rows: list[figures.TopicCount]) -> list[dict[str, Any]]:
        return [
            {"code": t.key, "name": t.label, "count": t.count, "parent": t.parent} for t in rows
        ]

    hot_window = report.hot_window or report.window
    return {
        "from": report.window.start,
        "to": report.window.end,
        "regions": sorted(report.regions),
        "total": report.total,
        "by_day": [{"day": day, "count": n} for day, n in report.by_day],
        "by_group": topics(report.by_group),
        "by_topic": topics(report.by_topic),
        "by_region": buckets(report.by_region),
        "by_department": buckets(report.by_department),
        "by_channel": buckets(report.by_channel),
        "by_category": buckets(report.by_category),
        "hot_from": hot_window.start,
        "hot_to": hot_window.end,
        "hot": [
            {
                "code": h.code,
                "name": h.name,
                "current": h.current,
                "previous": h.previous,
                "change": h.change,
                "growth": h.growth,
            }
            for h in report.hot
        ],
        "rates": [
            {
                "department_code": r.code,
                "department_name": r.name,
                "orders": r.orders,
                "on_time": _rate(r.on_time),
                "resolution": _rate(r.resolution),
                "satisfaction": _rate(r.satisfaction),
            }
            for r in report.rates
        ],
        "map": {
            "points": [
                {
                    "id": p.order_id,
                    "number": p.number,
                    "latitude": p.latitude,
                    "longitude": p.longitude,
                    "status": p.status,
                    "topic": p.topic,
                }
                for p in report.map.points
            ],
            "total": report.map.total,
            "left_out": report.map.left_out,
        },
    }


@router.get("/analytics", response={200: AnalyticsOut, **ERRORS}, by_alias=True)
def analytics(
    request: HttpRequest,
    from_: QueryEx[str, P(alias="from", max_length=20, description="first day, YYYY-MM-DD")] = "",
    to: QueryEx[str, P(max_length=20, description="last day, YYYY-MM-DD (default today)")] = "",
    region: QueryEx[str, P(max_length=12, description="a region within the centre reach")] = "",
) -> Any:
    """The centre's figures (统计分析) for orders received from ``from`` to ``to`` (whole days,
    project time zone) in the caller's centre regions or one ``region`` within them: volume by
    day, topic, district, lead department, channel and category; hot topics of the week to
    ``to``; the 三率 per lead department with their counts; map points (capped, the rest
    counted). Centre staff only (403 otherwise); bad dates or a region outside the reach 422."""
    user = request.user
    reach = access.centre_reach(user)
    if not reach:
        raise DomainError(KernelCode.PERMISSION_DENIED, _("您没有执行此操作的权限。"), status=403)
    given = {"from": from_, "to": to, "region": region}
    form = AnalyticsForm(
        {ANALYTICS_PARAMS[k]: v for k, v in given.items() if v},
        regions=figures.region_choices(reach),
    )
    if not form.is_valid():
        names = {field: param for param, field in ANALYTICS_PARAMS.items()}
        errors = {names.get(f, f): [str(m) for m in ms] for f, ms in form.errors.items()}
        first = next(iter(errors.values()))[0]
        raise DomainError(ErrorCode.ORDER_INVALID, first, status=422, errors=errors)
    data = form.cleaned_data
    scope = frozenset({data["region"]}) if data.get("region") else reach
    return _analytics_out(figures.report(scope, data["window"]))
