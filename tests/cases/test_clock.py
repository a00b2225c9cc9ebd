"""The case clock (issue 5): suspension (特别程序) extends the due dates by the working days
the clock stood still; ``mark_deadlines`` marks running cases on time, due soon or overdue.

Dates are around National Day 2026 (1–7 October off, Saturday 10 October worked)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from tests.cases.support import FORM, PDF, fields, refusal
from yiwang.cases import clock, services
from yiwang.cases.models import Case, CaseStatus, CaseSuspension, DeadlineState
from yiwang.kernel import calendar
from yiwang.kernel.models import AuditEntry, OutboxEvent

pytestmark = pytest.mark.django_db


def on(monkeypatch: Any, day: dt.date, hour: int = 10) -> None:
    """Let it be ``day`` (local time) for the services."""
    moment = dt.datetime(day.year, day.month, day.day, hour, tzinfo=timezone.get_current_timezone())
    monkeypatch.setattr(timezone, "now", lambda: moment)


def submitted_case(published: Any, citizen: Any, key: str) -> Case:
    case = services.start(actor=citizen, implementation_code=published.code)
    services.save_form(actor=citizen, case=case, form_data=dict(FORM))
    services.attach(actor=citizen, case=case, code="M01", stream=io.BytesIO(PDF), name="x.pdf")
    return services.submit(actor=citizen, case=case, idempotency_key=key)


def accepted_on(
    day: dt.date, monkeypatch: Any, published: Any, citizen: Any, clerk: Any, key: str
) -> Case:
    on(monkeypatch, day)
    case = services.accept(actor=clerk, case=submitted_case(published, citizen, key))
    case.refresh_from_db()
    return case


@pytest.fixture
def accepted(monkeypatch: Any, published: Any, citizen: Any, clerk: Any) -> Case:
    """Accepted on Monday 28 September 2026: five working days later is Saturday 10 October
    (a worked Saturday after the holiday)."""
    case = accepted_on(dt.date(2026, 9, 28), monkeypatch, published, citizen, clerk, "k-1")
    assert case.promised_due == dt.date(2026, 10, 10)
    assert case.statutory_due == calendar.add_working_days(dt.date(2026, 9, 28), 15)
    return case


def unchanged(case: Case, promised: dt.date | None, statutory: dt.date | None) -> None:
    case.refresh_from_db()
    assert case.status == CaseStatus.ACCEPTED
    assert case.suspended_at is None and case.suspended_days == 0
    assert case.promised_due == promised and case.statutory_due == statutory
    assert not CaseSuspension.objects.filter(case=case).exists()


# --- suspend and resume ---------------------------------------------------------------------


def test_suspension_over_the_holiday_moves_both_due_dates(
    accepted: Case, clerk: Any, monkeypatch: Any
) -> None:
    statutory_before = accepted.statutory_due
    assert statutory_before is not None
    on(monkeypatch, dt.date(2026, 9, 30))  # Wednesday, the last working day before the holiday

    case = clock.suspend(actor=clerk, case=accepted, reason=" 需要现场核查 ")

    case.refresh_from_db()
    assert case.suspended_at is not None
    suspension = CaseSuspension.objects.get(case=case)
    assert suspension.reason == "需要现场核查" and suspension.started_by == clerk
    assert suspension.ended_at is None
    assert case.events.get(kind="suspended").note == "需要现场核查"
    assert AuditEntry.objects.filter(action="cases.suspended", target_id=str(case.pk)).exists()
    assert clock.time_used_and_left(case, dt.date(2026, 10, 9)) == (2, 3)  # 29, 30 Sept used

    # Monday 12 October: 8, 9, 10 (worked Saturday) and 12 October stood still; the
    # holiday week and Sunday 11 October are not working days and do not count.
    on(monkeypatch, dt.date(2026, 10, 12))
    case = clock.resume(actor=clerk, case=case)

    case.refresh_from_db()
    suspension.refresh_from_db()
    assert suspension.working_days == 4
    assert suspension.ended_by == clerk and suspension.ended_at is not None
    assert case.suspended_at is None and case.suspended_days == 4
    # 10 October + 4 working days (12, 13, 14, 15): Thursday 15 October
    assert case.promised_due == dt.date(2026, 10, 15)
    assert case.statutory_due == calendar.add_working_days(statutory_before, 4)
    assert calendar.working_days_between(statutory_before, case.statutory_due) == 4
    event = case.events.get(kind="resumed")
    assert event.details == {
        "working_days": 4,
        "promised_due": "2026-10-15",
        "statutory_due": case.statutory_due.isoformat(),
    }
    assert AuditEntry.objects.filter(action="cases.resumed", target_id=str(case.pk)).exists()
    # used: 29, 30 Sept (2) and 13 Oct (1); the 5-day promise leaves 2
    assert clock.time_used_and_left(case, dt.date(2026, 10, 13)) == (3, 2)


def test_suspension_over_a_weekend(
    monkeypatch: Any, published: Any, citizen: Any, clerk: Any
) -> None:
    """Suspended on Friday 16 October, resumed Monday 19 October: one working day."""
    case = accepted_on(dt.date(2026, 10, 14), monkeypatch, published, citizen, clerk, "k-w")
    assert case.promised_due == dt.date(2026, 10, 21)
    on(monkeypatch, dt.date(2026, 10, 16))
    clock.suspend(actor=clerk, case=case, reason="等待鉴定结果")
    on(monkeypatch, dt.date(2026, 10, 19))

    clock.resume(actor=clerk, case=case)

    case.refresh_from_db()
    assert case.suspended_days == 1
    assert case.promised_due == dt.date(2026, 10, 22)


def test_suspend_needs_an_accepted_case(
    published: Any, citizen: Any, clerk: Any, monkeypatch: Any
) -> None:
    on(monkeypatch, dt.date(2026, 9, 28))
    case = submitted_case(published, citizen, "k-s")

    exc = refusal(clock.suspend, actor=clerk, case=case, reason="需要现场核查")

    assert exc.code == "case_status_transition_invalid"
    assert exc.status == 409
    assert exc.details["status_now"] == "submitted"
    case.refresh_from_db()
    assert case.suspended_at is None
    assert not CaseSuspension.objects.exists()


def test_suspend_needs_a_reason(accepted: Case, clerk: Any) -> None:
    exc = refusal(clock.suspend, actor=clerk, case=accepted, reason="   ")

    assert exc.code == "case_reason_required"
    assert exc.status == 422
    assert fields(exc) == ["reason"]
    unchanged(accepted, accepted.promised_due, accepted.statutory_due)


def test_outsider_cannot_suspend_or_resume(accepted: Case, outsider: Any, citizen: Any) -> None:
    for actor in (outsider, citizen):
        exc = refusal(clock.suspend, actor=actor, case=accepted, reason="需要现场核查")
        assert exc.status == 403
        exc = refusal(clock.resume, actor=actor, case=accepted)
        assert exc.status == 403
    unchanged(accepted, accepted.promised_due, accepted.statutory_due)
    assert not AuditEntry.objects.filter(action="cases.suspended").exists()


def test_suspend_twice_and_resume_unsuspended_are_refused(
    accepted: Case, clerk: Any, monkeypatch: Any
) -> None:
    exc = refusal(clock.resume, actor=clerk, case=accepted)
    assert exc.code == "case_status_transition_invalid" and exc.status == 409
    unchanged(accepted, accepted.promised_due, accepted.statutory_due)

    clock.suspend(actor=clerk, case=accepted, reason="需要现场核查")
    exc = refusal(clock.suspend, actor=clerk, case=accepted, reason="再来一次")

    assert exc.code == "case_status_transition_invalid"
    assert exc.status == 409
    assert CaseSuspension.objects.filter(case=accepted).count() == 1
    assert accepted.events.filter(kind="suspended").count() == 1


# --- deadline marking ------------------------------------------------------------------------


def test_mark_deadlines_sets_each_state_once(
    monkeypatch: Any, published: Any, citizen: Any, clerk: Any
) -> None:
    late = accepted_on(dt.date(2026, 9, 14), monkeypatch, published, citizen, clerk, "k-a")
    soon = accepted_on(dt.date(2026, 9, 28), monkeypatch, published, citizen, clerk, "k-b")
    fresh = accepted_on(dt.date(2026, 10, 8), monkeypatch, published, citizen, clerk, "k-c")
    paused = accepted_on(dt.date(2026, 9, 14), monkeypatch, published, citizen, clerk, "k-d")
    clock.suspend(actor=clerk, case=paused, reason="需要现场核查")
    waiting = submitted_case(published, citizen, "k-e")
    assert (late.promised_due, soon.promised_due, fresh.promised_due) == (
        dt.date(2026, 9, 20),  # Sunday 20 September 2026 is a worked day
        dt.date(2026, 10, 10),
        dt.date(2026, 10, 14),
    )
    before = OutboxEvent.objects.filter(topic="cases.deadline_changed").count()

    counts = clock.mark_deadlines(today=dt.date(2026, 10, 8))

    assert counts == {"checked": 3, "overdue": 1, "due_soon": 1, "on_time": 0}
    states = dict(Case.objects.values_list("pk", "deadline_state"))
    assert states[late.pk] == DeadlineState.OVERDUE
    assert states[soon.pk] == DeadlineState.DUE_SOON  # 9 and 10 October left
    assert states[fresh.pk] == DeadlineState.ON_TIME  # six working days left
    assert states[paused.pk] == DeadlineState.ON_TIME  # its clock stands still
    assert states[waiting.pk] == DeadlineState.ON_TIME  # not accepted
    emitted = OutboxEvent.objects.filter(topic="cases.deadline_changed").order_by("id")
    assert emitted.count() == before + 2
    assert {(e.payload["case_no"], e.payload["to"]) for e in emitted} == {
        (late.case_no, "overdue"),
        (soon.case_no, "due_soon"),
    }
    late.refresh_from_db()
    assert late.get_deadline_state_display() == "已超期"

    # the same day again: nothing changes, nothing is emitted
    assert clock.mark_deadlines(today=dt.date(2026, 10, 8)) == {
        "checked": 3,
        "overdue": 0,
        "due_soon": 0,
        "on_time": 0,
    }
    assert OutboxEvent.objects.filter(topic="cases.deadline_changed").count() == before + 2

    # a few days on: the due-soon case is overdue, the fresh one due soon
    counts = clock.mark_deadlines(today=dt.date(2026, 10, 13))
    assert counts == {"checked": 3, "overdue": 1, "due_soon": 1, "on_time": 0}
    states = dict(Case.objects.values_list("pk", "deadline_state"))
    assert states[soon.pk] == DeadlineState.OVERDUE
    assert states[fresh.pk] == DeadlineState.DUE_SOON


def test_suspended_case_is_not_marked_overdue(accepted: Case, clerk: Any, monkeypatch: Any) -> None:
    """Marked due soon, then suspended over its due date: while the clock stands still the
    job leaves it alone, and after resumption the later due date keeps it due soon."""
    assert clock.mark_deadlines(today=dt.date(2026, 10, 8))["due_soon"] == 1
    on(monkeypatch, dt.date(2026, 10, 8))
    clock.suspend(actor=clerk, case=accepted, reason="需要专家评审")
    assert clock.mark_deadlines(today=dt.date(2026, 10, 12))["checked"] == 0
    on(monkeypatch, dt.date(2026, 10, 14))
    clock.resume(actor=clerk, case=accepted)  # 9, 10, 12, 13, 14: five days

    counts = clock.mark_deadlines(today=dt.date(2026, 10, 14))

    accepted.refresh_from_db()
    assert accepted.promised_due == dt.date(2026, 10, 16)  # 10 October + five working days
    assert counts == {"checked": 1, "overdue": 0, "due_soon": 0, "on_time": 0}
    assert accepted.deadline_state == DeadlineState.DUE_SOON
    assert clock.time_used_and_left(accepted, dt.date(2026, 10, 14)) == (3, 2)


def test_command_prints_the_counts(
    monkeypatch: Any, published: Any, citizen: Any, clerk: Any
) -> None:
    accepted_on(dt.date(2026, 9, 14), monkeypatch, published, citizen, clerk, "k-a")
    out = io.StringIO()

    call_command("cases", "mark-deadlines", "--date", "2026-10-08", stdout=out)

    assert out.getvalue().strip() == ("checked 1 cases; now overdue: 1, due soon: 0, on time: 0")
    out = io.StringIO()
    call_command("cases", "mark-deadlines", "--date", "2026-10-08", stdout=out)
    assert "now overdue: 0, due soon: 0, on time: 0" in out.getvalue()

    with pytest.raises(CommandError):
        call_command("cases", "mark-deadlines", "--date", "8 Oct", stdout=out)
