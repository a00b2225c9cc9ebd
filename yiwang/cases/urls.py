"""Case pages: the applicant's (apply, my cases) and the staff workbench."""

from django.urls import include, path

urlpatterns = [
    path("", include("yiwang.cases.urls_applicant")),
    path("", include("yiwang.cases.urls_staff")),
    path("", include("yiwang.cases.urls_bundles")),
    path("", include("yiwang.cases.urls_hall")),
]
