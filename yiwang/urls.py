"""Root URLs: pages, the API at /api/v1, health endpoints, the admin."""

from django.contrib import admin
from django.urls import include, path

from yiwang.api import api
from yiwang.kernel import views as kernel_views

urlpatterns = [
    path("healthz", kernel_views.healthz, name="healthz"),
    path("readyz", kernel_views.readyz, name="readyz"),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("yiwang.identity.urls")),
    path("", include("yiwang.identity.urls_oidc")),  # /.well-known/openid-configuration, /oidc/
    path("", include("yiwang.catalog.urls")),
    path("", include("yiwang.cases.urls")),
    path("", include("yiwang.seals.urls")),
    path("", include("yiwang.licenses.urls")),
    path("", include("yiwang.exchange.urls")),
    path("", include("yiwang.opendata.urls")),
    path("", include("yiwang.hotline.urls")),
    path("", include("yiwang.portal.urls")),
]
