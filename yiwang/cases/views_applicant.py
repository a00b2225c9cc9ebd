"""The applicant's pages (一网通办, citizen and enterprise side): start an application from a
guide, fill the form, attach materials, check and submit; "my cases" and each case's page
with its timeline, what is awaited, the clock, documents and messages.

Like the API, each page reads through the access gate (someone else's case is 404), calls
one service for a change and shows the service's refusal beside the field it names. Every
page works without JavaScript."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from yiwang.cases import access, clock, delivery, pages, paperless, services
from yiwang.cases.errors import ErrorCode
from yiwang.cases.forms_applicant import SELF, Question, questions, read_answers
from yiwang.cases.models import (
    Case,
    CaseStatus,
    Decision,
    Delivery,
    DeliveryMethod,
    DeliveryStatus,
)
from yiwang.cases.pages import MaterialRow, SummaryRow, signed_in
from yiwang.catalog import services as catalog
from yiwang.identity.services import enterprise
from yiwang.kernel.errors import DomainError
from yiwang.kernel.errors import ErrorCode as KernelCode

PAGE_SIZE = 20
EDITABLE = (CaseStatus.DRAFT, CaseStatus.SUPPLEMENT)

View = Callable[..., HttpResponse]


# --- helpers ---------------------------------------------------------------------------------


def _applicant_case(request: HttpRequest, case_id: int) -> Case:
    """A case the caller applies for (or acts for, for an entity); 404 for any other."""
    case: Case | None = (
        access.cases_for(request.user)
        .filter(access.applicant_q(request.user), pk=case_id)
        .select_related("department", "version")
        .first()
    )
    if case is None:
        raise Http404(_("未找到该办件。"))
    return case


def _owns(user: Any, case: Case) -> bool:
    """May the caller change the case (the services' rule): its applicant, or who started it."""
    return user.pk in (case.applicant_id, case.created_by_id)


def _editable(user: Any, case: Case) -> bool:
    """May the caller change the form and materials here? Not a life event's parent (no
    version) nor a child still in its draft: those are filled once, on the life event's
    pages. A child with a supplement request is put right here, like any case."""
    if case.version is None or case.status not in EDITABLE or not _owns(user, case):
        return False
    return not (case.parent_id is not None and case.status == CaseStatus.DRAFT)


def _bundle_url(case: Case | None) -> str:
    """The life event's own page of a parent case ('' for any other case, or while the
    life-event pages are not installed)."""
    if case is None or case.version is not None:
        return ""
    try:
        return reverse("cases_bundles:bundle", args=[case.pk])
    except NoReverseMatch:
        return ""


def _case_url(
    case: Case, name: str = "case", anchor: str = "", namespace: str = "cases_applicant"
) -> str:
    url = reverse(f"{namespace}:{name}", args=[case.pk])
    return f"{url}#{anchor}" if anchor else url


#: The fields of the delivery choice, as ``delivery.choose_delivery`` names them.
DELIVERY_FIELDS = ("method", "recipient", "phone", "address")


def _target(pointer: str) -> tuple[str, str]:
    """Where the field an error names is put right: on the form, the materials or the case
    page (the delivery choice)."""
    if pointer in DELIVERY_FIELDS:
        return "case", f"delivery-{pointer}"
    return pages.form_or_material(pointer, lambda code: f"file-{code}")


def _summary(
    case: Case, errors: list[dict[str, Any]], here: str = "", namespace: str = "cases_applicant"
) -> list[SummaryRow]:
    """The error summary of a page: each error linked to the field it names, on this page
    (``here``: ``form``, ``materials`` or ``case``) or on the page where it can be put
    right (among the pages of ``namespace``: the window's application pages have their own,
    views_hall.py). A life event's parent has no such pages: its errors link to the main
    content."""

    def page_url(page: str, anchor: str) -> str:
        return _case_url(case, page, anchor, namespace) if case.version is not None else ""

    return pages.error_summary(errors, here, _target, page_url)


def _form_questions(
    case: Case,
    errors: list[dict[str, Any]] | None = None,
    raw: dict[str, str] | None = None,
    data: dict[str, Any] | None = None,
) -> list[Question]:
    version: Any = case.version
    return questions(
        version.form_schema or {},
        version.form_ui or {},
        case.form_data if data is None else data,
        errors,
        raw=raw,
    )


def _material_rows(case: Case, errors: list[dict[str, Any]] | None = None) -> list[MaterialRow]:
    version: Any = case.version
    requirements = {m.code: m for m in version.materials.all()} if version else {}
    rows = []
    for material in case.materials.select_related("file"):
        requirement = requirements.get(material.code)
        stored: Any = material.file
        licence_type = requirement.license_type if requirement else ""
        used = paperless.licence_of(material)
        offer = paperless.offer(case, licence_type) if licence_type and not used else None
        rows.append(
            MaterialRow(
                code=material.code,
                key=material.code,
                name=material.name,
                required=material.required,
                copies=requirement.copies if requirement else 1,
                status=material.status,
                status_label=str(material.get_status_display()),
                exempt_note=pages.material_exempt_note(
                    bool(requirement and not licence_type and requirement.exempt_possible), used
                ),
                licence_offer=offer,
                licence_used=used,
                file_name=stored.name if stored else "",
                file_size=stored.size if stored else 0,
                errors=pages.material_errors(errors, material.code),
                form=str(requirement.get_form_display()) if requirement else "",
                note=requirement.note if requirement else "",
            )
        )
    return rows


# --- start ---------------------------------------------------------------------------------


@signed_in
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest, code: str) -> HttpResponse:
    """在线申请: for whom the application is made, then a draft."""
    user: Any = request.user
    try:
        version: Any = catalog.published_version(code)
    except DomainError as exc:
        raise Http404(str(exc.message)) from exc
    entities = pages.entities(user, {version.item_code})
    acting = enterprise.current_acting_for(request)
    initial_choice = SELF
    if acting and any(e["credit_code"] == acting["credit_code"] for e in entities):
        initial_choice = acting["credit_code"]
    form = pages.start_form(request, entities, initial_choice)
    started = pages.start_posted(
        request,
        form,
        lambda credit_code: services.start(
            actor=user, implementation_code=code, entity_credit_code=credit_code
        ),
        "cases_applicant:form",
    )
    if started is not None:
        return started
    drafts = (
        Case.objects.filter(access.own_q(user), implementation_code=code, status=CaseStatus.DRAFT)
        .order_by("-updated_at")
        .values("pk", "updated_at", "entity_credit_code")
    )
    names = {e["credit_code"]: e["name"] for e in entities}
    context = {
        "version": version,
        "department": version.implementation.department.name,
        "guide_url": reverse("catalog:guide", args=[code]),
        "form": form,
        "entities": entities,
        "drafts": [
            {
                "url": reverse("cases_applicant:form", args=[d["pk"]]),
                "updated_at": d["updated_at"],
                "entity": names.get(d["entity_credit_code"], d["entity_credit_code"]),
            }
            for d in drafts
        ],
    }
    return render(request, "cases/applicant/start.html", context)


# --- the form ------------------------------------------------------------------------------


@signed_in
@require_http_methods(["GET", "POST"])
def form(request: HttpRequest, case_id: int) -> HttpResponse:
    """The application form: saved as a draft on every post; checked against the version's
    schema (the API's check) when the applicant goes on."""
    user: Any = request.user
    case = _applicant_case(request, case_id)
    if not _editable(user, case):
        return redirect(_case_url(case))
    version: Any = case.version
    errors: list[dict[str, Any]] = []
    raw: dict[str, str] = {}
    if request.method == "POST":
        data, raw = read_answers(version.form_schema or {}, version.form_ui or {}, request.POST)
        try:
            case = services.save_form(actor=user, case=case, form_data=data)
        except DomainError as exc:
            pages.refused_as_404(exc)
            messages.error(request, str(exc.message))
            return redirect(_case_url(case))
        if request.POST.get("action") == "save":
            messages.success(request, _("已保存草稿,可以随时在“我的办件”中继续填写。"))
            return redirect("cases_applicant:my-cases")
        errors = services.validate_form(version.form_schema or {}, data)
        if not errors:
            if case.status == CaseStatus.SUPPLEMENT:
                messages.success(request, _("申请表已保存。"))
                return redirect(_case_url(case, anchor="awaited"))
            return redirect("cases_applicant:materials", case.pk)
    context = {
        "case": case,
        "questions": _form_questions(case, errors, raw),
        "summary": _summary(case, errors, here="form"),
        "supplementing": case.status == CaseStatus.SUPPLEMENT,
        **pages.steps(1),
    }
    return render(request, "cases/applicant/form.html", context)


# --- materials -----------------------------------------------------------------------------


def _materials_page(
    request: HttpRequest,
    case: Case,
    errors: list[dict[str, Any]] | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "case": case,
        "materials": _material_rows(case, errors),
        "upload_hint": pages.upload_hint(),
        "summary": _summary(case, errors or [], here="materials"),
        "supplementing": case.status == CaseStatus.SUPPLEMENT,
        **pages.steps(2),
    }
    return render(request, "cases/applicant/materials.html", context, status=status)


@signed_in
@require_safe
def materials(request: HttpRequest, case_id: int) -> HttpResponse:
    """Each material requirement: upload, or met by an e-licence or shared data."""
    case = _applicant_case(request, case_id)
    if not _editable(request.user, case):
        return redirect(_case_url(case))
    return _materials_page(request, case)


@signed_in
@require_POST
def upload(request: HttpRequest, case_id: int, code: str) -> HttpResponse:
    """Upload the file of one requirement (replacing an earlier one)."""
    user: Any = request.user
    case = _applicant_case(request, case_id)
    if not _editable(user, case):
        return redirect(_case_url(case))
    return pages.upload_posted(
        request,
        case,
        code,
        page=lambda errors, status: _materials_page(request, case, errors, status),
        materials_url=reverse("cases_applicant:materials", args=[case.pk]),
        away=_case_url(case),
    )


@signed_in
@require_POST
def use_licence(request: HttpRequest, case_id: int, code: str) -> HttpResponse:
    """The applicant consents to their e-licence standing in for one material (免提交)."""
    case = _applicant_case(request, case_id)
    if not _editable(request.user, case):
        return redirect(_case_url(case))
    try:
        paperless.use_licence(actor=request.user, case=case, code=code)
    except DomainError as exc:
        errors = [{"field": f"materials.{code}", "code": str(exc.code), "message": exc.message}]
        return _materials_page(request, case, errors, exc.status)
    messages.success(request, _("已使用您的电子证照,该材料无需上传。"))
    return redirect(reverse("cases_applicant:materials", args=[case.pk]) + f"#material-{code}")


# --- check and submit ----------------------------------------------------------------------


def _check_page(
    request: HttpRequest,
    case: Case,
    key: str,
    errors: list[dict[str, Any]] | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "case": case,
        "questions": _form_questions(case),
        "materials": _material_rows(case),
        "entity_name": pages.entity_names(request.user).get(case.entity_credit_code, ""),
        "idempotency_key": key,
        "summary": _summary(case, errors or []),
        **pages.steps(3),
    }
    return render(request, "cases/applicant/check.html", context, status=status)


@signed_in
@require_http_methods(["GET", "POST"])
def check(request: HttpRequest, case_id: int) -> HttpResponse:
    """Check your answers, then submit. The page carries a fresh idempotency key: posting it
    twice (a double click, a re-post) submits one case."""
    user: Any = request.user
    case = _applicant_case(request, case_id)
    if request.method == "GET":
        if case.status != CaseStatus.DRAFT or not _editable(user, case):
            return redirect(_case_url(case))
        return _check_page(request, case, uuid.uuid4().hex)
    return pages.submit_posted(
        request,
        case,
        page=lambda key, errors, status: _check_page(request, case, key, errors, status),
        submitted="cases_applicant:submitted",
        away=_case_url(case),
        already_submitted=_("该申请已经提交,无需再次提交。"),
    )


@signed_in
@require_safe
def submitted(request: HttpRequest, case_id: int) -> HttpResponse:
    """The acknowledgement: the case number and what happens next."""
    case = _applicant_case(request, case_id)
    if case.status == CaseStatus.DRAFT:
        return redirect(_case_url(case, "check"))
    version: Any = case.version
    context = {
        "case": case,
        "promised_limit_days": version.promised_limit_days if version else None,
        "instant": bool(version and version.handling_kind == "instant"),
    }
    return render(request, "cases/applicant/submitted.html", context)


# --- my cases ------------------------------------------------------------------------------


@dataclass
class CaseRow:
    case: Case
    link: str  # the case's own page
    parent_url: str  # the life event it is part of ('' when none)
    url: str
    action: str  # what is awaited from the applicant, as a link ('' when nothing)
    entity: str
    time_left: int | None


@signed_in
@require_safe
def my_cases(request: HttpRequest) -> HttpResponse:
    """我的办件: the caller's own cases and their entities', newest first."""
    user: Any = request.user
    cases = (
        access.cases_for(user)
        .filter(access.applicant_q(user))
        # a life event's children are filled with their parent: shown once submitted
        .exclude(parent__isnull=False, status=CaseStatus.DRAFT)
        .select_related("department", "version", "parent")
        .order_by("-created_at", "-id")
    )
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    names = pages.entity_names(user)
    rows = []
    for case in page.object_list:
        bundle = _bundle_url(case)
        if bundle:
            link = bundle
            url, action = bundle, (_("继续填写") if case.status == CaseStatus.DRAFT else "")
        else:
            link = _case_url(case)
            url, action = link, ""  # nothing awaited: the title is the only link
        if case.status == CaseStatus.DRAFT and _editable(user, case):
            url, action = reverse("cases_applicant:form", args=[case.pk]), _("继续填写")
        elif case.status == CaseStatus.SUPPLEMENT and _editable(user, case):
            url, action = _case_url(case, anchor="awaited"), _("去补正")
        left = None
        if case.status == CaseStatus.ACCEPTED and case.version is not None:
            left = clock.time_used_and_left(case)[1]
        rows.append(
            CaseRow(
                case=case,
                link=link,
                parent_url=_bundle_url(case.parent)
                or (_case_url(case.parent) if case.parent else ""),
                url=url,
                action=action,
                entity=names.get(case.entity_credit_code, case.entity_credit_code),
                time_left=left,
            )
        )
    return render(request, "cases/applicant/my_cases.html", {"rows": rows, "page": page})


# --- a case --------------------------------------------------------------------------------

EVENT_LABELS = {
    "draft_created": gettext_lazy("创建申请草稿"),
    "submitted": gettext_lazy("提交申请"),
    "accepted": gettext_lazy("已受理"),
    "refused": gettext_lazy("不予受理"),
    "supplement_requested": gettext_lazy("需要补正材料(一次性告知)"),
    "resubmitted": gettext_lazy("补正后重新提交"),
    "suspended": gettext_lazy("暂停计时(特别程序)"),
    "resumed": gettext_lazy("恢复计时"),
    "task_completed": gettext_lazy("办理环节完成"),
    "completed": gettext_lazy("已办结"),
    "instant_completed": gettext_lazy("即办件当场办结"),
    "auto_approved": gettext_lazy("系统自动审批(秒批)"),
    "auto_approval_declined": gettext_lazy("未通过自动审批,转人工办理"),
    "acceptance_notice_issued": gettext_lazy("出具受理通知书"),
    "decision_document_issued": gettext_lazy("出具决定书"),
    "bundle_created": gettext_lazy("创建一件事申请"),
    "bundle_form_saved": gettext_lazy("保存一件事申请表"),
    "bundle_material_attached": gettext_lazy("上传一件事材料"),
    "bundle_submitted": gettext_lazy("提交一件事申请"),
    "licence_consented": gettext_lazy("同意以电子证照代替材料(免提交)"),
    "delivery_chosen": gettext_lazy("选择结果送达方式"),
    "result_shipped": gettext_lazy("结果已寄出"),
    "result_delivered": gettext_lazy("结果已送达"),
    "result_picked_up": gettext_lazy("结果已领取"),
    "withdrawn": gettext_lazy("已撤回"),
}
#: Events whose note the applicant reads (a reason given to them); a step's internal
#: opinion is not shown.
NOTE_SHOWN = {"refused", "suspended", "auto_approved"}


def _note_shown(kind: str, details: dict[str, Any]) -> bool:
    """A disapproval's reason is the applicant's to read; an approver's opinion is not."""
    return kind in NOTE_SHOWN or (kind == "completed" and details.get("decision") == "disapprove")


@dataclass
class TimelineEntry:
    at: Any
    label: str
    note: str
    items: list[dict[str, str]]


def _event_label(kind: str, details: dict[str, Any]) -> str:
    if kind == "task_completed":
        step = str(details.get("step_name") or details.get("step") or "")
        outcome = details.get("outcome")
        if outcome == "return":
            return _("“%(step)s”环节退回重新办理") % {"step": step}
        return _("“%(step)s”环节办理完毕") % {"step": step}
    if kind == "completed":
        if details.get("decision") == "disapprove":
            return _("已办结:不予许可")
        return _("已办结:准予许可")
    label = EVENT_LABELS.get(kind)
    return str(label) if label is not None else _("办件进展更新")


def _supplement_items(case: Case, items: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Supplement items with a readable name for the field they point at, and where to put
    it right."""
    version: Any = case.version
    titles: dict[str, str] = {}
    if version is not None:
        for name, prop in ((version.form_schema or {}).get("properties") or {}).items():
            if isinstance(prop, dict):
                titles[name] = str(prop.get("title") or name)
    names = {m.code: m.name for m in case.materials.all()}
    out = []
    for item in items:
        pointer = str(item.get("field", ""))
        label, href = pointer, ""
        if pointer.startswith("form/"):
            name = pointer[len("form/") :].split("/", 1)[0]
            label = titles.get(name, name)
            href = _case_url(case, "form", f"field-{name}")
        elif pointer.startswith("materials."):
            code = pointer[len("materials.") :]
            label = names.get(code, code)
            href = _case_url(case, "materials", f"file-{code}")
        elif pointer in titles:
            label, href = titles[pointer], _case_url(case, "form", f"field-{pointer}")
        elif pointer in names:
            label, href = names[pointer], _case_url(case, "materials", f"file-{pointer}")
        out.append({"label": label, "reason": str(item.get("reason", "")), "href": href})
    return out


def _timeline(case: Case) -> list[TimelineEntry]:
    entries = []
    for event in case.events.all():
        details = event.details or {}
        items: list[dict[str, str]] = []
        if event.kind == "supplement_requested":
            items = _supplement_items(case, list(details.get("items") or []))
        entries.append(
            TimelineEntry(
                at=event.at,
                label=_event_label(event.kind, details),
                note=event.note if _note_shown(event.kind, details) else "",
                items=items,
            )
        )
    return entries


def _document_url(case: Case, which: str) -> str:
    """The download of a case document (the acceptance notice or the result)."""
    return f"/api/v1/cases/{case.pk}/documents/{which}"


def _delivery_context(
    case: Case, errors: list[dict[str, Any]], posted: dict[str, str] | None
) -> dict[str, Any]:
    """The result's delivery: as chosen, and the choice while it can still be made (the
    case runs, or is approved, and nothing has left yet)."""
    record: Delivery | None = Delivery.objects.filter(case=case).first()
    approved = case.status == CaseStatus.COMPLETED and case.decision == Decision.APPROVE
    may_choose = (case.status in delivery.RUNNING or approved) and (
        record is None or record.status == DeliveryStatus.PENDING
    )
    if posted is not None:
        values = posted
    elif record is not None:
        values = {"method": record.method, **delivery.personal_fields(record, full=True)}
    else:
        values = {"method": "", "recipient": "", "phone": "", "address": ""}
    return {
        "delivery": record,
        "delivery_personal": (
            delivery.personal_fields(record, full=True) if record is not None else {}
        ),
        "delivery_open": may_choose,
        "delivery_methods": DeliveryMethod.choices,
        "delivery_values": values,
        "delivery_errors": {
            name: [e["message"] for e in errors if e["field"] == name] for name in DELIVERY_FIELDS
        },
        "delivery_inputs": [
            {
                "name": name,
                "label": label,
                "autocomplete": autocomplete,
                "value": values.get(name, ""),
                "errors": [e["message"] for e in errors if e["field"] == name],
            }
            for name, label, autocomplete in (
                ("recipient", _("收件人"), "name"),
                ("phone", _("收件人手机号码"), "tel"),
                ("address", _("收件地址"), "street-address"),
            )
        ],
    }


def _case_page(
    request: HttpRequest,
    case: Case,
    errors: list[dict[str, Any]] | None = None,
    status: int = 200,
    posted: dict[str, str] | None = None,
) -> HttpResponse:
    user: Any = request.user
    editable = _editable(user, case)
    open_supplement = None
    if case.status == CaseStatus.SUPPLEMENT:
        open_supplement = (
            case.supplements.filter(resolved_at__isnull=True).order_by("-requested_at").first()
        )
    used, left = (0, None)
    if case.status == CaseStatus.ACCEPTED and case.version is not None:
        used, left = clock.time_used_and_left(case)
    documents = []
    if case.acceptance_notice_id:
        documents.append((_("受理通知书"), _document_url(case, "acceptance_notice")))
    if case.result_document_id:
        documents.append((_("办理结果文书"), _document_url(case, "result")))
    context = {
        "case": case,
        "editable": editable,
        "owner": _owns(user, case),
        "entity_name": pages.entity_names(user).get(case.entity_credit_code, ""),
        "supplement_items": (
            _supplement_items(case, list(open_supplement.items)) if open_supplement else []
        ),
        "supplement": open_supplement,
        "accepted": case.status == CaseStatus.ACCEPTED,
        "used": used,
        "left": left,
        "overdue_by": -left if left is not None and left < 0 else 0,
        "documents": documents,
        "timeline": _timeline(case),
        "notices": list(case.notices.all()),
        "questions": _form_questions(case) if case.version is not None else [],
        "materials": _material_rows(case) if case.version is not None else [],
        "children": list(case.children.select_related("department").order_by("id")),
        "parent": case.parent,
        "parent_url": _bundle_url(case.parent) or (_case_url(case.parent) if case.parent else ""),
        "summary": _summary(case, errors or [], here="case"),
        **_delivery_context(case, errors or [], posted),
    }
    return render(request, "cases/applicant/case.html", context, status=status)


@signed_in
@require_safe
def case_page(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _applicant_case(request, case_id)
    bundle = _bundle_url(case)
    if bundle:
        return redirect(bundle)
    return _case_page(request, case)


@signed_in
@require_POST
def resubmit(request: HttpRequest, case_id: int) -> HttpResponse:
    """After supplementing: back to the intake queue, checked like a submission."""
    user: Any = request.user
    case = _applicant_case(request, case_id)
    try:
        services.resubmit(actor=user, case=case)
    except DomainError as exc:
        pages.refused_as_404(exc)
        case.refresh_from_db()
        if exc.code == ErrorCode.STATUS_TRANSITION and case.status != CaseStatus.SUPPLEMENT:
            messages.info(request, _("该办件已重新提交,无需再次提交。"))
            return redirect(_case_url(case))
        if exc.code == KernelCode.PERMISSION_DENIED:
            raise Http404(str(exc.message)) from exc
        return _case_page(request, case, pages.errors_of(exc), status=exc.status)
    messages.success(request, _("已重新提交,等待窗口受理。"))
    return redirect(_case_url(case))


@signed_in
@require_POST
def choose_delivery(request: HttpRequest, case_id: int) -> HttpResponse:
    """How the result reaches the applicant: picked up at the window or mailed."""
    case = _applicant_case(request, case_id)
    posted = {name: str(request.POST.get(name, "")) for name in DELIVERY_FIELDS}
    try:
        delivery.choose_delivery(actor=request.user, case=case, **posted)
    except DomainError as exc:
        pages.refused_as_404(exc)
        case.refresh_from_db()
        if exc.status == 409:
            messages.error(request, str(exc.message))
            return redirect(_case_url(case, anchor="delivery"))
        if exc.code == KernelCode.PERMISSION_DENIED:
            raise Http404(str(exc.message)) from exc
        return _case_page(request, case, pages.errors_of(exc), status=exc.status, posted=posted)
    messages.success(request, _("已保存结果送达方式。"))
    return redirect(_case_url(case, anchor="delivery"))
