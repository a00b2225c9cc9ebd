"""Applying online in a real browser, as a citizen clicks it: from the guide to a submitted
case with its number, "my cases" and the case page; then the supplement-and-resubmit loop
(一次性告知). Every page passes axe, keeps its Content-Security-Policy and fits 320 px."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.cases_helpers import a_pdf, apply_signing_in, checked, go_on_unfilled, upload
from tests.browser.conftest import screenshot
from tests.browser.test_catalog_staff import signed_in_page
from tests.cases.support import FORM
from yiwang.cases import services
from yiwang.cases.models import Case, CaseStatus, MaterialStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

M01 = "个体工商户登记(备案)申请书"
M03 = "经营场所使用证明"


def fix_link(region: Any, what: str) -> Any:
    return region.get_by_role("link", name=re.compile(rf"^去修改\s*：{re.escape(what)}$"))


def test_citizen_applies_online_from_the_guide(
    open_page: Any, published: Any, citizen: Any, tmp_path: Path
) -> None:
    page = open_page(width=320, height=640)

    # Given the guide, the citizen chooses to apply online and is asked to sign in first
    apply_signing_in(page, f"/guide/{published.code}/")

    # Then the start page of the service, and a draft once they start
    expect(page.get_by_role("heading", level=1)).to_have_text("个体工商户设立登记")
    checked(page)
    page.get_by_role("button", name="开始申请").click()

    # The form: going on with nothing filled names each missing answer, linked to its field
    expect(page.get_by_role("heading", level=1)).to_have_text("填写申请表")
    expect(page.get_by_text("第 1 步，共 3 步")).to_be_visible()
    checked(page)
    summary = go_on_unfilled(page, 2)
    screenshot(page, "cases-form-errors-320")
    summary.get_by_role("link", name=re.compile("申请人姓名")).click()
    expect(page.get_by_label("申请人姓名")).to_be_focused()

    page.get_by_label("申请人姓名").fill(FORM["applicant_name"])
    page.get_by_label("身份证号码").fill(FORM["id_number"])
    page.get_by_label("店铺名称").fill("张三小吃")
    page.get_by_role("button", name="保存并继续").click()

    # Materials: the application form is uploaded (the ID card is optional here)
    expect(page.get_by_role("heading", level=1)).to_have_text("上传申请材料")
    expect(page.locator("#material-M02")).to_contain_text("非必要")  # no e-licence held
    checked(page)
    upload(page, M01, a_pdf(tmp_path, "申请书.pdf"))
    expect(page.locator("#material-M01")).to_contain_text("申请书.pdf")
    checked(page)
    screenshot(page, "cases-materials-320")
    page.get_by_role("link", name="继续").click()

    # Check your answers, then submit (a double click still makes one case)
    expect(page.get_by_role("heading", level=1)).to_have_text("确认申请信息")
    expect(page.get_by_text("张三小吃")).to_be_visible()
    checked(page)
    screenshot(page, "cases-check-320")
    page.get_by_role("button", name="提交申请").dblclick()

    # The acknowledgement: the case number and what happens next
    expect(page.get_by_role("heading", level=1)).to_have_text("申请已提交")
    case = Case.objects.get()
    assert case.status != CaseStatus.DRAFT and case.case_no
    expect(page.locator(".ap-case-no")).to_have_text(case.case_no)
    expect(page.get_by_text("承诺 5 个工作日内办结")).to_be_visible()
    checked(page)
    screenshot(page, "cases-submitted-320")

    # My cases lists it; its page shows the timeline and the site message
    page.get_by_role("link", name="我的办件", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("我的办件")
    expect(page.get_by_text(case.case_no)).to_be_visible()
    checked(page)
    page.get_by_role("link", name="个体工商户设立登记").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("个体工商户设立登记")
    timeline = page.locator(".ap-timeline")
    expect(timeline).to_contain_text("创建申请草稿")
    expect(timeline).to_contain_text("提交申请")
    expect(page.get_by_text("待受理").first).to_be_visible()
    checked(page)
    screenshot(page, "cases-case-320")
    assert Case.objects.count() == 1


def test_citizen_supplements_and_resubmits(
    open_page: Any, live_server: Any, published: Any, citizen: Any, clerk: Any, tmp_path: Path
) -> None:
    # Given a submitted case for which the window asked for two things at once
    case = services.start(actor=citizen, implementation_code=published.code)
    services.save_form(actor=citizen, case=case, form_data=dict(FORM))
    services.attach(
        actor=citizen, case=case, code="M01", stream=a_pdf(tmp_path, "a.pdf").open("rb"), name="a"
    )
    case = services.submit(actor=citizen, case=case, idempotency_key="k-1")
    services.request_supplement(
        actor=clerk,
        case=case,
        items=[
            {"field": "form/shop_name", "reason": "请填写店铺名称。"},
            {"field": "materials.M03", "reason": "请补充经营场所使用证明。"},
        ],
    )
    page = signed_in_page(open_page, live_server, citizen, width=320, height=640)

    # When the citizen opens my cases, the case says what is awaited
    page.goto("/my-cases/")
    expect(page.get_by_text("待补正").first).to_be_visible()
    checked(page)
    page.get_by_role("link", name=re.compile("^去补正")).click()
    awaited = page.get_by_role("region", name="需要您补正")
    expect(awaited).to_contain_text("请填写店铺名称。")
    expect(awaited).to_contain_text("请补充经营场所使用证明。")
    checked(page)
    screenshot(page, "cases-supplement-320")

    # They fix the form field the window named...
    fix_link(awaited, "店铺名称").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("填写申请表")
    checked(page)
    page.get_by_label("店铺名称").fill("张三小吃")
    page.get_by_role("button", name="保存并继续").click()
    expect(page.get_by_role("status")).to_contain_text("申请表已保存。")

    # ...add the missing material...
    fix_link(page.get_by_role("region", name="需要您补正"), M03).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("上传申请材料")
    upload(page, M03, a_pdf(tmp_path, "场所.pdf"))
    expect(page.locator("#material-M03")).to_contain_text("场所.pdf")
    checked(page)
    page.get_by_role("link", name="返回办件页面").first.click()

    # ...and resubmit: the case is back in the intake queue
    page.get_by_role("button", name="补正完毕，重新提交").click()
    expect(page.get_by_role("status")).to_contain_text("已重新提交,等待窗口受理。")
    expect(page.get_by_role("region", name="需要您补正")).to_have_count(0)
    expect(page.locator(".ap-timeline")).to_contain_text("补正后重新提交")
    checked(page)
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED
    assert case.form_data["shop_name"] == "张三小吃"
    assert case.materials.get(code="M03").status == MaterialStatus.UPLOADED


def test_the_form_fits_and_passes_axe_in_elder_mode(
    open_page: Any, live_server: Any, published: Any, citizen: Any
) -> None:
    case = services.start(actor=citizen, implementation_code=published.code)
    page = signed_in_page(open_page, live_server, citizen, width=320, height=640)
    page.context.add_cookies([{"name": "yiwang_elder", "value": "1", "url": live_server.url}])

    for path in ("form", "materials", "check"):
        page.goto(f"/my-cases/{case.pk}/{path}/")
        expect(page.locator("html")).to_have_class("elder")
        checked(page)
    page.goto(f"/my-cases/{case.pk}/")
    checked(page)
