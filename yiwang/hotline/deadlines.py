"""Time limits of work orders: signing for (签收) and handling (办理), per category × urgency
(:class:`~yiwang.hotline.models.DeadlineRule`, configurable; the defaults below apply when no
rule is kept), counted in working days (the kernel's calendar: the day of dispatch is not
counted, the order is due at the end of the last working day) or in hours.

``mark_deadlines`` (``yiwang hotline mark-deadlines``, run periodically) sets each open order's
``deadline_state``: overdue after ``due_at``, due soon when less than a quarter of the time
allowed (at most :data:`DUE_SOON_HOURS`) is left, else on time. It writes only where the state
changes and emits ``hotline.deadline_changed`` for each such order, so a second run does
nothing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from yiwang.hotline.models import (
    Category,
    DeadlineRule,
    DeadlineState,
    DeadlineUnit,
    OrderStatus,
    Urgency,
    WorkOrder,
)
from yiwang.kernel import audit, calendar, events

#: At most this many hours before the deadline an order counts as due soon.
DUE_SOON_HOURS = 24

#: Orders whose clock runs.
RUNNING = (OrderStatus.DISPATCHED, OrderStatus.IN_PROGRESS, OrderStatus.REOPENED)


@dataclass(frozen=True)
class Limit:
    amount: int
    unit: str
    sign_hours: int


def default_limit(category: str, urgency: str) -> Limit:
    """The issue's defaults: urgent the same day (8 hours), critical 2 hours, consultations 3
    working days, complaints 13, the rest 10."""
    if urgency == Urgency.CRITICAL:
        return Limit(2, DeadlineUnit.HOURS, 1)
    if urgency == Urgency.URGENT:
        return Limit(8, DeadlineUnit.HOURS, 1)
    days = {Category.CONSULTATION: 3, Category.COMPLAINT: 13}.get(Category(category), 10)
    return Limit(days, DeadlineUnit.WORKING_DAYS, 2)


def limit_for(category: str, urgency: str) -> Limit:
    rule = DeadlineRule.objects.filter(category=category, urgency=urgency).first()
    if rule is None:
        return default_limit(category, urgency)
    return Limit(rule.amount, rule.unit, rule.sign_hours)


def add(start: dt.datetime, amount: int, unit: str) -> dt.datetime:
    """``amount`` hours or working days after ``start``."""
    if unit == DeadlineUnit.HOURS:
        return start + dt.timedelta(hours=amount)
    local = timezone.localtime(start)
    day = calendar.add_working_days(local.date(), amount)
    end = dt.datetime.combine(day, dt.time(23, 59, 59))
    return timezone.make_aware(end, timezone.get_current_timezone())


def state_at(start: dt.datetime | None, due: dt.datetime | None, now: dt.datetime) -> str:
    if due is None:
        return DeadlineState.ON_TIME
    if now > due:
        return DeadlineState.OVERDUE
    span = (due - start) if start is not None else dt.timedelta(hours=DUE_SOON_HOURS * 4)
    window = min(dt.timedelta(hours=DUE_SOON_HOURS), span / 4)
    if due - now <= window:
        return DeadlineState.DUE_SOON
    return DeadlineState.ON_TIME


def seconds_left(order: WorkOrder, now: dt.datetime | None = None) -> int | None:
    """Seconds until the order is due (negative when overdue); None when no clock runs."""
    if order.due_at is None or order.status not in RUNNING:
        return None
    return int((order.due_at - (now or timezone.now())).total_seconds())


def mark_deadlines(now: dt.datetime | None = None) -> int:
    """Set each running order's deadline state; returns how many changed."""
    now = now or timezone.now()
    changed = 0
    running = WorkOrder.objects.filter(status__in=RUNNING, due_at__isnull=False)
    for order_id in running.values_list("pk", flat=True).iterator():
        with transaction.atomic():
            order = WorkOrder.objects.select_for_update().filter(pk=order_id).first()
            if order is None or order.status not in RUNNING:
                continue
            state = state_at(order.dispatched_at, order.due_at, now)
            if state == order.deadline_state:
                continue
            before = order.deadline_state
            order.deadline_state = state
            order.save(update_fields=["deadline_state", "updated_at"])
            audit.record(
                "hotline.deadline_changed",
                actor="system",
                target=order,
                details={"number": order.number, "from": before, "to": state},
            )
            events.emit(
                "hotline.deadline_changed",
                {
                    "order_id": order.pk,
                    "number": order.number,
                    "from": before,
                    "to": state,
                    "lead_department_id": order.lead_department_id,
                },
            )
            changed += 1
    return changed
