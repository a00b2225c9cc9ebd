"""The staff catalogue in a real browser: a catalogue editor creates an implementation, narrows
its draft and submits it; a reviewer (another account) publishes it; the public guide then
answers. Every page passes axe and its CSP and fits a 320 px screen."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_journey import assert_fits, assert_page_ok

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def signed_in_page(open_page: Any, live_server: Any, account: Any, **options: Any) -> Any:
    """A watched page whose session is ``account`` after a full (two-factor) sign-in."""
    client = Client()
    client.force_login(account)
    page = open_page(**options)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return page


def check_narrow(page: Any, name: str) -> None:
    """The page passes axe and fits at 320 px, then goes back to desktop width."""
    page.set_viewport_size({"width": 320, "height": 640})
    assert_fits(page, 320)
    assert_page_ok(page)
    screenshot(page, f"{name}-320")
    page.set_viewport_size({"width": 1280, "height": 900})
    assert_page_ok(page)
    screenshot(page, f"{name}-1280")


def test_create_edit_submit_publish(
    open_page: Any,
    live_server: Any,
    item: Any,
    catalog_editor: Any,
    reviewer: Any,
    owning_department: Any,
) -> None:
    editor = signed_in_page(open_page, live_server, catalog_editor)

    # The editor finds the catalogue from the staff home and starts a new implementation
    editor.goto("/staff/")
    editor.get_by_role("link", name=re.compile("^实施清单")).click()
    expect(editor.get_by_role("heading", level=1)).to_have_text("实施清单")
    check_narrow(editor, "catalog-staff-list-empty")
    editor.get_by_role("navigation", name="事项目录").get_by_role(
        "link", name="新建实施清单"
    ).click()
    expect(editor.get_by_role("heading", level=1)).to_have_text("新建实施清单")
    check_narrow(editor, "catalog-staff-new")
    editor.get_by_label("政务服务事项").select_option(item.code)
    editor.get_by_label("实施部门", exact=True).select_option(owning_department.code)
    editor.get_by_role("button", name="创建并编辑草稿").click()

    # The draft editor: a promised limit longer than the statutory one is refused first
    expect(editor.get_by_role("heading", level=1)).to_contain_text("修改草稿")
    expect(editor.get_by_role("status")).to_contain_text("已创建实施清单")
    check_narrow(editor, "catalog-staff-edit")
    limit = editor.get_by_label("承诺时限（工作日）")
    limit.fill("30")
    editor.get_by_role("button", name="保存草稿").click()
    summary = editor.get_by_role("alert")
    expect(summary).to_be_focused()
    expect(editor).to_have_title(re.compile("^错误："))
    link = summary.get_by_role("link", name=re.compile("长于法定时限"))
    expect(link).to_have_attribute("href", "#id_promised_limit_days")
    check_narrow(editor, "catalog-staff-edit-error")
    link.click()
    expect(limit).to_be_focused()
    expect(limit).to_have_accessible_description(re.compile("错误："))

    # then a valid limit, and the optional material is no longer asked for
    limit.fill("10")
    material = editor.get_by_label("要求提交“经营场所使用证明”")
    expect(material).to_be_checked()
    material.uncheck()
    editor.get_by_role("button", name="保存草稿").click()
    expect(editor.get_by_role("status")).to_contain_text("草稿已保存")
    differences = editor.get_by_role("region", name="与主项的差异")
    expect(differences).to_contain_text("10 个工作日")
    expect(differences).to_contain_text("不再要求")
    check_narrow(editor, "catalog-staff-detail-draft")
    editor.get_by_role("button", name="提交审核").click()
    expect(editor.get_by_role("status")).to_contain_text("版本 1 已提交审核")
    expect(editor.get_by_role("button", name="发布")).to_have_count(0)
    screenshot(editor, "catalog-staff-detail-submitted")

    # A reviewer of the province publishes it from the review queue
    checker = signed_in_page(open_page, live_server, reviewer)
    checker.goto("/staff/catalog-review/")
    expect(checker.get_by_role("heading", level=1)).to_have_text("待审核的实施清单")
    check_narrow(checker, "catalog-staff-review")
    code = f"{item.code}.{owning_department.code}"
    checker.get_by_role("link", name=code).click()
    expect(checker.get_by_role("heading", level=1)).to_have_text(item.name)
    assert_page_ok(checker)
    checker.get_by_label("审核意见").fill("要素齐全，同意发布")
    checker.get_by_role("button", name="发布", exact=True).click()
    expect(checker.get_by_role("status")).to_contain_text("版本 1 已发布")
    assert_page_ok(checker)
    screenshot(checker, "catalog-staff-detail-published")

    # The list shows the published version; the public guide answers
    checker.goto("/staff/catalog/")
    row = checker.get_by_role("row").filter(has_text=code)
    expect(row).to_contain_text("已发布")
    check_narrow(checker, "catalog-staff-list")
    checker.get_by_role("link", name=code).click()
    href = checker.get_by_role("link", name="查看公开的办事指南").get_attribute("href")
    response = checker.goto(href)
    assert response is not None and response.status == 200
    expect(checker.get_by_role("heading", level=1)).to_contain_text(item.name)


def test_consistency_report_page(
    open_page: Any, live_server: Any, published: Any, reviewer: Any
) -> None:
    page = signed_in_page(open_page, live_server, reviewer)

    page.goto("/staff/catalog-consistency/")

    expect(page.get_by_role("heading", level=1)).to_have_text("三级四同核对")
    expect(page.get_by_text("您范围内的实施清单与主项一致。")).to_be_visible()
    check_narrow(page, "catalog-staff-consistency")
