"""Who sees which case: the one gate for the API and the pages.

* An applicant sees the cases they apply for (or a clerk started for them), and the cases of
  an entity they represent or act for as its agent, within the agent's scope of services.
* Staff see the cases of the departments (and regions) their roles cover for ``cases.view``:
  as the handling department, as the hall that received the case for another region (跨域通办),
  or as a department with a step of the case's process (并联审批).

Someone who may not see a case gets 404, exactly as for a case that does not exist."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from yiwang.cases import permissions
from yiwang.cases.models import Case, CaseTask
from yiwang.identity.services import enterprise
from yiwang.kernel.errors import DomainError
from yiwang.kernel.errors import ErrorCode as KernelCode
from yiwang.kernel.permissions import scope_for


def not_found() -> DomainError:
    return DomainError(KernelCode.NOT_FOUND, _("未找到该资源。"), status=404)


def own_q(user: Any) -> Q:
    """The caller's own cases: as the applicant, or started by them at the window."""
    return Q(applicant=user) | Q(created_by=user)


def entity_q(user: Any) -> Q:
    """Cases of the entities the caller represents, or acts for within the agent's scope
    (a scope names item codes; ``*`` is every service)."""
    condition = Q(pk__in=[])
    for entity in enterprise.entities_for(user):
        codes = entity["scope"]
        mine = Q(entity_credit_code=entity["credit_code"])
        if enterprise.ALL_SERVICES not in codes:
            mine &= Q(version__item_code__in=codes) | Q(parent__isnull=True, version__isnull=True)
        condition |= mine
    return condition


def applicant_q(user: Any) -> Q:
    if not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    return own_q(user) | entity_q(user)


def department_q(user: Any, action: str, *fields: str) -> Q:
    """Rows whose department (at each of ``fields``) lies in the caller's scope for
    ``action``."""
    scope = scope_for(user, action)
    condition = Q(pk__in=[])
    for name in fields:
        if scope.region_codes:
            condition |= scope.region_q(f"{name}__region__code")
        if scope.department_ids:
            condition |= Q(**{f"{name}_id__in": scope.department_ids})
    return condition


def staff_q(user: Any, action: str = permissions.VIEW) -> Q:
    """Cases the caller sees as staff: handling, receiving, or holding a step of the case."""
    with_steps = CaseTask.objects.filter(department_q(user, action, "department")).values("case_id")
    return department_q(user, action, "department", "intake_department") | Q(pk__in=with_steps)


def cases_for(user: Any) -> QuerySet[Case]:
    """Every case the caller may see, as applicant or as staff."""
    if not getattr(user, "is_authenticated", False):
        return Case.objects.none()
    condition = applicant_q(user)
    if not scope_for(user, permissions.VIEW).empty:
        condition |= staff_q(user)
    return Case.objects.filter(condition)


def get_case_for(user: Any, case_id: int | str) -> Case:
    """The case if the caller may see it; 404 otherwise (missing and forbidden look alike)."""
    try:
        pk = int(case_id)
    except (TypeError, ValueError):
        raise not_found() from None
    case: Case | None = cases_for(user).filter(pk=pk).first()
    if case is None:
        raise not_found()
    return case


def is_applicant_side(user: Any, case: Case) -> bool:
    """Does the caller act on this case as (or for) the applicant?"""
    return Case.objects.filter(applicant_q(user), pk=case.pk).exists()


def may_intake(user: Any, case: Case) -> bool:
    """Window intake of this case: the handling department's hall, or the hall that received
    it for another region (跨域通办)."""
    from yiwang.kernel.permissions import can

    if can(user, permissions.INTAKE, department=case.department):
        return True
    return case.intake_department is not None and can(
        user, permissions.INTAKE, department=case.intake_department
    )
