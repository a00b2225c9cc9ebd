"""Shared set-up for the OpenID Connect tests: a registered client, a verified user, PKCE."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
from html.parser import HTMLParser
from typing import Any

from oauth2_provider.models import Application

from tests.factories import AccountFactory
from yiwang.kernel.demo import person_id_number

CLIENT_SECRET = "client-secret-for-tests-0123456789"
REDIRECT_URI = "http://127.0.0.1:8765/oidc-test-callback"


def make_client(
    redirect_uri: str = REDIRECT_URI, *, algorithm: str = "RS256", name: str = "测试办事系统"
) -> Application:
    return Application.objects.create(
        name=name,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=redirect_uri,
        post_logout_redirect_uris=redirect_uri,
        client_secret=CLIENT_SECRET,
        algorithm=algorithm,
    )


def make_verified_user(username: str = "zhangwei", **fields: Any) -> Any:
    fields.setdefault("display_name", "张伟")
    fields.setdefault("id_number", person_id_number("19850312", "011"))
    fields.setdefault("verification_level", 1)
    return AccountFactory(username=username, **fields)


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge.decode().rstrip("=")


def basic_auth(client_id: str, secret: str = CLIENT_SECRET) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


class HiddenInputs(HTMLParser):
    """The consent form's hidden fields (and its CSRF token)."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        data = dict(attrs)
        if tag == "input" and data.get("type") == "hidden" and data.get("name"):
            self.fields[str(data["name"])] = data.get("value") or ""


def hidden_fields(html: str) -> dict[str, str]:
    parser = HiddenInputs()
    parser.feed(html)
    return parser.fields


def code_from(location: str) -> str:
    match = re.search(r"[?&]code=([^&]+)", location)
    assert match, f"no code in {location}"
    return match.group(1)


def sign_in_client(client: Any, user: Any, factors: tuple[str, ...] = ("password",)) -> str:
    """Sign ``user`` in on the Django test client the way the platform does (a session with a
    live AccountSession record); returns the session key."""
    from yiwang.identity.models import AccountSession
    from yiwang.identity.services.sessions import FACTORS_KEY

    client.force_login(user)
    session = client.session
    session[FACTORS_KEY] = list(factors)
    session.save()
    AccountSession.objects.update_or_create(
        session_key=session.session_key, defaults={"account": user, "factors": list(factors)}
    )
    return str(session.session_key)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def tamper(token: str, **claims: Any) -> str:
    """The same signed token with some claims changed (the signature no longer fits)."""
    header, payload, signature = token.split(".")
    body = json.loads(_unb64(payload))
    body.update(claims)
    return f"{header}.{_b64(json.dumps(body).encode())}.{signature}"


def unsigned(token: str) -> str:
    """The token's claims re-issued with ``alg: none`` and no signature."""
    payload = token.split(".")[1]
    header = _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    return f"{header}.{payload}."
