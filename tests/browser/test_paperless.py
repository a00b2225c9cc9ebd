"""Paperless materials (免提交) in a real browser: a citizen holding a valid 居民身份证 e-licence
consents to it in place of a material — online for one service, once for every item of a life
event, and at the window, where the clerk records the consent for them. The use appears in
their 我的证照 with the case number, and the clerk's case page shows the licence checked now
(已核验). Every page passes axe and keeps its Content-Security-Policy; the citizen's fit 320 px.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.cases_helpers import a_pdf, apply_signing_in, checked, upload
from tests.browser.conftest import screenshot
from tests.browser.test_cases_hall import choose_button
from tests.browser.test_catalog_staff import check_narrow, signed_in_page
from tests.cases.support import FORM, create_id_card_type, give_id_card
from tests.cases.test_hall import WANG_FANG_ID, verified_resident
from yiwang.cases import bundles
from yiwang.cases.models import Case, CaseStatus, Channel, MaterialStatus
from yiwang.licenses import services as licences

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

M01 = "个体工商户登记(备案)申请书"
F01 = "食品经营许可申请书"
ID_CARD = "经营者身份证明"  # M02 (F02 in the food licence): names the resident_id_card type
OFFER = "您持有有效的电子证照"
USED = "已使用电子证照"
VERIFIED = "已核验：真实有效"
BUNDLE_FORM = {
    "applicant_name": "张三",
    "applicant_id_number": "420106199001011234",
    "shop_name": "张记小馆",
    "food_category": "热食类食品制售",
}


@pytest.fixture
def held_id_card(citizen: Any, owning_department: Any) -> Any:
    """A valid ``resident_id_card`` e-licence the citizen holds."""
    create_id_card_type()
    return give_id_card(citizen, owning_department)


def id_card_entry(page: Any) -> Any:
    return page.locator(".ap-material", has_text=ID_CARD)


def consent(page: Any, identifier: str, acknowledged: str) -> None:
    """On a materials page: the ID card's entry offers the licence; consenting replaces its
    upload form with "已使用电子证照"."""
    entry = id_card_entry(page)
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text(OFFER)
    expect(entry).to_contain_text(identifier)
    checked(page, page.viewport_size["width"])
    entry.get_by_role("button", name=re.compile(r"^同意使用电子证照")).click()
    expect(page.get_by_role("status")).to_contain_text(acknowledged)
    entry = id_card_entry(page)
    expect(entry).to_contain_text(USED)
    expect(entry).not_to_contain_text(OFFER)
    expect(entry.get_by_label(re.compile("^选择文件"))).to_have_count(0)
    checked(page, page.viewport_size["width"])


def uses_in_the_wallet(page: Any, *case_nos: str) -> None:
    """The holder opens 我的证照 and the licence's page: each case used it (免提交)."""
    page.get_by_role("link", name="我的证照").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("我的证照")
    page.get_by_role("link", name="居民身份证").first.click()
    expect(page).to_have_url(re.compile(r"/me/licenses/\d+/$"))
    uses = page.get_by_role("region", name="用证记录", exact=True)
    for case_no in case_nos:
        row = uses.get_by_role("row").filter(has_text=case_no)
        expect(row).to_have_count(1)
        expect(row).to_contain_text("免提交")
    checked(page)


def clerk_sees_it_verified(desk: Any, case: Case, identifier: str) -> None:
    """The staff case page: the ID card met by the licence, checked now."""
    desk.goto(f"/staff/cases/{case.pk}/")
    expect(desk.get_by_role("heading", level=1)).to_have_text(case.item_name)
    row = desk.get_by_role("row").filter(has_text=ID_CARD)
    expect(row).to_contain_text("电子证照：居民身份证")
    expect(row).to_contain_text(identifier)
    expect(row).to_contain_text(VERIFIED)


def test_citizen_applies_online_with_their_e_licence_in_place_of_the_id_card(
    open_page: Any,
    live_server: Any,
    published: Any,
    citizen: Any,
    clerk: Any,
    held_id_card: Any,
    tmp_path: Path,
) -> None:
    identifier = held_id_card.current().identifier
    page = open_page(width=320, height=640)

    # The citizen applies online from the guide and fills the form
    apply_signing_in(page, f"/guide/{published.code}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("个体工商户设立登记")
    page.get_by_role("button", name="开始申请").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("填写申请表")
    page.get_by_label("申请人姓名").fill(FORM["applicant_name"])
    page.get_by_label("身份证号码").fill(FORM["id_number"])
    page.get_by_label("店铺名称").fill("张三小吃")
    page.get_by_role("button", name="保存并继续").click()

    # On the materials page the ID card is offered from their e-licence: they consent
    expect(page.get_by_role("heading", level=1)).to_have_text("上传申请材料")
    screenshot(page, "paperless-offer-320")
    consent(page, identifier, "已使用您的电子证照")
    screenshot(page, "paperless-consented-320")
    upload(page, M01, a_pdf(tmp_path, "申请书.pdf"))
    expect(id_card_entry(page)).to_contain_text(USED)
    page.get_by_role("link", name="继续").click()

    # The check page says so too; they submit
    expect(page.get_by_role("heading", level=1)).to_have_text("确认申请信息")
    expect(page.get_by_role("main")).to_contain_text(USED)
    checked(page)
    page.get_by_role("button", name="提交申请").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("申请已提交")
    case = Case.objects.get()
    assert case.status == CaseStatus.SUBMITTED and case.case_no
    expect(page.locator(".ap-case-no")).to_have_text(case.case_no)
    material = case.materials.get(code="M02")
    assert (material.status, material.exempt_by) == (MaterialStatus.EXEMPT, f"licence:{identifier}")

    # In 我的证照, the licence's page lists the use with the case number
    uses_in_the_wallet(page, case.case_no)
    screenshot(page, "paperless-wallet-use-320")

    # The clerk opens the case: the ID card is the licence, verified now
    desk = signed_in_page(open_page, live_server, clerk)
    clerk_sees_it_verified(desk, case, identifier)
    check_narrow(desk, "paperless-staff-case")
    uses = [(u.via, u.case_no) for u in licences.uses_of(held_id_card)]
    assert uses == [("paperless", case.case_no)]  # the clerk's page recorded no verification


def test_one_consent_covers_every_item_of_a_life_event(
    open_page: Any,
    live_server: Any,
    restaurant: Any,
    citizen: Any,
    held_id_card: Any,
    tmp_path: Path,
) -> None:
    identifier = held_id_card.current().identifier
    # Given a life event application with its form filled
    parent = bundles.start_bundle(actor=citizen, life_event_code=restaurant.code)
    bundles.save_bundle_form(actor=citizen, parent=parent, form_data=dict(BUNDLE_FORM))
    page = signed_in_page(open_page, live_server, citizen, width=320, height=640)

    # The one ID card both items need is offered once; one consent covers both
    page.goto(f"/my-cases/life-events/{parent.pk}/materials/")
    expect(page.get_by_role("heading", level=1)).to_have_text("上传申请材料")
    expect(id_card_entry(page)).to_contain_text("所需事项：个体工商户设立登记、食品经营许可")
    consent(page, identifier, "已使用您的电子证照")
    screenshot(page, "paperless-bundle-consented-320")
    upload(page, M01, a_pdf(tmp_path, "登记申请书.pdf"))
    upload(page, F01, a_pdf(tmp_path, "许可申请书.pdf"))
    expect(id_card_entry(page)).to_contain_text(USED)
    page.get_by_role("link", name="继续").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("确认申请信息")
    expect(page.get_by_role("main")).to_contain_text(USED)
    checked(page)
    page.get_by_role("button", name="提交申请").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("申请已提交")
    parent.refresh_from_db()
    assert parent.status == CaseStatus.SUBMITTED and parent.case_no
    expect(page.locator(".ap-case-no")).to_have_text(parent.case_no)

    # Each item met its ID card requirement by the licence, and used it once
    kids = list(parent.children.order_by("id"))
    assert [c.item_name for c in kids] == ["个体工商户设立登记", "食品经营许可"]
    for child, code in zip(kids, ("M02", "F02"), strict=True):
        material = child.materials.get(code=code)
        assert material.status == MaterialStatus.EXEMPT
        assert material.exempt_by == f"licence:{identifier}"
    uses = sorted(
        (u.case_no, u.material_code) for u in licences.uses_of(held_id_card).filter(via="paperless")
    )
    assert uses == sorted([(kids[0].case_no, "M02"), (kids[1].case_no, "F02")])

    # The holder sees both uses in 我的证照
    uses_in_the_wallet(page, *(str(c.case_no) for c in kids))


def test_the_window_records_consent_for_the_citizen_at_the_hall(
    open_page: Any,
    live_server: Any,
    clerk: Any,
    published: Any,
    owning_department: Any,
    tmp_path: Path,
) -> None:
    # Given 王芳 at the window, holding a valid 居民身份证 e-licence
    resident = verified_resident()
    create_id_card_type()
    licence = give_id_card(
        resident, owning_department, holder_name="王芳", holder_id_number=WANG_FANG_ID
    )
    identifier = licence.current().identifier
    desk = signed_in_page(open_page, live_server, clerk)

    # The clerk finds her, chooses the service and fills the form for her
    desk.goto("/staff/cases/")
    tabs = desk.get_by_role("navigation", name="办件工作台")
    tabs.get_by_role("link", name="窗口代办申请").click()
    desk.get_by_label("申请人手机号码或身份证号码").fill(WANG_FANG_ID)
    desk.get_by_role("button", name="查找申请人").click()
    expect(desk.get_by_role("heading", name="窗口代办申请：选择申请事项")).to_be_visible()
    desk.get_by_label("事项名称或编码").fill("个体工商户")
    desk.get_by_role("button", name="查找事项").click()
    choose_button(desk, "个体工商户设立登记", "武昌区市场监督管理局").click()
    expect(desk.get_by_role("heading", name="窗口代办申请：填写申请表")).to_be_visible()
    desk.get_by_label("申请人姓名").fill(FORM["applicant_name"])
    desk.get_by_label("身份证号码").fill(FORM["id_number"])
    desk.get_by_role("button", name="保存并继续").click()

    # With her consent, the clerk uses her e-licence for the ID card and scans the rest
    expect(desk.get_by_role("heading", name="窗口代办申请：收取申请材料")).to_be_visible()
    consent(desk, identifier, "已使用申请人的电子证照")
    check_narrow(desk, "paperless-hall-consented")
    upload(desk, M01, a_pdf(tmp_path, "申请书.pdf"))
    desk.get_by_role("link", name="继续", exact=True).click()

    expect(desk.get_by_role("heading", name="窗口代办申请：与申请人核对并提交")).to_be_visible()
    desk.get_by_role("button", name="提交申请").click()
    expect(desk.get_by_role("heading", name="代办申请已提交")).to_be_visible()
    case = Case.objects.get()
    assert case.applicant == resident and case.channel == Channel.HALL
    expect(desk.locator(".ap-case-no")).to_have_text(str(case.case_no))
    assert [(u.via, u.case_no) for u in licences.uses_of(licence)] == [("paperless", case.case_no)]

    # The case in the workbench shows the licence verified
    desk.get_by_role("link", name=f"在办件工作台中办理办件 {case.case_no}").click()
    clerk_sees_it_verified(desk, case, identifier)
    check_narrow(desk, "paperless-hall-case")
