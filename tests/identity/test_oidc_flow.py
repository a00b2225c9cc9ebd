"""The whole single sign-on flow, driven by a real OpenID Connect client library (authlib)
against the running server: discovery, authorize with PKCE + nonce + state, consent, code,
tokens, the ID token checked against the JWKS, userinfo, refresh, RP-initiated logout."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from authlib.common.security import generate_token
from authlib.integrations.httpx_client import OAuth2Client
from authlib.jose import JsonWebKey, jwt
from authlib.jose.errors import BadSignatureError, InvalidClaimError
from oauth2_provider.models import AccessToken, RefreshToken

from tests.identity.oidc_helpers import (
    CLIENT_SECRET,
    hidden_fields,
    make_client,
    make_verified_user,
    sign_in_client,
    tamper,
)
from yiwang.kernel.models import AuditEntry

pytestmark = pytest.mark.django_db(transaction=True)


def claims_options(issuer: str, client_id: str, nonce: str) -> dict[str, Any]:
    return {
        "iss": {"essential": True, "value": issuer},
        "aud": {"essential": True, "value": client_id},
        "nonce": {"essential": True, "value": nonce},
        "exp": {"essential": True},
    }


def signed_in_browser(client: Any, user: Any, base_url: str) -> httpx.Client:
    """An httpx "browser" carrying the session of ``user`` (made with force_login)."""
    sign_in_client(client, user)
    browser = httpx.Client(base_url=base_url, follow_redirects=False)
    host = urlsplit(base_url).hostname or ""
    # The cookie jar files cookies of a dotless host such as "localhost" under "<host>.local".
    domain = host if "." in host else f"{host}.local"
    browser.cookies.set("sessionid", client.cookies["sessionid"].value, domain=domain)
    return browser


def test_full_flow_with_authlib(client: Any, live_server: Any) -> None:
    # Given a registered client whose callback is on the live server, and a signed-in user
    base = live_server.url
    redirect_uri = f"{base}/oidc-test-callback"
    app = make_client(redirect_uri)
    user = make_verified_user()
    browser = signed_in_browser(client, user, base)

    # When the client reads discovery
    meta = httpx.get(f"{base}/.well-known/openid-configuration").json()
    assert meta["issuer"] == base
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert meta["id_token_signing_alg_values_supported"] == ["RS256"]
    assert meta["response_types_supported"] == ["code"]
    assert "end_session_endpoint" in meta

    # And sends the user to authorize with PKCE S256, a nonce and a state
    oauth = OAuth2Client(
        client_id=app.client_id,
        client_secret=CLIENT_SECRET,
        scope="openid profile",
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
    )
    verifier, nonce = generate_token(48), generate_token(20)
    url, state = oauth.create_authorization_url(
        meta["authorization_endpoint"], code_verifier=verifier, nonce=nonce
    )
    consent = browser.get(url)
    assert consent.status_code == 200, consent.headers.get("location")
    assert "授权此应用" in consent.text and "测试办事系统" in consent.text

    # And the user clicks 同意
    answer = browser.post(url, data={**hidden_fields(consent.text), "allow": "true"})
    assert answer.status_code == 302
    location = answer.headers["location"]
    assert location.startswith(redirect_uri + "?")
    assert parse_qs(urlsplit(location).query)["state"] == [state]

    # Then the code buys tokens
    token = oauth.fetch_token(
        meta["token_endpoint"], authorization_response=location, code_verifier=verifier
    )
    assert {"access_token", "id_token", "refresh_token"} <= set(token)

    # And the ID token verifies against the JWKS with the right iss, aud, nonce and exp
    jwks = JsonWebKey.import_key_set(httpx.get(meta["jwks_uri"]).json())
    claims = jwt.decode(
        token["id_token"], jwks, claims_options=claims_options(meta["issuer"], app.client_id, nonce)
    )
    claims.validate()
    assert claims["sub"] == str(user.pk)
    assert claims["name"] == "张伟"
    assert claims["verification_level"] == 1
    assert claims["id_number_masked"] == user.masked_id_number
    assert user.id_number not in token["id_token"]

    # And a wrong nonce or a wrong audience is caught by the client
    for bad in (
        claims_options(meta["issuer"], app.client_id, "another-nonce"),
        claims_options(meta["issuer"], "someone-else", nonce),
    ):
        with pytest.raises(InvalidClaimError):
            jwt.decode(token["id_token"], jwks, claims_options=bad).validate()

    # And a tampered ID token fails its signature
    tampered = tamper(token["id_token"], sub="someone-else")
    with pytest.raises(BadSignatureError):
        jwt.decode(tampered, jwks)

    # And userinfo gives the same claims
    info = oauth.get(meta["userinfo_endpoint"]).json()
    assert info["sub"] == str(user.pk)
    assert info["name"] == "张伟"
    assert info["id_number_masked"] == user.masked_id_number

    # And the refresh token buys new tokens once
    old_refresh = token["refresh_token"]
    refreshed = oauth.refresh_token(meta["token_endpoint"])
    assert refreshed["access_token"] != token["access_token"]
    assert refreshed["refresh_token"] != old_refresh
    replay = httpx.post(
        meta["token_endpoint"],
        data={"grant_type": "refresh_token", "refresh_token": old_refresh},
        auth=(app.client_id, CLIENT_SECRET),
    )
    assert replay.status_code == 400

    # And RP-initiated logout ends the session and the tokens, back to the client with state
    bye = browser.get(
        meta["end_session_endpoint"],
        params={
            "id_token_hint": refreshed.get("id_token", token["id_token"]),
            "client_id": app.client_id,
            "post_logout_redirect_uri": redirect_uri,
            "state": "bye",
        },
    )
    assert bye.status_code == 302
    assert bye.headers["location"] == f"{redirect_uri}?state=bye"
    assert AccessToken.objects.filter(user=user).count() == 0
    assert RefreshToken.objects.filter(user=user, revoked__isnull=True).count() == 0
    again = browser.get(url)
    assert again.status_code == 302 and "/account/login/" in again.headers["location"]

    # And the trail holds the grants, the refusal of the replay and the logout
    actions = list(AuditEntry.objects.values_list("action", flat=True))
    assert actions.count("identity.oidc_code_issued") == 1
    assert actions.count("identity.token_granted") == 2
    assert "identity.oidc_refused" in actions
    assert "identity.oidc_logout" in actions
