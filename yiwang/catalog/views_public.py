"""Public catalogue pages (being written)."""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse


def _todo(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise Http404


browse = search = guide = guide_pdf = life_event = life_event_pdf = _todo
