"""The applicant's pages for a life event (一件事一次办): from the life event's guide, one
merged form, one merged material list, check and submit, then the acknowledgement with the
application's number and each item's number and department.

Like the API, each page reads through the access gate (someone else's application is 404),
calls one service for a change, and shows the service's refusal beside the field it names.
The form is drawn and read by the single application's helpers (forms_applicant.py), so both
look and behave alike. Every page works without JavaScript."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from yiwang.cases import access, bundles
from yiwang.cases.errors import ErrorCode
from yiwang.cases.forms_applicant import SELF, Question, StartForm, UploadForm, questions
from yiwang.cases.forms_applicant import read_answers as read_form
from yiwang.cases.models import Case, CaseStatus
from yiwang.cases.views_applicant import _start_once, _upload_hint
from yiwang.catalog import services as catalog
from yiwang.identity.services import enterprise
from yiwang.kernel.errors import DomainError

signed_in = login_required(login_url=reverse_lazy("identity:login"))
STEPS = 3


# --- helpers --------------------------------------------------------------------------------


def _bundle(request: HttpRequest, bundle_id: int) -> Case:
    """An application the caller applies for (or acts for, for an entity); 404 otherwise."""
    user: Any = request.user
    parent: Case | None = (
        access.cases_for(user)
        .filter(access.applicant_q(user), pk=bundle_id, version__isnull=True)
        .exclude(life_event_code="")
        .select_related("department")
        .first()
    )
    if parent is None:
        raise Http404(_("未找到该申请。"))
    return parent


def _editable(user: Any, parent: Case) -> bool:
    """May the caller still change it (the services' rule: a draft of their own)?"""
    return parent.status == CaseStatus.DRAFT and user.pk in (
        parent.applicant_id,
        parent.created_by_id,
    )


def _url(parent: Case, name: str = "bundle", anchor: str = "") -> str:
    url = reverse(f"cases_bundles:{name}", args=[parent.pk])
    return f"{url}#{anchor}" if anchor else url


def _errors_of(exc: DomainError) -> list[dict[str, str]]:
    listed = exc.details.get("errors")
    if isinstance(listed, list) and listed:
        return [
            {"field": str(e.get("field", "")), "message": str(e.get("message", ""))} for e in listed
        ]
    return [{"field": "", "message": str(exc.message)}]


def _refused_as_404(exc: DomainError) -> None:
    if exc.status == 404:
        raise Http404(str(exc.message)) from exc


@dataclass(frozen=True)
class SummaryRow:
    message: str
    href: str


def _anchors(parent: Case) -> dict[str, str]:
    """Material code → the id of its file input (codes hold characters ids should not)."""
    codes = parent.materials.order_by("id").values_list("code", flat=True)
    return {code: f"file-{n}" for n, code in enumerate(codes, start=1)}


def _summary(parent: Case, errors: list[dict[str, str]], here: str = "") -> list[SummaryRow]:
    """The error summary: each error linked to its field, on this page or the page where it
    can be put right."""
    anchors = _anchors(parent)
    rows = []
    for error in errors:
        pointer = error["field"]
        if pointer.startswith("form/"):
            page, anchor = "form", f"field-{pointer[len('form/') :].split('/', 1)[0]}"
        elif pointer.startswith("materials."):
            page, anchor = "materials", anchors.get(pointer[len("materials.") :], "")
        else:
            page, anchor = "", ""
        if page and page == here:
            href = f"#{anchor}"
        elif page:
            href = _url(parent, page, anchor)
        else:
            href = "#main"
        rows.append(SummaryRow(error["message"], href))
    return rows


def _questions(
    parent: Case,
    errors: list[dict[str, str]] | None = None,
    raw: dict[str, str] | None = None,
) -> list[Question]:
    merged = bundles.merged_of(parent)
    return questions(merged.form.schema, merged.form.ui, parent.form_data, errors or [], raw=raw)


@dataclass
class MaterialRow:
    code: str
    anchor: str
    name: str
    required: bool
    copies: int
    status: str
    exempt: bool
    file_name: str
    needed_by: list[str]
    errors: list[str]


def _material_rows(parent: Case, errors: list[dict[str, str]] | None = None) -> list[MaterialRow]:
    anchors = _anchors(parent)
    return [
        MaterialRow(
            code=m["code"],
            anchor=anchors.get(m["code"], ""),
            name=m["name"],
            required=m["required"],
            copies=m["copies"],
            status=m["status"],
            exempt=m["exempt_possible"],
            file_name=m["file_name"],
            needed_by=m["needed_by"],
            errors=[e["message"] for e in errors or [] if e["field"] == f"materials.{m['code']}"],
        )
        for m in bundles.summary(parent)["materials"]
    ]


def _steps(current: int) -> dict[str, int]:
    return {"step": current, "steps": STEPS}


# --- start ----------------------------------------------------------------------------------


def _entities(user: Any, item_codes: set[str]) -> list[dict[str, Any]]:
    """The entities the caller may apply for in every item of the life event."""
    return [
        dict(e)
        for e in enterprise.entities_for(user)
        if enterprise.ALL_SERVICES in e["scope"] or item_codes <= set(e["scope"])
    ]


@signed_in
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest, code: str) -> HttpResponse:
    """在线申请 a life event: for whom, then one draft application for all its items."""
    user: Any = request.user
    try:
        event = catalog.published_life_event(code)
    except DomainError as exc:
        raise Http404(str(exc.message)) from exc
    item_codes = {i.current.item_code for i in event.implementations if i.current is not None}
    entities = _entities(user, item_codes)
    form = StartForm(
        request.POST or None,
        entities=entities,
        initial={"applicant": SELF, "token": uuid.uuid4().hex},
    )
    if request.method == "POST" and form.is_valid():
        choice = form.cleaned_data["applicant"]
        credit_code = "" if choice == SELF else choice
        try:
            parent_id = _start_once(
                request,
                form.cleaned_data["token"],
                lambda: bundles.start_bundle(
                    actor=user, life_event_code=code, entity_credit_code=credit_code
                ),
            )
        except DomainError as exc:
            _refused_as_404(exc)
            if exc.code == ErrorCode.CONFLICT:
                messages.info(request, str(exc.message))
                return redirect("cases_applicant:my-cases")
            form.add_error("applicant", str(exc.message))
        else:
            return redirect("cases_bundles:form", parent_id)
    drafts = (
        Case.objects.filter(
            access.own_q(user),
            life_event_code=code,
            version__isnull=True,
            status=CaseStatus.DRAFT,
        )
        .order_by("-updated_at")
        .values("pk", "updated_at")
    )
    context = {
        "event": event.event,
        "items": [
            {"name": i.current.name if i.current else i.code, "department": i.department.name}
            for i in event.implementations
        ],
        "guide_url": reverse("catalog:life-event", args=[code]),
        "form": form,
        "entities": entities,
        "drafts": [
            {"url": reverse("cases_bundles:form", args=[d["pk"]]), "updated_at": d["updated_at"]}
            for d in drafts
        ],
    }
    return render(request, "cases/bundles/start.html", context)


# --- the merged form ------------------------------------------------------------------------


@signed_in
@require_http_methods(["GET", "POST"])
def form(request: HttpRequest, bundle_id: int) -> HttpResponse:
    """One form for every item: saved as a draft on every post, checked (as submission
    checks it) when the applicant goes on."""
    user: Any = request.user
    parent = _bundle(request, bundle_id)
    if not _editable(user, parent):
        return redirect(_url(parent))
    errors: list[dict[str, str]] = []
    raw: dict[str, str] = {}
    if request.method == "POST":
        merged = bundles.merged_of(parent)
        data, raw = read_form(merged.form.schema, merged.form.ui, request.POST)
        try:
            parent = bundles.save_bundle_form(actor=user, parent=parent, form_data=data)
        except DomainError as exc:
            _refused_as_404(exc)
            messages.error(request, str(exc.message))
            return redirect(_url(parent))
        if request.POST.get("action") == "save":
            messages.success(request, _("已保存草稿,可以随时在“我的办件”中继续填写。"))
            return redirect(_url(parent))
        errors = [
            {"field": e["field"], "message": str(e["message"])} for e in bundles.form_errors(parent)
        ]
        if not errors:
            return redirect("cases_bundles:materials", parent.pk)
    context = {
        "parent": parent,
        "questions": _questions(parent, errors, raw),
        "summary": _summary(parent, errors, here="form"),
        **_steps(1),
    }
    return render(request, "cases/bundles/form.html", context)


# --- the merged materials -------------------------------------------------------------------


def _materials_page(
    request: HttpRequest,
    parent: Case,
    errors: list[dict[str, str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "parent": parent,
        "materials": _material_rows(parent, errors),
        "upload_hint": _upload_hint(),
        "summary": _summary(parent, errors or [], here="materials"),
        **_steps(2),
    }
    return render(request, "cases/bundles/materials.html", context, status=status)


@signed_in
@require_safe
def materials(request: HttpRequest, bundle_id: int) -> HttpResponse:
    """Each material once, with the items that need it: upload, or met by an e-licence or
    shared data."""
    parent = _bundle(request, bundle_id)
    if not _editable(request.user, parent):
        return redirect(_url(parent))
    return _materials_page(request, parent)


@signed_in
@require_POST
def upload(request: HttpRequest, bundle_id: int, code: str) -> HttpResponse:
    """Upload the file of one material, shared by every item that needs it."""
    user: Any = request.user
    parent = _bundle(request, bundle_id)
    if not _editable(user, parent):
        return redirect(_url(parent))
    pointer = f"materials.{code}"
    upload_form = UploadForm(request.POST, request.FILES)
    if not upload_form.is_valid():
        message = str(upload_form.errors["file"][0])
        return _materials_page(request, parent, [{"field": pointer, "message": message}], 400)
    stored = upload_form.cleaned_data["file"]
    try:
        material = bundles.attach_bundle(
            actor=user, parent=parent, meaning=code, stream=stored, name=stored.name or "file"
        )
    except DomainError as exc:
        _refused_as_404(exc)
        if exc.code == ErrorCode.STATUS_TRANSITION:
            messages.error(request, str(exc.message))
            return redirect(_url(parent))
        errors = [{"field": pointer, "message": e["message"]} for e in _errors_of(exc)]
        return _materials_page(request, parent, errors, status=exc.status)
    messages.success(request, _("已上传“%(name)s”。") % {"name": material.name})
    anchor = _anchors(parent).get(material.code, "")
    return redirect(_url(parent, "materials", anchor.replace("file-", "material-")))


# --- check and submit -----------------------------------------------------------------------


def _check_page(
    request: HttpRequest,
    parent: Case,
    key: str,
    errors: list[dict[str, str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    names = {e["credit_code"]: e["name"] for e in enterprise.entities_for(request.user)}
    context = {
        "parent": parent,
        "questions": _questions(parent),
        "materials": _material_rows(parent),
        "children": bundles.summary(parent)["children"],
        "entity_name": names.get(parent.entity_credit_code, ""),
        "idempotency_key": key,
        "summary": _summary(parent, errors or []),
        **_steps(3),
    }
    return render(request, "cases/bundles/check.html", context, status=status)


@signed_in
@require_http_methods(["GET", "POST"])
def check(request: HttpRequest, bundle_id: int) -> HttpResponse:
    """Check the answers, then submit every item at once. The page carries a fresh
    idempotency key: posting it twice submits one application."""
    user: Any = request.user
    parent = _bundle(request, bundle_id)
    if request.method == "GET":
        if not _editable(user, parent):
            return redirect(_url(parent))
        return _check_page(request, parent, uuid.uuid4().hex)
    key = str(request.POST.get("idempotency_key", ""))
    try:
        submitted = bundles.submit_bundle(actor=user, parent=parent, idempotency_key=key)
    except DomainError as exc:
        _refused_as_404(exc)
        if exc.code in (ErrorCode.STATUS_TRANSITION, ErrorCode.CONFLICT) and (
            parent.status != CaseStatus.DRAFT or exc.code == ErrorCode.CONFLICT
        ):
            messages.info(request, _("该申请已经提交,无需再次提交。"))
            return redirect(_url(parent))
        if exc.code == ErrorCode.IDEMPOTENCY_MISMATCH or not key.strip():
            key = uuid.uuid4().hex
        parent.refresh_from_db()
        return _check_page(request, parent, key, _errors_of(exc), status=exc.status)
    return redirect("cases_bundles:submitted", submitted.pk)


@signed_in
@require_safe
def submitted(request: HttpRequest, bundle_id: int) -> HttpResponse:
    """The acknowledgement: the application's number, and each item's number and the
    department it went to."""
    parent = _bundle(request, bundle_id)
    if parent.status == CaseStatus.DRAFT:
        return redirect(_url(parent, "check"))
    view = bundles.summary(parent)
    return render(
        request,
        "cases/bundles/submitted.html",
        {"parent": parent, "children": view["children"]},
    )


# --- the application ------------------------------------------------------------------------


@signed_in
@require_safe
def bundle(request: HttpRequest, bundle_id: int) -> HttpResponse:
    """The application: its state (following its items), each item with its own number,
    department and state, and what to do next while it is a draft."""
    user: Any = request.user
    parent = _bundle(request, bundle_id)
    view = bundles.summary(parent)
    context = {
        "parent": parent,
        "view": view,
        "children": view["children"],
        "editable": _editable(user, parent),
        "refused": [c for c in view["children"] if c["status"] == CaseStatus.REFUSED],
    }
    return render(request, "cases/bundles/bundle.html", context)
