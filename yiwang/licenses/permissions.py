"""Who may act on licences. Holders act on their own licences (checked by ownership, not
roles); staff issue and manage licences in the departments their roles cover; platform
administrators keep the catalogue of licence types and verify user departments."""

from __future__ import annotations

from yiwang.kernel.models import Role
from yiwang.kernel.permissions import register_action

ISSUE = "licenses.issue"  # issue, import, change, suspend, resume, revoke
USE = "licenses.use"  # read a licence the holder shows (亮证), use it for a case (免提交)
MANAGE_TYPES = "licenses.manage_types"  # the catalogue of licence types
VERIFY_DEPARTMENT = "licenses.verify_department"  # 用证部门认证


def register() -> None:
    register_action(ISSUE, {Role.APPROVER, Role.DEPARTMENT_ADMIN})
    register_action(USE, {Role.WINDOW_CLERK, Role.APPROVER, Role.DEPARTMENT_ADMIN})
    register_action(MANAGE_TYPES, {Role.PLATFORM_ADMIN})
    register_action(VERIFY_DEPARTMENT, {Role.PLATFORM_ADMIN})
