"""Exchange pages: share requests (a consumer's request, "my requests", the provider's
queue and decision), grants ("我的授权", revocation), the consumer's applications (an API
key or OAuth client secret is shown once, in the answer to the POST that made it, and kept
nowhere: the page is sent ``no-store``) and their subscriptions to granted resources (订阅)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from yiwang.exchange import forms, gateway, permissions, services
from yiwang.exchange.api_gateway import file_response
from yiwang.exchange.models import (
    ConsumerApp,
    MountKind,
    RequestStatus,
    ResourceStatus,
    ShareGrant,
    ShareMethod,
    ShareRequest,
    Subscription,
)
from yiwang.exchange.services_common import today
from yiwang.exchange.views import (
    PAGE_SIZE,
    bound,
    consumer_department,
    end_of_day,
    nav,
    staff_page,
)
from yiwang.kernel.errors import DomainError
from yiwang.kernel.formviews import (
    done,
    form_page,
    object_or_404,
    submit,
    summary_of,
    told_back,
)
from yiwang.kernel.permissions import can

# --- asking for a resource ----------------------------------------------------------------------


@staff_page
def request_new(request: HttpRequest, code: str) -> HttpResponse:
    user: Any = request.user
    resource = object_or_404(services.resource_for_user, user, code)
    if resource.status != ResourceStatus.PUBLISHED:
        raise Http404
    consumer = consumer_department(user)
    if consumer is None:
        raise PermissionDenied
    form = forms.RequestForm(*bound(request), fields=list(resource.fields.all()))

    def act(data: dict[str, Any]) -> HttpResponse:
        share = services.request_share(
            actor=user,
            resource=resource,
            fields=list(data["field_names"]),
            purpose=data["purpose"],
            legal_basis=data["legal_basis"],
            valid_until=data.get("valid_until"),
        )
        if share.status == RequestStatus.APPROVED:
            message = _("无条件共享资源，申请已自动同意，授权已生效。")
        else:
            message = _("申请已提交，提供方应在 %(due)s 前答复。") % {
                "due": share.due_on.isoformat() if share.due_on else ""
            }
        return done(request, message, "exchange:request", request_id=share.pk)

    context = {**nav(user, "catalogue"), "resource": resource, "consumer": consumer}
    return form_page(request, form, act, "exchange/request_new.html", context)


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


def _request_context(
    request: HttpRequest, share: ShareRequest, bound_forms: dict[str, forms.ExchangeForm]
) -> dict[str, Any]:
    user: Any = request.user
    pending = share.status == RequestStatus.PENDING
    requested = [f for f in share.resource.fields.all() if f.name in set(share.fields)]
    titles = {f.name: f.title for f in share.resource.fields.all()}
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
        "summary": summary_of(bound_forms),
    }


@staff_page
@require_safe
def request_detail(request: HttpRequest, request_id: int) -> HttpResponse:
    share = object_or_404(services.request_for_user, request.user, request_id)
    return render(request, "exchange/request.html", _request_context(request, share, {}))


@require_POST
@staff_page
def request_action(request: HttpRequest, request_id: int, action: str) -> HttpResponse:
    user: Any = request.user
    if action not in {"approve", "reject", "withdraw"}:
        raise Http404
    share = object_or_404(services.request_for_user, user, request_id)
    form: forms.ExchangeForm
    if action == "approve":
        requested = [f for f in share.resource.fields.all() if f.name in set(share.fields)]
        form = forms.ApproveForm(request.POST, prefix="approve", fields=requested)
    elif action == "reject":
        form = forms.ReasonForm(request.POST, prefix="reject")
    else:
        form = forms.ExchangeForm(request.POST)

    def act(data: dict[str, Any]) -> HttpResponse:
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
        return done(request, message, "exchange:request", request_id=share.pk)

    def refused(form: forms.ExchangeForm, status: int) -> HttpResponse:
        fresh = object_or_404(services.request_for_user, user, request_id)
        context = _request_context(request, fresh, {action: form})
        return render(request, "exchange/request.html", context, status=status)

    return submit(form, act, refused)


# --- grants ----------------------------------------------------------------------------------


def _grant_rows(grants: Any) -> list[dict[str, Any]]:
    rows = []
    for grant in grants:
        state = services.grant_state(grant)
        subscribable = ShareMethod.SUBSCRIPTION in grant.resource.share_methods
        mount = getattr(grant.resource, "mount", None)
        downloadable = mount is not None and mount.kind == MountKind.FILE
        rows.append(
            {
                "grant": grant,
                "state": state,
                "subscribable": subscribable,
                "downloadable": downloadable,
            }
        )
    return rows


@staff_page
@require_safe
def grants(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    as_consumer = (
        services.grants_as_consumer(user)
        .select_related("resource__mount")
        .order_by("-granted_at", "-id")[:200]
    )
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
    grant = object_or_404(services.grant_for_user, user, grant_id)
    if not can(user, permissions.APPROVE, department=grant.resource.provider):
        raise PermissionDenied
    form = forms.ReasonForm(*bound(request)[:1])

    def act(data: dict[str, Any]) -> HttpResponse:
        services.revoke_grant(actor=user, grant=grant, reason=data["reason"])
        return done(request, _("授权已撤销，对方的调用将被拒绝。"), "exchange:grants")

    context = {**nav(user, "grants"), "grant": grant, "state": services.grant_state(grant)}
    return form_page(request, form, act, "exchange/grant_revoke.html", context)


@staff_page
@require_safe
def grant_download(request: HttpRequest, grant_id: int) -> HttpResponseBase:
    """A data officer of the consumer department downloads a file-mounted resource it was
    granted; logged in the message log like an application's download."""
    user: Any = request.user
    grant = _consumer_grant(user, grant_id)
    try:
        answer = gateway.download_for_staff(actor=user, grant=grant)
    except DomainError as exc:
        # The officer sees this grant: an ended grant's refusal is told on the grants page.
        messages.error(request, str(exc.message))
        return redirect("exchange:grants")
    return file_response(answer)


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

    def act(data: dict[str, Any]) -> HttpResponse:
        app, key = services.create_app(actor=user, name=data["name"])
        return _secret_page(request, {"app": app, "api_key": key, "created": True})

    context = {
        **nav(user, "apps"),
        "department": department,
        "apps": list(services.apps_of(user).order_by("-is_active", "-created_at")),
        "key_prefix": services.API_KEY_PREFIX,
    }
    return form_page(request, form, act, "exchange/apps.html", context)


@require_POST
@staff_page
def app_action(request: HttpRequest, app_id: int, action: str) -> HttpResponse:
    user: Any = request.user
    if action not in {"rotate", "deactivate", "oauth"}:
        raise Http404
    app: ConsumerApp = object_or_404(services.app_for_user, user, app_id)
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
        return told_back(request, exc, "exchange:apps")
    message = _("应用“%(name)s”已停用，其密钥和客户端不再可用。") % {"name": app.name}
    return done(request, message, "exchange:apps")


# --- subscriptions ---------------------------------------------------------------------------


def _consumer_grant(user: Any, grant_id: int) -> ShareGrant:
    """A grant the user's department holds, as one of its data officers (else 404: the
    provider's officers see the grant but do not subscribe to it)."""
    grant: ShareGrant = object_or_404(services.grant_for_user, user, grant_id)
    if not can(user, permissions.REQUEST, department=grant.consumer):
        raise Http404
    return grant


@staff_page
def subscribe(request: HttpRequest, grant_id: int) -> HttpResponse:
    """One of the department's applications follows a granted resource's changes."""
    user: Any = request.user
    grant = _consumer_grant(user, grant_id)
    offered = services.apps_of(user).filter(department=grant.consumer, is_active=True)
    form = forms.SubscriptionForm(*bound(request)[:1], apps=offered.order_by("name", "id"))

    def act(data: dict[str, Any]) -> HttpResponse:
        subscription = services.subscribe(
            actor=user, grant=grant, app=data["app"], callback_url=data["callback_url"]
        )
        message = _("已订阅“%(resource)s”的变更，变更将通知应用“%(app)s”。") % {
            "resource": grant.resource.name,
            "app": subscription.app.name,
        }
        return done(request, message, "exchange:subscriptions")

    context = {
        **nav(user, "subscriptions"),
        "grant": grant,
        "state": services.grant_state(grant),
        "subscribable": ShareMethod.SUBSCRIPTION in grant.resource.share_methods,
        "methods": [_method_label(m) for m in grant.resource.share_methods],
        "has_apps": offered.exists(),
    }
    return form_page(request, form, act, "exchange/subscribe.html", context)


def _method_label(value: str) -> str:
    known = {m.value: str(m.label) for m in ShareMethod}
    return known.get(value, value)


def _subscription_state(subscription: Subscription) -> str:
    """Why a live subscription hears nothing, or ``active``."""
    if services.grant_state(subscription.grant) != "active":
        return "grant_ended"
    if not subscription.app.is_active:
        return "app_inactive"
    if subscription.grant.resource.status != ResourceStatus.PUBLISHED:
        return "withdrawn"
    return "active"


@staff_page
@require_safe
def subscriptions(request: HttpRequest) -> HttpResponse:
    """The department's live subscriptions (订阅), newest first."""
    user: Any = request.user
    if not can(user, permissions.REQUEST):
        raise PermissionDenied
    rows = (
        services.subscriptions_of(user)
        .filter(cancelled_at__isnull=True)
        .select_related("grant__resource__provider", "grant__consumer")
        .order_by("-created_at", "-id")[:200]
    )
    context = {
        **nav(user, "subscriptions"),
        "rows": [{"subscription": s, "state": _subscription_state(s)} for s in rows],
    }
    return render(request, "exchange/subscriptions.html", context)


@require_POST
@staff_page
def subscription_cancel(request: HttpRequest, subscription_id: int) -> HttpResponse:
    user: Any = request.user
    subscription = object_or_404(services.subscription_for_user, user, subscription_id)
    try:
        services.cancel_subscription(actor=user, subscription=subscription)
    except DomainError as exc:
        return told_back(request, exc, "exchange:subscriptions")
    message = _("已取消应用“%(app)s”对“%(resource)s”的订阅。") % {
        "app": subscription.app.name,
        "resource": subscription.grant.resource.name,
    }
    return done(request, message, "exchange:subscriptions")
