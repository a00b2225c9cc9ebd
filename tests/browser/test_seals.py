"""E-seals in a real browser: a department administrator registers a seal, grants its use to a
colleague, suspends and re-enables it; the colleague seals a PDF and downloads it; a member of
the public checks it on the verification page and sees it authentic, then checks an altered
copy and is told why it fails. Every page passes axe and its CSP and fits a 320 px screen."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_catalog_staff import check_narrow, signed_in_page
from tests.browser.test_journey import assert_page_ok
from tests.factories import StaffFactory
from tests.seals.support import flip_byte, page_content_offset
from yiwang.kernel import pdf as kernel_pdf
from yiwang.seals.models import Seal

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SEAL_NAME = "武昌区市场监督管理局行政审批专用章"


@pytest.fixture
def seal_admin(owning_department: Any) -> Any:
    return StaffFactory(username="sealadmin", role="department_admin", department=owning_department)


@pytest.fixture
def document(tmp_path: Path) -> Path:
    style = kernel_pdf.styles()
    content = kernel_pdf.build_a4(
        [kernel_pdf.paragraph("准予行政许可决定书", style.title)], title="决定书", subject="test"
    )
    path = tmp_path / "决定书.pdf"
    path.write_bytes(content)
    return path


def test_register_grant_suspend_seal_and_verify(
    open_page: Any,
    live_server: Any,
    seal_admin: Any,
    clerk: Any,
    owning_department: Any,
    document: Path,
    tmp_path: Path,
) -> None:
    # The department administrator finds the seal register from the staff home
    admin = signed_in_page(open_page, live_server, seal_admin)
    admin.goto("/staff/")
    admin.get_by_role("link", name=re.compile("^印章登记簿")).click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("电子印章")
    check_narrow(admin, "seals-list-empty")

    # and registers a seal; a missing name is pointed out on its field first
    admin.get_by_role("navigation", name="电子印章").get_by_role("link", name="登记印章").click()
    admin.get_by_label("所属部门").select_option(label=owning_department.name)
    admin.get_by_label("行政审批专用章").check()
    admin.get_by_role("button", name="登记印章").click()
    expect(admin.get_by_role("alert")).to_contain_text("请填写印章名称")
    expect(admin.get_by_label("印章名称")).to_have_attribute("aria-invalid", "true")
    check_narrow(admin, "seals-new-error")
    admin.get_by_label("印章名称").fill(SEAL_NAME)
    admin.get_by_label("办件决定书").check()
    admin.get_by_role("button", name="登记印章").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text(SEAL_NAME)
    expect(admin.get_by_role("status")).to_contain_text("已登记印章")
    expect(admin.get_by_role("img", name=re.compile("的印模$"))).to_be_visible()
    check_narrow(admin, "seals-detail")

    # It grants the use to a colleague by user name
    admin.get_by_label("工作人员用户名").fill("clerk")
    admin.get_by_role("button", name="授权使用").click()
    expect(admin.get_by_role("status")).to_contain_text("已授权 clerk 使用本印章")
    expect(admin.locator("#permissions")).to_contain_text("clerk")

    # Suspending needs a reason; with one the seal is suspended, then enabled again
    admin.get_by_role("button", name="暂停使用").click()
    expect(admin.get_by_role("alert")).to_contain_text("请填写原因")
    assert_page_ok(admin)
    admin.get_by_label("原因").fill("保管人调岗，交接期间暂停")
    admin.get_by_role("button", name="暂停使用").click()
    expect(admin.get_by_role("status")).to_contain_text("印章已暂停使用")
    expect(admin.locator(".catalog-facts").first).to_contain_text("暂停")
    admin.get_by_role("button", name="启用").click()
    expect(admin.get_by_role("status")).to_contain_text("印章已启用")
    screenshot(admin, "seals-detail-enabled")

    # The colleague seals a PDF and downloads the sealed file
    desk = signed_in_page(open_page, live_server, clerk)
    desk.goto("/staff/seals/")
    desk.get_by_role("link", name=f"用“{SEAL_NAME}”盖章").click()
    expect(desk.get_by_role("heading", level=1)).to_have_text("文件盖章")
    check_narrow(desk, "seals-seal-document")
    desk.get_by_role("button", name="盖章并下载").click()
    expect(desk.get_by_role("alert")).to_contain_text("请选择要盖章的PDF文件")
    desk.get_by_label("PDF文件").set_input_files(str(document))
    desk.get_by_label("PAdES 数字签名").check()
    with desk.expect_download() as download_info:
        desk.get_by_role("button", name="盖章并下载").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    sealed = tmp_path / "sealed.pdf"
    download.save_as(str(sealed))
    assert sealed.read_bytes().startswith(b"%PDF-")

    # A member of the public finds the verification page in the footer and checks the file
    public = open_page()
    public.goto("/")
    public.get_by_role("contentinfo").get_by_role("link", name="电子印章查验").click()
    expect(public.get_by_role("heading", level=1)).to_have_text("电子印章查验")
    expect(public.get_by_role("link", name=re.compile("ECDSA P-256"))).to_have_attribute(
        "href", "/api/v1/seals/ca/ecdsa-p256.pem"
    )
    check_narrow(public, "seals-verify")
    public.get_by_label("PDF文件").set_input_files(str(sealed))
    public.get_by_role("button", name="查验").click()
    result = public.locator("#result")
    expect(result).to_contain_text("均真实有效")
    expect(result).to_contain_text(SEAL_NAME)
    expect(result).to_contain_text(owning_department.name)
    expect(result).to_contain_text("盖章时印章是否有效")
    check_narrow(public, "seals-verify-valid")

    # and an altered copy is refused, with the reason
    content = sealed.read_bytes()
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(flip_byte(content, page_content_offset(content)))
    public.get_by_label("PDF文件").set_input_files(str(tampered))
    public.get_by_role("button", name="查验").click()
    expect(public.locator("#result")).to_contain_text("查验未通过")
    expect(public.locator("#result")).to_contain_text("文件在盖章后被修改")
    check_narrow(public, "seals-verify-tampered")

    assert Seal.objects.get().status == "active"
