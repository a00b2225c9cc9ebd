"""The centre's agent desk (话务员): desk, phone intake with caller look-up, knowledge search and
answering a consultation from it, reviewing send-backs and deciding extensions.

Placeholder views until the pages land; each answers 404."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern


def desk(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def intake(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def knowledge(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def knowledge_article(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def send_back_review(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


def extension_decide(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    raise Http404


#: Further routes of these pages (urls.py appends them).
extra_urlpatterns: list[URLPattern] = []
