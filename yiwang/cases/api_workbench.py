"""The staff workbench API, under ``/api/v1/cases/``: queues, search, a case's process steps
and the handling actions (complete a step, instant completion, suspend and resume the clock).

Every endpoint is for staff: a caller without any staff role for cases answers 403 (nothing is
hidden by saying so); a case the caller does not see as staff answers 404, exactly as a case
that does not exist; then one service decides whether the caller may act (403) and whether
the case's state allows it (409)."""

# No ``from __future__ import annotations``: django-ninja reads the annotations at runtime.
import datetime as dt
from typing import Any, Literal

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import P, PathEx, QueryEx, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate
from pydantic import Field

from yiwang.cases import clock, handling, queues
from yiwang.cases.models import Case, CaseStatus, CaseTask, DeadlineState, TaskStatus
from yiwang.kernel.errors import DomainError
from yiwang.kernel.errors import ErrorCode as KernelCode
from yiwang.kernel.models import Department, Role
from yiwang.kernel.schemas import ERRORS, BuiltRows

router = Router(tags=["cases: workbench"])


# --- shapes ---------------------------------------------------------------------------------


class ApplicantOut(Schema):
    name: str = Field(description="masked (张*三) unless the caller's department handles the case")
    mobile: str
    masked: bool


class TaskOut(Schema):
    id: int
    step: str = Field(description="the process step's id, e.g. review (a target for a return)")
    name: str
    role: str
    role_label: str
    department: str
    department_code: str
    status: str
    status_label: str
    outcome: str
    opinion: str
    data: dict[str, Any]
    created_at: dt.datetime
    completed_at: dt.datetime | None
    completed_by: str | None = Field(description="the username of who did the step")


class QueueRowOut(Schema):
    id: int
    case_no: str | None
    item_name: str
    implementation_code: str
    status: str
    status_label: str
    department: str = Field(description="the handling department's name")
    department_code: str
    intake_department: str | None = Field(
        description="the hall that received the case for another region (跨域通办)"
    )
    channel: str
    applicant: ApplicantOut
    submitted_at: dt.datetime | None
    accepted_at: dt.datetime | None
    promised_due: dt.date | None
    statutory_due: dt.date | None
    deadline_state: str
    deadline_label: str
    suspended: bool
    task: TaskOut | None = Field(None, description="the open step (the tasks queue only)")


class WorkOut(QueueRowOut):
    """A case as the workbench shows it after an action: its steps, decision and clock."""

    decision: str
    decision_reason: str
    end_reason: str
    time_used: int = Field(description="working days used since acceptance, suspensions aside")
    time_left: int | None = Field(description="working days left of the promised limit")
    tasks: list[TaskOut]


class CompleteTaskIn(Schema):
    outcome: Literal["approve", "disapprove", "return"]
    opinion: str = Field("", max_length=2000)
    data: dict[str, Any] = Field(
        default_factory=dict, description="process data the next gateways read"
    )
    return_to: str = Field("", max_length=100, description="with return: a done step's id")


class SuspendIn(Schema):
    reason: str = Field(max_length=2000)


# --- helpers --------------------------------------------------------------------------------


def _denied() -> DomainError:
    return DomainError(KernelCode.PERMISSION_DENIED, _("您没有执行此操作的权限。"), status=403)


def _not_found() -> DomainError:
    return DomainError(KernelCode.NOT_FOUND, _("未找到该资源。"), status=404)


def _require_staff(request: HttpRequest) -> Any:
    user = request.user
    if not queues.is_staff_member(user):
        raise _denied()
    return user


def _staff_case(request: HttpRequest, case_id: int) -> Case:
    """A case the caller sees as staff; 404 alike when missing or out of sight."""
    user = _require_staff(request)
    case: Case | None = (
        queues.search(user).select_related("department__region").filter(pk=case_id).first()
    )
    if case is None:
        raise _not_found()
    return case


def task_out(task: CaseTask) -> dict[str, Any]:
    completed_by: Any = task.completed_by
    return {
        "id": task.pk,
        "step": task.step,
        "name": task.name,
        "role": task.role,
        "role_label": str(dict(Role.choices).get(task.role, task.role)),
        "department": task.department.name,
        "department_code": task.department.code,
        "status": task.status,
        "status_label": str(task.get_status_display()),
        "outcome": task.outcome,
        "opinion": task.opinion,
        "data": task.data,
        "created_at": task.created_at,
        "completed_at": task.completed_at,
        "completed_by": completed_by.get_username() if completed_by else None,
    }


def row_out(case: Case, viewer: queues.Viewer, task: CaseTask | None = None) -> dict[str, Any]:
    received = case.intake_department
    return {
        "id": case.pk,
        "case_no": case.case_no,
        "item_name": case.item_name,
        "implementation_code": case.implementation_code,
        "status": case.status,
        "status_label": str(case.get_status_display()),
        "department": case.department.name,
        "department_code": case.department.code,
        "intake_department": received.name if received else None,
        "channel": case.channel,
        "applicant": queues.applicant_of(case, viewer),
        "submitted_at": case.submitted_at,
        "accepted_at": case.accepted_at,
        "promised_due": case.promised_due,
        "statutory_due": case.statutory_due,
        "deadline_state": case.deadline_state,
        "deadline_label": str(DeadlineState(case.deadline_state).label),
        "suspended": case.suspended_at is not None,
        "task": task_out(task) if task is not None else None,
    }


def steps_of(case: Case) -> QuerySet[CaseTask]:
    """A case's open and done steps, in the order they arrived."""
    return (
        case.tasks.filter(status__in=[TaskStatus.OPEN, TaskStatus.DONE])
        .select_related("department", "completed_by")
        .order_by("created_at", "id")
    )


def _work(request: HttpRequest, case: Case) -> dict[str, Any]:
    """The case as it is now (after a service changed it)."""
    fresh = queues.search(request.user).filter(pk=case.pk).first()
    if fresh is None:  # cannot happen: acting on a case never hides it
        fresh = Case.objects.select_related("department", "intake_department", "applicant").get(
            pk=case.pk
        )
    used, left = clock.time_used_and_left(fresh)
    return {
        **row_out(fresh, queues.Viewer.of(request.user)),
        "decision": fresh.decision,
        "decision_reason": fresh.decision_reason,
        "end_reason": fresh.end_reason,
        "time_used": used,
        "time_left": left,
        "tasks": [task_out(t) for t in steps_of(fresh)],
    }


def _department_id(code: str) -> int | None:
    code = code.strip()
    if not code:
        return None
    found = Department.objects.filter(code=code).values_list("pk", flat=True).first()
    if found is None:
        raise DomainError(
            KernelCode.VALIDATION_ERROR,
            _("部门不存在。"),
            status=422,
            errors=[
                {"field": "department", "code": "department_unknown", "message": _("部门不存在。")}
            ],
        )
    return int(found)


# --- queues and search ----------------------------------------------------------------------

QueueName = Literal["intake", "tasks", "due_soon", "overdue", "suspended"]


@router.get("/queues/{name}", response={200: list[QueueRowOut], **ERRORS})
@paginate(LimitOffsetPagination)
def queue(
    request: HttpRequest,
    name: PathEx[QueueName, P(description="intake, tasks, due_soon, overdue or suspended")],
    q: QueryEx[str, P(max_length=200, description="part of a case number or item name")] = "",
    department: QueryEx[str, P(max_length=32, description="a handling department's code")] = "",
    sort: QueryEx[str, P(max_length=20, description="a column, - for descending")] = "",
) -> Any:
    """One of the caller's queues: cases to accept, open steps of their roles, cases due
    soon or overdue, cases whose clock is stopped."""
    user = _require_staff(request)
    if name not in queues.available(user):
        raise _denied()
    rows = queues.refine(
        queues.queue(user, name), name, q=q, department=_department_id(department), sort=sort
    )
    viewer = queues.Viewer.of(user)
    if name == queues.TASKS:
        return BuiltRows(rows, lambda task: row_out(task.case, viewer, task))
    return BuiltRows(rows, lambda case: row_out(case, viewer))


@router.get("/search", response={200: list[QueueRowOut], **ERRORS})
@paginate(LimitOffsetPagination)
def search(
    request: HttpRequest,
    case_no: QueryEx[str, P(max_length=20)] = "",
    applicant: QueryEx[
        str, P(max_length=100, description="exact name, mobile number or credit code")
    ] = "",
    item: QueryEx[str, P(max_length=200, description="item code or a part of its name")] = "",
    status: QueryEx[str, P(max_length=12)] = "",
    department: QueryEx[str, P(max_length=32, description="a handling department's code")] = "",
) -> Any:
    """Cases the caller sees as staff, newest first."""
    user = _require_staff(request)
    if status and status not in CaseStatus.values:
        message = _("办件状态无效。")
        raise DomainError(
            KernelCode.VALIDATION_ERROR,
            message,
            status=422,
            errors=[{"field": "status", "code": "status_unknown", "message": message}],
        )
    cases = queues.search(
        user,
        case_no=case_no,
        applicant=applicant,
        item=item,
        status=status,
        department=_department_id(department),
    )
    viewer = queues.Viewer.of(user)
    return BuiltRows(cases, lambda case: row_out(case, viewer))


# --- one case's steps and actions -----------------------------------------------------------


@router.get("/{int:case_id}/tasks", response={200: list[TaskOut], **ERRORS})
def case_tasks(request: HttpRequest, case_id: int) -> Any:
    """The case's process steps, open and done, in the order they arrived."""
    return [task_out(t) for t in steps_of(_staff_case(request, case_id))]


@router.post("/{int:case_id}/tasks/{int:task_id}/complete", response={200: WorkOut, **ERRORS})
def complete_task(request: HttpRequest, case_id: int, task_id: int, payload: CompleteTaskIn) -> Any:
    """Work one open step: approve (the process goes on), disapprove (the case ends with a
    reasoned 不予 decision) or return to an earlier step (``return_to``)."""
    case = _staff_case(request, case_id)
    task: CaseTask | None = case.tasks.select_related("case").filter(pk=task_id).first()
    if task is None:
        raise _not_found()
    done = handling.complete_task(
        actor=request.user,
        task=task,
        outcome=payload.outcome,
        opinion=payload.opinion,
        data=payload.data,
        return_to=payload.return_to,
    )
    return _work(request, done)


@router.post("/{int:case_id}/instant", response={200: WorkOut, **ERRORS})
def complete_instant(request: HttpRequest, case_id: int) -> Any:
    """即办件: accept and approve at the window in one step."""
    case = _staff_case(request, case_id)
    return _work(request, handling.complete_instant(actor=request.user, case=case))


@router.post("/{int:case_id}/suspend", response={200: WorkOut, **ERRORS})
def suspend(request: HttpRequest, case_id: int, payload: SuspendIn) -> Any:
    """特别程序: stop the clock, with the reason the applicant reads."""
    case = _staff_case(request, case_id)
    return _work(request, clock.suspend(actor=request.user, case=case, reason=payload.reason))


@router.post("/{int:case_id}/resume", response={200: WorkOut, **ERRORS})
def resume(request: HttpRequest, case_id: int) -> Any:
    """Restart the clock: the working days it stood still extend both due dates."""
    case = _staff_case(request, case_id)
    return _work(request, clock.resume(actor=request.user, case=case))
