"""What the work-order services share: refusals, locking, the timeline, telling the citizen."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from yiwang.hotline import access
from yiwang.hotline.errors import ErrorCode
from yiwang.hotline.models import OrderEvent, WorkOrder
from yiwang.kernel import audit, sms
from yiwang.kernel.errors import DomainError
from yiwang.kernel.errors import ErrorCode as KernelCode

log = logging.getLogger(__name__)

#: The longest text a citizen's request, a reply or a reason may have.
MAX_TEXT = 5000


def denied() -> DomainError:
    return DomainError(KernelCode.PERMISSION_DENIED, _("您没有执行此操作的权限。"), status=403)


def invalid(field: str, message: str, code: ErrorCode = ErrorCode.ORDER_INVALID) -> DomainError:
    return DomainError(code, message, status=422, errors={field: [message]})


def transition(order: WorkOrder, wanted: str) -> DomainError:
    return DomainError(
        ErrorCode.STATUS_TRANSITION,
        _("工单当前为“%(status)s”，不能%(wanted)s。")
        % {"status": order.get_status_display(), "wanted": wanted},
        status=409,
        status_now=order.status,
    )


def text(
    value: str | None,
    field: str,
    *,
    empty: ErrorCode,
    empty_message: str,
    limit: int = MAX_TEXT,
) -> str:
    """``value`` stripped; refused when empty or longer than ``limit``."""
    stripped = (value or "").strip()
    if not stripped:
        raise DomainError(empty, empty_message, status=422, errors={field: [empty_message]})
    if len(stripped) > limit:
        message = _("内容过长（最多 %(max)d 字）。") % {"max": limit}
        raise DomainError(
            ErrorCode.TEXT_TOO_LONG,
            message,
            status=422,
            errors={field: [message]},
            max_length=limit,
            length=len(stripped),
        )
    return stripped


def reason(value: str | None, field: str = "reason") -> str:
    return text(value, field, empty=ErrorCode.REASON_REQUIRED, empty_message=_("请填写理由。"))


def locked(order: WorkOrder) -> WorkOrder:
    """The order row, locked for this transaction; 404 when there is none."""
    row: WorkOrder | None = (
        WorkOrder.objects.select_for_update(of=("self",))
        .select_related("region", "topic", "lead_department")
        .filter(pk=order.pk)
        .first()
    )
    if row is None:
        raise access.not_found()
    return row


def require_centre(actor: Any, order: WorkOrder, action: str) -> None:
    """The centre's own actions: 404 to whoever may not see the order, 403 to the others."""
    if access.is_centre(actor, order, action):
        return
    if access.may_see(actor, order):
        raise denied()
    raise access.not_found()


def event(
    order: WorkOrder,
    actor: Any,
    kind: str,
    note: str = "",
    *,
    public: bool = True,
    department: Any = None,
    **details: Any,
) -> OrderEvent:
    """One step on the order's timeline, and its audit row."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    row = OrderEvent.objects.create(
        order=order,
        kind=kind,
        actor=user,
        note=note,
        public=public,
        department=department,
        details=details,
    )
    audit.record(
        f"hotline.{kind}",
        actor=actor,
        target=order,
        details={"number": order.number, **details},
    )
    return row


def _send_sms(mobile: str, body: str) -> None:
    try:
        sms.send_sms(mobile, body)
    except Exception:  # the gateway is outside our control; the timeline stands
        log.exception("hotline SMS failed")


def tell_citizen(order: WorkOrder, body: str) -> None:
    """Tell the citizen by SMS after commit (the public timeline event is the site message)."""
    mobile = order.contact_phone or ""
    if not mobile and order.citizen_id is not None:
        mobile = getattr(order.citizen, "mobile", "") or ""
    if not mobile.startswith("1") or len(mobile) != 11:
        return
    message = _("【12345】您的工单%(no)s：%(body)s") % {"no": order.number, "body": body}
    transaction.on_commit(lambda: _send_sms(mobile, message))
