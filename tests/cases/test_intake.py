"""Window intake (issue 5): accept (the clock starts, due dates in working days), refuse with a
reason, the one-time supplement request (一次性告知) and the applicant's resubmission.

Every refusal is checked for its code and for leaving the case unchanged."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.utils import timezone

from tests.cases.support import FORM, PDF, fields, refusal
from tests.factories import AccountFactory
from yiwang.cases import services
from yiwang.cases.models import Case, CaseStatus, SupplementRequest
from yiwang.kernel import calendar
from yiwang.kernel.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(published: Any, citizen: Any) -> Case:
    """A case of the citizen's, submitted and waiting in the intake queue."""
    case = services.start(actor=citizen, implementation_code=published.code)
    services.save_form(actor=citizen, case=case, form_data=dict(FORM))
    services.attach(actor=citizen, case=case, code="M01", stream=io.BytesIO(PDF), name="x.pdf")
    return services.submit(actor=citizen, case=case, idempotency_key="k-1")


def unchanged(case: Case) -> None:
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED
    assert case.accepted_at is None and case.promised_due is None and case.ended_at is None
    assert case.end_reason == ""


# --- accept ---------------------------------------------------------------------------------


def test_clerk_accepts_and_the_clock_starts(submitted: Case, clerk: Any) -> None:
    today = timezone.localdate()

    case = services.accept(actor=clerk, case=submitted)

    case.refresh_from_db()
    assert case.status == CaseStatus.ACCEPTED
    assert case.accepted_at is not None
    assert case.promised_due == calendar.add_working_days(today, 5)
    assert case.statutory_due == calendar.add_working_days(today, 15)
    assert case.promised_due < case.statutory_due
    event = case.events.get(kind="accepted")
    assert event.actor == clerk
    assert event.details["promised_due"] == case.promised_due.isoformat()
    assert AuditEntry.objects.filter(action="cases.accepted", target_id=str(case.pk)).count() == 1


def test_due_dates_skip_the_weekend(submitted: Case, clerk: Any, monkeypatch: Any) -> None:
    """Accepted on a Friday: five working days later is the next Friday, not Wednesday."""
    friday = dt.datetime(2026, 3, 13, 10, 0, tzinfo=timezone.get_current_timezone())
    monkeypatch.setattr(timezone, "now", lambda: friday)
    today = timezone.localdate()
    assert today == dt.date(2026, 3, 13)
    assert not calendar.is_workday(dt.date(2026, 3, 14))
    assert not calendar.is_workday(dt.date(2026, 3, 15))

    case = services.accept(actor=clerk, case=submitted)

    case.refresh_from_db()
    assert case.promised_due == calendar.add_working_days(today, 5) == dt.date(2026, 3, 20)
    assert case.statutory_due == calendar.add_working_days(today, 15)
    assert (case.statutory_due - today).days > 15  # weekends are not counted
    assert calendar.working_days_between(today, case.statutory_due) == 15


def test_outsider_cannot_accept(submitted: Case, outsider: Any) -> None:
    exc = refusal(services.accept, actor=outsider, case=submitted)

    assert exc.status == 403
    unchanged(submitted)
    assert not AuditEntry.objects.filter(action="cases.accepted").exists()


def test_applicant_cannot_accept_their_own_case(submitted: Case, citizen: Any) -> None:
    exc = refusal(services.accept, actor=citizen, case=submitted)

    assert exc.status == 403
    unchanged(submitted)


def test_accept_in_the_wrong_state_is_refused(
    submitted: Case, clerk: Any, published: Any, citizen: Any
) -> None:
    services.accept(actor=clerk, case=submitted)

    exc = refusal(services.accept, actor=clerk, case=submitted)
    assert exc.code == "case_status_transition_invalid"
    assert exc.status == 409
    assert exc.details["status_now"] == "accepted"
    assert submitted.events.filter(kind="accepted").count() == 1

    draft = services.start(actor=citizen, implementation_code=published.code)
    exc = refusal(services.accept, actor=clerk, case=draft)
    assert exc.code == "case_status_transition_invalid"
    draft.refresh_from_db()
    assert draft.status == CaseStatus.DRAFT and draft.accepted_at is None


# --- refuse ---------------------------------------------------------------------------------


def test_refuse_needs_a_reason(submitted: Case, clerk: Any) -> None:
    exc = refusal(services.refuse, actor=clerk, case=submitted, reason="  ")

    assert exc.code == "case_reason_required"
    assert fields(exc) == ["reason"]
    unchanged(submitted)


def test_clerk_refuses_with_a_reason(submitted: Case, clerk: Any) -> None:
    case = services.refuse(actor=clerk, case=submitted, reason=" 不属于本部门受理范围 ")

    case.refresh_from_db()
    assert case.status == CaseStatus.REFUSED
    assert case.end_reason == "不属于本部门受理范围"
    assert case.ended_at is not None
    assert case.events.get(kind="refused").note == "不属于本部门受理范围"
    assert AuditEntry.objects.filter(action="cases.refused", target_id=str(case.pk)).exists()

    exc = refusal(services.accept, actor=clerk, case=case)
    assert exc.code == "case_status_transition_invalid"


def test_outsider_cannot_refuse(submitted: Case, outsider: Any) -> None:
    exc = refusal(services.refuse, actor=outsider, case=submitted, reason="理由")

    assert exc.status == 403
    unchanged(submitted)


# --- supplements ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("items", "expected_fields"),
    [
        ([], ["items"]),
        ([{"field": " ", "reason": ""}], ["items"]),
        ([{"field": "materials.M01", "reason": ""}], ["items[0].reason"]),
        (
            [
                {"field": "materials.M01", "reason": "申请书未签字"},
                {"field": "form/shop_name", "reason": " "},
            ],
            ["items[1].reason"],
        ),
        # a blank row before a bad one: the error still points at the row the clerk wrote
        (
            [{"field": "", "reason": ""}, {"field": "materials.M01", "reason": ""}],
            ["items[1].reason"],
        ),
    ],
)
def test_supplement_request_needs_every_item_with_a_reason(
    submitted: Case, clerk: Any, items: list[dict[str, str]], expected_fields: list[str]
) -> None:
    exc = refusal(services.request_supplement, actor=clerk, case=submitted, items=items)

    assert exc.code == "case_supplement_empty"
    assert fields(exc) == expected_fields
    unchanged(submitted)
    assert not SupplementRequest.objects.exists()


def test_supplement_and_resubmit(submitted: Case, clerk: Any, citizen: Any) -> None:
    items = [
        {"field": "materials.M01", "reason": "申请书未签字"},
        {"field": "form/shop_name", "reason": "请填写店铺名称"},
    ]
    case = services.request_supplement(actor=clerk, case=submitted, items=items)

    case.refresh_from_db()
    assert case.status == CaseStatus.SUPPLEMENT
    request = SupplementRequest.objects.get(case=case)
    assert request.items == items
    assert request.requested_by == clerk and request.resolved_at is None
    assert case.events.get(kind="supplement_requested").details["items"] == items

    # the clerk cannot accept while the applicant is supplementing
    exc = refusal(services.accept, actor=clerk, case=case)
    assert exc.code == "case_status_transition_invalid"

    services.save_form(actor=citizen, case=case, form_data={**FORM, "shop_name": "张记小吃"})
    services.attach(actor=citizen, case=case, code="M01", stream=io.BytesIO(PDF), name="y.pdf")
    case = services.resubmit(actor=citizen, case=case)

    case.refresh_from_db()
    request.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED
    assert request.resolved_at is not None
    assert case.form_data["shop_name"] == "张记小吃"
    assert case.case_no is not None and case.idempotency_key == "k-1"
    assert [e.kind for e in case.events.all()][-2:] == ["supplement_requested", "resubmitted"]

    accepted = services.accept(actor=clerk, case=case)
    assert accepted.status == CaseStatus.ACCEPTED


def test_resubmit_is_checked_like_a_submission(submitted: Case, clerk: Any, citizen: Any) -> None:
    services.request_supplement(
        actor=clerk, case=submitted, items=[{"field": "form/id_number", "reason": "号码有误"}]
    )
    services.save_form(actor=citizen, case=submitted, form_data={"applicant_name": "张三"})

    exc = refusal(services.resubmit, actor=citizen, case=submitted)

    assert exc.code == "case_form_invalid"
    assert fields(exc) == ["form/id_number"]
    submitted.refresh_from_db()
    assert submitted.status == CaseStatus.SUPPLEMENT
    assert SupplementRequest.objects.get().resolved_at is None


def test_only_the_applicant_resubmits(submitted: Case, clerk: Any) -> None:
    services.request_supplement(
        actor=clerk, case=submitted, items=[{"field": "materials.M01", "reason": "不清晰"}]
    )
    stranger = AccountFactory(username="stranger")

    exc = refusal(services.resubmit, actor=stranger, case=submitted)

    assert exc.status == 404
    submitted.refresh_from_db()
    assert submitted.status == CaseStatus.SUPPLEMENT


def test_resubmit_without_a_supplement_request_is_refused(submitted: Case, citizen: Any) -> None:
    exc = refusal(services.resubmit, actor=citizen, case=submitted)

    assert exc.code == "case_status_transition_invalid"
    unchanged(submitted)


def test_outsider_cannot_request_supplements(submitted: Case, outsider: Any) -> None:
    exc = refusal(
        services.request_supplement,
        actor=outsider,
        case=submitted,
        items=[{"field": "materials.M01", "reason": "不清晰"}],
    )

    assert exc.status == 403
    unchanged(submitted)
    assert not SupplementRequest.objects.exists()
