"""Citizens' pages: submit a request, my requests (track, rate, reopen) and the public knowledge
search.

Placeholder views until the pages land; each answers 404."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern


def citizen_home(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def citizen_new(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def citizen_orders(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def citizen_order(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def public_knowledge(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def public_article(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


#: Further routes of these pages (urls.py appends them).
extra_urlpatterns: list[URLPattern] = []
