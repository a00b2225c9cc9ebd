"""The case workbench in a real browser: a window clerk signs in with a password and an
authenticator code, opens the intake queue and accepts a submitted case; an approver opens
the task queue, is told a disapproval needs a reason, and approves the steps through to
completion. Every page passes axe and its CSP and fits a 320 px screen."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_catalog_staff import check_narrow, signed_in_page
from tests.browser.test_journey import assert_page_ok, second_factor, sign_in
from tests.cases.support import FORM, PDF
from tests.factories import PASSWORD, StaffFactory, enrol_totp_device
from yiwang.cases import services
from yiwang.cases.models import Case, CaseStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def submitted(published: Any, citizen: Any) -> Case:
    citizen.display_name = "张小三"
    citizen.save()
    case = services.start(actor=citizen, implementation_code=published.code)
    services.save_form(actor=citizen, case=case, form_data=dict(FORM))
    services.attach(actor=citizen, case=case, code="M01", stream=io.BytesIO(PDF), name="申请书.pdf")
    return services.submit(actor=citizen, case=case, idempotency_key="b-1")


def test_clerk_accepts_and_approver_completes(
    open_page: Any, live_server: Any, submitted: Case, clerk: Any, owning_department: Any
) -> None:
    case_no = str(submitted.case_no)
    enrol_totp_device(clerk)

    # The clerk signs in with a password and an authenticator code
    desk = open_page()
    desk.goto("/staff/login/")
    sign_in(desk, "clerk", PASSWORD)
    second_factor(desk)
    expect(desk).to_have_url(f"{live_server.url}/staff/")

    # and opens the workbench: the intake queue is the first tab, with its count
    desk.get_by_role("link", name=re.compile("^办件工作台")).click()
    expect(desk.get_by_role("heading", level=1)).to_have_text("办件工作台")
    tabs = desk.get_by_role("navigation", name="办件工作台")
    expect(tabs.get_by_role("link", name=re.compile("^待受理"))).to_have_attribute(
        "aria-current", "page"
    )
    expect(tabs.get_by_role("link", name=re.compile("^待受理"))).to_contain_text("1")
    row = desk.get_by_role("row").filter(has_text=case_no)
    expect(row).to_contain_text("张小三")
    check_narrow(desk, "cases-workbench-intake")

    # The case page shows the applicant, the form and the materials; the clerk accepts
    row.get_by_role("link", name=case_no).click()
    expect(desk.get_by_role("heading", level=1)).to_have_text(submitted.item_name)
    expect(desk.get_by_role("link", name=re.compile("下载 申请书"))).to_be_visible()
    check_narrow(desk, "cases-case-submitted")
    desk.get_by_role("button", name="受理", exact=True).click()
    expect(desk.get_by_role("status")).to_contain_text("已受理")
    expect(desk.get_by_role("region", name="办理时限")).to_contain_text("承诺办结日期")
    assert_page_ok(desk)
    screenshot(desk, "cases-case-accepted")

    # An approver of the department finds the review step in the tasks queue
    approver = StaffFactory(username="approver", role="approver", department=owning_department)
    work = signed_in_page(open_page, live_server, approver)
    work.goto("/staff/cases/")
    tasks = work.get_by_role("navigation", name="办件工作台").get_by_role(
        "link", name=re.compile("^待办环节")
    )
    expect(tasks).to_have_attribute("aria-current", "page")
    check_narrow(work, "cases-workbench-tasks")
    work.get_by_role("row").filter(has_text=case_no).get_by_role("link", name=case_no).click()

    # a disapproval without a reason is refused in the error summary, linked to the field
    step = work.get_by_role("form", name="办理环节：审查")
    step.get_by_label("不同意").check()
    step.get_by_role("button", name="提交办理结果").click()
    summary = work.get_by_role("alert")
    expect(summary).to_be_focused()
    expect(work).to_have_title(re.compile("^错误："))
    summary.get_by_role("link", name=re.compile("不同意或退回时请写明理由")).click()
    opinion = work.get_by_role("form", name="办理环节：审查").get_by_label("办理意见")
    expect(opinion).to_be_focused()
    expect(opinion).to_have_accessible_description(re.compile("错误："))
    check_narrow(work, "cases-case-error")

    # then the approver approves the review and the decision
    step = work.get_by_role("form", name="办理环节：审查")
    step.get_by_label("同意", exact=True).check()
    step.get_by_role("button", name="提交办理结果").click()
    expect(work.get_by_role("status")).to_contain_text("已转入下一环节")
    step = work.get_by_role("form", name="办理环节：决定")
    step.get_by_label("同意", exact=True).check()
    step.get_by_label("办理意见").fill("材料齐全，准予")
    step.get_by_role("button", name="提交办理结果").click()
    expect(work.get_by_role("status")).to_contain_text("办件已办结")
    expect(work.get_by_role("link", name="准予决定书")).to_be_visible()
    steps = work.get_by_role("region", name="流程各环节的办理情况")
    expect(steps).to_contain_text("材料齐全，准予")
    check_narrow(work, "cases-case-completed")

    submitted.refresh_from_db()
    assert submitted.status == CaseStatus.COMPLETED and submitted.decision == "approve"


def test_clerk_requests_supplements_listing_every_item_at_once(
    open_page: Any, live_server: Any, submitted: Case, clerk: Any
) -> None:
    desk = signed_in_page(open_page, live_server, clerk)
    desk.goto(f"/staff/cases/{submitted.pk}/")

    # an empty request is refused; the summary links to the first item's field
    desk.get_by_text("一次性告知补正", exact=True).click()
    desk.get_by_role("button", name="告知申请人补正").click()
    summary = desk.get_by_role("alert")
    expect(summary).to_be_focused()
    summary.get_by_role("link", name=re.compile("请逐项写明需要补正的内容")).click()
    first = desk.get_by_label("申请表“申请人姓名”需补正的内容")
    expect(first).to_be_focused()
    check_narrow(desk, "cases-case-supplement-error")

    # every item at once: a material and a free row
    desk.get_by_label("材料“个体工商户登记(备案)申请书”需补正的内容").fill("申请书未签字")
    desk.get_by_label("其他事项 1：名称").fill("门头照片")
    desk.get_by_label("其他事项 1：需补正的内容").fill("请补充经营场所门头照片")
    desk.get_by_role("button", name="告知申请人补正").click()
    expect(desk.get_by_role("status")).to_contain_text("已一次性告知")
    materials = desk.get_by_role("region", name="申请材料", exact=True)
    expect(materials).to_contain_text("个体工商户登记(备案)申请书：申请书未签字")
    assert_page_ok(desk)

    submitted.refresh_from_db()
    assert submitted.status == CaseStatus.SUPPLEMENT
