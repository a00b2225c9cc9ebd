"""Issuing licences and verifying them: signatures, the QR payload, the document."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from tests.cases.support import fields, refusal
from tests.licenses.conftest import CREDIT_CODE, FOOD_DATA, issue_food
from yiwang.kernel.models import AuditEntry, SigningKey
from yiwang.licenses import identifiers, rendering, services, signing
from yiwang.licenses.models import License, LicenseVersion

pytestmark = pytest.mark.django_db


def test_an_issued_licence_is_signed_and_its_qr_verifies(
    food_type: Any, approver: Any, owning_department: Any
) -> None:
    # given / when
    license = issue_food(approver, owning_department)
    version = license.current()

    # then: identifier of the national structure, check character right
    assert version.identifier.startswith("1.2.156.3005.2.SPJY.420106SCJG.00000001.1.")
    assert identifiers.is_valid(version.identifier)
    # the issuer key is the department's and it signs what verification checks
    key = SigningKey.objects.get(owner_type="license_issuer", owner_id=owning_department.code)
    assert version.signing_key == key
    # validity by the type's rule: five years less a day
    assert version.valid_until is not None
    assert (version.valid_until - version.valid_from).days in (1825, 1826)
    # the PDF carries the QR payload in its document information
    pdf, _ = services.pdf_of(license)
    assert pdf.startswith(b"%PDF")
    payload = rendering.payload_of(pdf)
    assert payload == signing.qr_payload(version.identifier, version.signature)

    result = services.verify_qr(payload)
    assert result.authentic and result.current
    assert result.type_name == "食品经营许可证"
    assert result.holder_name == "武汉长江餐饮管理有限公司"
    assert result.issuer_name == owning_department.name
    assert AuditEntry.objects.filter(action="licenses.issued", target_id=str(license.pk)).exists()
    assert AuditEntry.objects.filter(action="licenses.verified").exists()


def test_serials_count_per_type_and_issuer(
    food_type: Any, approver: Any, owning_department: Any
) -> None:
    first = issue_food(approver, owning_department)
    second = issue_food(approver, owning_department)
    assert first.identifier_base.endswith(".00000001")
    assert second.identifier_base.endswith(".00000002")
    # one issuer key per department, reused
    assert SigningKey.objects.filter(owner_type="license_issuer").count() == 1


def test_a_tampered_signature_is_not_authentic(
    food_type: Any, approver: Any, owning_department: Any
) -> None:
    license = issue_food(approver, owning_department)
    version = license.current()
    signature = bytearray(bytes.fromhex(version.signature))
    signature[-1] ^= 0x01
    sig = base64.urlsafe_b64encode(bytes(signature)).rstrip(b"=").decode()

    result = services.verify_qr(f"YWL1.{version.identifier}.{sig}")

    assert not result.authentic and not result.current
    assert result.reason == "signature_invalid"


def test_tampered_stored_data_is_not_authentic(
    food_type: Any, approver: Any, owning_department: Any
) -> None:
    license = issue_food(approver, owning_department)
    version = license.current()
    payload = signing.qr_payload(version.identifier, version.signature)
    LicenseVersion.objects.filter(pk=version.pk).update(data={**FOOD_DATA, "scope": "全部"})

    result = services.verify_qr(payload)

    assert not result.authentic
    assert result.reason == "signature_invalid"
    # a typed-in identifier finds the same
    assert not services.verify_identifier(version.identifier).authentic


@pytest.mark.parametrize("payload", ["", "hello", "YWL1.1.2.156.3005.2.SPJY.X.1.1.0.AAAA"])
def test_garbage_is_malformed(db: None, payload: str) -> None:
    result = services.verify_qr(payload)
    assert not result.authentic and result.reason == "malformed"


def test_an_unknown_identifier_is_not_found(db: None) -> None:
    identifier = identifiers.full(identifiers.base("SPJY", "ABC", 9), 1)
    result = services.verify_identifier(identifier)
    assert result.reason == "not_found" and not result.authentic


def test_data_failing_the_schema_is_refused_with_field_errors(
    food_type: Any, approver: Any, owning_department: Any
) -> None:
    exc = refusal(
        issue_food,
        approver=approver,
        department=owning_department,
        data={"business_name": "", "seats": "many"},
    )
    assert exc.code == "license_data_invalid"
    assert exc.status == 422
    assert set(fields(exc)) >= {"data/business_name", "data/address", "data/scope", "data/seats"}
    assert License.objects.count() == 0


def test_a_holder_of_the_wrong_kind_is_refused(
    food_type: Any, approver: Any, owning_department: Any
) -> None:
    exc = refusal(
        issue_food,
        approver=approver,
        department=owning_department,
        holder_kind="person",
        holder_id_number="420106198503120118",
        holder_credit_code="",
    )
    assert "holder_kind" in fields(exc)


def test_a_clerk_outside_the_department_cannot_issue(
    food_type: Any, outsider: Any, owning_department: Any
) -> None:
    exc = refusal(issue_food, approver=outsider, department=owning_department)
    assert exc.status == 403
    assert License.objects.count() == 0


def test_an_entity_licence_shows_the_credit_code(
    food_type: Any, approver: Any, owning_department: Any
) -> None:
    license = issue_food(approver, owning_department)
    view = services.view(license)
    assert view["holder_credit_code"] == CREDIT_CODE
    assert view["status"] == "valid"


def test_a_validity_in_years_from_29_february_ends_on_februarys_last_day() -> None:
    import datetime as dt

    from yiwang.licenses.models import LicenseType
    from yiwang.licenses.services import _valid_until

    five_years = LicenseType(code="t", validity_years=5)
    assert _valid_until(five_years, dt.date(2024, 2, 29)) == dt.date(2029, 2, 28)
    assert _valid_until(LicenseType(code="t", validity_years=4), dt.date(2024, 2, 29)) == (
        dt.date(2028, 2, 28)
    )
    assert _valid_until(five_years, dt.date(2024, 3, 1)) == dt.date(2029, 2, 28)
