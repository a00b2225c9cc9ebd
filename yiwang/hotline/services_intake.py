"""受理 and 派单: intake from every channel, routing by the classifier, dispatch by the
catalogue (按责转办)."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
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
    Channel,
    DeadlineState,
    DispatchRule,
    OrderCounter,
    OrderStatus,
    Topic,
    Urgency,
    WorkOrder,
)
from yiwang.hotline.services_common import (
    MAX_TEXT,
    denied,
    event,
    invalid,
    locked,
    require_centre,
    text,
    transition,
)
from yiwang.kernel import audit, events
from yiwang.kernel.errors import DomainError
from yiwang.kernel.models import Department, Region

log = logging.getLogger(__name__)

#: Channels a citizen files through; the others are the centre's (phone, grid).
CITIZEN_CHANNELS = (Channel.WEB, Channel.MOBILE, Channel.API)
STAFF_CHANNELS = (Channel.PHONE, Channel.GRID)
#: A mainland mobile number or a landline with its area code (027-12345678).
PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
#: What a photo (a grid event's, a citizen's) may be: the kernel's store reads the type from
#: the file's first bytes, so a PDF named .jpg is still a PDF.
PHOTO_TYPES = ("image/jpeg", "image/png")
#: States an order can be dispatched from (re-dispatch after a send-back is the centre's).
DISPATCHABLE = (
    OrderStatus.RECEIVED,
    OrderStatus.REOPENED,
    OrderStatus.DISPATCHED,
    OrderStatus.IN_PROGRESS,
)


# --- intake -----------------------------------------------------------------------------------


def _choice(value: str, choices: Any, field: str) -> str:
    if value not in choices.values:
        raise invalid(field, _("“%(value)s”不是有效的选项。") % {"value": value})
    return value


def _coordinate(value: Any, low: int, high: int) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValueError from None
    if not number.is_finite() or not low <= number <= high:
        raise ValueError
    return number.quantize(Decimal("0.000001"))


def _coordinates(latitude: Any, longitude: Any) -> tuple[Decimal | None, Decimal | None]:
    if latitude in (None, "") and longitude in (None, ""):
        return None, None
    message = _("坐标无效：经纬度须同时填写，纬度在 -90 至 90 之间，经度在 -180 至 180 之间。")
    if latitude in (None, "") or longitude in (None, ""):
        raise DomainError(
            ErrorCode.COORDINATES_INVALID, message, status=422, errors={"latitude": [message]}
        )
    try:
        return _coordinate(latitude, -90, 90), _coordinate(longitude, -180, 180)
    except ValueError:
        raise DomainError(
            ErrorCode.COORDINATES_INVALID, message, status=422, errors={"latitude": [message]}
        ) from None


def _phone(value: str | None, field: str) -> str:
    number = re.sub(r"[\s]", "", value or "")
    if number and not PHONE.match(number):
        raise invalid(field, _("电话号码格式不正确（手机号11位，或区号加座机号）。"))
    return number


def _topic(code: str) -> Topic:
    topic: Topic | None = Topic.objects.filter(code=code, is_active=True).first()
    if topic is None:
        message = _("诉求分类 %(code)s 不存在。") % {"code": code}
        raise DomainError(
            ErrorCode.UNKNOWN_TOPIC, message, status=422, errors={"topic_code": [message]}
        )
    return topic


def _region(code: str) -> Region:
    region: Region | None = Region.objects.filter(code=(code or "").strip()).first()
    if region is None:
        message = _("行政区划 %(code)s 不存在。") % {"code": code}
        raise DomainError(
            ErrorCode.UNKNOWN_REGION, message, status=422, errors={"region_code": [message]}
        )
    return region


def _next_number() -> str:
    today = timezone.localdate()
    counter, _created = OrderCounter.objects.select_for_update().get_or_create(day=today)
    # get_or_create's new row is not locked on every backend: lock it again.
    counter = OrderCounter.objects.select_for_update().get(pk=counter.pk)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{today:%Y%m%d}{counter.last:06d}"


@audit.refusals_recorded("hotline.create_order")
@transaction.atomic
def create_order(
    *,
    actor: Any,
    channel: str,
    category: str,
    title: str = "",
    content: str,
    region_code: str,
    address: str = "",
    latitude: Any = None,
    longitude: Any = None,
    urgency: str = Urgency.NORMAL,
    topic_code: str | None = None,
    contact_name: str = "",
    contact_phone: str = "",
    caller_number: str = "",
    recording_ref: str = "",
    agent_notes: str = "",
    grid_code: str = "",
    photos: Sequence[Any] = (),
    citizen: Any = None,
    confidential: bool = False,
) -> WorkOrder:
    """受理: a new work order, then routed (see :func:`route`).

    A citizen files through the web, mobile pages or the API (they are the order's citizen);
    the centre's agents take phone calls and grid events in their regions (``citizen`` may
    name the caller's account); Open311 orders are filed by the Open311 module (``actor`` a
    system label)."""
    _choice(channel, Channel, "channel")
    _choice(category, Category, "category")
    _choice(urgency, Urgency, "urgency")
    content = text(
        content, "content", empty=ErrorCode.TEXT_EMPTY, empty_message=_("诉求内容不能为空。")
    )
    title = (title or "").strip() or content[:30]
    if len(title) > 200:
        message = _("标题过长（最多 %(max)d 字）。") % {"max": 200}
        raise DomainError(ErrorCode.TEXT_TOO_LONG, message, status=422, errors={"title": [message]})
    for field, value, limit in (
        ("address", address, 300),
        ("agent_notes", agent_notes, MAX_TEXT),
        ("recording_ref", recording_ref, 100),
        ("grid_code", grid_code, 40),
        ("contact_name", contact_name, 50),
    ):
        if len((value or "").strip()) > limit:
            message = _("内容过长（最多 %(max)d 字）。") % {"max": limit}
            raise DomainError(
                ErrorCode.TEXT_TOO_LONG, message, status=422, errors={field: [message]}
            )
    region = _region(region_code)
    topic = _topic(topic_code) if topic_code else None
    lat, lng = _coordinates(latitude, longitude)
    phone = _phone(contact_phone, "contact_phone")
    caller = _phone(caller_number, "caller_number")
    for photo in photos:
        if getattr(photo, "content_type", "") not in PHOTO_TYPES:
            raise invalid("photo_ids", _("照片须为 JPEG 或 PNG 图片。"))

    is_user = bool(getattr(actor, "is_authenticated", False))
    if channel in STAFF_CHANNELS:
        if not access.covers(access.centre_regions(actor, permissions.INTAKE), region.code):
            raise denied()
    elif channel in CITIZEN_CHANNELS:
        if not is_user:
            raise denied()
        if citizen is None and not access.covers(access.centre_reach(actor), region.code):
            citizen = actor
    if channel != Channel.PHONE:
        caller, recording_ref = "", ""

    order = WorkOrder.objects.create(
        number=_next_number(),
        channel=channel,
        category=category,
        topic=topic,
        title=title,
        content=content,
        region=region,
        address=(address or "").strip(),
        latitude=lat,
        longitude=lng,
        urgency=urgency,
        citizen=citizen,
        contact_name=(contact_name or "").strip(),
        contact_phone=phone,
        confidential=confidential,
        caller_number=caller,
        recording_ref=(recording_ref or "").strip(),
        agent_notes=(agent_notes or "").strip(),
        grid_code=(grid_code or "").strip(),
        created_by=actor if is_user else None,
    )
    for photo in photos:
        Attachment.objects.create(order=order, file=photo)
    event(order, actor, "received", channel=channel, category=category, region=region.code)
    events.emit("hotline.received", {"order_id": order.pk, "number": order.number})
    route(order, actor=actor)
    return order


# --- routing ------------------------------------------------------------------------------------


def route(order: WorkOrder, *, actor: Any) -> None:
    """An order with a topic goes out by the catalogue when a rule maps it; without one, the
    classifier proposes a topic and department, kept on the order, and above the threshold
    (YIWANG_HOTLINE_AUTO_DISPATCH_CONFIDENCE) the order is dispatched on its own. Anything
    else (no model trained yet, no rule) waits in the agents' "to confirm" queue.

    A consultation an agent takes on the phone is never dispatched here: the caller is on the
    line, and the agent answers from the knowledge base (``services_answer.answer_from_article``) or
    dispatches it from the order page."""
    held = order.category == Category.CONSULTATION and order.channel == Channel.PHONE
    if order.topic is not None:
        if not held and rule_for(order.topic, order.region_id) is not None:
            _dispatch(order, actor=actor, topic=order.topic)
        return
    try:
        from yiwang.hotline import classifier
    except ImportError:  # the classifier has not landed
        return
    try:
        proposal = classifier.propose(f"{order.title}\n{order.content}", order.region_id)
    except DomainError as error:  # MODEL_MISSING, or text the classifier cannot read
        log.info("order %s left for an agent: %s", order.number, error.code)
        return
    topic = Topic.objects.filter(code=proposal.topic_code, is_active=True).first()
    department = Department.objects.filter(code=proposal.department_code).first()
    order.proposed_topic = topic
    order.proposed_department = department
    order.proposal_confidence = float(proposal.department_confidence)
    order.save(
        update_fields=[
            "proposed_topic",
            "proposed_department",
            "proposal_confidence",
            "updated_at",
        ]
    )
    if held or topic is None or not proposal.is_confident():
        return
    rule = rule_for(topic, order.region_id)
    lead = rule.lead if rule is not None else department
    if lead is None:
        return
    order.auto_dispatched = True
    order.save(update_fields=["auto_dispatched", "updated_at"])
    _dispatch(order, actor="system", topic=topic, lead=lead if rule is None else None, auto=True)


def rule_for(topic: Topic, region_code: str) -> DispatchRule | None:
    """The catalogue's rule for ``topic`` in the most specific region containing
    ``region_code`` (a rule for 420106 beats one for 4201)."""
    prefixes = [region_code[:n] for n in (2, 4, 6, 9, 12) if n <= len(region_code)]
    rules = list(
        DispatchRule.objects.select_related("lead")
        .prefetch_related("supporting")
        .filter(topic=topic, region_id__in=prefixes)
    )
    if not rules:
        return None
    return max(rules, key=lambda r: len(r.region_id))


def _department(code: str, field: str) -> Department:
    department: Department | None = Department.objects.filter(code=code, is_active=True).first()
    if department is None:
        raise invalid(field, _("部门 %(code)s 不存在。") % {"code": code})
    return department


def _dispatch(
    order: WorkOrder,
    *,
    actor: Any,
    topic: Topic | None = None,
    lead: Department | None = None,
    supporting: Sequence[Department] | None = None,
    auto: bool = False,
    kind: str = "dispatched",
) -> WorkOrder:
    """Withdraw what departments still hold, then assign ``lead`` (or the catalogue's) and the
    supporting departments with their time limits."""
    topic = topic or order.topic
    if lead is None:
        rule = rule_for(topic, order.region_id) if topic is not None else None
        if rule is None:
            message = _("派单目录中没有该分类在本区划的主办部门，请指定主办部门。")
            raise DomainError(ErrorCode.NO_RULE, message, status=422)
        lead = rule.lead
        if supporting is None:
            supporting = list(rule.supporting.all())
    supporting = [d for d in (supporting or []) if d.pk != lead.pk]
    now = timezone.now()
    limit = deadlines.limit_for(order.category, order.urgency)
    sign_due = now + dt.timedelta(hours=limit.sign_hours)
    due = deadlines.add(now, limit.amount, limit.unit)
    Assignment.objects.filter(order=order, status__in=access.ACTIVE).update(
        status=AssignmentStatus.WITHDRAWN
    )
    for department, role in [(lead, AssignmentRole.LEAD)] + [
        (d, AssignmentRole.SUPPORT) for d in supporting
    ]:
        Assignment.objects.create(
            order=order,
            department=department,
            role=role,
            dispatched_at=now,
            sign_due_at=sign_due,
            due_at=due,
        )
    order.topic = topic
    order.lead_department = lead
    order.dispatched_at = now
    order.due_at = due
    order.deadline_state = DeadlineState.ON_TIME
    if order.status != OrderStatus.REOPENED:
        order.status = OrderStatus.DISPATCHED
    order.save()
    event(
        order,
        actor,
        kind,
        _("已转%(lead)s办理。") % {"lead": lead.name},
        department=lead,
        lead=lead.code,
        supporting=[d.code for d in supporting],
        topic=topic.code if topic else None,
        auto=auto,
        due_at=due.isoformat(),
    )
    events.emit(
        "hotline.dispatched",
        {
            "order_id": order.pk,
            "number": order.number,
            "lead_department_id": lead.pk,
            "supporting_department_ids": [d.pk for d in supporting],
        },
    )
    return order


@audit.refusals_recorded("hotline.dispatch")
@transaction.atomic
def dispatch(
    *,
    actor: Any,
    order: WorkOrder,
    topic_code: str | None = None,
    lead_code: str | None = None,
    supporting_codes: Sequence[str] | None = None,
) -> WorkOrder:
    """派单 by an agent: the topic (confirming or correcting the proposal) and, when the
    catalogue has no rule or the agent knows better, the lead and supporting departments."""
    order = locked(order)
    require_centre(actor, order, permissions.INTAKE)
    if order.status not in (OrderStatus.RECEIVED, OrderStatus.REOPENED):
        raise transition(order, _("派单"))
    topic = _topic(topic_code) if topic_code else order.topic
    lead = _department(lead_code, "lead_code") if lead_code else None
    supporting = (
        [_department(code, "supporting_codes") for code in supporting_codes]
        if supporting_codes is not None
        else None
    )
    return _dispatch(order, actor=actor, topic=topic, lead=lead, supporting=supporting)
