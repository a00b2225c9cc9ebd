"""The centre's oversight pages: supervision (due-soon and overdue orders, 督办), callbacks to make
(回访), and analytics (volume, hot topics, 三率, map).

Placeholder views until the pages land; each answers 404."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern


def supervision(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def callbacks(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def analytics(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


#: Further routes of these pages (urls.py appends them).
extra_urlpatterns: list[URLPattern] = []
