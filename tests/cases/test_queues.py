"""The staff workbench's queries and API (issue 5): the queues per role and department (to
accept, open steps, due soon, overdue, clock stopped), case search with applicants masked
outside the handling department, and the handling endpoints (complete a step, instant
completion, suspend, resume) with every refusal and nothing changed behind it."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.test import Client

from tests.cases.support import FORM, PDF, assert_error, pointers, signed_in
from tests.factories import StaffFactory
from yiwang.cases import clock, handling, queues, services
from yiwang.cases.models import Case, CaseStatus, CaseTask, Decision, TaskStatus
from yiwang.kernel.models import AuditEntry

pytestmark = pytest.mark.django_db

API = "/api/v1/cases"


# --- fixtures and helpers -------------------------------------------------------------------


def submit_case(implementation: Any, applicant: Any, key: str, *, actor: Any = None) -> Case:
    """A case of ``applicant``'s, submitted (started by ``actor`` at a hall if given)."""
    if actor is None:
        case = services.start(actor=applicant, implementation_code=implementation.code)
    else:
        case = services.start(
            actor=actor, implementation_code=implementation.code, applicant=applicant
        )
    services.save_form(actor=applicant, case=case, form_data=dict(FORM))
    services.attach(actor=applicant, case=case, code="M01", stream=io.BytesIO(PDF), name="a.pdf")
    return services.submit(actor=applicant, case=case, idempotency_key=key)


@pytest.fixture
def submitted(published: Any, named_citizen: Any) -> Case:
    return submit_case(published, named_citizen, "k-1")


@pytest.fixture
def accepted(submitted: Case, clerk: Any) -> Case:
    """Accepted: the review step waits for an approver of the owning department."""
    return services.accept(actor=clerk, case=submitted)


def open_task(case: Case, step: str) -> CaseTask:
    return case.tasks.get(step=step, status=TaskStatus.OPEN)


def post(client: Client, url: str, data: Any = None) -> Any:
    return client.post(url, data or {}, content_type="application/json")


def snapshot(case: Case) -> tuple[Any, ...]:
    """What an action changes: the state, the clock, the steps, the timeline."""
    case.refresh_from_db()
    steps = tuple(case.tasks.order_by("pk").values_list("status", "outcome", "opinion"))
    return (
        case.status,
        case.decision,
        case.suspended_at,
        case.promised_due,
        steps,
        case.events.count(),
        AuditEntry.objects.count(),
    )


# --- the queues -----------------------------------------------------------------------------


def test_intake_queue_holds_the_departments_submitted_cases(
    submitted: Case, published: Any, citizen: Any, clerk: Any, outsider: Any
) -> None:
    draft = services.start(actor=citizen, implementation_code=published.code)

    assert list(queues.intake(clerk)) == [submitted]
    assert list(queues.intake(outsider)) == []
    assert draft not in queues.search(clerk)
    assert queues.counts(clerk)["intake"] == 1


def test_a_case_received_for_another_region_is_in_both_halls_intake_queues(
    licence_replacement: Any, citizen: Any, clerk: Any, outsider: Any
) -> None:
    """跨域通办: the 武昌 hall takes an application for 宜昌's service."""
    case = submit_case(licence_replacement, citizen, "x-1", actor=clerk)

    assert case.intake_department is not None
    assert list(queues.intake(clerk)) == [case]
    assert list(queues.intake(outsider)) == [case]


def test_tasks_queue_holds_the_open_steps_of_the_callers_role(
    accepted: Case, clerk: Any, approver: Any, outsider: Any
) -> None:
    assert [(t.case_id, t.step) for t in queues.tasks(approver)] == [(accepted.pk, "review")]
    assert list(queues.tasks(clerk)) == []
    assert list(queues.tasks(outsider)) == []
    assert "intake" not in queues.available(approver)
    assert queues.counts(approver) == {
        "tasks": 1,
        "due_soon": 0,
        "overdue": 0,
        "suspended": 0,
    }


def test_due_soon_overdue_and_suspended_queues_follow_the_clock(
    accepted: Case, published: Any, named_citizen: Any, clerk: Any, outsider: Any
) -> None:
    assert accepted.promised_due is not None
    other = services.accept(actor=clerk, case=submit_case(published, named_citizen, "k-2"))

    clock.mark_deadlines(today=accepted.promised_due + dt.timedelta(days=1))
    clock.suspend(actor=clerk, case=other, reason="需要专家评审")

    assert list(queues.overdue(clerk)) == [accepted, other]
    assert list(queues.suspended(clerk)) == [other]
    assert list(queues.due_soon(clerk)) == []
    assert list(queues.overdue(outsider)) == []

    clock.mark_deadlines(today=accepted.promised_due)
    assert list(queues.due_soon(clerk)) == [accepted]


def test_refine_filters_and_sorts_a_queue(
    published: Any, named_citizen: Any, clerk: Any, food_licence: Any
) -> None:
    first = submit_case(published, named_citizen, "k-1")
    second = submit_case(published, named_citizen, "k-2")

    rows = queues.refine(queues.intake(clerk), "intake", sort="-submitted")
    assert list(rows) == [second, first]
    assert second.case_no is not None
    rows = queues.refine(queues.intake(clerk), "intake", q=second.case_no[-4:])
    assert list(rows) == [second]
    assert list(queues.refine(queues.intake(clerk), "intake", q="食品经营")) == []


# --- search and masking ---------------------------------------------------------------------


def test_search_by_case_number_applicant_item_and_state(
    submitted: Case, accepted: Case, clerk: Any, named_citizen: Any
) -> None:
    assert accepted.case_no is not None
    assert list(queues.search(clerk, case_no=accepted.case_no[-7:])) == [accepted]
    assert list(queues.search(clerk, applicant="张小三")) == [accepted]
    assert list(queues.search(clerk, applicant="139 1234 5678")) == [accepted]
    assert list(queues.search(clerk, applicant="张小")) == []  # names match whole
    assert list(queues.search(clerk, item="个体工商户")) == [accepted]
    assert list(queues.search(clerk, status=CaseStatus.ACCEPTED)) == [accepted]
    assert list(queues.search(clerk, status=CaseStatus.REFUSED)) == []


def test_search_never_reaches_another_departments_cases(submitted: Case, outsider: Any) -> None:
    assert list(queues.search(outsider)) == []
    assert list(queues.search(outsider, applicant="张小三")) == []


def test_applicant_is_in_clear_only_for_the_handling_department(
    submitted: Case, clerk: Any, auditor: Any, other_department: Any
) -> None:
    joint = StaffFactory(username="joint", role="approver", department=other_department)
    CaseTask.objects.create(
        case=submitted, task_id="t", step="fire", name="消防审查", role="approver",
        department=other_department,
    )  # fmt: skip

    mine = queues.applicant_of(submitted, queues.Viewer.of(clerk))
    theirs = queues.applicant_of(submitted, queues.Viewer.of(joint))
    audited = queues.applicant_of(submitted, queues.Viewer.of(auditor))

    assert mine == {"name": "张小三", "mobile": "13912345678", "masked": False}
    assert theirs == {"name": "张*三", "mobile": "139****5678", "masked": True}
    assert audited["masked"] is True
    assert submitted in queues.search(joint)


# --- the API: queues and search -------------------------------------------------------------


def test_queue_endpoint_pages_the_callers_queue(
    accepted: Case, published: Any, named_citizen: Any, clerk: Any
) -> None:
    waiting = submit_case(published, named_citizen, "k-2")

    response = signed_in(clerk).get(f"{API}/queues/intake")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 1
    row = body["items"][0]
    assert row["id"] == waiting.pk and row["case_no"] == waiting.case_no
    assert row["applicant"] == {"name": "张小三", "mobile": "13912345678", "masked": False}
    assert row["status"] == "submitted" and row["task"] is None


def test_tasks_queue_endpoint_carries_each_step(accepted: Case, approver: Any) -> None:
    response = signed_in(approver).get(f"{API}/queues/tasks")

    assert response.status_code == 200, response.content
    [row] = response.json()["items"]
    assert row["id"] == accepted.pk
    assert row["task"]["step"] == "review"
    assert row["task"]["role"] == "approver" and row["task"]["role_label"] == "审批人员"
    assert row["promised_due"] == str(accepted.promised_due)


def test_queue_endpoint_reads_a_bounded_number_of_queries(
    published: Any, named_citizen: Any, clerk: Any, django_assert_max_num_queries: Any
) -> None:
    client = signed_in(clerk)
    submit_case(published, named_citizen, "k-0")
    with django_assert_max_num_queries(12) as one:
        assert client.get(f"{API}/queues/intake").json()["count"] == 1
    for n in range(1, 6):
        submit_case(published, named_citizen, f"k-{n}")

    with django_assert_max_num_queries(len(one.captured_queries)):
        assert client.get(f"{API}/queues/intake").json()["count"] == 6


def test_tasks_queue_endpoint_reads_a_bounded_number_of_queries(
    published: Any,
    named_citizen: Any,
    clerk: Any,
    approver: Any,
    django_assert_max_num_queries: Any,
) -> None:
    client = signed_in(approver)
    services.accept(actor=clerk, case=submit_case(published, named_citizen, "k-0"))
    with django_assert_max_num_queries(12) as one:
        assert client.get(f"{API}/queues/tasks").json()["count"] == 1
    for n in range(1, 6):
        services.accept(actor=clerk, case=submit_case(published, named_citizen, f"k-{n}"))

    with django_assert_max_num_queries(len(one.captured_queries)):
        assert client.get(f"{API}/queues/tasks").json()["count"] == 6


def test_queue_endpoint_filters_and_refuses_unknown_input(
    submitted: Case, clerk: Any, owning_department: Any
) -> None:
    client = signed_in(clerk)

    found = client.get(f"{API}/queues/intake", {"department": owning_department.code})
    assert found.json()["count"] == 1
    assert client.get(f"{API}/queues/intake", {"q": "不存在的事项"}).json()["count"] == 0
    body = assert_error(client.get(f"{API}/queues/elsewhere"), 422, "validation_error")
    assert pointers(body) == ["name"]
    body = assert_error(
        client.get(f"{API}/queues/intake", {"department": "NOPE"}), 422, "validation_error"
    )
    assert pointers(body) == ["department"]


def test_queue_endpoints_answer_401_and_403(submitted: Case, citizen: Any, approver: Any) -> None:
    assert_error(Client().get(f"{API}/queues/intake"), 401, "not_authenticated")
    assert_error(signed_in(citizen).get(f"{API}/queues/tasks"), 403, "permission_denied")
    assert_error(signed_in(citizen).get(f"{API}/search"), 403, "permission_denied")
    # an approver has no intake queue
    assert_error(signed_in(approver).get(f"{API}/queues/intake"), 403, "permission_denied")


def test_search_endpoint_masks_applicants_outside_the_handling_department(
    submitted: Case, auditor: Any, clerk: Any
) -> None:
    response = signed_in(auditor).get(f"{API}/search", {"applicant": "13912345678"})

    assert response.status_code == 200, response.content
    [row] = response.json()["items"]
    assert row["applicant"] == {"name": "张*三", "mobile": "139****5678", "masked": True}
    mine = signed_in(clerk).get(f"{API}/search", {"case_no": submitted.case_no or ""}).json()
    assert mine["items"][0]["applicant"]["masked"] is False


def test_search_endpoint_refuses_an_unknown_state(clerk: Any) -> None:
    body = assert_error(
        signed_in(clerk).get(f"{API}/search", {"status": "lost"}), 422, "validation_error"
    )
    assert pointers(body) == ["status"]


def test_outsider_finds_nothing(submitted: Case, outsider: Any) -> None:
    response = signed_in(outsider).get(f"{API}/search", {"case_no": submitted.case_no or ""})

    assert response.status_code == 200
    assert response.json() == {"items": [], "count": 0}


# --- the API: steps and actions -------------------------------------------------------------


def test_case_tasks_lists_open_and_done_steps(accepted: Case, clerk: Any, outsider: Any) -> None:
    response = signed_in(clerk).get(f"{API}/{accepted.pk}/tasks")

    assert response.status_code == 200, response.content
    steps = [(t["step"], t["status"]) for t in response.json()]
    assert steps == [("accept", "done"), ("review", "open")]
    assert response.json()[0]["completed_by"] == "clerk"
    assert_error(signed_in(outsider).get(f"{API}/{accepted.pk}/tasks"), 404, "not_found")
    assert_error(Client().get(f"{API}/{accepted.pk}/tasks"), 401, "not_authenticated")


def test_approver_works_the_steps_through_to_approval(accepted: Case, approver: Any) -> None:
    client = signed_in(approver)
    review = open_task(accepted, "review")

    response = post(
        client, f"{API}/{accepted.pk}/tasks/{review.pk}/complete", {"outcome": "approve"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "accepted"
    assert [(t["step"], t["status"]) for t in body["tasks"]][-1] == ("decide", "open")
    assert body["time_used"] == 0 and body["time_left"] == 5

    decide = open_task(accepted, "decide")
    response = post(
        client,
        f"{API}/{accepted.pk}/tasks/{decide.pk}/complete",
        {"outcome": "approve", "opinion": "材料齐全,准予"},
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "completed"
    assert response.json()["decision"] == "approve"
    accepted.refresh_from_db()
    assert accepted.status == CaseStatus.COMPLETED and accepted.decision == Decision.APPROVE
    assert AuditEntry.objects.filter(action="cases.task_completed").count() == 2


def test_a_step_returns_to_an_earlier_one(accepted: Case, approver: Any) -> None:
    client = signed_in(approver)
    handling.complete_task(actor=approver, task=open_task(accepted, "review"), outcome="approve")
    decide = open_task(accepted, "decide")

    response = post(
        client,
        f"{API}/{accepted.pk}/tasks/{decide.pk}/complete",
        {"outcome": "return", "opinion": "请重新审查经营场所", "return_to": "review"},
    )

    assert response.status_code == 200, response.content
    open_steps = [t["step"] for t in response.json()["tasks"] if t["status"] == "open"]
    assert open_steps == ["review"]


def test_disapproval_without_an_opinion_changes_nothing(accepted: Case, approver: Any) -> None:
    review = open_task(accepted, "review")
    before = snapshot(accepted)

    response = post(
        signed_in(approver),
        f"{API}/{accepted.pk}/tasks/{review.pk}/complete",
        {"outcome": "disapprove", "opinion": "  "},
    )

    body = assert_error(response, 422, "case_reason_required")
    assert pointers(body) == ["opinion"]
    assert snapshot(accepted) == before


def test_complete_refuses_a_bad_body_with_field_pointers(accepted: Case, approver: Any) -> None:
    review = open_task(accepted, "review")
    before = snapshot(accepted)
    url = f"{API}/{accepted.pk}/tasks/{review.pk}/complete"

    body = assert_error(
        post(signed_in(approver), url, {"outcome": "maybe"}), 422, "validation_error"
    )
    assert pointers(body) == ["payload.outcome"]  # schema errors name the body's field
    body = assert_error(
        post(signed_in(approver), url, {"outcome": "return", "opinion": "x", "return_to": "nope"}),
        422,
        "case_return_target_invalid",
    )
    assert pointers(body) == ["return_to"]
    assert snapshot(accepted) == before


def test_complete_answers_403_404_and_409_and_changes_nothing(
    accepted: Case, approver: Any, clerk: Any, outsider: Any
) -> None:
    review = open_task(accepted, "review")
    url = f"{API}/{accepted.pk}/tasks/{review.pk}/complete"
    before = snapshot(accepted)

    assert_error(post(Client(), url, {"outcome": "approve"}), 401, "not_authenticated")
    # a window clerk of the department sees the case but does not work an approver's step
    assert_error(post(signed_in(clerk), url, {"outcome": "approve"}), 403, "permission_denied")
    # another department's clerk does not see it at all
    assert_error(post(signed_in(outsider), url, {"outcome": "approve"}), 404, "not_found")
    # a step of another case
    other_url = f"{API}/{accepted.pk}/tasks/{review.pk + 1000}/complete"
    assert_error(post(signed_in(approver), other_url, {"outcome": "approve"}), 404, "not_found")
    assert snapshot(accepted) == before

    assert post(signed_in(approver), url, {"outcome": "approve"}).status_code == 200
    after = snapshot(accepted)
    body = assert_error(
        post(signed_in(approver), url, {"outcome": "approve"}),
        409,
        "case_status_transition_invalid",
    )
    assert body["details"]["status_now"] == "done"
    assert snapshot(accepted) == after


def test_suspend_and_resume_through_the_api(accepted: Case, clerk: Any) -> None:
    client = signed_in(clerk)

    response = post(client, f"{API}/{accepted.pk}/suspend", {"reason": "需要专家评审"})
    assert response.status_code == 200, response.content
    assert response.json()["suspended"] is True
    assert AuditEntry.objects.filter(action="cases.suspended", target_id=str(accepted.pk)).exists()

    response = post(client, f"{API}/{accepted.pk}/resume")
    assert response.status_code == 200, response.content
    assert response.json()["suspended"] is False
    assert AuditEntry.objects.filter(action="cases.resumed", target_id=str(accepted.pk)).exists()


def test_suspend_refusals_change_nothing(
    accepted: Case, submitted: Case, clerk: Any, outsider: Any, published: Any, named_citizen: Any
) -> None:
    before = snapshot(accepted)
    client = signed_in(clerk)

    body = assert_error(post(client, f"{API}/{accepted.pk}/suspend", {}), 422, "validation_error")
    assert pointers(body) == ["payload.reason"]
    body = assert_error(
        post(client, f"{API}/{accepted.pk}/suspend", {"reason": " "}), 422, "case_reason_required"
    )
    assert pointers(body) == ["reason"]
    assert_error(
        post(signed_in(outsider), f"{API}/{accepted.pk}/suspend", {"reason": "x"}), 404, "not_found"
    )
    assert_error(post(client, f"{API}/{accepted.pk}/resume"), 409, "case_status_transition_invalid")
    assert snapshot(accepted) == before

    waiting = submit_case(published, named_citizen, "k-2")
    assert_error(
        post(client, f"{API}/{waiting.pk}/suspend", {"reason": "x"}),
        409,
        "case_status_transition_invalid",
    )
    waiting.refresh_from_db()
    assert waiting.suspended_at is None


def test_instant_completion_through_the_api(
    licence_replacement: Any, published: Any, citizen: Any, outsider: Any, clerk: Any
) -> None:
    case = submit_case(licence_replacement, citizen, "i-1")

    response = post(signed_in(outsider), f"{API}/{case.pk}/instant")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "completed" and body["decision"] == "approve"
    assert AuditEntry.objects.filter(action="cases.instant_completed").count() == 1

    other = submit_case(published, citizen, "i-2")
    before = snapshot(other)
    assert_error(post(signed_in(clerk), f"{API}/{other.pk}/instant"), 409, "case_not_instant")
    assert_error(post(signed_in(outsider), f"{API}/{other.pk}/instant"), 404, "not_found")
    assert snapshot(other) == before
