"""The 12345 centre's oversight in a real browser: the supervisor opens the supervision list and
urges an overdue order with escalation, then opens the analytics, narrows it to a district and
sees the tables, the charts and the map; an agent records a callback. Every page passes axe and
its CSP and fits a 320 px screen."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.test_catalog_staff import check_narrow, signed_in_page
from tests.hotline.conftest import (  # noqa: F401 (the hotline's fixtures)
    agent,
    centre,
    deadline_rules,
    lead_clerk,
    lead_department,
    supervisor,
    supporting_department,
    topics,
)
from yiwang.hotline import services
from yiwang.hotline.models import Feedback, Supervision, WorkOrder

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _no_model(settings: Any, tmp_path: Any) -> None:
    (tmp_path / "keys").mkdir(exist_ok=True)
    settings.DATA_DIR = tmp_path
    from yiwang.hotline import classifier

    classifier.forget()


def call(actor: Any, **overrides: Any) -> WorkOrder:
    fields: dict[str, Any] = {
        "channel": "phone",
        "category": "complaint",
        "title": "小区物业不作为",
        "content": "小区物业长期不打扫楼道，请督促整改。",
        "region_code": "420106",
        "latitude": "30.560000",
        "longitude": "114.300000",
        "topic_code": "0101",
        "contact_name": "李四",
        "contact_phone": "13812345678",
    }
    fields.update(overrides)
    return services.create_order(actor=actor, **fields)


@pytest.fixture
def orders(
    topics: Any,  # noqa: F811
    deadline_rules: None,  # noqa: F811
    agent: Any,  # noqa: F811
    lead_clerk: Any,  # noqa: F811
) -> dict[str, Any]:
    """An overdue order (as the deadline job marks it), an order completed and waiting for its
    callback, and one more on another topic."""
    late = call(agent, urgency="urgent", title="电梯停运无人处理")
    assert late.due_at is not None
    services.mark_deadlines(now=late.due_at + dt.timedelta(hours=2))
    WorkOrder.objects.filter(pk=late.pk).update(due_at=timezone.now() - dt.timedelta(hours=2))
    done = call(agent, latitude="30.540000", longitude="114.320000")
    services.reply(actor=lead_clerk, order=done, content="已责令物业整改，楼道已清扫。")
    services.complete(actor=agent, order=done)
    other = call(agent, topic_code="0102", latitude="30.580000", longitude="114.280000")
    return {"late": late, "done": done, "other": other}


def test_supervise_analyse_and_call_back(
    open_page: Any,
    live_server: Any,
    orders: dict[str, Any],
    supervisor: Any,  # noqa: F811
    agent: Any,  # noqa: F811
) -> None:
    late, done = orders["late"], orders["done"]

    # The supervisor opens the supervision list from the hotline's navigation
    boss = signed_in_page(open_page, live_server, supervisor)
    boss.goto("/staff/hotline/supervision/")
    expect(boss.get_by_role("heading", level=1)).to_have_text("督办")
    card = boss.locator("li.hc-card", has_text=late.number)
    expect(card).to_contain_text("已超期")
    expect(card).to_contain_text("武汉市住房和城市更新局")
    check_narrow(boss, "hotline-supervision")

    # ... an empty note is refused with the error summary
    card.get_by_role("button", name=f"督办 {late.number}").click()
    expect(boss.get_by_role("heading", name="出现了问题")).to_be_visible()
    expect(boss.locator(".error-summary")).to_contain_text("请填写督办意见")
    check_narrow(boss, "hotline-supervision-refused")

    # ... then they urge it with escalation
    card = boss.locator("li.hc-card", has_text=late.number)
    card.get_by_label("督办意见").fill("已超期两小时，请今日办结并反馈。")
    card.get_by_label("提级督办（报上级热线）").check()
    card.get_by_role("button", name=f"督办 {late.number}").click()
    expect(boss.get_by_role("status")).to_contain_text(f"已督办工单{late.number}，并提级")
    card = boss.locator("li.hc-card", has_text=late.number)
    expect(card).to_contain_text("已提级督办")
    expect(card).to_contain_text("已超期两小时，请今日办结并反馈。")
    assert Supervision.objects.get(order=late).level == 2

    # The supervisor opens the analytics and sees the tables, the charts and the map
    boss.get_by_role("link", name="统计分析").click()
    expect(boss.get_by_role("heading", level=1)).to_have_text("统计分析")
    expect(boss.get_by_role("table", name="按大类")).to_contain_text("住房与物业")
    expect(boss.get_by_role("table", name="按主办部门")).to_contain_text("武汉市住房和城市更新局")
    expect(boss.get_by_role("table", name="部门三率")).to_contain_text("武汉市住房和城市更新局")
    expect(boss.get_by_role("img", name="每日工单量柱状图")).to_be_visible()
    expect(boss.get_by_role("img", name="各大类工单量条形图")).to_be_visible()
    figure = boss.get_by_role("group", name="工单分布图（按坐标）")
    expect(figure).to_be_visible()
    expect(figure.get_by_role("link")).to_have_count(3)
    link = figure.get_by_role("link", name=re.compile(f"^{late.number} "))
    assert link.get_attribute("href") == f"/staff/hotline/orders/{late.pk}/"
    check_narrow(boss, "hotline-analytics")

    # ... narrows it to 武昌区 and a bad date range, which is refused
    boss.get_by_label("区域").select_option("420106")
    boss.get_by_label("开始日期").fill("2026-03-10")
    boss.get_by_label("结束日期").fill("2026-03-01")
    boss.get_by_role("button", name="统计").click()
    expect(boss.locator(".error-summary")).to_contain_text("结束日期不能早于开始日期")
    check_narrow(boss, "hotline-analytics-refused")
    boss.get_by_label("开始日期").fill("")
    boss.get_by_label("结束日期").fill("")
    boss.get_by_role("button", name="统计").click()
    expect(boss.locator(".lead")).to_contain_text("武昌区")
    expect(boss.get_by_role("table", name="按区县")).to_contain_text("武昌区")

    # An agent records the callback of the completed order
    desk = signed_in_page(open_page, live_server, agent)
    desk.goto("/staff/hotline/callbacks/")
    expect(desk.get_by_role("heading", level=1)).to_have_text("回访")
    card = desk.locator("li.hc-card", has_text=done.number)
    expect(card).to_contain_text("13812345678")
    check_narrow(desk, "hotline-callbacks")
    card.get_by_label("4 满意").check()
    card.get_by_label("已解决", exact=True).check()
    card.get_by_label("回访记录").fill("群众表示楼道已清扫，满意。")
    card.get_by_role("button", name=f"记录回访 {done.number}").click()
    expect(desk.get_by_role("status")).to_contain_text(f"已记录工单{done.number}的回访")
    expect(desk.locator("li.hc-card", has_text=done.number)).to_have_count(0)
    feedback = Feedback.objects.get(order=done)
    assert (feedback.score, feedback.resolved, feedback.by_callback) == (4, True, True)
    check_narrow(desk, "hotline-callbacks-done")
