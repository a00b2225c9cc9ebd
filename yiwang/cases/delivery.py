"""Delivering the result (结果送达): the applicant picks it up at the window (窗口领取) or has it
mailed (邮寄送达, 邮政速递).

* ``choose_delivery`` — the applicant's choice, while the case runs or once it is approved;
  for mail a recipient, a mainland mobile number and an address (kept encrypted: ``Delivery``'s
  personal fields are ``SensitiveField``). The choice can be changed until the result leaves.
* ``ship_result`` — staff hand a mailed result to the postal carrier, which gives the tracking
  number; ``mark_delivered`` records that it arrived; ``mark_picked_up`` that the applicant
  collected it at the window (also when they never chose: coming to the window is a choice).

The carrier is an adapter chosen by ``YIWANG_POSTAL_CARRIER`` (like the SMS gateway): a class
with ``ship(delivery) -> tracking number`` and ``status(tracking number) -> DeliveryStatus``.
The default ``LocalCarrier`` reaches no carrier: its tracking numbers are
``YW<yyyymmdd><case number>`` and it reads the status from the delivery record.

Staff who may deliver: the handling department's window (or the hall that received the case
for another region, 跨域通办) and its approvers. Someone who may not see the case gets 404."""

from __future__ import annotations

import logging
import re
from typing import Any, Protocol

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from yiwang.cases import access, notify, permissions, services
from yiwang.cases.errors import ErrorCode
from yiwang.cases.models import (
    Case,
    CaseStatus,
    Decision,
    Delivery,
    DeliveryMethod,
    DeliveryStatus,
)
from yiwang.kernel.errors import DomainError
from yiwang.kernel.fields import SensitiveKind, mask
from yiwang.kernel.permissions import can
from yiwang.kernel.validators import validate_mobile

log = logging.getLogger(__name__)

RECIPIENT_MAX = 50
ADDRESS_MAX = 300
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

#: While a case runs, the applicant may already say how the result should reach them.
RUNNING = (CaseStatus.SUBMITTED, CaseStatus.SUPPLEMENT, CaseStatus.ACCEPTED)


# --- the carrier adapter ---------------------------------------------------------------------


class CarrierError(Exception):
    """The carrier refused the shipment or could not be reached."""


class PostalCarrier(Protocol):
    name: str

    def ship(self, delivery: Delivery) -> str:
        """Hand the result over; return the tracking number."""
        ...

    def status(self, tracking_no: str) -> str:
        """Where the shipment is, as a ``DeliveryStatus`` value."""
        ...


class LocalCarrier:
    """Ships nothing: numbers each shipment ``YW<yyyymmdd><case number>`` and reads its status
    from the delivery record (staff mark it delivered)."""

    name = "local"

    def ship(self, delivery: Delivery) -> str:
        case_no = delivery.case.case_no
        if not case_no:
            raise CarrierError("a case without a number cannot be shipped")
        tracking_no = f"YW{timezone.localdate():%Y%m%d}{case_no}"
        log.info(
            "shipment %s to %s (local carrier: nothing is sent)",
            tracking_no,
            mask(delivery.recipient, SensitiveKind.TEXT),
        )
        return tracking_no

    def status(self, tracking_no: str) -> str:
        found = (
            Delivery.objects.filter(tracking_no=tracking_no)
            .values_list("status", flat=True)
            .first()
        )
        if found is None:
            raise CarrierError(f"unknown tracking number {tracking_no}")
        return str(found)


def carrier() -> PostalCarrier:
    """The configured carrier (``YIWANG_POSTAL_CARRIER``)."""
    carrier_class = import_string(settings.YIWANG_POSTAL_CARRIER)
    instance: PostalCarrier = carrier_class()
    return instance


# --- shared checks ---------------------------------------------------------------------------


def may_deliver(actor: Any, case: Case) -> bool:
    """Staff who hand results out: the intake windows of the case and the handling
    department's approvers."""
    return access.may_intake(actor, case) or can(
        actor, permissions.HANDLE, department=case.department
    )


def _hidden_or_denied(actor: Any, case: Case) -> DomainError:
    """404 for someone who may not see the case (as if it did not exist), else 403."""
    if not access.cases_for(actor).filter(pk=case.pk).exists():
        return access.not_found()
    return services._denied()


def _delivery_status(delivery: Delivery, wanted: str) -> DomainError:
    return DomainError(
        ErrorCode.DELIVERY_STATUS,
        _("结果送达当前为“%(status)s”,不能%(wanted)s。")
        % {"status": delivery.get_status_display(), "wanted": wanted},
        status=409,
        status_now=delivery.status,
        method=delivery.method,
    )


def _require_approved(case: Case, wanted: str) -> None:
    if case.status != CaseStatus.COMPLETED or case.decision != Decision.APPROVE:
        raise services._transition(case, wanted)


def _text(errors: list[dict[str, str]], field: str, value: str, label: str, limit: int) -> str:
    value = value.strip()
    if not value:
        errors.append(
            {
                "field": field,
                "code": "required",
                "message": _("邮寄送达请填写%(label)s。") % {"label": label},
            }
        )
    elif len(value) > limit or _CONTROL.search(value):
        errors.append(
            {
                "field": field,
                "code": "invalid",
                "message": _("%(label)s不能超过 %(limit)d 个字,且不能含控制字符。")
                % {"label": label, "limit": limit},
            }
        )
    return value


def _mail_fields(recipient: str, phone: str, address: str) -> tuple[str, str, str]:
    """The recipient, mobile number and address of a mailing, each checked; every bad one
    is reported at once, at its field."""
    errors: list[dict[str, str]] = []
    recipient = _text(errors, "recipient", recipient, _("收件人"), RECIPIENT_MAX)
    mobile = ""
    if not phone.strip():
        errors.append(
            {"field": "phone", "code": "required", "message": _("邮寄送达请填写收件人手机号码。")}
        )
    else:
        try:
            mobile = validate_mobile(phone)
        except DomainError as exc:
            errors.append({"field": "phone", "code": str(exc.code), "message": str(exc.message)})
    address = _text(errors, "address", address, _("收件地址"), ADDRESS_MAX)
    if errors:
        raise DomainError(
            ErrorCode.DELIVERY_INVALID,
            _("送达信息有误:%(first)s") % {"first": errors[0]["message"]},
            status=422,
            errors=errors,
        )
    return recipient, mobile, address


# --- the applicant's choice ------------------------------------------------------------------


@transaction.atomic
def choose_delivery(
    *,
    actor: Any,
    case: Case,
    method: str,
    recipient: str = "",
    phone: str = "",
    address: str = "",
) -> Delivery:
    """The applicant chooses how the result reaches them (and may change it until it has
    left: once sent, delivered or picked up the choice is final)."""
    case = services._locked(case)
    if not access.is_applicant_side(actor, case):
        raise _hidden_or_denied(actor, case)
    approved = case.status == CaseStatus.COMPLETED and case.decision == Decision.APPROVE
    if case.status not in RUNNING and not approved:
        raise services._transition(case, _("选择结果送达方式"))
    delivery = Delivery.objects.select_for_update().filter(case=case).first()
    if delivery is not None and delivery.status != DeliveryStatus.PENDING:
        raise _delivery_status(delivery, _("更改送达方式"))
    if method not in DeliveryMethod.values:
        raise DomainError(
            ErrorCode.DELIVERY_INVALID,
            _("送达方式只能是窗口领取或邮寄送达。"),
            status=422,
            errors=[
                {
                    "field": "method",
                    "code": "invalid",
                    "message": _("送达方式只能是窗口领取或邮寄送达。"),
                }
            ],
        )
    if method == DeliveryMethod.MAIL:
        recipient, phone, address = _mail_fields(recipient, phone, address)
    else:  # nothing personal is kept for a pickup
        recipient = phone = address = ""
    changed = delivery is not None
    if delivery is None:
        delivery = Delivery(case=case)
    delivery.method = method
    delivery.recipient = recipient
    delivery.phone = phone
    delivery.address = address
    delivery.save()
    services._event(case, actor, "delivery_chosen", method=method, changed=changed)
    if method == DeliveryMethod.MAIL:
        body = _("您选择了邮寄送达,办理结果将寄往您填写的地址(收件人 %(name)s)。") % {
            "name": mask(recipient, SensitiveKind.TEXT)
        }
    else:
        body = _("您选择了窗口领取,办结后请携带身份证件到办理窗口领取办理结果。")
    notify.notify(case, "delivery_chosen", body)
    return delivery


# --- staff -----------------------------------------------------------------------------------


def _staff_delivery(actor: Any, case: Case, wanted: str) -> tuple[Case, Delivery | None]:
    """The locked case and its delivery, once the caller is known to hand results out and
    the case is approved."""
    case = services._locked(case)
    if not may_deliver(actor, case):
        raise _hidden_or_denied(actor, case)
    _require_approved(case, wanted)
    delivery = Delivery.objects.select_for_update().filter(case=case).first()
    return case, delivery


@transaction.atomic
def ship_result(*, actor: Any, case: Case) -> Delivery:
    """Hand a mailed result to the postal carrier: the tracking number is recorded and the
    applicant told."""
    case, delivery = _staff_delivery(actor, case, _("寄出办理结果"))
    if delivery is None or delivery.method != DeliveryMethod.MAIL:
        raise DomainError(
            ErrorCode.DELIVERY_STATUS,
            _("申请人未选择邮寄送达,不能寄出。"),
            status=409,
            method=delivery.method if delivery else None,
        )
    if delivery.status != DeliveryStatus.PENDING:
        raise _delivery_status(delivery, _("寄出"))
    postal = carrier()
    try:
        tracking_no = postal.ship(delivery)
    except (CarrierError, OSError) as exc:  # a network failure is the carrier unavailable too
        log.warning("carrier %s refused case %s: %s", postal.name, case.case_no, exc)
        raise DomainError(
            ErrorCode.CARRIER_UNAVAILABLE,
            _("邮政寄递服务暂时无法受理,请稍后再试。"),
            status=503,
            carrier=postal.name,
        ) from None
    delivery.carrier = postal.name
    delivery.tracking_no = tracking_no
    delivery.status = DeliveryStatus.SENT
    delivery.sent_at = timezone.now()
    delivery.save(update_fields=["carrier", "tracking_no", "status", "sent_at"])
    services._event(case, actor, "result_shipped", carrier=postal.name, tracking_no=tracking_no)
    notify.notify(
        case,
        "result_shipped",
        _("办理结果已寄出,运单号 %(no)s。") % {"no": tracking_no},
    )
    return delivery


@transaction.atomic
def mark_delivered(*, actor: Any, case: Case) -> Delivery:
    """A mailed result has arrived."""
    case, delivery = _staff_delivery(actor, case, _("登记送达"))
    if delivery is None:
        raise DomainError(
            ErrorCode.DELIVERY_STATUS,
            _("申请人未选择邮寄送达,不能登记送达。"),
            status=409,
            method=None,
        )
    if delivery.method != DeliveryMethod.MAIL or delivery.status != DeliveryStatus.SENT:
        raise _delivery_status(delivery, _("登记送达"))
    delivery.status = DeliveryStatus.DELIVERED
    delivery.delivered_at = timezone.now()
    delivery.save(update_fields=["status", "delivered_at"])
    services._event(case, actor, "result_delivered", tracking_no=delivery.tracking_no)
    notify.notify(case, "result_delivered", _("办理结果已送达。"))
    return delivery


@transaction.atomic
def mark_picked_up(*, actor: Any, case: Case) -> Delivery:
    """The applicant collected the result at the window (coming for it is choosing it)."""
    case, delivery = _staff_delivery(actor, case, _("登记领取"))
    if delivery is None:
        delivery = Delivery(case=case, method=DeliveryMethod.PICKUP)
    elif delivery.method != DeliveryMethod.PICKUP or delivery.status != DeliveryStatus.PENDING:
        raise _delivery_status(delivery, _("登记窗口领取"))
    delivery.status = DeliveryStatus.PICKED_UP
    delivery.delivered_at = timezone.now()
    delivery.save()
    services._event(case, actor, "result_picked_up")
    notify.notify(case, "result_picked_up", _("办理结果已在窗口领取。"))
    return delivery


# --- reading ---------------------------------------------------------------------------------


def shows_in_full(actor: Any, case: Case) -> bool:
    """The applicant and the staff who hand the result out read the recipient, number and
    address; everyone else who sees the case reads them masked."""
    return access.is_applicant_side(actor, case) or may_deliver(actor, case)


def personal_fields(delivery: Delivery, *, full: bool) -> dict[str, str]:
    if full:
        return {
            "recipient": delivery.recipient,
            "phone": delivery.phone,
            "address": delivery.address,
        }
    return {
        "recipient": mask(delivery.recipient, SensitiveKind.TEXT),
        "phone": mask(delivery.phone, SensitiveKind.MOBILE),
        "address": mask(delivery.address, SensitiveKind.TEXT),
    }
