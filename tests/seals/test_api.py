"""The seals API: anonymous 401, out of sight 404, permitted 2xx with its audit row, the error
envelope for bad input, and never a private key in an answer."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.factories import StaffFactory
from tests.seals.support import flip_byte, page_content_offset
from yiwang.kernel.models import AuditEntry
from yiwang.seals import services
from yiwang.seals.models import Seal, SealPermission, SealUse

pytestmark = pytest.mark.django_db

API = "/api/v1/seals"
ENVELOPE_KEYS = {"code", "message", "details"}


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body: dict[str, Any] = response.json()
    assert set(body) == ENVELOPE_KEYS
    assert body["code"] == code
    assert body["message"]
    return body


def keys_of(value: Any) -> set[str]:
    """Every key anywhere in a JSON value."""
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys_of(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys_of(v)}
    return set()


def assert_no_private_material(body: Any) -> None:
    assert not [k for k in keys_of(body) if "private" in k.lower() or "secret" in k.lower()]
    assert "PRIVATE KEY" not in str(body)


def pdf_upload(data: bytes, name: str = "doc.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/pdf")


@pytest.fixture
def stranger(other_department: Any) -> Any:
    """The administrator of another department."""
    return StaffFactory(
        username="yichangadmin", role="department_admin", department=other_department
    )


# --- access ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/"),
        ("get", "/{id}"),
        ("get", "/{id}/uses"),
        ("post", "/{id}/enable"),
        ("post", "/{id}/seal"),
    ],
)
def test_anonymous_gets_401(client: Any, seal: Any, method: str, path: str) -> None:
    response = getattr(client, method)(API + path.format(id=seal.pk))
    assert_error(response, 401, "not_authenticated")


def test_the_register_lists_only_visible_seals(seal: Any, seal_admin: Any, stranger: Any) -> None:
    mine = signed_in(seal_admin).get(f"{API}/").json()
    theirs = signed_in(stranger).get(f"{API}/").json()

    assert [s["code"] for s in mine] == [seal.code]
    assert theirs == []
    assert_no_private_material(mine)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/{id}", None),
        ("get", "/{id}/uses", None),
        ("post", "/{id}/suspend", {"reason": "x"}),
        ("post", "/{id}/revoke", {"reason": "x"}),
        ("post", "/{id}/permissions", {"user_id": 0}),
        ("put", "/{id}/automatic", {"purposes": []}),
    ],
)
def test_another_departments_admin_gets_404_and_changes_nothing(
    seal: Any, stranger: Any, method: str, path: str, body: Any
) -> None:
    client = signed_in(stranger)
    kwargs = {"data": body, "content_type": "application/json"} if body is not None else {}
    response = getattr(client, method)(API + path.format(id=seal.pk), **kwargs)

    assert_error(response, 404, "seal_not_found")
    seal.refresh_from_db()
    assert seal.status == "active"
    assert seal.automatic_purposes


def test_a_seal_that_does_not_exist_is_404(seal_admin: Any) -> None:
    assert_error(signed_in(seal_admin).get(f"{API}/999999"), 404, "seal_not_found")


# --- registering and managing ---------------------------------------------------------------


def test_registering_a_seal(seal_admin: Any, owning_department: Any) -> None:
    response = signed_in(seal_admin).post(
        f"{API}/",
        {
            "department_code": owning_department.code,
            "name": "武昌区市场监督管理局公章",
            "kind": "official",
            "automatic_purposes": "cases.acceptance, cases.decision",
        },
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind_label"] == "公章"
    assert body["automatic_purposes"] == ["cases.acceptance", "cases.decision"]
    assert "BEGIN CERTIFICATE" in body["sm2_certificate"]
    assert_no_private_material(body)
    assert AuditEntry.objects.filter(action="seals.registered", target_id=str(body["id"])).exists()


def test_registering_with_a_bad_image(seal_admin: Any, owning_department: Any) -> None:
    response = signed_in(seal_admin).post(
        f"{API}/",
        {
            "department_code": owning_department.code,
            "name": "公章",
            "kind": "official",
            "image": SimpleUploadedFile("seal.png", b"not an image", content_type="image/png"),
        },
    )

    assert_error(response, 400, "seal_image_invalid")
    assert not Seal.objects.exists()


def test_registering_for_an_unknown_department(seal_admin: Any) -> None:
    response = signed_in(seal_admin).post(
        f"{API}/", {"department_code": "NOPE", "name": "公章", "kind": "official"}
    )

    body = assert_error(response, 422, "seal_invalid")
    assert [e["field"] for e in body["details"]["errors"]] == ["department_code"]


def test_registering_with_bad_fields_points_at_them(
    seal_admin: Any, owning_department: Any
) -> None:
    response = signed_in(seal_admin).post(
        f"{API}/",
        {
            "department_code": owning_department.code,
            "name": " ",
            "kind": "stamp",
            "automatic_purposes": "all",
        },
    )

    body = assert_error(response, 400, "seal_invalid")
    assert {e["field"] for e in body["details"]["errors"]} == {"name", "kind", "automatic_purposes"}


def test_a_clerk_cannot_register(clerk: Any, owning_department: Any) -> None:
    response = signed_in(clerk).post(
        f"{API}/", {"department_code": owning_department.code, "name": "公章", "kind": "official"}
    )

    assert_error(response, 403, "seal_use_not_permitted")
    assert not Seal.objects.exists()


def test_suspend_without_reason_then_with_one_then_enable(seal: Any, seal_admin: Any) -> None:
    client = signed_in(seal_admin)
    url = f"{API}/{seal.pk}"

    refused = client.post(f"{url}/suspend", {"reason": "  "}, content_type="application/json")
    assert_error(refused, 400, "seal_reason_required")

    suspended = client.post(f"{url}/suspend", {"reason": "盘点"}, content_type="application/json")
    assert suspended.status_code == 200
    assert suspended.json()["status_label"] == "已暂停"
    assert AuditEntry.objects.filter(action="seals.suspend", target_id=str(seal.pk)).exists()

    enabled = client.post(f"{url}/enable")
    assert enabled.json()["status"] == "active"
    assert_error(client.post(f"{url}/enable"), 409, "seal_status_transition_invalid")


def test_grant_and_withdraw(seal: Any, seal_admin: Any, clerk: Any, citizen: Any) -> None:
    client = signed_in(seal_admin)
    url = f"{API}/{seal.pk}/permissions"

    granted = client.post(url, {"user_id": clerk.pk}, content_type="application/json")
    assert granted.json()["permitted_users"] == [clerk.pk]
    assert AuditEntry.objects.filter(action="seals.use_granted").exists()

    not_staff = client.post(url, {"user_id": citizen.pk}, content_type="application/json")
    assert_error(not_staff, 422, "seal_invalid")

    withdrawn = client.delete(f"{url}/{clerk.pk}")
    assert withdrawn.json()["permitted_users"] == []
    assert not SealPermission.objects.filter(seal=seal, revoked_at=None).exists()


def test_naming_the_keeper(seal: Any, seal_admin: Any, clerk: Any, citizen: Any) -> None:
    client = signed_in(seal_admin)
    url = f"{API}/{seal.pk}/keeper"

    named = client.put(url, {"user_id": clerk.pk}, content_type="application/json")
    assert named.json()["keeper"] == clerk.get_username()
    assert AuditEntry.objects.get(action="seals.keeper_changed").details["to"] == clerk.pk
    not_staff = client.put(url, {"user_id": citizen.pk}, content_type="application/json")
    assert_error(not_staff, 422, "seal_invalid")
    assert Seal.objects.get(pk=seal.pk).keeper_id == clerk.pk


def test_automatic_purposes(seal: Any, seal_admin: Any) -> None:
    client = signed_in(seal_admin)
    url = f"{API}/{seal.pk}/automatic"

    bad = client.put(url, {"purposes": ["everything"]}, content_type="application/json")
    assert_error(bad, 400, "seal_invalid")
    good = client.put(url, {"purposes": ["licenses.issue"]}, content_type="application/json")
    assert good.json()["automatic_purposes"] == ["licenses.issue"]


# --- sealing --------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["sm2", "pades"])
def test_sealing_answers_a_sealed_pdf(
    seal: Any, seal_admin: Any, clerk: Any, one_page_pdf: bytes, fmt: str
) -> None:
    services.grant_use(actor=seal_admin, seal=seal, user=clerk)

    response = signed_in(clerk).post(
        f"{API}/{seal.pk}/seal", {"file": pdf_upload(one_page_pdf), "format": fmt}
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert services.verify_pdf(response.content).valid
    assert SealUse.objects.filter(seal=seal, user=clerk, outcome="sealed", format=fmt).exists()


def test_sealing_without_a_grant_is_refused_and_logged(
    seal: Any, seal_admin: Any, one_page_pdf: bytes
) -> None:
    response = signed_in(seal_admin).post(
        f"{API}/{seal.pk}/seal", {"file": pdf_upload(one_page_pdf)}
    )

    assert_error(response, 403, "seal_use_not_permitted")
    uses = signed_in(seal_admin).get(f"{API}/{seal.pk}/uses").json()
    assert [(u["outcome"], u["refusal_code"]) for u in uses] == [
        ("refused", "seal_use_not_permitted")
    ]


def test_a_clerk_of_another_department_cannot_find_the_seal(
    seal: Any, outsider: Any, one_page_pdf: bytes
) -> None:
    response = signed_in(outsider).post(f"{API}/{seal.pk}/seal", {"file": pdf_upload(one_page_pdf)})

    assert_error(response, 404, "seal_not_found")
    assert not SealUse.objects.exists()


@pytest.mark.parametrize(
    ("content", "fmt", "status", "code"),
    [
        (b"%PDF-1.7\n1 0 obj\n<< /Broken\n%%EOF\n", "sm2", 400, "seal_pdf_invalid"),
        (b"hello", "sm2", 400, "seal_pdf_invalid"),
        (b"", "sm2", 400, "seal_pdf_invalid"),
        (None, "ofd", 400, "seal_format_invalid"),
    ],
    ids=["corrupt", "not-a-pdf", "empty", "wrong-format"],
)
def test_sealing_bad_input(
    seal: Any,
    seal_admin: Any,
    one_page_pdf: bytes,
    content: bytes | None,
    fmt: str,
    status: int,
    code: str,
) -> None:
    services.grant_use(actor=seal_admin, seal=seal, user=seal_admin)
    data = one_page_pdf if content is None else content

    response = signed_in(seal_admin).post(
        f"{API}/{seal.pk}/seal", {"file": pdf_upload(data), "format": fmt}
    )

    assert_error(response, status, code)
    assert not SealUse.objects.filter(outcome="sealed").exists()


def test_sealing_without_a_file_is_422(seal: Any, seal_admin: Any) -> None:
    response = signed_in(seal_admin).post(f"{API}/{seal.pk}/seal", {"format": "sm2"})
    assert response.status_code == 422
    assert set(response.json()) == ENVELOPE_KEYS


def test_sealing_too_large_a_file_is_413(
    settings: Any, seal: Any, seal_admin: Any, one_page_pdf: bytes
) -> None:
    settings.YIWANG_SEAL_MAX_PDF_BYTES = 1000
    services.grant_use(actor=seal_admin, seal=seal, user=seal_admin)

    response = signed_in(seal_admin).post(
        f"{API}/{seal.pk}/seal", {"file": pdf_upload(one_page_pdf)}
    )

    assert_error(response, 413, "seal_pdf_too_large")


# --- verifying and the public files ---------------------------------------------------------


def test_anyone_verifies_a_sealed_pdf(
    client: Any, seal: Any, seal_admin: Any, one_page_pdf: bytes
) -> None:
    services.grant_use(actor=seal_admin, seal=seal, user=seal_admin)
    sealed = services.seal_pdf(one_page_pdf, actor=seal_admin, seal=seal, purpose="test")

    response = client.post(f"{API}/verify", {"file": pdf_upload(sealed)})

    body = response.json()
    assert response.status_code == 200
    assert body["valid"] is True
    [signature] = body["signatures"]
    assert signature["seal_code"] == seal.code
    assert signature["department"] == "武昌区市场监督管理局"
    assert signature["seal_status_now"] == "启用"
    assert_no_private_material(body)
    assert AuditEntry.objects.filter(action="seals.verified").exists()


def test_verifying_a_tampered_pdf(
    client: Any, seal: Any, seal_admin: Any, one_page_pdf: bytes
) -> None:
    services.grant_use(actor=seal_admin, seal=seal, user=seal_admin)
    sealed = services.seal_pdf(one_page_pdf, actor=seal_admin, seal=seal, purpose="test")
    tampered = flip_byte(sealed, page_content_offset(sealed))

    body = client.post(f"{API}/verify", {"file": pdf_upload(tampered)}).json()

    assert body["valid"] is False
    assert "document_altered" in [p["code"] for p in body["signatures"][0]["problems"]]


@pytest.mark.parametrize("content", [b"", b"not a pdf", b"%PDF-1.7\n<<\n%%EOF"])
def test_verifying_an_unreadable_file_is_400(client: Any, db: None, content: bytes) -> None:
    response = client.post(f"{API}/verify", {"file": pdf_upload(content)})
    assert_error(response, 400, "seal_pdf_invalid")


def test_verifying_too_large_a_file_is_413(client: Any, db: None, settings: Any) -> None:
    settings.YIWANG_SEAL_MAX_PDF_BYTES = 10
    response = client.post(f"{API}/verify", {"file": pdf_upload(b"%PDF-1.7 " + b"x" * 20)})
    assert_error(response, 413, "seal_pdf_too_large")


def test_public_image_certificate_and_roots(client: Any, seal: Any) -> None:
    image = client.get(f"{API}/{seal.pk}/image.png")
    certificate = client.get(f"{API}/{seal.pk}/certificate.pem")
    root = client.get(f"{API}/ca/ecdsa-p256.pem")

    assert image["Content-Type"] == "image/png" and image.content.startswith(b"\x89PNG")
    assert certificate.content.decode().count("BEGIN CERTIFICATE") == 2
    assert root.content.startswith(b"-----BEGIN CERTIFICATE-----")
    for response in (certificate, root, client.get(f"{API}/ca/sm2.pem")):
        assert b"PRIVATE" not in response.content
    assert_error(client.get(f"{API}/ca/rsa.pem"), 404, "seal_not_found")
    assert_error(client.get(f"{API}/999999/image.png"), 404, "seal_not_found")
