"""Pages of life-event applications (一件事一次办, see views_bundles.py)."""

from django.urls import URLPattern, path

from yiwang.cases import views_bundles as views

app_name = "cases_bundles"

urlpatterns: list[URLPattern] = [
    path("life-events/<str:code>/apply/", views.start, name="start"),
    path("my-cases/life-events/<int:bundle_id>/", views.bundle, name="bundle"),
    path("my-cases/life-events/<int:bundle_id>/form/", views.form, name="form"),
    path("my-cases/life-events/<int:bundle_id>/materials/", views.materials, name="materials"),
    path(
        "my-cases/life-events/<int:bundle_id>/materials/<str:code>/",
        views.upload,
        name="upload",
    ),
    path(
        "my-cases/life-events/<int:bundle_id>/materials/<str:code>/licence/",
        views.use_licence,
        name="use-licence",
    ),
    path("my-cases/life-events/<int:bundle_id>/check/", views.check, name="check"),
    path("my-cases/life-events/<int:bundle_id>/submitted/", views.submitted, name="submitted"),
]
