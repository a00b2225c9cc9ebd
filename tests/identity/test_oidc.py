"""The OpenID Connect provider through the Django test client: claims, enterprise claims,
key rotation, and every refusal (each answered clearly, audited, nothing created)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

import pytest
from django.core.management import call_command
from django.utils import timezone
from jwcrypto import jwk, jwt
from oauth2_provider.models import AccessToken, Grant, IDToken, RefreshToken
from oauth2_provider.settings import oauth2_settings

from tests.identity.oidc_helpers import (
    REDIRECT_URI,
    basic_auth,
    code_from,
    hidden_fields,
    make_client,
    make_verified_user,
    pkce_pair,
    sign_in_client,
    tamper,
    unsigned,
)
from yiwang.identity import oidc_keys
from yiwang.identity.models import EntityBinding
from yiwang.kernel.models import AuditEntry

pytestmark = pytest.mark.django_db


def authorize_url(app: Any, challenge: str | None, **extra: str) -> str:
    params = {
        "response_type": "code",
        "client_id": app.client_id,
        "redirect_uri": REDIRECT_URI,
        "scope": "openid profile",
        "state": "st",
        "nonce": "n-0S6",
    }
    if challenge is not None:
        params.update(code_challenge=challenge, code_challenge_method="S256")
    params.update(extra)
    return "/oidc/authorize/?" + urlencode(params)


def consent(client: Any, url: str) -> Any:
    page = client.get(url)
    assert page.status_code == 200, page
    return client.post(url, {**hidden_fields(page.content.decode()), "allow": "true"})


def get_code(client: Any, app: Any, challenge: str, **extra: str) -> str:
    answer = consent(client, authorize_url(app, challenge, **extra))
    assert answer.status_code == 302
    return code_from(answer["Location"])


def exchange(client: Any, app: Any, code: str, verifier: str, **auth: str) -> Any:
    return client.post(
        "/oidc/token/",
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "code_verifier": verifier,
        },
        HTTP_AUTHORIZATION=auth.get("authorization", basic_auth(app.client_id)),
    )


def refusals() -> list[dict[str, Any]]:
    return list(
        AuditEntry.objects.filter(action="identity.oidc_refused").values_list("details", flat=True)
    )


def decode(id_token: str) -> dict[str, Any]:
    import json

    key = jwk.JWK.from_pem(oauth2_settings.OIDC_RSA_PRIVATE_KEY.encode())
    return dict(json.loads(jwt.JWT(key=key, jwt=id_token).claims))


@pytest.fixture
def app(db: None) -> Any:
    return make_client()


@pytest.fixture
def user(client: Any) -> Any:
    account = make_verified_user()
    sign_in_client(client, account)
    return account


# ---- The good path and its claims -------------------------------------------------------


def test_code_buys_tokens_once_with_the_verified_claims(client: Any, app: Any, user: Any) -> None:
    # Given a code issued after consent
    verifier, challenge = pkce_pair()
    code = get_code(client, app, challenge)

    # When it is exchanged
    response = exchange(client, app, code, verifier)

    # Then tokens come back, and the ID token carries the verified claims, RS256-signed
    assert response.status_code == 200
    body = response.json()
    claims = decode(body["id_token"])
    assert claims["name"] == "张伟"
    assert claims["verification_level"] == 1
    assert claims["id_number_masked"] == user.masked_id_number
    assert claims["nonce"] == "n-0S6"
    assert "entity" not in claims
    assert Grant.objects.count() == 0  # the code is spent
    assert AuditEntry.objects.filter(action="identity.token_granted").count() == 1


def test_unverified_user_gets_no_name(client: Any, app: Any) -> None:
    account = make_verified_user("unverified", verification_level=0, id_number="")
    sign_in_client(client, account)
    verifier, challenge = pkce_pair()
    body = exchange(client, app, get_code(client, app, challenge), verifier).json()
    claims = decode(body["id_token"])
    assert "name" not in claims and "id_number_masked" not in claims
    assert claims["verification_level"] == 0


def test_enterprise_claims_come_from_the_session_and_the_live_binding(
    client: Any, app: Any, user: Any
) -> None:
    # Given the user represents an entity and the session acts for it
    EntityBinding.objects.create(
        credit_code="91420106MA4K000010", name="武汉长江餐饮管理有限公司", representative=user
    )
    session = client.session
    session["yiwang_acting_for"] = {
        "credit_code": "91420106MA4K000010",
        "name": "武汉长江餐饮管理有限公司",
        "scope": ["*"],
    }
    session.save()
    verifier, challenge = pkce_pair()

    # When the client asks for the enterprise scope and the user consents
    page = client.get(authorize_url(app, challenge, scope="openid profile enterprise"))
    assert "武汉长江餐饮管理有限公司" in page.content.decode()
    code = get_code(client, app, challenge, scope="openid profile enterprise")
    body = exchange(client, app, code, verifier).json()

    # Then the ID token and userinfo name the entity and the agent's scope
    claims = decode(body["id_token"])
    assert claims["entity"] == {
        "credit_code": "91420106MA4K000010",
        "name": "武汉长江餐饮管理有限公司",
    }
    assert claims["agent_scope"] == ["*"]
    client.logout()
    info = client.get("/oidc/userinfo/", HTTP_AUTHORIZATION=f"Bearer {body['access_token']}").json()
    assert info["entity"]["credit_code"] == "91420106MA4K000010"

    # And once the binding is gone, userinfo stops naming it at once
    EntityBinding.objects.all().delete()
    info = client.get("/oidc/userinfo/", HTTP_AUTHORIZATION=f"Bearer {body['access_token']}").json()
    assert "entity" not in info


def test_a_client_cannot_ask_for_an_entity_itself(client: Any, app: Any, user: Any) -> None:
    _, challenge = pkce_pair()
    scope = "openid enterprise acting_for:91420106MA4K000010"
    response = client.get(authorize_url(app, challenge, scope=scope))
    assert response.status_code == 302
    assert "error=invalid_scope" in response["Location"]
    assert Grant.objects.count() == 0
    assert refusals()[-1]["error"] == "invalid_scope"


def test_discovery_states_only_what_is_accepted(client: Any) -> None:
    meta = client.get("/.well-known/openid-configuration").json()
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert meta["id_token_signing_alg_values_supported"] == ["RS256"]
    assert meta["response_types_supported"] == ["code"]
    assert {"name", "id_number_masked", "verification_level", "entity"} <= set(
        meta["claims_supported"]
    )


def test_anonymous_user_is_sent_to_the_login_page(client: Any, app: Any) -> None:
    _, challenge = pkce_pair()
    response = client.get(authorize_url(app, challenge))
    assert response.status_code == 302
    assert response["Location"].startswith("/account/login/?next=")


def test_saying_no_returns_access_denied_and_creates_nothing(
    client: Any, app: Any, user: Any
) -> None:
    _, challenge = pkce_pair()
    url = authorize_url(app, challenge)
    page = client.get(url)
    response = client.post(url, hidden_fields(page.content.decode()))
    assert response.status_code == 302
    assert "error=access_denied" in response["Location"]
    assert Grant.objects.count() == 0
    assert AuditEntry.objects.filter(action="identity.oidc_consent_denied").count() == 1


# ---- Refusals ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "https://evil.example/cb",
        "http://127.0.0.1:9999/oidc-test-callback",  # DOT lets loopback ports vary: we do not
        REDIRECT_URI + "?x=1",
        REDIRECT_URI + "/",
    ],
)
def test_unregistered_redirect_uri_is_refused(
    client: Any, app: Any, user: Any, redirect_uri: str
) -> None:
    _, challenge = pkce_pair()
    response = client.get(authorize_url(app, challenge, redirect_uri=redirect_uri))
    assert response.status_code == 400
    assert "回调地址与登记的地址不一致" in response.content.decode()
    assert Grant.objects.count() == 0
    assert refusals()[-1]["endpoint"] == "authorize"


@pytest.mark.parametrize(
    ("extra", "error"),
    [
        ({"code_challenge": None}, "invalid_request"),  # no PKCE at all
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge_method": None}, "invalid_request"),  # defaults to plain
        ({"response_type": "code id_token"}, "unauthorized_client"),
        ({"response_type": "token"}, "unauthorized_client"),
    ],
)
def test_pkce_s256_and_the_code_flow_are_required(
    client: Any, app: Any, user: Any, extra: dict[str, str | None], error: str
) -> None:
    _, challenge = pkce_pair()
    url = authorize_url(app, challenge)
    for key, value in extra.items():
        import re

        url = re.sub(rf"[?&]{key}=[^&]*", "", url.replace("?", "?&", 1)).replace("?&", "?")
        if value is not None:
            url += "&" + urlencode({key: value})
    response = client.get(url)
    assert response.status_code in {302, 400}
    if response.status_code == 302:
        assert f"error={error}" in response["Location"] or "error=" in response["Location"]
    assert Grant.objects.count() == 0
    assert refusals(), "the refusal is audited"


def test_hs256_client_is_refused(client: Any, user: Any) -> None:
    app = make_client(algorithm="HS256", name="HS")
    _, challenge = pkce_pair()
    response = client.get(authorize_url(app, challenge))
    assert "error=unauthorized_client" in response["Location"]
    assert Grant.objects.count() == 0


def test_reused_code_is_refused(client: Any, app: Any, user: Any) -> None:
    verifier, challenge = pkce_pair()
    code = get_code(client, app, challenge)
    assert exchange(client, app, code, verifier).status_code == 200
    tokens = AccessToken.objects.count()

    again = exchange(client, app, code, verifier)

    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"
    assert AccessToken.objects.count() == tokens
    assert refusals()[-1]["endpoint"] == "token"


def test_pkce_mismatch_is_refused(client: Any, app: Any, user: Any) -> None:
    _, challenge = pkce_pair()
    other_verifier, _ = pkce_pair()
    code = get_code(client, app, challenge)
    response = exchange(client, app, code, other_verifier)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert AccessToken.objects.count() == 0
    assert refusals()[-1]["error"] == "invalid_grant"


def test_missing_code_verifier_is_refused(client: Any, app: Any, user: Any) -> None:
    _, challenge = pkce_pair()
    code = get_code(client, app, challenge)
    response = exchange(client, app, code, "")
    assert response.status_code == 400
    assert AccessToken.objects.count() == 0
    assert refusals()


def test_expired_code_is_refused(client: Any, app: Any, user: Any) -> None:
    verifier, challenge = pkce_pair()
    code = get_code(client, app, challenge)
    grant = Grant.objects.get()
    assert grant.expires - timezone.now() <= dt.timedelta(seconds=60)
    Grant.objects.update(expires=timezone.now() - dt.timedelta(seconds=1))

    response = exchange(client, app, code, verifier)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert AccessToken.objects.count() == 0
    assert refusals()


def test_wrong_client_secret_is_refused(client: Any, app: Any, user: Any) -> None:
    verifier, challenge = pkce_pair()
    code = get_code(client, app, challenge)
    response = exchange(
        client, app, code, verifier, authorization=basic_auth(app.client_id, "wrong")
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert AccessToken.objects.count() == 0
    assert Grant.objects.count() == 1  # the code was not spent
    assert refusals()[-1]["client_id"] == app.client_id


def test_redirect_uri_must_match_at_the_token_endpoint(client: Any, app: Any, user: Any) -> None:
    verifier, challenge = pkce_pair()
    code = get_code(client, app, challenge)
    response = client.post(
        "/oidc/token/",
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI + "/",
            "code_verifier": verifier,
        },
        HTTP_AUTHORIZATION=basic_auth(app.client_id),
    )
    assert response.status_code == 400
    assert AccessToken.objects.count() == 0


@pytest.mark.parametrize("forge", ["tampered", "alg_none"])
def test_forged_id_token_hint_cannot_log_out(client: Any, app: Any, user: Any, forge: str) -> None:
    # Given a real ID token
    verifier, challenge = pkce_pair()
    body = exchange(client, app, get_code(client, app, challenge), verifier).json()
    id_token = body["id_token"]
    forged = tamper(id_token, sub="0") if forge == "tampered" else unsigned(id_token)

    # When an RP-initiated logout presents the forged token
    response = client.get(
        "/oidc/logout/",
        {"id_token_hint": forged, "post_logout_redirect_uri": REDIRECT_URI},
    )

    # Then it is refused; the tokens and the session stay
    assert response.status_code == 400
    assert AccessToken.objects.count() == 1
    assert IDToken.objects.count() == 1
    assert refusals()[-1]["endpoint"] == "logout"
    assert client.get("/oidc/authorize/").wsgi_request.user.is_authenticated


def test_tampered_access_token_gets_no_userinfo(client: Any, app: Any, user: Any) -> None:
    verifier, challenge = pkce_pair()
    body = exchange(client, app, get_code(client, app, challenge), verifier).json()
    response = client.get("/oidc/userinfo/", HTTP_AUTHORIZATION=f"Bearer {body['access_token']}x")
    assert response.status_code == 401
    assert refusals()[-1]["endpoint"] == "userinfo"


def test_refresh_token_is_single_use(client: Any, app: Any, user: Any) -> None:
    verifier, challenge = pkce_pair()
    body = exchange(client, app, get_code(client, app, challenge), verifier).json()
    data = {"grant_type": "refresh_token", "refresh_token": body["refresh_token"]}
    auth = basic_auth(app.client_id)
    assert client.post("/oidc/token/", data, HTTP_AUTHORIZATION=auth).status_code == 200
    replay = client.post("/oidc/token/", data, HTTP_AUTHORIZATION=auth)
    assert replay.status_code == 400
    # reuse protection: the whole family is revoked
    assert RefreshToken.objects.filter(revoked__isnull=True).count() == 0


# ---- Key rotation ----------------------------------------------------------------------


def test_rotate_key_keeps_the_old_key_published_until_retired(
    client: Any, settings: Any, tmp_path: Any
) -> None:
    keys_dir = tmp_path / "keys"
    keys_dir.mkdir()
    settings.DATA_DIR = tmp_path
    first = oidc_keys.active_key(keys_dir)

    def publish() -> list[str]:
        settings.OAUTH2_PROVIDER = {
            **settings.OAUTH2_PROVIDER,
            "OIDC_RSA_PRIVATE_KEY": oidc_keys.active_key(keys_dir),
            "OIDC_RSA_PRIVATE_KEYS_INACTIVE": oidc_keys.inactive_keys(keys_dir),
        }
        return [k["kid"] for k in client.get("/oidc/jwks.json").json()["keys"]]

    old_kid = jwk.JWK.from_pem(first.encode()).thumbprint()
    assert publish() == [old_kid]

    call_command("oidc", "rotate-key")
    kids = publish()
    assert len(kids) == 2 and kids[1] == old_kid and kids[0] != old_kid

    call_command("oidc", "rotate-key", "--retire")
    assert publish() == [kids[0]]
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"identity.oidc_signing_key_rotated", "identity.oidc_signing_key_retired"} <= actions
