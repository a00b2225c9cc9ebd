"""The hotline's URLs: staff pages under ``/staff/hotline/``, citizens' pages under
``/hotline/``, and Open311 GeoReport v2 at ``/open311/v2/``."""

from django.urls import path, re_path

from yiwang.hotline import (
    views_agent,
    views_centre,
    views_citizen,
    views_grid,
    views_knowledge,
    views_open311,
    views_orders,
)

app_name = "hotline"

staff = [
    path("staff/hotline/", views_agent.desk, name="desk"),
    path("staff/hotline/intake/", views_agent.intake, name="intake"),
    path("staff/hotline/knowledge/", views_agent.knowledge, name="knowledge"),
    path(
        "staff/hotline/knowledge/<int:article_id>/",
        views_agent.knowledge_article,
        name="knowledge-article",
    ),
    path(
        "staff/hotline/send-backs/<int:send_back_id>/",
        views_agent.send_back_review,
        name="send-back-review",
    ),
    path(
        "staff/hotline/extensions/<int:extension_id>/",
        views_agent.extension_decide,
        name="extension-decide",
    ),
    path("staff/hotline/orders/", views_orders.queue, name="queue"),
    path("staff/hotline/orders/<int:order_id>/", views_orders.order_detail, name="order"),
    path(
        "staff/hotline/orders/<int:order_id>/do/<str:action>/",
        views_orders.order_action,
        name="order-action",
    ),
    path("staff/hotline/supervision/", views_centre.supervision, name="supervision"),
    path("staff/hotline/callbacks/", views_centre.callbacks, name="callbacks"),
    path("staff/hotline/analytics/", views_centre.analytics, name="analytics"),
]

citizen = [
    path("hotline/", views_citizen.citizen_home, name="citizen-home"),
    path("hotline/new/", views_citizen.citizen_new, name="citizen-new"),
    path("hotline/mine/", views_citizen.citizen_orders, name="citizen-orders"),
    path("hotline/mine/<int:order_id>/", views_citizen.citizen_order, name="citizen-order"),
    path("hotline/knowledge/", views_citizen.public_knowledge, name="public-knowledge"),
    path(
        "hotline/knowledge/<int:article_id>/",
        views_citizen.public_article,
        name="public-article",
    ),
]

open311 = [
    re_path(
        r"^open311/v2/services\.(?P<fmt>json|xml)$",
        views_open311.services,
        name="open311_services",
    ),
    re_path(
        r"^open311/v2/services/(?P<code>[^/]+)\.(?P<fmt>json|xml)$",
        views_open311.service_definition,
        name="open311_service",
    ),
    re_path(
        r"^open311/v2/requests\.(?P<fmt>json|xml)$",
        views_open311.requests,
        name="open311_requests",
    ),
    re_path(
        r"^open311/v2/requests/(?P<number>[^/]+)\.(?P<fmt>json|xml)$",
        views_open311.request_detail,
        name="open311_request",
    ),
    path("open311/v2/<path:rest>", views_open311.not_found, name="open311_not_found"),
]

urlpatterns = [
    *views_knowledge.urlpatterns,
    *staff,
    *views_agent.extra_urlpatterns,
    *views_orders.extra_urlpatterns,
    *views_centre.extra_urlpatterns,
    *views_citizen.extra_urlpatterns,
    *views_grid.urlpatterns,
    *citizen,
    *open311,
]
