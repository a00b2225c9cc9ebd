"""Who sees which work order: the one gate for the API, the pages and the services.

* The centre (``hotline.intake`` or ``hotline.supervise``) sees the orders in its regions
  (see :mod:`yiwang.hotline.permissions` for how a role reaches a region).
* A department's clerks (``hotline.handle``, held in that department) see the orders their
  department holds or held an assignment for (主办 or 协办).
* A citizen sees their own orders.

Anybody else gets 404, exactly as for an order that does not exist.

Contact data (联系人, 联系电话, 来电号码): the centre and the citizen see it in full. A
department sees it masked, except the lead department (主办) of an order that is not
confidential (保密), which needs the number to call the citizen back."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from yiwang.hotline import permissions
from yiwang.hotline.errors import ErrorCode
from yiwang.hotline.models import Assignment, AssignmentStatus, WorkOrder
from yiwang.kernel.errors import DomainError
from yiwang.kernel.fields import SensitiveKind, mask
from yiwang.kernel.models import Department
from yiwang.kernel.permissions import _assignments, scope_for

#: Assignments a department still works on.
ACTIVE = (AssignmentStatus.PENDING, AssignmentStatus.SIGNED)


def not_found() -> DomainError:
    return DomainError(ErrorCode.NOT_FOUND, _("未找到该工单。"), status=404)


def _authenticated(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def centre_regions(user: Any, action: str = permissions.INTAKE) -> frozenset[str]:
    """The region codes in which ``user`` acts for the hotline centre (``action``)."""
    if not _authenticated(user):
        return frozenset()
    roles = scope_for(user, action)  # validates the action name
    if roles.empty:
        return frozenset()
    codes: set[str] = set(roles.region_codes)
    department_ids = [
        a.department_id
        for a in _assignments(user)
        if a.department_id is not None and a.department_id in roles.department_ids
    ]
    if department_ids:
        agent_departments = {
            a.department_id for a in _assignments(user) if a.role == "hotline_agent"
        }
        for department in Department.objects.filter(pk__in=department_ids):
            if department.pk in agent_departments or department.code.endswith(
                permissions.CENTRE_SUFFIX
            ):
                codes.add(department.region_id)
    return frozenset(codes)


def covers(regions: frozenset[str], region_code: str) -> bool:
    return any(region_code.startswith(code) for code in regions)


def is_centre(user: Any, order: WorkOrder, action: str = permissions.INTAKE) -> bool:
    """Does ``user`` act for the centre over this order?"""
    return covers(centre_regions(user, action), order.region_id)


def centre_reach(user: Any) -> frozenset[str]:
    """Regions where ``user`` acts for the centre in any way (agent or supervisor)."""
    return centre_regions(user, permissions.INTAKE) | centre_regions(user, permissions.SUPERVISE)


def department_ids(user: Any) -> frozenset[int]:
    """The departments whose orders ``user`` handles as a clerk."""
    if not _authenticated(user):
        return frozenset()
    return scope_for(user, permissions.HANDLE).department_ids


def _region_q(regions: frozenset[str]) -> Q:
    condition = Q(pk__in=[])
    for code in regions:
        condition |= Q(region__code__startswith=code)
    return condition


def orders_for(user: Any) -> QuerySet[WorkOrder]:
    """Every order ``user`` may see, as centre, department or citizen."""
    if not _authenticated(user):
        return WorkOrder.objects.none()
    condition = Q(citizen=user) | _region_q(centre_reach(user))
    held = department_ids(user)
    if held:
        condition |= Q(
            pk__in=Assignment.objects.filter(department_id__in=held)
            .exclude(status=AssignmentStatus.WITHDRAWN)
            .values("order_id")
        )
    return WorkOrder.objects.filter(condition)


def get_order_for(user: Any, order_id: int | str) -> WorkOrder:
    """The order if ``user`` may see it; 404 otherwise."""
    try:
        pk = int(order_id)
    except (TypeError, ValueError):
        raise not_found() from None
    order: WorkOrder | None = orders_for(user).filter(pk=pk).first()
    if order is None:
        raise not_found()
    return order


def may_see(user: Any, order: WorkOrder) -> bool:
    return orders_for(user).filter(pk=order.pk).exists()


def held_assignment(user: Any, order: WorkOrder) -> Assignment:
    """The active assignment of the clerk's department on ``order``: 404 when the clerk may
    not see the order at all, ``NOT_HOLDER`` (403) when the department does not hold it."""
    if not may_see(user, order):
        raise not_found()
    held = department_ids(user)
    assignment: Assignment | None = (
        Assignment.objects.select_for_update()
        .select_related("department")
        .filter(order=order, department_id__in=held, status__in=ACTIVE)
        .order_by("role", "pk")
        .first()
    )
    if assignment is None:
        raise DomainError(
            ErrorCode.NOT_HOLDER,
            _("本部门未持有该工单,不能办理。"),
            status=403,
        )
    return assignment


def contact_visible(user: Any, order: WorkOrder, *, reach: frozenset[str] | None = None) -> bool:
    """May ``user`` read the citizen's contact in full (see the module's rule)? ``reach``:
    the user's :func:`centre_reach`, when the caller has it already (a list of orders)."""
    if not _authenticated(user):
        return False
    if order.citizen_id is not None and order.citizen_id == user.pk:
        return True
    if covers(centre_reach(user) if reach is None else reach, order.region_id):
        return True
    if order.confidential or order.lead_department_id is None:
        return False
    return order.lead_department_id in department_ids(user)


def contact_for(
    user: Any, order: WorkOrder, *, reach: frozenset[str] | None = None
) -> dict[str, str]:
    """The contact fields as ``user`` may read them (``reach``: see :func:`contact_visible`)."""
    values = {
        "contact_name": order.contact_name or "",
        "contact_phone": order.contact_phone or "",
        "caller_number": order.caller_number or "",
    }
    if contact_visible(user, order, reach=reach):
        return values
    return {
        "contact_name": mask(values["contact_name"], SensitiveKind.TEXT),
        "contact_phone": mask(values["contact_phone"], SensitiveKind.MOBILE),
        "caller_number": mask(values["caller_number"], SensitiveKind.MOBILE),
    }
