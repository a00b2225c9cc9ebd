"""Who may act on work orders.

* ``hotline.intake``: the centre's agents (热线话务员) take calls, confirm routing, dispatch,
  review send-backs, decide extensions, complete, merge and call back.
* ``hotline.supervise``: the centre's supervisor urges orders (督办) and escalates them.
* ``hotline.handle``: a department's clerks act on the orders their department holds.

The centre's reach is a set of regions (an order is the centre's when its region lies in one):
a role held for a region as a whole reaches that region; a role held in a department reaches
the department's region when the department is a hotline centre (its code ends in
:data:`CENTRE_SUFFIX`, e.g. ``4201-12345``) — a hotline agent's department always is. Citizens
act on their own orders by ownership, not by role."""

from __future__ import annotations

from yiwang.kernel.models import Role
from yiwang.kernel.permissions import register_action

INTAKE = "hotline.intake"
SUPERVISE = "hotline.supervise"
HANDLE = "hotline.handle"

#: A department whose code ends so is a 12345 centre (e.g. 4201-12345).
CENTRE_SUFFIX = "-12345"


def register() -> None:
    register_action(INTAKE, {Role.HOTLINE_AGENT, Role.DEPARTMENT_ADMIN, Role.PLATFORM_ADMIN})
    register_action(SUPERVISE, {Role.DEPARTMENT_ADMIN, Role.PLATFORM_ADMIN})
    register_action(HANDLE, {Role.WINDOW_CLERK, Role.APPROVER, Role.DEPARTMENT_ADMIN})
