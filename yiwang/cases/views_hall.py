"""The window's pages (一窗受理), under ``/staff/cases/hall/``.

* 窗口代办申请: a window clerk applies for a citizen who stands at the window. The clerk finds
  the applicant by the mobile number or the resident ID number they give (an exact match among
  real-name-verified accounts: identity's ``find_verified_account``), chooses the published
  service (the catalogue's search, or its exact implementation code), fills the form and
  uploads the materials on the applicant's behalf and submits. The draft is the applicant's
  case started by the clerk (``services.start(applicant=...)``, channel ``hall``; for another
  region's service the clerk's department is recorded as the receiving hall, 跨域通办), so the
  services let the clerk fill it in; the applicant sees it among their own cases.
  The acknowledgement links to the case in the workbench, where the clerk accepts it at once
  (or completes an instant item, 即办件).
* 结果送达: the result's hand-out: a mailed result is given to the postal carrier (which
  issues the tracking number) and later marked delivered; a result collected at the window is
  marked picked up.

The form, its questions and errors, the material rows and the upload handling are the
applicant's pages' own (``forms_applicant``, ``pages``, ``views_applicant``, the partial
templates in ``cases/applicant/``): the window sees exactly the questions and the refusals
the applicant would. Each change calls one service; a refusal comes back beside the field
it names."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from yiwang.cases import delivery, paperless, permissions, services
from yiwang.cases.forms_applicant import read_answers
from yiwang.cases.forms_staff import WorkbenchForm
from yiwang.cases.models import (
    Case,
    CaseStatus,
    Channel,
    Decision,
    Delivery,
    DeliveryMethod,
    DeliveryStatus,
)
from yiwang.cases.pages import start_once, submit_posted, upload_hint, upload_posted
from yiwang.cases.views_applicant import _form_questions, _material_rows, _summary
from yiwang.cases.views_staff import _case_or_404, _nav, staff_page
from yiwang.catalog import services as catalog
from yiwang.identity.services import find_verified_account
from yiwang.kernel.errors import DomainError
from yiwang.kernel.fields import SensitiveKind, mask
from yiwang.kernel.permissions import scope_for

View = Callable[..., HttpResponse]

#: The pages of an application at the window, in the namespace of urls_hall.py.
NAMESPACE = "cases_hall"
#: How long the page that chooses the service remembers the applicant found.
APPLICANT_TOKEN_SECONDS = 2 * 60 * 60
APPLICANT_SALT = "yiwang.cases.hall.applicant"
#: How many services the search lists.
SERVICE_RESULTS = 10


def hall_page(view: View) -> View:
    """Staff who take applications at a window (``cases.intake``) only; any other member of
    staff gets 403, like a workbench page they have no use for."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if scope_for(request.user, permissions.INTAKE).empty:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return staff_page(wrapped)


def _steps(current: int) -> dict[str, int]:
    return {"step": current, "steps": 5}


# --- the applicant, carried between pages ---------------------------------------------------


def _applicant_token(clerk: Any, account: Any) -> str:
    """The applicant found, signed for this clerk (a link passed to another clerk finds
    nobody, and an account cannot be named without the number the citizen gave)."""
    return signing.dumps([clerk.pk, account.pk], salt=APPLICANT_SALT)


def _applicant_of(clerk: Any, token: str) -> Any | None:
    try:
        clerk_pk, account_pk = signing.loads(
            token, salt=APPLICANT_SALT, max_age=APPLICANT_TOKEN_SECONDS
        )
    except (signing.BadSignature, TypeError, ValueError):
        return None
    if clerk_pk != clerk.pk:
        return None
    account: Any = get_user_model().objects.filter(pk=account_pk, is_active=True).first()
    return account


def _person(account: Any) -> dict[str, str]:
    """The applicant as the window shows them: masked, enough to confirm it is the person at
    the window (who shows their ID card)."""
    return {
        "name": mask(str(account.display_name or ""), SensitiveKind.TEXT),
        "mobile": mask(str(account.mobile or ""), SensitiveKind.MOBILE),
        "id_number": mask(str(account.id_number or ""), SensitiveKind.ID_NUMBER),
    }


def _lost_applicant(request: HttpRequest) -> HttpResponse:
    messages.error(request, _("查找申请人的结果已失效，请重新查找申请人。"))
    return redirect(f"{NAMESPACE}:start")


# --- 1. the applicant ------------------------------------------------------------------------


class ApplicantForm(WorkbenchForm):
    summary_fallback = "applicant-form"

    identifier = forms.CharField(
        label=gettext_lazy("申请人手机号码或身份证号码"),
        max_length=30,
        help_text=gettext_lazy(
            "请申请人出示身份证件，输入其注册账号的手机号码或居民身份证号码（须完整填写）。"
        ),
        error_messages={"required": gettext_lazy("请输入申请人的手机号码或身份证号码。")},
    )


@hall_page
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest) -> HttpResponse:
    """Find the applicant; the clerk's drafts at the window to continue."""
    user: Any = request.user
    form = ApplicantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account = find_verified_account(form.cleaned_data["identifier"], actor=user)
        except DomainError as exc:
            form.add_error("identifier", str(exc.message))
        else:
            if account is None:
                form.add_error(
                    "identifier",
                    _("未找到已实名认证的账号。请核对号码，或请申请人先注册账号并完成实名认证。"),
                )
            else:
                query = urlencode({"applicant": _applicant_token(user, account)})
                return redirect(f"{reverse(f'{NAMESPACE}:service')}?{query}")
    drafts = (
        Case.objects.filter(created_by=user, channel=Channel.HALL, status=CaseStatus.DRAFT)
        .exclude(applicant=user)
        .select_related("applicant", "department")
        .order_by("-updated_at", "-id")[:20]
    )
    context = {
        "form": form,
        "summary": form.summary() if form.is_bound else [],
        "drafts": [{"case": d, "person": _person(d.applicant)} for d in drafts],
        **_steps(1),
        **_nav(user, "hall"),
    }
    return render(request, "cases/hall/start.html", context, status=422 if form.errors else 200)


# --- 2. the service --------------------------------------------------------------------------


class ServiceSearchForm(WorkbenchForm):
    summary_fallback = "service-search"

    q = forms.CharField(
        label=gettext_lazy("事项名称或编码"),
        max_length=100,
        required=False,
        help_text=gettext_lazy("事项名称中的文字、拼音首字母，或完整的事项编码、实施编码。"),
    )


@dataclass(frozen=True)
class ServiceChoice:
    code: str
    name: str
    department: str
    instant: bool
    promised_limit_days: int | None


def _services_matching(q: str) -> list[ServiceChoice]:
    """Published services for the words or the exact implementation code ``q``."""
    q = q.strip()
    found: list[ServiceChoice] = []
    with contextlib.suppress(DomainError):  # not an implementation code: words only
        version: Any = catalog.published_version(q)
        found.append(
            ServiceChoice(
                code=version.implementation.code,
                name=version.name,
                department=version.implementation.department.name,
                instant=version.handling_kind == "instant",
                promised_limit_days=version.promised_limit_days,
            )
        )
    page = catalog.search_catalog(q, kind="implementation", limit=SERVICE_RESULTS)
    for hit in page.hits:
        code = str(hit.data.get("code") or hit.key)
        if any(choice.code == code for choice in found):
            continue
        found.append(
            ServiceChoice(
                code=code,
                name=hit.title,
                department=str(hit.data.get("department") or ""),
                instant=hit.data.get("handling_kind") == "instant",
                promised_limit_days=hit.data.get("promised_limit_days"),
            )
        )
    return found[:SERVICE_RESULTS]


@hall_page
@require_safe
def service(request: HttpRequest) -> HttpResponse:
    """Choose the service the applicant applies for."""
    user: Any = request.user
    token = str(request.GET.get("applicant", ""))
    account = _applicant_of(user, token)
    if account is None:
        return _lost_applicant(request)
    form = ServiceSearchForm(request.GET)
    q = form.value("q") or ""
    context = {
        "form": form,
        "summary": form.summary(),
        "applicant_token": token,
        "person": _person(account),
        "searched": bool(q.strip()),
        "choices": _services_matching(q) if q.strip() else [],
        "start_token": uuid.uuid4().hex,
        **_steps(2),
        **_nav(user, "hall"),
    }
    return render(request, "cases/hall/service.html", context)


@hall_page
@require_POST
def begin(request: HttpRequest) -> HttpResponse:
    """The draft: the applicant's application for the service, started by the clerk."""
    user: Any = request.user
    token = str(request.POST.get("applicant", ""))
    account = _applicant_of(user, token)
    if account is None:
        return _lost_applicant(request)
    code = str(request.POST.get("code", ""))
    try:
        case_id = start_once(
            request,
            str(request.POST.get("token", "")),
            lambda: services.start(actor=user, implementation_code=code, applicant=account),
        )
    except DomainError as exc:
        if exc.status == 404:
            raise Http404(str(exc.message)) from exc
        if exc.status == 403:
            raise PermissionDenied from exc
        messages.error(request, str(exc.message))
        return redirect(f"{reverse(f'{NAMESPACE}:service')}?{urlencode({'applicant': token})}")
    return redirect(f"{NAMESPACE}:form", case_id)


# --- 3. the form and the materials -----------------------------------------------------------


def _hall_case(request: HttpRequest, case_id: int) -> Case:
    """A case the caller started at the window for someone else; 404 for any other."""
    user: Any = request.user
    case: Case | None = (
        Case.objects.filter(pk=case_id, created_by=user, channel=Channel.HALL)
        .exclude(applicant=user)
        .select_related("department", "intake_department", "version", "applicant")
        .first()
    )
    if case is None:
        raise Http404(_("未找到该办件。"))
    return case


def _draft_or_redirect(case: Case) -> HttpResponse | None:
    """The window fills drafts only: once submitted, the case is worked in the workbench."""
    if case.status == CaseStatus.DRAFT and case.version is not None:
        return None
    return redirect("cases_staff:case", case.pk)


def _case_context(case: Case) -> dict[str, Any]:
    return {"case": case, "person": _person(case.applicant)}


@hall_page
@require_http_methods(["GET", "POST"])
def form(request: HttpRequest, case_id: int) -> HttpResponse:
    """The application form, saved on every post, checked (the API's check) to go on."""
    user: Any = request.user
    case = _hall_case(request, case_id)
    if (away := _draft_or_redirect(case)) is not None:
        return away
    version: Any = case.version
    errors: list[dict[str, Any]] = []
    raw: dict[str, str] = {}
    if request.method == "POST":
        data, raw = read_answers(version.form_schema or {}, version.form_ui or {}, request.POST)
        try:
            case = services.save_form(actor=user, case=case, form_data=data)
        except DomainError as exc:
            messages.error(request, str(exc.message))
            return redirect("cases_staff:case", case.pk)
        if request.POST.get("action") == "save":
            messages.success(request, _("已保存草稿，可以在“窗口代办申请”中继续填写。"))
            return redirect(f"{NAMESPACE}:start")
        errors = services.validate_form(version.form_schema or {}, data)
        if not errors:
            return redirect(f"{NAMESPACE}:materials", case.pk)
    context = {
        **_case_context(case),
        "questions": _form_questions(case, errors, raw),
        "summary": _summary(case, errors, here="form", namespace=NAMESPACE),
        **_steps(3),
        **_nav(user, "hall"),
    }
    return render(request, "cases/hall/form.html", context, status=422 if errors else 200)


def _materials_page(
    request: HttpRequest, case: Case, errors: list[dict[str, Any]] | None = None, status: int = 200
) -> HttpResponse:
    context = {
        **_case_context(case),
        "materials": _material_rows(case, errors),
        "upload_hint": upload_hint(),
        "summary": _summary(case, errors or [], here="materials", namespace=NAMESPACE),
        **_steps(4),
        **_nav(request.user, "hall"),
    }
    return render(request, "cases/hall/materials.html", context, status=status)


@hall_page
@require_safe
def materials(request: HttpRequest, case_id: int) -> HttpResponse:
    """The material requirements: upload the file the applicant brought, or met by an
    e-licence or shared data."""
    case = _hall_case(request, case_id)
    if (away := _draft_or_redirect(case)) is not None:
        return away
    return _materials_page(request, case)


@hall_page
@require_POST
def upload(request: HttpRequest, case_id: int, code: str) -> HttpResponse:
    """Upload (a scan of) one material, replacing an earlier one."""
    case = _hall_case(request, case_id)
    if (away := _draft_or_redirect(case)) is not None:
        return away
    return upload_posted(
        request,
        case,
        code,
        page=lambda errors, status: _materials_page(request, case, errors, status),
        materials_url=reverse(f"{NAMESPACE}:materials", args=[case.pk]),
        away=reverse("cases_staff:case", args=[case.pk]),
        invalid_status=422,
        not_found_as_404=False,
    )


@hall_page
@require_POST
def use_licence(request: HttpRequest, case_id: int, code: str) -> HttpResponse:
    """The applicant at the window agrees that their e-licence stands in for one material."""
    case = _hall_case(request, case_id)
    if (away := _draft_or_redirect(case)) is not None:
        return away
    try:
        paperless.use_licence(actor=request.user, case=case, code=code)
    except DomainError as exc:
        errors = [{"field": f"materials.{code}", "code": str(exc.code), "message": exc.message}]
        return _materials_page(request, case, errors, exc.status)
    messages.success(request, _("已使用申请人的电子证照,该材料无需上传。"))
    return redirect(reverse(f"{NAMESPACE}:materials", args=[case.pk]) + f"#material-{code}")


# --- 4. check and submit ---------------------------------------------------------------------


def _check_page(
    request: HttpRequest,
    case: Case,
    key: str,
    errors: list[dict[str, Any]] | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        **_case_context(case),
        "questions": _form_questions(case),
        "materials": _material_rows(case),
        "idempotency_key": key,
        "summary": _summary(case, errors or [], namespace=NAMESPACE),
        **_steps(5),
        **_nav(request.user, "hall"),
    }
    return render(request, "cases/hall/check.html", context, status=status)


@hall_page
@require_http_methods(["GET", "POST"])
def check(request: HttpRequest, case_id: int) -> HttpResponse:
    """Check the answers with the applicant, then submit (once: the page's idempotency key)."""
    case = _hall_case(request, case_id)
    if request.method == "GET":
        if (away := _draft_or_redirect(case)) is not None:
            return away
        return _check_page(request, case, uuid.uuid4().hex)
    return submit_posted(
        request,
        case,
        page=lambda key, errors, status: _check_page(request, case, key, errors, status),
        submitted=f"{NAMESPACE}:submitted",
        away=reverse("cases_staff:case", args=[case.pk]),
        already_submitted=_("该申请已经提交，无需再次提交。"),
        not_found_as_404=False,
    )


@hall_page
@require_safe
def submitted(request: HttpRequest, case_id: int) -> HttpResponse:
    """The acknowledgement: the case number for the applicant, and the case in the
    workbench, where the window accepts it at once."""
    case = _hall_case(request, case_id)
    if case.status == CaseStatus.DRAFT:
        return redirect(f"{NAMESPACE}:check", case.pk)
    version: Any = case.version
    context = {
        **_case_context(case),
        "instant": bool(version and version.handling_kind == "instant"),
        "promised_limit_days": version.promised_limit_days if version else None,
        **_nav(request.user, "hall"),
    }
    return render(request, "cases/hall/submitted.html", context)


# --- the result's hand-out -------------------------------------------------------------------

#: The hand-out actions: the service each one calls, and what the page says when done.
HANDOUT: dict[str, tuple[Callable[..., Delivery], Any]] = {
    "ship": (delivery.ship_result, gettext_lazy("已交寄，运单号已告知申请人。")),
    "delivered": (delivery.mark_delivered, gettext_lazy("已登记送达。")),
    "picked_up": (delivery.mark_picked_up, gettext_lazy("已登记窗口领取。")),
}


def _handout_actions(user: Any, case: Case, record: Delivery | None) -> dict[str, bool]:
    """The hand-out steps the caller may take now."""
    approved = case.status == CaseStatus.COMPLETED and case.decision == Decision.APPROVE
    if not approved or not delivery.may_deliver(user, case):
        return dict.fromkeys(HANDOUT, False)
    mail = record is not None and record.method == DeliveryMethod.MAIL
    return {
        "ship": mail and record is not None and record.status == DeliveryStatus.PENDING,
        "delivered": mail and record is not None and record.status == DeliveryStatus.SENT,
        "picked_up": record is None
        or (record.method == DeliveryMethod.PICKUP and record.status == DeliveryStatus.PENDING),
    }


@staff_page
@require_http_methods(["GET", "POST"])
def result(request: HttpRequest, case_id: int) -> HttpResponse:
    """结果送达: how the applicant chose to receive the result, and its hand-out."""
    user: Any = request.user
    case = _case_or_404(user, case_id)
    if request.method == "POST":
        action = str(request.POST.get("action", ""))
        if action not in HANDOUT:
            raise Http404
        call, done = HANDOUT[action]
        try:
            call(actor=user, case=case)
        except DomainError as exc:
            if exc.status == 403:
                raise PermissionDenied from exc
            if exc.status == 404:
                raise Http404 from exc
            messages.error(request, str(exc.message))
        else:
            messages.success(request, str(done))
        return redirect(f"{NAMESPACE}:result", case.pk)
    record: Delivery | None = Delivery.objects.filter(case=case).first()
    full = delivery.shows_in_full(user, case)
    actions = _handout_actions(user, case, record)
    context = {
        "case": case,
        "record": record,
        "personal": delivery.personal_fields(record, full=full) if record is not None else {},
        "masked": not full,
        "approved": case.status == CaseStatus.COMPLETED and case.decision == Decision.APPROVE,
        "actions": actions,
        "any_action": any(actions.values()),
        **_nav(user, "case"),
    }
    return render(request, "cases/hall/result.html", context)
