"""Who may act on cases. Applicants act on their own cases (checked by ownership, not roles);
staff act in the departments and regions their roles cover."""

from __future__ import annotations

from yiwang.kernel.models import Role
from yiwang.kernel.permissions import register_action

VIEW = "cases.view"
INTAKE = "cases.intake"  # accept, refuse, request supplements; apply at the window
HANDLE = "cases.handle"  # work on the process's tasks, decide


def task_action(role: str) -> str:
    """The action of working a process step in ``role``'s lane: the role itself, or the
    department's administrator standing in."""
    return f"cases.task.{role}"


def register() -> None:
    for role in Role.values:
        register_action(task_action(role), {role, Role.DEPARTMENT_ADMIN})
    register_action(
        VIEW,
        {
            Role.WINDOW_CLERK,
            Role.APPROVER,
            Role.DEPARTMENT_ADMIN,
            Role.PLATFORM_ADMIN,
            Role.AUDITOR,
        },
    )
    register_action(INTAKE, {Role.WINDOW_CLERK, Role.DEPARTMENT_ADMIN})
    register_action(HANDLE, {Role.APPROVER, Role.DEPARTMENT_ADMIN})
