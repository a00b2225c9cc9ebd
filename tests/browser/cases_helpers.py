"""What the browser tests of the applicant's pages share (test_cases_apply.py,
test_cases_life_event.py): applying online from a guide, the form's error summary, a PDF to
upload and uploading it as a person does, and the checks every page passes."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.browser.test_journey import assert_fits, assert_page_ok
from tests.cases.support import PDF
from tests.factories import PASSWORD


def a_pdf(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    path.write_bytes(PDF)
    return path


def checked(page: Any, width: int = 320) -> None:
    """The page passes axe and its Content-Security-Policy, and fits ``width``."""
    assert_page_ok(page)
    assert_fits(page, width)


def apply_signing_in(page: Any, guide: str) -> None:
    """On a guide, choose to apply online; asked to sign in first, sign in as the citizen."""
    page.goto(guide)
    page.get_by_role("link", name="在线申请").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("登录")
    page.get_by_label("用户名或手机号码").fill("citizen")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()


def go_on_unfilled(page: Any, missing: int) -> Any:
    """Go on from a form with nothing filled: the error summary, focused, has a link for
    each of the ``missing`` answers. Returns the summary."""
    page.get_by_role("button", name="保存并继续").click()
    expect(page).to_have_title(re.compile("^错误："))
    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_count(missing)
    checked(page)
    return summary


def upload_button(page: Any, material: str) -> Any:
    """The upload button of one material (its name ends with the material's, for screen
    readers; the button's flex layout puts a space before the hidden part)."""
    return page.get_by_role("button", name=re.compile(rf"^上传\s*：{re.escape(material)}$"))


def upload(page: Any, material: str, path: Path) -> None:
    """Choose the file of a material, upload it, and see it acknowledged."""
    page.get_by_label(f"选择文件：{material}").set_input_files(path)
    upload_button(page, material).click()
    expect(page.get_by_role("status")).to_contain_text(f"已上传“{material}”")
