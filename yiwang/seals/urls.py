"""Seal pages: the staff's seal register under ``/staff/seals/``, public verification at
``/verify/seal``."""

from django.urls import path

from yiwang.seals import views

app_name = "seals"

urlpatterns = [
    path("staff/seals/", views.seal_list, name="list"),
    path("staff/seals/new/", views.seal_new, name="new"),
    path("staff/seals/<int:seal_id>/", views.seal_detail, name="detail"),
    path("staff/seals/<int:seal_id>/do/<str:action>/", views.seal_action, name="action"),
    path("staff/seals/<int:seal_id>/seal/", views.seal_document, name="seal"),
    path("verify/seal", views.verify, name="verify"),
]
