"""The applicant's pages for a life event (一件事一次办): from the life event's guide, one
merged form, one merged material list, check and submit, then the acknowledgement with the
application's number and each item's number and department.

Like the API, each page reads through the access gate (someone else's application is 404),
calls one service for a change, and shows the service's refusal beside the field it names.
The form is drawn and read by the single application's helpers (forms_applicant.py), so both
look and behave alike. Every page works without JavaScript."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from yiwang.cases import access, bundles, pages, paperless
from yiwang.cases.errors import ErrorCode
from yiwang.cases.forms_applicant import SELF, Question, UploadForm, questions
from yiwang.cases.forms_applicant import read_answers as read_form
from yiwang.cases.models import Case, CaseStatus
from yiwang.cases.pages import MaterialRow, SummaryRow, signed_in
from yiwang.catalog import services as catalog
from yiwang.kernel.errors import DomainError

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


def _keys(parent: Case) -> dict[str, str]:
    """Material code → the key of its element ids, ``file-<key>`` and ``material-<key>``
    (codes hold characters ids should not)."""
    codes = parent.materials.order_by("id").values_list("code", flat=True)
    return {code: str(n) for n, code in enumerate(codes, start=1)}


def _summary(parent: Case, errors: list[dict[str, Any]], here: str = "") -> list[SummaryRow]:
    """The error summary: each error linked to its field, on this page or the page where it
    can be put right."""
    keys = _keys(parent)

    def target(pointer: str) -> tuple[str, str]:
        return pages.form_or_material(
            pointer, lambda code: f"file-{keys[code]}" if code in keys else ""
        )

    return pages.error_summary(
        errors, here, target, lambda page, anchor: _url(parent, page, anchor)
    )


def _questions(
    parent: Case,
    errors: list[dict[str, Any]] | None = None,
    raw: dict[str, str] | None = None,
) -> list[Question]:
    merged = bundles.merged_of(parent)
    return questions(merged.form.schema, merged.form.ui, parent.form_data, errors or [], raw=raw)


def _material_rows(parent: Case, errors: list[dict[str, Any]] | None = None) -> list[MaterialRow]:
    keys = _keys(parent)
    rows = []
    for m in bundles.summary(parent)["materials"]:
        used = (
            m["exempt_by"][len(paperless.PREFIX) :]
            if m["exempt_by"].startswith(paperless.PREFIX)
            else ""
        )
        licence_type = m["license_type"]
        rows.append(
            MaterialRow(
                code=m["code"],
                key=keys.get(m["code"], ""),
                name=m["name"],
                required=m["required"],
                copies=m["copies"],
                status=m["status"],
                status_label=m["status_label"],
                exempt_note=pages.material_exempt_note(
                    bool(m["exempt_possible"] and not licence_type), used
                ),
                licence_offer=paperless.offer(parent, licence_type)
                if licence_type and not used
                else None,
                licence_used=used,
                file_name=m["file_name"],
                file_size=None,
                errors=pages.material_errors(errors, m["code"]),
                needed_by=m["needed_by"],
            )
        )
    return rows


# --- start ----------------------------------------------------------------------------------


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
    entities = pages.entities(user, item_codes)
    form = pages.start_form(request, entities, SELF)
    started = pages.start_posted(
        request,
        form,
        lambda credit_code: bundles.start_bundle(
            actor=user, life_event_code=code, entity_credit_code=credit_code
        ),
        "cases_bundles:form",
    )
    if started is not None:
        return started
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
    errors: list[dict[str, Any]] = []
    raw: dict[str, str] = {}
    if request.method == "POST":
        merged = bundles.merged_of(parent)
        data, raw = read_form(merged.form.schema, merged.form.ui, request.POST)
        try:
            parent = bundles.save_bundle_form(actor=user, parent=parent, form_data=data)
        except DomainError as exc:
            pages.refused_as_404(exc)
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
        **pages.steps(1),
    }
    return render(request, "cases/bundles/form.html", context)


# --- the merged materials -------------------------------------------------------------------


def _materials_page(
    request: HttpRequest,
    parent: Case,
    errors: list[dict[str, Any]] | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "parent": parent,
        "materials": _material_rows(parent, errors),
        "upload_hint": pages.upload_hint(),
        "summary": _summary(parent, errors or [], here="materials"),
        **pages.steps(2),
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
        pages.refused_as_404(exc)
        if exc.code == ErrorCode.STATUS_TRANSITION:
            messages.error(request, str(exc.message))
            return redirect(_url(parent))
        return _materials_page(request, parent, pages.upload_errors(exc, code), status=exc.status)
    messages.success(request, _("已上传“%(name)s”。") % {"name": material.name})
    key = _keys(parent).get(material.code, "")
    return redirect(_url(parent, "materials", f"material-{key}" if key else ""))


@signed_in
@require_POST
def use_licence(request: HttpRequest, bundle_id: int, code: str) -> HttpResponse:
    """The applicant consents to their e-licence standing in for one material, for every
    item that needs it (免提交)."""
    parent = _bundle(request, bundle_id)
    if not _editable(request.user, parent):
        return redirect(_url(parent))
    try:
        bundles.use_licence_bundle(actor=request.user, parent=parent, code=code)
    except DomainError as exc:
        pages.refused_as_404(exc)
        errors = [{"field": f"materials.{code}", "code": str(exc.code), "message": exc.message}]
        return _materials_page(request, parent, errors, exc.status)
    messages.success(request, _("已使用您的电子证照,该材料无需上传。"))
    return redirect(reverse("cases_bundles:materials", args=[parent.pk]) + f"#material-{code}")


# --- check and submit -----------------------------------------------------------------------


def _check_page(
    request: HttpRequest,
    parent: Case,
    key: str,
    errors: list[dict[str, Any]] | None = None,
    status: int = 200,
) -> HttpResponse:
    names = pages.entity_names(request.user)
    context = {
        "parent": parent,
        "questions": _questions(parent),
        "materials": _material_rows(parent),
        "children": bundles.summary(parent)["children"],
        "entity_name": names.get(parent.entity_credit_code, ""),
        "idempotency_key": key,
        "summary": _summary(parent, errors or []),
        **pages.steps(3),
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
        pages.refused_as_404(exc)
        if exc.code in (ErrorCode.STATUS_TRANSITION, ErrorCode.CONFLICT) and (
            parent.status != CaseStatus.DRAFT or exc.code == ErrorCode.CONFLICT
        ):
            messages.info(request, _("该申请已经提交,无需再次提交。"))
            return redirect(_url(parent))
        if exc.code == ErrorCode.IDEMPOTENCY_MISMATCH or not key.strip():
            key = uuid.uuid4().hex
        parent.refresh_from_db()
        return _check_page(request, parent, key, pages.errors_of(exc), status=exc.status)
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
