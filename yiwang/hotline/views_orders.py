"""Work-order pages for the centre and the departments: the queue, the order page with its
timeline, and every action on one order (dispatch, sign for, send back, extension, reply,
complete, supervise, merge, callback).

Placeholder views until the pages land; each answers 404."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern


def queue(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def order_detail(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def order_action(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


#: Further routes of these pages (urls.py appends them).
extra_urlpatterns: list[URLPattern] = []
