"""Exchange pages for data officers (数据专员), department administrators and auditors, under
``/staff/exchange/``.

This file: what every page shares, and the resource catalogue (search, a resource's page,
registering and editing, publishing, withdrawing, mounting, the exports).
:mod:`~yiwang.exchange.views_sharing` has requests, grants, applications and subscriptions;
:mod:`~yiwang.exchange.views_quality` the call log, quality and error reports.

Each form posts to a view that calls exactly one service; a refusal comes back in the error
summary and on the field it names (the shared shape is :mod:`~yiwang.kernel.formviews`).
Citizens get 403; another department's drafts, requests, grants, applications and reports
answer 404, as in the API.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from yiwang.exchange import forms, permissions, services
from yiwang.exchange.models import (
    CYCLE_DAYS,
    DataResource,
    Mount,
    ResourceStatus,
    ShareType,
    UpdateCycle,
)
from yiwang.exchange.services_catalog import META_FIELDS
from yiwang.exchange.services_common import file_max_bytes
from yiwang.kernel import pdf as kernel_pdf
from yiwang.kernel.errors import DomainError
from yiwang.kernel.formviews import (
    done,
    form_page,
    object_or_404,
    raise_for,
    submit,
    summary_of,
)
from yiwang.kernel.models import Department
from yiwang.kernel.permissions import can, restrict

View = Callable[..., HttpResponseBase]
PAGE_SIZE = 20


def staff_page(view: View) -> View:
    """Signed-in staff who may see the exchange (``exchange.view`` somewhere): anyone else
    signed in gets 403, anyone not signed in is sent to sign in."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user: Any = request.user
        if not getattr(user, "is_staff", False) or not can(user, permissions.VIEW):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    checked: View = login_required(wrapped)
    return checked


def nav(user: Any, current: str) -> dict[str, Any]:
    return {
        "nav_current": current,
        "may_catalog": can(user, permissions.CATALOG),
        "may_request": can(user, permissions.REQUEST),
        "may_approve": can(user, permissions.APPROVE),
    }


def bound(request: HttpRequest) -> tuple[Any, Any]:
    if request.method == "POST":
        return request.POST, request.FILES
    return None, None


def consumer_department(user: Any) -> Department | None:
    """The department the user asks for data as, or None."""
    try:
        return services.acting_department(user, permissions.REQUEST)
    except DomainError:
        return None


def end_of_day(day: dt.date | None) -> dt.datetime | None:
    if day is None:
        return None
    return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59)))


@dataclass
class Page:
    """A page of results whose total the service counted (the template's pagination)."""

    number: int
    count: int
    size: int

    @property
    def paginator(self) -> Page:  # as a Django page has it
        return self

    @property
    def num_pages(self) -> int:
        return max(1, math.ceil(self.count / self.size))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1


def page_number(request: HttpRequest) -> int:
    raw = request.GET.get("page", "1")
    return max(1, min(int(raw), 10_000)) if raw.isdigit() else 1


# --- the catalogue ------------------------------------------------------------------------------


def _providers(user: Any) -> list[tuple[str, str]]:
    shown = services.visible_resources(user).values("provider_id")
    return [(d.code, d.name) for d in Department.objects.filter(pk__in=shown).order_by("code")]


def mount_state(resource: DataResource) -> dict[str, Any] | None:
    """The mount of a resource and whether its data is fresh for its update cycle."""
    mount: Mount | None = Mount.objects.filter(resource=resource).first()
    if mount is None:
        return None
    days = CYCLE_DAYS.get(UpdateCycle(resource.update_cycle), 366)
    updated = mount.data_updated_at
    fresh = updated is not None and timezone.now() - updated <= dt.timedelta(days=days)
    return {"mount": mount, "fresh": fresh, "cycle_days": days}


@staff_page
@require_safe
def catalogue(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = forms.SearchForm(request.GET or None, providers=_providers(user))
    filters = form.cleaned_data if form.is_valid() else {}
    number = page_number(request)
    total, rows = services.search_resources(
        str(filters.get("q") or ""),
        provider=str(filters.get("provider") or ""),
        share_type=str(filters.get("share_type") or ""),
        classification=str(filters.get("classification") or "").strip(),
        user=user,
        limit=PAGE_SIZE,
        offset=(number - 1) * PAGE_SIZE,
    )
    mounted = set(
        Mount.objects.filter(resource__in=[r.pk for r in rows]).values_list(
            "resource_id", flat=True
        )
    )
    context = {
        **nav(user, "catalogue"),
        "form": form,
        "rows": [{"resource": r, "mounted": r.pk in mounted} for r in rows],
        "page": Page(number, total, PAGE_SIZE),
        "filtered": any(filters.values()) if filters else False,
    }
    return render(request, "exchange/catalogue.html", context)


@staff_page
@require_safe
def catalogue_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The published catalogue as JSON or an Excel workbook."""
    if fmt not in {"json", "xlsx"}:
        raise Http404
    stamp = timezone.localdate().isoformat()
    if fmt == "xlsx":
        response = HttpResponse(
            services.export_xlsx(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        name = f"资源目录-{stamp}.xlsx"
    else:
        body = json.dumps(services.export_entries(), ensure_ascii=False, indent=2)
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
        name = f"资源目录-{stamp}.json"
    response["Content-Disposition"] = kernel_pdf.attachment(name, f"catalogue-{stamp}.{fmt}")
    return response


def _editable_or_raise(user: Any, code: str) -> DataResource:
    try:
        resource = services.resource_for_editor(user, code)
    except DomainError as exc:
        raise_for(exc)
        raise
    if resource.origin_node:
        raise PermissionDenied
    return resource


def _table_sources() -> list[tuple[str, str]]:
    from yiwang.exchange import sources

    return [(name, f"{s.title}({name})") for name, s in sources.registered().items()]


def _resource_context(
    request: HttpRequest, resource: DataResource, bound_forms: dict[str, forms.ExchangeForm]
) -> dict[str, Any]:
    user: Any = request.user
    fields = list(resource.fields.all())
    source_names = dict(
        Department.objects.filter(code__in={f.authoritative_source for f in fields}).values_list(
            "code", "name"
        )
    )
    may_edit = can(user, permissions.CATALOG, department=resource.provider) and not (
        resource.origin_node
    )
    consumer = consumer_department(user)
    published = resource.status == ResourceStatus.PUBLISHED
    grant = None
    if consumer is not None and consumer.pk != resource.provider_id:
        grant = services.active_grant_for(consumer.code, resource.code)
    return {
        **nav(user, "catalogue"),
        "resource": resource,
        "fields": [
            {"field": f, "source_name": source_names.get(f.authoritative_source, "")}
            for f in fields
        ],
        "versions": list(resource.versions.select_related("published_by")),
        "mount": mount_state(resource),
        "may_edit": may_edit,
        "may_publish": may_edit and (not published or services.has_unpublished_changes(resource)),
        "may_withdraw": may_edit and published,
        "may_request": published
        and consumer is not None
        and consumer.pk != resource.provider_id
        and resource.share_type != ShareType.NOT_SHARED,
        "consumer": consumer,
        "grant": grant,
        "withdraw_form": bound_forms.get("withdraw") or forms.ReasonForm(prefix="withdraw"),
        "table_form": bound_forms.get("table")
        or forms.MountTableForm(prefix="table", sources=_table_sources()),
        "api_form": bound_forms.get("api") or forms.MountApiForm(prefix="api"),
        "file_form": bound_forms.get("file") or forms.MountFileForm(prefix="file"),
        "file_max_bytes": file_max_bytes(),
        "summary": summary_of(bound_forms),
    }


@staff_page
@require_safe
def resource_detail(request: HttpRequest, code: str) -> HttpResponse:
    resource = object_or_404(services.resource_for_user, request.user, code)
    return render(request, "exchange/resource.html", _resource_context(request, resource, {}))


RESOURCE_ACTIONS = {"publish", "withdraw", "mount-table", "mount-api", "mount-file"}


@require_POST
@staff_page
def resource_action(request: HttpRequest, code: str, action: str) -> HttpResponse:
    user: Any = request.user
    if action not in RESOURCE_ACTIONS:
        raise Http404
    resource = _editable_or_raise(user, code)
    key, form = _action_form(request, action)

    def act(data: dict[str, Any]) -> HttpResponse:
        if action == "publish":
            version = services.publish_resource(actor=user, resource=resource)
            message = _("已发布第 %(v)s 版。") % {"v": version.version}
        elif action == "withdraw":
            services.withdraw_resource(actor=user, resource=resource, reason=data["reason"])
            message = _("资源已撤销，不再出现在共享目录中。已有授权仍有记录。")
        elif action == "mount-table":
            services.mount_table(actor=user, resource=resource, source_name=data["source"])
            message = _("已挂接数据表 %(name)s。") % {"name": data["source"]}
        elif action == "mount-api":
            services.mount_api(
                actor=user, resource=resource, url=data["url"], key_field=data["key_field"]
            )
            message = _("已挂接接口。")
        else:
            upload = data["file"]
            services.mount_file(
                actor=user, resource=resource, stream=upload, name=upload.name or "data"
            )
            message = _("已挂接文件 %(name)s。") % {"name": upload.name}
        return done(request, message, "exchange:resource", code=resource.code)

    def refused(form: forms.ExchangeForm, status: int) -> HttpResponse:
        fresh = object_or_404(services.resource_for_user, user, code)
        context = _resource_context(request, fresh, {key: form})
        return render(request, "exchange/resource.html", context, status=status)

    return submit(form, act, refused)


def _action_form(request: HttpRequest, action: str) -> tuple[str, forms.ExchangeForm]:
    if action == "withdraw":
        return "withdraw", forms.ReasonForm(request.POST, prefix="withdraw")
    if action == "mount-table":
        form = forms.MountTableForm(request.POST, prefix="table", sources=_table_sources())
        return "table", form
    if action == "mount-api":
        return "api", forms.MountApiForm(request.POST, prefix="api")
    if action == "mount-file":
        return "file", forms.MountFileForm(request.POST, request.FILES, prefix="file")
    return "publish", forms.ExchangeForm(request.POST)  # no input: a refusal above the forms


def _catalog_departments(user: Any) -> list[Department]:
    return list(
        restrict(
            Department.objects.filter(is_active=True).order_by("code"),
            user,
            permissions.CATALOG,
            region_field="region__code",
            department_field="id",
        )
    )


def _specs(form: forms.ResourceForm, provider_code: str) -> list[dict[str, Any]]:
    """The fields table, a blank authoritative source meaning the provider itself."""
    return [
        {**spec, "authoritative_source": spec["authoritative_source"] or provider_code}
        for spec in form.cleaned_data["items"]
    ]


@staff_page
def resource_new(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    departments = _catalog_departments(user)
    if not departments:
        raise PermissionDenied
    form = forms.ResourceForm(
        *bound(request),
        providers=[(d.code, d.name) for d in departments],
        initial={"share_methods": ["api"], "open_type": "not_open", "update_cycle": "daily"},
    )

    def act(data: dict[str, Any]) -> HttpResponse:
        provider_code = data["provider"]
        resource = services.create_resource(
            actor=user,
            code=data["code"],
            provider_code=provider_code,
            fields=_specs(form, provider_code),
            **form.meta(),
        )
        message = _("已登记资源“%(name)s”（草稿）。核对后请发布。") % {"name": resource.name}
        return done(request, message, "exchange:resource", code=resource.code)

    context = {**nav(user, "new"), "resource": None}
    return form_page(request, form, act, "exchange/resource_form.html", context)


@staff_page
def resource_edit(request: HttpRequest, code: str) -> HttpResponse:
    user: Any = request.user
    resource = _editable_or_raise(user, code)
    initial: dict[str, Any] = {name: getattr(resource, name) for name in META_FIELDS}
    initial["share_methods"] = list(resource.share_methods)
    initial["items"] = forms.field_lines(list(resource.fields.all()))
    form = forms.ResourceForm(*bound(request), initial=initial)

    def act(data: dict[str, Any]) -> HttpResponse:
        services.update_resource(
            actor=user,
            resource=resource,
            fields=_specs(form, resource.provider.code),
            **form.meta(),
        )
        if resource.status == ResourceStatus.PUBLISHED:
            message = _("已保存。修改已生效，重新发布后成为新版本。")
        else:
            message = _("已保存。")
        return done(request, message, "exchange:resource", code=resource.code)

    context = {**nav(user, "catalogue"), "resource": resource}
    return form_page(request, form, act, "exchange/resource_form.html", context)
