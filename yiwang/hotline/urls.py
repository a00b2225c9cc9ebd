"""The hotline's URLs: Open311 GeoReport v2 at ``/open311/v2/`` (other pages append here)."""

from django.urls import path, re_path

from yiwang.hotline import views_open311

app_name = "hotline"

urlpatterns = [
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
