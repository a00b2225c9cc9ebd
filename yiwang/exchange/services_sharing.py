"""Share requests and grants (共享申请), consumer applications and their credentials.

A consumer department's data officer requests a published resource (all or some fields) for a
stated purpose and legal basis. An unconditional resource is granted at once; a conditional
one waits for the provider, who decides within ``YIWANG_EXCHANGE_APPROVAL_DAYS`` working
days. Grants expire and can be revoked; :func:`active_grant_for` is what the gateway asks.

API keys: ``ywk_<8 hex>_<43 random>``; the 8 hex characters are kept as ``api_key_prefix``
for the lookup and the whole key only as a keyed SM3 HMAC (``kernel.crypto.blind_index``,
keyed by the node's PII key). A key is 256 random bits, so no slow password hash is needed
to resist guessing, and the gateway checks it on every call in microseconds.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.exchange import permissions
from yiwang.exchange.errors import ErrorCode
from yiwang.exchange.models import (
    ConsumerApp,
    DataResource,
    RequestStatus,
    ResourceStatus,
    ShareGrant,
    ShareRequest,
    ShareType,
)
from yiwang.exchange.services_common import (
    acting_department,
    approval_days,
    end_of_day,
    error,
    invalid,
    is_user,
    not_found,
    reason_of,
    require,
    scoped,
    today,
    user_or_none,
    working_days_from_today,
)
from yiwang.kernel import audit, events
from yiwang.kernel.crypto import blind_index
from yiwang.kernel.errors import DomainError
from yiwang.kernel.models import Department
from yiwang.kernel.permissions import can

API_KEY_PREFIX = "ywk_"


# --- requests -----------------------------------------------------------------------------------


def _request_errors(
    resource: DataResource,
    fields: list[str],
    purpose: str,
    legal_basis: str,
    valid_until: dt.date | None,
) -> list[dict[str, Any]]:
    errors = []
    names = set(resource.fields.values_list("name", flat=True))
    for n, name in enumerate(fields):
        if name not in names:
            errors.append(
                error(
                    f"fields/{n}",
                    "unknown",
                    _("资源中没有信息项“%(name)s”。") % {"name": name},
                )
            )
    if len(set(fields)) != len(fields):
        errors.append(error("fields", "duplicate", _("申请的信息项有重复。")))
    if not purpose:
        errors.append(error("purpose", "required", _("请填写数据用途。")))
    if not legal_basis:
        errors.append(error("legal_basis", "required", _("请填写申请依据。")))
    if valid_until is not None and valid_until < today():
        errors.append(error("valid_until", "past", _("使用期限不能早于今天。")))
    return errors


#: The range a provider may set a grant's rate limit in (calls a minute).
RATE_LIMIT_MIN = 1
RATE_LIMIT_MAX = 100_000


def _create_grant(
    request: ShareRequest,
    *,
    fields: list[str],
    personal_unmasked: bool,
    expires_at: dt.datetime | None,
    rate_limit_per_minute: int | None = None,
) -> ShareGrant:
    limit = (
        {} if rate_limit_per_minute is None else {"rate_limit_per_minute": rate_limit_per_minute}
    )
    return ShareGrant.objects.create(
        **limit,
        request=request,
        resource=request.resource,
        consumer=request.consumer,
        fields=fields,
        personal_unmasked=personal_unmasked,
        granted_at=timezone.now(),
        expires_at=expires_at,
        origin_node=request.origin_node,
    )


def _notify_node(request: ShareRequest) -> None:
    """A decision on (or revocation of) a peer node's request goes back to that node: an
    outbox event whose subscriber (``cascade_events``) sends ``share.decision`` after commit
    and raises on failure, so ``yiwang events deliver`` retries it."""
    if request.origin_node:
        events.emit(
            "exchange.remote_decision",
            {"request_id": request.pk, "node": request.origin_node, "status": request.status},
        )


def _decided(
    request: ShareRequest, actor: Any, grant: ShareGrant | None, *, notify_node: bool = True
) -> None:
    if notify_node:
        _notify_node(request)
    events.emit(
        "exchange.request_decided",
        {
            "request_id": request.pk,
            "status": request.status,
            "resource": request.resource.code,
            "consumer": request.consumer.code,
            "grant_id": grant.pk if grant else None,
            "fields": grant.fields if grant else [],
            "origin_node": request.origin_node,
        },
    )


@audit.refusals_recorded("exchange.request")
@transaction.atomic
def request_share(
    *,
    actor: Any,
    resource: DataResource,
    fields: list[str] | None,
    purpose: str,
    legal_basis: str,
    valid_until: dt.date | None = None,
    consumer: Department | None = None,
    origin_node: str = "",
    remote_ref: str = "",
) -> ShareRequest:
    """A consumer department (the actor's, where they hold ``exchange.request``) asks for a
    published, shareable resource. ``fields`` empty or None means every field. An
    unconditional resource is granted at once; a conditional one is due for decision in
    ``YIWANG_EXCHANGE_APPROVAL_DAYS`` working days (5 by default).

    For the node cascade only (the ``share.request`` handler): ``origin_node`` is the peer
    node the request came from, ``consumer`` that node's department (there is no acting
    user) and ``remote_ref`` the request's id on that node, sent back with the decision. A
    resource that is itself a peer's copy (``origin_node`` set on the resource) is not
    requested here but through ``cascade_kinds.request_remote_share``."""
    if origin_node:
        if consumer is None:
            raise invalid(
                ErrorCode.REQUEST_INVALID,
                [error("consumer", "required", _("请提供使用方部门。"))],
            )
    else:
        consumer = acting_department(actor, permissions.REQUEST)
    resource = DataResource.objects.select_related("provider").get(pk=resource.pk)
    if resource.status != ResourceStatus.PUBLISHED:
        raise not_found()
    if resource.origin_node:
        raise invalid(
            ErrorCode.REQUEST_INVALID,
            [error("resource", "remote", _("该资源由其他节点提供,须向其所属节点申请。"))],
            status=409,
        )
    if resource.share_type == ShareType.NOT_SHARED:
        raise DomainError(
            ErrorCode.NOT_SHAREABLE,
            _("该资源为不予共享资源,不能申请。依据:%(basis)s") % {"basis": resource.legal_basis},
            status=409,
        )
    if resource.provider_id == consumer.pk:
        raise invalid(
            ErrorCode.REQUEST_INVALID,
            [error("resource", "own", _("本部门的资源无需申请。"))],
            status=409,
        )
    chosen = list(fields) if fields else list(resource.fields.values_list("name", flat=True))
    purpose, legal_basis = (purpose or "").strip(), (legal_basis or "").strip()
    errors = _request_errors(resource, chosen, purpose, legal_basis, valid_until)
    if errors:
        raise invalid(ErrorCode.REQUEST_INVALID, errors)
    pending = ShareRequest.objects.filter(
        resource=resource, consumer=consumer, status=RequestStatus.PENDING
    )
    if pending.exists():
        raise invalid(
            ErrorCode.REQUEST_INVALID,
            [error("resource", "pending", _("本部门对该资源已有待审核的申请。"))],
            status=409,
        )
    request = ShareRequest.objects.create(
        resource=resource,
        consumer=consumer,
        fields=chosen,
        purpose=purpose,
        legal_basis=legal_basis,
        valid_until=valid_until,
        requested_by=user_or_none(actor),
        origin_node=origin_node,
        remote_ref=str(remote_ref)[:40],
    )
    grant = None
    if resource.share_type == ShareType.UNCONDITIONAL:
        request.status = RequestStatus.APPROVED
        request.decided_at = timezone.now()
        request.decision_reason = _("无条件共享资源,自动同意。")
        request.save(update_fields=["status", "decided_at", "decision_reason"])
        grant = _create_grant(
            request,
            fields=chosen,
            personal_unmasked=False,
            expires_at=end_of_day(valid_until) if valid_until else None,
        )
    else:
        request.due_on = working_days_from_today(approval_days())
        request.save(update_fields=["due_on"])
    audit.record(
        "exchange.request_created",
        actor=actor,
        target=request,
        details={
            "resource": resource.code,
            "consumer": consumer.code,
            "fields": chosen,
            "status": request.status,
            "due_on": request.due_on,
            "grant_id": grant.pk if grant else None,
            "node": origin_node,
            "remote_ref": request.remote_ref,
        },
    )
    events.emit(
        "exchange.request_created",
        {
            "request_id": request.pk,
            "resource": resource.code,
            "provider": resource.provider.code,
            "consumer": consumer.code,
            "status": request.status,
            "origin_node": origin_node,
        },
    )
    if grant is not None:
        # A peer's request granted at once: the decision travels back in the reply to its
        # ``share.request`` message, so no separate ``share.decision`` is sent.
        _decided(request, actor, grant, notify_node=False)
    return request


def _pending(actor: Any, request: ShareRequest) -> ShareRequest:
    request = (
        ShareRequest.objects.select_for_update()
        .select_related("resource__provider", "consumer")
        .get(pk=request.pk)
    )
    require(actor, permissions.APPROVE, request.resource.provider)
    if request.status != RequestStatus.PENDING:
        raise DomainError(
            ErrorCode.STATUS_TRANSITION,
            _("申请当前状态为“%(status)s”,不能再审核。")
            % {"status": RequestStatus(request.status).label},
            status=409,
            status_now=request.status,
        )
    return request


@audit.refusals_recorded("exchange.approve")
@transaction.atomic
def approve(
    *,
    actor: Any,
    request: ShareRequest,
    fields: list[str] | None = None,
    personal_unmasked: bool = False,
    expires_at: dt.datetime | None = None,
    reason: str = "",
    rate_limit_per_minute: int | None = None,
) -> ShareGrant:
    """The provider grants the request: all requested fields, or a subset of them; personal
    fields unmasked only when ``personal_unmasked``; until ``expires_at`` (by default the end
    of the requested ``valid_until``); at most ``rate_limit_per_minute`` gateway calls a
    minute (:data:`RATE_LIMIT_MIN`..:data:`RATE_LIMIT_MAX`; the model's default, 600, when
    None)."""
    request = _pending(actor, request)
    chosen = list(fields) if fields else list(request.fields)
    errors = [
        error(f"fields/{n}", "not_requested", _("信息项“%(name)s”不在申请范围内。") % {"name": f})
        for n, f in enumerate(chosen)
        if f not in request.fields
    ]
    if expires_at is not None and expires_at <= timezone.now():
        errors.append(error("expires_at", "past", _("授权期限须晚于当前时间。")))
    if rate_limit_per_minute is not None and not (
        RATE_LIMIT_MIN <= rate_limit_per_minute <= RATE_LIMIT_MAX
    ):
        errors.append(
            error(
                "rate_limit_per_minute",
                "out_of_range",
                _("每分钟调用次数上限须在 %(low)s 到 %(high)s 之间。")
                % {"low": RATE_LIMIT_MIN, "high": RATE_LIMIT_MAX},
            )
        )
    if errors:
        raise invalid(ErrorCode.REQUEST_INVALID, errors)
    if expires_at is None and request.valid_until is not None:
        expires_at = end_of_day(request.valid_until)
    request.status = RequestStatus.APPROVED
    request.decided_by = user_or_none(actor)
    request.decided_at = timezone.now()
    request.decision_reason = (reason or "").strip()
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    grant = _create_grant(
        request,
        fields=chosen,
        personal_unmasked=personal_unmasked,
        expires_at=expires_at,
        rate_limit_per_minute=rate_limit_per_minute,
    )
    audit.record(
        "exchange.request_approved",
        actor=actor,
        target=request,
        details={
            "resource": request.resource.code,
            "consumer": request.consumer.code,
            "fields": chosen,
            "personal_unmasked": personal_unmasked,
            "expires_at": expires_at,
            "rate_limit_per_minute": grant.rate_limit_per_minute,
            "grant_id": grant.pk,
            "late": bool(request.due_on and today() > request.due_on),
        },
    )
    _decided(request, actor, grant)
    return grant


@audit.refusals_recorded("exchange.reject")
@transaction.atomic
def reject(*, actor: Any, request: ShareRequest, reason: str) -> ShareRequest:
    reason = reason_of(reason)
    request = _pending(actor, request)
    request.status = RequestStatus.REJECTED
    request.decided_by = user_or_none(actor)
    request.decided_at = timezone.now()
    request.decision_reason = reason
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    audit.record(
        "exchange.request_rejected",
        actor=actor,
        target=request,
        details={
            "resource": request.resource.code,
            "consumer": request.consumer.code,
            "reason": reason,
        },
    )
    _decided(request, actor, None)
    return request


@audit.refusals_recorded("exchange.request_withdraw")
@transaction.atomic
def withdraw_request(*, actor: Any, request: ShareRequest) -> ShareRequest:
    """The consumer takes back a pending request."""
    request = ShareRequest.objects.select_for_update().select_related("resource").get(pk=request.pk)
    require(actor, permissions.REQUEST, request.consumer)
    if request.status != RequestStatus.PENDING:
        raise DomainError(ErrorCode.STATUS_TRANSITION, _("只能撤回待审核的申请。"), status=409)
    request.status = RequestStatus.WITHDRAWN
    request.save(update_fields=["status"])
    audit.record(
        "exchange.request_withdrawn",
        actor=actor,
        target=request,
        details={"resource": request.resource.code},
    )
    return request


@audit.refusals_recorded("exchange.grant_revoke")
@transaction.atomic
def revoke_grant(*, actor: Any, grant: ShareGrant, reason: str) -> ShareGrant:
    """The provider ends a grant (the consumer's calls are refused from now on)."""
    reason = reason_of(reason)
    grant = (
        ShareGrant.objects.select_for_update()
        .select_related("resource__provider", "consumer")
        .get(pk=grant.pk)
    )
    require(actor, permissions.APPROVE, grant.resource.provider)
    if grant.revoked_at is not None:
        raise DomainError(ErrorCode.STATUS_TRANSITION, _("该授权已被撤销。"), status=409)
    grant.revoked_at = timezone.now()
    grant.revoked_reason = reason
    grant.save(update_fields=["revoked_at", "revoked_reason"])
    audit.record(
        "exchange.grant_revoked",
        actor=actor,
        target=grant,
        details={
            "resource": grant.resource.code,
            "consumer": grant.consumer.code,
            "reason": reason,
        },
    )
    events.emit(
        "exchange.grant_revoked",
        {
            "grant_id": grant.pk,
            "resource": grant.resource.code,
            "consumer": grant.consumer.code,
            "origin_node": grant.origin_node,
        },
    )
    _notify_node(grant.request)
    return grant


# --- grants: what the gateway asks ----------------------------------------------------------


def _active(at: dt.datetime | None = None) -> Q:
    at = at or timezone.now()
    return Q(revoked_at__isnull=True) & (Q(expires_at__isnull=True) | Q(expires_at__gt=at))


def active_grant_for(department_code: str, resource_code: str) -> ShareGrant | None:
    """The consumer department's grant for the resource that is neither expired nor revoked
    (the newest, if several), or None. The resource's own status is not checked here."""
    found: ShareGrant | None = (
        ShareGrant.objects.select_related("resource", "consumer")
        .filter(_active(), consumer__code=department_code, resource__code=resource_code)
        .order_by("-granted_at", "-id")
        .first()
    )
    return found


def latest_grant_for(department_code: str, resource_code: str) -> ShareGrant | None:
    """The newest grant whatever its state (to tell "expired" from "revoked" from "none")."""
    found: ShareGrant | None = (
        ShareGrant.objects.select_related("resource", "consumer")
        .filter(consumer__code=department_code, resource__code=resource_code)
        .order_by("-granted_at", "-id")
        .first()
    )
    return found


def grant_state(grant: ShareGrant, at: dt.datetime | None = None) -> str:
    """``active``, ``expired`` or ``revoked``."""
    at = at or timezone.now()
    if grant.revoked_at is not None:
        return "revoked"
    if grant.expires_at is not None and grant.expires_at <= at:
        return "expired"
    return "active"


def overdue_requests(on: dt.date | None = None) -> QuerySet[ShareRequest]:
    """Pending requests past their answer deadline, oldest deadline first."""
    return (
        ShareRequest.objects.select_related("resource__provider", "consumer")
        .filter(status=RequestStatus.PENDING, due_on__lt=on or today())
        .order_by("due_on", "id")
    )


# --- lists for a user -----------------------------------------------------------------------


def requests_as_consumer(user: Any) -> QuerySet[ShareRequest]:
    return ShareRequest.objects.select_related("resource__provider", "consumer").filter(
        scoped(user, permissions.REQUEST, "consumer_id", "consumer__region__code")
    )


def requests_as_provider(user: Any) -> QuerySet[ShareRequest]:
    return ShareRequest.objects.select_related("resource__provider", "consumer").filter(
        scoped(
            user, permissions.APPROVE, "resource__provider_id", "resource__provider__region__code"
        )
    )


def request_for_user(user: Any, request_id: int) -> ShareRequest:
    """A request the user may see (as consumer or provider); any other answers 404."""
    found: ShareRequest | None = (
        (requests_as_consumer(user) | requests_as_provider(user)).filter(pk=request_id).first()
    )
    if found is None:
        raise not_found()
    return found


def grants_as_consumer(user: Any, *, active_only: bool = False) -> QuerySet[ShareGrant]:
    rows = ShareGrant.objects.select_related("resource__provider", "consumer").filter(
        scoped(user, permissions.REQUEST, "consumer_id", "consumer__region__code")
    )
    return rows.filter(_active()) if active_only else rows


def grants_as_provider(user: Any) -> QuerySet[ShareGrant]:
    return ShareGrant.objects.select_related("resource__provider", "consumer").filter(
        scoped(
            user, permissions.APPROVE, "resource__provider_id", "resource__provider__region__code"
        )
    )


def grant_for_user(user: Any, grant_id: int) -> ShareGrant:
    found: ShareGrant | None = (
        (grants_as_consumer(user) | grants_as_provider(user)).filter(pk=grant_id).first()
    )
    if found is None:
        raise not_found()
    return found


# --- consumer applications --------------------------------------------------------------------


def _key_hash(key: str) -> str:
    return blind_index(key, purpose="exchange.api_key")


def _new_key() -> tuple[str, str]:
    prefix = secrets.token_hex(4)
    return prefix, f"{API_KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"


@audit.refusals_recorded("exchange.app_create")
@transaction.atomic
def create_app(*, actor: Any, name: str) -> tuple[ConsumerApp, str]:
    """A new application of the actor's department, with an API key shown only now."""
    department = acting_department(actor, permissions.REQUEST)
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise invalid(
            ErrorCode.REQUEST_INVALID,
            [error("name", "required", _("请填写应用名称(不超过100字)。"))],
        )
    prefix, key = _new_key()
    app = ConsumerApp.objects.create(
        department=department,
        name=name,
        api_key_prefix=prefix,
        api_key_hash=_key_hash(key),
        created_by=user_or_none(actor),
    )
    audit.record(
        "exchange.app_created",
        actor=actor,
        target=app,
        details={"name": name, "department": department.code, "key_prefix": prefix},
    )
    return app, key


def _own_app(actor: Any, app: ConsumerApp) -> ConsumerApp:
    app = ConsumerApp.objects.select_for_update().select_related("department").get(pk=app.pk)
    require(actor, permissions.REQUEST, app.department)
    return app


@audit.refusals_recorded("exchange.app_rotate_key")
@transaction.atomic
def rotate_key(*, actor: Any, app: ConsumerApp) -> tuple[ConsumerApp, str]:
    """A new API key (shown only now); the old one stops working at once."""
    app = _own_app(actor, app)
    if not app.is_active:
        raise DomainError(ErrorCode.STATUS_TRANSITION, _("应用已停用。"), status=409)
    old = app.api_key_prefix
    app.api_key_prefix, key = _new_key()
    app.api_key_hash = _key_hash(key)
    app.save(update_fields=["api_key_prefix", "api_key_hash"])
    audit.record(
        "exchange.app_key_rotated",
        actor=actor,
        target=app,
        details={"old_prefix": old, "key_prefix": app.api_key_prefix},
    )
    return app, key


@audit.refusals_recorded("exchange.app_deactivate")
@transaction.atomic
def deactivate_app(*, actor: Any, app: ConsumerApp) -> ConsumerApp:
    app = _own_app(actor, app)
    if app.is_active:
        app.is_active = False
        app.save(update_fields=["is_active"])
        audit.record("exchange.app_deactivated", actor=actor, target=app, details={})
        if app.oauth_client_id:
            from yiwang.identity.services.clients import disable_service_client

            disable_service_client(actor=actor, client_id=app.oauth_client_id)
    return app


@audit.refusals_recorded("exchange.app_oauth_client")
@transaction.atomic
def create_oauth_client(*, actor: Any, app: ConsumerApp) -> tuple[str, str]:
    """An OAuth client (client-credentials grant, identity module's server) for the
    application: returns (client_id, client_secret); the secret is shown only now."""
    from yiwang.identity.services.clients import create_service_client

    app = _own_app(actor, app)
    if not app.is_active:
        raise DomainError(ErrorCode.STATUS_TRANSITION, _("应用已停用。"), status=409)
    if app.oauth_client_id:
        raise DomainError(ErrorCode.STATUS_TRANSITION, _("该应用已有 OAuth 客户端。"), status=409)
    client_id, secret = create_service_client(
        actor=actor, name=f"exchange:{app.department.code}:{app.name}"[:255]
    )
    app.oauth_client_id = client_id
    app.save(update_fields=["oauth_client_id"])
    audit.record(
        "exchange.app_oauth_client_created",
        actor=actor,
        target=app,
        details={"client_id": client_id},
    )
    return client_id, secret


def app_for_api_key(key: str) -> ConsumerApp | None:
    """The active application an API key belongs to, or None (constant-time comparison)."""
    if not key.startswith(API_KEY_PREFIX):
        return None
    prefix = key[len(API_KEY_PREFIX) :].split("_", 1)[0]
    app: ConsumerApp | None = (
        ConsumerApp.objects.select_related("department")
        .filter(api_key_prefix=prefix, is_active=True)
        .first()
    )
    if app is None or not hmac.compare_digest(app.api_key_hash, _key_hash(key)):
        return None
    return app


def app_for_client_id(client_id: str) -> ConsumerApp | None:
    app: ConsumerApp | None = (
        ConsumerApp.objects.select_related("department")
        .filter(oauth_client_id=client_id, is_active=True)
        .first()
        if client_id
        else None
    )
    return app


def apps_of(user: Any) -> QuerySet[ConsumerApp]:
    return ConsumerApp.objects.select_related("department").filter(
        scoped(user, permissions.REQUEST, "department_id", "department__region__code")
    )


def app_for_user(user: Any, app_id: int) -> ConsumerApp:
    found: ConsumerApp | None = apps_of(user).filter(pk=app_id).first()
    if found is None:
        raise not_found()
    return found


def may_approve(user: Any, request: ShareRequest) -> bool:
    return is_user(user) and can(user, permissions.APPROVE, department=request.resource.provider)
