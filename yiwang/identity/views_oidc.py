"""The OpenID Connect provider's endpoints: DOT's views with our consent page, our login
page, audit rows for every refusal, and RP-initiated logout that ends the platform session."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any
from urllib.parse import unquote_plus

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django.utils.translation import gettext_lazy as _
from oauth2_provider import views as dot_views

from yiwang.identity import services
from yiwang.identity.oidc import (
    ACTING_FOR_SCOPE,
    ENTERPRISE_SCOPE,
    RS256,
    acting_for_scope,
)
from yiwang.identity.services.enterprise import current_acting_for

#: What each scope hands over, in the words of the consent page.
SCOPE_RECEIVES = {
    "openid": [_("您在一网通办的账号标识")],
    "profile": [_("登录名"), _("实名姓名（已实名时）"), _("脱敏的身份证号码"), _("实名等级")],
    ENTERPRISE_SCOPE: [_("您代表办事的企业名称和统一社会信用代码"), _("您的经办权限范围")],
}

#: Refusals in the user's words; the RFC error code is kept for the audit row.
ERROR_MESSAGES = {
    "invalid_request": _("请求不完整或不正确（例如缺少必需的安全参数）。"),
    "invalid_client": _("应用未登记或已停用。"),
    "unauthorized_client": _("该应用无权使用此登录方式。"),
    "invalid_scope": _("应用请求的权限无效。"),
    "access_denied": _("您拒绝了授权。"),
    "unsupported_response_type": _("不支持该授权方式。"),
}
REDIRECT_URI_MESSAGE = _("应用提供的回调地址与登记的地址不一致，已拒绝。")


def _client_id(request: HttpRequest) -> str:
    """The client named by the request: form field, query, or HTTP Basic credentials."""
    client_id = request.POST.get("client_id") or request.GET.get("client_id") or ""
    if client_id:
        return client_id
    auth = request.headers.get("Authorization", "")
    if auth.startswith("Basic "):
        try:
            decoded = base64.b64decode(auth[6:]).decode()
        except (binascii.Error, UnicodeDecodeError):
            return ""
        return unquote_plus(decoded.partition(":")[0])
    return ""


def _oauth_error(response: HttpResponse) -> tuple[str, str]:
    try:
        body = json.loads(response.content or b"{}")
    except (ValueError, UnicodeDecodeError):
        return f"http_{response.status_code}", ""
    if not isinstance(body, dict):
        return f"http_{response.status_code}", ""
    return str(body.get("error", f"http_{response.status_code}")), str(
        body.get("error_description", "")
    )


class ConsentView(dot_views.AuthorizationView):  # type: ignore[misc]
    """授权此应用: asks the signed-in user whether the client may receive their claims."""

    template_name = "identity/oidc/authorize.html"

    def get_login_url(self) -> str:
        return str(resolve_url(settings.YIWANG_OIDC_LOGIN_URL))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context_data(**kwargs)
        scopes = [s for s in context.get("scopes", []) if not s.startswith(ACTING_FOR_SCOPE)]
        context["receives"] = [item for scope in scopes for item in SCOPE_RECEIVES.get(scope, [])]
        if ENTERPRISE_SCOPE in scopes:
            context["acting_for"] = current_acting_for(self.request)
        return context

    def form_valid(self, form: Any) -> HttpResponse:
        # The entity comes from the session, never from the client's request.
        scopes = [
            s
            for s in form.cleaned_data.get("scope", "").split()
            if not s.startswith(ACTING_FOR_SCOPE)
        ]
        if ENTERPRISE_SCOPE in scopes:
            acting = current_acting_for(self.request)
            if acting is not None:
                scopes.append(acting_for_scope(acting["credit_code"]))
        form.cleaned_data["scope"] = " ".join(scopes)
        if not form.cleaned_data.get("allow"):
            services.record_consent_denied(
                actor=self.request.user, client_id=form.cleaned_data.get("client_id", "")
            )
        response: HttpResponse = super().form_valid(form)
        return response

    def error_response(self, error: Any, application: Any, **kwargs: Any) -> HttpResponse:
        oauth_error = getattr(error, "oauthlib_error", error)
        code = str(getattr(oauth_error, "error", "invalid_request"))
        if code != "access_denied":  # a user's own "拒绝" is recorded as consent_denied
            services.record_oidc_refusal(
                actor=self.request.user,
                endpoint="authorize",
                error=code,
                client_id=_client_id(self.request),
                description=str(getattr(oauth_error, "description", "") or ""),
            )
        if "RedirectURI" in type(oauth_error).__name__:
            message = REDIRECT_URI_MESSAGE
        else:
            message = ERROR_MESSAGES.get(code, _("授权请求无效。"))
        response: HttpResponse = super().error_response(
            error, application, error_message=message, **kwargs
        )
        return response


class TokenView(dot_views.TokenView):  # type: ignore[misc]
    """Code → tokens, refresh → tokens. Grants are audited by the validator; refusals here."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response: HttpResponse = super().post(request, *args, **kwargs)
        if response.status_code >= 400:
            error, description = _oauth_error(response)
            services.record_oidc_refusal(
                actor=None,
                endpoint="token",
                error=error,
                client_id=_client_id(request),
                description=f"{request.POST.get('grant_type', '')}: {description}",
            )
        return response


class UserInfoView(dot_views.UserInfoView):  # type: ignore[misc]
    def _create_userinfo_response(self, request: HttpRequest) -> HttpResponse:
        response: HttpResponse = super()._create_userinfo_response(request)
        if response.status_code >= 400:
            services.record_oidc_refusal(
                actor=None,
                endpoint="userinfo",
                error=f"http_{response.status_code}",
                description=response.get("WWW-Authenticate", "")[:300],
            )
        return response


class LogoutView(dot_views.RPInitiatedLogoutView):  # type: ignore[misc]
    """RP-initiated logout: ends the platform session on the server (with its record and
    audit row) and the user's tokens."""

    template_name = "identity/oidc/logout_confirm.html"

    def do_logout(
        self,
        application: Any = None,
        post_logout_redirect_uri: str | None = None,
        state: str | None = None,
        token_user: Any = None,
    ) -> HttpResponse:
        user = token_user or self.request.user
        if self.request.user.is_authenticated:
            services.sign_out(self.request, reason="oidc_logout")
        if getattr(user, "is_authenticated", False):
            services.record_oidc_logout(
                actor=user, client_id=getattr(application, "client_id", "") or ""
            )
        response: HttpResponse = super().do_logout(
            application, post_logout_redirect_uri, state, user if user.is_authenticated else None
        )
        return response

    def error_response(self, error: Any) -> HttpResponse:
        services.record_oidc_refusal(
            actor=self.request.user,
            endpoint="logout",
            error=str(getattr(error, "error", "invalid_request")),
            client_id=_client_id(self.request),
            description=str(getattr(error, "description", "") or ""),
        )
        response: HttpResponse = super().error_response(error)
        return response


class DiscoveryView(dot_views.ConnectDiscoveryInfoView):  # type: ignore[misc]
    """DOT's discovery document, stating only what this provider accepts."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response: HttpResponse = super().get(request, *args, **kwargs)
        data = json.loads(response.content)
        data["id_token_signing_alg_values_supported"] = [RS256]
        data["code_challenge_methods_supported"] = ["S256"]
        data["grant_types_supported"] = ["authorization_code", "refresh_token"]
        data["scopes_supported"] = [
            s for s in data.get("scopes_supported", []) if not s.startswith(ACTING_FOR_SCOPE)
        ]
        response.content = json.dumps(data).encode()
        return response
