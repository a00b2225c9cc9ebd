"""Registration and real-name verification in a real browser, at 320 px, with axe."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_journey import assert_fits, assert_page_ok
from yiwang.identity.models import Account, VerificationLevel
from yiwang.kernel.demo import PERSONS, load_base_data, person_id_number
from yiwang.kernel.fields import lookup
from yiwang.kernel.models import SmsMessage

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MOBILE = "13912345678"


def last_code(mobile: str) -> str:
    message = SmsMessage.objects.filter(**lookup(SmsMessage, "mobile", mobile)).last()
    assert message is not None
    match = re.search(r"\d{6}", message.body)
    assert match
    return match.group(0)


def test_register_and_verify_on_a_small_screen(open_page: Any) -> None:
    cache.clear()
    load_base_data(lambda *_: None)
    name, birth, seq = PERSONS[0]
    page = open_page(width=320, height=640)

    # Step 1: the mobile number, with a linked error first
    page.goto("/account/register/")
    expect(page.get_by_role("heading", level=1)).to_have_text("注册账号")
    assert_page_ok(page)
    assert_fits(page, 320)
    page.get_by_label("手机号码").fill("123")
    page.get_by_role("button", name="获取验证码").click()
    expect(page).to_have_title(re.compile("^错误："))
    expect(page.get_by_role("alert")).to_be_focused()
    expect(page.get_by_label("手机号码")).to_have_attribute("aria-invalid", "true")
    assert_page_ok(page)
    assert_fits(page, 320)
    screenshot(page, "register-error-320")
    page.get_by_label("手机号码").fill(MOBILE)
    page.get_by_role("button", name="获取验证码").click()

    # Step 2: the code and a password
    expect(page.get_by_role("heading", level=1)).to_have_text("输入验证码并设置密码")
    expect(page.get_by_text("验证码已发送至 139****5678")).to_be_visible()
    assert_page_ok(page)
    assert_fits(page, 320)
    page.get_by_label("短信验证码").fill(last_code(MOBILE))
    page.get_by_label("设置密码").fill("Qingshan-Lake-2026")
    page.get_by_role("button", name="注册").click()

    # Step 3: 实名认证, signed in; a mismatch first, then the right pair
    expect(page.get_by_role("heading", level=1)).to_have_text("实名认证")
    expect(page.get_by_text("第 3 步，共 3 步")).to_be_visible()
    assert_page_ok(page)
    assert_fits(page, 320)
    screenshot(page, "verify-320")
    page.get_by_label("姓名").fill("王芳")
    page.get_by_label("居民身份证号码").fill(person_id_number(birth, seq))
    page.get_by_role("button", name="提交认证").click()
    link = page.get_by_role("alert").get_by_role("link")
    expect(link).to_have_text(re.compile("姓名与身份证号码不一致"))
    expect(link).to_have_attribute("href", "#id_name")
    assert_page_ok(page)
    page.get_by_label("姓名").fill(name)
    page.get_by_label("居民身份证号码").fill(person_id_number(birth, seq))
    page.get_by_role("button", name="提交认证").click()

    expect(page.get_by_role("heading", name="已完成实名认证")).to_be_visible()
    expect(page.get_by_role("status")).to_have_text("实名认证成功")
    assert_page_ok(page)
    assert_fits(page, 320)
    screenshot(page, "verified-320")
    account = Account.objects.get(**lookup(Account, "mobile", MOBILE))
    assert account.verification_level == VerificationLevel.REAL_NAME


def test_register_pages_pass_axe_in_elder_mode(open_page: Any) -> None:
    cache.clear()
    page = open_page()
    page.goto("/account/register/")
    page.get_by_role("button", name="长辈版").click()
    expect(page.locator("html")).to_have_class("elder")

    page.get_by_label("手机号码").fill(MOBILE)
    page.get_by_role("button", name="获取验证码").click()

    expect(page.get_by_label("短信验证码")).to_be_visible()
    assert_page_ok(page)
    box = page.get_by_role("button", name="注册").bounding_box()
    assert box["height"] >= 60
