"""Applying at the window in a real browser (窗口代办, 一窗受理), as a clerk clicks it: sign in
with an authenticator code, find the citizen standing at the window by their ID number,
choose the service, fill the form and scan the materials for them, check and submit, then
accept at once; a clerk of 宜昌 takes an application for 武昌区's service and both halls see
it (跨域通办); an instant item taken at the window is completed in one step. Every page passes
axe and its Content-Security-Policy and fits a 320 px screen."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.cases_helpers import a_pdf, upload
from tests.browser.conftest import screenshot
from tests.browser.test_catalog_staff import check_narrow, signed_in_page
from tests.browser.test_journey import assert_page_ok, second_factor, sign_in
from tests.cases.support import FORM
from tests.cases.test_hall import MOBILE, WANG_FANG_ID, verified_resident
from tests.factories import PASSWORD, enrol_totp_device
from yiwang.cases.models import Case, CaseStatus, Channel

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

M01 = "个体工商户登记(备案)申请书"


@pytest.fixture
def resident(db: None) -> Any:
    """王芳: registered, real-name verified, at the window with her ID card."""
    return verified_resident()


def choose_button(desk: Any, service: str, department: str) -> Any:
    """The button that applies for one service found (its name ends with the service's and
    the department's, for screen readers; the flex layout puts a space before that part)."""
    name = re.compile(rf"^为申请人申请\s*：{re.escape(service)}（{re.escape(department)}）$")
    return desk.get_by_role("button", name=name)


def apply_at_the_window(
    desk: Any,
    identifier: str,
    service: str,
    department: str,
    tmp_path: Path,
    answers: dict[str, str],
) -> Case:
    """From the workbench's "窗口代办申请" tab to the acknowledgement, checking each page."""
    tabs = desk.get_by_role("navigation", name="办件工作台")
    tabs.get_by_role("link", name="窗口代办申请").click()
    expect(desk.get_by_role("heading", level=2, name="窗口代办申请：查找申请人")).to_be_visible()
    desk.get_by_label("申请人手机号码或身份证号码").fill(identifier)
    desk.get_by_role("button", name="查找申请人").click()

    expect(desk.get_by_role("heading", name="窗口代办申请：选择申请事项")).to_be_visible()
    expect(desk.get_by_role("definition").filter(has_text="王*")).to_be_visible()
    desk.get_by_label("事项名称或编码").fill(service)
    desk.get_by_role("button", name="查找事项").click()
    choose_button(desk, service, department).click()

    expect(desk.get_by_role("heading", name="窗口代办申请：填写申请表")).to_be_visible()
    for label, answer in answers.items():
        desk.get_by_label(label).fill(answer)
    desk.get_by_role("button", name="保存并继续").click()

    expect(desk.get_by_role("heading", name="窗口代办申请：收取申请材料")).to_be_visible()
    upload(desk, M01, a_pdf(tmp_path, "申请书.pdf"))
    desk.get_by_role("link", name="继续", exact=True).click()

    expect(desk.get_by_role("heading", name="窗口代办申请：与申请人核对并提交")).to_be_visible()
    desk.get_by_role("button", name="提交申请").click()
    expect(desk.get_by_role("heading", name="代办申请已提交")).to_be_visible()
    case = Case.objects.get()
    expect(desk.locator(".ap-case-no")).to_have_text(str(case.case_no))
    return case


def test_clerk_applies_for_a_citizen_at_the_window_and_accepts_it(
    open_page: Any,
    live_server: Any,
    clerk: Any,
    resident: Any,
    published: Any,
    tmp_path: Path,
) -> None:
    enrol_totp_device(clerk)

    # The clerk signs in with a password and an authenticator code, opens the workbench
    desk = open_page()
    desk.goto("/staff/login/")
    sign_in(desk, "clerk", PASSWORD)
    second_factor(desk)
    desk.get_by_role("link", name=re.compile("^办件工作台")).click()
    tabs = desk.get_by_role("navigation", name="办件工作台")

    # and the window's tab: finding nobody names the problem beside the field
    tabs.get_by_role("link", name="窗口代办申请").click()
    expect(tabs.get_by_role("link", name="窗口代办申请")).to_have_attribute("aria-current", "page")
    check_narrow(desk, "cases-hall-start")
    desk.get_by_label("申请人手机号码或身份证号码").fill("13700000000")
    desk.get_by_role("button", name="查找申请人").click()
    summary = desk.get_by_role("alert")
    expect(summary).to_be_focused()
    expect(desk).to_have_title(re.compile("^错误："))
    summary.get_by_role("link", name=re.compile("未找到已实名认证的账号")).click()
    field = desk.get_by_label("申请人手机号码或身份证号码")
    expect(field).to_be_focused()
    expect(field).to_have_accessible_description(re.compile("错误："))
    check_narrow(desk, "cases-hall-start-error")

    # The citizen shows her ID card: she is found, masked, and the service chosen by name
    field.fill(WANG_FANG_ID)
    desk.get_by_role("button", name="查找申请人").click()
    expect(desk.get_by_role("definition").filter(has_text="王*")).to_be_visible()
    expect(desk.get_by_text("139****5678", exact=True)).to_be_visible()
    desk.get_by_label("事项名称或编码").fill("个体工商户")
    desk.get_by_role("button", name="查找事项").click()
    results = desk.get_by_role("region", name="已发布的事项，选择一项为申请人申请")
    expect(results).to_contain_text("个体工商户设立登记")
    check_narrow(desk, "cases-hall-service")
    choose_button(desk, "个体工商户设立登记", "武昌区市场监督管理局").click()

    # The form is the applicant's own, with its errors linked to each field
    expect(desk.get_by_role("heading", name="窗口代办申请：填写申请表")).to_be_visible()
    desk.get_by_role("button", name="保存并继续").click()
    summary = desk.get_by_role("alert")
    expect(summary).to_be_focused()
    summary.get_by_role("link", name=re.compile("申请人姓名")).click()
    expect(desk.get_by_label("申请人姓名")).to_be_focused()
    check_narrow(desk, "cases-hall-form-errors")
    desk.get_by_label("申请人姓名").fill(FORM["applicant_name"])
    desk.get_by_label("身份证号码").fill(FORM["id_number"])
    desk.get_by_label("店铺名称").fill("王芳小吃")
    desk.get_by_role("button", name="保存并继续").click()

    # The materials she brought are scanned and uploaded (she holds no e-licence for the ID card)
    expect(desk.get_by_role("heading", name="窗口代办申请：收取申请材料")).to_be_visible()
    expect(desk.locator("#material-M02")).to_contain_text("非必要")  # no e-licence held
    upload(desk, M01, a_pdf(tmp_path, "申请书.pdf"))
    check_narrow(desk, "cases-hall-materials")
    desk.get_by_role("link", name="继续", exact=True).click()

    # Checked with her, submitted once
    expect(desk.get_by_role("heading", name="窗口代办申请：与申请人核对并提交")).to_be_visible()
    expect(desk.get_by_text("王芳小吃")).to_be_visible()
    check_narrow(desk, "cases-hall-check")
    desk.get_by_role("button", name="提交申请").dblclick()
    expect(desk.get_by_role("heading", name="代办申请已提交")).to_be_visible()
    case = Case.objects.get()
    assert case.applicant == resident and case.channel == Channel.HALL
    expect(desk.locator(".ap-case-no")).to_have_text(str(case.case_no))
    check_narrow(desk, "cases-hall-submitted")

    # The acknowledgement leads to the case in the workbench, accepted at once
    desk.get_by_role("link", name=f"在办件工作台中办理办件 {case.case_no}").click()
    expect(desk.get_by_role("heading", level=1)).to_have_text("个体工商户设立登记")
    expect(desk.get_by_text("窗口申请", exact=True)).to_be_visible()
    desk.get_by_role("button", name="受理", exact=True).click()
    expect(desk.get_by_role("status")).to_contain_text("已受理")
    assert_page_ok(desk)
    screenshot(desk, "cases-hall-accepted")
    case.refresh_from_db()
    assert case.status == CaseStatus.ACCEPTED

    # She finds it among her own cases
    citizen = signed_in_page(open_page, live_server, resident, width=320, height=640)
    citizen.goto("/my-cases/")
    expect(citizen.get_by_text(str(case.case_no))).to_be_visible()
    citizen.get_by_role("link", name="个体工商户设立登记").click()
    expect(citizen.get_by_text("窗口申请", exact=True)).to_be_visible()
    expect(citizen.get_by_text("已受理").first).to_be_visible()
    assert_page_ok(citizen)


def test_a_clerk_of_yichang_applies_for_wuchangs_service_and_both_halls_see_it(
    open_page: Any,
    live_server: Any,
    outsider: Any,
    clerk: Any,
    resident: Any,
    published: Any,
    tmp_path: Path,
) -> None:
    # A clerk at 宜昌's hall takes the application for 武昌区's service
    yichang = signed_in_page(open_page, live_server, outsider)
    yichang.goto("/staff/cases/")
    answers = {"申请人姓名": FORM["applicant_name"], "身份证号码": FORM["id_number"]}
    case = apply_at_the_window(
        yichang, MOBILE, "个体工商户设立登记", "武昌区市场监督管理局", tmp_path, answers
    )
    assert case.intake_department is not None and case.intake_department.code == "4205-SCJG"
    check_narrow(yichang, "cases-hall-cross-region-submitted")

    # Both halls find it in their intake queue, received by 宜昌
    for desk in (yichang, signed_in_page(open_page, live_server, clerk)):
        desk.goto("/staff/cases/")
        tab = desk.get_by_role("navigation", name="办件工作台").get_by_role(
            "link", name=re.compile("^待受理")
        )
        expect(tab).to_have_attribute("aria-current", "page")
        expect(tab).to_contain_text("1")
        row = desk.get_by_role("row").filter(has_text=str(case.case_no))
        expect(row).to_contain_text("武昌区市场监督管理局")
        expect(row).to_contain_text("宜昌市市场监督管理局代收")
        check_narrow(desk, "cases-hall-cross-region-queue")

        row.get_by_role("link", name=str(case.case_no)).click()
        expect(desk.get_by_text("跨域通办：由本窗口收件，异地部门办理。")).to_be_visible()
        expect(desk.get_by_role("button", name="受理", exact=True)).to_be_visible()
        assert_page_ok(desk)


def test_an_instant_item_taken_at_the_window_is_completed_in_one_step(
    open_page: Any,
    live_server: Any,
    outsider: Any,
    resident: Any,
    licence_replacement: Any,
    tmp_path: Path,
) -> None:
    desk = signed_in_page(open_page, live_server, outsider)
    desk.goto("/staff/cases/")
    # (the service asks no form: only the application for replacement is scanned)
    case = apply_at_the_window(
        desk, MOBILE, "营业执照遗失补领", "宜昌市市场监督管理局", tmp_path, {}
    )
    expect(desk.get_by_text("本事项为即办件：在办件页面可当场受理并办结。")).to_be_visible()

    desk.get_by_role("link", name=f"在办件工作台中办理办件 {case.case_no}").click()
    expect(desk.get_by_text("即办件", exact=True)).to_be_visible()
    desk.get_by_role("button", name="即办件：当场办结").click()

    expect(desk.get_by_role("status")).to_contain_text("即办件已当场办结。")
    expect(desk.get_by_role("link", name="准予决定书")).to_be_visible()
    check_narrow(desk, "cases-hall-instant-completed")
    case.refresh_from_db()
    assert case.status == CaseStatus.COMPLETED and case.decision == "approve"
