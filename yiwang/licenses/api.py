"""E-licence API: ``/api/v1/licenses/...``.

Holders see their own licences (and their represented entities'); anybody else's answers 404
as if it did not exist. Staff issue and manage licences in their ``licenses.issue`` scope.
Verification (``/verify``, ``/verify/file``) is public and rate-limited, and shows only what
the document shows. Every action is one service call."""

# No ``from __future__ import annotations``: django-ninja reads the annotations at runtime.
import datetime as dt
import io
from typing import Any

from django.http import FileResponse, HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import LimitOffsetPagination, paginate

from yiwang.kernel import context, pdf, ratelimit
from yiwang.kernel.errors import DomainError
from yiwang.kernel.errors import ErrorCode as KernelCode
from yiwang.kernel.permissions import can
from yiwang.kernel.schemas import ERRORS, BuiltRows
from yiwang.licenses import permissions, services
from yiwang.licenses.errors import ErrorCode
from yiwang.licenses.models import LicenseType
from yiwang.licenses.schemas import (
    ChangeIn,
    DepartmentIn,
    FileVerificationOut,
    GrantIn,
    GrantOut,
    ImportIn,
    ImportOut,
    IssueIn,
    LicenseOut,
    LicenseTypeIn,
    LicenseTypeOut,
    ReasonIn,
    RedeemIn,
    StatsOut,
    UseOut,
    UserDepartmentOut,
    VerificationOut,
    VerifyIn,
)

router = Router(tags=["licenses"])

XLSX_MAX_BYTES = 5 * 1024 * 1024


def _denied() -> DomainError:
    return DomainError(KernelCode.PERMISSION_DENIED, _("您没有执行此操作的权限。"), status=403)


def _type_out(license_type: LicenseType) -> dict[str, Any]:
    return {
        "code": license_type.code,
        "identifier_code": license_type.identifier_code,
        "name": license_type.name,
        "issuing_department_kind": license_type.issuing_department_kind,
        "description": license_type.description,
        "fields_schema": license_type.fields_schema,
        "layout": license_type.layout,
        "holder_kind": license_type.holder_kind,
        "validity_years": license_type.validity_years,
        "validity_days": license_type.validity_days,
        "is_active": license_type.is_active,
    }


def _limit_public(request: HttpRequest) -> None:
    ip = context.current().source_ip or request.META.get("REMOTE_ADDR", "") or "unknown"
    ratelimit.hit("licenses-verify", ip, limit=services.VERIFY_LIMIT, window_seconds=600)


# --- licence types -------------------------------------------------------------------------


@router.get("/types", response={200: list[LicenseTypeOut], **ERRORS})
def list_types(request: HttpRequest, active: bool = True) -> Any:
    """The catalogue of licence types (active ones unless ``active=false``)."""
    types = LicenseType.objects.all()
    if active:
        types = types.filter(is_active=True)
    return [_type_out(t) for t in types.order_by("code")]


@router.get("/types/{code}", response={200: LicenseTypeOut, **ERRORS})
def get_type(request: HttpRequest, code: str) -> Any:
    return _type_out(services.get_type(code))


@router.post("/types", response={201: LicenseTypeOut, **ERRORS})
def create_type(request: HttpRequest, payload: LicenseTypeIn) -> Any:
    """Add a licence type (platform administrators)."""
    if not can(request.user, permissions.MANAGE_TYPES):
        raise _denied()
    license_type = services.create_type(
        actor=request.user,
        code=payload.code,
        identifier_code=payload.identifier_code,
        name=payload.name,
        fields_schema=payload.fields_schema,
        layout=[row.dict() for row in payload.layout],
        holder_kind=payload.holder_kind,
        validity_years=payload.validity_years,
        validity_days=payload.validity_days,
        issuing_department_kind=payload.issuing_department_kind,
        description=payload.description,
    )
    return Status(201, _type_out(license_type))


# --- issuing -------------------------------------------------------------------------------


@router.post("", response={201: LicenseOut, **ERRORS})
def issue(request: HttpRequest, payload: IssueIn) -> Any:
    """Issue a licence (approvers and department administrators of the issuing
    department)."""
    if not can(request.user, permissions.ISSUE):
        raise _denied()
    license = services.issue(
        actor=request.user,
        type_code=payload.type_code,
        issuer_department_code=payload.department_code,
        holder_kind=payload.holder_kind,
        holder_name=payload.holder_name,
        holder_id_number=payload.holder_id_number,
        holder_credit_code=payload.holder_credit_code,
        holder_user_id=payload.holder_user_id,
        data=payload.data,
        valid_from=payload.valid_from,
        case_no=payload.case_no,
    )
    return Status(201, services.view(license))


@router.post("/import", response={201: ImportOut, **ERRORS})
def import_rows(request: HttpRequest, payload: ImportIn) -> Any:
    """Import existing paper licences, all or nothing (``details.errors`` lists every bad
    row)."""
    if not can(request.user, permissions.ISSUE):
        raise _denied()
    summary = services.import_licenses(
        actor=request.user,
        type_code=payload.type_code,
        issuer_department_code=payload.department_code,
        rows=payload.rows,
    )
    return Status(201, {"created": summary.created, "identifiers": summary.identifiers})


@router.post("/import/xlsx", response={201: ImportOut, **ERRORS})
def import_xlsx(
    request: HttpRequest,
    type_code: Form[str],
    department_code: Form[str],
    file: File[UploadedFile],
) -> Any:
    """The same from an Excel workbook: a header row of column names (``holder_name``,
    ``holder_id_number`` or ``holder_credit_code``, ``valid_from``, ``valid_until`` and the
    type's data fields, by name or title), one licence per row."""
    if not can(request.user, permissions.ISSUE):
        raise _denied()
    if (file.size or 0) > XLSX_MAX_BYTES:
        raise DomainError(
            KernelCode.FILE_TOO_LARGE, _("文件过大。"), status=413, limit=XLSX_MAX_BYTES
        )
    rows = services.rows_from_xlsx(io.BytesIO(file.read()))
    summary = services.import_licenses(
        actor=request.user,
        type_code=type_code,
        issuer_department_code=department_code,
        rows=rows,
    )
    return Status(201, {"created": summary.created, "identifiers": summary.identifiers})


# --- the holder's wallet -------------------------------------------------------------------


@router.get("/mine", response={200: list[LicenseOut], **ERRORS})
@paginate(LimitOffsetPagination)
def my_licenses(request: HttpRequest, entity: str = "") -> Any:
    """The caller's licences (matched by account or verified ID number); with ``entity``,
    the licences of an entity the caller represents."""
    if entity.strip():
        if not services.represents(request.user, entity):
            raise DomainError(KernelCode.NOT_FOUND, _("未找到该资源。"), status=404)
        licenses = services.licenses_of_entity(entity)
    else:
        licenses = services.licenses_of_person(request.user)
    return BuiltRows(licenses.order_by("-created_at", "-id"), services.view)


@router.get("/{int:license_id}", response={200: LicenseOut, **ERRORS})
def get_license(request: HttpRequest, license_id: int) -> Any:
    """One licence: its holder's, or one in the caller's ``licenses.issue`` scope."""
    try:
        license = services.license_for_holder(request.user, license_id)
    except DomainError:
        license = services.license_for_staff(request.user, license_id)
    return services.view(license)


@router.get("/{int:license_id}/pdf", response={200: None, **ERRORS})
def download_pdf(request: HttpRequest, license_id: int) -> Any:
    """The licence document (holder only); every download is a use the holder sees."""
    license = services.license_for_holder(request.user, license_id)
    content, record = services.pdf_of(license)
    services.record_download(actor=request.user, license=license)
    identifier = license.current().identifier
    response = FileResponse(io.BytesIO(content), content_type="application/pdf")
    response["Content-Disposition"] = pdf.attachment(
        f"{license.license_type.name}-{identifier}.pdf", f"licence-{identifier}.pdf"
    )
    response["Content-Length"] = str(record.size)
    response["Cache-Control"] = "private, no-store"
    return response


@router.get("/{int:license_id}/uses", response={200: list[UseOut], **ERRORS})
@paginate(LimitOffsetPagination)
def license_uses(request: HttpRequest, license_id: int) -> Any:
    """Who used the licence, when, for what (holder only), newest first."""
    license = services.license_for_holder(request.user, license_id)
    return services.uses_of(license)


# --- lifecycle -----------------------------------------------------------------------------


@router.post("/{int:license_id}/suspend", response={200: LicenseOut, **ERRORS})
def suspend(request: HttpRequest, license_id: int, payload: ReasonIn) -> Any:
    license = services.license_for_staff(request.user, license_id)
    return services.view(
        services.suspend(actor=request.user, license=license, reason=payload.reason)
    )


@router.post("/{int:license_id}/resume", response={200: LicenseOut, **ERRORS})
def resume(request: HttpRequest, license_id: int, payload: ReasonIn) -> Any:
    license = services.license_for_staff(request.user, license_id)
    return services.view(
        services.resume(actor=request.user, license=license, reason=payload.reason)
    )


@router.post("/{int:license_id}/revoke", response={200: LicenseOut, **ERRORS})
def revoke(request: HttpRequest, license_id: int, payload: ReasonIn) -> Any:
    license = services.license_for_staff(request.user, license_id)
    return services.view(
        services.revoke(actor=request.user, license=license, reason=payload.reason)
    )


@router.post("/{int:license_id}/change", response={200: LicenseOut, **ERRORS})
def change(request: HttpRequest, license_id: int, payload: ChangeIn) -> Any:
    """变更: a new version with a new identifier, signature and document."""
    license = services.license_for_staff(request.user, license_id)
    version = services.change(
        actor=request.user, license=license, data=payload.data, reason=payload.reason
    )
    license.refresh_from_db()
    return services.view(license, version)


# --- grants (亮证) -------------------------------------------------------------------------


@router.post("/grants", response={201: GrantOut, **ERRORS})
def create_grant(request: HttpRequest, payload: GrantIn) -> Any:
    """Show licences to a clerk: a one-time token (for the QR) and short code."""
    grant, token, short_code = services.create_grant(
        actor=request.user, license_ids=payload.license_ids, minutes=payload.minutes
    )
    return Status(
        201,
        {
            "grant_id": grant.pk,
            "token": token,
            "short_code": short_code,
            "expires_at": grant.expires_at,
        },
    )


@router.post("/grants/redeem", response={200: list[LicenseOut], **ERRORS})
def redeem_grant(request: HttpRequest, payload: RedeemIn) -> Any:
    """A clerk of a verified user department reads the licences shown, once."""
    return services.redeem_grant(
        actor=request.user,
        token=payload.token or None,
        short_code=payload.short_code or None,
        department_code=payload.department_code,
        case_no=payload.case_no,
        purpose=payload.purpose,
    )


@router.post("/user-departments", response={201: UserDepartmentOut, **ERRORS})
def verify_department(request: HttpRequest, payload: DepartmentIn) -> Any:
    """用证部门认证 (platform administrators)."""
    if not can(request.user, permissions.VERIFY_DEPARTMENT):
        raise _denied()
    row = services.verify_department(actor=request.user, department_code=payload.department_code)
    return Status(
        201,
        {
            "department_code": payload.department_code,
            "verified_at": row.verified_at,
            "revoked_at": row.revoked_at,
        },
    )


# --- verification (public) -----------------------------------------------------------------


@router.post("/verify", response={200: VerificationOut, **ERRORS}, auth=None)
def verify(request: HttpRequest, payload: VerifyIn) -> Any:
    """Is this licence authentic and current? ``qr`` (the scanned payload) or ``identifier``
    (typed in). Shows only what the document shows."""
    _limit_public(request)
    actor = request.user if request.user.is_authenticated else None
    if payload.qr.strip():
        result = services.verify_qr(payload.qr, actor=actor)
    elif payload.identifier.strip():
        result = services.verify_identifier(payload.identifier, actor=actor)
    else:
        raise DomainError(
            KernelCode.VALIDATION_ERROR,
            _("请扫描证照二维码或输入证照标识。"),
            status=422,
            errors=[{"field": "qr", "code": "required", "message": _("请输入证照标识。")}],
        )
    return result.as_dict()


@router.post("/verify/file", response={200: FileVerificationOut, **ERRORS}, auth=None)
def verify_file(request: HttpRequest, file: File[UploadedFile]) -> Any:
    """Verify an uploaded licence PDF: its licence, whether it is the issued file, its seal."""
    _limit_public(request)
    if (file.size or 0) > services.PDF_MAX_BYTES:
        raise DomainError(KernelCode.FILE_TOO_LARGE, _("文件过大。"), status=413)
    content = file.read()
    if not content.startswith(b"%PDF-"):
        raise DomainError(ErrorCode.PDF_UNREADABLE, _("请上传 PDF 文件。"), status=422)
    actor = request.user if request.user.is_authenticated else None
    return services.verify_file(content, actor=actor).as_dict()


# --- statistics ----------------------------------------------------------------------------


@router.get("/stats", response={200: StatsOut, **ERRORS})
def stats(
    request: HttpRequest,
    department: str = "",
    since: dt.datetime | None = None,
) -> Any:
    """Materials saved by licences (免提交 uses), for staff."""
    if not (can(request.user, permissions.USE) or can(request.user, permissions.ISSUE)):
        raise _denied()
    return {
        "materials_saved": services.materials_saved(department or None, since),
        "department_code": department or None,
        "since": since,
    }
