"""Staff catalogue pages (being written)."""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse


def _todo(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    raise Http404


implementation_list = implementation_new = implementation_detail = version_edit = _todo
version_action = review_queue = consistency = _todo
