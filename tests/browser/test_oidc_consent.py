"""Single sign-on in a real browser: a signed-in user opens a client's authorize URL, sees
授权此应用 (axe-clean, also at 320 px), clicks 同意 and lands on the client's callback with a
code."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_journey import assert_fits, assert_page_ok
from tests.identity.oidc_helpers import make_client, make_verified_user, pkce_pair, sign_in_client

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def signed_in_page(open_page: Any, client: Any, live_server: Any, width: int) -> Any:
    user = make_verified_user()
    session_key = sign_in_client(client, user)
    page = open_page(width=width)
    host = urlsplit(live_server.url).hostname
    page.context.add_cookies(
        [{"name": "sessionid", "value": session_key, "domain": host, "path": "/"}]
    )
    return page


@pytest.mark.parametrize("width", [1280, 320])
def test_consent_then_back_to_the_client_with_a_code(
    open_page: Any, client: Any, live_server: Any, width: int
) -> None:
    # Given a client registered with a callback on this host, and a signed-in user
    port = urlsplit(live_server.url).port
    callback = f"http://127.0.0.1:{port}/oidc-test-callback"
    app = make_client(callback)
    page = signed_in_page(open_page, client, live_server, width)
    _, challenge = pkce_pair()
    query = urlencode(
        {
            "response_type": "code",
            "client_id": app.client_id,
            "redirect_uri": callback,
            "scope": "openid profile",
            "state": "browser-state",
            "nonce": "browser-nonce",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )

    # When the user opens the authorize URL
    page.goto(f"/oidc/authorize/?{query}")

    # Then the consent page names the app and what it receives
    expect(page.get_by_role("heading", level=1)).to_have_text("授权此应用")
    expect(page.locator("main")).to_contain_text("测试办事系统")
    expect(page.locator("main")).to_contain_text("脱敏的身份证号码")
    assert_page_ok(page)
    assert_fits(page, width)
    screenshot(page, f"oidc-consent-{width}")

    # When they click 同意
    page.get_by_role("button", name="同意", exact=True).click()

    # Then the browser lands on the client's callback with a code and the state
    page.wait_for_url(f"{callback}?*")
    assert page.url.startswith(f"{callback}?code=")
    assert "state=browser-state" in page.url
