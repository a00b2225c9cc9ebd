"""办理, 答复, 督办, 办结: what departments do with the orders they hold, and what the centre
decides about it.

Completion: the centre completes an order after the lead department's reply (it reads the
answer first), except a consultation, which is completed as soon as the lead replies (the
answer is the whole of the handling)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.hotline import access, deadlines, permissions
from yiwang.hotline.errors import ErrorCode
from yiwang.hotline.models import (
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    Attachment,
    Category,
    DeadlineUnit,
    Extension,
    OrderStatus,
    RequestStatus,
    SendBack,
    Supervision,
    WorkOrder,
)
from yiwang.hotline.services_common import (
    event,
    invalid,
    locked,
    reason,
    require_centre,
    tell_citizen,
    text,
    transition,
)
from yiwang.hotline.services_intake import _department, _dispatch
from yiwang.kernel import audit, events
from yiwang.kernel.errors import DomainError

#: Orders a department can still work on.
OPEN = (OrderStatus.DISPATCHED, OrderStatus.IN_PROGRESS, OrderStatus.REOPENED)


def _open(order: WorkOrder, wanted: str) -> None:
    if order.status not in OPEN:
        raise transition(order, wanted)


def _pending(model: Any, assignment: Assignment, what: str) -> None:
    if model.objects.filter(assignment=assignment, status=RequestStatus.PENDING).exists():
        raise DomainError(
            ErrorCode.STATUS_TRANSITION,
            _("已有待审核的%(what)s申请。") % {"what": what},
            status=409,
        )


# --- department actions -------------------------------------------------------------------------


@audit.refusals_recorded("hotline.sign_for")
@transaction.atomic
def sign_for(*, actor: Any, order: WorkOrder) -> Assignment:
    """签收 by a clerk of a department holding the order."""
    order = locked(order)
    assignment = access.held_assignment(actor, order)
    _open(order, _("签收"))
    if assignment.status != AssignmentStatus.PENDING:
        raise transition(order, _("重复签收"))
    now = timezone.now()
    assignment.status = AssignmentStatus.SIGNED
    assignment.signed_at = now
    assignment.signed_by = actor
    assignment.save(update_fields=["status", "signed_at", "signed_by"])
    if assignment.role == AssignmentRole.LEAD and order.status == OrderStatus.DISPATCHED:
        order.status = OrderStatus.IN_PROGRESS
        order.save(update_fields=["status", "updated_at"])
    event(
        order,
        actor,
        "signed_for",
        _("%(department)s已签收。") % {"department": assignment.department.name},
        department=assignment.department,
        role=assignment.role,
        late=now > assignment.sign_due_at,
    )
    return assignment


@audit.refusals_recorded("hotline.send_back")
@transaction.atomic
def send_back(
    *, actor: Any, order: WorkOrder, reason_text: str, suggested_code: str | None = None
) -> SendBack:
    """退单: the department says the order is not its own; the centre reviews it."""
    order = locked(order)
    assignment = access.held_assignment(actor, order)
    _open(order, _("退单"))
    why = reason(reason_text)
    suggested = _department(suggested_code, "suggested_code") if suggested_code else None
    _pending(SendBack, assignment, _("退单"))
    request = SendBack.objects.create(
        assignment=assignment, reason=why, suggested_department=suggested, created_by=actor
    )
    assignment.status = AssignmentStatus.SENT_BACK
    assignment.send_back_reason = why
    assignment.save(update_fields=["status", "send_back_reason"])
    event(
        order,
        actor,
        "sent_back",
        why,
        public=False,
        department=assignment.department,
        send_back_id=request.pk,
        suggested=suggested.code if suggested else None,
    )
    return request


@audit.refusals_recorded("hotline.review_send_back")
@transaction.atomic
def review_send_back(
    *,
    actor: Any,
    send_back: SendBack,
    approve: bool,
    note: str = "",
    lead_code: str | None = None,
) -> SendBack:
    """The centre reviews a send-back: approved, a lead's order goes to ``lead_code`` (or the
    department the clerk suggested; a supporting department is simply released); rejected,
    the department holds the order again as before."""
    request: SendBack | None = (
        SendBack.objects.select_for_update()
        .select_related("assignment")
        .filter(pk=send_back.pk)
        .first()
    )
    if request is None:
        raise access.not_found()
    order = locked(request.assignment.order)
    require_centre(actor, order, permissions.INTAKE)
    if request.status != RequestStatus.PENDING:
        raise transition(order, _("重复审核退单"))
    assignment = request.assignment
    request.status = RequestStatus.APPROVED if approve else RequestStatus.REJECTED
    request.reviewed_by = actor
    request.reviewed_at = timezone.now()
    request.review_note = (note or "").strip()
    request.save()
    event(
        order,
        actor,
        "send_back_reviewed",
        request.review_note,
        public=False,
        department=assignment.department,
        send_back_id=request.pk,
        approved=approve,
    )
    if not approve:
        assignment.status = (
            AssignmentStatus.SIGNED if assignment.signed_at else AssignmentStatus.PENDING
        )
        assignment.save(update_fields=["status"])
        return request
    if assignment.role == AssignmentRole.LEAD:
        if lead_code:
            lead = _department(lead_code, "lead_code")
        elif request.suggested_department is not None:
            lead = request.suggested_department
        else:
            lead = None  # the catalogue's rule, unless it names the same department
        supporting = [
            a.department
            for a in order.assignments.filter(
                role=AssignmentRole.SUPPORT, status__in=access.ACTIVE
            ).select_related("department")
        ]
        if lead is None or lead.pk == assignment.department_id:
            message = _("请指定新的主办部门。")
            raise invalid("lead_code", message)
        _dispatch(order, actor=actor, lead=lead, supporting=supporting, kind="redispatched")
    return request


def _unit(value: str) -> str:
    if value not in DeadlineUnit.values:
        raise invalid("unit", _("时限单位应为工作日或小时。"))
    return value


@audit.refusals_recorded("hotline.request_extension")
@transaction.atomic
def request_extension(
    *, actor: Any, order: WorkOrder, reason_text: str, amount: int, unit: str
) -> Extension:
    """延期 asked by the department holding the order."""
    order = locked(order)
    assignment = access.held_assignment(actor, order)
    _open(order, _("申请延期"))
    why = reason(reason_text)
    if not isinstance(amount, int) or not 1 <= amount <= 60:
        raise invalid("amount", _("延长时限应为 1 至 60。"))
    _unit(unit)
    _pending(Extension, assignment, _("延期"))
    extension = Extension.objects.create(
        assignment=assignment, reason=why, amount=amount, unit=unit, created_by=actor
    )
    event(
        order,
        actor,
        "extension_requested",
        why,
        public=False,
        department=assignment.department,
        extension_id=extension.pk,
        amount=amount,
        unit=unit,
    )
    return extension


@audit.refusals_recorded("hotline.decide_extension")
@transaction.atomic
def decide_extension(
    *, actor: Any, extension: Extension, approve: bool, note: str = ""
) -> Extension:
    """The centre approves (the due date moves) or refuses an extension."""
    request: Extension | None = (
        Extension.objects.select_for_update()
        .select_related("assignment")
        .filter(pk=extension.pk)
        .first()
    )
    if request is None:
        raise access.not_found()
    order = locked(request.assignment.order)
    require_centre(actor, order, permissions.INTAKE)
    if request.status != RequestStatus.PENDING:
        raise transition(order, _("重复审核延期"))
    request.status = RequestStatus.APPROVED if approve else RequestStatus.REJECTED
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.decision_note = (note or "").strip()
    request.save()
    assignment = request.assignment
    if approve:
        assignment.due_at = deadlines.add(assignment.due_at, request.amount, request.unit)
        assignment.save(update_fields=["due_at"])
        if assignment.role == AssignmentRole.LEAD:
            order.due_at = assignment.due_at
            order.deadline_state = deadlines.state_at(
                order.dispatched_at, order.due_at, timezone.now()
            )
            order.save(update_fields=["due_at", "deadline_state", "updated_at"])
    event(
        order,
        actor,
        "extension_decided",
        request.decision_note,
        public=False,
        department=assignment.department,
        extension_id=request.pk,
        approved=approve,
        due_at=assignment.due_at.isoformat(),
    )
    return request


@audit.refusals_recorded("hotline.reply")
@transaction.atomic
def reply(
    *, actor: Any, order: WorkOrder, content: str, attachments: Sequence[Any] = ()
) -> Assignment:
    """答复 by a department holding the order (signing for it on the way if it had not). The
    lead's reply is the order's answer; a supporting department's goes on the timeline."""
    order = locked(order)
    assignment = access.held_assignment(actor, order)
    _open(order, _("答复"))
    answer = text(
        content, "content", empty=ErrorCode.REPLY_EMPTY, empty_message=_("答复内容不能为空。")
    )
    now = timezone.now()
    if assignment.signed_at is None:
        assignment.signed_at, assignment.signed_by = now, actor
    assignment.status = AssignmentStatus.REPLIED
    assignment.reply = answer
    assignment.replied_at = now
    assignment.replied_by = actor
    assignment.save()
    for stored in attachments:
        Attachment.objects.create(order=order, assignment=assignment, file=stored)
    lead = assignment.role == AssignmentRole.LEAD
    event(
        order,
        actor,
        "replied",
        answer,
        public=lead,
        department=assignment.department,
        role=assignment.role,
        attachments=len(attachments),
        late=order.due_at is not None and now > order.due_at,
    )
    if lead:
        order.status = OrderStatus.REPLIED
        order.answer = answer
        order.save(update_fields=["status", "answer", "updated_at"])
        tell_citizen(order, _("已有答复，请登录查看。"))
        _answer_merged(order, actor)
        if order.category == Category.CONSULTATION:
            _complete(order, actor)
    return assignment


# --- the centre ---------------------------------------------------------------------------------


def _answer_merged(order: WorkOrder, actor: Any, *, completed: bool = False) -> None:
    """Each citizen of an order merged into ``order`` gets the answer too."""
    for merged in order.merged_orders.select_for_update():
        merged.answer = order.answer
        fields = ["answer", "updated_at"]
        if completed:
            merged.completed_at = order.completed_at
            fields.append("completed_at")
        merged.save(update_fields=fields)
        event(
            merged,
            actor,
            "completed" if completed else "answered",
            order.answer,
            target=order.number,
        )
        tell_citizen(merged, _("并办工单已有答复，请登录查看。"))


def _complete(order: WorkOrder, actor: Any, note: str = "") -> None:
    order.status = OrderStatus.COMPLETED
    order.completed_at = timezone.now()
    order.save(update_fields=["status", "completed_at", "updated_at"])
    event(order, actor, "completed", note)
    events.emit("hotline.completed", {"order_id": order.pk, "number": order.number})
    tell_citizen(order, _("已办结，欢迎评价。"))
    _answer_merged(order, actor, completed=True)


@audit.refusals_recorded("hotline.complete")
@transaction.atomic
def complete(*, actor: Any, order: WorkOrder, note: str = "") -> WorkOrder:
    """办结 by the centre after the lead department's reply."""
    order = locked(order)
    require_centre(actor, order, permissions.INTAKE)
    if order.status != OrderStatus.REPLIED:
        raise transition(order, _("办结"))
    _complete(order, actor, (note or "").strip())
    return order


def _escalation_target(actor: Any, order: WorkOrder) -> str | None:
    """The region above the supervising centre's own (for a 4201 centre: 42)."""
    own = [c for c in access.centre_reach(actor) if order.region_id.startswith(c)]
    if not own:
        return None
    from yiwang.kernel.models import Region

    region = Region.objects.filter(code=max(own, key=len)).first()
    return region.parent_id if region is not None else None


@audit.refusals_recorded("hotline.supervise")
@transaction.atomic
def supervise(*, actor: Any, order: WorkOrder, note: str, escalate: bool = False) -> Supervision:
    """督办: the centre urges the departments holding the order; ``escalate`` raises it to the
    higher level (level 2), whose supervisors see it in their queue."""
    order = locked(order)
    require_centre(actor, order, permissions.SUPERVISE)
    if order.status not in (*OPEN, OrderStatus.REPLIED):
        raise transition(order, _("督办"))
    why = text(note, "note", empty=ErrorCode.REASON_REQUIRED, empty_message=_("请填写督办意见。"))
    level = 2 if escalate else 1
    target = _escalation_target(actor, order) if escalate else None
    supervision = Supervision.objects.create(order=order, level=level, note=why, created_by=actor)
    order.supervision_level = max(order.supervision_level, level)
    order.save(update_fields=["supervision_level", "updated_at"])
    holders = list(order.assignments.filter(status__in=access.ACTIVE).select_related("department"))
    for held in holders:
        event(
            order,
            actor,
            "supervised",
            why,
            public=False,
            department=held.department,
            level=level,
            escalated_to=target,
        )
    if not holders:
        event(order, actor, "supervised", why, public=False, level=level, escalated_to=target)
    events.emit(
        "hotline.supervised",
        {
            "order_id": order.pk,
            "number": order.number,
            "level": level,
            "escalated_to": target,
            "department_ids": [h.department_id for h in holders],
        },
    )
    return supervision
