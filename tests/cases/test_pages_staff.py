"""The staff workbench pages (issue 5): queues as tabs, search, the case page and its actions.

Each action posts to a view that calls one service; a refusal shows the service's message in
the error summary and on its field, and leaves the case as it was."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from tests.cases.support import FORM, PDF, signed_in
from tests.catalog.fixtures import publish_item
from yiwang.cases import clock, handling, services
from yiwang.cases.models import Case, CaseStatus, SupplementRequest, TaskStatus
from yiwang.kernel.models import AuditEntry

pytestmark = pytest.mark.django_db

WORKBENCH = "/staff/cases/"
FOOD_BPMN = Path(__file__).parents[2] / "yiwang/catalog/fixtures/food_business_licence.bpmn"


# --- fixtures and helpers -------------------------------------------------------------------


def submit_case(implementation: Any, applicant: Any, key: str, form: Any = None) -> Case:
    case = services.start(actor=applicant, implementation_code=implementation.code)
    services.save_form(actor=applicant, case=case, form_data=form or dict(FORM))
    services.attach(
        actor=applicant, case=case, code="M01", stream=io.BytesIO(PDF), name="申请书.pdf"
    )
    return services.submit(actor=applicant, case=case, idempotency_key=key)


@pytest.fixture
def submitted(published: Any, named_citizen: Any) -> Case:
    return submit_case(published, named_citizen, "k-1")


@pytest.fixture
def accepted(submitted: Case, clerk: Any) -> Case:
    return services.accept(actor=clerk, case=submitted)


def page(response: Any) -> str:
    return response.content.decode()


def act(client: Client, case: Case, action: str, data: dict[str, Any] | None = None) -> Any:
    return client.post(f"{WORKBENCH}{case.pk}/do/{action}/", data or {})


def summary(response: Any) -> str:
    """The error summary's text (empty when there is none)."""
    found = re.search(r'<div class="error-summary".*?</div>', page(response), re.S)
    return found.group(0) if found else ""


def state(case: Case) -> tuple[Any, ...]:
    case.refresh_from_db()
    steps = tuple(case.tasks.order_by("pk").values_list("status", "outcome"))
    return (case.status, case.decision, case.suspended_at, steps, case.events.count())


# --- access ---------------------------------------------------------------------------------


def test_workbench_needs_a_signed_in_staff_member(submitted: Case, citizen: Any) -> None:
    response = Client().get(WORKBENCH)
    assert response.status_code == 302
    assert "/staff/login/" in response["Location"]

    assert signed_in(citizen).get(WORKBENCH).status_code == 403
    assert signed_in(citizen).get(f"{WORKBENCH}{submitted.pk}/").status_code == 403


def test_clerk_sees_only_their_departments_cases(
    submitted: Case, clerk: Any, outsider: Any
) -> None:
    mine = signed_in(clerk).get(WORKBENCH)
    theirs = signed_in(outsider).get(WORKBENCH)

    assert mine.status_code == 200
    assert submitted.case_no in page(mine)
    assert '待受理<span class="visually-hidden">：</span>（1）' in page(mine)
    assert "张小三" in page(mine)
    assert submitted.case_no not in page(theirs)
    assert "没有等待受理的办件。" in page(theirs)


def test_outsider_gets_404_on_another_departments_case(submitted: Case, outsider: Any) -> None:
    client = signed_in(outsider)
    before = state(submitted)

    assert client.get(f"{WORKBENCH}{submitted.pk}/").status_code == 404
    assert client.get(f"{WORKBENCH}{submitted.pk}/materials/M01/").status_code == 404
    assert act(client, submitted, "accept").status_code == 404
    assert state(submitted) == before


def test_approver_workbench_opens_on_the_tasks_queue(accepted: Case, approver: Any) -> None:
    response = signed_in(approver).get(WORKBENCH)

    assert response.status_code == 200
    body = page(response)
    assert "待受理" not in body  # no intake role, no intake tab
    assert "待办环节" in body and "审查" in body and accepted.case_no in body
    assert signed_in(approver).get(f"{WORKBENCH}queue/intake/").status_code == 404


def test_queue_filters_and_sorts(
    published: Any, named_citizen: Any, clerk: Any, owning_department: Any
) -> None:
    first = submit_case(published, named_citizen, "k-1")
    second = submit_case(published, named_citizen, "k-2")
    client = signed_in(clerk)

    newest_first = page(client.get(f"{WORKBENCH}queue/intake/", {"sort": "-submitted"}))
    assert newest_first.index(str(second.case_no)) < newest_first.index(str(first.case_no))
    assert 'aria-sort="descending"' in newest_first
    only = page(client.get(f"{WORKBENCH}queue/intake/", {"q": str(second.case_no)}))
    assert str(second.case_no) in only and str(first.case_no) not in only
    bad = client.get(f"{WORKBENCH}queue/intake/", {"department": "x"})
    assert bad.status_code == 200 and summary(bad)


def test_search_masks_applicants_outside_the_handling_department(
    submitted: Case, clerk: Any, auditor: Any
) -> None:
    query = {"applicant": "13912345678"}

    mine = page(signed_in(clerk).get(f"{WORKBENCH}search/", query))
    audited = page(signed_in(auditor).get(f"{WORKBENCH}search/", query))

    assert "张小三" in mine
    assert "张*三" in audited and "张小三" not in audited
    assert str(submitted.case_no) in audited
    case_page = page(signed_in(auditor).get(f"{WORKBENCH}{submitted.pk}/"))
    assert "张小三" not in case_page and "139****5678" in case_page
    assert "4201**********1234" in case_page  # the ID number in the form, masked


# --- the case page --------------------------------------------------------------------------


def test_case_page_shows_form_materials_history_and_deadlines(accepted: Case, clerk: Any) -> None:
    response = signed_in(clerk).get(f"{WORKBENCH}{accepted.pk}/")

    body = page(response)
    assert response.status_code == 200
    for text in ("张小三", "13912345678", "420106199001011234", "申请人姓名", "承诺办结日期"):
        assert text in body
    assert f"{WORKBENCH}{accepted.pk}/materials/M01/" in body
    assert "受理" in body and "审查" in body  # the timeline and the steps
    assert "剩余时间" in body


def test_material_download_gives_the_file(submitted: Case, clerk: Any) -> None:
    response = signed_in(clerk).get(f"{WORKBENCH}{submitted.pk}/materials/M01/")

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert "attachment" in response["Content-Disposition"]
    assert signed_in(clerk).get(f"{WORKBENCH}{submitted.pk}/materials/M03/").status_code == 404


# --- intake actions -------------------------------------------------------------------------


def test_clerk_accepts_from_the_case_page(submitted: Case, clerk: Any) -> None:
    client = signed_in(clerk)

    response = act(client, submitted, "accept")

    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == CaseStatus.ACCEPTED
    assert AuditEntry.objects.filter(action="cases.accepted").count() == 1
    assert "已受理" in page(client.get(response["Location"]))


def test_refuse_without_a_reason_shows_the_error_and_changes_nothing(
    submitted: Case, clerk: Any
) -> None:
    before = state(submitted)

    response = act(signed_in(clerk), submitted, "refuse", {"refuse-reason": "  "})

    assert response.status_code == 422
    assert "请写明不予受理的理由。" in summary(response)
    assert 'href="#id_refuse-reason"' in summary(response)
    assert 'aria-invalid="true"' in page(response)
    assert state(submitted) == before


def test_refuse_with_a_reason(submitted: Case, clerk: Any) -> None:
    response = act(signed_in(clerk), submitted, "refuse", {"refuse-reason": "不属于本部门受理范围"})

    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == CaseStatus.REFUSED
    assert submitted.end_reason == "不属于本部门受理范围"


def test_supplement_with_no_items_shows_the_error_and_changes_nothing(
    submitted: Case, clerk: Any
) -> None:
    before = state(submitted)

    response = act(signed_in(clerk), submitted, "supplement", {})

    assert response.status_code == 422
    assert "请逐项写明需要补正的内容。" in summary(response)
    assert state(submitted) == before
    assert not SupplementRequest.objects.exists()


def test_a_free_supplement_row_without_a_reason_is_pointed_at(submitted: Case, clerk: Any) -> None:
    data = {"supplement-material_0": "申请书未签字", "supplement-other_field_0": "营业场所照片"}

    response = act(signed_in(clerk), submitted, "supplement", data)

    assert response.status_code == 422
    assert 'href="#id_supplement-other_reason_0"' in summary(response)
    assert state(submitted)[0] == CaseStatus.SUBMITTED
    assert not SupplementRequest.objects.exists()


def test_supplement_lists_every_item_at_once(submitted: Case, clerk: Any) -> None:
    data = {
        "supplement-form_2": "请填写店铺名称",
        "supplement-material_0": "申请书未签字",
        "supplement-other_field_0": "营业场所照片",
        "supplement-other_reason_0": "请补充门头照片",
    }

    response = act(signed_in(clerk), submitted, "supplement", data)

    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == CaseStatus.SUPPLEMENT
    assert SupplementRequest.objects.get().items == [
        {"field": "form/shop_name", "reason": "请填写店铺名称"},
        {"field": "materials.M01", "reason": "申请书未签字"},
        {"field": "营业场所照片", "reason": "请补充门头照片"},
    ]


# --- process steps --------------------------------------------------------------------------


def task_form(case: Case, step: str, **fields: str) -> dict[str, str]:
    task = case.tasks.get(step=step, status=TaskStatus.OPEN)
    return {"task": str(task.pk), **{f"task-{task.pk}-{k}": v for k, v in fields.items()}}


def test_approver_approves_through_to_completion(accepted: Case, approver: Any) -> None:
    client = signed_in(approver)
    assert "办理环节：审查" in page(client.get(f"{WORKBENCH}{accepted.pk}/"))

    response = act(client, accepted, "complete", task_form(accepted, "review", outcome="approve"))
    assert response.status_code == 302
    assert "已转入下一环节" in page(client.get(response["Location"]))
    response = act(
        client,
        accepted,
        "complete",
        task_form(accepted, "decide", outcome="approve", opinion="准予"),
    )

    assert response.status_code == 302
    accepted.refresh_from_db()
    assert accepted.status == CaseStatus.COMPLETED and accepted.decision == "approve"
    final = page(client.get(response["Location"]))
    assert "办件已办结" in final and "准予决定书" in final


def test_disapprove_without_a_reason_shows_the_error_and_changes_nothing(
    accepted: Case, approver: Any
) -> None:
    before = state(accepted)

    response = act(
        signed_in(approver),
        accepted,
        "complete",
        task_form(accepted, "review", outcome="disapprove"),
    )

    assert response.status_code == 422
    assert "不同意或退回时请写明理由。" in summary(response)
    assert state(accepted) == before


def test_return_to_an_earlier_step(accepted: Case, approver: Any) -> None:
    handling.complete_task(
        actor=approver,
        task=accepted.tasks.get(step="review", status=TaskStatus.OPEN),
        outcome="approve",
    )
    client = signed_in(approver)
    assert '<option value="review">审查</option>' in page(client.get(f"{WORKBENCH}{accepted.pk}/"))

    form = task_form(
        accepted, "decide", outcome="return", opinion="请核实经营场所", return_to="review"
    )
    response = act(client, accepted, "complete", form)

    assert response.status_code == 302
    assert list(accepted.tasks.filter(status=TaskStatus.OPEN).values_list("step", flat=True)) == [
        "review"
    ]


def test_clerk_cannot_work_an_approvers_step(accepted: Case, clerk: Any) -> None:
    before = state(accepted)

    response = act(
        signed_in(clerk), accepted, "complete", task_form(accepted, "review", outcome="approve")
    )

    assert response.status_code == 403
    assert state(accepted) == before


def test_a_gateway_question_is_asked_at_the_step_before_it(
    item_owner: Any,
    catalog_editor: Any,
    reviewer: Any,
    owning_department: Any,
    named_citizen: Any,
    clerk: Any,
    approver: Any,
) -> None:
    """食品经营许可: after 现场核查 the process asks 核查是否符合要求; 否 leads to a refusal."""
    food = publish_item(
        item_owner=item_owner,
        editor=catalog_editor,
        reviewer=reviewer,
        department=owning_department,
        code="000105003100",
        name="食品经营许可(核查)",
        version={"promised_limit_days": 10, "process_bpmn": FOOD_BPMN.read_text()},
    )
    case = services.accept(actor=clerk, case=submit_case(food, named_citizen, "f-1"))
    client = signed_in(approver)
    act(client, case, "complete", task_form(case, "review", outcome="approve"))
    assert "核查是否符合要求" in page(client.get(f"{WORKBENCH}{case.pk}/"))
    before = state(case)

    unanswered = act(client, case, "complete", task_form(case, "inspect", outcome="approve"))
    assert unanswered.status_code == 422
    assert "核查是否符合要求" in summary(unanswered)
    assert state(case) == before

    answered = task_form(case, "inspect", outcome="approve", data_inspection_passed="no")
    assert act(client, case, "complete", answered).status_code == 302
    assert case.tasks.get(status=TaskStatus.OPEN).step == "refuse"
    assert case.tasks.get(step="inspect").data == {"inspection_passed": False}


# --- the clock and instant items ------------------------------------------------------------


def test_suspend_needs_a_reason_then_resume(accepted: Case, clerk: Any) -> None:
    client = signed_in(clerk)
    before = state(accepted)

    refused = act(client, accepted, "suspend", {"suspend-reason": ""})
    assert refused.status_code == 422
    assert "请写明暂停计时的理由。" in summary(refused)
    assert state(accepted) == before

    assert act(client, accepted, "suspend", {"suspend-reason": "需要专家评审"}).status_code == 302
    accepted.refresh_from_db()
    assert accepted.suspended_at is not None
    body = page(client.get(f"{WORKBENCH}{accepted.pk}/"))
    assert "暂停计时中" in body and "恢复计时" in body
    assert str(accepted.case_no) in page(client.get(f"{WORKBENCH}queue/suspended/"))

    assert act(client, accepted, "resume").status_code == 302
    accepted.refresh_from_db()
    assert accepted.suspended_at is None


def test_resume_in_the_wrong_state_shows_the_error(accepted: Case, clerk: Any) -> None:
    before = state(accepted)

    response = act(signed_in(clerk), accepted, "resume")

    assert response.status_code == 409
    assert "不能恢复计时" in summary(response)
    assert state(accepted) == before


def test_instant_item_is_completed_at_the_window(
    licence_replacement: Any, named_citizen: Any, outsider: Any
) -> None:
    case = submit_case(licence_replacement, named_citizen, "i-1")
    client = signed_in(outsider)
    assert "即办件：当场办结" in page(client.get(f"{WORKBENCH}{case.pk}/"))

    response = act(client, case, "instant")

    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.COMPLETED and case.decision == "approve"


def test_unknown_action_is_404(submitted: Case, clerk: Any) -> None:
    assert act(signed_in(clerk), submitted, "delete").status_code == 404
    assert signed_in(clerk).get(f"{WORKBENCH}{submitted.pk}/do/accept/").status_code == 405


def test_overdue_queue_lists_overdue_cases(accepted: Case, clerk: Any) -> None:
    assert accepted.promised_due is not None

    clock.mark_deadlines(today=accepted.promised_due + dt.timedelta(days=3))

    body = page(signed_in(clerk).get(f"{WORKBENCH}queue/overdue/"))
    assert str(accepted.case_no) in body and "已超期" in body
