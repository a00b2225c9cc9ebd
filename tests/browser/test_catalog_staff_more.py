"""Master items and life events in a real browser: the item's owner renames an item; a
reviewer creates a life event from a published implementation and publishes it. Every page
passes axe and its CSP and fits a 320 px screen."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.test_catalog_staff import check_narrow, signed_in_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_edit_an_item_then_create_and_publish_a_life_event(
    open_page: Any,
    live_server: Any,
    published: Any,
    item_owner: Any,
    reviewer: Any,
) -> None:
    item = published.item
    owner = signed_in_page(open_page, live_server, item_owner)

    # The item's owner finds it in the catalogue nav and renames it
    owner.goto("/staff/catalog/")
    owner.get_by_role("navigation", name="事项目录").get_by_role(
        "link", name="政务服务事项"
    ).click()
    expect(owner.get_by_role("heading", level=1)).to_have_text("政务服务事项")
    check_narrow(owner, "catalog-staff-items")
    owner.get_by_role("link", name=item.code).click()
    expect(owner.get_by_role("heading", level=1)).to_have_text(f"修改事项：{item.name}")
    check_narrow(owner, "catalog-staff-item-edit")

    # an empty name is refused first, linked to the field
    name = owner.get_by_label("事项名称", exact=True)
    name.fill("")
    owner.get_by_role("button", name="保存事项").click()
    summary = owner.get_by_role("alert")
    expect(summary).to_be_focused()
    expect(owner).to_have_title(re.compile("^错误："))
    link = summary.get_by_role("link", name=re.compile("请输入事项名称"))
    expect(link).to_have_attribute("href", "#id_name")
    check_narrow(owner, "catalog-staff-item-edit-error")
    link.click()
    expect(name).to_be_focused()

    name.fill("个体工商户设立登记（修订）")
    name.press("Enter")  # Enter saves; it never just adds a row
    expect(owner.get_by_role("status")).to_contain_text("已保存（修订号 2）")
    expect(owner.get_by_role("heading", level=1)).to_have_text(
        "修改事项：个体工商户设立登记（修订）"
    )

    # A reviewer of the province creates a life event and publishes it
    checker = signed_in_page(open_page, live_server, reviewer)
    checker.goto("/staff/catalog-life-events/")
    expect(checker.get_by_role("heading", level=1)).to_have_text("一件事")
    checker.get_by_role("link", name="新建一件事").click()
    check_narrow(checker, "catalog-staff-life-event-new")
    checker.get_by_label("一件事编码").fill("shop")
    checker.get_by_label("名称", exact=True).fill("开办个体小店")
    checker.get_by_label("牵头部门").select_option("420106-SCJG")
    checker.get_by_label("自然人").check()
    checker.get_by_label("成员").fill(published.code)
    checker.get_by_role("button", name="创建一件事").click()

    expect(checker.get_by_role("status")).to_contain_text("已创建一件事 shop")
    expect(checker.get_by_role("heading", level=1)).to_have_text("开办个体小店")
    merged = checker.get_by_role("region", name="合并后的材料与表单")
    expect(merged).to_contain_text("经营者身份证明")
    expect(merged).to_contain_text("申请人姓名")
    check_narrow(checker, "catalog-staff-life-event-draft")
    checker.get_by_role("button", name="发布一件事").click()
    expect(checker.get_by_role("status")).to_contain_text("一件事 shop 已发布")
    check_narrow(checker, "catalog-staff-life-event-published")
    response = checker.goto(
        checker.get_by_role("link", name="查看公开页面").get_attribute("href") or ""
    )
    assert response is not None and response.status == 200
    expect(checker.get_by_role("heading", level=1)).to_contain_text("开办个体小店")
