"""E-licences in a real browser: an approver issues a licence; the holder finds it in 我的证照,
downloads it and makes a 亮证码; a clerk of a verified department reads it once by the short
code and the holder sees that use; a second reading is refused; a member of the public
verifies the licence by its identifier (真实有效) and, after the approver revokes it, sees it
revoked with the reason. Every page passes axe and its CSP."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_catalog_staff import check_narrow, signed_in_page
from tests.browser.test_journey import assert_page_ok
from tests.factories import StaffFactory
from tests.licenses.conftest import ID_NUMBER, PERSON_SCHEMA
from yiwang.licenses import services
from yiwang.licenses.models import License

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REASON = "以欺骗手段取得"


@pytest.fixture
def setting(citizen: Any, clerk: Any, owning_department: Any) -> dict[str, Any]:
    """A person's licence type, an approver who issues it, a verified holder and a window
    clerk of a department verified to read licences."""
    services.create_type(
        actor="test",
        code="vocational_qualification",
        identifier_code="ZYZG",
        name="职业资格证书",
        fields_schema=PERSON_SCHEMA,
        layout=[{"field": "qualification", "label": "资格名称"}],
        holder_kind="person",
    )
    citizen.display_name = "张伟"
    citizen.id_number = ID_NUMBER
    citizen.verification_level = 1
    citizen.verified_at = timezone.now()
    citizen.save()
    services.verify_department(actor="test", department_code=owning_department.code)
    approver = StaffFactory(username="approver", role="approver", department=owning_department)
    return {"citizen": citizen, "clerk": clerk, "approver": approver}


def _read(desk: Any, code: str) -> None:
    desk.goto("/staff/licenses/read/")
    desk.get_by_label("授权码").fill(code)
    desk.get_by_label("办件编号(选填)").fill("C2024001")
    desk.get_by_role("button", name="读取证照").click()


def _verify(public: Any, identifier: str) -> None:
    public.get_by_label("证照标识或二维码内容").fill(identifier)
    public.get_by_role("button", name="核验", exact=True).click()


def test_issue_show_read_verify_revoke(
    open_page: Any, live_server: Any, setting: dict[str, Any]
) -> None:
    # An approver issues a licence from the type's form
    office = signed_in_page(open_page, live_server, setting["approver"])
    office.goto("/staff/")
    office.get_by_role("link", name=re.compile("^电子证照：")).click()
    office.get_by_role("link", name="签发证照").click()
    office.get_by_role("link", name="职业资格证书").click()
    office.get_by_label("持证主体名称").fill("张伟")
    office.get_by_label("身份证号码").fill(ID_NUMBER)
    office.get_by_label("资格名称").fill("中式烹调师")
    check_narrow(office, "licenses-issue")
    office.get_by_role("button", name="签发", exact=True).click()
    expect(office.get_by_role("status")).to_contain_text("证照已签发")
    assert_page_ok(office)
    identifier = License.objects.get().current().identifier

    # The holder finds it in 我的证照 and downloads it
    holder = signed_in_page(open_page, live_server, setting["citizen"])
    holder.goto("/")
    holder.get_by_role("link", name="我的证照").click()
    expect(holder.get_by_role("heading", level=1)).to_have_text("我的证照")
    expect(holder.get_by_role("main")).to_contain_text(identifier)
    check_narrow(holder, "licenses-wallet")
    holder.get_by_role("link", name="职业资格证书").click()
    with holder.expect_download() as download:
        holder.get_by_role("link", name="下载证照 PDF").click()
    assert download.value.suggested_filename.endswith(".pdf")
    holder.reload()
    uses = holder.get_by_role("region", name="用证记录", exact=True)
    expect(uses).to_contain_text("下载")
    check_narrow(holder, "licenses-licence")

    # and makes a one-time 亮证码 from the wallet
    holder.get_by_role("link", name="我的证照").first.click()
    holder.get_by_label(re.compile("^选择出示")).check()
    holder.get_by_role("button", name="生成亮证码").click()
    expect(holder.get_by_role("heading", level=1)).to_have_text("亮证码")
    expect(holder.locator("figure svg")).to_be_visible()
    expect(holder.get_by_role("main")).to_contain_text("只能被读取一次")
    code = holder.locator("#short-code").inner_text()
    assert re.fullmatch(r"\d{8}", code)
    check_narrow(holder, "licenses-grant")

    # A clerk of a verified department reads it by the short code
    desk = signed_in_page(open_page, live_server, setting["clerk"])
    _read(desk, code)
    shown = desk.get_by_role("region", name=re.compile("已读取"))
    expect(shown).to_contain_text("中式烹调师")
    expect(shown).to_contain_text("签名有效")
    expect(shown).not_to_contain_text(ID_NUMBER)
    check_narrow(desk, "licenses-read")

    # The holder sees that use
    holder.get_by_role("link", name="职业资格证书").click()
    uses = holder.get_by_role("region", name="用证记录", exact=True)
    expect(uses).to_contain_text("扫码授权")
    expect(uses).to_contain_text("C2024001")
    expect(uses).to_contain_text("武昌区市场监督管理局")

    # A second reading of the same code is refused
    _read(desk, code)
    expect(desk.get_by_role("alert")).to_contain_text("该授权已使用")
    assert_page_ok(desk)

    # A member of the public verifies the licence by its identifier
    public = open_page()
    public.goto("/")
    public.get_by_role("contentinfo").get_by_role("link", name="电子证照核验").click()
    _verify(public, identifier)
    expect(public.get_by_role("region", name="核验结果")).to_contain_text("真实有效")
    expect(public.get_by_role("main")).not_to_contain_text("张伟")
    check_narrow(public, "licenses-verify-valid")

    # After the approver revokes it, the verification shows it revoked with the reason
    office.goto(f"/staff/licenses/{License.objects.get().pk}/")
    office.get_by_label("原因").fill(REASON)
    office.get_by_role("button", name="注销").click()
    expect(office.get_by_role("status")).to_contain_text("已注销")
    _verify(public, identifier)
    result = public.get_by_role("region", name="核验结果")
    expect(result).to_contain_text("证照已注销")
    expect(result).to_contain_text(REASON)
    assert_page_ok(public)
    screenshot(public, "licenses-verify-revoked")
