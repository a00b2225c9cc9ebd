"""Enterprise binding, agents and switching identity in a real browser."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_journey import assert_fits, assert_page_ok
from tests.factories import AccountFactory
from yiwang.identity.models import Delegation
from yiwang.identity.services import agent_scope, verify_real_name
from yiwang.kernel.demo import ENTITIES, PERSONS, demo_credit_code, load_base_data
from yiwang.kernel.demo import person_id_number as pid

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CREDIT_CODE = demo_credit_code(ENTITIES[0][0])
ENTITY_NAME = ENTITIES[0][1]


def verified(username: str, person: int, mobile: str) -> Any:
    account = AccountFactory(username=username, mobile=mobile)
    name, birth, seq = PERSONS[person]
    return verify_real_name(actor="test", account=account, name=name, id_number=pid(birth, seq))


def signed_in_page(open_page: Any, live_server: Any, account: Any, **options: Any) -> Any:
    client = Client()
    client.force_login(account)
    page = open_page(**options)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return page


def test_bind_delegate_act_and_revoke(open_page: Any, live_server: Any) -> None:
    cache.clear()
    load_base_data(lambda *_: None)
    zhang = verified("zhang", 0, "13700000001")
    wang = verified("wang", 1, "13700000002")
    page = signed_in_page(open_page, live_server, zhang, width=320, height=640)

    # The representative binds the entity
    page.goto("/account/entities/")
    expect(page.get_by_role("heading", level=1)).to_have_text("企业与经办人")
    assert_page_ok(page)
    page.get_by_role("link", name="绑定企业").click()
    assert_page_ok(page)
    assert_fits(page, 320)
    page.get_by_label("统一社会信用代码").fill(CREDIT_CODE)
    page.get_by_role("button", name="绑定").click()
    expect(page.get_by_role("status")).to_contain_text(ENTITY_NAME)
    expect(page.get_by_role("heading", name=ENTITY_NAME)).to_be_visible()
    assert_page_ok(page)
    assert_fits(page, 320)
    screenshot(page, "entities-320")

    # ... delegates 王芳 for every service (the defaults: all services, one year)
    page.get_by_role("link", name="管理经办人").click()
    page.get_by_role("link", name="添加经办人").click()
    assert_page_ok(page)
    assert_fits(page, 320)
    expect(page.get_by_label("全部事项")).to_be_checked()
    page.get_by_label("经办人手机号码").fill(wang.mobile)
    page.get_by_role("button", name="添加经办人").click()
    expect(page.get_by_role("status")).to_have_text("已添加经办人")
    expect(page.get_by_text("137****0002")).to_be_visible()
    assert_page_ok(page)
    assert_fits(page, 320)
    screenshot(page, "agents-320")
    assert agent_scope(wang, CREDIT_CODE) == ["*"]

    # The agent acts for the entity
    agent_page = signed_in_page(open_page, live_server, wang)
    agent_page.goto("/account/acting-for/")
    assert_page_ok(agent_page)
    agent_page.get_by_role("button", name=re.compile(f"^以企业身份办事.*{ENTITY_NAME}")).click()
    expect(agent_page.get_by_role("status")).to_contain_text(ENTITY_NAME)
    expect(agent_page.locator(".inset")).to_contain_text(ENTITY_NAME)
    assert_page_ok(agent_page)

    # The representative revokes, after confirming
    page.get_by_role("link", name="撤销授权").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("撤销经办人授权")
    assert_page_ok(page)
    assert_fits(page, 320)
    page.get_by_role("button", name="确认撤销").click()
    expect(page.get_by_role("status")).to_have_text("已撤销该经办人的授权")
    expect(page.get_by_text("还没有经办人。")).to_be_visible()
    assert Delegation.objects.get().revoked_at is not None

    # ... and it takes effect at once for the agent
    agent_page.goto("/account/acting-for/")
    expect(agent_page.locator(".inset")).to_contain_text("个人")
    expect(agent_page.get_by_text("没有可以代表办事的企业。")).to_be_visible()


def test_unverified_account_is_sent_to_verify(open_page: Any, live_server: Any) -> None:
    citizen = AccountFactory(username="citizen")
    page = signed_in_page(open_page, live_server, citizen)

    page.goto("/account/entities/")

    expect(page.get_by_text("请先完成实名认证")).to_be_visible()
    assert_page_ok(page)
    page.get_by_role("link", name="去实名认证").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("实名认证")
