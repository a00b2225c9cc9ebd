"""Cases API for results: the documents of a case and the delivery of its result.

* ``GET /{id}/documents/{kind}`` — the acceptance notice (``acceptance_notice``, 受理通知书) or
  the decision document (``result``, 准予/不予决定书) as a PDF download, for whoever may see the
  case (anybody else: 404, as if it did not exist; a document not made yet: 404
  ``case_document_not_issued``).
* ``GET /{id}/delivery`` — how the result reaches the applicant: in full for the applicant
  and the staff who hand it out, the recipient, number and address masked for other staff.
* ``PUT /{id}/delivery`` — the applicant chooses pickup or mail (422 at each bad field; 409
  once the result has left).
* ``POST /{id}/delivery/ship``, ``/delivered``, ``/picked-up`` — staff hand the result out
  (403 without the right to, 409 in the wrong state, 503 when the postal carrier cannot take
  the shipment)."""

# No ``from __future__ import annotations``: django-ninja reads the annotations at runtime.
import datetime as dt
from typing import Any, Literal

from django.http import FileResponse, HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema
from pydantic import Field

from yiwang.cases import access, delivery, documents
from yiwang.cases.errors import ErrorCode
from yiwang.cases.models import Case, Delivery
from yiwang.kernel import files, pdf
from yiwang.kernel.errors import DomainError
from yiwang.kernel.schemas import ERRORS, ErrorOut

router = Router(tags=["cases: results"])

DocumentKind = Literal["acceptance_notice", "result"]


# --- shapes ---------------------------------------------------------------------------------


class DeliveryIn(Schema):
    method: str = Field(max_length=20, description="pickup (窗口领取) or mail (邮寄送达)")
    recipient: str = Field("", max_length=200, description="mail: the recipient's name")
    phone: str = Field("", max_length=40, description="mail: a mainland mobile number")
    address: str = Field("", max_length=1000, description="mail: the postal address")


class DeliveryOut(Schema):
    chosen: bool = Field(description="false until the applicant (or the window) chooses")
    method: str
    method_label: str
    status: str
    status_label: str
    recipient: str
    phone: str
    address: str
    masked: bool = Field(description="the recipient, phone and address are masked for you")
    carrier: str
    tracking_no: str
    chosen_at: dt.datetime | None
    sent_at: dt.datetime | None
    delivered_at: dt.datetime | None


# --- helpers --------------------------------------------------------------------------------


def _delivery_out(user: Any, case: Case, record: Delivery | None) -> dict[str, Any]:
    if record is None:
        return {
            "chosen": False,
            "method": "",
            "method_label": "",
            "status": "",
            "status_label": "",
            "recipient": "",
            "phone": "",
            "address": "",
            "masked": False,
            "carrier": "",
            "tracking_no": "",
            "chosen_at": None,
            "sent_at": None,
            "delivered_at": None,
        }
    full = delivery.shows_in_full(user, case)
    return {
        "chosen": True,
        "method": record.method,
        "method_label": str(record.get_method_display()),
        "status": record.status,
        "status_label": str(record.get_status_display()),
        **delivery.personal_fields(record, full=full),
        "masked": not full,
        "carrier": record.carrier,
        "tracking_no": record.tracking_no,
        "chosen_at": record.created_at,
        "sent_at": record.sent_at,
        "delivered_at": record.delivered_at,
    }


def _download_name(case: Case, kind: str) -> tuple[str, str]:
    """The Chinese file name and its ASCII fallback."""
    if kind == "acceptance_notice":
        title, fallback = _("受理通知书"), "acceptance-notice"
    else:
        title, fallback = documents.decision_title(case), "decision"
    number = case.case_no or str(case.pk)
    return f"{title}-{number}.pdf", f"{fallback}-{number}.pdf"


# --- documents ------------------------------------------------------------------------------


@router.get(
    "/{int:case_id}/documents/{kind}",
    response={200: None, **ERRORS},
    openapi_extra={
        "responses": {"200": {"content": {"application/pdf": {}}, "description": "the PDF"}}
    },
)
def download_document(request: HttpRequest, case_id: int, kind: DocumentKind) -> Any:
    """The acceptance notice (``acceptance_notice``) or the decision document (``result``)."""
    case = access.get_case_for(request.user, case_id)
    record = case.acceptance_notice if kind == "acceptance_notice" else case.result_document
    if record is None:
        raise DomainError(
            ErrorCode.DOCUMENT_NOT_ISSUED,
            _("该文书尚未生成:受理后生成受理通知书,办结后生成决定书。"),
            status=404,
            kind=kind,
        )
    name, fallback = _download_name(case, kind)
    response = FileResponse(files.open_file(record), content_type=record.content_type)
    response["Content-Disposition"] = pdf.attachment(name, fallback)
    response["Content-Length"] = str(record.size)
    response["Cache-Control"] = "private, no-store"
    return response


# --- delivery -------------------------------------------------------------------------------


@router.get("/{int:case_id}/delivery", response={200: DeliveryOut, **ERRORS})
def get_delivery(request: HttpRequest, case_id: int) -> Any:
    """How the result reaches the applicant (``chosen`` false before a choice)."""
    case = access.get_case_for(request.user, case_id)
    return _delivery_out(request.user, case, Delivery.objects.filter(case=case).first())


@router.put("/{int:case_id}/delivery", response={200: DeliveryOut, **ERRORS})
def choose_delivery(request: HttpRequest, case_id: int, payload: DeliveryIn) -> Any:
    """The applicant chooses pickup or mail (mail needs recipient, mobile number, address);
    the choice may change until the result has left."""
    case = access.get_case_for(request.user, case_id)
    record = delivery.choose_delivery(
        actor=request.user,
        case=case,
        method=payload.method.strip(),
        recipient=payload.recipient,
        phone=payload.phone,
        address=payload.address,
    )
    return _delivery_out(request.user, case, record)


STAFF_ERRORS: dict[int, type[ErrorOut]] = {**ERRORS, 503: ErrorOut}


@router.post("/{int:case_id}/delivery/ship", response={200: DeliveryOut, **STAFF_ERRORS})
def ship_result(request: HttpRequest, case_id: int) -> Any:
    """Hand a mailed result to the postal carrier; the answer carries the tracking number."""
    case = access.get_case_for(request.user, case_id)
    return _delivery_out(request.user, case, delivery.ship_result(actor=request.user, case=case))


@router.post("/{int:case_id}/delivery/delivered", response={200: DeliveryOut, **ERRORS})
def mark_delivered(request: HttpRequest, case_id: int) -> Any:
    """A mailed result has arrived."""
    case = access.get_case_for(request.user, case_id)
    record = delivery.mark_delivered(actor=request.user, case=case)
    return _delivery_out(request.user, case, record)


@router.post("/{int:case_id}/delivery/picked-up", response={200: DeliveryOut, **ERRORS})
def mark_picked_up(request: HttpRequest, case_id: int) -> Any:
    """The applicant collected the result at the window."""
    case = access.get_case_for(request.user, case_id)
    record = delivery.mark_picked_up(actor=request.user, case=case)
    return _delivery_out(request.user, case, record)
