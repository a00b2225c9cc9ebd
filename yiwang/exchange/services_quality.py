"""Data quality and subscriptions: consumers' error reports (纠错) routed to the provider with
a deadline in working days, the quality figures of a department, and subscriptions to a
resource's changes."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlsplit

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.exchange import permissions
from yiwang.exchange.errors import ErrorCode
from yiwang.exchange.models import (
    CallLogEntry,
    ConsumerApp,
    DataResource,
    ErrorReport,
    ReportStatus,
    ResourceStatus,
    ShareGrant,
    ShareMethod,
    Subscription,
)
from yiwang.exchange.services_catalog import mount_counts
from yiwang.exchange.services_common import (
    acting_department,
    error,
    invalid,
    not_found,
    reason_of,
    report_days,
    require,
    scoped,
    today,
    user_or_none,
    working_days_from_today,
)
from yiwang.exchange.services_sharing import active_grant_for, grant_state
from yiwang.kernel import audit, events
from yiwang.kernel.errors import DomainError
from yiwang.kernel.fields import SensitiveKind, mask

# --- error reports (纠错) -----------------------------------------------------------------------


def _record_key(resource: DataResource, record_key: str) -> str:
    """The record key as kept: masked when the resource's key field is personal data."""
    mount = getattr(resource, "mount", None)
    key_field = mount.key_field if mount is not None else ""
    personal = key_field and resource.fields.filter(name=key_field, personal=True).exists()
    if not personal:
        return record_key
    kind = SensitiveKind.ID_NUMBER if key_field == "id_number" else SensitiveKind.TEXT
    return mask(record_key, kind)


@audit.refusals_recorded("exchange.report")
@transaction.atomic
def report_error(
    *,
    actor: Any,
    resource: DataResource,
    record_key: str,
    field_name: str,
    description: str,
) -> ErrorReport:
    """A consumer holding an active grant reports a wrong value; the provider must answer in
    ``YIWANG_EXCHANGE_REPORT_DAYS`` working days (5 by default)."""
    reporter = acting_department(actor, permissions.REQUEST)
    resource = DataResource.objects.select_related("provider").get(pk=resource.pk)
    if active_grant_for(reporter.code, resource.code) is None:
        raise DomainError(
            ErrorCode.NO_GRANT, _("本部门没有该资源的有效授权,不能纠错。"), status=403
        )
    record_key, field_name = (record_key or "").strip(), (field_name or "").strip()
    description = (description or "").strip()
    errors = []
    if not record_key or len(record_key) > 100:
        errors.append(error("record_key", "required", _("请填写记录标识(不超过100字符)。")))
    if not resource.fields.filter(name=field_name).exists():
        errors.append(
            error("field_name", "unknown", _("资源中没有信息项“%(name)s”。") % {"name": field_name})
        )
    if not description:
        errors.append(error("description", "required", _("请描述数据问题。")))
    if errors:
        raise invalid(ErrorCode.REQUEST_INVALID, errors)
    report = ErrorReport.objects.create(
        resource=resource,
        reporter=reporter,
        record_key=_record_key(resource, record_key),
        field_name=field_name,
        description=description,
        due_on=working_days_from_today(report_days()),
        reported_by=user_or_none(actor),
    )
    audit.record(
        "exchange.report_created",
        actor=actor,
        target=report,
        details={"resource": resource.code, "field": field_name, "due_on": report.due_on},
    )
    events.emit(
        "exchange.report_created",
        {"report_id": report.pk, "resource": resource.code, "provider": resource.provider.code},
    )
    return report


@audit.refusals_recorded("exchange.report_resolve")
@transaction.atomic
def resolve_report(
    *, actor: Any, report: ErrorReport, corrected: bool, resolution: str
) -> ErrorReport:
    """The provider answers a report: corrected, or not (with the reason why)."""
    resolution = reason_of(resolution, "resolution")
    report = (
        ErrorReport.objects.select_for_update()
        .select_related("resource__provider", "reporter")
        .get(pk=report.pk)
    )
    require(actor, permissions.APPROVE, report.resource.provider)
    if report.status != ReportStatus.OPEN:
        raise DomainError(ErrorCode.STATUS_TRANSITION, _("该纠错已处理。"), status=409)
    report.status = ReportStatus.CORRECTED if corrected else ReportStatus.REJECTED
    report.resolution = resolution
    report.resolved_by = user_or_none(actor)
    report.resolved_at = timezone.now()
    report.save(update_fields=["status", "resolution", "resolved_by", "resolved_at"])
    audit.record(
        "exchange.report_resolved",
        actor=actor,
        target=report,
        details={
            "resource": report.resource.code,
            "status": report.status,
            "late": today() > report.due_on,
        },
    )
    events.emit(
        "exchange.report_resolved",
        {
            "report_id": report.pk,
            "resource": report.resource.code,
            "reporter": report.reporter.code,
            "status": report.status,
        },
    )
    return report


def overdue_reports(on: dt.date | None = None) -> QuerySet[ErrorReport]:
    return (
        ErrorReport.objects.select_related("resource__provider", "reporter")
        .filter(status=ReportStatus.OPEN, due_on__lt=on or today())
        .order_by("due_on", "id")
    )


def reports_for_user(user: Any) -> QuerySet[ErrorReport]:
    """Reports the user's departments made (as consumer) or must answer (as provider)."""
    made = scoped(user, permissions.REQUEST, "reporter_id", "reporter__region__code")
    owed = scoped(
        user, permissions.APPROVE, "resource__provider_id", "resource__provider__region__code"
    )
    return ErrorReport.objects.select_related("resource__provider", "reporter").filter(made | owed)


def report_for_user(user: Any, report_id: int) -> ErrorReport:
    found: ErrorReport | None = reports_for_user(user).filter(pk=report_id).first()
    if found is None:
        raise not_found()
    return found


# --- the quality dashboard --------------------------------------------------------------------


def quality(department_code: str | None = None) -> dict[str, Any]:
    """A provider department's figures (all departments when None): resources, published,
    mounted, mount rate, fresh, freshness rate, open and overdue error reports, and gateway
    calls on its resources in the last 30 days."""
    resources = DataResource.objects.filter(origin_node="")
    reports = ErrorReport.objects.filter(status=ReportStatus.OPEN)
    if department_code:
        resources = resources.filter(provider__code=department_code)
        reports = reports.filter(resource__provider__code=department_code)
    published, mounted, fresh = mount_counts(department_code)
    codes = list(resources.values_list("code", flat=True))
    since = timezone.now() - dt.timedelta(days=30)
    calls = CallLogEntry.objects.filter(at__gte=since)
    if department_code:
        calls = calls.filter(resource_code__in=codes)
    return {
        "department_code": department_code,
        "resources": len(codes),
        "published": published,
        "mounted": mounted,
        "mount_rate": round(mounted / published, 4) if published else 0.0,
        "fresh": fresh,
        "freshness_rate": round(fresh / mounted, 4) if mounted else 0.0,
        "open_reports": reports.count(),
        "overdue_reports": reports.filter(due_on__lt=today()).count(),
        "calls_30d": calls.count(),
    }


# --- subscriptions ----------------------------------------------------------------------------


@audit.refusals_recorded("exchange.subscribe")
@transaction.atomic
def subscribe(
    *, actor: Any, grant: ShareGrant, app: ConsumerApp, callback_url: str = ""
) -> Subscription:
    """The consumer's application follows the granted resource's changes (instead of
    polling); with a callback URL each change is also posted there."""
    grant = ShareGrant.objects.select_related("resource", "consumer").get(pk=grant.pk)
    require(actor, permissions.REQUEST, grant.consumer)
    errors = []
    if app.department_id != grant.consumer_id or not app.is_active:
        errors.append(error("app", "not_yours", _("请选择本部门的有效应用。")))
    if grant_state(grant) != "active":
        raise DomainError(ErrorCode.NO_GRANT, _("授权已失效,不能订阅。"), status=409)
    if ShareMethod.SUBSCRIPTION not in grant.resource.share_methods:
        errors.append(error("grant", "method", _("该资源不提供订阅方式共享。")))
    callback_url = (callback_url or "").strip()
    parts = urlsplit(callback_url)
    if callback_url and (parts.scheme not in ("http", "https") or not parts.netloc):
        errors.append(error("callback_url", "format", _("回调地址须为 http 或 https 网址。")))
    if errors:
        raise invalid(ErrorCode.REQUEST_INVALID, errors)
    existing: Subscription | None = Subscription.objects.filter(
        grant=grant, app=app, cancelled_at__isnull=True
    ).first()
    if existing is not None:
        if existing.callback_url != callback_url:
            existing.callback_url = callback_url
            existing.save(update_fields=["callback_url"])
        return existing
    subscription = Subscription.objects.create(grant=grant, app=app, callback_url=callback_url)
    audit.record(
        "exchange.subscribed",
        actor=actor,
        target=subscription,
        details={"resource": grant.resource.code, "app": app.pk, "callback": bool(callback_url)},
    )
    return subscription


@audit.refusals_recorded("exchange.unsubscribe")
@transaction.atomic
def cancel_subscription(*, actor: Any, subscription: Subscription) -> Subscription:
    subscription = Subscription.objects.select_related("grant__consumer", "grant__resource").get(
        pk=subscription.pk
    )
    require(actor, permissions.REQUEST, subscription.grant.consumer)
    if subscription.cancelled_at is None:
        subscription.cancelled_at = timezone.now()
        subscription.save(update_fields=["cancelled_at"])
        audit.record(
            "exchange.unsubscribed",
            actor=actor,
            target=subscription,
            details={"resource": subscription.grant.resource.code},
        )
    return subscription


def subscriptions_of(user: Any) -> QuerySet[Subscription]:
    return Subscription.objects.select_related("grant__resource", "app").filter(
        scoped(user, permissions.REQUEST, "grant__consumer_id", "grant__consumer__region__code")
    )


def subscription_for_user(user: Any, subscription_id: int) -> Subscription:
    found: Subscription | None = subscriptions_of(user).filter(pk=subscription_id).first()
    if found is None:
        raise not_found()
    return found


def active_subscriptions(resource_code: str) -> QuerySet[Subscription]:
    """Live subscriptions of a resource whose grant is still active."""
    now = timezone.now()
    return (
        Subscription.objects.select_related("grant", "app")
        .filter(
            cancelled_at__isnull=True,
            app__is_active=True,
            grant__resource__code=resource_code,
            grant__revoked_at__isnull=True,
            grant__resource__status=ResourceStatus.PUBLISHED,
        )
        .exclude(grant__expires_at__lte=now)
    )
