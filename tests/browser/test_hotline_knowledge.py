"""The knowledge base's editor pages in a real browser: a department's administrator opens
知识库维护 from the hotline's navigation, is refused an article without a title (the error
summary links to the field), saves the draft, publishes it with a review date, saves a second
version; then an anonymous visitor finds it on the public 常见问题 search. Every page passes
axe and its CSP and fits a 320 px screen."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.test_catalog_staff import check_narrow, signed_in_page
from tests.browser.test_journey import assert_fits, assert_page_ok
from tests.factories import StaffFactory
from tests.hotline.conftest import (  # noqa: F401 (the hotline's fixtures)
    lead_department,
    supporting_department,
    topics,
)
from yiwang.hotline.models import ArticleStatus, ArticleVersion, KnowledgeArticle

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BODY = "电梯日常维修由物业服务企业负责。物业拒不维修的，可向所在街道反映或拨打12345。"


def test_an_editor_writes_and_publishes_and_the_public_finds_it(
    open_page: Any,
    live_server: Any,
    lead_department: Any,  # noqa: F811
    topics: Any,  # noqa: F811
) -> None:
    editor = StaffFactory(username="editor", role="department_admin", department=lead_department)
    page = signed_in_page(open_page, live_server, editor)

    # From the staff knowledge search to the editor's list (nothing written yet)
    page.goto("/staff/hotline/knowledge/")
    page.get_by_role("link", name="维护知识库").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("知识库维护")
    nav = page.get_by_role("navigation", name="12345热线")
    expect(nav.get_by_role("link", name="知识库维护")).to_have_attribute("aria-current", "page")
    expect(page.get_by_text("还没有知识。")).to_be_visible()
    check_narrow(page, "hotline-knowledge-manage-empty")
    page.get_by_role("link", name="新建知识").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("新建知识")
    expect(page.get_by_label("责任部门")).to_have_value(str(lead_department.pk))
    check_narrow(page, "hotline-knowledge-new")

    # No title: refused, the summary links to the field, what was typed is kept
    page.get_by_label("正文").fill(BODY)
    page.get_by_label("诉求分类").select_option("0101")
    page.get_by_role("button", name="保存草稿").click()
    expect(page).to_have_title(re.compile("^错误："))
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("请填写标题。")
    check_narrow(page, "hotline-knowledge-new-refused")
    summary.get_by_role("link", name=re.compile("请填写标题")).click()
    title = page.get_by_label("标题")
    expect(title).to_be_focused()
    expect(title).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("正文")).to_have_value(BODY)
    assert not KnowledgeArticle.objects.exists()

    # With a title: a draft, on its edit page
    title.fill("电梯停运找谁修")
    page.get_by_role("button", name="保存草稿").click()
    expect(page.get_by_role("status")).to_contain_text("已保存草稿")
    expect(page.get_by_role("heading", level=1)).to_have_text("电梯停运找谁修")
    expect(page.locator(".catalog-facts")).to_contain_text("草稿")
    check_narrow(page, "hotline-knowledge-edit-draft")

    # Published with a review date
    page.locator("#publish-form").get_by_label("复核日期").fill("2099-06-30")
    page.get_by_role("button", name="发布").click()
    expect(page.get_by_role("status")).to_contain_text("已发布")
    expect(page.locator(".catalog-facts")).to_contain_text("2099-06-30")
    expect(page.get_by_role("button", name="发布")).to_have_count(0)

    # A second version: the history shows both
    page.locator("#update-form").get_by_label("正文").fill(BODY + "维修费用从物业费中列支。")
    page.get_by_role("button", name="保存为新版本").click()
    expect(page.get_by_role("status")).to_contain_text("已保存为第 2 版")
    history = page.get_by_role("table", name="该知识的各个版本")
    expect(history.get_by_role("row")).to_have_count(3)
    check_narrow(page, "hotline-knowledge-edit-published")
    article = KnowledgeArticle.objects.get()
    assert (article.status, article.version) == (ArticleStatus.PUBLISHED, 2)
    assert ArticleVersion.objects.filter(article=article).count() == 2

    # The list shows it published
    page.get_by_role("link", name="返回知识库维护").click()
    row = page.get_by_role("row").filter(has_text="电梯停运找谁修")
    expect(row).to_contain_text("已发布")

    # An anonymous visitor finds it on the public search
    visitor = open_page(width=320, height=640)
    visitor.goto("/hotline/knowledge/")
    visitor.get_by_role("searchbox", name="搜索常见问题").fill("电梯维修")
    visitor.get_by_role("button", name="搜索").click()
    results = visitor.get_by_role("region", name="搜索结果")
    results.get_by_role("link", name="电梯停运找谁修").click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text("电梯停运找谁修")
    expect(visitor.get_by_role("main")).to_contain_text("维修费用从物业费中列支")
    assert_fits(visitor, 320)
    assert_page_ok(visitor)


def test_a_platform_admin_sets_synonyms(open_page: Any, live_server: Any, admin: Any) -> None:
    page = signed_in_page(open_page, live_server, admin)
    page.goto("/staff/hotline/knowledge/manage/")
    page.get_by_role("link", name="同义词").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("同义词")
    expect(page.get_by_text("还没有同义词。")).to_be_visible()

    # A term without synonyms is refused on the field
    page.get_by_role("textbox", name="词语").fill("物业")
    page.get_by_role("button", name="保存同义词").click()
    expect(page.get_by_role("alert")).to_contain_text("请填写同义词")
    expect(page.get_by_role("textbox", name="同义词")).to_have_attribute("aria-invalid", "true")
    check_narrow(page, "hotline-knowledge-synonyms-refused")

    page.get_by_role("textbox", name="同义词").fill("物业公司、物管")
    page.get_by_role("button", name="保存同义词").click()
    expect(page.get_by_role("status")).to_contain_text("已保存：物业 = 物业公司、物管。")
    row = page.get_by_role("row").filter(has_text="物业公司、物管")
    expect(row).to_have_count(1)
    check_narrow(page, "hotline-knowledge-synonyms")
    row.get_by_role("link", name=re.compile("^修改")).click()
    expect(page.get_by_role("heading", name="修改“物业”的同义词")).to_be_visible()
    expect(page.get_by_role("textbox", name="同义词")).to_have_value("物业公司、物管")
