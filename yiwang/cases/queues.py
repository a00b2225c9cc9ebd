"""The staff workbench's queries: the queues of a signed-in staff member and case search,
shared by the pages (views_staff.py) and the API (api_workbench.py).

* ``intake``: submitted cases waiting for 受理 in the caller's ``cases.intake`` scope — as
  the handling department's hall, or as the hall that received the case for another region
  (跨域通办, ``Case.intake_department``).
* ``tasks``: open process steps in the lanes of the caller's roles and departments
  (``handling.open_tasks_for``).
* ``due_soon``, ``overdue``: accepted cases the caller sees as staff, as the periodic
  ``mark_deadlines`` job last marked them; ``suspended``: accepted cases whose clock stands
  still (特别程序).
* ``search``: every case the caller sees as staff (drafts are the applicant's own business
  and never listed).

Applicants' names and mobile numbers are personal identifiers: they are shown in clear only to
staff of a department that handles the case (its handling department, or the hall that
received it), masked for everybody else who may see the case (a joint-review department, an
auditor). Every list is fetched in a fixed number of queries."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from yiwang.cases import access, handling, permissions
from yiwang.cases.models import Case, CaseStatus, CaseTask, DeadlineState
from yiwang.kernel.errors import DomainError
from yiwang.kernel.fields import SensitiveKind, lookup, mask
from yiwang.kernel.models import Department, Role
from yiwang.kernel.permissions import Scope, scope_for
from yiwang.kernel.validators import validate_credit_code, validate_mobile

INTAKE = "intake"
TASKS = "tasks"
DUE_SOON = "due_soon"
OVERDUE = "overdue"
SUSPENDED = "suspended"

#: The queues in the order the workbench shows them, with their tab labels.
QUEUES: dict[str, Any] = {
    INTAKE: _("待受理"),
    TASKS: _("待办环节"),
    DUE_SOON: _("即将到期"),
    OVERDUE: _("已超期"),
    SUSPENDED: _("暂停计时"),
}

#: Sort keys of the queue and search tables: name → model path (cases; tasks add ``case__``).
CASE_SORTS: dict[str, str] = {
    "case_no": "case_no",
    "item": "item_name",
    "department": "department__name",
    "submitted": "submitted_at",
    "due": "promised_due",
    "status": "status",
}
TASK_SORTS: dict[str, str] = {
    "case_no": "case__case_no",
    "item": "case__item_name",
    "department": "department__name",
    "step": "name",
    "arrived": "created_at",
    "due": "case__promised_due",
}
DEFAULT_SORT: dict[str, str] = {
    INTAKE: "submitted",
    TASKS: "arrived",
    DUE_SOON: "due",
    OVERDUE: "due",
    SUSPENDED: "due",
}

_CASE_RELATED = ("department", "region", "intake_department", "applicant", "version")


def _shaped(cases: QuerySet[Case]) -> QuerySet[Case]:
    """Cases with what a queue row reads, in one query."""
    return cases.select_related(*_CASE_RELATED)


def _staff_cases(actor: Any) -> QuerySet[Case]:
    """Every non-draft case the caller sees as staff."""
    return Case.objects.filter(access.staff_q(actor)).exclude(status=CaseStatus.DRAFT)


def is_staff_member(actor: Any) -> bool:
    """Does the caller hold any role that sees cases as staff?"""
    return not scope_for(actor, permissions.VIEW).empty


def available(actor: Any) -> list[str]:
    """The queues the caller has a use for (the intake queue needs ``cases.intake``)."""
    names = list(QUEUES)
    if scope_for(actor, permissions.INTAKE).empty:
        names.remove(INTAKE)
    return names


# --- the queues -----------------------------------------------------------------------------


def intake(actor: Any) -> QuerySet[Case]:
    """Submitted cases waiting for 受理 at the caller's halls, oldest first."""
    where = access.department_q(actor, permissions.INTAKE, "department", "intake_department")
    # A life event's parent is accepted through its children, each in its own queue.
    cases = Case.objects.filter(where, status=CaseStatus.SUBMITTED, version__isnull=False)
    return _shaped(cases).order_by("submitted_at", "id")


def tasks(actor: Any) -> QuerySet[CaseTask]:
    """Open steps of the caller's roles in their departments, oldest first."""
    related = [f"case__{name}" for name in _CASE_RELATED]
    return handling.open_tasks_for(actor).select_related("department", "case", *related)


def _running(actor: Any) -> QuerySet[Case]:
    return _staff_cases(actor).filter(status=CaseStatus.ACCEPTED)


def due_soon(actor: Any) -> QuerySet[Case]:
    """Running cases marked due soon, the earliest due first."""
    cases = _running(actor).filter(deadline_state=DeadlineState.DUE_SOON, suspended_at__isnull=True)
    return _shaped(cases).order_by(F("promised_due").asc(nulls_last=True), "id")


def overdue(actor: Any) -> QuerySet[Case]:
    """Running cases marked overdue, the longest overdue first."""
    cases = _running(actor).filter(deadline_state=DeadlineState.OVERDUE)
    return _shaped(cases).order_by(F("promised_due").asc(nulls_last=True), "id")


def suspended(actor: Any) -> QuerySet[Case]:
    """Accepted cases whose clock is stopped (特别程序), the longest stopped first."""
    cases = _running(actor).filter(suspended_at__isnull=False)
    return _shaped(cases).order_by("suspended_at", "id")


def queue(actor: Any, name: str) -> QuerySet[Any]:
    """The queue ``name`` (one of ``QUEUES``); ``KeyError`` for another name."""
    builders = {
        INTAKE: intake,
        TASKS: tasks,
        DUE_SOON: due_soon,
        OVERDUE: overdue,
        SUSPENDED: suspended,
    }
    result: QuerySet[Any] = builders[name](actor)
    return result


def counts(actor: Any) -> dict[str, int]:
    """How many rows each of the caller's queues holds (one query per queue)."""
    return {name: queue(actor, name).count() for name in available(actor)}


def refine(
    rows: QuerySet[Any], name: str, *, q: str = "", department: int | None = None, sort: str = ""
) -> QuerySet[Any]:
    """A queue narrowed by a case number or item name (``q``) and a handling department,
    sorted by one of the table's columns (``-`` for descending)."""
    prefix = "case__" if name == TASKS else ""
    if q := q.strip():
        rows = rows.filter(
            Q(**{f"{prefix}case_no__icontains": q}) | Q(**{f"{prefix}item_name__icontains": q})
        )
    if department:
        rows = rows.filter(**{f"{prefix}department_id": department})
    sorts = TASK_SORTS if name == TASKS else CASE_SORTS
    key = sort.removeprefix("-")
    if key in sorts:
        expression = F(sorts[key])
        ordered = expression.desc(nulls_last=True) if sort.startswith("-") else expression.asc()
        rows = rows.order_by(ordered, "id")
    return rows


def departments(actor: Any) -> QuerySet[Department]:
    """The departments whose cases the caller sees (for the department filters)."""
    scope = scope_for(actor, permissions.VIEW)
    where = Q(pk__in=scope.department_ids)
    if scope.region_codes:
        where |= scope.region_q("region__code")
    return Department.objects.filter(where).order_by("region_id", "name")


# --- search ---------------------------------------------------------------------------------


def _applicant_q(text: str) -> Q:
    """Cases whose applicant is ``text``: a mobile number, a unified social credit code or a
    name, each matched exactly (names and numbers are encrypted: the blind index matches)."""
    account = get_user_model()
    with contextlib.suppress(DomainError):
        number = validate_mobile(text)
        return Q(applicant__in=account.objects.filter(**lookup(account, "mobile", number)))
    with contextlib.suppress(DomainError):
        return Q(entity_credit_code=validate_credit_code(text))
    return Q(applicant__in=account.objects.filter(**lookup(account, "display_name", text)))


def search(
    actor: Any,
    *,
    case_no: str = "",
    applicant: str = "",
    item: str = "",
    status: str = "",
    department: int | None = None,
) -> QuerySet[Case]:
    """Cases the caller sees as staff: by case number (a part of it), applicant (exact name,
    mobile number or credit code), item (code or a part of the name), state and handling
    department; newest first."""
    cases = _staff_cases(actor)
    if case_no := case_no.strip():
        cases = cases.filter(case_no__icontains=case_no)
    if applicant := applicant.strip():
        cases = cases.filter(_applicant_q(applicant))
    if item := item.strip():
        cases = cases.filter(
            Q(item_name__icontains=item)
            | Q(implementation_code__istartswith=item)
            | Q(version__item_code=item)
        )
    if status:
        cases = cases.filter(status=status)
    if department:
        cases = cases.filter(department_id=department)
    return _shaped(cases).order_by(F("submitted_at").desc(nulls_last=True), "-id")


# --- the applicant, masked or not -----------------------------------------------------------


#: The roles whose process steps make a department one that handles a case (an auditor or
#: the platform's administrator reads cases but handles none).
_HANDLING_ROLES = tuple(r for r in Role.values if r not in {Role.AUDITOR, Role.PLATFORM_ADMIN})


@dataclass(frozen=True)
class Viewer:
    """What a staff member may see of applicants: their intake and handling scopes, computed
    once per request so that a list of rows costs no query per row."""

    intake: Scope
    handle: Scope

    @classmethod
    def of(cls, actor: Any) -> Viewer:
        handle = Scope()
        for action in (permissions.HANDLE, *(permissions.task_action(r) for r in _HANDLING_ROLES)):
            scope = scope_for(actor, action)
            handle = Scope(
                region_codes=handle.region_codes | scope.region_codes,
                department_ids=handle.department_ids | scope.department_ids,
            )
        return cls(intake=scope_for(actor, permissions.INTAKE), handle=handle)

    def handles(self, case: Case) -> bool:
        """Does the caller's department handle (or receive) this case?"""
        if self.intake.covers_department(case.department) or self.handle.covers_department(
            case.department
        ):
            return True
        received = case.intake_department
        return received is not None and self.intake.covers_department(received)


def _name_in_form(case: Case) -> str:
    """The applicant's name as the form gives it (the field meant as ``applicant.name``)."""
    schema = getattr(case.version, "form_schema", None) or {}
    for field, spec in (schema.get("properties") or {}).items():
        if isinstance(spec, dict) and spec.get("x-meaning") == "applicant.name":
            value = (case.form_data or {}).get(field)
            if isinstance(value, str) and value.strip():
                return value.strip()
    return ""


def applicant_of(case: Case, viewer: Viewer) -> dict[str, Any]:
    """The applicant as this viewer may see them: ``name``, ``mobile``, ``masked``."""
    person: Any = case.applicant
    name = str(person.display_name or "") or _name_in_form(case)
    mobile = str(person.mobile or "")
    if viewer.handles(case):
        return {"name": name, "mobile": mobile, "masked": False}
    return {
        "name": mask(name, SensitiveKind.TEXT),
        "mobile": mask(mobile, SensitiveKind.MOBILE),
        "masked": True,
    }
