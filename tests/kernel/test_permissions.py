"""The one permission gate: region scopes reach down the tree, department scopes stay put."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import DepartmentFactory, StaffFactory
from yiwang.kernel import services
from yiwang.kernel.models import Department, Region
from yiwang.kernel.permissions import can, register_action, scope_for

pytestmark = pytest.mark.django_db


def test_region_admin_sees_their_region_and_below_only(
    regions: Any, owning_department: Any, other_department: Any
) -> None:
    wuhan_admin = StaffFactory(username="wh", role="department_admin", region=regions.wuhan)
    visible = Department.objects.for_user(wuhan_admin, "kernel.manage_department")
    assert list(visible) == [owning_department]
    assert can(wuhan_admin, "kernel.manage_department", region=regions.village)
    assert not can(wuhan_admin, "kernel.manage_department", region=regions.hubei)
    assert not can(wuhan_admin, "kernel.manage_department", department=other_department)
    regions_seen = set(
        Region.objects.for_user(wuhan_admin, "kernel.view_region").values_list("code", flat=True)
    )
    assert regions_seen == {"4201", "420106", "420106001", "420106001001"}


def test_department_role_reaches_that_department_only(
    clerk: Any, owning_department: Any, regions: Any
) -> None:
    sibling = DepartmentFactory(code="420106-ZWSJ", region=regions.wuchang)
    assert can(clerk, "kernel.upload_file", department=owning_department)
    assert not can(clerk, "kernel.upload_file", department=sibling)
    assert list(Department.objects.for_user(clerk, "kernel.view_department")) == [owning_department]


def test_role_without_the_action_gets_nothing(clerk: Any, owning_department: Any) -> None:
    assert scope_for(clerk, "kernel.manage_department").empty
    assert not Department.objects.for_user(clerk, "kernel.manage_department").exists()


def test_anonymous_and_inactive_users_get_nothing(clerk: Any, owning_department: Any) -> None:
    from django.contrib.auth.models import AnonymousUser

    assert not can(AnonymousUser(), "kernel.view_department")
    clerk.is_active = False
    assert not can(clerk, "kernel.view_department", department=owning_department)


def test_citizen_has_no_staff_scope(citizen: Any, owning_department: Any) -> None:
    assert scope_for(citizen, "kernel.view_department").empty


def test_unknown_action_is_a_programming_error(clerk: Any) -> None:
    with pytest.raises(KeyError, match="register_action"):
        can(clerk, "nonsense.do")


def test_modules_register_their_actions(clerk: Any, owning_department: Any) -> None:
    register_action("testmodule.accept", ["window_clerk"])
    assert can(clerk, "testmodule.accept", department=owning_department)


def test_role_change_takes_effect_and_is_audited(regions: Any, owning_department: Any) -> None:
    from yiwang.kernel.models import AuditEntry

    user = StaffFactory(username="u", role="window_clerk", department=owning_department)
    assert not can(user, "kernel.view_audit")
    services.assign_role(actor="test", user=user, role="auditor", region=regions.hubei)
    assert can(user, "kernel.view_audit")
    assert AuditEntry.objects.filter(
        action="kernel.role_assigned", details__role="auditor"
    ).exists()
