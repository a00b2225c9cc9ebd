"""Case pages for the applicant (see views_applicant.py)."""

from django.urls import URLPattern, path

from yiwang.cases import views_applicant as views

app_name = "cases_applicant"

urlpatterns: list[URLPattern] = [
    path("apply/<str:code>/", views.start, name="start"),
    path("my-cases/", views.my_cases, name="my-cases"),
    path("my-cases/<int:case_id>/", views.case_page, name="case"),
    path("my-cases/<int:case_id>/form/", views.form, name="form"),
    path("my-cases/<int:case_id>/materials/", views.materials, name="materials"),
    path("my-cases/<int:case_id>/materials/<str:code>/", views.upload, name="upload"),
    path(
        "my-cases/<int:case_id>/materials/<str:code>/licence/",
        views.use_licence,
        name="use-licence",
    ),
    path("my-cases/<int:case_id>/check/", views.check, name="check"),
    path("my-cases/<int:case_id>/submitted/", views.submitted, name="submitted"),
    path("my-cases/<int:case_id>/resubmit/", views.resubmit, name="resubmit"),
    path("my-cases/<int:case_id>/delivery/", views.choose_delivery, name="delivery"),
]
