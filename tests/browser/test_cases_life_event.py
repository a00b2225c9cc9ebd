"""Applying for a life event (一件事一次办) in a real browser: from the life event's guide, one
merged form, one merged material list (a material several items need is uploaded once),
check and submit, then the acknowledgement with the application's number and each item's
number and department. Every page passes axe, keeps its Content-Security-Policy and fits
320 px, in standard and elder mode."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.cases_helpers import a_pdf, apply_signing_in, checked, go_on_unfilled, upload
from tests.browser.conftest import screenshot
from tests.browser.test_catalog_staff import signed_in_page
from yiwang.cases import bundles
from yiwang.cases.models import Case, CaseStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

M01 = "个体工商户登记(备案)申请书"
F01 = "食品经营许可申请书"
FORM = {
    "applicant_name": "张三",
    "applicant_id_number": "420106199001011234",
    "shop_name": "张记小馆",
    "food_category": "热食类食品制售",
}


def test_citizen_applies_for_a_life_event_once_for_every_item(
    open_page: Any, restaurant: Any, citizen: Any, tmp_path: Path
) -> None:
    page = open_page(width=320, height=640)

    # Given the life event's guide, the citizen applies online and signs in first
    apply_signing_in(page, "/life-events/restaurant/")

    # Then the start page names the items the one application covers
    expect(page.get_by_role("heading", level=1)).to_have_text("开办餐饮店")
    items = page.get_by_role("table", name="本次申请包含的事项")
    expect(items).to_contain_text("个体工商户设立登记")
    expect(items).to_contain_text("食品经营许可")
    checked(page)
    screenshot(page, "bundle-start-320")
    page.get_by_role("button", name="开始申请").click()

    # One form for both items: going on with nothing filled names each missing answer once
    expect(page.get_by_role("heading", level=1)).to_have_text("填写申请表")
    expect(page.get_by_text("第 1 步，共 3 步")).to_be_visible()
    expect(page.get_by_label("申请人姓名")).to_have_count(1)  # asked by both, asked once
    checked(page)
    summary = go_on_unfilled(page, 3)
    screenshot(page, "bundle-form-errors-320")
    summary.get_by_role("link", name=re.compile("经营项目")).click()
    expect(page.get_by_label("经营项目")).to_be_focused()
    page.get_by_label("申请人姓名").fill(FORM["applicant_name"])
    page.get_by_label("身份证号码").fill(FORM["applicant_id_number"])
    page.get_by_label("店铺名称").fill(FORM["shop_name"])
    page.get_by_label("经营项目").fill(FORM["food_category"])
    page.get_by_role("button", name="保存并继续").click()

    # One material list: the ID card both items need is asked once (optional here: no
    # e-licence held); the two application forms are uploaded
    expect(page.get_by_role("heading", level=1)).to_have_text("上传申请材料")
    id_card = page.locator(".ap-material", has_text="经营者身份证明")
    expect(id_card).to_have_count(1)
    expect(id_card).to_contain_text("所需事项：个体工商户设立登记、食品经营许可")
    expect(id_card).to_contain_text("非必要")  # no e-licence held: an optional upload
    checked(page)
    upload(page, M01, a_pdf(tmp_path, "登记申请书.pdf"))
    upload(page, F01, a_pdf(tmp_path, "许可申请书.pdf"))
    expect(page.locator(".ap-material", has_text=F01)).to_contain_text("许可申请书.pdf")
    checked(page)
    screenshot(page, "bundle-materials-320")
    page.get_by_role("link", name="继续").click()

    # Check the answers: the items, the one form, the one material list; then submit (one
    # application for a repeated submission is tested in tests/cases/test_bundles.py: the
    # test server's threads share one in-memory SQLite connection, which a double click
    # here races on)
    expect(page.get_by_role("heading", level=1)).to_have_text("确认申请信息")
    expect(page.get_by_text("热食类食品制售")).to_be_visible()
    expect(page.get_by_role("table", name="本次申请包含的事项")).to_contain_text("食品经营许可")
    checked(page)
    screenshot(page, "bundle-check-320")
    page.get_by_role("button", name="提交申请").click()

    # The acknowledgement: the application's number, and each item's number and department
    expect(page.get_by_role("heading", level=1)).to_have_text("申请已提交")
    parent = Case.objects.get(parent__isnull=True)
    assert parent.status == CaseStatus.SUBMITTED and parent.case_no
    expect(page.locator(".ap-case-no")).to_have_text(parent.case_no)
    table = page.get_by_role("table", name="各事项的办件编号和办理部门")
    kids = list(parent.children.order_by("id"))
    assert [c.item_name for c in kids] == ["个体工商户设立登记", "食品经营许可"]
    for child in kids:
        assert child.status == CaseStatus.SUBMITTED and child.case_no
        row = table.get_by_role("row", name=re.compile(child.item_name))
        expect(row).to_contain_text(child.case_no)
        expect(row).to_contain_text("武昌区市场监督管理局")
    checked(page)
    screenshot(page, "bundle-submitted-320")
    assert Case.objects.count() == 3

    # The application's page follows its items
    page.get_by_role("link", name="查看申请详情").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("开办餐饮店")
    expect(page.get_by_text("待受理").first).to_be_visible()
    checked(page)


@pytest.mark.parametrize("elder", [False, True], ids=["standard", "elder"])
def test_life_event_pages_pass_axe_and_fit_320px(
    open_page: Any, live_server: Any, restaurant: Any, citizen: Any, elder: bool
) -> None:
    parent = bundles.start_bundle(actor=citizen, life_event_code=restaurant.code)
    page = signed_in_page(open_page, live_server, citizen, width=320, height=640)
    if elder:
        page.context.add_cookies([{"name": "yiwang_elder", "value": "1", "url": live_server.url}])
    suffix = "-elder" if elder else ""
    for name in ("start", "form", "materials", "check", "bundle"):
        path = (
            f"/life-events/{restaurant.code}/apply/"
            if name == "start"
            else (f"/my-cases/life-events/{parent.pk}/{'' if name == 'bundle' else name + '/'}")
        )
        page.goto(path)
        if elder:
            expect(page.locator("html")).to_have_class("elder")
        checked(page)
        screenshot(page, f"bundle-{name}-320{suffix}")
    # the check page with every error of the application at once, linked to its page
    page.goto(f"/my-cases/life-events/{parent.pk}/check/")
    page.get_by_role("button", name="提交申请").click()
    summary = page.get_by_role("alert")
    expect(summary.get_by_role("link", name=re.compile("申请人姓名"))).to_be_visible()
    expect(summary.get_by_role("link", name=re.compile(re.escape(M01)))).to_be_visible()
    checked(page)
    screenshot(page, f"bundle-check-errors-320{suffix}")
