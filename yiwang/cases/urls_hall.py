"""The window's pages: applying for a citizen at the hall, and the result's hand-out (see
views_hall.py)."""

from django.urls import URLPattern, path

from yiwang.cases import views_hall as views

app_name = "cases_hall"

urlpatterns: list[URLPattern] = [
    path("staff/cases/hall/", views.start, name="start"),
    path("staff/cases/hall/service/", views.service, name="service"),
    path("staff/cases/hall/begin/", views.begin, name="begin"),
    path("staff/cases/hall/<int:case_id>/form/", views.form, name="form"),
    path("staff/cases/hall/<int:case_id>/materials/", views.materials, name="materials"),
    path("staff/cases/hall/<int:case_id>/materials/<str:code>/", views.upload, name="upload"),
    path(
        "staff/cases/hall/<int:case_id>/materials/<str:code>/licence/",
        views.use_licence,
        name="use-licence",
    ),
    path("staff/cases/hall/<int:case_id>/check/", views.check, name="check"),
    path("staff/cases/hall/<int:case_id>/submitted/", views.submitted, name="submitted"),
    path("staff/cases/<int:case_id>/result/", views.result, name="result"),
]
