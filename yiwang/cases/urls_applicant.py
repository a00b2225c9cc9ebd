"""Case pages for the applicant (see views_applicant.py)."""

from django.urls import URLPattern

app_name = "cases_applicant"

urlpatterns: list[URLPattern] = []
