"""Data sharing in a real browser: the police's data officer registers a resource with its
fields, publishes it and mounts it on the population table; the social-security bureau's
officer finds it by a Chinese keyword and asks for two fields for a purpose; the police approve
from their queue; the bureau creates an application and sees its API key once. The test then
calls the gateway with that key, as the bureau's system would, and the bureau finds the call
in its call log, whose chain verifies; the quality page shows the mount rate. Every page passes
axe and its CSP and fits a 320 px screen."""

from __future__ import annotations

import json
import re
import urllib.parse
import urllib.request
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_catalog_staff import check_narrow, signed_in_page
from tests.exchange.conftest import (  # noqa: F401 (the exchange's fixtures)
    hrss,
    hrss_officer,
    police,
    police_officer,
)
from yiwang.exchange import synth
from yiwang.exchange.models import CallLogEntry, ShareGrant
from yiwang.kernel.models import BasePerson

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CODE = "GA-SF-001"
NAME = "人口身份信息"
ITEMS = "id_number|公民身份号码|字符|是|\nname|姓名|字符|是|\ngender|性别|字符|否|"
PURPOSE = "社保参保登记核验身份"


def call_gateway(live_server: Any, key: str, id_number: str) -> dict[str, Any]:
    query = urllib.parse.urlencode({"key": id_number, "fields": "name,gender", "purpose": PURPOSE})
    request = urllib.request.Request(  # noqa: S310 (the live server, http on loopback)
        f"{live_server.url}/api/v1/exchange/data/{CODE}?{query}", headers={"X-Api-Key": key}
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        assert response.status == 200
        answer: dict[str, Any] = json.loads(response.read())
    return answer


def test_register_request_approve_call_and_audit(
    open_page: Any,
    live_server: Any,
    police_officer: Any,  # noqa: F811
    hrss_officer: Any,  # noqa: F811
    police: Any,  # noqa: F811
    hrss: Any,  # noqa: F811
) -> None:
    synth.synthesize(people=5, entities=1, credit=1, seed=7, progress=False)

    # (a) The provider's data officer finds the exchange from the staff home
    provider = signed_in_page(open_page, live_server, police_officer)
    provider.goto("/staff/")
    provider.get_by_role("link", name=re.compile("^资源目录")).click()
    expect(provider.get_by_role("heading", level=1)).to_have_text("数据共享交换")
    check_narrow(provider, "exchange-catalogue-empty")

    # registers a resource; a fields table with a bad line is pointed out first
    nav = provider.get_by_role("navigation", name="数据共享交换")
    nav.get_by_role("link", name="登记资源").click()
    provider.get_by_label("资源代码").fill(CODE)
    provider.get_by_label("资源名称").fill(NAME)
    provider.get_by_label("资源分类").fill("1.01.003")
    provider.get_by_label("资源摘要").fill("公民身份号码、姓名、性别,用于核验身份。")
    provider.get_by_label("资源格式").fill("数据库")
    provider.get_by_label("有条件共享").check()
    provider.get_by_label("共享条件").fill("用于办理社会保障业务时核验身份。")
    provider.get_by_label("信息项", exact=True).fill(ITEMS + "\nbad line")
    provider.get_by_role("button", name="登记资源").click()
    expect(provider.get_by_role("alert")).to_contain_text("第 4 行")
    expect(provider.get_by_label("信息项", exact=True)).to_have_attribute("aria-invalid", "true")
    check_narrow(provider, "exchange-resource-new-error")
    provider.get_by_label("信息项", exact=True).fill(ITEMS)
    provider.get_by_role("button", name="登记资源").click()
    expect(provider.get_by_role("heading", level=1)).to_have_text(NAME)
    expect(provider.get_by_role("status")).to_contain_text("已登记资源")

    # publishes it and mounts it on the population table
    provider.get_by_role("button", name="发布", exact=True).click()
    expect(provider.get_by_role("status")).to_contain_text("已发布第 1 版")
    provider.get_by_label("基础库数据表").select_option("population")
    provider.get_by_role("button", name="挂接数据表").click()
    expect(provider.get_by_role("status")).to_contain_text("已挂接数据表 population")
    expect(provider.locator("#mount")).to_contain_text("5 条")
    check_narrow(provider, "exchange-resource")

    # (b) The consumer's officer finds it by a Chinese keyword
    consumer = signed_in_page(open_page, live_server, hrss_officer)
    consumer.goto("/staff/exchange/")
    consumer.get_by_label("关键词").fill("身份")
    consumer.get_by_role("button", name="搜索").click()
    consumer.get_by_role("link", name=NAME).click()
    expect(consumer.get_by_role("heading", level=1)).to_have_text(NAME)
    consumer.get_by_role("link", name="申请共享").click()
    expect(consumer.get_by_role("heading", level=1)).to_contain_text("申请共享")
    # a request without a purpose is pointed out on its field
    consumer.get_by_label("姓名（name）").check()
    consumer.get_by_label("性别（gender）").check()
    consumer.get_by_role("button", name="提交申请").click()
    expect(consumer.get_by_role("alert")).to_contain_text("请填写数据用途")
    check_narrow(consumer, "exchange-request-error")
    consumer.get_by_label("用途").fill(PURPOSE)
    consumer.get_by_label("申请依据").fill("《社会保险法》第五十八条")
    consumer.get_by_role("button", name="提交申请").click()
    expect(consumer.get_by_role("status")).to_contain_text("申请已提交")
    check_narrow(consumer, "exchange-request")

    # (c) The provider approves it from the queue
    provider.get_by_role("navigation", name="数据共享交换").get_by_role(
        "link", name="待审批"
    ).click()
    expect(provider.locator("#requests-caption")).to_be_attached()
    check_narrow(provider, "exchange-queue")
    provider.get_by_role("link", name=re.compile(r"^第 \d+ 号$")).click()
    expect(provider.get_by_label("姓名（name）")).to_be_checked()
    provider.get_by_role("button", name="同意", exact=True).click()
    expect(provider.get_by_role("status")).to_contain_text("已同意申请")
    check_narrow(provider, "exchange-request-approved")
    assert ShareGrant.objects.get().fields == ["name", "gender"]

    # (d) The consumer creates an application and sees its API key once
    consumer.get_by_role("navigation", name="数据共享交换").get_by_role("link", name="应用").click()
    consumer.get_by_label("应用名称").fill("社保业务系统")
    consumer.get_by_role("button", name="新建应用").click()
    expect(consumer.get_by_role("heading", level=1)).to_have_text("请立即复制并保存凭据")
    expect(consumer.get_by_text("凭据只显示这一次。")).to_be_visible()
    key = consumer.get_by_label("API 密钥").input_value()
    assert key.startswith("ywk_")
    check_narrow(consumer, "exchange-app-key")
    consumer.get_by_role("link", name="我已保存，返回应用列表").click()
    expect(consumer.get_by_role("cell", name="社保业务系统", exact=True)).to_be_visible()
    assert key not in consumer.content()

    # The bureau's system calls the gateway with that key
    person = BasePerson.objects.order_by("pk").first()
    assert person is not None
    answer = call_gateway(live_server, key, str(person.id_number))
    assert set(answer["records"][0]) >= {"gender"}
    assert "id_number" not in answer["records"][0]

    # (e) The consumer sees the call in the call log, and the log verifies
    consumer.get_by_role("navigation", name="数据共享交换").get_by_role(
        "link", name="调用日志"
    ).click()
    calls = consumer.locator("#results")
    expect(calls).to_contain_text(CODE)
    expect(calls).to_contain_text(PURPOSE)
    expect(calls).to_contain_text("社保业务系统")
    expect(calls).to_contain_text("成功")
    consumer.get_by_role("button", name="校验日志链").click()
    expect(consumer.locator("#verdict")).to_contain_text("日志链校验通过")
    check_narrow(consumer, "exchange-calls")
    assert CallLogEntry.objects.filter(outcome="ok", resource_code=CODE).count() == 1

    # (f) The provider's quality page shows the mount rate
    provider.get_by_role("navigation", name="数据共享交换").get_by_role(
        "link", name="数据质量"
    ).click()
    row = provider.locator("#quality tbody tr", has_text=police.name)
    expect(row.locator("td[data-label='挂接率']")).to_have_text("100%")
    expect(row.locator("td[data-label='近30天调用']")).to_have_text("1")
    check_narrow(provider, "exchange-quality")
    screenshot(provider, "exchange-quality-final")
