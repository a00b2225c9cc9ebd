"""并单 in a real browser: two citizens complain on the web about the same thing 150 m apart
(both orders dispatched at once by the catalogue); the centre's agent opens the first, sees
the second suggested with its distance and merges it; the lead department's clerk replies
on the first and the agent completes it; then the second citizen signs in and finds the
answer on their own (merged) order under 我的诉求. Every page passes axe and its CSP and fits a
320 px screen."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_catalog_staff import check_narrow, signed_in_page
from tests.browser.test_journey import assert_fits, assert_page_ok
from tests.factories import PASSWORD, AccountFactory
from tests.hotline.conftest import (  # noqa: F401 (the hotline's fixtures)
    agent,
    centre,
    deadline_rules,
    lead_clerk,
    lead_department,
    supporting_department,
    topics,
)
from yiwang.hotline import services
from yiwang.hotline.models import OrderStatus, WorkOrder

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ANSWER = "已约谈物业公司，楼道垃圾已清运，今后每日清扫。"


@pytest.fixture(autouse=True)
def _no_model(settings: Any, tmp_path: Any) -> None:
    """No classifier is trained here (the orders name their topic)."""
    (tmp_path / "keys").mkdir(exist_ok=True)
    settings.DATA_DIR = tmp_path
    from yiwang.hotline import classifier

    classifier.forget()


def filed(citizen: Any, title: str, latitude: str, longitude: str) -> WorkOrder:
    """A citizen's web complaint on 0101 物业服务, dispatched at once by the catalogue."""
    return services.create_order(
        actor=citizen,
        channel="web",
        category="complaint",
        title=title,
        content="小区物业长期不打扫楼道，垃圾堆积发臭，请督促整改。",
        region_code="420106",
        address="",
        latitude=latitude,
        longitude=longitude,
        topic_code="0101",
        contact_phone="13800001111",
    )


def test_the_agent_merges_a_duplicate_and_its_citizen_reads_the_answer(
    open_page: Any,
    live_server: Any,
    topics: Any,  # noqa: F811
    deadline_rules: None,  # noqa: F811
    agent: Any,  # noqa: F811
    lead_clerk: Any,  # noqa: F811
) -> None:
    first_citizen = AccountFactory(username="resident_a", is_staff=False)
    second_citizen = AccountFactory(username="resident_b", is_staff=False)
    target = filed(first_citizen, "楼道垃圾无人清理", "30.543100", "114.316200")
    duplicate = filed(second_citizen, "3栋楼道很脏没人管", "30.544200", "114.317100")
    assert {target.status, duplicate.status} == {OrderStatus.DISPATCHED}
    metres = services.metres(30.5431, 114.3162, 30.5442, 114.3171)
    assert 100 < metres < 300

    # The agent opens the first order: the second is suggested with how far it is
    desk = signed_in_page(open_page, live_server, agent)
    desk.goto(f"/staff/hotline/orders/{target.pk}/")
    expect(desk.get_by_role("heading", level=1)).to_have_text("楼道垃圾无人清理")
    merge = desk.locator("#merge-form")
    suggestion = merge.get_by_label(re.compile(re.escape(duplicate.number)))
    offered = f"{duplicate.number} 3栋楼道很脏没人管（相距 {round(metres)} 米）"
    expect(merge).to_contain_text(offered)
    check_narrow(desk, "hotline-merge-suggested")

    # and merges it
    suggestion.check()
    merge.get_by_role("button", name="并入本工单").click()
    expect(desk.get_by_role("status")).to_contain_text("已并单。")
    expect(desk.get_by_role("main")).to_contain_text(f"并入本工单的工单：{duplicate.number}")
    check_narrow(desk, "hotline-merge-merged")
    duplicate.refresh_from_db()
    assert (duplicate.status, duplicate.merged_into_id) == (OrderStatus.MERGED, target.pk)

    # The lead department's clerk signs for the first order and replies
    clerk = signed_in_page(open_page, live_server, lead_clerk)
    clerk.goto(f"/staff/hotline/orders/{target.pk}/")
    clerk.get_by_role("button", name="签收工单").click()
    expect(clerk.get_by_role("status")).to_contain_text("已签收工单")
    clerk.get_by_label("答复内容").fill(ANSWER)
    clerk.get_by_role("button", name="提交答复").click()
    expect(clerk.get_by_role("status")).to_contain_text("已提交答复")
    check_narrow(clerk, "hotline-merge-replied")

    # The agent completes it
    desk.reload()
    desk.get_by_label("办结说明").fill("答复已核实")
    desk.get_by_role("button", name="办结工单").click()
    expect(desk.get_by_role("status")).to_contain_text("工单已办结")
    assert WorkOrder.objects.get(pk=target.pk).status == OrderStatus.COMPLETED

    # The second citizen signs in and reads the answer on their own order
    phone = open_page(width=320, height=640)
    phone.goto("/hotline/mine/")
    expect(phone.get_by_role("heading", level=1)).to_have_text("登录")
    phone.get_by_label("用户名或手机号码").fill("resident_b")
    phone.get_by_label("密码").fill(PASSWORD)
    phone.get_by_role("button", name="登录", exact=True).click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("我的诉求")
    item = phone.get_by_role("listitem").filter(has_text=duplicate.number)
    expect(item).to_have_count(1)
    expect(phone.get_by_role("main")).not_to_contain_text(target.number)
    item.get_by_role("link", name="3栋楼道很脏没人管").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("3栋楼道很脏没人管")
    expect(phone.get_by_role("main")).to_contain_text(f"已并入工单{target.number}一并办理")
    answers = phone.get_by_role("region", name="部门答复")
    expect(answers).to_contain_text(ANSWER)
    assert_fits(phone, 320)
    assert_page_ok(phone)
    screenshot(phone, "hotline-merge-citizen-answer")
