"""Case pages for the staff (see views_staff.py)."""

from django.urls import URLPattern

app_name = "cases_staff"

urlpatterns: list[URLPattern] = []
