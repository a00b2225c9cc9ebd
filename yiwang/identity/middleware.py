"""The server-side session gate, right after Django's AuthenticationMiddleware.

* A signed-in session must have a live AccountSession record: one that was ended (logout,
  "log out other devices", account disabled), idle longer than ``YIWANG_SESSION_IDLE`` or
  older than ``YIWANG_SESSION_MAX_AGE`` is logged out here, before any view runs.
* A staff session without a cryptographic factor (TOTP or passkey) gets nothing but the
  second-factor step: pages are sent there, the API answers ``second_factor_required``.
* Django's own admin login form (password only) is replaced by the staff login.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from yiwang.identity.errors import ErrorCode
from yiwang.identity.services.sessions import check_session, has_crypto_factor, session_factors

#: What a staff session still waiting for its second factor may reach.
SECOND_FACTOR_PATHS = (
    "/account/mfa/",
    "/account/logout/",
    "/staff/logout/",
    "/api/v1/identity/login/",
    "/api/v1/identity/logout",
    "/static/",
    "/i18n/",
    "/elder-mode/",
    "/healthz",
    "/readyz",
)


class AccountSessionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/admin/login/"):
            target = request.GET.get("next", "/admin/")
            return HttpResponseRedirect(
                f"{reverse('identity:staff-login')}?{urlencode({'next': target})}"
            )
        user: Any = request.user
        if "_auth_user_id" not in request.session or not user.is_authenticated:
            return self.get_response(request)
        record = check_session(request)
        if record is None or record.account_id != user.pk:
            logout(request)  # flushes the session: this request and the next are anonymous
            return self.get_response(request)
        if (
            user.is_staff
            and not has_crypto_factor(session_factors(request.session))
            and not request.path.startswith(SECOND_FACTOR_PATHS)
        ):
            return self._second_factor_required(request)
        return self.get_response(request)

    def _second_factor_required(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/"):
            return JsonResponse(
                {
                    "code": str(ErrorCode.SECOND_FACTOR_REQUIRED),
                    "message": _("工作人员需完成第二因素认证（动态口令或通行密钥）后才能继续。"),
                    "details": {},
                },
                status=403,
                json_dumps_params={"ensure_ascii": False},
            )
        return HttpResponseRedirect(
            f"{reverse('identity:mfa')}?{urlencode({'next': request.get_full_path()})}"
        )
