"""Case pages for the staff: the workbench (see views_staff.py)."""

from django.urls import path

from yiwang.cases import views_staff

app_name = "cases_staff"

urlpatterns = [
    path("staff/cases/", views_staff.workbench, name="workbench"),
    path("staff/cases/queue/<str:name>/", views_staff.workbench, name="queue"),
    path("staff/cases/search/", views_staff.search, name="search"),
    path("staff/cases/<int:case_id>/", views_staff.case_detail, name="case"),
    path("staff/cases/<int:case_id>/do/<str:action>/", views_staff.case_action, name="action"),
    path(
        "staff/cases/<int:case_id>/materials/<str:code>/",
        views_staff.material_file,
        name="material",
    ),
    path(
        "staff/cases/<int:case_id>/documents/<str:kind>/",
        views_staff.document_file,
        name="document",
    ),
]
