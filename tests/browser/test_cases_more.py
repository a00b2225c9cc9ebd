"""More of handling a case in a real browser, as each person clicks it: the window suspends the
clock for a special procedure and resumes it, the due date moving by the working days it
stood still; the applicant chooses mail delivery, the window ships the result and the
applicant reads the tracking number; a verified adult applies for a service with a decision
table and sees it approved at once (秒批), the decision document downloadable. Every page
passes axe and its Content-Security-Policy and fits a 320 px screen."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.cases_helpers import checked
from tests.browser.conftest import screenshot
from tests.browser.test_catalog_staff import check_narrow, signed_in_page
from tests.browser.test_journey import assert_page_ok
from tests.cases.support import FORM, PDF
from tests.cases.test_auto_approval import ZHAO_MIN, publish_auto_item, verified
from tests.factories import StaffFactory
from yiwang.cases import handling, services
from yiwang.cases.models import Case, CaseStatus, CaseSuspension, Delivery, DeliveryStatus
from yiwang.kernel import calendar
from yiwang.kernel.demo import load_base_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def accepted_case(published: Any, citizen: Any, clerk: Any) -> Case:
    """The citizen's application, accepted by the window today."""
    case = services.start(actor=citizen, implementation_code=published.code)
    services.save_form(actor=citizen, case=case, form_data=dict(FORM))
    services.attach(actor=citizen, case=case, code="M01", stream=io.BytesIO(PDF), name="a.pdf")
    case = services.submit(actor=citizen, case=case, idempotency_key="more-1")
    return services.accept(actor=clerk, case=case)


def days_pass_while_suspended(case: Case, days: int) -> dt.date:
    """The special procedure began ``days`` calendar days ago (the browser cannot wait two
    weeks): the open suspension and the case's clock are moved back. Returns its first day."""
    started = timezone.now() - dt.timedelta(days=days)
    CaseSuspension.objects.filter(case=case, ended_at__isnull=True).update(started_at=started)
    Case.objects.filter(pk=case.pk).update(suspended_at=started)
    return timezone.localdate(started)


# --- the clock stands still -----------------------------------------------------------------


def test_the_window_suspends_for_an_inspection_and_resumes_the_due_date_moving(
    open_page: Any, live_server: Any, published: Any, citizen: Any, clerk: Any
) -> None:
    case = accepted_case(published, citizen, clerk)
    due = case.promised_due
    assert due is not None
    desk = signed_in_page(open_page, live_server, clerk)
    desk.goto(f"/staff/cases/{case.pk}/")
    deadlines = desk.get_by_role("region", name="办理时限")
    expect(deadlines).to_contain_text(f"{due:%Y-%m-%d}")

    # A suspension needs its reason: refused without one, linked to the field
    suspend = desk.get_by_role("form", name="特别程序：暂停计时")
    suspend.get_by_role("button", name="暂停计时").click()
    summary = desk.get_by_role("alert")
    expect(summary).to_be_focused()
    summary.get_by_role("link", name=re.compile("请写明暂停计时的理由")).click()
    reason = desk.get_by_role("form", name="特别程序：暂停计时").get_by_role("textbox")
    expect(reason).to_be_focused()
    expect(reason).to_have_accessible_description(re.compile("错误："))
    check_narrow(desk, "cases-suspend-error")

    # With the reason the clock stops; the case is in the suspended queue
    reason.fill("需现场核查经营场所")
    suspend.get_by_role("button", name="暂停计时").click()
    expect(desk.get_by_role("status")).to_contain_text("已暂停计时")
    expect(desk.get_by_role("region", name="办理时限")).to_contain_text("暂停计时中")
    expect(desk.get_by_text("需现场核查经营场所").first).to_be_visible()
    check_narrow(desk, "cases-suspended")
    desk.get_by_role("navigation", name="办件工作台").get_by_role(
        "link", name=re.compile("^暂停计时")
    ).click()
    expect(desk.get_by_role("row").filter(has_text=str(case.case_no))).to_be_visible()
    assert_page_ok(desk)

    # The inspection takes two weeks; then the window resumes the clock
    first_day = days_pass_while_suspended(case, 14)
    working = calendar.WorkingCalendar()
    stood_still = working.working_days_between(first_day, timezone.localdate())
    moved = working.add_working_days(due, stood_still)
    assert stood_still > 0 and moved > due
    desk.get_by_role("row").filter(has_text=str(case.case_no)).get_by_role(
        "link", name=str(case.case_no)
    ).click()
    desk.get_by_role("button", name="恢复计时").click()
    expect(desk.get_by_role("status")).to_contain_text("暂停期间的工作日已顺延到期日")
    deadlines = desk.get_by_role("region", name="办理时限")
    expect(deadlines).to_contain_text(f"{moved:%Y-%m-%d}")
    expect(deadlines).not_to_contain_text(f"{due:%Y-%m-%d}")
    expect(deadlines).to_contain_text(f"不含暂停计时的 {stood_still} 个工作日")
    check_narrow(desk, "cases-resumed")

    # The applicant reads the new date and why it moved
    page = signed_in_page(open_page, live_server, citizen, width=320, height=640)
    page.goto(f"/my-cases/{case.pk}/")
    expect(page.get_by_text(f"{moved:%Y-%m-%d}").first).to_be_visible()
    expect(page.get_by_text(f"特别程序共 {stood_still} 个工作日，不计入办理时限。")).to_be_visible()
    timeline = page.locator(".ap-timeline")
    expect(timeline).to_contain_text("暂停计时(特别程序)")
    expect(timeline).to_contain_text("需现场核查经营场所")
    expect(timeline).to_contain_text("恢复计时")
    checked(page)
    case.refresh_from_db()
    assert case.suspended_at is None and case.promised_due == moved


# --- the result by mail ---------------------------------------------------------------------


@pytest.fixture
def approved(published: Any, citizen: Any, clerk: Any, owning_department: Any) -> Case:
    case = accepted_case(published, citizen, clerk)
    approver = StaffFactory(username="approver", role="approver", department=owning_department)
    while case.status == CaseStatus.ACCEPTED:
        task = case.tasks.filter(status="open").order_by("id").first()
        assert task is not None
        case = handling.complete_task(actor=approver, task=task, outcome="approve", opinion="同意")
    assert case.decision == "approve"
    return case


def test_the_applicant_chooses_mail_the_window_ships_and_the_tracking_number_shows(
    open_page: Any, live_server: Any, approved: Case, citizen: Any, clerk: Any
) -> None:
    # The applicant chooses mail on their case page; a missing address is named at its field
    page = signed_in_page(open_page, live_server, citizen, width=320, height=640)
    page.goto(f"/my-cases/{approved.pk}/")
    delivery = page.get_by_role("region", name="结果送达")
    delivery.get_by_label("邮寄送达").check()
    delivery.get_by_label("收件人", exact=True).fill("张三")
    delivery.get_by_label("收件人手机号码").fill("13812345678")
    delivery.get_by_role("button", name="保存送达方式").click()
    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    summary.get_by_role("link", name=re.compile("收件地址")).click()
    expect(page.get_by_label("收件地址")).to_be_focused()
    checked(page)
    page.get_by_label("收件地址").fill("武汉市武昌区中北路 100 号 3 单元")
    page.get_by_role("button", name="保存送达方式").click()
    expect(page.get_by_role("status")).to_contain_text("已保存结果送达方式")
    expect(page.get_by_role("region", name="结果送达")).to_contain_text("邮寄送达")
    checked(page)

    # The window opens the result's hand-out from the case and ships it
    desk = signed_in_page(open_page, live_server, clerk)
    desk.goto(f"/staff/cases/{approved.pk}/")
    desk.get_by_role("link", name="结果送达：寄出、送达或窗口领取").click()
    expect(desk.get_by_role("heading", level=1)).to_have_text("结果送达")
    choice = desk.get_by_role("region", name="申请人选择的送达方式")
    expect(choice).to_contain_text("武汉市武昌区中北路 100 号 3 单元")
    check_narrow(desk, "cases-result-to-ship")
    desk.get_by_role("button", name="交寄邮件，生成运单号").click()
    expect(desk.get_by_role("status")).to_contain_text("已交寄")
    record = Delivery.objects.get(case=approved)
    assert record.status == DeliveryStatus.SENT and record.tracking_no
    expect(desk.get_by_role("region", name="申请人选择的送达方式")).to_contain_text(
        record.tracking_no
    )
    expect(desk.get_by_role("button", name="登记已送达")).to_be_visible()
    check_narrow(desk, "cases-result-shipped")

    # The applicant reads the tracking number on the case page and in the messages
    page.reload()
    delivery = page.get_by_role("region", name="结果送达")
    expect(delivery).to_contain_text("已寄出")
    expect(delivery).to_contain_text(record.tracking_no)
    expect(page.get_by_text(f"办理结果已寄出,运单号 {record.tracking_no}。")).to_be_visible()
    expect(delivery.get_by_role("button", name="保存送达方式")).to_have_count(0)
    checked(page)
    screenshot(page, "cases-delivery-shipped-320")


# --- 秒批 -----------------------------------------------------------------------------------


@pytest.fixture
def auto_item(item_owner: Any, catalog_editor: Any, reviewer: Any, owning_department: Any) -> Any:
    return publish_auto_item(item_owner, catalog_editor, reviewer, owning_department)


def test_a_verified_adult_is_approved_at_once_and_downloads_the_decision(
    open_page: Any, live_server: Any, auto_item: Any
) -> None:
    load_base_data(lambda *_: None)
    zhao = verified("zhao", ZHAO_MIN)  # 赵敏, real-name verified, born 2000
    page = signed_in_page(open_page, live_server, zhao, width=320, height=640)

    # From the guide: apply online, fill the form
    page.goto(f"/guide/{auto_item.code}/")
    page.get_by_role("link", name="在线申请").click()
    page.get_by_role("button", name="开始申请").click()
    page.get_by_label("申请人姓名").fill("赵敏")
    page.get_by_role("button", name="保存并继续").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("上传申请材料")
    page.get_by_role("link", name="继续").click()
    page.get_by_role("button", name="提交申请").click()

    # Submitted and decided at once
    expect(page.get_by_role("heading", level=1)).to_have_text("申请已提交")
    expect(page.get_by_text("您的申请已经办结")).to_be_visible()
    checked(page)
    page.get_by_role("link", name="查看办件详情").click()
    expect(page.get_by_text("准予（系统自动审批）")).to_be_visible()
    timeline = page.locator(".ap-timeline")
    expect(timeline).to_contain_text("系统自动审批(秒批)")
    expect(timeline).to_contain_text("已实名认证的成年人,准予办理。")
    checked(page)
    screenshot(page, "cases-auto-approved-320")

    # The decision document downloads as a PDF
    with page.expect_download() as caught:
        page.get_by_role("link", name="下载办理结果文书（PDF）").click()
    download = caught.value
    assert download.suggested_filename.endswith(".pdf")
    assert Path(download.path()).read_bytes().startswith(b"%PDF")
    case = Case.objects.get()
    assert case.status == CaseStatus.COMPLETED and case.auto_approved
    assert case.case_no in download.suggested_filename
