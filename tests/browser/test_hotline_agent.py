"""The 12345 centre's agent in a real browser: (a) registers a call — a bad coordinate is
pointed out first — then, when the same number calls again, looks it up and sees the earlier
order, registers a consultation and closes it from the knowledge base; (b) reviews a
department's send-back (a rejection without a reason is refused, then the order is re-dispatched)
and decides an extension. Every page passes axe and its CSP and fits a 320 px screen."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_catalog_staff import check_narrow, signed_in_page
from tests.factories import StaffFactory
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
from yiwang.hotline import knowledge, services
from yiwang.hotline.models import OrderStatus, RequestStatus, SendBack, WorkOrder

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CALLER = "13812345678"
FEE_BODY = "物业费标准由业主大会与物业公司约定，普通住宅前期物业服务收费实行政府指导价。"


@pytest.fixture(autouse=True)
def _no_model(settings: Any, tmp_path: Any) -> None:
    """No classifier is trained here: orders without a topic wait for an agent."""
    (tmp_path / "keys").mkdir(exist_ok=True)
    settings.DATA_DIR = tmp_path
    from yiwang.hotline import classifier

    classifier.forget()


@pytest.fixture
def article(lead_department: Any, topics: Any) -> Any:  # noqa: F811
    editor = StaffFactory(username="editor", role="department_admin", department=lead_department)
    draft = knowledge.create_article(
        actor=editor, owner=lead_department, title="物业费怎么收", body=FEE_BODY, topic_code="0101"
    )
    return knowledge.publish_article(actor=editor, article=draft)


def fill_call(page: Any, *, category: str, content: str, title: str = "") -> None:
    page.get_by_label("来电号码", exact=True).last.fill(CALLER)
    page.get_by_label(category, exact=True).check()
    page.get_by_label("所属区划").select_option("420106")
    page.get_by_label("标题").fill(title)
    page.get_by_label("诉求内容").fill(content)


def test_register_look_up_and_answer_from_knowledge(
    open_page: Any,
    live_server: Any,
    agent: Any,  # noqa: F811
    topics: Any,  # noqa: F811
    deadline_rules: None,  # noqa: F811
    lead_clerk: Any,  # noqa: F811
    article: Any,
) -> None:
    page = signed_in_page(open_page, live_server, agent)

    # The desk: nothing waits yet; the agent starts registering a call
    page.goto("/staff/hotline/")
    expect(page.get_by_role("heading", level=1)).to_have_text("坐席工作台")
    expect(page.get_by_text("没有待派单的工单。")).to_be_visible()
    check_narrow(page, "hotline-agent-desk-empty")
    page.get_by_role("link", name="登记来电").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("来电登记")
    check_narrow(page, "hotline-agent-intake")

    # A complaint with a latitude out of range is pointed out, on the field
    fill_call(page, category="投诉", content="我们小区物业公司长期不打扫楼道，垃圾堆积。")
    page.get_by_label("诉求分类").select_option("0101")
    page.get_by_label("纬度").fill("95")
    page.get_by_label("经度").fill("114.3")
    page.get_by_role("button", name="登记工单").click()
    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    expect(page).to_have_title(re.compile("^错误："))
    link = summary.get_by_role("link", name=re.compile("坐标无效"))
    expect(link).to_have_attribute("href", "#id_latitude")
    check_narrow(page, "hotline-agent-intake-error")
    link.click()
    latitude = page.get_by_label("纬度")
    expect(latitude).to_be_focused()
    expect(latitude).to_have_accessible_description(re.compile("错误："))
    assert WorkOrder.objects.count() == 0

    # then the right one: the order goes to the catalogue's department at once
    latitude.fill("30.56")
    page.get_by_role("button", name="登记工单").click()
    first = WorkOrder.objects.get()
    expect(page.get_by_role("status")).to_contain_text(
        f"已登记工单 {first.number}，已转武汉市住房和城市更新局办理。"
    )
    assert first.status == OrderStatus.DISPATCHED and str(first.latitude) == "30.560000"

    # The same number calls again: the look-up shows the earlier order
    page.goto("/staff/hotline/intake/")
    page.get_by_role("search").get_by_label("来电号码").fill(CALLER)
    page.get_by_role("button", name="查询来电").click()
    earlier = page.get_by_role("region", name=re.compile(f"号码 {CALLER} 以前的工单"))
    expect(earlier.get_by_role("link", name=first.number, exact=True)).to_be_visible()
    expect(earlier).to_contain_text("已派单")
    check_narrow(page, "hotline-agent-caller")
    # the intake form starts with the number looked up
    expect(page.locator("#id_caller_number")).to_have_value(CALLER)

    # this time a consultation, with no topic: it waits at the centre
    fill_call(page, category="咨询", title="物业费怎么收费", content="请问小区物业费怎么收费？")
    page.get_by_role("button", name="登记工单").click()
    second = WorkOrder.objects.exclude(pk=first.pk).get()
    expect(page.get_by_role("status")).to_contain_text(f"已登记工单 {second.number}")
    assert second.status == OrderStatus.RECEIVED

    # From the desk, the agent answers it from the knowledge base
    page.goto("/staff/hotline/")
    waiting = page.get_by_role("region", name="待派单的工单")
    expect(waiting.get_by_role("link", name=second.number, exact=True)).to_be_visible()
    check_narrow(page, "hotline-agent-desk")
    waiting.get_by_role("link", name=f"用知识库答复 {second.number}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("知识库")
    expect(page.get_by_label("关键词")).to_have_value("物业费怎么收费")
    expect(page.locator("#answering")).to_contain_text(second.number)
    result = page.get_by_role("link", name="物业费怎么收")
    expect(result.locator("mark").first).to_be_visible()  # the words found are marked
    check_narrow(page, "hotline-agent-knowledge")
    result.click()

    expect(page.get_by_role("heading", level=1)).to_have_text("物业费怎么收")
    expect(page.get_by_text("武汉市住房和城市更新局")).to_be_visible()
    expect(page.get_by_role("region", name="该知识的各个版本")).to_contain_text("1")
    check_narrow(page, "hotline-agent-article")
    page.get_by_label("办结说明").fill("已电话告知来电人")
    page.get_by_role("button", name="以此答复并办结").click()

    expect(page.get_by_role("status")).to_contain_text(
        f"工单 {second.number} 已用知识“物业费怎么收”答复并办结"
    )
    second.refresh_from_db()
    assert second.status == OrderStatus.COMPLETED and second.answer == FEE_BODY
    expect(page.get_by_text(FEE_BODY).first).to_be_visible()  # the order page shows the answer
    screenshot(page, "hotline-agent-answered")


def test_review_a_send_back_and_decide_an_extension(
    open_page: Any,
    live_server: Any,
    agent: Any,  # noqa: F811
    topics: Any,  # noqa: F811
    deadline_rules: None,  # noqa: F811
    lead_clerk: Any,  # noqa: F811
    support_clerk: Any,  # noqa: F811
    supporting_department: Any,  # noqa: F811
) -> None:
    call = {
        "channel": "phone",
        "category": "complaint",
        "content": "我们小区物业公司长期不打扫楼道，垃圾堆积，请相关部门督促整改。",
        "region_code": "420106",
        "topic_code": "0101",
        "caller_number": CALLER,
    }
    order = services.create_order(actor=agent, title="楼道垃圾", **call)
    send_back = services.send_back(
        actor=lead_clerk,
        order=order,
        reason_text="楼道卫生属城管执法",
        suggested_code=supporting_department.code,
    )
    other = services.create_order(actor=agent, title="电梯维修", **call)
    extension = services.request_extension(
        actor=lead_clerk, order=other, reason_text="需要厂家检测", amount=2, unit="working_days"
    )
    page = signed_in_page(open_page, live_server, agent)

    page.goto("/staff/hotline/")
    expect(page.get_by_role("link", name=re.compile("待审核退单"))).to_contain_text("1")
    page.get_by_role("link", name=f"审核 工单 {order.number} 的退单").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("退单审核")
    expect(page.get_by_text("楼道卫生属城管执法")).to_be_visible()
    check_narrow(page, "hotline-agent-send-back")

    # A rejection needs a reason
    page.get_by_role("button", name="驳回退单").click()
    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_attribute("href", "#id_reject-note")
    check_narrow(page, "hotline-agent-send-back-error")
    send_back.refresh_from_db()
    assert send_back.status == RequestStatus.PENDING

    # The agent accepts it and re-dispatches to the suggested department
    expect(page.get_by_label("改派至")).to_have_value(supporting_department.code)
    page.get_by_label("审核意见").fill("同意改由城管执法委主办")
    page.get_by_role("button", name="同意并改派").click()
    expect(page.get_by_role("status")).to_contain_text(f"已同意退单，工单 {order.number} 已改派。")
    expect(page.get_by_role("button", name="驳回退单")).to_have_count(0)
    order.refresh_from_db()
    assert order.lead_department == supporting_department
    assert SendBack.objects.get(pk=send_back.pk).status == RequestStatus.APPROVED
    screenshot(page, "hotline-agent-send-back-done")

    # Back on the desk, the extension
    page.get_by_role("link", name="返回坐席工作台").click()
    page.get_by_role("link", name=f"审核 工单 {other.number} 的延期").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("延期审核")
    expect(page.get_by_text("需要厂家检测")).to_be_visible()
    check_narrow(page, "hotline-agent-extension")
    due_before = extension.assignment.due_at
    page.get_by_role("button", name="同意延期").click()
    expect(page.get_by_role("status")).to_contain_text("已同意延期，新的办理期限为")
    extension.refresh_from_db()
    extension.assignment.refresh_from_db()
    assert extension.status == RequestStatus.APPROVED
    assert extension.assignment.due_at > due_before
