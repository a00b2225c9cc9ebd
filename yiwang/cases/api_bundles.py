"""Cases API for life-event applications (一件事): ``/api/v1/cases/bundles...``.

One application makes a parent case and a child case per implementation of the life event.
The applicant fills one merged form and uploads each material once, then submits them all
together; ``GET /bundles/{id}`` shows the parent with its children. Someone else's
application answers 404; the wrong state 409; bad input 422 with each field pointed at."""

# No ``from __future__ import annotations``: django-ninja reads the Annotated header
# parameter at runtime.
import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest
from ninja import File, HeaderEx, P, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from yiwang.cases import access, bundles
from yiwang.cases.models import Case
from yiwang.kernel.errors import DomainError
from yiwang.kernel.schemas import ERRORS
from yiwang.kernel.validators import validate_credit_code

router = Router(tags=["cases: life events"])


# --- shapes ---------------------------------------------------------------------------------


class BundleStartIn(Schema):
    life_event_code: str = Field(min_length=1, max_length=40)
    entity_credit_code: str = Field(
        "", max_length=40, description="the applying enterprise's unified social credit code"
    )


class BundleFormIn(Schema):
    form_data: dict[str, Any] = Field(description="the merged form, keyed as ``form_schema``")


class BundleMaterialOut(Schema):
    code: str = Field(description="the material's key in URLs (its meaning, or a digest of it)")
    meaning: str
    name: str
    required: bool
    exempt_possible: bool = Field(description="met by an e-licence or shared data (免提交)")
    copies: int
    status: str
    status_label: str
    exempt_by: str
    license_type: str = Field("", description="the e-licence type that may meet it (免提交)")
    file_id: uuid.UUID | None
    file_name: str
    needed_by: list[str] = Field(description="the names of the items that need it")


class BundleChildOut(Schema):
    id: int
    case_no: str | None
    status: str
    status_label: str
    implementation_code: str
    item_name: str
    department: str
    department_code: str
    decision: str
    decision_label: str
    decision_reason: str
    end_reason: str
    submitted_at: dt.datetime | None
    accepted_at: dt.datetime | None
    promised_due: dt.date | None
    decided_at: dt.datetime | None


class BundleEventOut(Schema):
    at: dt.datetime
    kind: str
    note: str


class BundleOut(Schema):
    id: int
    case_no: str | None = Field(description="given at submission; null while a draft")
    status: str = Field(description="follows the children: accepted when all are, and so on")
    status_label: str
    life_event_code: str
    name: str
    department: str = Field(description="the life event's lead department")
    department_code: str
    entity_credit_code: str
    form_data: dict[str, Any]
    form_schema: dict[str, Any] = Field(description="the merged form (JSON Schema)")
    form_ui: dict[str, Any]
    materials: list[BundleMaterialOut]
    children: list[BundleChildOut]
    decision: str
    decision_label: str
    decision_reason: str
    end_reason: str
    created_at: dt.datetime
    submitted_at: dt.datetime | None
    accepted_at: dt.datetime | None
    promised_due: dt.date | None
    statutory_due: dt.date | None
    ended_at: dt.datetime | None
    timeline: list[BundleEventOut]


# --- helpers --------------------------------------------------------------------------------


def _bundle(request: HttpRequest, bundle_id: int) -> Case:
    """An application the caller may see (404 otherwise, and for a case that is not one)."""
    case = access.get_case_for(request.user, bundle_id)
    if not bundles.is_bundle(case):
        raise access.not_found()
    return case


def _credit_code(value: str) -> str:
    if not value.strip():
        return ""
    try:
        return validate_credit_code(value)
    except DomainError as exc:
        raise DomainError(
            exc.code,
            exc.message,
            status=422,
            errors=[
                {"field": "entity_credit_code", "code": str(exc.code), "message": str(exc.message)}
            ],
        ) from None


# --- endpoints ------------------------------------------------------------------------------


@router.post("/bundles", response={201: BundleOut, **ERRORS})
def start_bundle(request: HttpRequest, payload: BundleStartIn) -> Any:
    """Start an application for a published life event: a parent draft with the merged
    material list, and a child draft per implementation."""
    parent = bundles.start_bundle(
        actor=request.user,
        life_event_code=payload.life_event_code,
        entity_credit_code=_credit_code(payload.entity_credit_code),
    )
    return Status(201, bundles.summary(parent))


@router.get("/bundles/{int:bundle_id}", response={200: BundleOut, **ERRORS})
def get_bundle(request: HttpRequest, bundle_id: int) -> Any:
    """The application with its merged form and materials and every child case."""
    return bundles.summary(_bundle(request, bundle_id))


@router.put("/bundles/{int:bundle_id}/form", response={200: BundleOut, **ERRORS})
def save_bundle_form(request: HttpRequest, bundle_id: int, payload: BundleFormIn) -> Any:
    """Keep the merged form as filled so far (checked at submission)."""
    parent = bundles.save_bundle_form(
        actor=request.user, parent=_bundle(request, bundle_id), form_data=payload.form_data
    )
    return bundles.summary(parent)


@router.post("/bundles/{int:bundle_id}/materials/{meaning}", response={200: BundleOut, **ERRORS})
def attach_bundle_material(
    request: HttpRequest, bundle_id: int, meaning: str, file: File[UploadedFile]
) -> Any:
    """Upload the file for one material (multipart ``file``); every item that needs it
    shares it."""
    parent = _bundle(request, bundle_id)
    bundles.attach_bundle(
        actor=request.user, parent=parent, meaning=meaning, stream=file, name=file.name or "file"
    )
    return bundles.summary(parent)


@router.post(
    "/bundles/{int:bundle_id}/materials/{meaning}/licence", response={200: BundleOut, **ERRORS}
)
def use_bundle_licence(request: HttpRequest, bundle_id: int, meaning: str) -> Any:
    """Consent to the applicant's valid e-licence standing in for one material, for every item
    that needs it. 409 ``case_licence_unavailable`` without one."""
    parent = _bundle(request, bundle_id)
    bundles.use_licence_bundle(
        actor=request.user, parent=parent, code=bundles.material_code(meaning)
    )
    return bundles.summary(parent)


@router.post("/bundles/{int:bundle_id}/submit", response={200: BundleOut, **ERRORS})
def submit_bundle(
    request: HttpRequest,
    bundle_id: int,
    idempotency_key: HeaderEx[str, P(alias="Idempotency-Key", max_length=200)] = "",
) -> Any:
    """Submit every item of the application at once. ``Idempotency-Key`` is required: the
    same key again answers the submitted application unchanged (safe to retry)."""
    parent = bundles.submit_bundle(
        actor=request.user, parent=_bundle(request, bundle_id), idempotency_key=idempotency_key
    )
    return bundles.summary(parent)
