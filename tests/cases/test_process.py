"""The process of an accepted case (issue 5): BPMN on SpiffWorkflow with steps in role and
department queues, joint review across departments, gateways on form data, returns,
decisions, instant items and cross-region intake."""

from __future__ import annotations

import io
from typing import Any

import pytest

from tests.cases.support import FORM, PDF, refusal
from tests.catalog.fixtures import publish_item
from tests.factories import DepartmentFactory, StaffFactory
from yiwang.cases import access, clock, handling, services, workflow
from yiwang.cases.models import Case, CaseStatus, CaseTask, Decision, Notice, TaskStatus
from yiwang.catalog import services as catalog
from yiwang.catalog.schemas import VersionIn
from yiwang.kernel.models import AuditEntry, OutboxEvent, SmsMessage

pytestmark = pytest.mark.django_db

JOINT_FORM = {
    "type": "object",
    "properties": {
        "applicant_name": {"type": "string", "title": "申请人姓名"},
        "area": {"type": "integer", "title": "经营面积(平方米)", "minimum": 1},
    },
    "required": ["applicant_name", "area"],
}


def joint_process(fire_department_code: str) -> str:
    """受理 → (市场监管审查 ∥ 消防审查 by another department) → 面积大于 1000 时现场核查 → 决定."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="defs"
  targetNamespace="https://yiwang.example/bpmn">
  <bpmn:process id="joint" isExecutable="true">
    <bpmn:laneSet id="lanes">
      <bpmn:lane id="lane_clerk" name="window_clerk">
        <bpmn:flowNodeRef>start</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>accept</bpmn:flowNodeRef>
      </bpmn:lane>
      <bpmn:lane id="lane_approver" name="approver">
        <bpmn:flowNodeRef>review</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>site_check</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>decide</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>end</bpmn:flowNodeRef>
      </bpmn:lane>
      <bpmn:lane id="lane_fire" name="approver@{fire_department_code}">
        <bpmn:flowNodeRef>fire_review</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start" name="申请" />
    <bpmn:userTask id="accept" name="受理" />
    <bpmn:parallelGateway id="fork" />
    <bpmn:userTask id="review" name="市场监管审查" />
    <bpmn:userTask id="fire_review" name="消防审查" />
    <bpmn:parallelGateway id="join" />
    <bpmn:exclusiveGateway id="large" name="面积是否大于1000" default="flow_small" />
    <bpmn:userTask id="site_check" name="现场核查" />
    <bpmn:userTask id="decide" name="决定" />
    <bpmn:endEvent id="end" name="办结" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="accept" />
    <bpmn:sequenceFlow id="f2" sourceRef="accept" targetRef="fork" />
    <bpmn:sequenceFlow id="f3" sourceRef="fork" targetRef="review" />
    <bpmn:sequenceFlow id="f4" sourceRef="fork" targetRef="fire_review" />
    <bpmn:sequenceFlow id="f5" sourceRef="review" targetRef="join" />
    <bpmn:sequenceFlow id="f6" sourceRef="fire_review" targetRef="join" />
    <bpmn:sequenceFlow id="f7" sourceRef="join" targetRef="large" />
    <bpmn:sequenceFlow id="flow_small" sourceRef="large" targetRef="decide" />
    <bpmn:sequenceFlow id="flow_large" sourceRef="large" targetRef="site_check">
      <bpmn:conditionExpression>area &gt; 1000</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f8" sourceRef="site_check" targetRef="decide" />
    <bpmn:sequenceFlow id="f9" sourceRef="decide" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""


@pytest.fixture
def approver(owning_department: Any) -> Any:
    return StaffFactory(username="approver", role="approver", department=owning_department)


@pytest.fixture
def fire_approver(other_department: Any) -> Any:
    return StaffFactory(username="fire", role="approver", department=other_department)


@pytest.fixture
def joint(
    item_owner: Any, catalog_editor: Any, reviewer: Any, owning_department: Any, other_department
) -> Any:
    return publish_item(
        item_owner=item_owner,
        editor=catalog_editor,
        reviewer=reviewer,
        department=owning_department,
        code="000105009000",
        name="大型餐饮场所开业审批",
        version={
            "promised_limit_days": 10,
            "form_schema": JOINT_FORM,
            "process_bpmn": joint_process(other_department.code),
        },
    )


def submitted(implementation: Any, citizen: Any, form: dict[str, Any], key: str = "k") -> Case:
    case = services.start(actor=citizen, implementation_code=implementation.code)
    services.save_form(actor=citizen, case=case, form_data=form)
    services.attach(actor=citizen, case=case, code="M01", stream=io.BytesIO(PDF), name="a.pdf")
    return services.submit(actor=citizen, case=case, idempotency_key=key)


def open_steps(case: Case) -> list[tuple[str, str, str]]:
    return sorted(
        (t.step, t.role, t.department.code)
        for t in case.tasks.filter(status=TaskStatus.OPEN).select_related("department")
    )


def task(case: Case, step: str) -> CaseTask:
    return case.tasks.get(step=step, status=TaskStatus.OPEN)


def test_default_process_runs_from_acceptance_to_approval(
    published: Any, citizen: Any, clerk: Any, approver: Any, django_capture_on_commit_callbacks: Any
) -> None:
    case = submitted(published, citizen, dict(FORM))
    assert open_steps(case) == [("accept", "window_clerk", "420106-SCJG")]

    case = services.accept(actor=clerk, case=case)
    assert open_steps(case) == [("review", "approver", "420106-SCJG")]
    assert case.tasks.get(step="accept").status == TaskStatus.DONE
    assert [t.step for t in handling.open_tasks_for(approver)] == ["review"]
    assert list(handling.open_tasks_for(clerk)) == []

    handling.complete_task(actor=approver, task=task(case, "review"), outcome="approve")
    with django_capture_on_commit_callbacks(execute=True):
        case = handling.complete_task(
            actor=approver, task=task(case, "decide"), outcome="approve", opinion="材料齐全,准予"
        )

    case.refresh_from_db()
    assert case.status == CaseStatus.COMPLETED
    assert case.decision == Decision.APPROVE and case.decided_at is not None
    assert case.result_document_id is not None and case.acceptance_notice_id is not None
    assert not case.tasks.filter(status=TaskStatus.OPEN).exists()
    completed = OutboxEvent.objects.get(topic="cases.completed")
    assert completed.payload["case_no"] == case.case_no
    assert completed.payload["decision"] == "approve"
    assert completed.payload["result_license_type"] == "business_licence"
    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds.count("task_completed") == 2 and kinds[-1] == "completed"
    assert AuditEntry.objects.filter(action="cases.task_completed").count() == 2
    assert set(Notice.objects.filter(case=case).values_list("kind", flat=True)) == {
        "submitted",
        "accepted",
        "completed",
    }
    sms = SmsMessage.objects.get()  # sent after commit, through the kernel's adapter
    assert sms.mobile == citizen.mobile and case.case_no in sms.body and "准予" in sms.body


def test_joint_review_puts_a_step_in_each_department(
    joint: Any,
    citizen: Any,
    clerk: Any,
    approver: Any,
    fire_approver: Any,
    outsider: Any,
    regions: Any,
) -> None:
    third_department = DepartmentFactory(
        code="4201-WSJ", name="武汉市卫生健康委员会", region=regions.wuhan
    )
    case = submitted(joint, citizen, {"applicant_name": "张三", "area": 200})
    services.accept(actor=clerk, case=case)

    assert open_steps(case) == [
        ("fire_review", "approver", "4205-SCJG"),
        ("review", "approver", "420106-SCJG"),
    ]
    assert [t.step for t in handling.open_tasks_for(fire_approver)] == ["fire_review"]
    # the supporting department sees the case (it holds a step of it), a third one does not
    assert access.cases_for(fire_approver).filter(pk=case.pk).exists()
    assert access.cases_for(outsider).filter(pk=case.pk).exists()
    stranger = StaffFactory(username="stranger", role="approver", department=third_department)
    assert not access.cases_for(stranger).filter(pk=case.pk).exists()
    exc = refusal(
        handling.complete_task, actor=approver, task=task(case, "fire_review"), outcome="approve"
    )
    assert exc.status == 403

    handling.complete_task(actor=approver, task=task(case, "review"), outcome="approve")
    assert open_steps(case) == [("fire_review", "approver", "4205-SCJG")]  # the join waits
    handling.complete_task(
        actor=fire_approver, task=task(case, "fire_review"), outcome="approve", opinion="符合"
    )

    assert open_steps(case) == [("decide", "approver", "420106-SCJG")]  # small: no site check


def test_exclusive_gateway_reads_the_form(
    joint: Any, citizen: Any, clerk: Any, approver: Any, fire_approver: Any
) -> None:
    case = submitted(joint, citizen, {"applicant_name": "张三", "area": 1500})
    services.accept(actor=clerk, case=case)
    handling.complete_task(actor=approver, task=task(case, "review"), outcome="approve")
    handling.complete_task(actor=fire_approver, task=task(case, "fire_review"), outcome="approve")

    assert open_steps(case) == [("site_check", "approver", "420106-SCJG")]


def test_return_to_an_earlier_step_runs_it_again(
    published: Any, citizen: Any, clerk: Any, approver: Any
) -> None:
    case = submitted(published, citizen, dict(FORM))
    services.accept(actor=clerk, case=case)
    handling.complete_task(actor=approver, task=task(case, "review"), outcome="approve")
    decide = task(case, "decide")

    exc = refusal(
        handling.complete_task, actor=approver, task=decide, outcome="return", return_to="review"
    )
    assert exc.code == "case_reason_required" and exc.status == 422
    exc = refusal(
        handling.complete_task,
        actor=approver,
        task=decide,
        outcome="return",
        opinion="请重新审查",
        return_to="decide",
    )
    assert exc.code == "case_return_target_invalid"
    assert exc.details["errors"][0]["field"] == "return_to"
    assert open_steps(case) == [("decide", "approver", "420106-SCJG")]  # unchanged

    handling.complete_task(
        actor=approver, task=decide, outcome="return", opinion="请核对经营场所", return_to="review"
    )

    assert open_steps(case) == [("review", "approver", "420106-SCJG")]
    decide.refresh_from_db()
    assert decide.status == TaskStatus.DONE and decide.outcome == "return"
    handling.complete_task(actor=approver, task=task(case, "review"), outcome="approve")
    case = handling.complete_task(actor=approver, task=task(case, "decide"), outcome="approve")
    assert case.status == CaseStatus.COMPLETED


def test_disapproval_needs_a_reason_and_ends_the_case(
    published: Any, citizen: Any, clerk: Any, approver: Any
) -> None:
    case = submitted(published, citizen, dict(FORM))
    services.accept(actor=clerk, case=case)
    review = task(case, "review")

    exc = refusal(handling.complete_task, actor=approver, task=review, outcome="disapprove")
    assert exc.code == "case_reason_required"
    exc = refusal(handling.complete_task, actor=approver, task=review, outcome="maybe")
    assert exc.code == "case_task_outcome_invalid"
    assert open_steps(case) == [("review", "approver", "420106-SCJG")]

    case = handling.complete_task(
        actor=approver, task=review, outcome="disapprove", opinion="经营场所不符合规划用途"
    )

    assert case.status == CaseStatus.COMPLETED and case.decision == Decision.DISAPPROVE
    assert case.decision_reason == "经营场所不符合规划用途"
    assert OutboxEvent.objects.get(topic="cases.completed").payload["decision"] == "disapprove"
    assert not case.tasks.filter(status=TaskStatus.OPEN).exists()


def test_a_done_step_and_a_suspended_case_refuse_work(
    published: Any, citizen: Any, clerk: Any, approver: Any
) -> None:
    case = submitted(published, citizen, dict(FORM))
    services.accept(actor=clerk, case=case)
    review = task(case, "review")
    handling.complete_task(actor=approver, task=review, outcome="approve")

    exc = refusal(handling.complete_task, actor=approver, task=review, outcome="approve")
    assert exc.status == 409  # the second of two concurrent clicks

    clock.suspend(actor=approver, case=case, reason="组织专家评审")
    exc = refusal(
        handling.complete_task, actor=approver, task=task(case, "decide"), outcome="approve"
    )
    assert exc.code == "case_suspended" and exc.status == 409


def test_state_survives_a_restart_and_a_new_process_version(
    published: Any, citizen: Any, clerk: Any, approver: Any, catalog_editor: Any, reviewer: Any
) -> None:
    case = submitted(published, citizen, dict(FORM))
    services.accept(actor=clerk, case=case)
    # the implementation publishes a shorter process (受理 → 决定) while the case runs
    draft = catalog.revise(actor=catalog_editor, implementation=published)
    shorter = catalog.process_source(draft)
    shorter = shorter.replace("<bpmn:flowNodeRef>review</bpmn:flowNodeRef>", "")
    shorter = shorter.replace('<bpmn:userTask id="review" name="审查" />', "")
    shorter = shorter.replace(
        'sourceRef="accept" targetRef="review"', 'sourceRef="accept" targetRef="decide"'
    )
    shorter = shorter.replace(
        '<bpmn:sequenceFlow id="flow_review_decide" sourceRef="review" targetRef="decide" />', ""
    )
    catalog.update_draft(
        actor=catalog_editor,
        version=draft,
        data=VersionIn(promised_limit_days=3, process_bpmn=shorter),
    )
    catalog.submit(actor=catalog_editor, version=draft)
    catalog.publish(actor=reviewer, version=draft)
    workflow._spec.cache_clear()  # as after a restart: nothing in memory

    case = Case.objects.get(pk=case.pk)
    handling.complete_task(actor=approver, task=task(case, "review"), outcome="approve")

    assert open_steps(case) == [("decide", "approver", "420106-SCJG")]
    assert case.version.number == 1


def test_instant_item_completes_at_the_window_in_one_step(
    licence_replacement: Any, citizen: Any, outsider: Any, clerk: Any, published: Any
) -> None:
    case = services.start(actor=citizen, implementation_code=licence_replacement.code)
    services.save_form(actor=citizen, case=case, form_data=dict(FORM))
    services.attach(actor=citizen, case=case, code="M01", stream=io.BytesIO(PDF), name="a.pdf")
    case = services.submit(actor=citizen, case=case, idempotency_key="i-1")

    exc = refusal(handling.complete_instant, actor=clerk, case=case)
    assert exc.status == 403
    case = handling.complete_instant(actor=outsider, case=case)

    assert case.status == CaseStatus.COMPLETED and case.decision == Decision.APPROVE
    assert case.accepted_at is not None
    assert not case.tasks.filter(status=TaskStatus.OPEN).exists()
    other = submitted(published, citizen, dict(FORM), key="i-2")
    exc = refusal(handling.complete_instant, actor=clerk, case=other)
    assert exc.code == "case_not_instant" and exc.status == 409


def test_cross_region_case_is_in_both_halls(
    licence_replacement: Any, citizen: Any, clerk: Any, outsider: Any
) -> None:
    """A clerk in 武昌区 takes an application for 宜昌市's service (跨域通办)."""
    case = services.start(
        actor=clerk, implementation_code=licence_replacement.code, applicant=citizen
    )

    assert case.channel == "hall"
    assert case.department.code == "4205-SCJG"
    assert case.intake_department is not None and case.intake_department.code == "420106-SCJG"
    services.save_form(actor=citizen, case=case, form_data=dict(FORM))
    services.attach(actor=citizen, case=case, code="M01", stream=io.BytesIO(PDF), name="a.pdf")
    services.submit(actor=citizen, case=case, idempotency_key="x-1")
    for staff in (clerk, outsider):
        assert access.cases_for(staff).filter(pk=case.pk).exists()
        assert access.may_intake(staff, case)


def test_entity_application_needs_authority(published: Any, citizen: Any) -> None:
    exc = refusal(
        services.start,
        actor=citizen,
        implementation_code=published.code,
        entity_credit_code="91420106MA4K00001J",
    )
    assert exc.code == "case_entity_not_authorised" and exc.status == 403
    assert not Case.objects.exists()
