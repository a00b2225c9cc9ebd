"""Single sign-on throughput: the token endpoint (code → tokens) and userinfo, each against a
minimal authenticated JSON endpoint (GET /api/v1/kernel/me) on the same server in the same run.

The server is the real one (``yiwang serve``, uvicorn) on the benchmark's test database; one
keep-alive HTTP client drives both sides, as a relying party and a browser would."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import logging
import secrets
from collections.abc import Iterator

import harness  # first: it sets up Django
import httpx
from django.test import Client
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application, Grant

from yiwang.identity.models import Account, AccountSession
from yiwang.identity.services.sessions import FACTORS_KEY

logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request is not a result

SECRET = "bench-client-secret-0123456789abcdef"  # noqa: S105  (a throwaway test client)
REDIRECT = "https://client.example/cb"
OPS = 50
ROUNDS = 15


def signed_in_client(user: Account) -> Client:
    client = Client()
    client.force_login(user)
    session = client.session
    session[FACTORS_KEY] = ["password"]
    session.save()
    AccountSession.objects.update_or_create(
        session_key=session.session_key, defaults={"account": user, "factors": ["password"]}
    )
    return client


def main() -> None:
    user = Account.objects.create(
        username="bench", display_name="张伟", verification_level=1, mobile="13900000001"
    )
    app = Application.objects.create(
        name="bench",
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=REDIRECT,
        client_secret=SECRET,
        algorithm="RS256",
    )
    auth = "Basic " + base64.b64encode(f"{app.client_id}:{SECRET}".encode()).decode()
    browser = signed_in_client(user)
    me = browser.get("/api/v1/kernel/me")
    assert me.status_code == 200, me.content

    # Grants for every exchange that will run (warm-up round included), made up front.
    total = OPS * (harness.counted_rounds(ROUNDS) + 1)
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    challenge_text = challenge.decode().rstrip("=")
    codes = [secrets.token_urlsafe(30) for _ in range(total)]
    Grant.objects.bulk_create(
        Grant(
            application=app,
            user=user,
            code=code,
            expires=timezone.now() + dt.timedelta(hours=1),  # the run outlasts 60 s
            redirect_uri=REDIRECT,
            scope="openid profile",
            code_challenge=challenge_text,
            code_challenge_method="S256",
            nonce="bench",
        )
        for code in codes
    )
    session_cookie = {"sessionid": browser.cookies["sessionid"].value}
    with (
        harness.live_server() as base,
        httpx.Client(base_url=base, timeout=30) as http,
        httpx.Client(base_url=base, timeout=30, cookies=session_cookie) as person,
    ):
        run_against_server(http, person, iter(codes), verifier, auth, total)


def run_against_server(
    http: httpx.Client,
    person: httpx.Client,
    codes: Iterator[str],
    verifier: str,
    auth: str,
    total: int,
) -> None:
    """``http`` is the relying party (client credentials); ``person`` a signed-in browser."""

    def token() -> None:
        response = http.post(
            "/oidc/token/",
            data={
                "grant_type": "authorization_code",
                "code": next(codes),
                "redirect_uri": REDIRECT,
                "code_verifier": verifier,
            },
            headers={"Authorization": auth},
        )
        assert response.status_code == 200, response.content

    def minimal() -> None:
        response = person.get("/api/v1/kernel/me")
        assert response.status_code == 200, response.content

    harness.compare("identity_token", token, minimal, ops_per_round=OPS, rounds=ROUNDS)
    exchanged = AccessToken.objects.count()
    if exchanged != total or Grant.objects.exists():
        raise RuntimeError(f"expected {total} exchanges and no grant left, got {exchanged}")

    refreshed = http.post(
        "/oidc/token/",
        data={"grant_type": "refresh_token", "refresh_token": _any_refresh_token()},
        headers={"Authorization": auth},
    )
    bearer = "Bearer " + refreshed.json()["access_token"]

    def userinfo() -> None:
        response = http.get("/oidc/userinfo/", headers={"Authorization": bearer})
        assert response.status_code == 200 and response.json()["name"] == "张伟"

    harness.compare("identity_userinfo", userinfo, minimal, ops_per_round=OPS * 4, rounds=ROUNDS)


def _any_refresh_token() -> str:
    from oauth2_provider.models import RefreshToken

    # Rows keep the raw token unless hashed-at-rest storage is on (it is off here).
    token = RefreshToken.objects.filter(revoked__isnull=True).values_list("token", flat=True)[0]
    return str(token)


if __name__ == "__main__":
    with harness.test_database():
        main()
