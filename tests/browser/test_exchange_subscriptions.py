"""Subscriptions (订阅) in a real browser: the social-security bureau's data officer, holding a
grant on the police's population resource, goes from "my grants" to subscribe the bureau's
application to its changes; a callback URL that is not http(s) is pointed out first; then the
officer finds the subscription in the list and cancels it. Every page passes axe and its CSP
and fits a 320 px screen."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.test_catalog_staff import check_narrow, signed_in_page
from tests.exchange.conftest import (  # noqa: F401 (the exchange's fixtures)
    hrss,
    hrss_app,
    hrss_officer,
    police,
    police_officer,
    population,
    population_grant,
)
from yiwang.exchange.models import Subscription

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOOK = "https://rsj.example.gov.cn/notify"


def test_subscribe_to_a_granted_resource_and_cancel(
    open_page: Any,
    live_server: Any,
    hrss_officer: Any,  # noqa: F811
    population_grant: Any,  # noqa: F811
    hrss_app: Any,  # noqa: F811
) -> None:
    officer = signed_in_page(open_page, live_server, hrss_officer)

    # From "my grants", the officer opens the subscribe page of the population grant
    officer.goto("/staff/exchange/")
    nav = officer.get_by_role("navigation", name="数据共享交换")
    nav.get_by_role("link", name="我的授权").click()
    officer.get_by_role("link", name=re.compile("^订阅变更.*人口基础信息$")).click()
    expect(officer.get_by_role("heading", level=1)).to_have_text("订阅变更：人口基础信息")
    check_narrow(officer, "exchange-subscribe")

    # a callback that is not an http(s) address is pointed out on its field
    officer.get_by_label("社保业务系统").check()
    officer.get_by_label("回调地址（可选）").fill("ftp://rsj.example.gov.cn/notify")
    officer.get_by_role("button", name="订阅", exact=True).click()
    expect(officer.get_by_role("alert")).to_contain_text("回调地址须为 http 或 https 网址")
    expect(officer.get_by_label("回调地址（可选）")).to_have_attribute("aria-invalid", "true")
    check_narrow(officer, "exchange-subscribe-error")
    assert not Subscription.objects.exists()

    # a good one subscribes, and the list shows it
    officer.get_by_label("回调地址（可选）").fill(HOOK)
    officer.get_by_role("button", name="订阅", exact=True).click()
    expect(officer.get_by_role("status")).to_contain_text("已订阅“人口基础信息”的变更")
    row = officer.locator("tbody tr").first
    expect(row.locator("td[data-label='应用']")).to_have_text("社保业务系统")
    expect(row.locator("td[data-label='回调地址']")).to_have_text(HOOK)
    expect(row.locator("td[data-label='最近通知']")).to_have_text("尚未通知")
    check_narrow(officer, "exchange-subscriptions")

    # and cancels it
    officer.get_by_role("button", name="取消订阅").click()
    expect(officer.get_by_role("status")).to_contain_text("已取消应用“社保业务系统”")
    expect(officer.get_by_text("本部门还没有订阅任何资源。")).to_be_visible()
    check_narrow(officer, "exchange-subscriptions-empty")
    assert Subscription.objects.get().cancelled_at is not None
