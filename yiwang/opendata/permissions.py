"""Who may act on open data. A department's data officers and department administrators
publish for their department's publisher (CKAN's organization editors); the platform
administrator may publish for any department in the regions the role covers."""

from __future__ import annotations

from yiwang.kernel.models import Role
from yiwang.kernel.permissions import register_action

#: Create, change and delete datasets and resources; decide access applications.
PUBLISH = "opendata.publish"


def register() -> None:
    register_action(PUBLISH, {Role.DATA_OFFICER, Role.DEPARTMENT_ADMIN, Role.PLATFORM_ADMIN})
