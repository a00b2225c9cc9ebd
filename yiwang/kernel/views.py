"""Health endpoints for load balancers and operators."""

from __future__ import annotations

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from yiwang import __version__
from yiwang.kernel.errors import CSRF_MESSAGE, ErrorCode


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is up (no dependency is touched)."""
    return JsonResponse({"status": "ok", "version": __version__})


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """The process can serve: the database answers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return JsonResponse(
            {"status": "unavailable", "checks": {"database": f"error: {type(exc).__name__}"}},
            status=503,
        )
    return JsonResponse({"status": "ok", "checks": {"database": "ok"}})


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF refusals: the error envelope under /api/, a page elsewhere."""
    message = CSRF_MESSAGE
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"code": str(ErrorCode.CSRF_FAILED), "message": str(message), "details": {}},
            status=403,
            json_dumps_params={"ensure_ascii": False},
        )
    return render(request, "403.html", {"message": message}, status=403)
