"""The public service catalogue in a real browser: a citizen finds a service by its pinyin
initials, reads its guide and downloads the PDF; every catalogue page passes axe, keeps its
Content-Security-Policy and fits a 320 px screen, in standard and elder mode."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_journey import assert_fits, assert_page_ok

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_citizen_finds_a_guide_by_initials_and_downloads_it(
    page: Any, published: Any, licence_replacement: Any, restaurant: Any, tmp_path: Path
) -> None:
    # Given the catalogue's browse page, with the life events first
    page.goto("/services/")
    expect(page.get_by_role("heading", level=1)).to_have_text("办事服务")
    expect(page.get_by_role("heading", name="一件事一次办")).to_be_visible()
    expect(page.get_by_role("link", name="开办餐饮店")).to_be_visible()
    assert_page_ok(page)
    screenshot(page, "catalog-browse-1280")

    # When the citizen searches for the business licence by its initials
    page.get_by_label("搜索办事事项").fill("yyzz")
    page.get_by_role("button", name="搜索", exact=True).click()

    # Then the search page finds it, with its department, limit and badges
    expect(page).to_have_url(re.compile(r"/services/search/\?q=yyzz$"))
    expect(page.get_by_role("status")).to_have_text(re.compile("找到 2 个与“yyzz”相关的服务"))
    expect(page.locator(".cat-result")).to_have_count(2)
    result = page.locator(".cat-result").first
    expect(result.get_by_role("heading")).to_have_text("营业执照遗失补领")
    expect(result).to_contain_text("宜昌市市场监督管理局")
    expect(result).to_contain_text("即办")
    expect(result).to_contain_text("零跑动")
    expect(result).to_contain_text("可网上办理")
    assert_page_ok(page)
    screenshot(page, "catalog-search-1280")

    # When they open the guide
    page.get_by_role("link", name="营业执照遗失补领").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("营业执照遗失补领")

    # Then they see the materials, with what they need not bring, and the process
    materials = page.get_by_role("table", name="申请材料清单")
    expect(materials).to_contain_text("个体工商户登记(备案)申请书")
    expect(materials).to_contain_text("免提交：可调用电子证照（resident_id_card）")
    flow = page.locator(".cat-flow")
    expect(flow).to_be_visible()
    expect(flow.locator(".cat-flow__step")).to_have_count(5)
    expect(flow.locator(".cat-flow__arrow")).to_have_count(4)
    expect(flow).to_contain_text("受理")
    expect(flow).to_contain_text("窗口人员")
    expect(page.get_by_role("list", name="办理流程步骤")).to_contain_text("受理（由窗口人员办理）")
    expect(page.get_by_text("0717-1234567")).to_be_visible()
    assert_page_ok(page)
    screenshot(page, "catalog-guide-1280")

    # And they download the guide as a PDF named after the service
    with page.expect_download() as info:
        page.get_by_role("link", name="下载办事指南（PDF）").click()
    download = info.value
    assert download.suggested_filename == "营业执照遗失补领办事指南.pdf"
    saved = tmp_path / "guide.pdf"
    download.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF-")


def test_citizen_filters_by_theme_and_opens_a_life_event(
    page: Any, published: Any, licence_replacement: Any, restaurant: Any
) -> None:
    page.goto("/services/")
    page.get_by_role("link", name="资质认证", exact=True).click()

    expect(page.locator(".cat-result")).to_have_count(1)
    expect(page.locator(".cat-result")).to_contain_text("营业执照遗失补领")
    expect(page.get_by_role("link", name=re.compile("主题：资质认证"))).to_be_visible()

    page.get_by_role("link", name=re.compile("主题：资质认证")).click()
    expect(page.locator(".cat-result")).to_have_count(3)

    page.get_by_role("link", name="开办餐饮店").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("开办餐饮店")
    expect(page.get_by_role("table", name="合并后的申请材料清单")).to_contain_text(
        "从业人员健康证明"
    )
    page.get_by_role("link", name="食品经营许可").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("食品经营许可")
    expect(page.get_by_role("link", name="开办餐饮店")).to_be_visible()


PAGES = {
    "browse": "/services/",
    "search": "/services/search/?q=%E8%90%A5%E4%B8%9A",  # 营业
    "search-empty": "/services/search/?q=%E7%81%AB%E6%98%9F&object=citizen",  # 火星
    "guide": "/guide/{code}/",
    "life-event": "/life-events/restaurant/",
}


@pytest.mark.parametrize("elder", [False, True], ids=["standard", "elder"])
@pytest.mark.parametrize("name", list(PAGES))
def test_catalog_pages_pass_axe_and_fit_320px(
    open_page: Any,
    live_server: Any,
    published: Any,
    licence_replacement: Any,
    restaurant: Any,
    name: str,
    elder: bool,
) -> None:
    page = open_page(width=320, height=800)
    if elder:
        page.context.add_cookies([{"name": "yiwang_elder", "value": "1", "url": live_server.url}])

    page.goto(PAGES[name].format(code=published.code))

    expect(page.get_by_role("heading", level=1)).to_be_visible()
    if elder:
        expect(page.locator("html")).to_have_class("elder")
    assert_fits(page, 320)
    assert_page_ok(page)
    screenshot(page, f"catalog-{name}-320{'-elder' if elder else ''}")


def test_elder_mode_gives_catalogue_links_60px_targets(
    open_page: Any, live_server: Any, published: Any, restaurant: Any
) -> None:
    page = open_page(width=1280)
    page.context.add_cookies([{"name": "yiwang_elder", "value": "1", "url": live_server.url}])
    page.goto("/services/")

    for link in (
        page.locator(".cat-result__title a").first,
        page.locator(".cat-filter__links a").first,
        page.locator(".cat-breadcrumbs a").first,
    ):
        box = link.bounding_box()
        assert box is not None
        assert box["height"] >= 60
        assert box["width"] >= 60
