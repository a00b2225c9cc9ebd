"""The licence API: anonymous → 401, outsider → 404/403, permitted → 2xx with an audit row;
public verification; no response ever carries a private key or a full ID number."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from tests.cases.support import assert_error, signed_in
from tests.licenses.conftest import (
    CREDIT_CODE,
    FOOD_DATA,
    FOOD_LAYOUT,
    FOOD_SCHEMA,
    ID_NUMBER,
    issue_food,
    issue_person,
)
from yiwang.kernel.models import AuditEntry, SigningKey
from yiwang.licenses import services
from yiwang.licenses.models import License, LicenseType, LicenseUse

pytestmark = pytest.mark.django_db

BASE = "/api/v1/licenses"


def post(client: Client, path: str, body: dict[str, Any]) -> Any:
    url = f"{BASE}{path or '/'}"
    return client.post(url, data=json.dumps(body), content_type="application/json")


def no_secrets(response: Any) -> None:
    """Nothing private in a response: no wrapped private key, no full ID number."""
    text = response.content.decode("utf-8", "replace")
    assert ID_NUMBER not in text
    for key in SigningKey.objects.all():
        assert key.private_key not in text
    assert "k4g1:" not in text


@pytest.fixture
def held(person_type: Any, approver: Any, owning_department: Any, verified_citizen: Any) -> Any:
    return issue_person(approver, owning_department, verified_citizen)


# --- types ---------------------------------------------------------------------------------


def test_only_a_platform_admin_creates_types(db: None, admin: Any, clerk: Any) -> None:
    body = {
        "code": "food_business_licence",
        "identifier_code": "SPJY",
        "name": "食品经营许可证",
        "fields_schema": FOOD_SCHEMA,
        "layout": FOOD_LAYOUT,
        "holder_kind": "entity",
        "validity_years": 5,
    }
    assert_error(post(Client(), "/types", body), 401, "not_authenticated")
    assert_error(post(signed_in(clerk), "/types", body), 403, "permission_denied")
    assert not LicenseType.objects.exists()

    response = post(signed_in(admin), "/types", body)

    assert response.status_code == 201, response.content
    assert response.json()["identifier_code"] == "SPJY"
    assert AuditEntry.objects.filter(action="licenses.type_created").exists()
    listed = signed_in(clerk).get(f"{BASE}/types").json()
    assert [t["code"] for t in listed] == ["food_business_licence"]
    assert signed_in(clerk).get(f"{BASE}/types/food_business_licence").status_code == 200
    assert_error(post(signed_in(admin), "/types", body), 409, "license_type_duplicate")


def test_a_type_with_a_bad_identifier_code_is_refused(db: None, admin: Any) -> None:
    body = {"code": "x", "identifier_code": "s-p", "name": "x", "fields_schema": {}}
    body_out = assert_error(post(signed_in(admin), "/types", body), 422, "license_type_invalid")
    assert [e["field"] for e in body_out["details"]["errors"]] == ["identifier_code"]


# --- issuing -------------------------------------------------------------------------------


def _issue_body(department: Any, **overrides: Any) -> dict[str, Any]:
    body = {
        "type_code": "food_business_licence",
        "department_code": department.code,
        "holder_kind": "entity",
        "holder_name": "武汉长江餐饮管理有限公司",
        "holder_credit_code": CREDIT_CODE,
        "data": dict(FOOD_DATA),
    }
    body.update(overrides)
    return body


def test_an_approver_issues_and_others_cannot(
    food_type: Any, approver: Any, clerk: Any, outsider: Any, owning_department: Any
) -> None:
    body = _issue_body(owning_department)
    assert_error(post(Client(), "", body), 401, "not_authenticated")
    assert_error(post(signed_in(clerk), "", body), 403, "permission_denied")
    assert not License.objects.exists()

    response = post(signed_in(approver), "", body)

    assert response.status_code == 201, response.content
    out = response.json()
    assert out["identifier"].startswith("1.2.156.3005.2.SPJY.")
    assert out["qr"].startswith("YWL1.")
    assert AuditEntry.objects.filter(action="licenses.issued").exists()
    no_secrets(response)


def test_data_failing_the_schema_answers_field_errors(
    food_type: Any, approver: Any, owning_department: Any
) -> None:
    body = _issue_body(owning_department, data={"business_name": "x"})
    out = assert_error(post(signed_in(approver), "", body), 422, "license_data_invalid")
    assert {e["field"] for e in out["details"]["errors"]} == {"data/address", "data/scope"}
    assert not License.objects.exists()


def test_import_by_json_is_all_or_nothing(
    food_type: Any, approver: Any, owning_department: Any
) -> None:
    good = {"holder_name": "甲", "holder_credit_code": CREDIT_CODE, "valid_from": "2022-01-01"}
    body = {
        "type_code": "food_business_licence",
        "department_code": owning_department.code,
        "rows": [{**good, **FOOD_DATA}, {**good, **FOOD_DATA, "holder_credit_code": "bad"}],
    }
    out = assert_error(post(signed_in(approver), "/import", body), 400, "license_import_refused")
    assert [e["row"] for e in out["details"]["errors"]] == [2]
    assert not License.objects.exists()

    body["rows"] = body["rows"][:1]
    response = post(signed_in(approver), "/import", body)
    assert response.status_code == 201 and response.json()["created"] == 1


# --- lifecycle -----------------------------------------------------------------------------


def test_suspend_resume_revoke_and_change_through_the_api(
    food_type: Any, approver: Any, outsider: Any, owning_department: Any
) -> None:
    licence = issue_food(approver, owning_department)
    path = f"/{licence.pk}"
    assert_error(
        post(signed_in(outsider), f"{path}/suspend", {"reason": "x"}), 404, "license_not_found"
    )
    client = signed_in(approver)

    assert post(client, f"{path}/suspend", {"reason": "整改"}).json()["status"] == "suspended"
    assert post(client, f"{path}/resume", {}).json()["status"] == "valid"
    changed = post(client, f"{path}/change", {"data": FOOD_DATA, "reason": "变更"}).json()
    assert changed["version"] == 2
    assert_error(post(client, f"{path}/revoke", {"reason": ""}), 422, "license_reason_required")
    assert post(client, f"{path}/revoke", {"reason": "注销"}).json()["status"] == "revoked"
    assert_error(
        post(client, f"{path}/suspend", {"reason": "x"}), 409, "license_status_transition_invalid"
    )


# --- wallet --------------------------------------------------------------------------------


def test_the_holder_sees_their_licences_and_downloads_the_pdf(
    held: Any, verified_citizen: Any, stranger: Any
) -> None:
    assert_error(Client().get(f"{BASE}/mine"), 401, "not_authenticated")
    client = signed_in(verified_citizen)

    mine = client.get(f"{BASE}/mine")
    assert mine.status_code == 200
    items = mine.json()["items"]
    assert [i["id"] for i in items] == [held.pk]
    assert items[0]["holder_id_number"] == "4201**********0118"
    no_secrets(mine)

    pdf = client.get(f"{BASE}/{held.pk}/pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    uses = client.get(f"{BASE}/{held.pk}/uses").json()["items"]
    assert [u["via"] for u in uses] == ["download"]

    other = signed_in(stranger)
    assert other.get(f"{BASE}/mine").json()["items"] == []
    assert_error(other.get(f"{BASE}/{held.pk}"), 404, "license_not_found")
    assert_error(other.get(f"{BASE}/{held.pk}/pdf"), 404, "license_not_found")
    assert_error(other.get(f"{BASE}/{held.pk}/uses"), 404, "license_not_found")


def test_an_entity_wallet_needs_the_representative(
    food_type: Any, approver: Any, owning_department: Any, verified_citizen: Any
) -> None:
    issue_food(approver, owning_department)
    client = signed_in(verified_citizen)
    assert_error(client.get(f"{BASE}/mine", {"entity": CREDIT_CODE}), 404, "not_found")


# --- grants --------------------------------------------------------------------------------


def test_show_and_read_a_licence_by_grant(
    held: Any,
    verified_citizen: Any,
    clerk: Any,
    admin: Any,
    owning_department: Any,
) -> None:
    created = post(signed_in(verified_citizen), "/grants", {"license_ids": [held.pk]})
    assert created.status_code == 201, created.content
    grant = created.json()
    redeem = {"short_code": grant["short_code"], "department_code": owning_department.code}

    clerk_client = signed_in(clerk)
    assert_error(
        post(clerk_client, "/grants/redeem", redeem), 403, "license_department_not_verified"
    )
    assert_error(
        post(signed_in(clerk), "/user-departments", {"department_code": owning_department.code}),
        403,
        "permission_denied",
    )
    verified = post(
        signed_in(admin), "/user-departments", {"department_code": owning_department.code}
    )
    assert verified.status_code == 201

    shown = post(clerk_client, "/grants/redeem", redeem)
    assert shown.status_code == 200, shown.content
    assert [s["id"] for s in shown.json()] == [held.pk]
    no_secrets(shown)
    assert_error(post(clerk_client, "/grants/redeem", redeem), 409, "license_grant_used")
    uses = signed_in(verified_citizen).get(f"{BASE}/{held.pk}/uses").json()["items"]
    assert uses[0]["via"] == "grant" and uses[0]["department_code"] == owning_department.code


# --- verification --------------------------------------------------------------------------


def test_public_verification_by_qr_and_identifier(held: Any) -> None:
    view = services.view(held)
    public = Client()

    by_qr = post(public, "/verify", {"qr": view["qr"]})
    assert by_qr.status_code == 200, by_qr.content
    out = by_qr.json()
    assert out["authentic"] and out["current"]
    assert out["holder_name"] == "张*"
    no_secrets(by_qr)
    by_id = post(public, "/verify", {"identifier": view["identifier"]}).json()
    assert by_id["authentic"] and by_id["version"] == 1
    assert_error(post(public, "/verify", {}), 422, "validation_error")
    # public verification is audited, without personal data, and is not a use
    entry = AuditEntry.objects.filter(action="licenses.verified").last()
    assert entry is not None and entry.actor_label == "public"
    assert not LicenseUse.objects.exists()


def test_a_staff_verification_is_a_use_the_holder_sees(held: Any, clerk: Any) -> None:
    post(signed_in(clerk), "/verify", {"identifier": services.view(held)["identifier"]})
    assert LicenseUse.objects.get().via == "verification"


def test_verify_an_uploaded_pdf(held: Any, verified_citizen: Any) -> None:
    pdf = b"".join(signed_in(verified_citizen).get(f"{BASE}/{held.pk}/pdf").streaming_content)
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = Client().post(
        f"{BASE}/verify/file",
        {"file": SimpleUploadedFile("licence.pdf", pdf, content_type="application/pdf")},
    )

    assert response.status_code == 200, response.content
    out = response.json()
    assert out["licence"]["authentic"] and out["licence"]["current"]
    assert out["file_matches_issued"] is True
    assert out["seal"]["sealed"] is False  # the department has no seal for licences
    not_a_licence = Client().post(
        f"{BASE}/verify/file",
        {"file": SimpleUploadedFile("x.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")},
    )
    assert_error(not_a_licence, 422, "license_pdf_unreadable")


def test_stats_count_paperless_uses(held: Any, clerk: Any, citizen: Any) -> None:
    services.use_for_case(
        actor="system",
        license_id=held.pk,
        case_no="1",
        department_code="420106-SCJG",
        material_code="M01",
    )
    assert_error(signed_in(citizen).get(f"{BASE}/stats"), 403, "permission_denied")
    assert signed_in(clerk).get(f"{BASE}/stats").json()["materials_saved"] == 1


def test_the_wallet_keeps_a_query_budget(
    person_type: Any,
    approver: Any,
    owning_department: Any,
    verified_citizen: Any,
    django_assert_max_num_queries: Any,
) -> None:
    client = signed_in(verified_citizen)
    issue_person(approver, owning_department, verified_citizen)
    client.get(f"{BASE}/mine")  # warm the session
    with django_assert_max_num_queries(12) as one:
        assert len(client.get(f"{BASE}/mine").json()["items"]) == 1
    for _ in range(3):
        issue_person(approver, owning_department, verified_citizen)
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(client.get(f"{BASE}/mine").json()["items"]) == 4


def test_import_an_excel_workbook(food_type: Any, approver: Any, owning_department: Any) -> None:
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["holder_name", "holder_credit_code", "valid_from", *FOOD_DATA])
    sheet.append(["武汉长江餐饮管理有限公司", CREDIT_CODE, "2023-05-01", *FOOD_DATA.values()])
    buffer = io.BytesIO()
    book.save(buffer)
    upload = SimpleUploadedFile("licences.xlsx", buffer.getvalue())

    response = signed_in(approver).post(
        f"{BASE}/import/xlsx",
        {
            "type_code": "food_business_licence",
            "department_code": owning_department.code,
            "file": upload,
        },
    )

    assert response.status_code == 201, response.content
    assert response.json()["created"] == 1
    garbage = SimpleUploadedFile("x.xlsx", b"not a workbook")
    refused = signed_in(approver).post(
        f"{BASE}/import/xlsx",
        {"type_code": "food_business_licence", "department_code": "x", "file": garbage},
    )
    assert_error(refused, 422, "license_import_format")
