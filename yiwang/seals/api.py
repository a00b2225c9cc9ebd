"""Seals API.

Managing (department administrators, platform administrators): ``GET /`` the register,
``POST /`` register a seal (multipart: fields and an optional image), ``GET /{id}``,
``POST /{id}/enable|suspend|revoke``, ``POST /{id}/permissions`` and
``DELETE /{id}/permissions/{user_id}`` (who may use it), ``PUT /{id}/automatic`` (standing
authorisation for system purposes), ``GET /{id}/uses`` (the use log, refusals included).

Using: ``POST /{id}/seal`` (multipart PDF, ``format`` sm2 or pades) answers the sealed PDF.

Public: ``POST /verify`` (multipart PDF) answers what the seals in it say;
``GET /{id}/image.png``, ``GET /{id}/certificate.pem`` and ``GET /ca/{algorithm}.pem`` (the
platform roots to trust in a PDF reader). No answer ever carries a private key.
"""

# No ``from __future__ import annotations``: django-ninja reads the annotations at runtime.
import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile
from pydantic import Field

from yiwang.kernel import pdf as kernel_pdf
from yiwang.kernel.errors import DomainError
from yiwang.kernel.models import Department
from yiwang.kernel.permissions import restrict
from yiwang.kernel.schemas import ERRORS
from yiwang.seals import services
from yiwang.seals.errors import ErrorCode
from yiwang.seals.models import CertificateAuthority, Seal, SealPermission
from yiwang.seals.permissions import VIEW

router = Router(tags=["seals"])


class SealOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    kind_label: str
    department_code: str
    department_name: str
    status: str
    status_label: str
    status_reason: str
    valid_from: dt.datetime
    valid_until: dt.datetime
    keeper: str
    automatic_purposes: list[str]
    sm2_key_fingerprint: str
    sm2_certificate: str
    pades_certificate: str
    permitted_users: list[int]


class SealIn(Schema):
    department_code: str = Field(max_length=32)
    name: str = Field(max_length=100)
    kind: str = Field(max_length=16)
    valid_until: dt.datetime | None = None
    automatic_purposes: str = Field("", description="comma-separated: cases.acceptance, ...")


class ReasonIn(Schema):
    reason: str = Field("", max_length=500)


class UserIn(Schema):
    user_id: int


class PurposesIn(Schema):
    purposes: list[str]


class UseOut(Schema):
    id: int
    at: dt.datetime
    actor: str
    purpose: str
    reference: str
    format: str
    outcome: str
    refusal_code: str
    sealed_sm3: str


class ProblemOut(Schema):
    code: str
    message: str


class SignatureOut(Schema):
    format: str
    valid: bool
    intact: bool
    covers_whole_file: bool
    certificate_trusted: bool
    seal_code: str
    seal_name: str
    seal_kind: str
    department: str
    signed_at: dt.datetime | None
    seal_valid_at_signing: bool
    seal_status_now: str
    logged: bool
    problems: list[ProblemOut]


class VerificationOut(Schema):
    valid: bool
    signatures: list[SignatureOut]
    problems: list[ProblemOut]


def _out(seal: Seal) -> dict[str, Any]:
    return {
        "id": seal.pk,
        "code": seal.code,
        "name": seal.name,
        "kind": seal.kind,
        "kind_label": seal.get_kind_display(),
        "department_code": seal.department.code,
        "department_name": seal.department.name,
        "status": seal.status,
        "status_label": seal.get_status_display(),
        "status_reason": seal.status_reason,
        "valid_from": seal.valid_from,
        "valid_until": seal.valid_until,
        "keeper": seal.keeper.get_username() if seal.keeper else "",
        "automatic_purposes": list(seal.automatic_purposes or []),
        "sm2_key_fingerprint": seal.sm2_key.fingerprint,
        "sm2_certificate": seal.sm2_certificate,
        "pades_certificate": seal.pades_certificate,
        "permitted_users": list(
            SealPermission.objects.filter(seal=seal, revoked_at=None).values_list(
                "user_id", flat=True
            )
        ),
    }


def _not_found() -> DomainError:
    return DomainError(ErrorCode.NOT_FOUND, _("没有找到该印章。"), status=404)


def visible_seals(user: Any) -> QuerySet[Seal]:
    """The seals ``user`` may see: their departments' (or region's), by the view permission."""
    return restrict(
        Seal.objects.select_related("department", "keeper", "sm2_key"),
        user,
        VIEW,
        region_field="department__region__code",
        department_field="department_id",
    )


def get_visible(user: Any, seal_id: int) -> Seal:
    seal = visible_seals(user).filter(pk=seal_id).first()
    if seal is None:
        raise _not_found()
    return seal


@router.get("/", response={200: list[SealOut], **ERRORS})
def list_seals(request: HttpRequest) -> Any:
    """The seal register the caller may see."""
    return [_out(s) for s in visible_seals(request.user).order_by("department__code", "code")]


@router.post("/", response={201: SealOut, **ERRORS})
def register(
    request: HttpRequest, payload: Form[SealIn], image: File[UploadedFile | None] = None
) -> Any:
    """Register a seal for a department (keys and certificates are made with it)."""
    department = Department.objects.filter(code=payload.department_code).first()
    if department is None:
        raise DomainError(
            ErrorCode.INVALID,
            _("没有这个部门。"),
            status=422,
            errors=[
                {"field": "department_code", "code": "unknown", "message": _("没有这个部门。")}
            ],
        )
    purposes = [p.strip() for p in payload.automatic_purposes.split(",") if p.strip()]
    seal = services.register_seal(
        actor=request.user,
        department=department,
        name=payload.name,
        kind=payload.kind,
        image=image.read(images_limit()) if image is not None else None,
        valid_until=payload.valid_until,
        automatic_purposes=purposes,
    )
    return 201, _out(Seal.objects.select_related("department", "keeper", "sm2_key").get(pk=seal.pk))


def images_limit() -> int:
    from yiwang.seals.images import MAX_UPLOAD

    return MAX_UPLOAD + 1


@router.get("/{int:seal_id}", response={200: SealOut, **ERRORS})
def detail(request: HttpRequest, seal_id: int) -> Any:
    return _out(get_visible(request.user, seal_id))


def _state(request: HttpRequest, seal_id: int, action: str, reason: str) -> Any:
    seal = services.change_status(
        actor=request.user, seal=get_visible(request.user, seal_id), action=action, reason=reason
    )
    return _out(get_visible(request.user, seal.pk))


@router.post("/{int:seal_id}/enable", response={200: SealOut, **ERRORS})
def enable(request: HttpRequest, seal_id: int) -> Any:
    return _state(request, seal_id, "enable", "")


@router.post("/{int:seal_id}/suspend", response={200: SealOut, **ERRORS})
def suspend(request: HttpRequest, seal_id: int, payload: ReasonIn) -> Any:
    return _state(request, seal_id, "suspend", payload.reason)


@router.post("/{int:seal_id}/revoke", response={200: SealOut, **ERRORS})
def revoke(request: HttpRequest, seal_id: int, payload: ReasonIn) -> Any:
    return _state(request, seal_id, "revoke", payload.reason)


def _staff_user(user_id: int) -> Any:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(pk=user_id, is_staff=True, is_active=True).first()
    if user is None:
        raise DomainError(
            ErrorCode.INVALID,
            _("没有这名工作人员。"),
            status=422,
            errors=[{"field": "user_id", "code": "unknown", "message": _("没有这名工作人员。")}],
        )
    return user


@router.post("/{int:seal_id}/permissions", response={200: SealOut, **ERRORS})
def grant(request: HttpRequest, seal_id: int, payload: UserIn) -> Any:
    seal = get_visible(request.user, seal_id)
    services.grant_use(actor=request.user, seal=seal, user=_staff_user(payload.user_id))
    return _out(seal)


@router.delete("/{int:seal_id}/permissions/{int:user_id}", response={200: SealOut, **ERRORS})
def withdraw(request: HttpRequest, seal_id: int, user_id: int) -> Any:
    seal = get_visible(request.user, seal_id)
    services.withdraw_use(actor=request.user, seal=seal, user=_staff_user(user_id))
    return _out(seal)


@router.put("/{int:seal_id}/keeper", response={200: SealOut, **ERRORS})
def keeper(request: HttpRequest, seal_id: int, payload: UserIn) -> Any:
    """Name the staff member who keeps the seal."""
    seal = get_visible(request.user, seal_id)
    services.set_keeper(actor=request.user, seal=seal, keeper=_staff_user(payload.user_id))
    return _out(get_visible(request.user, seal_id))


@router.put("/{int:seal_id}/automatic", response={200: SealOut, **ERRORS})
def automatic(request: HttpRequest, seal_id: int, payload: PurposesIn) -> Any:
    seal = get_visible(request.user, seal_id)
    services.set_automatic_purposes(actor=request.user, seal=seal, purposes=payload.purposes)
    return _out(get_visible(request.user, seal_id))


@router.get("/{int:seal_id}/uses", response={200: list[UseOut], **ERRORS})
def uses(request: HttpRequest, seal_id: int) -> Any:
    """The seal's use log, newest first (the last 200)."""
    seal = get_visible(request.user, seal_id)
    return [
        {
            "id": u.pk,
            "at": u.at,
            "actor": u.actor_label,
            "purpose": u.purpose,
            "reference": u.reference,
            "format": u.format,
            "outcome": u.outcome,
            "refusal_code": u.refusal_code,
            "sealed_sm3": u.sealed_sm3,
        }
        for u in seal.uses.all()[:200]
    ]


def read_pdf(upload: UploadedFile) -> bytes:
    limit = services.max_pdf_bytes()
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise DomainError(
            ErrorCode.PDF_TOO_LARGE,
            _("文件过大,不能超过%(mb)d MB。") % {"mb": limit // (1024 * 1024)},
            status=413,
        )
    return bytes(data)


@router.post("/{int:seal_id}/seal", response={200: None, **ERRORS})
def seal_document(
    request: HttpRequest,
    seal_id: int,
    file: File[UploadedFile],
    format: Form[str] = "sm2",
    reference: Form[str] = "",
) -> Any:
    """Seal an uploaded PDF; answers the sealed PDF. Needs a use permission on the seal."""
    seal = get_sealable(request.user, seal_id)
    sealed = services.seal_pdf(
        read_pdf(file),
        actor=request.user,
        seal=seal,
        purpose="manual",
        reference=reference[:120],
        fmt=format,
    )
    name = (file.name or "document.pdf").rsplit(".", 1)[0] + "-sealed.pdf"
    response = HttpResponse(sealed, content_type="application/pdf")
    response["Content-Disposition"] = kernel_pdf.attachment(name, "sealed.pdf")
    return response


def get_sealable(user: Any, seal_id: int) -> Seal:
    """A seal the user may see or holds a use permission on (else 404)."""
    seal = Seal.objects.select_related("department").filter(pk=seal_id).first()
    if seal is None:
        raise _not_found()
    permitted = SealPermission.objects.filter(seal=seal, user=user, revoked_at=None).exists()
    if not permitted and not visible_seals(user).filter(pk=seal_id).exists():
        raise _not_found()
    return seal


def report_out(report: services.VerificationReport) -> dict[str, Any]:
    return {
        "valid": report.valid,
        "problems": report.problems,
        "signatures": [
            {
                "format": str(s.format),
                "valid": s.valid,
                "intact": s.intact,
                "covers_whole_file": s.covers_whole_file,
                "certificate_trusted": s.certificate_trusted,
                "seal_code": s.seal_code,
                "seal_name": s.seal_name,
                "seal_kind": s.seal_kind,
                "department": s.department,
                "signed_at": s.signed_at,
                "seal_valid_at_signing": s.seal_valid_at_signing,
                "seal_status_now": s.seal_status_now,
                "logged": s.logged,
                "problems": s.problems,
            }
            for s in report.signatures
        ],
    }


@router.post("/verify", response={200: VerificationOut, **ERRORS}, auth=None)
def verify(request: HttpRequest, file: File[UploadedFile]) -> Any:
    """Anyone: which seals a PDF carries, whether each is intact and was valid when used."""
    actor = request.user if request.user.is_authenticated else None
    return report_out(services.verify_pdf(read_pdf(file), actor=actor))


@router.get("/{int:seal_id}/image.png", response={200: None, **ERRORS}, auth=None)
def image(request: HttpRequest, seal_id: int) -> Any:
    seal = Seal.objects.filter(pk=seal_id).only("image").first()
    if seal is None:
        raise _not_found()
    return HttpResponse(bytes(seal.image), content_type="image/png")


@router.get("/{int:seal_id}/certificate.pem", response={200: None, **ERRORS}, auth=None)
def certificate(request: HttpRequest, seal_id: int) -> Any:
    seal = Seal.objects.filter(pk=seal_id).only("sm2_certificate", "pades_certificate").first()
    if seal is None:
        raise _not_found()
    return HttpResponse(
        seal.sm2_certificate + seal.pades_certificate, content_type="application/x-pem-file"
    )


@router.get("/ca/{algorithm}.pem", response={200: None, **ERRORS}, auth=None)
def ca_certificate(request: HttpRequest, algorithm: str) -> Any:
    """The platform root: ``sm2`` or ``ecdsa-p256`` (add the latter to a PDF reader's trusted
    certificates to see PAdES seals as valid)."""
    if algorithm not in ("sm2", "ecdsa-p256"):
        raise DomainError(ErrorCode.NOT_FOUND, _("没有这个根证书。"), status=404)
    services.platform_ca(algorithm)
    ca = CertificateAuthority.objects.get(algorithm=algorithm)
    return HttpResponse(ca.certificate, content_type="application/x-pem-file")
