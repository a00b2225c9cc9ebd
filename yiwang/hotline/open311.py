"""Open311 GeoReport v2: the hotline's topics as services, work orders as service requests.

This module holds the services behind ``/open311/v2/`` (the views are in ``views_open311``):
API clients and their keys, validating and filing a POSTed request as a work order (channel
``open311``), and the public representation of services and requests. Public answers carry
no personal data: no contact, no e-mail, no caller number; confidential orders (保密) show
no description.

Errors are :class:`Open311Error` (an HTTP status and a description) which the views render
in GeoReport's own format, ``[{"code": 400, "description": "..."}]``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.hotline.models import (
    Category,
    Channel,
    DispatchRule,
    OrderEvent,
    OrderStatus,
    Topic,
    WorkOrder,
)
from yiwang.kernel import audit, ratelimit
from yiwang.kernel.errors import DomainError
from yiwang.kernel.errors import ErrorCode as KernelCode
from yiwang.kernel.models import Role
from yiwang.kernel.permissions import can, register_action

MANAGE_CLIENTS = "hotline.open311_clients"
#: Days of requests a GET answers without dates, and the most requests it answers.
DEFAULT_DAYS = 90
MAX_REQUESTS = 1000
DESCRIPTION_MAX = 4000
ADDRESS_MAX = 300
MEDIA_URL_MAX = 500
#: POSTs per client and minute.
POSTS_PER_MINUTE = 120
#: Statuses GeoReport calls ``closed``.
CLOSED = (OrderStatus.COMPLETED, OrderStatus.CLOSED, OrderStatus.MERGED)
#: The category an Open311 request becomes (311 reports are problems to fix: 投诉).
OPEN311_CATEGORY = Category.COMPLAINT

register_action(MANAGE_CLIENTS, {Role.PLATFORM_ADMIN})


class Open311Error(Exception):
    def __init__(self, status: int, description: str) -> None:
        self.status = status
        self.description = description
        super().__init__(f"{status}: {description}")


# --- clients -------------------------------------------------------------------------------


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _may_manage(actor: Any) -> bool:
    return isinstance(actor, str) or can(actor, MANAGE_CLIENTS)


@transaction.atomic
def create_client(*, actor: Any, name: str) -> tuple[Any, str]:
    """A new Open311 client and its api_key ``<prefix>.<secret>`` (shown once: only the
    SHA-256 of the secret is kept). ``actor`` is a platform admin or a command (a string)."""
    from yiwang.hotline.models import Open311Client

    if not _may_manage(actor):
        raise DomainError(
            KernelCode.PERMISSION_DENIED, _("您无权管理 Open311 接入方。"), status=403
        )
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise DomainError(KernelCode.VALIDATION_ERROR, _("请填写接入方名称（不超过 100 个字）。"))
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    client = Open311Client.objects.create(name=name, prefix=prefix, secret_hash=_hash(secret))
    audit.record(
        "hotline.open311_client_created", actor=actor, target=client, details={"name": name}
    )
    return client, f"{prefix}.{secret}"


@transaction.atomic
def revoke_client(*, actor: Any, client: Any) -> None:
    if not _may_manage(actor):
        raise DomainError(
            KernelCode.PERMISSION_DENIED, _("您无权管理 Open311 接入方。"), status=403
        )
    type(client).objects.filter(pk=client.pk).update(is_active=False)
    audit.record("hotline.open311_client_revoked", actor=actor, target=client)


def authenticate(api_key: str | None) -> Any:
    """The active client owning ``api_key``; Open311Error 403 otherwise."""
    from yiwang.hotline.models import Open311Client

    if not api_key:
        raise Open311Error(403, _("缺少 api_key。"))
    prefix, _dot, secret = api_key.strip().partition(".")
    client = Open311Client.objects.filter(prefix=prefix, is_active=True).first() if secret else None
    if client is None or not hmac.compare_digest(client.secret_hash, _hash(secret)):
        raise Open311Error(403, _("api_key 无效。"))
    return client


# --- services ------------------------------------------------------------------------------


def services() -> QuerySet[Topic]:
    """The active leaf topics (those with a parent) of the taxonomy, by code."""
    return (
        Topic.objects.filter(is_active=True, parent__isnull=False)
        .select_related("parent")
        .order_by("code")
    )


def service(code: str) -> Topic:
    found = services().filter(code=code).first()
    if found is None:
        raise Open311Error(404, _("服务不存在：%(code)s") % {"code": code})
    return found


def service_dict(topic: Topic) -> dict[str, Any]:
    return {
        "service_code": topic.code,
        "service_name": topic.name,
        "description": f"{topic.parent.name if topic.parent else ''} › {topic.name}",
        "metadata": False,
        "type": "realtime",
        "keywords": ",".join(str(k) for k in topic.keywords),
        "group": topic.parent.name if topic.parent else "",
    }


def service_definition(topic: Topic) -> dict[str, Any]:
    return {"service_code": topic.code, "attributes": []}


# --- POST a request ------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestInput:
    service_code: str
    description: str
    latitude: Decimal | None
    longitude: Decimal | None
    address: str
    email: str
    first_name: str
    last_name: str
    phone: str
    media_url: str


def _coordinate(raw: str, name: str, bound: int) -> Decimal:
    try:
        value = Decimal(raw.strip())
    except InvalidOperation:
        raise Open311Error(400, _("%(name)s 不是有效的数字。") % {"name": name}) from None
    if not value.is_finite() or not -bound <= value <= bound:
        raise Open311Error(400, _("%(name)s 超出范围。") % {"name": name})
    return value.quantize(Decimal("0.000001"))


def parse_post(data: Any) -> RequestInput:
    """Validate a POST's form fields (GeoReport names) or raise Open311Error 400."""

    def field(name: str) -> str:
        return str(data.get(name, "") or "").strip()

    code = field("service_code")
    if not code:
        raise Open311Error(400, _("缺少 service_code。"))
    lat, lon = field("lat"), field("long")
    address = field("address_string") or field("address_id")
    latitude = longitude = None
    if lat or lon:
        if not (lat and lon):
            raise Open311Error(400, _("lat 和 long 必须同时提供。"))
        latitude = _coordinate(lat, "lat", 90)
        longitude = _coordinate(lon, "long", 180)
    elif not address:
        raise Open311Error(400, _("请提供位置：lat 和 long，或 address_string。"))
    if len(address) > ADDRESS_MAX:
        raise Open311Error(400, _("address_string 不能超过 %(n)d 个字。") % {"n": ADDRESS_MAX})
    description = field("description")
    if not description:
        raise Open311Error(400, _("缺少 description。"))
    if len(description) > DESCRIPTION_MAX:
        raise Open311Error(400, _("description 不能超过 %(n)d 个字。") % {"n": DESCRIPTION_MAX})
    media_url = field("media_url")
    if media_url and (
        len(media_url) > MEDIA_URL_MAX or not media_url.startswith(("https://", "http://"))
    ):
        raise Open311Error(400, _("media_url 不是有效的网址。"))
    phone = field("phone")
    if len(phone) > 30 or len(field("email")) > 254:
        raise Open311Error(400, _("联系方式过长。"))
    return RequestInput(
        service_code=code,
        description=description,
        latitude=latitude,
        longitude=longitude,
        address=address,
        email=field("email"),
        first_name=field("first_name")[:50],
        last_name=field("last_name")[:50],
        phone=phone,
        media_url=media_url,
    )


def _region_of(topic: Topic) -> Any:
    """The broadest region the topic's dispatch catalogue covers (the jurisdiction)."""
    rule = (
        DispatchRule.objects.filter(topic=topic).select_related("region").order_by("region__code")
    ).first()
    if rule is None:
        raise Open311Error(404, _("该服务暂不受理：%(code)s") % {"code": topic.code})
    return rule.region


def _create_order(*, client: Any, topic: Topic, given: RequestInput) -> WorkOrder:
    """A work order from an Open311 client, through the work-order engine (which numbers,
    routes and dispatches it), marked with the client; the media URL is kept on the
    ``received`` step and an e-mail address on a private step of the timeline."""
    from yiwang.hotline import services as orders

    try:
        order = orders.create_order(
            actor=f"open311:{client.prefix}",
            channel=Channel.OPEN311,
            category=OPEN311_CATEGORY,
            title=given.description.splitlines()[0][:40],
            content=given.description,
            region_code=_region_of(topic).code,
            address=given.address,
            latitude=given.latitude,
            longitude=given.longitude,
            topic_code=topic.code,
            contact_name=f"{given.last_name}{given.first_name}",
            contact_phone=given.phone,
        )
    except DomainError as refused:
        raise Open311Error(400, str(refused.message)) from None
    order.open311_client = client
    order.save(update_fields=["open311_client", "updated_at"])
    received = OrderEvent.objects.filter(order=order, kind="received").first()
    if received is not None and given.media_url:
        received.details = {**received.details, "media_url": given.media_url}
        received.save(update_fields=["details"])
    if given.email:
        OrderEvent.objects.create(
            order=order, kind="contact", public=False, details={"email": given.email}
        )
    audit.record(
        "hotline.open311_request",
        actor=f"open311:{client.prefix}",
        target=order,
        details={"client": client.name},
    )
    return order


def submit_request(*, api_key: str | None, data: Any) -> WorkOrder:
    """Authenticate, validate and file a POSTed service request; Open311Error otherwise."""
    client = authenticate(api_key)
    try:
        ratelimit.hit("hotline.open311", client.prefix, limit=POSTS_PER_MINUTE, window_seconds=60)
    except DomainError as refused:
        raise Open311Error(429, str(refused.message)) from None
    given = parse_post(data)
    topic = service(given.service_code)
    with transaction.atomic():
        return _create_order(client=client, topic=topic, given=given)


# --- GET requests --------------------------------------------------------------------------


def _when(raw: str, name: str) -> datetime:
    try:
        value = datetime.fromisoformat(raw.strip())
    except ValueError:
        raise Open311Error(400, _("%(name)s 不是有效的 ISO 8601 时间。") % {"name": name}) from None
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def find_requests(params: Any) -> list[WorkOrder]:
    """Orders for ``GET requests``: ``service_request_id`` (a comma-separated list; it
    overrides every other filter), ``service_code`` (comma-separated), ``start_date`` and
    ``end_date`` (ISO 8601; by default the last 90 days), ``status`` (open, closed). At most
    1,000, newest first."""
    orders = _public_orders()
    ids = [i.strip() for i in str(params.get("service_request_id", "")).split(",") if i.strip()]
    if ids:
        return list(orders.filter(number__in=ids[:MAX_REQUESTS])[:MAX_REQUESTS])
    codes = [c.strip() for c in str(params.get("service_code", "")).split(",") if c.strip()]
    if codes:
        orders = orders.filter(topic__code__in=codes)
    start_raw, end_raw = str(params.get("start_date", "")), str(params.get("end_date", ""))
    end = _when(end_raw, "end_date") if end_raw.strip() else None
    start = _when(start_raw, "start_date") if start_raw.strip() else None
    if start is None and end is None:
        start = timezone.now() - timedelta(days=DEFAULT_DAYS)
    if start is not None and end is not None and start > end:
        raise Open311Error(400, _("start_date 不能晚于 end_date。"))
    if start is not None:
        orders = orders.filter(created_at__gte=start)
    if end is not None:
        orders = orders.filter(created_at__lte=end)
    wanted = {s.strip() for s in str(params.get("status", "")).split(",") if s.strip()}
    if wanted - {"open", "closed"}:
        raise Open311Error(400, _("status 只能是 open 或 closed。"))
    if wanted == {"open"}:
        orders = orders.exclude(status__in=CLOSED)
    elif wanted == {"closed"}:
        orders = orders.filter(status__in=CLOSED)
    return list(orders[:MAX_REQUESTS])


def find_request(number: str) -> WorkOrder:
    found = _public_orders().filter(number=number).first()
    if found is None:
        raise Open311Error(404, _("服务请求不存在：%(id)s") % {"id": number})
    return found


def _public_orders() -> QuerySet[WorkOrder]:
    received = OrderEvent.objects.filter(kind="received")
    return (
        WorkOrder.objects.filter(topic__isnull=False)
        .select_related("topic", "lead_department")
        .prefetch_related(Prefetch("events", queryset=received, to_attr="received_events"))
        .order_by("-created_at", "-pk")
    )


def _w3c(value: datetime | None) -> str | None:
    if value is None:
        return None
    return timezone.localtime(value).isoformat(timespec="seconds")


def request_dict(order: WorkOrder) -> dict[str, Any]:
    """The public GeoReport representation of an order (no personal data)."""
    closed = order.status in CLOSED
    received = getattr(order, "received_events", [])
    media_url = next((str(e.details.get("media_url") or "") for e in received), "")
    topic = order.topic
    return {
        "service_request_id": order.number,
        "status": "closed" if closed else "open",
        "status_notes": str(OrderStatus(order.status).label),
        "service_name": topic.name if topic else "",
        "service_code": topic.code if topic else "",
        "description": "" if order.confidential else order.content,
        "agency_responsible": order.lead_department.name if order.lead_department else "",
        "service_notice": "",
        "requested_datetime": _w3c(order.created_at),
        "updated_datetime": _w3c(order.updated_at),
        "expected_datetime": _w3c(order.due_at),
        "address": order.address,
        "address_id": "",
        "zipcode": "",
        "lat": float(order.latitude) if order.latitude is not None else None,
        "long": float(order.longitude) if order.longitude is not None else None,
        "media_url": media_url,
    }


def created_dict(order: WorkOrder) -> dict[str, Any]:
    """The answer to a POST: the new request's id."""
    return {
        "service_request_id": order.number,
        "service_notice": _("已受理，请记住工单编号以便查询。"),
        "account_id": None,
    }
