"""The first journey through a real browser: the landing page, staff sign-in, the staff home,
sign-out; and the promises every page keeps (axe, 320 px, CSP, no request off the site,
English, elder mode)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.factories import PASSWORD, enrol_totp_device, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Axe()
BLOCKING_IMPACTS = {"serious", "critical"}


def assert_page_ok(page: Any) -> None:
    """No CSP violation, no request off the site, no serious or critical axe violation."""
    page.watch.check()
    violations = AXE.run(page).response["violations"]
    blocking = [v for v in violations if v.get("impact") in BLOCKING_IMPACTS]
    assert blocking == [], "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(str(node["target"]) for node in v["nodes"])
        for v in blocking
    )


def assert_fits(page: Any, width: int) -> None:
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{page.url} scrolls sideways at {width}px ({scroll_width}px)"


def sign_in(page: Any, username: str, password: str, *, submit: str = "登录") -> None:
    page.get_by_label(re.compile("^(用户名|Username)$")).fill(username)
    page.get_by_label(re.compile("^(密码|Password)$")).fill(password)
    page.get_by_role("button", name=submit, exact=True).click()


def second_factor(page: Any, code: str | None = None) -> None:
    """The staff sign-in's second step: the authenticator code."""
    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile("^(第二步：验证身份|Step 2: confirm it is you)$")
    )
    assert_page_ok(page)
    page.get_by_label(re.compile("^(动态口令|Authenticator code)$")).fill(code or totp_code())
    page.get_by_role("button", name=re.compile("^(验证|Verify)$")).click()


@pytest.fixture
def clerk(clerk: Any) -> Any:
    """The clerk, with an authenticator app (every staff sign-in needs a second factor)."""
    enrol_totp_device(clerk)
    return clerk


def test_first_journey(page: Any, clerk: Any, live_server: Any) -> None:
    # Given the landing page
    page.goto("/")
    expect(page).to_have_title("一网通办 - 政务服务平台")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    for card in ("办事服务", "12345热线", "数据开放"):
        expect(page.get_by_role("heading", name=card)).to_be_visible()
    assert_page_ok(page)
    screenshot(page, "landing-1280")

    # When the clerk follows 工作人员登录 and signs in
    page.get_by_role("link", name="工作人员登录").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("工作人员登录")
    assert_page_ok(page)
    sign_in(page, "clerk", PASSWORD)
    second_factor(page)

    # Then the staff home greets them and lists their role
    expect(page).to_have_url(f"{live_server.url}/staff/")
    expect(page.get_by_role("heading", level=1)).to_have_text("您好，clerk")
    roles = page.get_by_role("region", name="您的角色").get_by_role("listitem")
    expect(roles).to_have_count(1)
    expect(roles.get_by_role("heading")).to_have_text("窗口人员")
    expect(roles).to_contain_text("武昌区市场监督管理局")
    assert_page_ok(page)
    screenshot(page, "staff-home-1280")

    # And signing out ends the session
    page.get_by_role("button", name="退出登录").click()
    expect(page).to_have_url(f"{live_server.url}/")
    page.goto("/staff/")
    expect(page.get_by_role("heading", level=1)).to_have_text("工作人员登录")


def test_wrong_password_shows_a_linked_error_summary(page: Any, clerk: Any) -> None:
    page.goto("/staff/login/")

    sign_in(page, "clerk", "not-the-password")

    expect(page).to_have_title(re.compile("^错误："))
    summary = page.get_by_role("alert")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading")).to_have_text("出现了问题")
    link = summary.get_by_role("link", name="用户名或密码不正确。")
    expect(link).to_be_visible()
    expect(link).to_have_attribute("href", "#id_username")
    assert_page_ok(page)

    link.click()
    expect(page.get_by_label("用户名")).to_be_focused()
    expect(page.get_by_label("用户名")).to_have_value("clerk")


def test_missing_fields_are_named_in_the_summary_and_beside_the_field(
    page: Any, clerk: Any
) -> None:
    page.goto("/staff/login/")

    page.get_by_role("button", name="登录", exact=True).click()

    summary = page.get_by_role("alert")
    expect(summary.get_by_role("link")).to_have_count(2)
    expect(summary.get_by_role("link").nth(1)).to_have_attribute("href", "#id_password")
    # Not by colour alone: the message is words, tied to the field for screen readers.
    password = page.get_by_label("密码")
    expect(password).to_have_attribute("aria-invalid", "true")
    expect(password).to_have_accessible_description(re.compile("错误："))
    assert_page_ok(page)


def test_english_switch(page: Any, clerk: Any) -> None:
    page.goto("/")

    page.get_by_role("button", name="English").click()

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Government services, all in one place"
    )
    assert_page_ok(page)
    screenshot(page, "landing-en-1280")
    page.get_by_role("link", name="Staff sign-in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Staff sign-in")
    assert_page_ok(page)
    sign_in(page, "clerk", PASSWORD, submit="Sign in")
    second_factor(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, clerk")
    expect(page.get_by_role("heading", name="Service window clerk")).to_be_visible()
    assert_page_ok(page)
    page.set_viewport_size({"width": 320, "height": 640})
    assert_fits(page, 320)
    screenshot(page, "staff-home-en-320")

    page.get_by_role("button", name="简体中文").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("您好，clerk")


@pytest.mark.parametrize("elder", [False, True], ids=["standard", "elder"])
def test_pages_fit_a_320px_screen(open_page: Any, clerk: Any, elder: bool) -> None:
    page = open_page(width=320, height=640)
    suffix = "-elder" if elder else ""
    page.goto("/")
    if elder:
        page.get_by_role("button", name="长辈版").click()
        expect(page.locator("html")).to_have_class("elder")

    assert_fits(page, 320)
    assert_page_ok(page)
    screenshot(page, f"landing-320{suffix}")

    page.goto("/staff/login/")
    sign_in(page, "clerk", "not-the-password")
    expect(page.get_by_role("alert")).to_be_visible()
    assert_fits(page, 320)
    assert_page_ok(page)
    screenshot(page, f"login-error-320{suffix}")

    sign_in(page, "clerk", PASSWORD)
    second_factor(page)
    expect(page.get_by_role("heading", name="窗口人员")).to_be_visible()
    assert_fits(page, 320)
    assert_page_ok(page)
    screenshot(page, f"staff-home-320{suffix}")


def test_elder_mode_makes_text_and_targets_large(page: Any, clerk: Any) -> None:
    page.goto("/staff/login/")

    page.get_by_role("button", name="长辈版").click()

    expect(page.locator("html")).to_have_class("elder")
    expect(page.get_by_role("heading", level=1)).to_have_text("工作人员登录")  # same page
    body = page.evaluate(
        "(() => { const s = getComputedStyle(document.body);"
        " return [parseFloat(s.fontSize), parseFloat(s.lineHeight)]; })()"
    )
    font_size, line_height = body
    assert font_size >= 18
    assert line_height / font_size >= 1.5
    for target in [
        page.get_by_role("button", name="标准版"),
        page.get_by_role("button", name="English"),
        page.get_by_role("button", name="登录", exact=True),
        page.get_by_label("用户名"),
        page.get_by_label("密码"),
    ]:
        box = target.bounding_box()
        assert box["width"] >= 60 and box["height"] >= 60, (target, box)
    assert_page_ok(page)
    screenshot(page, "login-elder-1280")

    page.get_by_role("button", name="标准版").click()
    expect(page.locator("html")).not_to_have_class("elder")


def test_skip_link_is_the_first_stop_for_keyboard_users(page: Any) -> None:
    page.goto("/")

    page.keyboard.press("Tab")

    skip = page.get_by_role("link", name="跳到主要内容")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("#main$"))


def test_error_pages_pass_axe(page: Any, clerk: Any) -> None:
    page.goto("/no-such-page/")
    expect(page.get_by_role("heading", level=1)).to_have_text("页面不存在")
    assert_page_ok(page)
