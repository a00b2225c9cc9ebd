"""Open311 GeoReport v2 endpoints at ``/open311/v2/`` (plain Django views, JSON and XML).

* ``GET services.{json,xml}``: the active leaf topics as services;
* ``GET services/{code}.{json,xml}``: a service definition (no attributes);
* ``GET requests.{json,xml}``: requests, filtered (see :func:`open311.find_requests`);
* ``POST requests.{json,xml}``: file a request with an ``api_key`` (form-encoded);
* ``GET requests/{id}.{json,xml}``: one request.

Every refusal answers in GeoReport's error format with the matching HTTP status.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from xml.etree import ElementTree as ET

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from yiwang.hotline import open311
from yiwang.hotline.open311 import Open311Error

JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "text/xml; charset=utf-8"


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _xml(root: str, item: str, rows: list[dict[str, Any]]) -> bytes:
    top = ET.Element(root)
    for row in rows:
        element = ET.SubElement(top, item) if item else top
        for key, value in row.items():
            child = ET.SubElement(element, key)
            if isinstance(value, list):
                continue  # the (always empty) attributes of a service definition
            child.text = _text(value)
    declaration = '<?xml version="1.0" encoding="UTF-8"?>\n'
    return (declaration + ET.tostring(top, encoding="unicode")).encode("utf-8")


def _answer(
    fmt: str, root: str, item: str, payload: list[dict[str, Any]] | dict[str, Any], status: int
) -> HttpResponse:
    if fmt == "xml":
        rows = payload if isinstance(payload, list) else [payload]
        return HttpResponse(_xml(root, item, rows), status=status, content_type=XML_TYPE)
    body = json.dumps(payload, ensure_ascii=False)
    return HttpResponse(body.encode(), status=status, content_type=JSON_TYPE)


def _error(fmt: str, error: Open311Error) -> HttpResponse:
    rows = [{"code": error.status, "description": error.description}]
    return _answer(fmt, "errors", "error", rows, error.status)


def _open311(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Turn Open311Error into GeoReport's error format; refuse other methods with 405."""

    def wrapper(request: HttpRequest, *args: Any, fmt: str, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, fmt=fmt, **kwargs)
        except Open311Error as error:
            return _error(fmt, error)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


def _method(request: HttpRequest, *allowed: str) -> None:
    if request.method not in allowed:
        raise Open311Error(405, _("不支持该请求方法。"))


@_open311
def services(request: HttpRequest, *, fmt: str) -> HttpResponse:
    _method(request, "GET", "HEAD")
    rows = [open311.service_dict(t) for t in open311.services()]
    return _answer(fmt, "services", "service", rows, 200)


@_open311
def service_definition(request: HttpRequest, *, code: str, fmt: str) -> HttpResponse:
    _method(request, "GET", "HEAD")
    definition = open311.service_definition(open311.service(code))
    return _answer(fmt, "service_definition", "", definition, 200)


@csrf_exempt
@_open311
def requests(request: HttpRequest, *, fmt: str) -> HttpResponse:
    _method(request, "GET", "HEAD", "POST")
    if request.method == "POST":
        order = open311.submit_request(api_key=request.POST.get("api_key"), data=request.POST)
        return _answer(fmt, "service_requests", "request", [open311.created_dict(order)], 201)
    rows = [open311.request_dict(o) for o in open311.find_requests(request.GET)]
    return _answer(fmt, "service_requests", "request", rows, 200)


@_open311
def request_detail(request: HttpRequest, *, number: str, fmt: str) -> HttpResponse:
    _method(request, "GET", "HEAD")
    rows = [open311.request_dict(open311.find_request(number))]
    return _answer(fmt, "service_requests", "request", rows, 200)


@csrf_exempt
def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Anything else under /open311/v2/: a GeoReport 404 (XML when the path asks for it)."""
    fmt = "xml" if rest.endswith(".xml") else "json"
    return _error(fmt, Open311Error(404, _("未找到该资源。")))
