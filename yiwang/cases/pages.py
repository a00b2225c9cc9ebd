"""What the applicant's pages share: those of a single application (views_applicant.py) and
those of a life event (views_bundles.py) start a draft the same way, list materials alike,
read a service's refusal alike and link each error to the field where it is put right. The
window's application pages (views_hall.py) upload a material and submit the checked
application as the applicant's pages do."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.defaultfilters import filesizeformat
from django.urls import reverse_lazy
from django.utils.translation import gettext as _

from yiwang.cases import services
from yiwang.cases.errors import ErrorCode
from yiwang.cases.forms_applicant import SELF, StartForm, UploadForm
from yiwang.cases.models import Case
from yiwang.identity.services import enterprise
from yiwang.kernel.errors import DomainError

signed_in = login_required(login_url=reverse_lazy("identity:login"))

#: How long a start token remembers the draft it made (a double click makes one draft).
START_TOKEN_SECONDS = 600
#: The steps of applying online: the form, the materials, check and submit.
STEPS = 3

#: How the upload hint names the kernel's allowed file types.
TYPE_NAMES = {
    "application/pdf": "PDF",
    "image/jpeg": "JPG",
    "image/png": "PNG",
    "application/ofd": "OFD",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word(.docx)",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel(.xlsx)",
}


def steps(current: int) -> dict[str, int]:
    return {"step": current, "steps": STEPS}


def upload_hint() -> str:
    types = "、".join(TYPE_NAMES.get(t, t) for t in settings.YIWANG_UPLOAD_TYPES)
    size = filesizeformat(settings.YIWANG_UPLOAD_MAX_BYTES)
    return _("可上传 %(types)s 文件,每个文件不超过 %(size)s。") % {"types": types, "size": size}


# --- for whom -------------------------------------------------------------------------------


def entities(user: Any, item_codes: set[str]) -> list[dict[str, Any]]:
    """The entities the caller may apply for in every one of these services."""
    return [
        dict(e)
        for e in enterprise.entities_for(user)
        if enterprise.ALL_SERVICES in e["scope"] or item_codes <= set(e["scope"])
    ]


def entity_names(user: Any) -> dict[str, str]:
    return {e["credit_code"]: e["name"] for e in enterprise.entities_for(user)}


# --- start ----------------------------------------------------------------------------------


def start_once(request: HttpRequest, token: str, start: Callable[[], Case]) -> int:
    """Start at most one draft per start token: a second post of the same page (a double
    click) waits briefly for the first and goes to its draft."""
    if not token:
        return start().pk
    key = f"cases:start:{request.user.pk}:{token[:64]}"
    if cache.add(key, 0, START_TOKEN_SECONDS):
        try:
            case = start()
        except BaseException:
            cache.delete(key)
            raise
        cache.set(key, case.pk, START_TOKEN_SECONDS)
        return case.pk
    for _attempt in range(30):
        found = cache.get(key)
        if found:
            return int(found)
        if found is None:  # the first attempt failed: this one tries on its own
            return start_once(request, token, start)
        time.sleep(0.1)
    raise DomainError(ErrorCode.CONFLICT, _("申请正在创建,请到“我的办件”中查看。"), status=409)


def start_form(request: HttpRequest, entities: list[dict[str, Any]], choice: str) -> StartForm:
    """The start page's form: for whom (``choice`` first), with a fresh start token."""
    return StartForm(
        request.POST or None,
        entities=entities,
        initial={"applicant": choice, "token": uuid.uuid4().hex},
    )


def start_posted(
    request: HttpRequest, form: StartForm, start: Callable[[str], Case], form_page: str
) -> HttpResponse | None:
    """A posted start page: the draft ``start(entity_credit_code)`` makes (once per start
    token), then its form page ``form_page``. None to show the page again: nothing posted,
    or the refusal put beside the choice."""
    if request.method != "POST" or not form.is_valid():
        return None
    choice = form.cleaned_data["applicant"]
    credit_code = "" if choice == SELF else choice
    try:
        case_id = start_once(request, form.cleaned_data["token"], lambda: start(credit_code))
    except DomainError as exc:
        refused_as_404(exc)
        if exc.code == ErrorCode.CONFLICT:
            messages.info(request, str(exc.message))
            return redirect("cases_applicant:my-cases")
        form.add_error("applicant", str(exc.message))
        return None
    return redirect(form_page, case_id)


# --- refusals -------------------------------------------------------------------------------


def errors_of(exc: DomainError) -> list[dict[str, Any]]:
    """A refusal's errors, each ``{"field", "message"}`` (one when the refusal names none)."""
    listed = exc.details.get("errors")
    if isinstance(listed, list) and listed:
        return [
            {"field": str(e.get("field", "")), "message": str(e.get("message", ""))} for e in listed
        ]
    return [{"field": str(exc.details.get("field", "")), "message": str(exc.message)}]


def refused_as_404(exc: DomainError) -> None:
    if exc.status == 404:
        raise Http404(str(exc.message)) from exc


def upload_errors(exc: DomainError, code: str) -> list[dict[str, Any]]:
    """A refused upload's errors, each put beside the material's file input."""
    return [{"field": f"materials.{code}", "message": e["message"]} for e in errors_of(exc)]


@dataclass(frozen=True)
class SummaryRow:
    message: str
    href: str


#: Where an error's field is put right: (page, element id); ('', '') when on no page.
Target = Callable[[str], tuple[str, str]]


def form_or_material(pointer: str, material_id: Callable[[str], str]) -> tuple[str, str]:
    """``form/<field>/...`` is put right on the form page, ``materials.<code>`` on the
    materials page (at the file input ``material_id(code)``)."""
    if pointer.startswith("form/"):
        return "form", f"field-{pointer[len('form/') :].split('/', 1)[0]}"
    if pointer.startswith("materials."):
        return "materials", material_id(pointer[len("materials.") :])
    return "", ""


def error_summary(
    errors: list[dict[str, Any]],
    here: str,
    target: Target,
    page_url: Callable[[str, str], str],
) -> list[SummaryRow]:
    """The error summary of a page: each error linked to the field it names, on this page
    (``here``) or at ``page_url(page, element id)`` where it can be put right ('' for no
    link there); an error of no field links to the page's main content."""
    rows = []
    for error in errors:
        page, anchor = target(error["field"])
        if page and page == here:
            href = f"#{anchor}"
        else:
            href = (page_url(page, anchor) if page else "") or "#main"
        rows.append(SummaryRow(error["message"], href))
    return rows


# --- materials ------------------------------------------------------------------------------


@dataclass
class MaterialRow:
    """One material of an application, as its materials and check pages show it."""

    code: str
    key: str  # its element ids: file-<key> (the file input), material-<key> (its entry)
    name: str
    required: bool
    copies: int
    status: str
    status_label: str
    exempt_note: str  # '' when the applicant must upload it
    file_name: str
    file_size: int | None  # None: not shown
    errors: list[str]
    form: str = ""  # original, copy...
    note: str = ""
    needed_by: list[str] | None = None  # the items of a life event that need it
    #: The applicant's valid e-licence that may stand in for it (免提交), offered for consent.
    licence_offer: dict[str, Any] | None = None
    #: The identifier of the licence the applicant consented to use for it.
    licence_used: str = ""


def exempt_note(exempt_possible: bool) -> str:
    return _("无需上传(将通过电子证照/共享数据获取)") if exempt_possible else ""


def material_exempt_note(shared_data: bool, licence_used: str) -> str:
    """What the materials page says of a requirement the applicant need not upload."""
    if licence_used:
        return _("已使用电子证照(%(identifier)s),无需上传") % {"identifier": licence_used}
    return _("无需上传(将通过共享数据获取)") if shared_data else ""


def material_errors(errors: list[dict[str, Any]] | None, code: str) -> list[str]:
    return [e["message"] for e in errors or [] if e["field"] == f"materials.{code}"]


# --- upload, check and submit ---------------------------------------------------------------

#: A materials page showing these errors, with this status.
MaterialsPage = Callable[[list[dict[str, Any]], int], HttpResponse]
#: A check page carrying this idempotency key and showing these errors, with this status.
CheckPage = Callable[[str, list[dict[str, Any]], int], HttpResponse]


def upload_posted(
    request: HttpRequest,
    case: Case,
    code: str,
    *,
    page: MaterialsPage,
    materials_url: str,
    away: str,
    invalid_status: int = 200,
    not_found_as_404: bool = True,
) -> HttpResponse:
    """A posted file of material ``code`` (replacing an earlier one): attached, then back to
    its entry on the materials page at ``materials_url``. A file the form or the service
    refuses is shown beside its input on ``page`` (a file the form refuses with
    ``invalid_status``); a case that can no longer change goes to ``away``."""
    upload_form = UploadForm(request.POST, request.FILES)
    if not upload_form.is_valid():
        message = upload_form.errors["file"][0]
        return page([{"field": f"materials.{code}", "message": message}], invalid_status)
    stored = upload_form.cleaned_data["file"]
    user: Any = request.user
    try:
        material = services.attach(
            actor=user, case=case, code=code, stream=stored, name=stored.name or "file"
        )
    except DomainError as exc:
        if not_found_as_404:
            refused_as_404(exc)
        if exc.code == ErrorCode.STATUS_TRANSITION:
            messages.error(request, str(exc.message))
            return redirect(away)
        return page(upload_errors(exc, code), exc.status)
    messages.success(request, _("已上传“%(name)s”。") % {"name": material.name})
    return redirect(f"{materials_url}#material-{code}")


def submit_posted(
    request: HttpRequest,
    case: Case,
    *,
    page: CheckPage,
    submitted: str,
    away: str,
    already_submitted: str,
    not_found_as_404: bool = True,
) -> HttpResponse:
    """A posted check page: the case submitted once (the page's idempotency key), then its
    acknowledgement ``submitted`` (a URL name taking the case). A case submitted already
    goes to ``away`` saying ``already_submitted``; any other refusal is shown on ``page``
    with a fresh key where the one posted cannot be used again."""
    user: Any = request.user
    key = str(request.POST.get("idempotency_key", ""))
    try:
        submitted_case = services.submit(actor=user, case=case, idempotency_key=key)
    except DomainError as exc:
        if not_found_as_404:
            refused_as_404(exc)
        if exc.code in (ErrorCode.STATUS_TRANSITION, ErrorCode.CONFLICT):
            messages.info(request, already_submitted)
            return redirect(away)
        if exc.code == ErrorCode.IDEMPOTENCY_MISMATCH or not key.strip():
            key = uuid.uuid4().hex
        case.refresh_from_db()
        return page(key, errors_of(exc), exc.status)
    return redirect(submitted, submitted_case.pk)
