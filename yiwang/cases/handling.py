"""Handling an accepted case: its process steps, returns, decisions, instant items and the
result.

* ``complete_task`` works one open step: ``approve`` moves the process on (the data given is
  what its gateways read), ``return`` sends it back to an earlier step, ``disapprove`` ends
  the case with a reasoned 不予 decision. When the process reaches its end the case is
  approved.
* ``complete_instant`` handles an instant item (即办件) at the window in one step: accepted,
  every step done by the clerk, approved.
* ``finish`` records the decision and the result document and emits ``cases.completed``,
  the event the e-licence module consumes.

The case row is locked first and the task row second in every action, so two people acting
on one case are serialised: the second sees the first's result (a done task answers 409).
"""

from __future__ import annotations

import json
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.cases import access, notify, permissions, workflow
from yiwang.cases.errors import ErrorCode
from yiwang.cases.models import (
    Case,
    CaseStatus,
    CaseTask,
    Decision,
    TaskOutcome,
    TaskStatus,
)
from yiwang.cases.services import _denied, _event, _field_errors, _locked, _transition
from yiwang.kernel import events
from yiwang.kernel.errors import DomainError
from yiwang.kernel.models import Role
from yiwang.kernel.permissions import can, scope_for

MAX_TASK_DATA_BYTES = 8 * 1024


def may_work(actor: Any, task: CaseTask) -> bool:
    return can(actor, permissions.task_action(task.role), department=task.department)


def open_tasks_for(actor: Any) -> QuerySet[CaseTask]:
    """Open steps waiting for the caller: in the lanes of their roles, in the departments
    (or regions) those roles cover; oldest first."""
    condition = Q(pk__in=[])
    for role in Role.values:
        scope = scope_for(actor, permissions.task_action(role))
        if scope.empty:
            continue
        where = Q(pk__in=[])
        if scope.region_codes:
            where |= scope.region_q("department__region__code")
        if scope.department_ids:
            where |= Q(department_id__in=scope.department_ids)
        condition |= Q(role=role) & where
    return (
        CaseTask.objects.filter(condition, status=TaskStatus.OPEN, case__status=CaseStatus.ACCEPTED)
        .select_related("case", "department")
        .order_by("created_at", "id")
    )


def _clean_data(data: dict[str, Any] | None) -> dict[str, Any]:
    """What a step adds to the process data: identifier keys, JSON values, small."""
    data = dict(data or {})
    bad = [k for k in data if not str(k).isidentifier() or str(k).startswith("_")]
    size = len(json.dumps(data, ensure_ascii=False, default=str).encode())
    if bad or size > MAX_TASK_DATA_BYTES:
        raise _field_errors(
            ErrorCode.TASK_DATA_INVALID,
            [
                {
                    "field": f"data.{k}" if bad else "data",
                    "code": "task_data_invalid",
                    "message": _("办理数据的名称只能由字母、数字和下划线组成,且总量不超过 8 KB。"),
                }
                for k in (bad or [""])
            ],
        )
    return data


@transaction.atomic
def complete_task(
    *,
    actor: Any,
    task: CaseTask,
    outcome: str,
    opinion: str = "",
    data: dict[str, Any] | None = None,
    return_to: str = "",
) -> Case:
    """Work one open step of a case (see the module docstring)."""
    case = _locked(task.case)
    task = CaseTask.objects.select_for_update().get(pk=task.pk)
    if not may_work(actor, task):
        raise _denied()
    if case.status != CaseStatus.ACCEPTED:
        raise _transition(case, _("办理"))
    if case.suspended_at is not None:
        raise DomainError(
            ErrorCode.SUSPENDED, _("办件处于特别程序(暂停计时)中,请先恢复计时。"), status=409
        )
    if task.status != TaskStatus.OPEN:
        raise DomainError(
            ErrorCode.STATUS_TRANSITION,
            _("该环节已由他人办理或已取消。"),
            status=409,
            status_now=task.status,
        )
    opinion = opinion.strip()
    if outcome not in TaskOutcome.values:
        raise _field_errors(
            ErrorCode.OUTCOME_INVALID,
            [
                {
                    "field": "outcome",
                    "code": "outcome_invalid",
                    "message": _("办理结果只能是同意、不同意或退回。"),
                }
            ],
        )
    if outcome != TaskOutcome.APPROVE and not opinion:
        raise _field_errors(
            ErrorCode.REASON_REQUIRED,
            [
                {
                    "field": "opinion",
                    "code": "required",
                    "message": _("不同意或退回时请写明理由。"),
                }
            ],
        )
    clean = _clean_data(data)
    engine = workflow.load(case)
    if outcome == TaskOutcome.APPROVE:
        workflow.complete(case, engine, task.task_id, clean)
    elif outcome == TaskOutcome.RETURN:
        workflow.return_to(case, engine, return_to)
    task.status = TaskStatus.DONE
    task.outcome = outcome
    task.opinion = opinion
    task.data = clean
    task.completed_at = timezone.now()
    task.completed_by = actor
    task.save(
        update_fields=["status", "outcome", "opinion", "data", "completed_at", "completed_by"]
    )
    _event(
        case,
        actor,
        "task_completed",
        note=opinion,
        step=task.step,
        step_name=task.name,
        outcome=outcome,
        department=task.department.name,
        **({"return_to": return_to} if outcome == TaskOutcome.RETURN else {}),
    )
    if outcome == TaskOutcome.DISAPPROVE:
        workflow.cancel(case, engine)
        return finish(case, actor=actor, decision=Decision.DISAPPROVE, reason=opinion)
    workflow.sync(case, engine)
    if workflow.is_completed(engine):
        return finish(case, actor=actor, decision=Decision.APPROVE, reason=opinion)
    case.save(update_fields=["workflow_state", "updated_at"])
    if outcome == TaskOutcome.RETURN:
        notify.notify(case, "returned", _("办件已退回至“%(step)s”重新办理。") % {"step": return_to})
    return case


def finish(case: Case, *, actor: Any, decision: str, reason: str = "", auto: bool = False) -> Case:
    """办结: record the decision and the result document; tell the applicant; emit
    ``cases.completed``. Called inside the caller's transaction with the case locked."""
    from yiwang.cases import documents

    now = timezone.now()
    case.status = CaseStatus.COMPLETED
    case.decision = decision
    case.decision_reason = reason
    case.decided_at = now
    case.ended_at = now
    case.auto_approved = auto
    case.save(
        update_fields=[
            "status",
            "decision",
            "decision_reason",
            "decided_at",
            "ended_at",
            "auto_approved",
            "workflow_state",
            "updated_at",
        ]
    )
    case.tasks.filter(status=TaskStatus.OPEN).update(status=TaskStatus.CANCELLED)
    documents.store_decision_document(case, actor=actor)
    _event(case, actor, "completed", note=reason, decision=decision, auto=auto)
    if decision == Decision.APPROVE:
        notify.notify(case, "completed", _("已办结,准予办理。请选择结果领取方式。"))
    else:
        notify.notify(case, "completed", _("已办结,不予办理。理由:%(reason)s") % {"reason": reason})
    version = case.version
    events.emit(
        "cases.completed",
        {
            "case_id": case.pk,
            "case_no": case.case_no,
            "implementation_code": case.implementation_code,
            "item_code": version.item_code if version else "",
            "department": case.department.code,
            "decision": decision,
            "result_type": version.result_type if version else "",
            "result_name": version.result_name if version else "",
            "result_license_type": version.result_license_type if version else "",
            "applicant_id": case.applicant_id,
            "entity_credit_code": case.entity_credit_code,
            "auto_approved": auto,
        },
    )
    if case.parent_id is not None:
        _parent_changed(case)
    return case


def _parent_changed(child: Case) -> None:
    """A life event's parent follows its children (see bundles.py)."""
    from yiwang.cases import bundles

    bundles.child_changed(child)


@transaction.atomic
def complete_instant(*, actor: Any, case: Case) -> Case:
    """即办件: accepted and approved at the window in one step (the clerk works every step)."""
    from yiwang.cases import services

    case = _locked(case)
    if not access.may_intake(actor, case):
        raise _denied()
    if case.version is None or case.version.handling_kind != "instant":
        raise DomainError(
            ErrorCode.NOT_INSTANT,
            _("该事项不是即办件,请按受理、审查、决定的步骤办理。"),
            status=409,
        )
    if case.status == CaseStatus.SUBMITTED:
        case = services.accept(actor=actor, case=case)
    if case.status != CaseStatus.ACCEPTED:
        raise _transition(case, _("即时办结"))
    engine = workflow.load(case)
    for _round in range(50):  # a process has far fewer steps; a loop never runs forever
        ready = workflow.ready_tasks(engine)
        if not ready:
            break
        for spiff_task in ready:
            task_id = str(spiff_task.id)
            workflow.complete(case, engine, task_id, {})
            case.tasks.filter(task_id=task_id, status=TaskStatus.OPEN).update(
                status=TaskStatus.DONE,
                outcome=TaskOutcome.APPROVE,
                opinion=_("即办"),
                completed_at=timezone.now(),
                completed_by=actor,
            )
        workflow.sync(case, engine)
    if not workflow.is_completed(engine):
        workflow.cancel(case, engine)
    _event(case, actor, "instant_completed")
    return finish(case, actor=actor, decision=Decision.APPROVE, reason=_("即办件,当场办结。"))
