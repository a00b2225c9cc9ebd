"""The staff catalogue: the workbench of catalogue staff and reviewers.

The list of implementations in the caller's scope, a new implementation, an implementation's
versions and the actions its current state allows, the draft editor, the reviewers' queue and
the 三级四同 consistency report. Like the API, the pages validate input, call one service and
show its refusal on the field it names; every write is a service's."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import F, OuterRef, Q, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from pydantic import ValidationError

from yiwang.catalog import permissions, services
from yiwang.catalog.errors import ErrorCode
from yiwang.catalog.forms_staff import (
    SORTS,
    ActionForm,
    ConsistencyFilterForm,
    ListFilterForm,
    NewImplementationForm,
    VersionForm,
)
from yiwang.catalog.models import (
    Channel,
    HandlingKind,
    ImplementationVersion,
    ItemImplementation,
    ItemType,
    Material,
    MaterialForm,
    MaterialSource,
    ServiceItem,
    ServiceObject,
    VersionStatus,
)
from yiwang.kernel.errors import DomainError
from yiwang.kernel.errors import ErrorCode as KernelCode
from yiwang.kernel.models import Department, Region
from yiwang.kernel.permissions import can

PAGE_SIZE = 25
QUEUE_PAGE_SIZE = 50
OPEN_STATUSES = (VersionStatus.DRAFT, VersionStatus.REVIEW)

View = Callable[..., HttpResponse]


def staff_page(view: View) -> View:
    """Signed-in staff only: anyone else is sent to the staff sign-in, a citizen gets 403."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user: Any = request.user
        if not user.is_staff:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    checked: View = login_required(wrapped)
    return checked


def _require(user: Any, action: str) -> None:
    """403 when the caller lacks the action everywhere (nothing is hidden by saying so)."""
    if not can(user, action):
        raise PermissionDenied


def _nav(user: Any, current: str) -> dict[str, Any]:
    return {
        "nav_current": current,
        "can_create": can(user, permissions.EDIT),
        "can_review_any": can(user, permissions.REVIEW),
    }


def _implementation_or_404(user: Any, code: str) -> ItemImplementation:
    """The implementation if the caller may view it; 404 alike when missing or out of scope."""
    visible = ItemImplementation.objects.for_user(user, permissions.VIEW).select_related(
        "item", "department", "region", "current"
    )
    implementation: ItemImplementation = get_object_or_404(visible, code=code)
    return implementation


def _safe_next(request: HttpRequest, target: str, default: str) -> str:
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


# --- the list -------------------------------------------------------------------------------

COLUMNS = (
    ("code", gettext_lazy("实施编码")),
    ("name", gettext_lazy("事项名称")),
    ("department", gettext_lazy("实施部门")),
    ("status", gettext_lazy("最新版本")),
    ("updated", gettext_lazy("最近变更")),
)


@staff_page
def implementation_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    _require(user, permissions.VIEW)
    visible = ItemImplementation.objects.for_user(user, permissions.VIEW)
    latest = ImplementationVersion.objects.filter(implementation=OuterRef("pk")).order_by("-number")
    departments = list(
        Department.objects.filter(pk__in=visible.values("department_id")).order_by("name")
    )
    region_codes = {
        prefix
        for code in visible.values_list("region_id", flat=True).distinct()
        for prefix in services.region_prefixes(code)
    }
    regions = list(Region.objects.filter(code__in=region_codes).order_by("code"))
    form = ListFilterForm(request.GET or None, departments=departments, regions=regions)

    rows = visible.select_related("item", "department", "region", "current").annotate(
        latest_number=Subquery(latest.values("number")[:1]),
        latest_status=Subquery(latest.values("status")[:1]),
        latest_at=Subquery(latest.values("created_at")[:1]),
    )
    if q := (form.value("q") or "").strip():
        rows = rows.filter(
            Q(code__icontains=q) | Q(item__code__icontains=q) | Q(item__name__icontains=q)
        )
    if status := form.value("status"):
        rows = rows.filter(latest_status=status)
    if department := form.value("department"):
        rows = rows.filter(department_id=department)
    if region := form.value("region"):
        rows = rows.filter(region__code__startswith=region)
    sort = form.value("sort") or "code"
    key = sort.removeprefix("-")
    expression = F(SORTS[key])
    ordered = expression.desc(nulls_last=True) if sort.startswith("-") else expression.asc()
    rows = rows.order_by(ordered, "code")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))

    columns = []
    for column, label in COLUMNS:
        state = "ascending" if sort == column else "descending" if sort == f"-{column}" else ""
        columns.append(
            {
                "label": label,
                "sort": state,
                "next": f"-{column}" if state == "ascending" else column,
            }
        )
    context = {
        "form": form,
        "summary": form.summary() if form.is_bound else [],
        "page": page,
        "columns": columns,
        **_nav(user, "list"),
    }
    return render(request, "catalog/staff/list.html", context)


# --- a new implementation -------------------------------------------------------------------


@staff_page
def implementation_new(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    departments = list(
        Department.objects.for_user(user, permissions.EDIT)
        .filter(is_active=True)
        .select_related("region")
        .order_by("region_id", "name")
    )
    if not departments:
        raise PermissionDenied
    items = list(ServiceItem.objects.filter(is_active=True).order_by("code"))
    form = NewImplementationForm(
        request.POST if request.method == "POST" else None, items=items, departments=departments
    )
    if form.is_bound and form.is_valid():
        try:
            data = form.to_schema()
        except ValidationError as exc:
            form.apply_validation(exc)
        else:
            item = next(i for i in items if i.code == data.item_code)
            department = next(d for d in departments if d.code == data.department_code)
            try:
                implementation = services.create_implementation(
                    actor=user, item=item, department=department, data=data
                )
            except DomainError as exc:
                if exc.code == KernelCode.PERMISSION_DENIED:
                    raise PermissionDenied from exc
                if "errors" in exc.details:
                    form.apply_error(exc)
                else:
                    form.add_error("item_code", str(exc.message))
            else:
                messages.success(
                    request,
                    _("已创建实施清单 %(code)s，请完善草稿后提交审核。")
                    % {"code": implementation.code},
                )
                return redirect("catalog:staff-edit", code=implementation.code)
    context = {"form": form, "summary": form.summary(), **_nav(user, "new")}
    return render(request, "catalog/staff/new.html", context, status=422 if form.errors else 200)


# --- one implementation ---------------------------------------------------------------------


def _labels(values: list[str], choices: Any) -> str:
    names = dict(choices.choices)
    return "、".join(str(names.get(v, v)) for v in values) or "—"


def _days(value: int | None) -> str:
    return _("%(n)d 个工作日") % {"n": value} if value is not None else "—"


def _fees(fees: list[dict[str, Any]]) -> str:
    if not fees:
        return _("不收费")
    return "、".join(
        _("%(name)s %(amount)s 元")
        % {"name": f["name"], "amount": Decimal(str(f["amount"])).quantize(Decimal("0.01"))}
        for f in fees
    )


def _material(material: Material) -> str:
    text = _("%(required)s，%(form)s %(copies)d 份，%(source)s") % {
        "required": _("必要") if material.required else _("非必要"),
        "form": dict(MaterialForm.choices).get(material.form, material.form),
        "copies": material.copies,
        "source": dict(MaterialSource.choices).get(material.source, material.source),
    }
    detail = material.license_type or material.shared_data
    return f"{text}（{detail}）" if detail else text


def differences(item: ServiceItem, version: ImplementationVersion) -> list[dict[str, Any]]:
    """Where ``version`` differs from its master item: ``inconsistent`` rows break 三级四同
    (or state an outdated statutory limit); ``narrowed`` rows are the local changes the
    narrowing rules allow."""
    rows: list[dict[str, Any]] = []

    def add(label: str, master: Any, local: Any, kind: str = "narrowed") -> None:
        if master != local:
            rows.append({"label": label, "master": master, "local": local, "kind": kind})

    types = dict(ItemType.choices)
    add(_("事项名称"), item.name, version.name, "inconsistent")
    add(_("事项编码"), item.code, version.item_code, "inconsistent")
    add(
        _("事项类型"),
        types.get(item.item_type, item.item_type),
        types.get(version.item_type, version.item_type),
        "inconsistent",
    )
    add(_("设定依据"), item.legal_basis, version.legal_basis, "inconsistent")
    add(
        _("法定时限"),
        _days(item.statutory_limit_days),
        _days(version.statutory_limit_days),
        "inconsistent",
    )
    if version.handling_kind == HandlingKind.INSTANT:
        local_limit = str(HandlingKind.INSTANT.label)
    else:
        local_limit = _days(version.promised_limit_days)
    master_limit = (
        _days(item.statutory_limit_days)
        if item.statutory_limit_days
        else str(HandlingKind.INSTANT.label)
    )
    add(_("承诺时限"), master_limit, local_limit)
    add(
        _("服务对象"),
        _labels(item.service_objects, ServiceObject),
        _labels(version.service_objects, ServiceObject),
    )
    add(_("办理渠道"), _labels(item.channels, Channel), _labels(version.channels, Channel))
    add(_("最多跑动次数"), item.max_trips, version.max_trips)
    add(_("收费"), _fees(item.fees), _fees(version.fees))
    local = {m.code: m for m in version.materials.all()}
    for master in item.materials.all():
        label = _("申请材料：%(name)s") % {"name": master.name}
        mine = local.pop(master.code, None)
        add(label, _material(master), _material(mine) if mine else _("不再要求"))
    for extra in local.values():
        add(_("申请材料：%(name)s") % {"name": extra.name}, "—", _material(extra), "inconsistent")
    return rows


def _detail_context(
    request: HttpRequest, implementation: ItemImplementation, action_form: ActionForm
) -> dict[str, Any]:
    user: Any = request.user
    versions = list(
        implementation.versions.select_related("created_by", "submitted_by", "reviewed_by")
        .prefetch_related("materials")
        .order_by("-number")
    )
    latest = versions[0] if versions else None
    open_version = next((v for v in versions if v.status in OPEN_STATUSES), None)
    published = next((v for v in versions if v.status == VersionStatus.PUBLISHED), None)
    may_edit = can(user, permissions.EDIT, department=implementation.department)
    may_review = can(user, permissions.REVIEW, department=implementation.department)
    in_review = open_version is not None and open_version.status == VersionStatus.REVIEW
    own = in_review and open_version is not None and open_version.submitted_by_id == user.pk
    return {
        "implementation": implementation,
        "item": implementation.item,
        "versions": versions,
        "latest": latest,
        "open_version": open_version,
        "published": published,
        "differences": differences(implementation.item, latest) if latest else [],
        "may_edit_draft": may_edit and open_version is not None and not in_review,
        "may_review": may_review and in_review and not own,
        "own_submission": may_review and own,
        "may_withdraw": may_review and published is not None,
        "may_revise": may_edit and open_version is None,
        "action_form": action_form,
        "summary": action_form.summary() if action_form.is_bound else [],
        **_nav(user, "list"),
    }


@staff_page
def implementation_detail(request: HttpRequest, code: str) -> HttpResponse:
    implementation = _implementation_or_404(request.user, code)
    context = _detail_context(request, implementation, ActionForm())
    return render(request, "catalog/staff/detail.html", context)


# --- the draft editor -----------------------------------------------------------------------


@staff_page
def version_edit(request: HttpRequest, code: str) -> HttpResponse:
    user: Any = request.user
    implementation = _implementation_or_404(user, code)
    if not can(user, permissions.EDIT, department=implementation.department):
        raise PermissionDenied
    draft = implementation.versions.filter(status=VersionStatus.DRAFT).first()
    if draft is None:
        messages.info(
            request, _("该实施清单没有可修改的草稿：待审核的版本不能修改，已发布的请创建新版本。")
        )
        return redirect("catalog:staff-detail", code=implementation.code)
    bound = request.method == "POST"
    form = VersionForm(
        request.POST if bound else None,
        request.FILES if bound else None,
        version=draft,
        item=implementation.item,
    )
    if bound and form.is_valid():
        try:
            data = form.to_schema()
        except ValidationError as exc:
            form.apply_validation(exc)
        else:
            try:
                services.update_draft(actor=user, version=draft, data=data)
            except DomainError as exc:
                if exc.code == KernelCode.PERMISSION_DENIED:
                    raise PermissionDenied from exc
                form.apply_error(exc)
            else:
                messages.success(request, _("版本 %(n)d 的草稿已保存。") % {"n": draft.number})
                return redirect("catalog:staff-detail", code=implementation.code)
    context = {
        "implementation": implementation,
        "item": implementation.item,
        "version": draft,
        "form": form,
        "summary": form.summary(),
        **_nav(user, "list"),
    }
    return render(request, "catalog/staff/edit.html", context, status=422 if form.errors else 200)


# --- actions --------------------------------------------------------------------------------

DONE = {
    "submit": gettext_lazy("版本 %(n)d 已提交审核。"),
    "publish": gettext_lazy("版本 %(n)d 已发布。"),
    "reject": gettext_lazy("版本 %(n)d 已退回修改。"),
    "withdraw": gettext_lazy("版本 %(n)d 已撤回，该事项不再对外公开。"),
    "revise": gettext_lazy("已创建版本 %(n)d 的草稿。"),
}


def _run(user: Any, action: str, form: ActionForm, implementation: ItemImplementation) -> Any:
    """Call the one service the action names; return the version it acted on."""
    if action == "withdraw":
        return services.withdraw(
            actor=user, implementation=implementation, reason=form.withdrawal().reason
        )
    if action == "revise":
        return services.revise(actor=user, implementation=implementation)
    number = form.cleaned_data.get("version")
    versions = implementation.versions.all()
    version = (
        versions.filter(number=number).first()
        if number
        else versions.filter(status__in=OPEN_STATUSES).first()
    )
    if version is None:
        raise DomainError(ErrorCode.STATUS_TRANSITION, _("没有可处理的版本。"), status=409)
    if action == "submit":
        return services.submit(actor=user, version=version)
    if action == "publish":
        return services.publish(actor=user, version=version, comment=form.review().comment)
    return services.reject(actor=user, version=version, comment=form.review().comment)


@require_POST
@staff_page
def version_action(request: HttpRequest, code: str) -> HttpResponse:
    user: Any = request.user
    implementation = _implementation_or_404(user, code)
    form = ActionForm(request.POST)
    detail = reverse("catalog:staff-detail", args=[implementation.code])
    if not form.is_valid():
        context = _detail_context(request, implementation, form)
        return render(request, "catalog/staff/detail.html", context, status=422)
    action = form.cleaned_data["action"]
    back = _safe_next(request, form.cleaned_data.get("next", ""), detail)
    try:
        version = _run(user, action, form, implementation)
    except ValidationError:
        messages.error(request, _("提交的内容无效，请检查后重试。"))
        return redirect(back)
    except DomainError as exc:
        if exc.code == KernelCode.PERMISSION_DENIED:
            raise PermissionDenied from exc
        fields = [e.get("field") for e in exc.details.get("errors", [])]
        if any(f in {"comment", "reason"} for f in fields):
            form.apply_error(exc)
            context = _detail_context(request, implementation, form)
            return render(request, "catalog/staff/detail.html", context, status=422)
        messages.error(request, str(exc.message))
        return redirect(back)
    messages.success(request, str(DONE[action]) % {"n": version.number})
    if action == "revise":
        return redirect("catalog:staff-edit", code=implementation.code)
    return redirect(back)


# --- the reviewers' queue -------------------------------------------------------------------


@staff_page
def review_queue(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    _require(user, permissions.REVIEW)
    versions = (
        ImplementationVersion.objects.for_user(user, permissions.REVIEW)
        .filter(status=VersionStatus.REVIEW)
        .select_related("implementation__department", "implementation__region", "submitted_by")
        .order_by("submitted_at", "pk")
    )
    page = Paginator(versions, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, **_nav(user, "review")}
    return render(request, "catalog/staff/review.html", context)


# --- 三级四同 -------------------------------------------------------------------------------


def field_labels() -> dict[str, str]:
    return {
        "name": _("事项名称"),
        "item_type": _("事项类型"),
        "legal_basis": _("设定依据"),
        "item_code": _("事项编码"),
    }


@staff_page
def consistency(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    _require(user, permissions.VIEW)
    labels = field_labels()
    report = services.consistency_report(actor=user)
    departments = sorted({row["department_name"] for row in report})
    form = ConsistencyFilterForm(request.GET or None, fields=labels, departments=departments)
    field, department = form.value("field"), form.value("department")
    types = dict(ItemType.choices)
    rows = []
    for row in report:
        if (field and row["field"] != field) or (
            department and row["department_name"] != department
        ):
            continue
        shown = dict(row, field_label=labels.get(row["field"], row["field"]))
        if row["field"] == "item_type":
            shown["local_value"] = types.get(row["local_value"], row["local_value"])
            shown["master_value"] = types.get(row["master_value"], row["master_value"])
        rows.append(shown)
    context = {
        "form": form,
        "summary": form.summary() if form.is_bound else [],
        "rows": rows,
        "total": len(report),
        **_nav(user, "consistency"),
    }
    return render(request, "catalog/staff/consistency.html", context)
