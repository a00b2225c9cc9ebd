"""The one API: ``/api/v1``. Mounts each module's router and turns every refusal into the one
error envelope ``{"code", "message", "details"}``."""

from __future__ import annotations

import logging
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI, renderers
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import django_auth

from yiwang.identity.api import router as identity_router
from yiwang.kernel.api import router as kernel_router
from yiwang.kernel.context import current as current_context
from yiwang.kernel.errors import CSRF_MESSAGE, DomainError, ErrorCode, status_envelope

log = logging.getLogger(__name__)


class JSONRenderer(renderers.JSONRenderer):
    """UTF-8 JSON with Chinese characters as they are, not as \\u escapes."""

    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    title="Yiwang API",
    version="1",
    description="一网 digital-government platform. Every error answers with "
    '`{"code", "message", "details"}`; messages follow Accept-Language (zh-hans, en).',
    auth=django_auth,
    urls_namespace="api",
    renderer=JSONRenderer(),
)

api.add_router("/kernel/", kernel_router)
api.add_router("/identity/", identity_router)
api.add_router("/catalog/", "yiwang.catalog.api.router")
api.add_router("/cases/", "yiwang.cases.api.router")
api.add_router("/seals/", "yiwang.seals.api.router")
api.add_router("/licenses/", "yiwang.licenses.api.router")
api.add_router("/exchange/", "yiwang.exchange.api.router")
api.add_router("/exchange/nodes/", "yiwang.exchange.api_nodes.router")
api.add_router("/exchange/data/", "yiwang.exchange.api_gateway.router")
api.add_router("/hotline/", "yiwang.hotline.api.router")
api.add_router("/hotline/knowledge/", "yiwang.hotline.api_knowledge.router")


def envelope(
    request: HttpRequest,
    status: int,
    code: str,
    message: Any,
    details: dict[str, Any] | None = None,
) -> HttpResponse:
    return api.create_response(
        request,
        {"code": code, "message": str(message), "details": details or {}},
        status=status,
    )


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return envelope(request, exc.status, str(exc.code), exc.message, exc.details)


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [
        {
            "field": ".".join(str(p) for p in e.get("loc", ())[1:]) or None,
            "type": e.get("type"),
            "message": e.get("msg"),
        }
        for e in exc.errors
    ]
    return envelope(
        request,
        422,
        ErrorCode.VALIDATION_ERROR,
        _("提交的数据有误,请检查后重试。"),
        {"errors": errors},
    )


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return envelope(request, 401, ErrorCode.NOT_AUTHENTICATED, _("请先登录。"))


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return envelope(request, 404, ErrorCode.NOT_FOUND, _("未找到该资源。"))


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 403 and "CSRF" in str(exc):  # django-ninja's session-auth refusal
        return envelope(request, 403, ErrorCode.CSRF_FAILED, CSRF_MESSAGE)
    code, message = status_envelope(exc.status_code)
    return envelope(request, exc.status_code, code, message)


@api.exception_handler(Exception)
def on_unexpected_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    """A bug must not leak a traceback; the operator finds it in the log by request id."""
    request_id = current_context().request_id
    log.exception("unhandled error in %s %s (request %s)", request.method, request.path, request_id)
    return envelope(
        request,
        500,
        ErrorCode.INTERNAL_ERROR,
        _("系统出现错误,请稍后再试。如果问题持续,请向管理员提供请求编号。"),
        {"request_id": request_id},
    )
