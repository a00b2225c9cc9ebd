"""Passkeys in a real browser, with Chromium's virtual authenticator (CDP). WebAuthn refuses
IP addresses as relying-party ids, so this test talks to the live server as "localhost"."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PageWatch
from tests.factories import PASSWORD
from yiwang.identity.models import Passkey
from yiwang.kernel.models import AuditEntry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def localhost_page(browser: Any, live_server: Any, settings: Any) -> Iterator[Any]:
    settings.ALLOWED_HOSTS = ["localhost", "127.0.0.1"]
    context = browser.new_context(
        base_url=live_server.url.replace("127.0.0.1", "localhost"), locale="zh-CN"
    )
    page = context.new_page()
    watch = PageWatch()
    page.on("console", watch.on_console)
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    yield page
    context.close()
    assert watch.csp_violations == []


def password_step(page: Any) -> None:
    page.goto("/account/login/")
    page.get_by_label("用户名或手机号码").fill("citizen")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()


def test_add_a_passkey_then_sign_in_with_it(localhost_page: Any, citizen: Any) -> None:
    page = localhost_page
    password_step(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("账号安全")

    page.get_by_role("button", name="添加通行密钥").click()

    expect(page.get_by_role("status")).to_contain_text("已添加通行密钥")
    assert Passkey.objects.filter(account=citizen).count() == 1
    page.get_by_role("button", name="退出登录").click()

    password_step(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("第二步：验证身份")
    page.get_by_role("button", name="使用通行密钥").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("账号安全")
    entry = AuditEntry.objects.filter(action="identity.signed_in").order_by("-seq").first()
    assert entry is not None and entry.details["factors"] == ["password", "passkey"]
