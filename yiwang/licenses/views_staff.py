"""The staff's licence pages, under ``/staff/licenses/``.

* Home: materials saved by licences (免提交), the department's licences with search.
* Licence types: list, detail (schema and layout), a new type (platform administrators).
* Issue a licence (the type's data asked as the cases' application forms ask theirs),
  bulk import (.xlsx or JSON; a refused import lists every bad row), a licence's page with
  suspend, resume, revoke and change.
* 扫码核验: a clerk of a verified user department reads the licences a holder shows.
* 用证部门认证: platform administrators verify departments as licence users.

Each change posts to a view that calls exactly one service; a refusal comes back in the error
summary and beside the field it names. Staff without any licence role get 403; a licence out
of the caller's scope is 404."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from yiwang.cases.forms_applicant import questions, read_answers
from yiwang.kernel.errors import DomainError
from yiwang.kernel.permissions import can
from yiwang.licenses import pages, permissions, services
from yiwang.licenses.errors import ErrorCode
from yiwang.licenses.forms import (
    DepartmentForm,
    HolderForm,
    ImportForm,
    ReasonForm,
    RedeemForm,
    SearchForm,
    TypeForm,
)
from yiwang.licenses.models import HolderKind, License, LicenseType

PAGE_SIZE = 30
View = Callable[..., HttpResponse]


def staff_page(view: View) -> View:
    """Signed-in staff with a licence role only; anyone else signed in gets 403."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not pages.is_licence_staff(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    checked: View = login_required(wrapped)
    return checked


def _require(request: HttpRequest, action: str) -> None:
    if not can(request.user, action):
        raise PermissionDenied


def _nav(request: HttpRequest, current: str) -> dict[str, Any]:
    user = request.user
    return {
        "nav_current": current,
        "may_issue": can(user, permissions.ISSUE),
        "may_use": can(user, permissions.USE),
        "may_manage_types": can(user, permissions.MANAGE_TYPES),
        "may_verify_departments": can(user, permissions.VERIFY_DEPARTMENT),
    }


def _data_pointer(field: str) -> str:
    """``data/scope`` (the services' pointer) as the form questions' ``form/scope``."""
    return "form" + field[len("data") :] if field.startswith("data") else field


def _questions(
    schema: dict[str, Any], data: dict[str, Any], errors: list[dict[str, Any]], raw: dict[str, str]
) -> list[Any]:
    """The licence data as the cases' form questions, each with the service's errors."""
    placed = [{**e, "field": _data_pointer(str(e.get("field") or ""))} for e in errors]
    return questions(schema, {}, data, placed, raw=raw)


def _summary(errors: list[dict[str, Any]], anchors: dict[str, str]) -> list[dict[str, str]]:
    """The error summary: each error linked to its field (``anchors`` maps a form field's
    name to its input's id; licence data go to the question's input)."""
    rows = []
    for error in errors:
        field = str(error.get("field") or "")
        if field.startswith("data/"):
            href = "#field-" + field[len("data/") :].split("/", 1)[0]
        elif field.split("/", 1)[0] in anchors:
            href = "#" + anchors[field.split("/", 1)[0]]
        else:
            href = "#main"
        rows.append({"href": href, "message": str(error.get("message", ""))})
    return rows


def _to_form(form: Any, errors: list[dict[str, Any]]) -> None:
    """Put the services' errors beside the Django form's fields they name."""
    for error in errors:
        name = str(error.get("field") or "").split("/", 1)[0]
        if name in form.fields:
            form.add_error(name, str(error.get("message", "")))


# --- home ----------------------------------------------------------------------------------


@staff_page
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """The department's licences, searchable, and the materials licences saved."""
    search = SearchForm(request.GET or None)
    q = search.cleaned_data["q"] if search.is_valid() else ""
    page = None
    rows: list[pages.Row] = []
    if can(request.user, permissions.ISSUE):
        page = Paginator(pages.staff_licenses(request.user, q), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        rows = pages.rows_of(list(page.object_list))
    departments = pages.departments_for(request.user, permissions.USE) or pages.departments_for(
        request.user, permissions.ISSUE
    )
    if can(request.user, permissions.VERIFY_DEPARTMENT):
        saved = [{"name": _("全平台"), "count": services.materials_saved()}]
    else:
        saved = [
            {"name": d.name, "count": services.materials_saved(d.code)} for d in departments[:10]
        ]
    context = {
        **_nav(request, "home"),
        "search": search,
        "q": q,
        "page": page,
        "rows": rows,
        "saved": saved,
    }
    return render(request, "licenses/staff/home.html", context)


# --- licence types -------------------------------------------------------------------------


@staff_page
@require_safe
def types(request: HttpRequest) -> HttpResponse:
    context = {**_nav(request, "types"), "types": LicenseType.objects.order_by("code")}
    return render(request, "licenses/staff/types.html", context)


def _type_or_404(code: str) -> LicenseType:
    try:
        return services.get_type(code)
    except DomainError as exc:
        raise Http404(str(exc.message)) from exc


@staff_page
@require_safe
def type_detail(request: HttpRequest, code: str) -> HttpResponse:
    license_type = _type_or_404(code)
    context = {
        **_nav(request, "types"),
        "type": license_type,
        "schema": json.dumps(license_type.fields_schema, ensure_ascii=False, indent=2),
        "layout": json.dumps(license_type.layout, ensure_ascii=False, indent=2),
        "questions": questions(license_type.fields_schema, {}, {}),
    }
    return render(request, "licenses/staff/type.html", context)


TYPE_ANCHORS = {
    name: f"id_{name}"
    for name in (
        "name",
        "code",
        "identifier_code",
        "holder_kind",
        "fields_schema",
        "layout",
        "validity_years",
        "validity_days",
    )
}


@staff_page
@require_http_methods(["GET", "POST"])
def type_new(request: HttpRequest) -> HttpResponse:
    _require(request, permissions.MANAGE_TYPES)
    form = TypeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                created = services.create_type(
                    actor=request.user,
                    code=data["code"],
                    identifier_code=data["identifier_code"],
                    name=data["name"],
                    fields_schema=data["fields_schema"],
                    layout=data["layout"],
                    holder_kind=data["holder_kind"],
                    validity_years=data["validity_years"],
                    validity_days=data["validity_days"],
                    issuing_department_kind=data["issuing_department_kind"],
                    description=data["description"],
                )
            except DomainError as exc:
                errors = pages.errors_of(exc)
                if exc.code == ErrorCode.TYPE_DUPLICATE:
                    errors = [{"field": "code", "message": str(exc.message)}]
                _to_form(form, errors)
                status = exc.status
            else:
                messages.success(request, _("已添加证照类型:%(name)s") % {"name": created.name})
                return redirect("licenses_staff:type", code=created.code)
        else:
            status = 422
    summary = [
        {"href": f"#id_{name}", "message": str(error)}
        for name, errors in form.errors.items()
        for error in errors
    ]
    context = {**_nav(request, "types"), "form": form, "summary": summary}
    return render(request, "licenses/staff/type_new.html", context, status=status)


# --- issuing -------------------------------------------------------------------------------


HOLDER_ANCHORS = {
    "department": "id_department",
    "holder_kind": "id_holder_kind_0",
    "holder_name": "id_holder_name",
    "holder_id_number": "id_holder_id_number",
    "holder_credit_code": "id_holder_credit_code",
    "department_code": "id_department",
}


@staff_page
@require_safe
def issue_choose(request: HttpRequest) -> HttpResponse:
    _require(request, permissions.ISSUE)
    context = {**_nav(request, "issue"), "types": pages.active_types()}
    return render(request, "licenses/staff/issue_choose.html", context)


def _holder_kinds(license_type: LicenseType) -> list[str]:
    if license_type.holder_kind == HolderKind.EITHER:
        return [HolderKind.PERSON, HolderKind.ENTITY]
    return [license_type.holder_kind]


@staff_page
@require_http_methods(["GET", "POST"])
def issue(request: HttpRequest, code: str) -> HttpResponse:
    """签发: the holder, then the licence data from the type's JSON Schema."""
    _require(request, permissions.ISSUE)
    license_type = _type_or_404(code)
    if not license_type.is_active:
        raise Http404
    departments = pages.departments_for(request.user, permissions.ISSUE)
    form = HolderForm(
        request.POST or None, departments=departments, kinds=_holder_kinds(license_type)
    )
    schema = license_type.fields_schema or {}
    data: dict[str, Any] = {}
    raw: dict[str, str] = {}
    errors: list[dict[str, Any]] = []
    status = 200
    if request.method == "POST":
        data, raw = read_answers(schema, {}, request.POST)
        if form.is_valid():
            holder = form.cleaned_data
            try:
                license = services.issue(
                    actor=request.user,
                    type_code=license_type.code,
                    issuer_department_code=holder["department"],
                    holder_kind=holder["holder_kind"],
                    holder_name=holder["holder_name"],
                    holder_id_number=holder["holder_id_number"],
                    holder_credit_code=holder["holder_credit_code"],
                    data=data,
                )
            except DomainError as exc:
                errors = pages.errors_of(exc)
                _to_form(form, errors)
                status = exc.status
            else:
                messages.success(
                    request,
                    _("证照已签发,证照标识:%(id)s") % {"id": license.current().identifier},
                )
                return redirect("licenses_staff:license", license_id=license.pk)
        else:
            errors = [
                {"field": name, "message": str(e)} for name, es in form.errors.items() for e in es
            ]
            status = 422
    context = {
        **_nav(request, "issue"),
        "type": license_type,
        "form": form,
        "questions": _questions(schema, data, errors, raw),
        "summary": _summary(errors, HOLDER_ANCHORS),
    }
    return render(request, "licenses/staff/issue.html", context, status=status)


def _import_rows(upload: Any) -> list[dict[str, Any]]:
    name = str(upload.name or "").lower()
    if name.endswith(".json"):
        try:
            parsed = json.loads(upload.read().decode("utf-8-sig"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise DomainError(
                ErrorCode.IMPORT_FORMAT,
                _("JSON 文件无法读取:%(e)s") % {"e": exc},
                status=422,
            ) from exc
        rows = parsed.get("rows") if isinstance(parsed, dict) else parsed
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise DomainError(
                ErrorCode.IMPORT_FORMAT,
                _("JSON 文件应为行的数组,每行是一个对象。"),
                status=422,
            )
        return rows
    if name.endswith(".xlsx"):
        return services.rows_from_xlsx(upload)
    raise DomainError(ErrorCode.IMPORT_FORMAT, _("请上传 .xlsx 或 .json 文件。"), status=422)


@staff_page
@require_http_methods(["GET", "POST"])
def import_page(request: HttpRequest) -> HttpResponse:
    """批量导入: every bad row is listed; nothing is written unless every row is good."""
    _require(request, permissions.ISSUE)
    form = ImportForm(
        request.POST or None,
        request.FILES or None,
        types=pages.active_types(),
        departments=pages.departments_for(request.user, permissions.ISSUE),
    )
    row_errors: list[str] = []
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                summary = services.import_licenses(
                    actor=request.user,
                    type_code=form.cleaned_data["type_code"],
                    issuer_department_code=form.cleaned_data["department"],
                    rows=_import_rows(form.cleaned_data["file"]),
                )
            except DomainError as exc:
                errors = pages.errors_of(exc)
                row_errors = [str(e["message"]) for e in errors]
                status = exc.status if exc.status != 400 else 422
                if len(errors) == 1 and not errors[0].get("row"):
                    form.add_error("file", row_errors[0])
                    row_errors = []
            else:
                messages.success(request, _("已导入 %(n)d 本证照。") % {"n": summary.created})
                return redirect("licenses_staff:home")
        else:
            status = 422
    summary_rows = [
        {"href": f"#id_{name}", "message": str(error)}
        for name, errors in form.errors.items()
        for error in errors
    ]
    if row_errors:
        summary_rows.append(
            {
                "href": "#import-errors",
                "message": _("导入被拒绝,未写入任何数据:共 %(n)d 处错误。")
                % {"n": len(row_errors)},
            }
        )
    context = {
        **_nav(request, "import"),
        "form": form,
        "row_errors": row_errors,
        "summary": summary_rows,
    }
    return render(request, "licenses/staff/import.html", context, status=status)


# --- one licence ---------------------------------------------------------------------------


def _staff_license(request: HttpRequest, license_id: int) -> License:
    try:
        return services.license_for_staff(request.user, license_id)
    except DomainError as exc:
        raise Http404(str(exc.message)) from exc


def _license_page(
    request: HttpRequest,
    license: License,
    *,
    reason_form: ReasonForm | None = None,
    summary: list[dict[str, str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    current = license.current()
    state = services.effective_status(license, current)
    context = {
        **_nav(request, "home"),
        "license": license,
        "view": services.view(license, current),
        "status": state,
        "status_label": pages.STATUS_LABELS.get(state, state),
        "facts": pages.facts(license, current),
        "versions": pages.versions_of(license),
        "changes": pages.status_changes(license),
        "reason_form": reason_form or ReasonForm(),
        "summary": summary or [],
    }
    return render(request, "licenses/staff/license.html", context, status=status)


@staff_page
@require_safe
def license_page(request: HttpRequest, license_id: int) -> HttpResponse:
    return _license_page(request, _staff_license(request, license_id))


ACTIONS: dict[str, Any] = {
    "suspend": (services.suspend, gettext_lazy("已暂停该证照。")),
    "resume": (services.resume, gettext_lazy("已恢复该证照。")),
    "revoke": (services.revoke, gettext_lazy("已注销该证照。")),
}


@staff_page
@require_POST
def license_action(request: HttpRequest, license_id: int, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404
    license = _staff_license(request, license_id)
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    service, done = ACTIONS[action]
    try:
        service(actor=request.user, license=license, reason=reason)
    except DomainError as exc:
        message = str(exc.message)
        if exc.code == ErrorCode.REASON_REQUIRED:
            form.add_error("reason", message)
        license.refresh_from_db()
        return _license_page(
            request,
            license,
            reason_form=form,
            summary=[{"href": "#id_reason", "message": message}],
            status=exc.status,
        )
    messages.success(request, str(done))
    return redirect("licenses_staff:license", license_id=license.pk)


@staff_page
@require_http_methods(["GET", "POST"])
def change(request: HttpRequest, license_id: int) -> HttpResponse:
    """变更: new licence data and a reason make a new version."""
    license = _staff_license(request, license_id)
    schema = license.license_type.fields_schema or {}
    current = license.current()
    data: dict[str, Any] = dict(current.data)
    raw: dict[str, str] = {}
    errors: list[dict[str, Any]] = []
    form = ReasonForm(request.POST or None)
    status = 200
    if request.method == "POST":
        data, raw = read_answers(schema, {}, request.POST)
        reason = form.cleaned_data["reason"] if form.is_valid() else ""
        try:
            version = services.change(actor=request.user, license=license, data=data, reason=reason)
        except DomainError as exc:
            errors = pages.errors_of(exc)
            _to_form(form, errors)
            status = exc.status
        else:
            messages.success(request, _("已变更,新证照标识:%(id)s") % {"id": version.identifier})
            return redirect("licenses_staff:license", license_id=license.pk)
    context = {
        **_nav(request, "home"),
        "license": license,
        "current": current,
        "form": form,
        "questions": _questions(schema, data, errors, raw),
        "summary": _summary(errors, {"reason": "id_reason"}),
    }
    return render(request, "licenses/staff/change.html", context, status=status)


# --- reading a shown licence (扫码核验) -----------------------------------------------------


@staff_page
@require_http_methods(["GET", "POST"])
def read(request: HttpRequest) -> HttpResponse:
    _require(request, permissions.USE)
    departments = pages.departments_for(request.user, permissions.USE)
    form = RedeemForm(request.POST or None, departments=departments)
    shown: list[dict[str, Any]] = []
    summary: list[dict[str, str]] = []
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                views = services.redeem_grant(
                    actor=request.user,
                    token=data["token"] or None,
                    short_code=data["short_code"] or None,
                    department_code=data["department"],
                    case_no=data["case_no"],
                    purpose=data["purpose"],
                )
            except DomainError as exc:
                summary = [{"href": "#id_short_code", "message": str(exc.message)}]
                status = exc.status
            else:
                shown = pages.shown(views)
                form = RedeemForm(departments=departments)
        else:
            summary = [
                {"href": f"#id_{name}", "message": str(error)}
                for name, errors in form.errors.items()
                for error in errors
            ]
            status = 422
    context = {
        **_nav(request, "read"),
        "form": form,
        "shown": shown,
        "summary": summary,
        "no_department": not departments,
    }
    return render(request, "licenses/staff/read.html", context, status=status)


# --- user departments (用证部门认证) ---------------------------------------------------------


@staff_page
@require_http_methods(["GET", "POST"])
def departments(request: HttpRequest) -> HttpResponse:
    _require(request, permissions.VERIFY_DEPARTMENT)
    form = DepartmentForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                row = services.verify_department(
                    actor=request.user, department_code=form.cleaned_data["department_code"].strip()
                )
            except DomainError as exc:
                form.add_error("department_code", str(exc.message))
                status = exc.status
            else:
                messages.success(
                    request, _("已认证为用证部门:%(name)s") % {"name": row.department.name}
                )
                return redirect("licenses_staff:departments")
        else:
            status = 422
    summary = [
        {"href": "#id_department_code", "message": str(error)}
        for error in form.errors.get("department_code", [])
    ]
    context = {
        **_nav(request, "departments"),
        "form": form,
        "rows": pages.user_departments(),
        "summary": summary,
    }
    return render(request, "licenses/staff/departments.html", context, status=status)


@staff_page
@require_POST
def department_revoke(request: HttpRequest, code: str) -> HttpResponse:
    _require(request, permissions.VERIFY_DEPARTMENT)
    try:
        services.revoke_department(actor=request.user, department_code=code)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("已取消用证部门认证。"))
    return redirect("licenses_staff:departments")
