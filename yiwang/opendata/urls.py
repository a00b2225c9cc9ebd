"""The open-data portal's URLs: the CKAN-compatible Action API and file downloads."""

from django.urls import path

from yiwang.opendata import views, views_datastore, views_dcat, views_preview, views_publisher
from yiwang.opendata.views_api import action_view, openapi_view, resource_download

app_name = "opendata"

urlpatterns = [
    path("opendata/api/3/action/<str:name>", action_view, name="action"),
    path("opendata/api/action/<str:name>", action_view, name="action_unversioned"),
    path("opendata/api/3/openapi.json", openapi_view, name="openapi"),
    path(
        "opendata/dataset/<uuid:dataset_id>/resource/<uuid:resource_id>/download/<str:filename>",
        resource_download,
        name="resource_download",
    ),
    # CKAN's filtered dump of a data-store table (filters as JSON, q, sort), as CSV
    path(
        "opendata/datastore/dump/<str:resource_id>",
        views_datastore.download_filtered,
        name="datastore_dump",
    ),
    path("opendata/catalog", views_dcat.catalog, name="dcat_catalog"),
    path("opendata/catalog.jsonld", views_dcat.catalog_jsonld, name="dcat_catalog_jsonld"),
    path("opendata/catalog.ttl", views_dcat.catalog_turtle, name="dcat_catalog_ttl"),
    # --- pages (public) ---
    path("opendata/", views.home, name="home"),
    path("opendata/search/", views.search_page, name="search"),
    path("opendata/dataset/<str:name>/", views.dataset_page, name="dataset"),
    path("opendata/dataset/<str:name>/rate/", views.rate, name="rate"),
    path("opendata/dataset/<str:name>/comment/", views.comment, name="comment"),
    path("opendata/dataset/<str:name>/apply/", views.apply, name="apply"),
    path(
        "opendata/dataset/<str:name>/resource/<uuid:resource_id>/",
        views_preview.preview,
        name="preview",
    ),
    path(
        "opendata/dataset/<str:name>/resource/<uuid:resource_id>/csv/",
        views_preview.download_csv,
        name="preview-csv",
    ),
    path("opendata/organization/", views.organisations, name="organisations"),
    path("opendata/organization/<str:name>/", views.organisation, name="organisation"),
    path("opendata/requests/", views.requests_list, name="requests"),
    path("opendata/requests/new/", views.request_new, name="request-new"),
    path("opendata/requests/mine/", views.my_requests, name="my-requests"),
    path("opendata/applications/mine/", views.my_applications, name="my-applications"),
    # --- pages (publishers) ---
    path("staff/opendata/", views_publisher.datasets, name="staff"),
    path("staff/opendata/new/", views_publisher.dataset_new, name="staff-dataset-new"),
    path(
        "staff/opendata/dataset/<str:name>/",
        views_publisher.dataset_edit,
        name="staff-dataset-edit",
    ),
    path(
        "staff/opendata/dataset/<str:name>/delete/",
        views_publisher.dataset_delete,
        name="staff-dataset-delete",
    ),
    path(
        "staff/opendata/dataset/<str:name>/resource/new/",
        views_publisher.resource_new,
        name="staff-resource-new",
    ),
    path(
        "staff/opendata/dataset/<str:name>/resource/<uuid:resource_id>/",
        views_publisher.resource_report,
        name="staff-resource",
    ),
    path("staff/opendata/requests/", views_publisher.requests_queue, name="staff-requests"),
    path(
        "staff/opendata/requests/<int:pk>/",
        views_publisher.request_answer,
        name="staff-request",
    ),
    path(
        "staff/opendata/applications/",
        views_publisher.applications_queue,
        name="staff-applications",
    ),
    path(
        "staff/opendata/applications/<int:pk>/",
        views_publisher.application_decide,
        name="staff-application",
    ),
]
