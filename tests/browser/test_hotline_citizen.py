"""The 12345 hotline's citizens' pages in a real browser, on a 320 px phone screen: a citizen
signs in from the request form, is refused an empty complaint, submits it with a photo, finds
it under 我的诉求; once the order is completed (arranged through the services) rates it
非常不满意 and asks for it to be handled again. An anonymous visitor searches the public
knowledge base. Every page passes axe and its CSP and fits 320 px."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_catalog_staff import signed_in_page
from tests.browser.test_journey import assert_fits, assert_page_ok
from tests.factories import PASSWORD, AccountFactory, DepartmentFactory, StaffFactory
from yiwang.hotline import knowledge, services
from yiwang.hotline.models import OrderStatus, WorkOrder

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 320, "height": 640}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _no_model(settings: Any, tmp_path: Any) -> None:
    """No classifier is trained here: the citizen's order waits for an agent."""
    (tmp_path / "keys").mkdir(exist_ok=True)
    settings.DATA_DIR = tmp_path
    from yiwang.hotline import classifier

    classifier.forget()


@dataclass
class Hotline:
    agent: Any  # a hotline agent of 武汉市's 12345 centre
    lead_department: Any  # 武汉市住房和城市更新局
    lead_clerk: Any


@pytest.fixture
def hotline(regions: Any) -> Hotline:
    """The centre with an agent, a lead department with a clerk and an editor, and topic 0101
    物业服务 dispatched to it in 武汉市 (the page tests' personas, made here: the hotline
    tests' conftest does not reach the browser tests)."""
    from yiwang.hotline.models import DispatchRule, Topic

    centre = DepartmentFactory(
        code="4201-12345", name="武汉市12345市民服务热线中心", region=regions.wuhan
    )
    lead = DepartmentFactory(code="4201-ZFGXJ", name="武汉市住房和城市更新局", region=regions.wuhan)
    group = Topic.objects.create(code="01", name="住房与物业")
    topic = Topic.objects.create(code="0101", name="物业服务", parent=group, keywords=["物业"])
    DispatchRule.objects.create(topic=topic, region=regions.wuhan, lead=lead)
    return Hotline(
        agent=StaffFactory(username="agent", role="hotline_agent", department=centre),
        lead_department=lead,
        lead_clerk=StaffFactory(username="lead_clerk", role="window_clerk", department=lead),
    )


def checked(page: Any, name: str) -> None:
    """The page passes axe and its CSP, and fits the phone's 320 px."""
    assert_fits(page, 320)
    assert_page_ok(page)
    screenshot(page, f"hotline-citizen-{name}")


def test_a_citizen_submits_tracks_rates_and_reopens_on_a_phone(
    open_page: Any, hotline: Hotline, tmp_path: Path
) -> None:
    agent, lead_clerk = hotline.agent, hotline.lead_clerk
    AccountFactory(username="resident", mobile="13800001111", is_staff=False)
    page = open_page(**PHONE)

    # The landing page leads to the form; the form asks her to sign in first
    page.goto("/hotline/")
    expect(page.get_by_role("heading", level=1)).to_have_text("12345政务服务便民热线")
    checked(page, "home")
    page.get_by_role("link", name="网上提交诉求").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("登录")
    page.get_by_label("用户名或手机号码").fill("resident")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("提交诉求")
    expect(page.get_by_label("联系电话")).to_have_value("13800001111")
    checked(page, "new")

    # A complaint with no content is refused: the summary links to the field
    page.get_by_label("投诉").check()
    page.get_by_label("所在区县").select_option("420106")
    page.get_by_role("button", name="提交诉求").click()
    expect(page).to_have_title(re.compile("^错误："))
    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    link = summary.get_by_role("link", name=re.compile("请填写诉求内容"))
    expect(link).to_have_attribute("href", "#id_content")
    checked(page, "new-error")
    link.click()
    content = page.get_by_label("诉求内容")
    expect(content).to_be_focused()
    expect(content).to_have_accessible_description(re.compile(r"错误：\s*请填写诉求内容"))
    assert not WorkOrder.objects.exists()

    # Then with its content, the choices kept, and a photo of the stairwell
    expect(page.get_by_label("投诉")).to_be_checked()
    content.fill("小区物业长期不打扫楼道，垃圾堆积发臭，请督促整改。")
    page.get_by_label("详细地址（选填）").fill("积玉桥街道某小区3栋")
    photo = tmp_path / "楼道.png"
    photo.write_bytes(PNG)
    page.get_by_label("照片（选填）").set_input_files(photo)
    page.get_by_role("button", name="提交诉求").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("诉求已提交")
    order = WorkOrder.objects.get()
    expect(page.locator(".hl-order-no")).to_have_text(order.number)
    expect(page.get_by_role("main")).to_contain_text("13 个工作日内")
    checked(page, "received")

    # She finds it under 我的诉求
    page.get_by_role("link", name="返回我的诉求").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("我的诉求")
    item = page.get_by_role("listitem").filter(has_text=order.number)
    expect(item).to_contain_text("已受理，正在确定办理部门")
    checked(page, "mine")
    item.get_by_role("link", name=order.title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(order.title)
    expect(page.locator('[aria-current="step"]')).to_contain_text("派单")
    checked(page, "order-received")

    # The centre dispatches it, the department answers, the centre completes it
    services.dispatch(actor=agent, order=order, topic_code="0101")
    services.reply(actor=lead_clerk, order=order, content="已责令物业整改，楼道已清扫。")
    services.complete(actor=agent, order=order)

    # She reads the answer and rates it 非常不满意
    page.reload()
    answers = page.get_by_role("region", name="部门答复")
    expect(answers).to_contain_text("已责令物业整改")
    expect(answers).to_contain_text("武汉市住房和城市更新局")
    expect(page.locator('[aria-current="step"]')).to_contain_text("评价")
    checked(page, "order-completed")
    rate = page.get_by_role("region", name="请您评价")
    rate.get_by_label("非常不满意").check()
    rate.get_by_label("未解决").check()
    rate.get_by_label("评价内容（选填）").fill("楼道还是很脏")
    rate.get_by_role("button", name="提交评价").click()
    expect(page.get_by_role("status")).to_contain_text("感谢您的评价")
    expect(page.get_by_role("region", name="评价记录")).to_contain_text("非常不满意")
    checked(page, "order-rated")

    # and asks for it to be handled again
    reopen = page.get_by_role("region", name="不满意？申请重办")
    reopen.get_by_label("申请重办的理由").fill("楼道只扫了一次，又脏了。")
    reopen.get_by_role("button", name="申请重办").click()
    expect(page.get_by_role("status")).to_contain_text("已申请重办")
    expect(page.get_by_role("main")).to_contain_text("第 1 轮办理")
    checked(page, "order-reopened")
    order.refresh_from_db()
    assert order.status == OrderStatus.REOPENED


def test_an_anonymous_visitor_searches_the_knowledge_base(open_page: Any, hotline: Hotline) -> None:
    lead_department = hotline.lead_department
    editor = StaffFactory(username="editor", role="department_admin", department=lead_department)
    article = knowledge.create_article(
        actor=editor,
        owner=lead_department,
        title="住宅专项维修资金怎样申请使用",
        body="维修资金的使用须经业主大会表决同意。\n\n由物业服务企业提出使用方案。",
    )
    knowledge.publish_article(actor=editor, article=article)
    knowledge.create_article(
        actor=editor, owner=lead_department, title="维修资金草稿", body="尚未发布。"
    )
    page = open_page(**PHONE)

    page.goto("/hotline/")
    page.get_by_role("searchbox", name="搜索常见问题").fill("维修资金")
    page.get_by_role("button", name="搜索").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("常见问题")
    results = page.get_by_role("region", name="搜索结果")
    expect(results.get_by_role("status")).to_contain_text("找到 1 条")
    expect(results).not_to_contain_text("维修资金草稿")
    checked(page, "knowledge")
    results.get_by_role("link", name="住宅专项维修资金怎样申请使用").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("住宅专项维修资金怎样申请使用")
    expect(page.get_by_role("main")).to_contain_text("业主大会表决")
    checked(page, "article")
    page.get_by_role("link", name="返回搜索结果").click()
    expect(page.get_by_role("searchbox", name="搜索常见问题")).to_have_value("维修资金")


def test_a_consultation_is_offered_matching_answers_while_typed(
    open_page: Any, live_server: Any, hotline: Hotline
) -> None:
    editor = StaffFactory(
        username="editor", role="department_admin", department=hotline.lead_department
    )
    article = knowledge.create_article(
        actor=editor,
        owner=hotline.lead_department,
        title="物业费收费标准是怎样规定的",
        body="普通住宅前期物业服务收费实行政府指导价。",
    )
    knowledge.publish_article(actor=editor, article=article)
    citizen = AccountFactory(username="resident", is_staff=False)
    page = signed_in_page(open_page, live_server, citizen, **PHONE)

    page.goto("/hotline/new/")
    page.get_by_label("咨询").check()
    page.get_by_label("诉求内容").fill("请问物业费是怎么收的？")
    offered = page.get_by_role("heading", name="可能对您有帮助")
    expect(offered).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("物业费收费标准"))).to_have_attribute(
        "href", f"/hotline/knowledge/{article.pk}/"
    )
    checked(page, "new-suggestions")

    # a complaint is not answered from the knowledge base: the panel goes
    page.get_by_label("投诉").check()
    expect(offered).to_have_count(0)
