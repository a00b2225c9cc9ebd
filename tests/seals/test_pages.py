"""The seal pages: the register, registering, a seal's page with its actions, sealing a PDF,
and public verification. Bad input comes back on its field, never as a 500."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from yiwang.seals import services
from yiwang.seals.models import Seal, SealPermission, SealUse

pytestmark = pytest.mark.django_db


def _pdf(data: bytes, name: str = "doc.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def test_register_lists_the_seal_for_its_admin(client: Any, seal_admin: Any, seal: Any) -> None:
    client.force_login(seal_admin)
    page = client.get("/staff/seals/")
    assert page.status_code == 200
    assert seal.name in page.content.decode()


def test_staff_home_and_footer_link_the_seal_pages(client: Any, seal_admin: Any) -> None:
    client.force_login(seal_admin)
    assert "/staff/seals/" in client.get("/staff/").content.decode()
    assert "/verify/seal" in client.get("/").content.decode()


def test_citizen_is_refused_the_staff_pages(client: Any, citizen: Any) -> None:
    client.force_login(citizen)
    assert client.get("/staff/seals/").status_code == 403


def test_registering_a_seal_from_the_form(
    client: Any, seal_admin: Any, owning_department: Any
) -> None:
    client.force_login(seal_admin)
    response = client.post(
        "/staff/seals/new/",
        {
            "department": owning_department.pk,
            "name": "武昌区市场监督管理局公章",
            "kind": "official",
            "valid_until": "2031-12-31",
            "automatic_purposes": ["cases.decision"],
        },
    )
    seal = Seal.objects.get(name="武昌区市场监督管理局公章")
    assert response.status_code == 302
    assert response["Location"] == f"/staff/seals/{seal.pk}/"
    assert seal.automatic_purposes == ["cases.decision"]
    assert seal.valid_until.date().isoformat() == "2031-12-31"
    detail = client.get(response["Location"]).content.decode()
    assert "已登记印章" in detail
    assert "SHA-256" in detail


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": "", "kind": "official"}, "name", "请填写印章名称"),
        ({"name": "章", "kind": "nonsense"}, "kind", "选择"),
        ({"name": "章", "kind": "official", "valid_until": "明年"}, "valid_until", "2030-12-31"),
        ({"name": "章", "kind": "official", "valid_until": "2001-01-01"}, "valid_until", "晚于"),
    ],
)
def test_register_form_bad_input_is_shown_on_its_field(
    client: Any, seal_admin: Any, owning_department: Any, data: Any, field: str, message: str
) -> None:
    client.force_login(seal_admin)
    response = client.post("/staff/seals/new/", {"department": owning_department.pk, **data})
    assert response.status_code in (400, 422)
    form = response.context["form"]
    assert message in " ".join(form.errors[field])
    assert not Seal.objects.exists()


def test_register_form_with_a_bad_image(
    client: Any, seal_admin: Any, owning_department: Any
) -> None:
    client.force_login(seal_admin)
    response = client.post(
        "/staff/seals/new/",
        {
            "department": owning_department.pk,
            "name": "章",
            "kind": "official",
            "image": SimpleUploadedFile("seal.png", b"not a picture", content_type="image/png"),
        },
    )
    assert response.status_code == 400
    assert "印模图片无效" in " ".join(response.context["form"].errors["image"])
    assert not Seal.objects.exists()


def test_register_form_with_a_good_image(
    client: Any, seal_admin: Any, owning_department: Any
) -> None:
    picture = io.BytesIO()
    Image.new("RGBA", (200, 200), (200, 0, 0, 255)).save(picture, format="PNG")
    client.force_login(seal_admin)
    response = client.post(
        "/staff/seals/new/",
        {
            "department": owning_department.pk,
            "name": "章",
            "kind": "official",
            "image": SimpleUploadedFile("seal.png", picture.getvalue(), content_type="image/png"),
        },
    )
    assert response.status_code == 302


def test_register_form_refuses_another_departments_choice(
    client: Any, seal_admin: Any, other_department: Any
) -> None:
    client.force_login(seal_admin)
    response = client.post(
        "/staff/seals/new/",
        {"department": other_department.pk, "name": "章", "kind": "official"},
    )
    assert response.status_code == 422
    assert response.context["form"].errors["department"]
    assert not Seal.objects.exists()


def test_a_clerk_without_a_manage_role_cannot_register(client: Any, clerk: Any) -> None:
    client.force_login(clerk)
    assert client.get("/staff/seals/new/").status_code == 403


def test_suspend_without_reason_is_refused_on_the_reason(
    client: Any, seal_admin: Any, seal: Any
) -> None:
    client.force_login(seal_admin)
    response = client.post(f"/staff/seals/{seal.pk}/do/suspend/", {"status-reason": " "})
    assert response.status_code == 400
    assert "请填写原因" in " ".join(response.context["reason_form"].errors["reason"])
    seal.refresh_from_db()
    assert seal.status == "active"


def test_suspend_and_enable(client: Any, seal_admin: Any, seal: Any) -> None:
    client.force_login(seal_admin)
    response = client.post(f"/staff/seals/{seal.pk}/do/suspend/", {"status-reason": "保管人调岗"})
    assert response.status_code == 302
    seal.refresh_from_db()
    assert (seal.status, seal.status_reason) == ("suspended", "保管人调岗")
    assert client.post(f"/staff/seals/{seal.pk}/do/enable/", {}).status_code == 302
    seal.refresh_from_db()
    assert seal.status == "active"
    page = client.get(f"/staff/seals/{seal.pk}/").content.decode()
    assert "保管人调岗" in page


def test_enabling_an_active_seal_is_a_message_not_a_500(
    client: Any, seal_admin: Any, seal: Any
) -> None:
    client.force_login(seal_admin)
    response = client.post(f"/staff/seals/{seal.pk}/do/enable/", {})
    assert response.status_code == 409
    assert "不能执行该操作" in response.content.decode()


def test_grant_by_username_and_withdraw(
    client: Any, seal_admin: Any, seal: Any, clerk: Any
) -> None:
    client.force_login(seal_admin)
    response = client.post(f"/staff/seals/{seal.pk}/do/grant/", {"grant-username": "clerk"})
    assert response.status_code == 302
    assert SealPermission.objects.filter(seal=seal, user=clerk, revoked_at=None).exists()
    response = client.post(f"/staff/seals/{seal.pk}/do/withdraw/", {"user": clerk.pk})
    assert response.status_code == 302
    assert not SealPermission.objects.filter(seal=seal, user=clerk, revoked_at=None).exists()


@pytest.mark.parametrize("username", ["", "nobody", "citizen"])
def test_grant_to_someone_who_is_not_staff_is_refused_on_the_field(
    client: Any, seal_admin: Any, seal: Any, citizen: Any, username: str
) -> None:
    client.force_login(seal_admin)
    response = client.post(f"/staff/seals/{seal.pk}/do/grant/", {"grant-username": username})
    assert response.status_code == 422
    assert response.context["grant_form"].errors["username"]
    assert not SealPermission.objects.filter(seal=seal).exists()


def test_naming_the_keeper_on_the_seals_page(
    client: Any, seal_admin: Any, seal: Any, clerk: Any, citizen: Any
) -> None:
    client.force_login(seal_admin)
    refused = client.post(f"/staff/seals/{seal.pk}/do/keeper/", {"keeper-username": "citizen"})
    assert refused.status_code == 422
    assert refused.context["keeper_form"].errors["username"]
    response = client.post(f"/staff/seals/{seal.pk}/do/keeper/", {"keeper-username": "clerk"})
    assert response.status_code == 302
    page = client.get(f"/staff/seals/{seal.pk}/").content.decode()
    assert "保管人" in page and "clerk" in page


def test_automatic_purposes_form(client: Any, seal_admin: Any, seal: Any) -> None:
    client.force_login(seal_admin)
    response = client.post(
        f"/staff/seals/{seal.pk}/do/automatic/", {"automatic-automatic_purposes": ["bogus"]}
    )
    assert response.status_code == 422
    response = client.post(
        f"/staff/seals/{seal.pk}/do/automatic/",
        {"automatic-automatic_purposes": ["licenses.issue"]},
    )
    assert response.status_code == 302
    seal.refresh_from_db()
    assert seal.automatic_purposes == ["licenses.issue"]


def test_another_departments_admin_gets_404(client: Any, seal: Any, other_department: Any) -> None:
    from tests.factories import StaffFactory

    stranger = StaffFactory(
        username="yichangadmin", role="department_admin", department=other_department
    )
    client.force_login(stranger)
    assert client.get(f"/staff/seals/{seal.pk}/").status_code == 404
    response = client.post(f"/staff/seals/{seal.pk}/do/suspend/", {"status-reason": "x"})
    assert response.status_code == 404
    assert client.get(f"/staff/seals/{seal.pk}/seal/").status_code == 404
    seal.refresh_from_db()
    assert seal.status == "active"


def test_sealing_a_document_downloads_a_sealed_pdf(
    client: Any, seal_admin: Any, seal: Any, clerk: Any, one_page_pdf: bytes
) -> None:
    services.grant_use(actor=seal_admin, seal=seal, user=clerk)
    client.force_login(clerk)
    assert client.get("/staff/seals/").content.decode().count(f"/staff/seals/{seal.pk}/seal/")
    response = client.post(
        f"/staff/seals/{seal.pk}/seal/",
        {"file": _pdf(one_page_pdf), "format": "pades", "reference": "文号 1"},
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert services.verify_pdf(response.content).valid


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"format": "sm2"}, "请选择要盖章的PDF文件"),
        ({"format": "sm2", "file": "EMPTY"}, "空的"),
        ({"format": "sm2", "file": b"hello, not a pdf"}, "不是可读取的PDF文档"),
        ({"format": "sm2", "file": b"%PDF-1.7\n garbage \n%%EOF"}, "不是可读取的PDF文档"),
        ({"format": "xml", "file": "PDF"}, "选择"),
    ],
)
def test_sealing_bad_input_is_shown_on_its_field(
    client: Any,
    seal_admin: Any,
    seal: Any,
    one_page_pdf: bytes,
    data: dict[str, Any],
    message: str,
) -> None:
    services.grant_use(actor=seal_admin, seal=seal, user=seal_admin)
    client.force_login(seal_admin)
    if "file" in data:
        raw = data["file"]
        content = b"" if raw == "EMPTY" else one_page_pdf if raw == "PDF" else raw
        data = {**data, "file": _pdf(content)}
    response = client.post(f"/staff/seals/{seal.pk}/seal/", data)
    assert response.status_code in (400, 422)
    form = response.context["form"]
    assert message in " ".join(str(e) for errors in form.errors.values() for e in errors)


def test_sealing_too_large_a_file(
    client: Any, settings: Any, seal_admin: Any, seal: Any, one_page_pdf: bytes
) -> None:
    settings.YIWANG_SEAL_MAX_PDF_BYTES = 100
    services.grant_use(actor=seal_admin, seal=seal, user=seal_admin)
    client.force_login(seal_admin)
    response = client.post(
        f"/staff/seals/{seal.pk}/seal/", {"file": _pdf(one_page_pdf), "format": "sm2"}
    )
    assert response.status_code == 413
    assert "文件过大" in " ".join(response.context["form"].errors["file"])


def test_sealing_without_a_grant_is_refused_and_logged(
    client: Any, seal: Any, seal_admin: Any, one_page_pdf: bytes
) -> None:
    # The admin sees the seal but holds no use grant on it.
    client.force_login(seal_admin)
    response = client.post(
        f"/staff/seals/{seal.pk}/seal/", {"file": _pdf(one_page_pdf), "format": "sm2"}
    )
    assert response.status_code == 403
    assert "用章授权" in response.content.decode()
    assert SealUse.objects.filter(seal=seal, outcome="refused", user=seal_admin).exists()


def test_verify_page_shows_an_authentic_seal(
    client: Any, seal_admin: Any, seal: Any, one_page_pdf: bytes
) -> None:
    services.grant_use(actor=seal_admin, seal=seal, user=seal_admin)
    sealed = services.seal_pdf(one_page_pdf, actor=seal_admin, seal=seal, purpose="test")
    page = client.get("/verify/seal")
    assert page.status_code == 200
    assert "/api/v1/seals/ca/ecdsa-p256.pem" in page.content.decode()
    response = client.post("/verify/seal", {"file": _pdf(sealed, "决定书.pdf")})
    text = response.content.decode()
    assert response.status_code == 200
    assert "均真实有效" in text
    assert seal.name in text and "武昌区市场监督管理局" in text


def test_verify_page_shows_why_a_tampered_file_fails(
    client: Any, seal_admin: Any, seal: Any, one_page_pdf: bytes
) -> None:
    services.grant_use(actor=seal_admin, seal=seal, user=seal_admin)
    sealed = services.seal_pdf(one_page_pdf, actor=seal_admin, seal=seal, purpose="test")
    response = client.post("/verify/seal", {"file": _pdf(sealed + b"\n% appended\n")})
    text = response.content.decode()
    assert "查验未通过" in text
    assert "盖章后文件又被追加了内容" in text


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "空的"), (b"plain text", "不是可读取的PDF文档"), (None, "请选择要查验的PDF文件")],
)
def test_verify_page_bad_input(client: Any, db: None, content: bytes | None, message: str) -> None:
    data = {} if content is None else {"file": _pdf(content)}
    response = client.post("/verify/seal", data)
    assert response.status_code in (400, 422)
    assert message in " ".join(response.context["form"].errors["file"])


def test_verify_page_without_a_seal(client: Any, db: None, one_page_pdf: bytes) -> None:
    response = client.post("/verify/seal", {"file": _pdf(one_page_pdf)})
    assert response.status_code == 200
    assert "文件中没有电子印章" in response.content.decode()
