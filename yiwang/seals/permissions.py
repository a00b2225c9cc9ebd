"""Who may act on seals. Department administrators register and manage their department's
seals and grant their use; a person seals a document only with a grant on that seal (checked
in services, not by role). Platform administrators manage any seal."""

from __future__ import annotations

from yiwang.kernel.models import Role
from yiwang.kernel.permissions import register_action

MANAGE = "seals.manage"  # register, enable, suspend, revoke, grant use
VIEW = "seals.view"  # the seal register and its use log


def register() -> None:
    register_action(MANAGE, {Role.DEPARTMENT_ADMIN, Role.PLATFORM_ADMIN})
    register_action(VIEW, {Role.DEPARTMENT_ADMIN, Role.PLATFORM_ADMIN, Role.AUDITOR, Role.APPROVER})
