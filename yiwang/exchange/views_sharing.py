"""Exchange pages: share requests (a consumer's request, "my requests", the provider's
queue and decision), grants ("我的授权", revocation) and the consumer's applications (an API
key or OAuth client secret is shown once, in the answer to the POST that made it, and kept
nowhere: the page is sent ``no-store``)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from yiwang.exchange import forms, permissions, services
from yiwang.exchange.models import (
    ConsumerApp,
    RequestStatus,
    ResourceStatus,
    ShareGrant,
    ShareRequest,
)
from yiwang.exchange.services_common import today
from yiwang.exchange.views import (
    PAGE_SIZE,
    bound,
    consumer_department,
    end_of_day,
    nav,
    raise_for,
    staff_page,
)
from yiwang.kernel.errors import DomainError
from yiwang.kernel.permissions import can

# --- asking for a resource ----------------------------------------------------------------------


@staff_page
def request_new(request: HttpRequest, code: str) -> HttpResponse:
    user: Any = request.user
    try:
        resource = services.resource_for_user(user, code)
    except DomainError as exc:
        raise Http404 from exc
    if resource.status != ResourceStatus.PUBLISHED:
        raise Http404
    consumer = consumer_department(user)
    if consumer is None:
        raise PermissionDenied
    fields = list(resource.fields.all())
    form = forms.RequestForm(*bound(request), fields=fields)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            try:
                share = services.request_share(
                    actor=user,
                    resource=resource,
                    fields=list(data["field_names"]),
                    purpose=data["purpose"],
                    legal_basis=data["legal_basis"],
                    valid_until=data.get("valid_until"),
                )
            except DomainError as exc:
                raise_for(exc)
                form.apply_error(exc)
                status = exc.status
            else:
                if share.status == RequestStatus.APPROVED:
                    message = _("无条件共享资源，申请已自动同意，授权已生效。")
                else:
                    message = _("申请已提交，提供方应在 %(due)s 前答复。") % {
                        "due": share.due_on.isoformat() if share.due_on else ""
                    }
                messages.success(request, message)
                return redirect("exchange:request", request_id=share.pk)
    context = {
        **nav(user, "catalogue"),
        "resource": resource,
        "consumer": consumer,
        "form": form,
        "summary": form.summary() if form.is_bound else [],
    }
    return render(request, "exchange/request_new.html", context, status=status)


def _rows(requests: list[ShareRequest]) -> list[dict[str, Any]]:
    on = today()
    return [
        {
            "request": r,
            "overdue": r.status == RequestStatus.PENDING and r.due_on is not None and r.due_on < on,
        }
        for r in requests
    ]


@staff_page
@require_safe
def my_requests(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if not can(user, permissions.REQUEST):
        raise PermissionDenied
    rows = services.requests_as_consumer(user).order_by("-requested_at", "-id")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {**nav(user, "requests"), "page": page, "rows": _rows(list(page.object_list))}
    return render(request, "exchange/requests.html", context)


@staff_page
@require_safe
def queue(request: HttpRequest) -> HttpResponse:
    """The provider's requests to decide (待审批), earliest deadline first; ``?all=1`` adds
    the decided ones."""
    user: Any = request.user
    if not can(user, permissions.APPROVE):
        raise PermissionDenied
    show_all = request.GET.get("all") == "1"
    rows = services.requests_as_provider(user)
    if show_all:
        rows = rows.order_by("-requested_at", "-id")
    else:
        rows = rows.filter(status=RequestStatus.PENDING).order_by("due_on", "id")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        **nav(user, "queue"),
        "page": page,
        "rows": _rows(list(page.object_list)),
        "show_all": show_all,
    }
    return render(request, "exchange/queue.html", context)


def _request_or_404(user: Any, request_id: int) -> ShareRequest:
    try:
        return services.request_for_user(user, request_id)
    except DomainError as exc:
        raise Http404 from exc


def _request_context(
    request: HttpRequest, share: ShareRequest, bound_forms: dict[str, forms.ExchangeForm]
) -> dict[str, Any]:
    user: Any = request.user
    pending = share.status == RequestStatus.PENDING
    requested = [f for f in share.resource.fields.all() if f.name in set(share.fields)]
    titles = {f.name: f.title for f in share.resource.fields.all()}
    summary: list[dict[str, str]] = []
    for form in bound_forms.values():
        summary += form.summary()
    grant = ShareGrant.objects.filter(request=share).first()
    return {
        **nav(user, "queue" if services.may_approve(user, share) else "requests"),
        "share": share,
        "field_titles": [(name, titles.get(name, name)) for name in share.fields],
        "overdue": pending and share.due_on is not None and share.due_on < today(),
        "grant": grant,
        "grant_state": services.grant_state(grant) if grant else "",
        "may_decide": pending and services.may_approve(user, share),
        "may_withdraw": pending and can(user, permissions.REQUEST, department=share.consumer),
        "approve_form": bound_forms.get("approve")
        or forms.ApproveForm(
            prefix="approve",
            fields=requested,
            initial={
                "field_names": list(share.fields),
                "expires_on": share.valid_until,
                "rate_limit_per_minute": forms.DEFAULT_RATE_LIMIT,
            },
        ),
        "reject_form": bound_forms.get("reject") or forms.ReasonForm(prefix="reject"),
        "summary": summary,
    }


@staff_page
@require_safe
def request_detail(request: HttpRequest, request_id: int) -> HttpResponse:
    share = _request_or_404(request.user, request_id)
    return render(request, "exchange/request.html", _request_context(request, share, {}))


@require_POST
@staff_page
def request_action(request: HttpRequest, request_id: int, action: str) -> HttpResponse:
    user: Any = request.user
    if action not in {"approve", "reject", "withdraw"}:
        raise Http404
    share = _request_or_404(user, request_id)
    form: forms.ExchangeForm
    if action == "approve":
        requested = [f for f in share.resource.fields.all() if f.name in set(share.fields)]
        form = forms.ApproveForm(request.POST, prefix="approve", fields=requested)
    elif action == "reject":
        form = forms.ReasonForm(request.POST, prefix="reject")
    else:
        form = forms.ExchangeForm(request.POST)
    key = action
    if not form.is_valid():
        context = _request_context(request, share, {key: form})
        return render(request, "exchange/request.html", context, status=422)
    data = form.cleaned_data
    try:
        if action == "approve":
            services.approve(
                actor=user,
                request=share,
                fields=list(data["field_names"]),
                personal_unmasked=bool(data.get("personal_unmasked")),
                expires_at=end_of_day(data.get("expires_on")),
                reason=data.get("reason", ""),
                rate_limit_per_minute=data.get("rate_limit_per_minute"),
            )
            message = _("已同意申请，授权已生效。")
        elif action == "reject":
            services.reject(actor=user, request=share, reason=data["reason"])
            message = _("已拒绝申请。")
        else:
            services.withdraw_request(actor=user, request=share)
            message = _("申请已撤回。")
    except DomainError as exc:
        raise_for(exc)
        form.apply_error(exc)
        fresh = _request_or_404(user, request_id)
        context = _request_context(request, fresh, {key: form})
        return render(request, "exchange/request.html", context, status=exc.status)
    messages.success(request, message)
    return redirect("exchange:request", request_id=share.pk)


# --- grants ----------------------------------------------------------------------------------


def _grant_rows(grants: Any) -> list[dict[str, Any]]:
    return [{"grant": g, "state": services.grant_state(g)} for g in grants]


@staff_page
@require_safe
def grants(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    as_consumer = services.grants_as_consumer(user).order_by("-granted_at", "-id")[:200]
    as_provider = services.grants_as_provider(user).order_by("-granted_at", "-id")[:200]
    context = {
        **nav(user, "grants"),
        "as_consumer": _grant_rows(as_consumer),
        "as_provider": _grant_rows(as_provider),
    }
    return render(request, "exchange/grants.html", context)


@staff_page
def grant_revoke(request: HttpRequest, grant_id: int) -> HttpResponse:
    user: Any = request.user
    try:
        grant = services.grant_for_user(user, grant_id)
    except DomainError as exc:
        raise Http404 from exc
    if not can(user, permissions.APPROVE, department=grant.resource.provider):
        raise PermissionDenied
    form = forms.ReasonForm(*bound(request)[:1])
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                services.revoke_grant(actor=user, grant=grant, reason=form.cleaned_data["reason"])
            except DomainError as exc:
                raise_for(exc)
                form.apply_error(exc)
                status = exc.status
            else:
                messages.success(request, _("授权已撤销，对方的调用将被拒绝。"))
                return redirect("exchange:grants")
    context = {
        **nav(user, "grants"),
        "grant": grant,
        "state": services.grant_state(grant),
        "form": form,
        "summary": form.summary() if form.is_bound else [],
    }
    return render(request, "exchange/grant_revoke.html", context, status=status)


# --- applications ----------------------------------------------------------------------------


def _secret_page(request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
    response = render(request, "exchange/app_secret.html", {**nav(request.user, "apps"), **context})
    add_never_cache_headers(response)
    return response


@staff_page
def apps(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    department = consumer_department(user)
    if department is None:
        raise PermissionDenied
    form = forms.AppForm(*bound(request)[:1])
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                app, key = services.create_app(actor=user, name=form.cleaned_data["name"])
            except DomainError as exc:
                raise_for(exc)
                form.apply_error(exc)
                status = exc.status
            else:
                return _secret_page(request, {"app": app, "api_key": key, "created": True})
    context = {
        **nav(user, "apps"),
        "department": department,
        "apps": list(services.apps_of(user).order_by("-is_active", "-created_at")),
        "form": form,
        "summary": form.summary() if form.is_bound else [],
        "key_prefix": services.API_KEY_PREFIX,
    }
    return render(request, "exchange/apps.html", context, status=status)


@require_POST
@staff_page
def app_action(request: HttpRequest, app_id: int, action: str) -> HttpResponse:
    user: Any = request.user
    if action not in {"rotate", "deactivate", "oauth"}:
        raise Http404
    try:
        app: ConsumerApp = services.app_for_user(user, app_id)
    except DomainError as exc:
        raise Http404 from exc
    try:
        if action == "rotate":
            app, key = services.rotate_key(actor=user, app=app)
            return _secret_page(request, {"app": app, "api_key": key, "rotated": True})
        if action == "oauth":
            client_id, secret = services.create_oauth_client(actor=user, app=app)
            return _secret_page(
                request, {"app": app, "client_id": client_id, "client_secret": secret}
            )
        services.deactivate_app(actor=user, app=app)
    except DomainError as exc:
        raise_for(exc)
        messages.error(request, str(exc.message))
        return redirect("exchange:apps")
    messages.success(
        request, _("应用“%(name)s”已停用，其密钥和客户端不再可用。") % {"name": app.name}
    )
    return redirect("exchange:apps")
