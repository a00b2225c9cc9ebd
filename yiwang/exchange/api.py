"""Exchange API for staff: ``/api/v1/exchange/...``.

Any signed-in staff member reads the published catalogue; a department's data officers keep
its catalogue, request other departments' resources, decide requests for its own, manage its
applications, report and answer data errors, and subscribe. Other departments' requests,
grants, applications and reports answer 404 as if they did not exist. Nothing here is
public. The gateway's data endpoints (application credentials) are mounted separately."""

# No ``from __future__ import annotations``: django-ninja reads the annotations at runtime.
from typing import IO, Any, cast

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import File, Router, Status
from ninja.files import UploadedFile

from yiwang.exchange import permissions, services
from yiwang.exchange.models import (
    ConsumerApp,
    DataResource,
    ErrorReport,
    ShareGrant,
    ShareRequest,
    Subscription,
)
from yiwang.exchange.schemas import (
    AppIn,
    AppKeyOut,
    AppOut,
    DecisionIn,
    GrantOut,
    MountApiIn,
    MountOut,
    MountTableIn,
    OAuthClientOut,
    QualityOut,
    ReasonIn,
    ReportIn,
    ReportOut,
    ResolveIn,
    ResourceIn,
    ResourceMetaIn,
    ResourceOut,
    SearchOut,
    ShareRequestIn,
    ShareRequestOut,
    SubscriptionIn,
    SubscriptionOut,
)
from yiwang.kernel.errors import DomainError
from yiwang.kernel.errors import ErrorCode as KernelCode
from yiwang.kernel.permissions import can, scope_for
from yiwang.kernel.schemas import ERRORS

router = Router(tags=["exchange"])


def _staff(request: HttpRequest) -> None:
    if not getattr(request.user, "is_staff", False):
        raise DomainError(KernelCode.PERMISSION_DENIED, _("仅限工作人员使用。"), status=403)


def _mount_out(resource: DataResource) -> dict[str, Any] | None:
    mount = getattr(resource, "mount", None)
    if mount is None:
        return None
    return {
        "kind": mount.kind,
        "source": mount.source,
        "key_field": mount.key_field,
        "row_count": mount.row_count,
        "data_updated_at": mount.data_updated_at,
    }


def _resource_out(resource: DataResource) -> dict[str, Any]:
    data = services.snapshot(resource)
    data.update(
        status=resource.status,
        version=resource.version,
        publish_date=resource.publish_date,
        mount=_mount_out(resource),
    )
    return data


def _request_out(request: ShareRequest) -> dict[str, Any]:
    grant = ShareGrant.objects.filter(request=request).only("pk").first()
    return {
        "id": request.pk,
        "resource_code": request.resource.code,
        "resource_name": request.resource.name,
        "provider_code": request.resource.provider.code,
        "consumer_code": request.consumer.code,
        "fields": request.fields,
        "purpose": request.purpose,
        "legal_basis": request.legal_basis,
        "valid_until": request.valid_until,
        "status": request.status,
        "due_on": request.due_on,
        "requested_at": request.requested_at,
        "decided_at": request.decided_at,
        "decision_reason": request.decision_reason,
        "grant_id": grant.pk if grant else None,
    }


def _grant_out(grant: ShareGrant) -> dict[str, Any]:
    return {
        "id": grant.pk,
        "request_id": grant.request_id,
        "resource_code": grant.resource.code,
        "resource_name": grant.resource.name,
        "consumer_code": grant.consumer.code,
        "fields": grant.fields,
        "personal_unmasked": grant.personal_unmasked,
        "rate_limit_per_minute": grant.rate_limit_per_minute,
        "granted_at": grant.granted_at,
        "expires_at": grant.expires_at,
        "revoked_at": grant.revoked_at,
        "state": services.grant_state(grant),
    }


def _app_out(app: ConsumerApp) -> dict[str, Any]:
    return {
        "id": app.pk,
        "name": app.name,
        "department_code": app.department.code,
        "oauth_client_id": app.oauth_client_id,
        "api_key_prefix": app.api_key_prefix,
        "is_active": app.is_active,
        "created_at": app.created_at,
    }


def _report_out(report: ErrorReport) -> dict[str, Any]:
    return {
        "id": report.pk,
        "resource_code": report.resource.code,
        "reporter_code": report.reporter.code,
        "record_key": report.record_key,
        "field_name": report.field_name,
        "description": report.description,
        "status": report.status,
        "due_on": report.due_on,
        "reported_at": report.reported_at,
        "resolved_at": report.resolved_at,
        "resolution": report.resolution,
    }


def _subscription_out(subscription: Subscription) -> dict[str, Any]:
    return {
        "id": subscription.pk,
        "grant_id": subscription.grant_id,
        "resource_code": subscription.grant.resource.code,
        "app_id": subscription.app_id,
        "callback_url": subscription.callback_url,
        "created_at": subscription.created_at,
        "cancelled_at": subscription.cancelled_at,
        "last_delivered_at": subscription.last_delivered_at,
    }


def _meta(payload: ResourceMetaIn) -> dict[str, Any]:
    data = payload.dict()
    data["fields"] = [
        {k: v for k, v in f.items() if not (k == "authoritative_source" and not v)}
        for f in data["fields"]
    ]
    return data


# --- the catalogue ------------------------------------------------------------------------------


@router.get("/resources", response={200: SearchOut, **ERRORS})
def list_resources(
    request: HttpRequest,
    q: str = "",
    provider: str = "",
    share_type: str = "",
    classification: str = "",
    limit: int = 50,
    offset: int = 0,
) -> Any:
    """The catalogue: published entries (and the caller's own department's drafts), by
    Chinese words, pinyin or initials in name, abstract and field titles, and filters."""
    _staff(request)
    total, rows = services.search_resources(
        q,
        provider=provider,
        share_type=share_type,
        classification=classification,
        user=request.user,
        limit=max(1, min(limit, 200)),
        offset=max(0, offset),
    )
    return {"total": total, "items": [_resource_out(r) for r in rows]}


@router.get("/resources/export", response={200: None, **ERRORS})
def export_resources(request: HttpRequest, format: str = "json") -> Any:
    """Published entries with their fields, as JSON or an Excel workbook (``format=xlsx``)."""
    _staff(request)
    if format == "xlsx":
        response = HttpResponse(
            services.export_xlsx(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = 'attachment; filename="exchange-catalogue.xlsx"'
        return response
    return JsonResponse(
        services.export_entries(), safe=False, json_dumps_params={"ensure_ascii": False}
    )


@router.post("/resources", response={201: ResourceOut, **ERRORS})
def create_resource(request: HttpRequest, payload: ResourceIn) -> Any:
    """Register a draft resource of the provider department (its data officers)."""
    _staff(request)
    data = _meta(payload)
    resource = services.create_resource(actor=request.user, **data)
    return Status(201, _resource_out(resource))


@router.post("/resources/{path:code}/publish", response={200: ResourceOut, **ERRORS})
def publish_resource(request: HttpRequest, code: str) -> Any:
    resource = services.resource_for_editor(request.user, code)
    services.publish_resource(actor=request.user, resource=resource)
    return _resource_out(services.get_resource(code))


@router.post("/resources/{path:code}/withdraw", response={200: ResourceOut, **ERRORS})
def withdraw_resource(request: HttpRequest, code: str, payload: ReasonIn) -> Any:
    resource = services.resource_for_editor(request.user, code)
    services.withdraw_resource(actor=request.user, resource=resource, reason=payload.reason)
    return _resource_out(services.get_resource(code))


@router.post("/resources/{path:code}/mount/table", response={200: MountOut, **ERRORS})
def mount_table(request: HttpRequest, code: str, payload: MountTableIn) -> Any:
    resource = services.resource_for_editor(request.user, code)
    services.mount_table(actor=request.user, resource=resource, source_name=payload.source_name)
    return _mount_out(services.get_resource(code))


@router.post("/resources/{path:code}/mount/api", response={200: MountOut, **ERRORS})
def mount_api(request: HttpRequest, code: str, payload: MountApiIn) -> Any:
    resource = services.resource_for_editor(request.user, code)
    services.mount_api(
        actor=request.user, resource=resource, url=payload.url, key_field=payload.key_field
    )
    return _mount_out(services.get_resource(code))


@router.post("/resources/{path:code}/mount/file", response={200: MountOut, **ERRORS})
def mount_file(request: HttpRequest, code: str, file: File[UploadedFile]) -> Any:
    resource = services.resource_for_editor(request.user, code)
    services.mount_file(
        actor=request.user,
        resource=resource,
        stream=cast("IO[bytes]", file),
        name=file.name or "file",
    )
    return _mount_out(services.get_resource(code))


@router.post("/resources/{path:code}/touch", response={200: MountOut, **ERRORS})
def touch_resource(request: HttpRequest, code: str) -> Any:
    """The provider records that the resource's data changed now (freshness, row count of a
    table mount, subscribers told); what a provider's scheduled load job calls."""
    resource = services.resource_for_editor(request.user, code)
    services.touch_resource(actor=request.user, resource=resource)
    return _mount_out(services.get_resource(code))


# Last among the /resources/{code}... routes: a code may contain "/", so the bare route would
# also match the longer ones if it came first.
@router.get("/resources/{path:code}", response={200: ResourceOut, **ERRORS})
def get_resource(request: HttpRequest, code: str) -> Any:
    _staff(request)
    return _resource_out(services.resource_for_user(request.user, code))


@router.put("/resources/{path:code}", response={200: ResourceOut, **ERRORS})
def update_resource(request: HttpRequest, code: str, payload: ResourceMetaIn) -> Any:
    """Replace the metadata and the whole field list; publish again to make a version."""
    resource = services.resource_for_editor(request.user, code)
    resource = services.update_resource(actor=request.user, resource=resource, **_meta(payload))
    return _resource_out(resource)


# --- share requests and grants ------------------------------------------------------------------


@router.post("/requests", response={201: ShareRequestOut, **ERRORS})
def request_share(request: HttpRequest, payload: ShareRequestIn) -> Any:
    """Ask for a resource for the caller's department; unconditional ones are granted at
    once (``status`` approved, ``grant_id`` set). A peer node's resource (a catalogue copy)
    is requested from that node; its answer decides the status the same way."""
    _staff(request)
    resource = services.resource_for_user(request.user, payload.resource_code)
    if resource.origin_node:
        from yiwang.exchange import cascade_kinds

        share = cascade_kinds.request_remote_share(
            actor=request.user,
            resource_code=resource.code,
            fields=payload.fields,
            purpose=payload.purpose,
            legal_basis=payload.legal_basis,
            valid_until=payload.valid_until,
        )
        return Status(201, _request_out(share))
    share = services.request_share(
        actor=request.user,
        resource=resource,
        fields=payload.fields,
        purpose=payload.purpose,
        legal_basis=payload.legal_basis,
        valid_until=payload.valid_until,
    )
    return Status(201, _request_out(share))


@router.get("/requests", response={200: list[ShareRequestOut], **ERRORS})
def list_requests(request: HttpRequest, role: str = "consumer", status: str = "") -> Any:
    """``role=consumer``: the caller's department's requests; ``role=provider``: requests
    for its resources (``status=pending``: those to decide)."""
    _staff(request)
    rows = (
        services.requests_as_provider(request.user)
        if role == "provider"
        else services.requests_as_consumer(request.user)
    )
    if status:
        rows = rows.filter(status=status)
    return [_request_out(r) for r in rows[:500]]


@router.get("/requests/{int:request_id}", response={200: ShareRequestOut, **ERRORS})
def get_request(request: HttpRequest, request_id: int) -> Any:
    return _request_out(services.request_for_user(request.user, request_id))


@router.post("/requests/{int:request_id}/decision", response={200: ShareRequestOut, **ERRORS})
def decide(request: HttpRequest, request_id: int, payload: DecisionIn) -> Any:
    """The provider approves (all or some of the requested fields) or rejects (reason
    required)."""
    share = services.request_for_user(request.user, request_id)
    if not services.may_approve(request.user, share):
        raise _denied()
    if payload.approve:
        services.approve(
            actor=request.user,
            request=share,
            fields=payload.fields,
            personal_unmasked=payload.personal_unmasked,
            expires_at=payload.expires_at,
            reason=payload.reason,
            rate_limit_per_minute=payload.rate_limit_per_minute,
        )
    else:
        services.reject(actor=request.user, request=share, reason=payload.reason)
    return _request_out(services.request_for_user(request.user, request_id))


@router.post("/requests/{int:request_id}/withdraw", response={200: ShareRequestOut, **ERRORS})
def withdraw_request(request: HttpRequest, request_id: int) -> Any:
    share = services.request_for_user(request.user, request_id)
    services.withdraw_request(actor=request.user, request=share)
    return _request_out(services.request_for_user(request.user, request_id))


@router.get("/grants", response={200: list[GrantOut], **ERRORS})
def list_grants(request: HttpRequest, role: str = "consumer", active: bool = False) -> Any:
    """The caller's department's grants (``role=provider``: grants on its resources)."""
    _staff(request)
    rows = (
        services.grants_as_provider(request.user)
        if role == "provider"
        else services.grants_as_consumer(request.user, active_only=active)
    )
    return [_grant_out(g) for g in rows[:500]]


@router.post("/grants/{int:grant_id}/revoke", response={200: GrantOut, **ERRORS})
def revoke_grant(request: HttpRequest, grant_id: int, payload: ReasonIn) -> Any:
    grant = services.grant_for_user(request.user, grant_id)
    grant = services.revoke_grant(actor=request.user, grant=grant, reason=payload.reason)
    return _grant_out(grant)


# --- applications -------------------------------------------------------------------------------


@router.get("/apps", response={200: list[AppOut], **ERRORS})
def list_apps(request: HttpRequest) -> Any:
    _staff(request)
    return [_app_out(a) for a in services.apps_of(request.user).order_by("-created_at")]


@router.post("/apps", response={201: AppKeyOut, **ERRORS})
def create_app(request: HttpRequest, payload: AppIn) -> Any:
    """A new application of the caller's department; its API key is shown only now."""
    _staff(request)
    app, key = services.create_app(actor=request.user, name=payload.name)
    return Status(201, {"app": _app_out(app), "api_key": key})


@router.post("/apps/{int:app_id}/rotate-key", response={200: AppKeyOut, **ERRORS})
def rotate_key(request: HttpRequest, app_id: int) -> Any:
    app = services.app_for_user(request.user, app_id)
    app, key = services.rotate_key(actor=request.user, app=app)
    return {"app": _app_out(app), "api_key": key}


@router.post("/apps/{int:app_id}/deactivate", response={200: AppOut, **ERRORS})
def deactivate_app(request: HttpRequest, app_id: int) -> Any:
    app = services.app_for_user(request.user, app_id)
    return _app_out(services.deactivate_app(actor=request.user, app=app))


@router.post("/apps/{int:app_id}/oauth-client", response={201: OAuthClientOut, **ERRORS})
def create_oauth_client(request: HttpRequest, app_id: int) -> Any:
    """A client-credentials OAuth client for the application; the secret is shown only
    now."""
    app = services.app_for_user(request.user, app_id)
    client_id, secret = services.create_oauth_client(actor=request.user, app=app)
    return Status(201, {"client_id": client_id, "client_secret": secret})


# --- error reports and quality ------------------------------------------------------------------


@router.post("/reports", response={201: ReportOut, **ERRORS})
def report_error(request: HttpRequest, payload: ReportIn) -> Any:
    _staff(request)
    resource = services.resource_for_user(request.user, payload.resource_code)
    report = services.report_error(
        actor=request.user,
        resource=resource,
        record_key=payload.record_key,
        field_name=payload.field_name,
        description=payload.description,
    )
    return Status(201, _report_out(report))


@router.get("/reports", response={200: list[ReportOut], **ERRORS})
def list_reports(request: HttpRequest, status: str = "") -> Any:
    _staff(request)
    rows = services.reports_for_user(request.user)
    if status:
        rows = rows.filter(status=status)
    return [_report_out(r) for r in rows[:500]]


@router.post("/reports/{int:report_id}/resolve", response={200: ReportOut, **ERRORS})
def resolve_report(request: HttpRequest, report_id: int, payload: ResolveIn) -> Any:
    report = services.report_for_user(request.user, report_id)
    report = services.resolve_report(
        actor=request.user,
        report=report,
        corrected=payload.corrected,
        resolution=payload.resolution,
    )
    return _report_out(report)


@router.get("/quality", response={200: QualityOut, **ERRORS})
def quality(request: HttpRequest, department: str = "") -> Any:
    """A department's data quality figures, for those with ``exchange.view`` there; without
    ``department``: the whole node for region-wide roles, else the caller's department."""
    _staff(request)
    if department:
        target = services.department_by_code(department)
        if target is None or not can(request.user, permissions.VIEW, department=target):
            raise _not_found()
        return services.quality(department)
    if scope_for(request.user, permissions.VIEW).region_codes:
        return services.quality(None)
    return services.quality(services.acting_department(request.user, permissions.VIEW).code)


# --- subscriptions ------------------------------------------------------------------------------


@router.get("/subscriptions", response={200: list[SubscriptionOut], **ERRORS})
def list_subscriptions(request: HttpRequest) -> Any:
    _staff(request)
    return [_subscription_out(s) for s in services.subscriptions_of(request.user)[:500]]


@router.post("/subscriptions", response={201: SubscriptionOut, **ERRORS})
def subscribe(request: HttpRequest, payload: SubscriptionIn) -> Any:
    _staff(request)
    grant = services.grant_for_user(request.user, payload.grant_id)
    app = services.app_for_user(request.user, payload.app_id)
    subscription = services.subscribe(
        actor=request.user, grant=grant, app=app, callback_url=payload.callback_url
    )
    return Status(201, _subscription_out(subscription))


@router.post(
    "/subscriptions/{int:subscription_id}/cancel", response={200: SubscriptionOut, **ERRORS}
)
def cancel_subscription(request: HttpRequest, subscription_id: int) -> Any:
    subscription = services.subscription_for_user(request.user, subscription_id)
    subscription = services.cancel_subscription(actor=request.user, subscription=subscription)
    return _subscription_out(subscription)


def _denied() -> DomainError:
    return DomainError(KernelCode.PERMISSION_DENIED, _("您没有执行此操作的权限。"), status=403)


def _not_found() -> DomainError:
    return DomainError(KernelCode.NOT_FOUND, _("未找到该资源。"), status=404)
