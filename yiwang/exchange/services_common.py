"""Helpers shared by the exchange's services: refusals, the permission check, the acting
department of a staff member, dates and settings."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.exchange.errors import ErrorCode
from yiwang.kernel import calendar
from yiwang.kernel.errors import DomainError
from yiwang.kernel.errors import ErrorCode as KernelCode
from yiwang.kernel.models import Department
from yiwang.kernel.permissions import can, scope_for

FILE_MAX_BYTES = 50 * 1024 * 1024
APPROVAL_DAYS = 5
REPORT_DAYS = 5


def is_user(actor: Any) -> bool:
    return bool(getattr(actor, "is_authenticated", False))


def user_or_none(actor: Any) -> Any:
    return actor if is_user(actor) else None


def not_found() -> DomainError:
    return DomainError(ErrorCode.NOT_FOUND, _("未找到该资源。"), status=404)


def denied() -> DomainError:
    return DomainError(KernelCode.PERMISSION_DENIED, _("您没有执行此操作的权限。"), status=403)


def invalid(code: ErrorCode, errors: list[dict[str, Any]], status: int = 422) -> DomainError:
    return DomainError(code, errors[0]["message"], status=status, errors=errors)


def error(field: str, code: str, message: str) -> dict[str, Any]:
    return {"field": field, "code": code, "message": message}


def require(actor: Any, action: str, department: Department | None = None) -> None:
    """Staff must hold ``action`` (in ``department``); a system label (``"system"``, a
    command, an event handler) acts for the platform itself."""
    if isinstance(actor, str) or actor is None:
        return
    if not can(actor, action, department=department):
        raise denied()


def reason_of(reason: str, field: str = "reason") -> str:
    reason = (reason or "").strip()
    if not reason:
        message = _("请填写原因。")
        raise DomainError(
            ErrorCode.REASON_REQUIRED,
            message,
            status=422,
            errors=[error(field, "required", message)],
        )
    return reason


def acting_department(actor: Any, action: str) -> Department:
    """The department a staff member acts for (as a consumer): the first department of their
    role assignments in which they hold ``action``. Refused (403) when there is none."""
    from yiwang.kernel.services import roles_of

    if is_user(actor):
        for assignment in roles_of(actor):
            department = assignment.department
            if department is not None and can(actor, action, department=department):
                return department
    raise DomainError(
        ErrorCode.NOT_PERMITTED,
        _("您不是任何部门的数据专员,不能代表部门申请或使用数据。"),
        status=403,
    )


def department_by_code(code: str) -> Department | None:
    found: Department | None = Department.objects.filter(code=code).first()
    return found


def today() -> dt.date:
    return timezone.localdate()


def end_of_day(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59)))


def working_days_from_today(n: int) -> dt.date:
    return calendar.add_working_days(today(), n)


def file_max_bytes() -> int:
    return int(getattr(settings, "YIWANG_EXCHANGE_FILE_MAX_BYTES", FILE_MAX_BYTES))


def approval_days() -> int:
    return int(getattr(settings, "YIWANG_EXCHANGE_APPROVAL_DAYS", APPROVAL_DAYS))


def report_days() -> int:
    return int(getattr(settings, "YIWANG_EXCHANGE_REPORT_DAYS", REPORT_DAYS))


def scoped(user: Any, action: str, department_field: str, region_field: str) -> Q:
    """Rows of the departments (and regions) where ``user`` holds ``action``."""
    scope = scope_for(user, action)
    condition = Q(pk__in=[])
    if scope.department_ids:
        condition |= Q(**{f"{department_field}__in": scope.department_ids})
    if scope.region_codes:
        condition |= scope.region_q(region_field)
    return condition
