"""The holder's wallet, grants (亮证) read by clerks of verified user departments, uses shown
to the holder, and paperless materials (免提交)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from tests.cases.support import refusal
from tests.licenses.conftest import CREDIT_CODE, ID_NUMBER, issue_food, issue_person
from yiwang.kernel.models import AuditEntry
from yiwang.licenses import services
from yiwang.licenses.models import LicenseGrant, LicenseUse

pytestmark = pytest.mark.django_db


@pytest.fixture
def held(person_type: Any, approver: Any, owning_department: Any, verified_citizen: Any) -> Any:
    return issue_person(approver, owning_department, verified_citizen)


@pytest.fixture
def user_department(owning_department: Any, admin: Any) -> Any:
    return services.verify_department(actor=admin, department_code=owning_department.code)


def test_the_wallet_shows_imported_licences_matched_by_id_number(
    person_type: Any, approver: Any, owning_department: Any, verified_citizen: Any, stranger: Any
) -> None:
    # given a paper licence imported with the citizen's ID number and no account
    services.import_licenses(
        actor=approver,
        type_code="vocational_qualification",
        issuer_department_code=owning_department.code,
        rows=[
            {
                "holder_name": "张伟",
                "holder_id_number": ID_NUMBER,
                "valid_from": "2012-01-01",
                "qualification": "中式面点师",
            }
        ],
    )
    issued = issue_person(approver, owning_department, verified_citizen)

    # then the verified citizen sees both; someone else sees none
    mine = services.licenses_of_person(verified_citizen)
    assert {lic.pk for lic in mine} >= {issued.pk}
    assert mine.count() == 2
    assert services.licenses_of_person(stranger).count() == 0


def test_an_unverified_account_does_not_match_by_id_number(
    person_type: Any, approver: Any, owning_department: Any, verified_citizen: Any
) -> None:
    issue_person(approver, owning_department)  # no account given
    verified_citizen.verified_at = None
    verified_citizen.save()
    assert services.licenses_of_person(verified_citizen).count() == 0


def test_a_grant_is_read_once_by_a_clerk_of_a_verified_department(
    held: Any, verified_citizen: Any, clerk: Any, user_department: Any, owning_department: Any
) -> None:
    grant, token, short_code = services.create_grant(actor=verified_citizen, license_ids=[held.pk])
    assert len(short_code) == 8 and short_code.isdigit()
    assert token not in grant.token_hash and short_code != grant.short_code_hash

    shown = services.redeem_grant(
        actor=clerk,
        token=token,
        department_code=owning_department.code,
        case_no="42010620260000001",
        purpose="办理食品经营许可",
    )

    assert [v["id"] for v in shown] == [held.pk]
    assert shown[0]["holder_id_number"] == "4201**********0118"
    use = LicenseUse.objects.get(license=held, via="grant")
    assert use.department_code == owning_department.code and use.case_no == "42010620260000001"
    # one time only
    exc = refusal(
        services.redeem_grant,
        actor=clerk,
        short_code=short_code,
        department_code=owning_department.code,
    )
    assert exc.code == "license_grant_used"
    # the holder sees who used it
    assert [u.via for u in services.uses_of(held)] == ["grant"]


def test_an_expired_grant_is_refused(
    held: Any, verified_citizen: Any, clerk: Any, user_department: Any, owning_department: Any
) -> None:
    grant, token, _ = services.create_grant(actor=verified_citizen, license_ids=[held.pk])
    LicenseGrant.objects.filter(pk=grant.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    exc = refusal(
        services.redeem_grant, actor=clerk, token=token, department_code=owning_department.code
    )
    assert exc.code == "license_grant_expired"
    assert not LicenseUse.objects.exists()
    logged = AuditEntry.objects.get(action="licenses.grant_redeem_refused")
    assert logged.details["code"] == "license_grant_expired" and logged.actor_id == clerk.pk


def test_a_clerk_of_an_unverified_department_is_refused(
    held: Any, verified_citizen: Any, clerk: Any, owning_department: Any
) -> None:
    _, token, _ = services.create_grant(actor=verified_citizen, license_ids=[held.pk])
    exc = refusal(
        services.redeem_grant, actor=clerk, token=token, department_code=owning_department.code
    )
    assert exc.code == "license_department_not_verified" and exc.status == 403
    assert not LicenseUse.objects.exists()
    logged = AuditEntry.objects.get(action="licenses.grant_redeem_refused")
    assert logged.details["code"] == "license_department_not_verified"


def test_a_clerk_cannot_redeem_for_a_department_not_their_own(
    held: Any,
    verified_citizen: Any,
    outsider: Any,
    user_department: Any,
    owning_department: Any,
) -> None:
    _, token, _ = services.create_grant(actor=verified_citizen, license_ids=[held.pk])
    exc = refusal(
        services.redeem_grant, actor=outsider, token=token, department_code=owning_department.code
    )
    assert exc.code == "license_not_department_staff"
    assert LicenseGrant.objects.get().used_at is None


def test_only_own_valid_licences_can_be_shown(
    held: Any, verified_citizen: Any, stranger: Any, approver: Any
) -> None:
    assert refusal(services.create_grant, actor=stranger, license_ids=[held.pk]).status == 404
    services.suspend(actor=approver, license=held, reason="整改")
    exc = refusal(services.create_grant, actor=verified_citizen, license_ids=[held.pk])
    assert exc.code == "license_not_usable"


def test_paperless_use_for_a_case(food_type: Any, approver: Any, owning_department: Any) -> None:
    licence = issue_food(approver, owning_department)
    found = services.valid_license_for(
        entity_credit_code=CREDIT_CODE, type_code="food_business_licence"
    )
    assert found is not None and found["license_id"] == licence.pk
    assert services.valid_license_for(entity_credit_code=CREDIT_CODE, type_code="other") is None

    services.use_for_case(
        actor="system",
        license_id=licence.pk,
        case_no="42010620260000002",
        department_code=owning_department.code,
        material_code="M02",
    )

    assert services.materials_saved() == 1
    assert services.materials_saved(department_code="nowhere") == 0
    services.revoke(actor=approver, license=licence, reason="注销")
    assert (
        services.valid_license_for(
            entity_credit_code=CREDIT_CODE, type_code="food_business_licence"
        )
        is None
    )
    exc = refusal(
        services.use_for_case,
        actor="system",
        license_id=licence.pk,
        case_no="x",
        department_code=owning_department.code,
        material_code="M02",
    )
    assert exc.code == "license_not_usable"


def test_a_person_licence_is_found_for_the_applicant(held: Any, verified_citizen: Any) -> None:
    found = services.valid_license_for(
        holder_user_id=verified_citizen.pk, type_code="vocational_qualification"
    )
    assert found is not None and found["license_id"] == held.pk
