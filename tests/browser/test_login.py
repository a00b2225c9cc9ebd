"""Sign-in journeys in a real browser: citizen password and SMS-code login, staff first-time
authenticator enrolment, and the account-security page."""

from __future__ import annotations

import re
from typing import Any

import pyotp
import pytest
from playwright.sync_api import expect

from tests.browser.test_journey import assert_fits, assert_page_ok
from tests.factories import PASSWORD
from yiwang.kernel.models import SmsMessage

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_citizen_signs_in_with_a_password_and_logs_out_other_devices(
    open_page: Any, citizen: Any
) -> None:
    page = open_page(width=320, height=640)
    page.goto("/account/login/")
    expect(page.get_by_role("heading", level=1)).to_have_text("登录")
    assert_page_ok(page)
    assert_fits(page, 320)

    page.get_by_label("用户名或手机号码").fill("citizen")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("账号安全")
    expect(page.get_by_role("cell", name=re.compile("本设备"))).to_be_visible()
    assert_page_ok(page)
    assert_fits(page, 320)
    page.get_by_role("button", name="退出其他设备").click()
    expect(page.get_by_role("status")).to_contain_text("已退出其他 0 台设备")


def test_citizen_signs_in_with_an_sms_code(page: Any, citizen: Any) -> None:
    page.goto("/account/login/")
    page.get_by_role("link", name="短信验证码登录").click()
    assert_page_ok(page)

    page.get_by_label("手机号码").fill(citizen.mobile)
    page.get_by_role("button", name="获取验证码").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("输入短信验证码")
    code = re.search(r"\d{6}", SmsMessage.objects.get().body).group(0)  # type: ignore[union-attr]
    page.get_by_label("短信验证码").fill(code)
    page.get_by_role("button", name="登录", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("账号安全")


def test_wrong_sms_code_shows_the_error_summary(page: Any, citizen: Any) -> None:
    page.goto("/account/login/sms/")
    page.get_by_label("手机号码").fill(citizen.mobile)
    page.get_by_role("button", name="获取验证码").click()

    page.get_by_label("短信验证码").fill("000000")
    page.get_by_role("button", name="登录", exact=True).click()

    expect(page.get_by_role("alert")).to_contain_text("验证码不正确或已失效")
    expect(page.get_by_label("短信验证码")).to_have_attribute("aria-invalid", "true")
    assert_page_ok(page)


def test_staff_without_a_factor_enrols_an_authenticator(page: Any, clerk: Any) -> None:
    page.goto("/staff/login/")
    page.get_by_label("用户名").fill("clerk")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("设置身份验证器")
    assert_page_ok(page)
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    page.get_by_label("动态口令").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="完成设置并登录").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("您好，clerk")


def test_citizen_changes_the_mobile_number_with_a_code_sent_to_the_new_one(
    open_page: Any, citizen: Any
) -> None:
    from yiwang.identity.models import Account

    page = open_page(width=320, height=640)
    page.goto("/account/login/")
    page.get_by_label("用户名或手机号码").fill("citizen")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("账号安全")

    page.get_by_role("link", name="更换手机号码").click()
    if page.get_by_label("密码").count():  # asked to confirm who they are first
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="确认").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("更换手机号码")
    assert_page_ok(page)
    assert_fits(page, 320)
    page.locator("input[name=mobile]").fill("13655556666")
    page.get_by_role("button", name="获取验证码").click()

    message = SmsMessage.objects.order_by("-created_at", "-pk").first()
    assert message is not None and message.mobile == "13655556666"
    code = re.search(r"\d{6}", message.body)
    assert code
    page.locator("input[name=code]").fill(code.group(0))
    page.get_by_role("button", name="确认更换").click()

    expect(page.get_by_role("status")).to_contain_text("手机号码已更换")
    assert Account.objects.get(pk=citizen.pk).mobile == "13655556666"


def test_citizen_changes_the_password(open_page: Any, citizen: Any) -> None:
    from yiwang.identity.models import Account

    page = open_page(width=320, height=640)
    page.goto("/account/login/")
    page.get_by_label("用户名或手机号码").fill("citizen")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("账号安全")

    page.get_by_role("link", name="修改密码").click()
    if page.get_by_role("heading", level=1).inner_text() != "修改密码":
        page.get_by_label("密码").fill(PASSWORD)  # asked to confirm who they are first
        page.get_by_role("button", name="确认").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("修改密码")
    page.get_by_role("button", name="修改密码").click()  # empty: the error summary
    expect(page.get_by_role("alert")).to_contain_text("请输入新密码")
    assert_page_ok(page)
    assert_fits(page, 320)

    page.get_by_label("新密码", exact=True).fill("Brand-New-Pass-77")
    page.get_by_label("再次输入新密码").fill("Brand-New-Pass-77")
    page.get_by_role("button", name="修改密码").click()
    expect(page.get_by_role("status")).to_contain_text("密码已修改")
    assert Account.objects.get(pk=citizen.pk).check_password("Brand-New-Pass-77")
