"""What every hotline staff page shares: who the user is to the hotline (centre agent,
supervisor, department clerk) and the navigation that follows from it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.urls import reverse_lazy

from yiwang.hotline import access, permissions
from yiwang.hotline.knowledge import KNOWLEDGE
from yiwang.kernel.permissions import can

#: Staff pages: sent to the staff sign-in otherwise.
staff_only = login_required(login_url=reverse_lazy("identity:staff-login"))


@dataclass(frozen=True)
class Reach:
    """The user's standing on the hotline."""

    intake: frozenset[str]  # regions where the user is a centre agent
    supervise: frozenset[str]  # regions where the user supervises for the centre
    departments: frozenset[int]  # departments whose orders the user handles

    @property
    def centre(self) -> bool:
        return bool(self.intake or self.supervise)

    @property
    def any(self) -> bool:
        return self.centre or bool(self.departments)


def reach(user: Any) -> Reach:
    return Reach(
        intake=access.centre_regions(user, permissions.INTAKE),
        supervise=access.centre_regions(user, permissions.SUPERVISE),
        departments=access.department_ids(user),
    )


def require_staff(user: Any, *, centre: bool = False) -> Reach:
    """The user's reach; 403 for users with no hotline role (or not the centre's, when
    ``centre``)."""
    found = reach(user)
    if not (found.centre if centre else found.any):
        raise PermissionDenied
    return found


def nav(user: Any, current: str, found: Reach | None = None) -> dict[str, Any]:
    """Context for ``hotline/_nav.html``: ``current`` is one of desk, intake, knowledge,
    queue, supervision, callbacks, analytics, knowledge-manage."""
    found = found or reach(user)
    return {
        "nav_current": current,
        "hotline_reach": found,
        "may_edit_knowledge": can(user, KNOWLEDGE),
    }
