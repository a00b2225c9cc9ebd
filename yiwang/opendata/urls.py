"""The open-data portal's URLs: the CKAN-compatible Action API and file downloads."""

from django.urls import path

from yiwang.opendata import views_dcat
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
    path("opendata/catalog", views_dcat.catalog, name="dcat_catalog"),
    path("opendata/catalog.jsonld", views_dcat.catalog_jsonld, name="dcat_catalog_jsonld"),
    path("opendata/catalog.ttl", views_dcat.catalog_turtle, name="dcat_catalog_ttl"),
]
