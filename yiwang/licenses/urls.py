"""Pages of the licence module: the holder's (``me/licenses/``), the staff's
(``staff/licenses/``) and the public verification (``verify/license/``); the API lives in
api.py."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path

from yiwang.licenses import views, views_staff

holder_patterns: list[URLPattern] = [
    path("me/licenses/", views.wallet, name="wallet"),
    path("me/licenses/show/", views.show, name="show"),
    path("me/licenses/show/<int:grant_id>/", views.grant_page, name="grant"),
    path("me/licenses/<int:license_id>/", views.license_page, name="license"),
    path("me/licenses/<int:license_id>/pdf/", views.download, name="pdf"),
    path("verify/license/", views.verify, name="verify"),
]

staff_patterns: list[URLPattern] = [
    path("staff/licenses/", views_staff.home, name="home"),
    path("staff/licenses/types/", views_staff.types, name="types"),
    path("staff/licenses/types/new/", views_staff.type_new, name="type-new"),
    path("staff/licenses/types/<str:code>/", views_staff.type_detail, name="type"),
    path("staff/licenses/issue/", views_staff.issue_choose, name="issue-choose"),
    path("staff/licenses/issue/<str:code>/", views_staff.issue, name="issue"),
    path("staff/licenses/import/", views_staff.import_page, name="import"),
    path("staff/licenses/read/", views_staff.read, name="read"),
    path("staff/licenses/departments/", views_staff.departments, name="departments"),
    path(
        "staff/licenses/departments/<str:code>/revoke/",
        views_staff.department_revoke,
        name="department-revoke",
    ),
    path("staff/licenses/<int:license_id>/", views_staff.license_page, name="license"),
    path("staff/licenses/<int:license_id>/change/", views_staff.change, name="change"),
    path(
        "staff/licenses/<int:license_id>/do/<str:action>/",
        views_staff.license_action,
        name="action",
    ),
]

urlpatterns: list[URLResolver] = [
    path("", include((holder_patterns, "licenses"))),
    path("", include((staff_patterns, "licenses_staff"))),
]
