"""Work orders in a real browser: (a) the lead department's clerk finds a new order in the
queue, signs for it, submits an empty reply (and is told), then replies; the centre's agent
completes it; (b) a clerk sends an order back with a reason; (c) the agent dispatches an order
that waits for routing, overriding the classifier's proposal. Every page passes axe and its
CSP and fits a 320 px screen."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.test_catalog_staff import check_narrow, signed_in_page
from tests.hotline.conftest import (  # noqa: F401 (the hotline's fixtures)
    agent,
    centre,
    deadline_rules,
    lead_clerk,
    lead_department,
    support_clerk,
    supporting_department,
    topics,
)
from yiwang.hotline import services
from yiwang.hotline.models import (
    Assignment,
    AssignmentStatus,
    OrderStatus,
    SendBack,
    WorkOrder,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _no_model(settings: Any, tmp_path: Any) -> None:
    """No classifier is trained here: orders without a topic wait for an agent."""
    (tmp_path / "keys").mkdir(exist_ok=True)
    settings.DATA_DIR = tmp_path
    from yiwang.hotline import classifier

    classifier.forget()


def call(by: Any, **overrides: Any) -> WorkOrder:
    fields: dict[str, Any] = {
        "channel": "phone",
        "category": "complaint",
        "title": "小区物业不作为",
        "content": "我们小区物业公司长期不打扫楼道，垃圾堆积，请相关部门督促整改。",
        "region_code": "420106",
        "address": "武昌区积玉桥街道某小区3栋",
        "topic_code": "0101",
        "contact_name": "李四",
        "contact_phone": "13812345678",
        "caller_number": "13812345678",
    }
    fields.update(overrides)
    return services.create_order(actor=by, **fields)


def test_lead_department_signs_for_replies_and_the_centre_completes(
    open_page: Any,
    live_server: Any,
    topics: Any,  # noqa: F811
    deadline_rules: None,  # noqa: F811
    agent: Any,  # noqa: F811
    lead_clerk: Any,  # noqa: F811
    support_clerk: Any,  # noqa: F811
) -> None:
    order = call(agent)
    clerk = signed_in_page(open_page, live_server, lead_clerk)

    # The clerk opens the department's queue and finds the order waiting to be signed for
    clerk.goto("/staff/hotline/orders/")
    expect(clerk.get_by_role("heading", level=1)).to_have_text("本部门工单")
    row = clerk.get_by_role("row").filter(has_text=order.number)
    expect(row).to_contain_text("主办 · 待签收")
    expect(row).to_contain_text("正常")
    check_narrow(clerk, "hotline-orders-queue")
    clerk.get_by_label("本部门办理状态").select_option("pending")
    clerk.get_by_role("button", name="筛选").click()
    expect(clerk.get_by_role("heading", name="共 1 件")).to_be_visible()
    clerk.get_by_role("link", name=order.number).click()

    # The order page: the contact in full for the lead department; signs for it
    expect(clerk.get_by_role("heading", level=1)).to_have_text("小区物业不作为")
    expect(clerk.get_by_text("13812345678").first).to_be_visible()
    check_narrow(clerk, "hotline-orders-order-clerk")
    clerk.get_by_role("button", name="签收工单").click()
    expect(clerk.get_by_role("status")).to_contain_text("已签收工单")
    expect(clerk.get_by_role("button", name="签收工单")).to_have_count(0)

    # An empty reply is refused, with the error summary linked to the field
    clerk.get_by_role("button", name="提交答复").click()
    summary = clerk.get_by_role("alert")
    expect(summary).to_contain_text("答复内容不能为空。")
    expect(clerk.get_by_label("答复内容")).to_have_attribute("aria-invalid", "true")
    check_narrow(clerk, "hotline-orders-reply-refused")
    summary.get_by_role("link").click()
    expect(clerk.get_by_label("答复内容")).to_be_focused()
    clerk.get_by_label("答复内容").fill("已约谈物业公司，楼道每日清扫，垃圾已清运。")
    clerk.get_by_role("button", name="提交答复").click()
    expect(clerk.get_by_role("status")).to_contain_text("已提交答复")
    expect(clerk.get_by_text("已答复").first).to_be_visible()
    assert WorkOrder.objects.get(pk=order.pk).status == OrderStatus.REPLIED

    # The centre's agent reads the answer and completes the order
    desk = signed_in_page(open_page, live_server, agent)
    desk.goto(f"/staff/hotline/orders/{order.pk}/")
    expect(desk.get_by_text("已约谈物业公司").first).to_be_visible()
    check_narrow(desk, "hotline-orders-order-centre")
    desk.get_by_label("办结说明").fill("答复已核实")
    desk.get_by_role("button", name="办结工单").click()
    expect(desk.get_by_role("status")).to_contain_text("工单已办结")
    expect(desk.get_by_role("heading", name="回访")).to_be_visible()
    timeline = desk.get_by_role("list").filter(has_text="受理").last
    expect(timeline).to_contain_text(re.compile("受理.*派单.*签收.*答复.*办结", re.S))
    assert WorkOrder.objects.get(pk=order.pk).status == OrderStatus.COMPLETED


def test_clerk_sends_an_order_back_with_a_reason(
    open_page: Any,
    live_server: Any,
    topics: Any,  # noqa: F811
    deadline_rules: None,  # noqa: F811
    agent: Any,  # noqa: F811
    lead_clerk: Any,  # noqa: F811
    supporting_department: Any,  # noqa: F811
) -> None:
    order = call(agent, topic_code="0102", title="楼顶漏水")
    clerk = signed_in_page(open_page, live_server, lead_clerk)
    clerk.goto(f"/staff/hotline/orders/{order.pk}/")
    clerk.get_by_role("button", name="提交退单").click()
    expect(clerk.get_by_role("alert")).to_contain_text("请填写理由。")
    clerk.get_by_label("退单理由").fill("屋面防水属物业维修范围，不属本局职责。")
    clerk.get_by_label("建议承办部门").select_option(supporting_department.code)
    clerk.get_by_role("button", name="提交退单").click()
    expect(clerk.get_by_role("status")).to_contain_text("已提交退单")
    expect(clerk.get_by_text("屋面防水属物业维修范围").first).to_be_visible()
    expect(clerk.get_by_role("button", name="提交答复")).to_have_count(0)
    check_narrow(clerk, "hotline-orders-sent-back")
    row = SendBack.objects.get()
    assert row.suggested_department == supporting_department
    lead = Assignment.objects.get(order=order, role="lead")
    assert lead.status == AssignmentStatus.SENT_BACK


def test_agent_dispatches_overriding_the_proposal(
    open_page: Any,
    live_server: Any,
    topics: Any,  # noqa: F811
    deadline_rules: None,  # noqa: F811
    agent: Any,  # noqa: F811
    lead_department: Any,  # noqa: F811
    supporting_department: Any,  # noqa: F811
) -> None:
    order = call(agent, topic_code=None, title="楼顶漏水，墙体开裂")
    WorkOrder.objects.filter(pk=order.pk).update(
        proposed_topic=topics.property_service,
        proposed_department=lead_department,
        proposal_confidence=0.55,
    )
    desk = signed_in_page(open_page, live_server, agent)
    desk.goto("/staff/hotline/orders/")
    desk.get_by_label("状态").select_option("received")
    desk.get_by_role("button", name="筛选").click()
    desk.get_by_role("link", name=order.number).click()

    dispatch = desk.locator("#dispatch-form")
    expect(dispatch).to_contain_text("置信度 55%")
    expect(desk.get_by_label("诉求分类")).to_have_value("0101")
    expect(desk.get_by_label("主办部门")).to_have_value(lead_department.code)
    check_narrow(desk, "hotline-orders-dispatch")

    # The agent knows better: 房屋质量, led by 城管 with 住房 supporting
    desk.get_by_label("诉求分类").select_option("0102")
    desk.get_by_label("主办部门").select_option(supporting_department.code)
    supporting = desk.get_by_role("group", name="协办部门")
    supporting.get_by_label(supporting_department.name).uncheck()
    supporting.get_by_label(lead_department.name).check()
    desk.get_by_role("button", name="确认派单").click()
    expect(desk.get_by_role("status")).to_contain_text("已派单")
    expect(desk.locator(".hotline-status")).to_have_text("已派单")

    fresh = WorkOrder.objects.get(pk=order.pk)
    assert fresh.topic == topics.repairs and fresh.lead_department == supporting_department
    roles = {a.department_id: a.role for a in fresh.assignments.all()}
    assert roles == {supporting_department.pk: "lead", lead_department.pk: "support"}
