"""Exchange pages for staff under ``/staff/exchange/`` (see views.py). A resource code may
contain ``/``, so the routes with a suffix after the code come before the plain one."""

from __future__ import annotations

from django.urls import path

from yiwang.exchange import views, views_quality, views_sharing

app_name = "exchange"

urlpatterns = [
    path("staff/exchange/", views.catalogue, name="catalogue"),
    path(
        "staff/exchange/export.<str:fmt>",
        views.catalogue_export,
        name="export",
    ),
    path("staff/exchange/resources/new/", views.resource_new, name="resource-new"),
    path("staff/exchange/resources/<path:code>/edit/", views.resource_edit, name="resource-edit"),
    path(
        "staff/exchange/resources/<path:code>/do/<str:action>/",
        views.resource_action,
        name="resource-action",
    ),
    path(
        "staff/exchange/resources/<path:code>/request/",
        views_sharing.request_new,
        name="request-new",
    ),
    path(
        "staff/exchange/resources/<path:code>/report/",
        views_quality.report_new,
        name="report-new",
    ),
    path("staff/exchange/resources/<path:code>/", views.resource_detail, name="resource"),
    path("staff/exchange/requests/", views_sharing.my_requests, name="requests"),
    path("staff/exchange/requests/queue/", views_sharing.queue, name="queue"),
    path(
        "staff/exchange/requests/<int:request_id>/",
        views_sharing.request_detail,
        name="request",
    ),
    path(
        "staff/exchange/requests/<int:request_id>/do/<str:action>/",
        views_sharing.request_action,
        name="request-action",
    ),
    path("staff/exchange/grants/", views_sharing.grants, name="grants"),
    path(
        "staff/exchange/grants/<int:grant_id>/revoke/",
        views_sharing.grant_revoke,
        name="grant-revoke",
    ),
    path(
        "staff/exchange/grants/<int:grant_id>/download/",
        views_sharing.grant_download,
        name="grant-download",
    ),
    path(
        "staff/exchange/grants/<int:grant_id>/subscribe/",
        views_sharing.subscribe,
        name="subscribe",
    ),
    path("staff/exchange/subscriptions/", views_sharing.subscriptions, name="subscriptions"),
    path(
        "staff/exchange/subscriptions/<int:subscription_id>/cancel/",
        views_sharing.subscription_cancel,
        name="subscription-cancel",
    ),
    path("staff/exchange/apps/", views_sharing.apps, name="apps"),
    path(
        "staff/exchange/apps/<int:app_id>/do/<str:action>/",
        views_sharing.app_action,
        name="app-action",
    ),
    path("staff/exchange/calls/", views_quality.calls, name="calls"),
    path("staff/exchange/calls/verify/", views_quality.calls_verify, name="calls-verify"),
    path("staff/exchange/calls/export.jsonl", views_quality.calls_export, name="calls-export"),
    path("staff/exchange/quality/", views_quality.quality, name="quality"),
    path("staff/exchange/reports/<int:report_id>/", views_quality.report_detail, name="report"),
]
