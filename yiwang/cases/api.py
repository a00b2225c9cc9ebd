"""Cases API: ``/api/v1/cases/...`` (issue 5, first part: applying and window intake).

Everything needs sign-in. Applicants act on their own cases (someone else's case answers 404
as if it did not exist); staff read cases in their ``cases.view`` scope and work the intake
queue of their ``cases.intake`` scope; every action is one service call, which checks the
caller's right (403) and the case's state (409)."""

# No ``from __future__ import annotations``: django-ninja reads the Annotated query and
# header parameters at runtime.
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet, prefetch_related_objects
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, HeaderEx, P, QueryEx, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import LimitOffsetPagination, paginate

from yiwang.cases import (
    access,
    api_bundles,
    api_results,
    api_workbench,
    paperless,
    permissions,
    services,
)
from yiwang.cases.models import Case, CaseStatus
from yiwang.cases.schemas import CaseFormIn, CaseOut, CaseStartIn, RefuseIn, SupplementIn
from yiwang.kernel.errors import DomainError
from yiwang.kernel.errors import ErrorCode as KernelCode
from yiwang.kernel.permissions import can
from yiwang.kernel.schemas import ERRORS, BuiltRows
from yiwang.kernel.validators import validate_credit_code

router = Router(tags=["cases"])


# --- helpers -------------------------------------------------------------------------------


def _not_found() -> DomainError:
    return DomainError(KernelCode.NOT_FOUND, _("未找到该资源。"), status=404)


def _denied() -> DomainError:
    return DomainError(KernelCode.PERMISSION_DENIED, _("您没有执行此操作的权限。"), status=403)


def _field_error(exc: DomainError, field: str) -> DomainError:
    """A kernel validator's refusal as a pointer at the request field it came from."""
    return DomainError(
        exc.code,
        exc.message,
        status=422,
        errors=[{"field": field, "code": str(exc.code), "message": str(exc.message)}],
    )


def _shaped(queryset: QuerySet[Any]) -> QuerySet[Any]:
    """Cases with what ``CaseOut`` reads, fetched in a fixed number of queries."""
    return queryset.select_related("department").prefetch_related(
        "materials", "events", "supplements"
    )


def _out(case: Case) -> dict[str, Any]:
    open_requests = [s for s in case.supplements.all() if s.resolved_at is None]
    supplement = open_requests[-1].items if open_requests else []
    return {
        "id": case.pk,
        "case_no": case.case_no,
        "status": case.status,
        "status_label": str(case.get_status_display()),
        "implementation_code": case.implementation_code,
        "item_name": case.item_name,
        "department": case.department.name,
        "department_code": case.department.code,
        "channel": case.channel,
        "entity_credit_code": case.entity_credit_code,
        "form_data": case.form_data,
        "materials": [
            {
                "code": m.code,
                "name": m.name,
                "required": m.required,
                "status": m.status,
                "exempt_by": m.exempt_by,
                "file_id": m.file_id,
            }
            for m in case.materials.all()
        ],
        "supplement": supplement,
        "created_at": case.created_at,
        "submitted_at": case.submitted_at,
        "accepted_at": case.accepted_at,
        "promised_due": case.promised_due,
        "statutory_due": case.statutory_due,
        "end_reason": case.end_reason,
        "timeline": [{"at": e.at, "kind": e.kind, "note": e.note} for e in case.events.all()],
    }


def _fresh(case: Case) -> dict[str, Any]:
    """The case as it is now (after a service changed it), shaped for ``CaseOut``."""
    return _out(_shaped(Case.objects.filter(pk=case.pk)).get())


def _own(user: Any) -> Q:
    """The caller's own cases: as the applicant, or started by them at the window."""
    return Q(applicant=user) | Q(created_by=user)


def _own_case(request: HttpRequest, case_id: int) -> Case:
    """A case the caller applies for; anybody else's answers 404."""
    case: Case | None = Case.objects.filter(_own(request.user), pk=case_id).first()
    if case is None:
        raise _not_found()
    return case


def _case(case_id: int) -> Case:
    """A case for staff to act on: the service decides whether the caller may."""
    case: Case | None = Case.objects.filter(pk=case_id).first()
    if case is None:
        raise _not_found()
    return case


def _applicant(request: HttpRequest, applicant_id: int | None) -> Any:
    """The applicant a window clerk applies for (``None``: the caller applies)."""
    if applicant_id is None or applicant_id == request.user.pk:
        return None
    if not can(request.user, permissions.INTAKE):
        raise _denied()  # before the look-up: the public cannot probe for account ids
    applicant = get_user_model().objects.filter(pk=applicant_id, is_active=True).first()
    if applicant is None:
        raise DomainError(
            KernelCode.VALIDATION_ERROR,
            _("申请人不存在。"),
            status=422,
            errors=[
                {
                    "field": "applicant_id",
                    "code": "applicant_unknown",
                    "message": _("申请人不存在。"),
                }
            ],
        )
    return applicant


# --- applying ------------------------------------------------------------------------------


@router.post("", response={201: CaseOut, **ERRORS})
def start_case(request: HttpRequest, payload: CaseStartIn) -> Any:
    """Start a draft for the published version of an implementation. A window clerk may
    apply for an applicant at the hall (``applicant_id``)."""
    credit_code = ""
    if payload.entity_credit_code.strip():
        try:
            credit_code = validate_credit_code(payload.entity_credit_code)
        except DomainError as exc:
            raise _field_error(exc, "entity_credit_code") from None
    case = services.start(
        actor=request.user,
        implementation_code=payload.implementation_code,
        applicant=_applicant(request, payload.applicant_id),
        entity_credit_code=credit_code,
    )
    return Status(201, _fresh(case))


@router.get("/mine", response={200: list[CaseOut], **ERRORS})
@paginate(LimitOffsetPagination)
def my_cases(request: HttpRequest) -> Any:
    """The caller's own cases, newest first."""
    return BuiltRows(
        _shaped(Case.objects.filter(_own(request.user))).order_by("-created_at", "-id"), _out
    )


@router.get("/intake", response={200: list[CaseOut], **ERRORS})
@paginate(LimitOffsetPagination)
def intake_queue(
    request: HttpRequest,
    case_no: QueryEx[str, P(max_length=20)] = "",
) -> Any:
    """Submitted cases waiting for intake in the caller's scope, oldest first;
    ``case_no`` finds one case by its number."""
    if not can(request.user, permissions.INTAKE):
        raise _denied()
    cases = Case.objects.for_user(request.user, permissions.INTAKE).filter(
        status=CaseStatus.SUBMITTED, version__isnull=False
    )
    if case_no.strip():
        cases = cases.filter(case_no=case_no.strip())
    return BuiltRows(_shaped(cases).order_by("submitted_at", "id"), _out)


@router.get("/{int:case_id}", response={200: CaseOut, **ERRORS})
def get_case(request: HttpRequest, case_id: int) -> Any:
    """A case of the caller's own, or one in their ``cases.view`` scope."""
    found: Case | None = _shaped(access.cases_for(request.user)).filter(pk=case_id).first()
    if found is None:
        raise _not_found()
    return _out(found)


@router.put("/{int:case_id}/form", response={200: CaseOut, **ERRORS})
def save_form(request: HttpRequest, case_id: int, payload: CaseFormIn) -> Any:
    """Keep the form as filled so far (checked at submission)."""
    case = services.save_form(
        actor=request.user, case=_own_case(request, case_id), form_data=payload.form_data
    )
    return _fresh(case)


@router.post("/{int:case_id}/materials/{code}", response={200: CaseOut, **ERRORS})
def attach_material(request: HttpRequest, case_id: int, code: str, file: File[UploadedFile]) -> Any:
    """Upload the file for one material requirement (replacing an earlier one)."""
    case = _own_case(request, case_id)
    services.attach(actor=request.user, case=case, code=code, stream=file, name=file.name or "file")
    return _fresh(case)


@router.post("/{int:case_id}/materials/{code}/licence", response={200: CaseOut, **ERRORS})
def use_licence(request: HttpRequest, case_id: int, code: str) -> Any:
    """Consent to the applicant's valid e-licence standing in for one material (免提交): the
    material is met by the licence (``exempt_by`` = ``licence:<identifier>``), checked again
    and its use recorded at submission. 409 ``case_licence_unavailable`` without one."""
    paperless.use_licence(actor=request.user, case=_own_case(request, case_id), code=code)
    return _fresh(_own_case(request, case_id))


@router.post("/{int:case_id}/submit", response={200: CaseOut, **ERRORS})
def submit_case(
    request: HttpRequest,
    case_id: int,
    idempotency_key: HeaderEx[str, P(alias="Idempotency-Key", max_length=200)] = "",
) -> Any:
    """Submit a draft. ``Idempotency-Key`` is required: the same key again answers the
    submitted case unchanged (safe to retry); a key used for another case is refused."""
    # The service locks the row and answers 404 for a case that is not the caller's own.
    case = services.submit(
        actor=request.user, case=Case(pk=case_id), idempotency_key=idempotency_key
    )
    if case.version is not None and case.version.decision_dmn:
        return _fresh(case)  # 秒批 may have moved the case on through another instance
    # The service's own instance is the case as it is now (its department joined).
    prefetch_related_objects([case], "materials", "events", "supplements")
    return _out(case)


@router.post("/{int:case_id}/resubmit", response={200: CaseOut, **ERRORS})
def resubmit_case(request: HttpRequest, case_id: int) -> Any:
    """Back to the intake queue after supplementing what was asked for."""
    case = services.resubmit(actor=request.user, case=_own_case(request, case_id))
    return _fresh(case)


# --- window intake -------------------------------------------------------------------------


@router.post("/{int:case_id}/accept", response={200: CaseOut, **ERRORS})
def accept_case(request: HttpRequest, case_id: int) -> Any:
    """受理: the clock starts; the answer carries the promised and statutory due dates."""
    return _fresh(services.accept(actor=request.user, case=_case(case_id)))


@router.post("/{int:case_id}/refuse", response={200: CaseOut, **ERRORS})
def refuse_case(request: HttpRequest, case_id: int, payload: RefuseIn) -> Any:
    """不予受理, with the reason the applicant reads."""
    return _fresh(services.refuse(actor=request.user, case=_case(case_id), reason=payload.reason))


@router.post("/{int:case_id}/supplement", response={200: CaseOut, **ERRORS})
def request_supplement(request: HttpRequest, case_id: int, payload: SupplementIn) -> Any:
    """一次性告知: every missing or wrong item at once."""
    case = services.request_supplement(
        actor=request.user,
        case=_case(case_id),
        items=[item.model_dump() for item in payload.items],
    )
    return _fresh(case)


router.add_router("", api_bundles.router)
router.add_router("", api_workbench.router)
router.add_router("", api_results.router)
