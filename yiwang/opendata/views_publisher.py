"""The publisher's pages, under ``/staff/opendata/``, for staff holding ``opendata.publish``:
their organisation's datasets, creating and editing one (with its version history), adding a
resource (with the data store's validation report), deleting, answering data requests and
deciding access applications.

Staff without ``opendata.publish`` get 403; another organisation's datasets, requests and
applications answer 404 (missing and forbidden look the same). Each form posts to a view that
calls one service; a refusal comes back in the error summary, on the field it names."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from yiwang.kernel.models import Region
from yiwang.opendata import participation, services
from yiwang.opendata.forms import AnswerForm, ConfirmForm, DatasetForm, DecideForm, ResourceForm
from yiwang.opendata.models import (
    ApplicationStatus,
    DataRequestStatus,
    Dataset,
    DatasetState,
    Licence,
    OpenType,
    Resource,
)
from yiwang.opendata.views_common import done, form_page, found_or_404, posted, posted_files

View = Callable[..., HttpResponse]
FORM_METHODS = ["GET", "HEAD", "POST"]


def publisher_page(view: View) -> View:
    """Signed-in staff who publish open data for some organisation; other staff get 403."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user: Any = request.user
        if not getattr(user, "is_staff", False) or services.publisher_for_user(user) is None:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    checked: View = login_required(wrapped)
    return checked


def _editable(request: HttpRequest, name: str) -> Dataset:
    """A dataset the user may change; any other is 404."""
    dataset: Dataset = found_or_404(services.dataset_for_user, request.user, name)
    if not services.can_publish(request.user, dataset.publisher):
        raise Http404
    return dataset


def _nav(request: HttpRequest, current: str) -> dict[str, Any]:
    user: Any = request.user
    return {
        "nav_current": current,
        "open_requests": participation.data_request_queue(
            user, status=DataRequestStatus.OPEN
        ).count(),
        "pending_applications": participation.applications_for_clerk(
            user, status=ApplicationStatus.PENDING
        ).count(),
    }


# --- datasets --------------------------------------------------------------------------------


@publisher_page
@require_safe
def datasets(request: HttpRequest) -> HttpResponse:
    publishers = services.publishers_for_user(request.user)
    rows = (
        Dataset.objects.filter(publisher__in=publishers)
        .exclude(state=DatasetState.DELETED)
        .select_related("publisher__department")
        .annotate(resource_count=Count("resources"))
        .order_by("-metadata_modified")
    )
    own = services.publisher_for_user(request.user)
    context = {
        **_nav(request, "datasets"),
        "rows": rows,
        "publisher_title": services.publisher_title(own) if own else "",
        "publisher": own,
    }
    return render(request, "opendata/staff/datasets.html", context)


def _dataset_form(request: HttpRequest, *, initial: dict[str, Any]) -> DatasetForm:
    user: Any = request.user
    publishers = [
        (p.name, services.publisher_title(p))
        for p in services.publishers_for_user(user).order_by("name")
    ]
    own = services.publisher_for_user(user)
    province = own.department.region_id[:2] if own else ""
    regions = [
        (r.code, "\u3000" * (len(r.code) > 2) + r.name)
        for r in Region.objects.filter(code__startswith=province).order_by("code")[:1000]
    ]
    licences = [(lic.id, lic.title) for lic in Licence.objects.all()]
    return DatasetForm(
        posted(request),
        initial=initial,
        publishers=publishers,
        regions=regions,
        licences=licences,
    )


@publisher_page
@require_http_methods(FORM_METHODS)
def dataset_new(request: HttpRequest) -> HttpResponse:
    own = services.publisher_for_user(request.user)
    initial = {
        "owner_org": own.name if own else "",
        "region": own.department.region_id if own else "",
        "open_type": OpenType.UNCONDITIONAL,
        "update_frequency": "monthly",
        "state": DatasetState.ACTIVE,
    }
    form = _dataset_form(request, initial=initial)

    def act(_data: dict[str, Any]) -> HttpResponse:
        dataset = services.create_dataset(actor=request.user, data=form.payload())
        return done(
            request,
            _("数据集“%(title)s”已创建，请添加数据资源。") % {"title": dataset.title},
            "opendata:staff-resource-new",
            dataset.name,
        )

    return form_page(request, form, act, "opendata/staff/dataset_form.html", _nav(request, "new"))


@publisher_page
@require_http_methods(FORM_METHODS)
def dataset_edit(request: HttpRequest, name: str) -> HttpResponse:
    dataset = _editable(request, name)
    package = services.package_dict(dataset)
    initial = {
        "title": dataset.title,
        "name": dataset.name,
        "owner_org": dataset.publisher.name,
        "notes": dataset.notes,
        "tags": ", ".join(t["name"] for t in package["tags"]),
        "theme": dataset.theme,
        "region": dataset.region_id,
        "license_id": dataset.licence_id,
        "update_frequency": dataset.update_frequency,
        "open_type": dataset.open_type,
        "open_conditions": dataset.open_conditions,
        "state": dataset.state if dataset.state != DatasetState.DELETED else DatasetState.DRAFT,
    }
    form = _dataset_form(request, initial=initial)

    def act(_data: dict[str, Any]) -> HttpResponse:
        changed = services.patch_dataset(actor=request.user, dataset=dataset, data=form.payload())
        return done(
            request,
            _("已保存，当前为第 %(v)s 版。") % {"v": changed.version},
            "opendata:staff-dataset-edit",
            changed.name,
        )

    context = {
        **_nav(request, "datasets"),
        "dataset": dataset,
        "resources": sorted(dataset.resources.all(), key=lambda r: r.position),
        "versions": services.versions(dataset).select_related("created_by")[:50],
    }
    return form_page(request, form, act, "opendata/staff/dataset_form.html", context)


@publisher_page
@require_http_methods(FORM_METHODS)
def dataset_delete(request: HttpRequest, name: str) -> HttpResponse:
    dataset = _editable(request, name)
    form = ConfirmForm(posted(request))

    def act(_data: dict[str, Any]) -> HttpResponse:
        services.delete_dataset(actor=request.user, dataset=dataset)
        return done(
            request, _("数据集“%(title)s”已删除。") % {"title": dataset.title}, "opendata:staff"
        )

    context = {**_nav(request, "datasets"), "dataset": dataset}
    return form_page(request, form, act, "opendata/staff/dataset_delete.html", context)


# --- resources -------------------------------------------------------------------------------


@publisher_page
@require_http_methods(FORM_METHODS)
def resource_new(request: HttpRequest, name: str) -> HttpResponse:
    dataset = _editable(request, name)
    form = ResourceForm(*posted_files(request))

    def act(data: dict[str, Any]) -> HttpResponse:
        upload = data.get("upload")
        payload = {"name": data.get("name") or "", "description": data.get("description") or ""}
        if not upload:
            payload["url"] = data.get("url") or ""
            if data.get("format"):
                payload["format"] = data["format"]
        resource = services.create_resource(
            actor=request.user, dataset=dataset, data=payload, upload=upload or None
        )
        return done(
            request,
            _("资源“%(name)s”已添加。") % {"name": resource.name},
            "opendata:staff-resource",
            dataset.name,
            resource.pk,
        )

    context = {**_nav(request, "datasets"), "dataset": dataset}
    return form_page(request, form, act, "opendata/staff/resource_form.html", context)


@publisher_page
@require_safe
def resource_report(request: HttpRequest, name: str, resource_id: Any) -> HttpResponse:
    dataset = _editable(request, name)
    resource = Resource.objects.filter(pk=resource_id, dataset=dataset).first()
    if resource is None:
        raise Http404
    report = resource.datastore_report or {}
    context = {
        **_nav(request, "datasets"),
        "dataset": dataset,
        "resource": resource,
        "report": report,
        "fields": report.get("fields") or resource.datastore_fields,
    }
    return render(request, "opendata/staff/resource.html", context)


# --- data requests ---------------------------------------------------------------------------


@publisher_page
@require_safe
def requests_queue(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", DataRequestStatus.OPEN)
    if status not in {*DataRequestStatus.values, participation.OVERDUE, "all"}:
        status = DataRequestStatus.OPEN
    rows = participation.data_request_queue(request.user, status="" if status == "all" else status)
    items = [
        {
            "item": r,
            "overdue": participation.is_overdue(r),
        }
        for r in rows.select_related("publisher__department")[:200]
    ]
    tabs = [
        ("open", _("待答复")),
        (participation.OVERDUE, _("已逾期")),
        ("answered", _("已答复")),
        ("declined", _("不予提供")),
        ("all", _("全部")),
    ]
    context = {
        **_nav(request, "requests"),
        "items": items,
        "tabs": [{"value": v, "label": label, "current": v == status} for v, label in tabs],
    }
    return render(request, "opendata/staff/requests.html", context)


@publisher_page
@require_http_methods(FORM_METHODS)
def request_answer(request: HttpRequest, pk: int) -> HttpResponse:
    item = participation.data_request_queue(request.user).filter(pk=pk).first()
    if item is None:
        raise Http404
    own = Dataset.objects.filter(publisher=item.publisher, state=DatasetState.ACTIVE).order_by(
        "title"
    )
    form = AnswerForm(
        posted(request),
        initial={"decision": "answer"},
        datasets=[(str(d.pk), d.title) for d in own],
    )

    def act(data: dict[str, Any]) -> HttpResponse:
        if data["decision"] == "decline":
            participation.decline_data_request(
                actor=request.user, request=item, reason=data["answer"]
            )
        else:
            chosen = own.filter(pk=data["dataset"]).first() if data.get("dataset") else None
            participation.answer_data_request(
                actor=request.user, request=item, answer=data["answer"], dataset=chosen
            )
        return done(
            request, _("已答复数据需求“%(t)s”。") % {"t": item.title}, "opendata:staff-requests"
        )

    context = {
        **_nav(request, "requests"),
        "item": item,
        "overdue": participation.is_overdue(item),
        "open": item.status == DataRequestStatus.OPEN,
    }
    return form_page(request, form, act, "opendata/staff/request.html", context)


# --- access applications ---------------------------------------------------------------------


@publisher_page
@require_safe
def applications_queue(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", ApplicationStatus.PENDING)
    if status not in {*ApplicationStatus.values, participation.OVERDUE, "all"}:
        status = ApplicationStatus.PENDING
    rows = participation.applications_for_clerk(
        request.user, status="" if status == "all" else status
    ).select_related("applicant")
    items = [{"item": a, "overdue": participation.is_overdue(a)} for a in rows[:200]]
    tabs = [
        ("pending", _("待审核")),
        (participation.OVERDUE, _("已逾期")),
        ("approved", _("已同意")),
        ("rejected", _("已拒绝")),
        ("all", _("全部")),
    ]
    context = {
        **_nav(request, "applications"),
        "items": items,
        "tabs": [{"value": v, "label": label, "current": v == status} for v, label in tabs],
    }
    return render(request, "opendata/staff/applications.html", context)


@publisher_page
@require_http_methods(FORM_METHODS)
def application_decide(request: HttpRequest, pk: int) -> HttpResponse:
    item = (
        participation.applications_for_clerk(request.user)
        .select_related("applicant")
        .filter(pk=pk)
        .first()
    )
    if item is None:
        raise Http404
    form = DecideForm(posted(request), initial={"decision": "approve"})

    def act(data: dict[str, Any]) -> HttpResponse:
        participation.decide_access(
            actor=request.user,
            application=item,
            approve=data["decision"] == "approve",
            reason=data.get("reason") or "",
            valid_days=data.get("valid_days"),
        )
        return done(request, _("已审核该申请。"), "opendata:staff-applications")

    context = {
        **_nav(request, "applications"),
        "item": item,
        "overdue": participation.is_overdue(item),
        "open": item.status == ApplicationStatus.PENDING,
    }
    return form_page(request, form, act, "opendata/staff/application.html", context)
