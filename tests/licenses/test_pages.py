"""The licence pages: the holder's wallet, 亮证, the clerk's reading, public verification and
the staff's issuing and management pages. Each renders for its user, someone else's licence
is 404, refusals are shown in plain words, and no page but the holder's shows an ID number
in clear."""

from __future__ import annotations

import io
import json
import re
from typing import Any

import pytest
from django.urls import reverse

from tests.licenses.conftest import FOOD_DATA, ID_NUMBER, issue_food, issue_person
from yiwang.licenses import services
from yiwang.licenses.models import License, LicenseStatus, LicenseType, LicenseUse, UseVia

pytestmark = pytest.mark.django_db


@pytest.fixture
def held(approver: Any, owning_department: Any, person_type: Any, verified_citizen: Any) -> Any:
    return issue_person(approver, owning_department, verified_citizen)


@pytest.fixture
def verified_clerk(clerk: Any, owning_department: Any) -> Any:
    services.verify_department(actor="test", department_code=owning_department.code)
    return clerk


def _text(response: Any) -> str:
    return response.content.decode()


def _grant(client: Any, license: Any) -> tuple[str, str]:
    """Make a 亮证码 through the pages; returns the grant page's HTML and the short code."""
    response = client.post(reverse("licenses:show"), {"license": [license.pk]})
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200
    code = re.search(r'id="short-code">(\d{8})<', _text(page))
    assert code is not None
    return _text(page), code.group(1)


# --- the holder ----------------------------------------------------------------------------


def test_wallet_lists_the_holders_licences_without_the_id_number(
    client: Any, held: Any, verified_citizen: Any
) -> None:
    client.force_login(verified_citizen)

    response = client.get(reverse("licenses:wallet"))

    assert response.status_code == 200
    text = _text(response)
    assert "职业资格证书" in text
    assert held.current().identifier in text
    assert "武昌区市场监督管理局" in text
    assert ID_NUMBER not in text
    assert "生成亮证码" in text


def test_wallet_needs_signing_in(client: Any, db: None) -> None:
    response = client.get(reverse("licenses:wallet"))

    assert response.status_code == 302


def test_licence_page_shows_the_data_masked_and_the_use_log(
    client: Any, held: Any, verified_citizen: Any
) -> None:
    client.force_login(verified_citizen)

    response = client.get(reverse("licenses:license", args=[held.pk]))

    assert response.status_code == 200
    text = _text(response)
    assert "中式烹调师" in text
    assert ID_NUMBER not in text
    assert "4201**********0118" in text or "*" in text
    assert "用证记录" in text
    assert "第 1 版" in text


def test_someone_elses_licence_is_404(client: Any, held: Any, stranger: Any) -> None:
    client.force_login(stranger)

    for name in ("licenses:license", "licenses:pdf"):
        assert client.get(reverse(name, args=[held.pk])).status_code == 404
    assert not LicenseUse.objects.exists()


def test_download_is_a_pdf_and_a_use(client: Any, held: Any, verified_citizen: Any) -> None:
    client.force_login(verified_citizen)

    response = client.get(reverse("licenses:pdf", args=[held.pk]))

    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert LicenseUse.objects.filter(license=held, via=UseVia.DOWNLOAD).count() == 1
    log = _text(client.get(reverse("licenses:license", args=[held.pk])))
    assert "下载" in log


def test_showing_licences_gives_a_qr_and_short_code(
    client: Any, held: Any, verified_citizen: Any
) -> None:
    client.force_login(verified_citizen)

    page, code = _grant(client, held)

    assert "<svg" in page
    assert "只能被读取一次" in page
    assert len(code) == 8


def test_showing_nothing_is_refused_with_a_message(
    client: Any, held: Any, verified_citizen: Any
) -> None:
    client.force_login(verified_citizen)

    response = client.post(reverse("licenses:show"), {})

    assert response.status_code == 422
    assert "请选择要出示的证照" in _text(response)


def test_showing_someone_elses_licence_is_404(client: Any, held: Any, stranger: Any) -> None:
    client.force_login(stranger)

    response = client.post(reverse("licenses:show"), {"license": [held.pk]})

    assert response.status_code == 404


# --- the clerk reads -----------------------------------------------------------------------


def test_clerk_of_a_verified_department_reads_once(
    client: Any, held: Any, verified_citizen: Any, verified_clerk: Any, owning_department: Any
) -> None:
    client.force_login(verified_citizen)
    _page, code = _grant(client, held)
    client.force_login(verified_clerk)
    form = {
        "short_code": code,
        "department": owning_department.code,
        "case_no": "C2024001",
        "purpose": "窗口办事",
    }

    response = client.post(reverse("licenses_staff:read"), form)

    assert response.status_code == 200
    text = _text(response)
    assert "中式烹调师" in text
    assert "签名有效" in text
    assert ID_NUMBER not in text
    use = LicenseUse.objects.get(license=held, via=UseVia.GRANT)
    assert use.case_no == "C2024001"
    again = client.post(reverse("licenses_staff:read"), form)
    assert again.status_code == 409
    assert "该授权已使用" in _text(again)
    # The holder sees the use
    client.force_login(verified_citizen)
    log = _text(client.get(reverse("licenses:license", args=[held.pk])))
    assert "C2024001" in log
    assert "扫码授权" in log


def test_unverified_department_cannot_read(
    client: Any, held: Any, verified_citizen: Any, clerk: Any, owning_department: Any
) -> None:
    client.force_login(verified_citizen)
    _page, code = _grant(client, held)
    client.force_login(clerk)

    response = client.post(
        reverse("licenses_staff:read"),
        {"short_code": code, "department": owning_department.code},
    )

    assert response.status_code == 403
    assert "尚未通过用证部门认证" in _text(response)
    assert not LicenseUse.objects.filter(via=UseVia.GRANT).exists()


def test_reading_needs_a_code(client: Any, verified_clerk: Any, owning_department: Any) -> None:
    client.force_login(verified_clerk)

    response = client.post(
        reverse("licenses_staff:read"), {"short_code": "12", "department": owning_department.code}
    )

    assert response.status_code == 422
    assert "授权码是 8 位数字" in _text(response)


# --- public verification -------------------------------------------------------------------


def test_public_verification_then_revoked(client: Any, held: Any, approver: Any, db: None) -> None:
    identifier = held.current().identifier

    response = client.post(reverse("licenses:verify"), {"text": identifier})

    assert response.status_code == 200
    text = _text(response)
    assert "真实有效" in text
    assert "张伟" not in text  # the holder's name is masked
    assert ID_NUMBER not in text
    services.revoke(actor=approver, license=held, reason="以欺骗手段取得")
    revoked = _text(client.post(reverse("licenses:verify"), {"text": identifier}))
    assert "证照已注销" in revoked
    assert "以欺骗手段取得" in revoked


def test_public_verification_of_a_qr_payload_and_bad_input(client: Any, held: Any) -> None:
    qr = services.view(held)["qr"]

    assert "真实有效" in _text(client.post(reverse("licenses:verify"), {"text": qr}))
    bad = client.post(reverse("licenses:verify"), {"text": "1.2.156.3005.2.X"})
    assert "无法识别" in _text(bad)
    empty = client.post(reverse("licenses:verify"), {"text": ""})
    assert empty.status_code == 422
    assert "请输入证照标识" in _text(empty)


def test_a_phone_scanning_the_qr_code_opens_the_answer(client: Any, held: Any) -> None:
    from yiwang.licenses import signing

    link = signing.qr_link(services.view(held)["qr"])
    path = link.removeprefix("http://127.0.0.1:8000")
    assert "真实有效" in _text(client.get(path))
    tampered = path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")
    assert "真实有效" not in _text(client.get(tampered))


def test_public_verification_of_the_pdf(client: Any, held: Any) -> None:
    content, _record = services.pdf_of(held)
    upload = io.BytesIO(content)
    upload.name = "licence.pdf"

    response = client.post(reverse("licenses:verify"), {"file": upload})

    assert response.status_code == 200
    assert "真实有效" in _text(response)
    assert "完全一致" in _text(response)


def test_public_verification_refuses_a_non_pdf(client: Any, db: None) -> None:
    upload = io.BytesIO(b"hello")
    upload.name = "x.pdf"

    response = client.post(reverse("licenses:verify"), {"file": upload})

    assert response.status_code == 422
    assert "PDF" in _text(response)


# --- staff ---------------------------------------------------------------------------------


def test_citizen_gets_403_on_staff_pages(client: Any, verified_citizen: Any) -> None:
    client.force_login(verified_citizen)

    assert client.get(reverse("licenses_staff:home")).status_code == 403


def test_staff_home_lists_and_searches_the_departments_licences(
    client: Any, approver: Any, owning_department: Any, food_type: Any, person_type: Any
) -> None:
    food = issue_food(approver, owning_department)
    issue_person(approver, owning_department)
    client.force_login(approver)

    response = client.get(reverse("licenses_staff:home"), {"q": "长江餐饮"})

    assert response.status_code == 200
    text = _text(response)
    assert food.current().identifier in text
    assert "职业资格证书" not in text
    assert "免提交材料" in text


def test_issue_page_builds_the_form_from_the_schema(
    client: Any, approver: Any, owning_department: Any, food_type: Any
) -> None:
    client.force_login(approver)
    url = reverse("licenses_staff:issue", args=["food_business_licence"])

    page = client.get(url)
    bad = client.post(
        url,
        {
            "department": owning_department.code,
            "holder_kind": "entity",
            "holder_name": "武汉长江餐饮管理有限公司",
            "holder_credit_code": "123",
            "answer-business_name": "武汉长江餐饮管理有限公司",
        },
    )

    assert page.status_code == 200
    assert 'name="answer-address"' in _text(page)
    assert bad.status_code == 422
    assert 'href="#id_holder_credit_code"' in _text(bad)
    assert 'href="#field-address"' in _text(bad)
    assert not License.objects.exists()
    good = client.post(
        url,
        {
            "department": owning_department.code,
            "holder_kind": "entity",
            "holder_name": "武汉长江餐饮管理有限公司",
            "holder_credit_code": "91420106MA4K00001J",
            **{f"answer-{k}": v for k, v in FOOD_DATA.items()},
        },
    )
    assert good.status_code == 302
    license = License.objects.get()
    assert good["Location"] == reverse("licenses_staff:license", args=[license.pk])


def test_staff_licence_page_and_lifecycle(
    client: Any, approver: Any, owning_department: Any, held: Any, outsider: Any
) -> None:
    client.force_login(outsider)
    assert client.get(reverse("licenses_staff:license", args=[held.pk])).status_code in (403, 404)
    client.force_login(approver)

    page = client.get(reverse("licenses_staff:license", args=[held.pk]))
    refused = client.post(reverse("licenses_staff:action", args=[held.pk, "revoke"]), {})

    assert page.status_code == 200
    assert ID_NUMBER not in _text(page)
    assert refused.status_code == 422
    assert "请填写原因" in _text(refused)
    held.refresh_from_db()
    assert held.status == LicenseStatus.VALID
    done = client.post(
        reverse("licenses_staff:action", args=[held.pk, "suspend"]), {"reason": "核查中"}
    )
    assert done.status_code == 302
    held.refresh_from_db()
    assert held.status == LicenseStatus.SUSPENDED


def test_change_makes_a_new_version(client: Any, approver: Any, held: Any) -> None:
    client.force_login(approver)
    url = reverse("licenses_staff:change", args=[held.pk])

    assert client.get(url).status_code == 200
    response = client.post(url, {"answer-qualification": "西式面点师", "reason": "更正"})

    assert response.status_code == 302
    held.refresh_from_db()
    assert held.version == 2
    assert held.current().data == {"qualification": "西式面点师"}


def test_import_lists_every_bad_row(
    client: Any, approver: Any, owning_department: Any, food_type: Any
) -> None:
    client.force_login(approver)
    rows = [
        {"holder_name": "甲公司", "holder_credit_code": "bad", "valid_from": "2024-01-01"},
        {"holder_name": "乙公司", "holder_credit_code": "91420106MA4K00001J"},
    ]
    upload = io.BytesIO(json.dumps(rows).encode())
    upload.name = "rows.json"

    response = client.post(
        reverse("licenses_staff:import"),
        {
            "type_code": "food_business_licence",
            "department": owning_department.code,
            "file": upload,
        },
    )

    assert response.status_code == 422
    text = _text(response)
    assert "第 1 行" in text
    assert "第 2 行" in text
    assert not License.objects.exists()


def test_admin_creates_a_type_and_others_may_not(
    client: Any, admin: Any, approver: Any, db: None
) -> None:
    url = reverse("licenses_staff:type-new")
    client.force_login(approver)
    assert client.get(url).status_code == 403
    client.force_login(admin)

    bad = client.post(
        url,
        {
            "name": "x",
            "code": "bad code",
            "holder_kind": "either",
            "fields_schema": "{",
            "layout": "[]",
        },
    )
    good = client.post(
        url,
        {
            "name": "排污许可证",
            "code": "discharge_permit",
            "identifier_code": "PWXK",
            "holder_kind": "entity",
            "fields_schema": json.dumps(
                {"type": "object", "properties": {"site": {"type": "string", "title": "地址"}}}
            ),
            "layout": json.dumps([{"field": "site", "label": "地址"}]),
            "validity_years": "5",
        },
    )

    assert bad.status_code == 422
    assert "JSON" in _text(bad)
    assert good.status_code == 302
    assert LicenseType.objects.filter(code="discharge_permit", identifier_code="PWXK").exists()
    assert client.get(reverse("licenses_staff:type", args=["discharge_permit"])).status_code == 200
    assert "PWXK" in _text(client.get(reverse("licenses_staff:types")))


def test_admin_verifies_a_department(client: Any, admin: Any, owning_department: Any) -> None:
    client.force_login(admin)
    url = reverse("licenses_staff:departments")

    unknown = client.post(url, {"department_code": "nowhere"})
    done = client.post(url, {"department_code": owning_department.code})

    assert unknown.status_code == 422
    assert "部门不存在" in _text(unknown)
    assert done.status_code == 302
    assert owning_department.name in _text(client.get(url))
    revoked = client.post(
        reverse("licenses_staff:department-revoke", args=[owning_department.code])
    )
    assert revoked.status_code == 302


def test_import_from_xlsx(
    client: Any, approver: Any, owning_department: Any, food_type: Any
) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(
        ["holder_name", "holder_credit_code", "valid_from", "经营者名称", "经营场所", "经营项目"]
    )
    sheet.append(["长江公司", "91420106MA4K00001J", "2024-01-01", "长江公司", "中北路1号", "热食"])
    upload = io.BytesIO()
    workbook.save(upload)
    upload.seek(0)
    upload.name = "rows.xlsx"
    client.force_login(approver)

    response = client.post(
        reverse("licenses_staff:import"),
        {
            "type_code": "food_business_licence",
            "department": owning_department.code,
            "file": upload,
        },
    )

    assert response.status_code == 302
    assert License.objects.get().holder_name == "长江公司"


def test_someone_elses_grant_page_is_404(
    client: Any, held: Any, verified_citizen: Any, stranger: Any
) -> None:
    client.force_login(verified_citizen)
    response = client.post(reverse("licenses:show"), {"license": [held.pk]})
    client.force_login(stranger)

    assert client.get(response["Location"]).status_code == 404


def test_a_clerk_without_issuing_rights_sees_no_licence_list(client: Any, clerk: Any) -> None:
    client.force_login(clerk)

    response = client.get(reverse("licenses_staff:home"))

    assert response.status_code == 200
    assert "免提交材料" in _text(response)
    assert "本部门签发的证照" not in _text(response)
    assert client.get(reverse("licenses_staff:issue-choose")).status_code == 403
