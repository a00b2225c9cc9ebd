"""The one permission gate.

Every later module asks here: ``can(user, action, department=..., region=...)`` for a single
decision, ``scope_for(user, action)`` for the regions and departments a user may act in, and
``restrict(queryset, user, action, region_field=..., department_field=...)`` to filter a
queryset. A region-scoped role reaches that region and everything below it (region codes are
prefixes of their descendants' codes); a department-scoped role reaches that department only.

Actions are strings named ``<module>.<verb>`` and map to the roles that may perform them in
``ACTION_ROLES``; modules add their own with :func:`register_action`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import reduce
from operator import or_
from typing import Any, TypeVar

from django.db.models import Model, Q, QuerySet

from yiwang.kernel.models import Department, Region, Role, RoleAssignment

ACTION_ROLES: dict[str, frozenset[str]] = {
    "kernel.view_region": frozenset(Role.values),
    "kernel.view_department": frozenset(Role.values),
    "kernel.manage_department": frozenset({Role.PLATFORM_ADMIN, Role.DEPARTMENT_ADMIN}),
    "kernel.manage_roles": frozenset({Role.PLATFORM_ADMIN, Role.DEPARTMENT_ADMIN}),
    "kernel.manage_calendar": frozenset({Role.PLATFORM_ADMIN}),
    "kernel.import_regions": frozenset({Role.PLATFORM_ADMIN}),
    "kernel.view_audit": frozenset({Role.PLATFORM_ADMIN, Role.AUDITOR}),
    "kernel.upload_file": frozenset(Role.values),
}


def register_action(action: str, roles: Iterable[str]) -> None:
    """Declare which roles may perform ``action`` (called from a module's ``apps.ready``)."""
    ACTION_ROLES[action] = frozenset(str(r) for r in roles)


@dataclass(frozen=True)
class Scope:
    """Where a user may perform an action: whole regions (and below) and single departments."""

    region_codes: frozenset[str] = field(default_factory=frozenset)
    department_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def empty(self) -> bool:
        return not (self.region_codes or self.department_ids)

    def covers_region(self, code: str) -> bool:
        return any(code.startswith(r) for r in self.region_codes)

    def covers_department(self, department: Department) -> bool:
        return department.pk in self.department_ids or self.covers_region(department.region_id)

    def region_q(self, field_name: str) -> Q:
        if not self.region_codes:
            return Q(pk__in=[])
        return reduce(or_, (Q(**{f"{field_name}__startswith": c}) for c in self.region_codes))


def _assignments(user: Any) -> list[RoleAssignment]:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached: list[RoleAssignment] | None = getattr(user, "_yiwang_roles", None)
    if cached is None:
        cached = list(RoleAssignment.objects.filter(user=user))
        user._yiwang_roles = cached
    return cached


def forget_roles(user: Any) -> None:
    """Drop the per-request role cache after roles change."""
    if hasattr(user, "_yiwang_roles"):
        del user._yiwang_roles


def scope_for(user: Any, action: str) -> Scope:
    roles = ACTION_ROLES.get(action)
    if roles is None:
        raise KeyError(f"unknown action {action!r}: register it with register_action()")
    regions: set[str] = set()
    departments: set[int] = set()
    for assignment in _assignments(user):
        if assignment.role not in roles:
            continue
        if assignment.department_id is None:
            regions.add(assignment.region_id)
        else:
            departments.add(assignment.department_id)
    return Scope(region_codes=frozenset(regions), department_ids=frozenset(departments))


def can(
    user: Any,
    action: str,
    *,
    region: Region | str | None = None,
    department: Department | None = None,
) -> bool:
    """May ``user`` perform ``action`` in this department (or region, or anywhere at all)?"""
    scope = scope_for(user, action)
    if department is not None:
        return scope.covers_department(department)
    if region is not None:
        code = region if isinstance(region, str) else region.code
        return scope.covers_region(code)
    return not scope.empty


M = TypeVar("M", bound=Model)


def restrict(
    queryset: QuerySet[M],
    user: Any,
    action: str,
    *,
    region_field: str | None = None,
    department_field: str | None = None,
) -> QuerySet[M]:
    """Filter ``queryset`` to the rows ``user`` may perform ``action`` on.

    ``region_field`` is the path to the row's region code (e.g. ``"region__code"`` or
    ``"department__region__code"``: a foreign key's ``_id`` cannot take a prefix lookup);
    ``department_field`` is the path to its department id.
    """
    scope = scope_for(user, action)
    condition = Q(pk__in=[])
    if region_field and scope.region_codes:
        condition |= scope.region_q(region_field)
    if department_field and scope.department_ids:
        condition |= Q(**{f"{department_field}__in": scope.department_ids})
    return queryset.filter(condition)
