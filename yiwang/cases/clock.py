"""The case clock: suspension (特别程序) and deadline marking.

* ``suspend`` stops the clock of an accepted case (with a reason); ``resume`` restarts it.
  The working days in between, counted like every time limit (``calendar.working_days_between``:
  the day of suspension not counted, the day of resumption counted), are added to
  ``suspended_days`` and push both due dates forward by as many working days.
* ``mark_deadlines`` (a periodic job: ``yiwang cases mark-deadlines``) sets each running case's
  ``deadline_state`` from ``promised_due``: overdue after it, due soon within a few working
  days of it, else on time. It only writes where the state changes, so a second run does
  nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.cases import notify, permissions
from yiwang.cases.errors import ErrorCode
from yiwang.cases.models import Case, CaseStatus, CaseSuspension, DeadlineState
from yiwang.cases.services import (
    _denied,
    _event,
    _field_errors,
    _locked,
    _parent_follows,
    _transition,
)
from yiwang.kernel import calendar, events
from yiwang.kernel.permissions import can


def _require_clock_staff(actor: Any, case: Case) -> None:
    if not (
        can(actor, permissions.HANDLE, department=case.department)
        or can(actor, permissions.INTAKE, department=case.department)
    ):
        raise _denied()


@transaction.atomic
def suspend(*, actor: Any, case: Case, reason: str) -> Case:
    """特别程序: stop the clock of an accepted case, with the reason the applicant reads."""
    case = _locked(case)
    _require_clock_staff(actor, case)
    if case.status != CaseStatus.ACCEPTED or case.suspended_at is not None:
        raise _transition(
            case, _("再次暂停计时") if case.suspended_at is not None else _("暂停计时")
        )
    reason = reason.strip()
    if not reason:
        raise _field_errors(
            ErrorCode.REASON_REQUIRED,
            [{"field": "reason", "code": "required", "message": _("请写明暂停计时的理由。")}],
        )
    now = timezone.now()
    CaseSuspension.objects.create(case=case, reason=reason, started_at=now, started_by=actor)
    case.suspended_at = now
    case.save(update_fields=["suspended_at", "updated_at"])
    _event(case, actor, "suspended", note=reason)
    notify.notify(case, "suspended", _("暂停计时(特别程序):%(reason)s") % {"reason": reason})
    _parent_follows(case, actor)
    return case


@transaction.atomic
def resume(*, actor: Any, case: Case) -> Case:
    """End the open suspension: its working days extend both due dates."""
    case = _locked(case)
    _require_clock_staff(actor, case)
    suspension = case.suspensions.filter(ended_at__isnull=True).order_by("-started_at").first()
    if case.status != CaseStatus.ACCEPTED or case.suspended_at is None or suspension is None:
        raise _transition(case, _("恢复计时"))
    now = timezone.now()
    working = calendar.WorkingCalendar()
    days = max(
        0,
        working.working_days_between(
            timezone.localdate(suspension.started_at), timezone.localdate(now)
        ),
    )
    suspension.ended_at = now
    suspension.ended_by = actor
    suspension.working_days = days
    suspension.save(update_fields=["ended_at", "ended_by", "working_days"])
    case.suspended_at = None
    case.suspended_days += days
    if case.promised_due is not None:
        case.promised_due = working.add_working_days(case.promised_due, days)
    if case.statutory_due is not None:
        case.statutory_due = working.add_working_days(case.statutory_due, days)
    case.save(
        update_fields=[
            "suspended_at",
            "suspended_days",
            "promised_due",
            "statutory_due",
            "updated_at",
        ]
    )
    _event(
        case,
        actor,
        "resumed",
        working_days=days,
        promised_due=str(case.promised_due or ""),
        statutory_due=str(case.statutory_due or ""),
    )
    notify.notify(
        case,
        "resumed",
        _("恢复计时,承诺办结日期顺延至 %(due)s。") % {"due": case.promised_due or "-"},
    )
    _parent_follows(case, actor)
    return case


def time_used_and_left(case: Case, today: dt.date | None = None) -> tuple[int, int | None]:
    """Working days used since acceptance (suspensions not counted, an ongoing one
    included) and the working days left of the promised limit (None without a limit, or
    before acceptance; negative when overdue)."""
    if case.accepted_at is None:
        return 0, None
    today = today or timezone.localdate()
    working = calendar.WorkingCalendar()
    elapsed = working.working_days_between(timezone.localdate(case.accepted_at), today)
    suspended = case.suspended_days
    if case.suspended_at is not None:
        suspended += max(
            0, working.working_days_between(timezone.localdate(case.suspended_at), today)
        )
    used = max(0, elapsed - suspended)
    if case.promised_due is None:
        return used, None
    # Left: working days from today (or from the start of an ongoing suspension: the clock
    # stands still) to the promised due date, which finished suspensions pushed forward;
    # negative once it has passed.
    since = timezone.localdate(case.suspended_at) if case.suspended_at is not None else today
    if since <= case.promised_due:
        return used, working.working_days_between(since, case.promised_due)
    return used, -working.working_days_between(case.promised_due, since)


def deadline_state(
    case: Case,
    today: dt.date,
    due_soon_days: int = 2,
    working: calendar.WorkingCalendar | None = None,
) -> str:
    """What ``mark_deadlines`` would mark this case (by its promised due date)."""
    due = case.promised_due or case.statutory_due
    if due is None:
        return DeadlineState.ON_TIME
    if today > due:
        return DeadlineState.OVERDUE
    working = working or calendar.WorkingCalendar()
    if working.working_days_between(today, due) <= due_soon_days:
        return DeadlineState.DUE_SOON
    return DeadlineState.ON_TIME


@transaction.atomic
def mark_deadlines(today: dt.date | None = None, due_soon_days: int = 2) -> dict[str, int]:
    """Mark every accepted, running (not suspended) case on time, due soon or overdue.
    Returns how many cases changed to each state (plus ``checked``, the cases looked at)."""
    today = today or timezone.localdate()
    working = calendar.WorkingCalendar()
    running = Case.objects.filter(status=CaseStatus.ACCEPTED, suspended_at__isnull=True)
    changes: dict[str, list[tuple[int, str | None, int, str]]] = {
        s: [] for s in DeadlineState.values
    }
    checked = 0
    for pk, case_no, department_id, old, promised, statutory in running.values_list(
        "pk", "case_no", "department_id", "deadline_state", "promised_due", "statutory_due"
    ).order_by("pk"):
        checked += 1
        probe = Case(promised_due=promised, statutory_due=statutory)
        new = deadline_state(probe, today, due_soon_days, working)
        if new != old:
            changes[new].append((pk, case_no, department_id, old))
    counts: dict[str, int] = {"checked": checked}
    for state, rows in changes.items():
        counts[state] = len(rows)
        if not rows:
            continue
        Case.objects.filter(pk__in=[row[0] for row in rows]).update(
            deadline_state=state, updated_at=timezone.now()
        )
        for _pk, case_no, department_id, old in rows:
            events.emit(
                "cases.deadline_changed",
                {
                    "case_no": case_no,
                    "department": department_id,
                    "from": old,
                    "to": state,
                    "date": today.isoformat(),
                },
            )
    return counts
