"""A department with a seal authorised for licences seals each licence it issues; the sealed
file still carries its QR payload and verifies, seal included."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import StaffFactory
from tests.licenses.conftest import issue_food
from yiwang.licenses import rendering, services, signing

pytestmark = pytest.mark.django_db


@pytest.fixture
def licence_seal(owning_department: Any) -> Any:
    from yiwang.seals import services as seals

    admin = StaffFactory(
        username="sealadmin", role="department_admin", department=owning_department
    )
    return seals.register_seal(
        actor=admin,
        department=owning_department,
        name="武昌区市场监督管理局证照专用章",
        kind="license",
        automatic_purposes=["licenses.issue"],
    )


def test_a_sealed_licence_verifies_by_file(
    food_type: Any, approver: Any, owning_department: Any, licence_seal: Any
) -> None:
    licence = issue_food(approver, owning_department)
    version = licence.current()
    assert version.sealed

    pdf, _ = services.pdf_of(licence)
    assert rendering.payload_of(pdf) == signing.qr_payload(version.identifier, version.signature)

    report = services.verify_file(pdf)

    assert report.licence.authentic and report.licence.current
    assert report.file_matches_issued
    assert report.seal["sealed"] and report.seal["valid"], report.seal


def test_a_changed_file_is_not_the_issued_one(
    food_type: Any, approver: Any, owning_department: Any, licence_seal: Any
) -> None:
    licence = issue_food(approver, owning_department)
    pdf, _ = services.pdf_of(licence)
    changed = pdf + b"\n% appended\n"

    report = services.verify_file(changed)

    assert report.licence.authentic  # the licence itself is fine ...
    assert not report.file_matches_issued  # ... but this is not the file that was issued
    assert not report.seal["valid"]
