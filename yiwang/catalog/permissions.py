"""Who may do what in the service catalogue.

Catalogue staff are department admins (they maintain their own department's items and
implementations); the government-service administration (platform admins of a region)
reviews, publishes and withdraws, and edits anything in its region. Window clerks, approvers
and auditors may read drafts in their scope."""

from __future__ import annotations

from yiwang.kernel.models import Role
from yiwang.kernel.permissions import register_action

MANAGE_ITEMS = "catalog.manage_items"
EDIT = "catalog.edit"
REVIEW = "catalog.review"
VIEW = "catalog.view"
MANAGE_LIFE_EVENTS = "catalog.manage_life_events"
IMPORT = "catalog.import"


def register() -> None:
    editors = {Role.PLATFORM_ADMIN, Role.DEPARTMENT_ADMIN}
    register_action(MANAGE_ITEMS, editors)
    register_action(EDIT, editors)
    register_action(REVIEW, {Role.PLATFORM_ADMIN})
    register_action(
        VIEW, editors | {Role.WINDOW_CLERK, Role.APPROVER, Role.AUDITOR, Role.HOTLINE_AGENT}
    )
    register_action(MANAGE_LIFE_EVENTS, editors)
    register_action(IMPORT, {Role.PLATFORM_ADMIN})
