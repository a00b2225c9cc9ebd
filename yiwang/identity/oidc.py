"""Yiwang as an OpenID Connect provider: the claims it gives and the rules it adds to
django-oauth-toolkit (DOT).

Claims (``profile`` scope): ``name`` (the verified name, only from real-name level up),
``id_number_masked`` (never the clear number), ``verification_level``. With the
``enterprise`` scope, and when the user acted for a legal entity while consenting:
``entity`` (``{"credit_code", "name"}``) and ``agent_scope`` (the services the agent may
handle, ``["*"]`` for all), read again from the delegation each time they are given, so a
revoked delegation stops showing at once.

The entity the session acts for rides with the grant as an internal scope
``acting_for:<credit code>``: the consent view adds it from the session (a client can never
ask for it), it is carried by the authorization code, the access token and every refreshed
token, and it is checked against the live delegation whenever claims are built.

Hardening on top of DOT: PKCE with S256 only (``plain`` refused, and a challenge without a
method counts as ``plain``); redirect URIs compared as exact strings (DOT lets any port
through for loopback addresses); ID tokens signed with RS256 only; every grant audited in
the transaction that saves it.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import transaction
from oauth2_provider.models import AbstractApplication, Grant
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauthlib.oauth2.rfc6749 import errors as oauth_errors
from oauthlib.oauth2.rfc6749 import utils
from oauthlib.oauth2.rfc6749.grant_types.authorization_code import (
    code_challenge_method_s256,
)
from oauthlib.openid import Server

from yiwang.identity.models import EntityBinding, VerificationLevel
from yiwang.identity.services.enterprise import ActingFor, agent_scope
from yiwang.identity.services.oidc import record_code_issued, record_token_granted

#: Prefix of the internal scope naming the entity a grant acts for.
ACTING_FOR_SCOPE = "acting_for:"
ENTERPRISE_SCOPE = "enterprise"
RS256 = AbstractApplication.RS256_ALGORITHM

CLAIM_SCOPES = {
    "sub": "openid",
    "name": "profile",
    "preferred_username": "profile",
    "id_number_masked": "profile",
    "verification_level": "profile",
    "entity": ENTERPRISE_SCOPE,
    "agent_scope": ENTERPRISE_SCOPE,
}


def acting_for_scope(credit_code: str) -> str:
    return f"{ACTING_FOR_SCOPE}{credit_code}"


def acting_for_code(scopes: list[str] | None) -> str | None:
    """The credit code of the entity a grant acts for, if any."""
    for scope in scopes or []:
        if scope.startswith(ACTING_FOR_SCOPE):
            return scope[len(ACTING_FOR_SCOPE) :]
    return None


def enterprise_claims(user: Any, scopes: list[str] | None) -> ActingFor | None:
    """The entity and agent scope of a grant, if the grant acts for an entity, asked for the
    ``enterprise`` scope, and the user may still act for it."""
    code = acting_for_code(scopes)
    if code is None or ENTERPRISE_SCOPE not in (scopes or []):
        return None
    scope = agent_scope(user, code)
    if scope is None:
        return None
    name = EntityBinding.objects.filter(credit_code=code).values_list("name", flat=True).first()
    if name is None:
        return None
    return {"credit_code": code, "name": name, "scope": scope}


class YiwangServer(Server):  # type: ignore[misc]
    """DOT's OpenID Connect server, accepting only S256 code challenges."""

    def __init__(self, request_validator: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(request_validator, *args, **kwargs)
        s256_only = {"S256": code_challenge_method_s256}
        for grant in (
            self.auth_grant,
            self.openid_connect_auth.proxy_target,
            self.openid_connect_hybrid.proxy_target,
        ):
            grant._code_challenge_methods = s256_only


class YiwangValidator(OAuth2Validator):  # type: ignore[misc]
    oidc_claim_scope = CLAIM_SCOPES

    # ---- Claims ---------------------------------------------------------------------------

    def get_additional_claims(self, request: Any) -> dict[str, Any]:
        user = request.user
        claims: dict[str, Any] = {
            "preferred_username": user.get_username(),
            "verification_level": int(user.verification_level),
        }
        if user.verification_level >= VerificationLevel.REAL_NAME and user.display_name:
            claims["name"] = user.display_name
        if user.id_number:
            claims["id_number_masked"] = user.masked_id_number
        scopes = list(request.scopes or [])
        # At userinfo DOT gives only the token's scopes named in the settings; the internal
        # acting-for scope is read from the stored token itself.
        token_scope = getattr(getattr(request, "access_token", None), "scope", "")
        if isinstance(token_scope, str):
            scopes += token_scope.split()
        acting = enterprise_claims(user, scopes)
        if acting is not None:
            claims["entity"] = {"credit_code": acting["credit_code"], "name": acting["name"]}
            claims["agent_scope"] = acting["scope"]
        return claims

    def get_discovery_claims(self, request: Any) -> list[str]:
        return list(CLAIM_SCOPES)

    # ---- Checks DOT leaves open -----------------------------------------------------------

    def validate_scopes(
        self,
        client_id: str,
        scopes: list[str],
        client: Any,
        request: Any,
        *args: Any,
        **kwargs: Any,
    ) -> bool:
        """The settings' scopes, plus the internal acting-for scope only when the consenting
        user may act for that entity (the GET of a client's request has no user: refused)."""
        code = acting_for_code(scopes)
        if code is not None:
            user = getattr(request, "user", None)
            if user is None or agent_scope(user, code) is None:
                return False
            scopes = [s for s in scopes if not s.startswith(ACTING_FOR_SCOPE)]
        return bool(super().validate_scopes(client_id, scopes, client, request, *args, **kwargs))

    def validate_redirect_uri(
        self, client_id: str, redirect_uri: str, request: Any, *args: Any, **kwargs: Any
    ) -> bool:
        """Exactly one of the registered strings: no loopback port leeway."""
        registered = request.client.redirect_uris.split()
        return redirect_uri in registered and bool(
            super().validate_redirect_uri(client_id, redirect_uri, request, *args, **kwargs)
        )

    def validate_response_type(
        self,
        client_id: str,
        response_type: str,
        client: Any,
        request: Any,
        *args: Any,
        **kwargs: Any,
    ) -> bool:
        """Only the code flow, and only for clients whose ID tokens are RS256-signed."""
        if response_type != "code" or client.algorithm != RS256:
            return False
        return bool(
            super().validate_response_type(
                client_id, response_type, client, request, *args, **kwargs
            )
        )

    def finalize_id_token(self, id_token: Any, token: Any, token_handler: Any, request: Any) -> Any:
        if request.client.algorithm != RS256:  # registered after the code was issued
            raise oauth_errors.UnauthorizedClientError(request=request)
        return super().finalize_id_token(id_token, token, token_handler, request)

    # ---- One grant lookup per token request ------------------------------------------------
    # oauthlib asks for the same authorization code six times while it checks one token
    # request (scopes, nonce, code, redirect URI, PKCE challenge and method). The grant is read
    # once and kept on the oauthlib request, which lives for that one HTTP request only.

    def _grant(self, code: str, request: Any) -> Grant | None:
        cached: dict[str, Grant | None] | None = getattr(request, "_yiwang_grants", None)
        if cached is None:
            cached = {}
            request._yiwang_grants = cached
        if code not in cached:
            cached[code] = Grant.objects.select_related("user").filter(code=code).first()
        return cached[code]

    def _client_grant(self, code: str, client: Any, request: Any) -> Grant | None:
        grant = self._grant(code, request)
        if grant is None or client is None or grant.application_id != client.pk:
            return None
        return grant

    def get_authorization_code_scopes(
        self, client_id: str, code: str, redirect_uri: str, request: Any
    ) -> Any:
        grant = self._grant(code, request)
        return utils.scope_to_list(grant.scope) if grant and grant.scope else []

    def get_authorization_code_nonce(
        self, client_id: str, code: str, redirect_uri: str, request: Any
    ) -> str | None:
        grant = self._grant(code, request)
        return (grant.nonce or None) if grant else None

    def validate_code(
        self, client_id: str, code: str, client: Any, request: Any, *args: Any, **kwargs: Any
    ) -> bool:
        grant = self._client_grant(code, client, request)
        if grant is None or grant.is_expired():
            return False
        request.scopes = grant.scope.split(" ")
        request.user = grant.user
        if grant.nonce:
            request.nonce = grant.nonce
        if grant.claims:
            request.claims = json.loads(grant.claims)
        return True

    def confirm_redirect_uri(
        self, client_id: str, code: str, redirect_uri: str, client: Any, *args: Any, **kwargs: Any
    ) -> bool:
        """At the token endpoint: the very redirect URI the code was issued for."""
        request = args[0] if args else kwargs.get("request")
        grant = self._client_grant(code, client, request) if request is not None else None
        return grant is not None and grant.redirect_uri == redirect_uri

    def get_code_challenge(self, code: str, request: Any) -> str | None:
        grant = self._client_grant(code, request.client, request)
        return (grant.code_challenge or None) if grant else None

    def get_code_challenge_method(self, code: str, request: Any) -> str | None:
        grant = self._client_grant(code, request.client, request)
        return (grant.code_challenge_method or None) if grant else None

    # ---- Audit, in the transaction that saves the grant -----------------------------------

    def save_authorization_code(
        self, client_id: str, code: Any, request: Any, *args: Any, **kwargs: Any
    ) -> None:
        with transaction.atomic():
            super().save_authorization_code(client_id, code, request, *args, **kwargs)
            record_code_issued(
                actor=request.user, client_id=client_id, scopes=list(request.scopes or [])
            )

    def save_bearer_token(self, token: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
        with transaction.atomic():
            result = super().save_bearer_token(token, request, *args, **kwargs)
            record_token_granted(
                actor=request.user,
                client_id=request.client.client_id,
                grant_type=str(request.grant_type),
                scopes=str(token.get("scope", "")).split(),
            )
        return result
