"""Who may act in the exchange. A department's data officers (数据专员) register its resources,
ask for other departments' resources, decide requests for its own, manage its applications and
handle error reports; department administrators may do the same; auditors read the logs."""

from __future__ import annotations

from yiwang.kernel.models import Role
from yiwang.kernel.permissions import register_action

CATALOG = "exchange.catalog"  # register, edit, publish, mount the department's resources
REQUEST = "exchange.request"  # ask for resources, manage applications, report errors
APPROVE = "exchange.approve"  # decide requests for the department's resources, fix reports
VIEW = "exchange.view"  # the catalogue, grants, the call log, quality


def register() -> None:
    officers = {Role.DATA_OFFICER, Role.DEPARTMENT_ADMIN}
    register_action(CATALOG, officers | {Role.PLATFORM_ADMIN})
    register_action(REQUEST, officers)
    register_action(APPROVE, officers)
    register_action(VIEW, officers | {Role.PLATFORM_ADMIN, Role.AUDITOR})
