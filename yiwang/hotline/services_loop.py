"""并单, 回访, 评价, 重办: duplicates, the callback, the citizen's rating and reopening."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.hotline import access, permissions
from yiwang.hotline.errors import ErrorCode
from yiwang.hotline.models import (
    AssignmentStatus,
    Feedback,
    OrderStatus,
    WorkOrder,
)
from yiwang.hotline.services_common import event, locked, reason, require_centre, transition
from yiwang.hotline.services_intake import _dispatch
from yiwang.kernel import audit, calendar, events
from yiwang.kernel.errors import DomainError

#: Orders this close (metres) on the same topic are suggested for merging.
SIMILAR_METRES = 300
#: ... when filed within this many hours of each other.
SIMILAR_HOURS = 72
#: Orders that can still be merged (into another, or be the target).
MERGEABLE = (
    OrderStatus.RECEIVED,
    OrderStatus.DISPATCHED,
    OrderStatus.IN_PROGRESS,
    OrderStatus.REOPENED,
)
EARTH_RADIUS_M = 6_371_000


def reopen_days() -> int:
    return int(settings.YIWANG_HOTLINE_REOPEN_DAYS)


def metres(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """The haversine distance between two WGS-84 points."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def similar_orders(order: WorkOrder) -> list[WorkOrder]:
    """Orders on the same topic within :data:`SIMILAR_METRES` (or at the same address) filed
    within :data:`SIMILAR_HOURS` of ``order``, nearest first; none when it has no topic."""
    topic_id = order.topic_id or order.proposed_topic_id
    if topic_id is None:
        return []
    window = dt.timedelta(hours=SIMILAR_HOURS)
    candidates = (
        WorkOrder.objects.filter(
            topic_id=topic_id,
            status__in=MERGEABLE,
            created_at__gte=order.created_at - window,
            created_at__lte=order.created_at + window,
        )
        .exclude(pk=order.pk)
        .select_related("topic", "region")
    )
    address = (order.address or "").strip()
    found: list[tuple[float, WorkOrder]] = []
    for other in candidates:
        if order.latitude is not None and other.latitude is not None:
            distance = metres(
                float(order.latitude),
                float(order.longitude or 0),
                float(other.latitude),
                float(other.longitude or 0),
            )
            if distance <= SIMILAR_METRES:
                found.append((distance, other))
                continue
        if address and other.address.strip() == address:
            found.append((0.0, other))
    return [o for _d, o in sorted(found, key=lambda pair: (pair[0], pair[1].created_at))]


@audit.refusals_recorded("hotline.merge")
@transaction.atomic
def merge(*, actor: Any, target: WorkOrder, orders: Sequence[WorkOrder]) -> WorkOrder:
    """并单: ``orders`` follow ``target``'s handling; each of their citizens gets its answer."""
    target = locked(target)
    require_centre(actor, target, permissions.INTAKE)
    if target.status not in MERGEABLE:
        raise transition(target, _("作为并单目标"))
    if not orders:
        raise DomainError(ErrorCode.MERGE_INVALID, _("请选择要合并的工单。"), status=422)
    merged: list[WorkOrder] = []
    for candidate in orders:
        order = locked(candidate)
        if not access.is_centre(actor, order, permissions.INTAKE):
            raise access.not_found()
        if order.pk == target.pk or order.status not in MERGEABLE:
            raise DomainError(
                ErrorCode.MERGE_INVALID,
                _("工单%(no)s不能合并。") % {"no": order.number},
                status=409,
                number=order.number,
            )
        order.assignments.filter(status__in=access.ACTIVE).update(status=AssignmentStatus.WITHDRAWN)
        order.status = OrderStatus.MERGED
        order.merged_into = target
        order.save(update_fields=["status", "merged_into", "updated_at"])
        event(
            order,
            actor,
            "merged",
            _("已并入工单%(no)s一并办理。") % {"no": target.number},
            target=target.number,
        )
        merged.append(order)
    event(
        target,
        actor,
        "merge_target",
        public=False,
        merged=[o.number for o in merged],
    )
    events.emit(
        "hotline.merged",
        {"order_id": target.pk, "merged_ids": [o.pk for o in merged]},
    )
    return target


def _score(score: Any) -> int:
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
        message = _("满意度应为 1 至 5 的整数。")
        raise DomainError(
            ErrorCode.RATING_INVALID, message, status=422, errors={"score": [message]}
        )
    return int(score)


def _feedback(
    order: WorkOrder, actor: Any, score: int, resolved: bool, comment: str, by_callback: bool
) -> Feedback:
    if len((comment or "").strip()) > 2000:
        message = _("内容过长（最多 %(max)d 字）。") % {"max": 2000}
        raise DomainError(
            ErrorCode.TEXT_TOO_LONG, message, status=422, errors={"comment": [message]}
        )
    if Feedback.objects.filter(order=order, round=order.reopen_count).exists():
        raise DomainError(ErrorCode.ALREADY_RATED, _("本轮办理已评价过。"), status=409)
    try:
        with transaction.atomic():
            feedback = Feedback.objects.create(
                order=order,
                round=order.reopen_count,
                score=score,
                resolved=resolved,
                comment=(comment or "").strip(),
                by_callback=by_callback,
                created_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
    except IntegrityError:
        raise DomainError(ErrorCode.ALREADY_RATED, _("本轮办理已评价过。"), status=409) from None
    order.status = OrderStatus.CLOSED
    order.closed_at = timezone.now()
    order.save(update_fields=["status", "closed_at", "updated_at"])
    event(
        order,
        actor,
        "callback" if by_callback else "rated",
        feedback.comment,
        score=score,
        resolved=resolved,
        round=feedback.round,
    )
    events.emit(
        "hotline.rated",
        {
            "order_id": order.pk,
            "score": score,
            "resolved": resolved,
            "by_callback": by_callback,
            "lead_department_id": order.lead_department_id,
        },
    )
    return feedback


@audit.refusals_recorded("hotline.callback")
@transaction.atomic
def record_callback(
    *, actor: Any, order: WorkOrder, score: Any, resolved: bool = True, comment: str = ""
) -> Feedback:
    """回访: the centre calls the citizen back after completion and records what they said."""
    order = locked(order)
    require_centre(actor, order, permissions.INTAKE)
    score = _score(score)
    if order.status == OrderStatus.CLOSED:
        raise DomainError(ErrorCode.ALREADY_RATED, _("本轮办理已评价过。"), status=409)
    if order.status != OrderStatus.COMPLETED:
        raise transition(order, _("回访"))
    return _feedback(order, actor, score, resolved, comment, by_callback=True)


def _own(actor: Any, order: WorkOrder) -> None:
    if order.citizen_id is None or getattr(actor, "pk", None) != order.citizen_id:
        raise access.not_found()


@audit.refusals_recorded("hotline.rate")
@transaction.atomic
def rate(
    *, actor: Any, order: WorkOrder, score: Any, comment: str = "", resolved: bool | None = None
) -> Feedback:
    """评价 by the order's citizen (five levels) after completion; the order is then closed."""
    order = locked(order)
    _own(actor, order)
    score = _score(score)
    if order.status == OrderStatus.CLOSED:
        raise DomainError(ErrorCode.ALREADY_RATED, _("本轮办理已评价过。"), status=409)
    if order.status != OrderStatus.COMPLETED:
        raise transition(order, _("评价"))
    return _feedback(
        order, actor, score, score >= 3 if resolved is None else resolved, comment, False
    )


@audit.refusals_recorded("hotline.reopen")
@transaction.atomic
def reopen(*, actor: Any, order: WorkOrder, reason_text: str) -> WorkOrder:
    """重办: an unsatisfied citizen (rated 2 or less) asks again within
    YIWANG_HOTLINE_REOPEN_DAYS working days of closing; the order goes back to its lead."""
    order = locked(order)
    _own(actor, order)
    why = reason(reason_text)
    feedback = Feedback.objects.filter(order=order, round=order.reopen_count).first()
    if order.status != OrderStatus.CLOSED or feedback is None:
        raise transition(order, _("申请重办"))
    if feedback.score > 2:
        raise DomainError(
            ErrorCode.STATUS_TRANSITION,
            _("只有评价为不满意的工单可以申请重办。"),
            status=409,
            status_now=order.status,
        )
    closed_on = timezone.localtime(order.closed_at or timezone.now()).date()
    if calendar.working_days_between(closed_on, timezone.localdate()) > reopen_days():
        raise DomainError(
            ErrorCode.REOPEN_CLOSED,
            _("已超过申请重办的期限（办结后 %(days)d 个工作日内）。") % {"days": reopen_days()},
            status=409,
        )
    order.status = OrderStatus.REOPENED
    order.reopen_count += 1
    order.closed_at = None
    order.completed_at = None
    order.save(update_fields=["status", "reopen_count", "closed_at", "completed_at", "updated_at"])
    event(order, actor, "reopened", why, round=order.reopen_count)
    lead = order.lead_department
    if lead is not None:
        _dispatch(order, actor=actor, lead=lead, supporting=[], kind="redispatched")
    return order
