"""Real-name verification against the population base data, and the levels that gate actions."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from tests.factories import AccountFactory
from yiwang.identity.models import Account, VerificationLevel
from yiwang.identity.services import require_level, verify_real_name
from yiwang.kernel.demo import PERSONS, load_base_data, person_id_number
from yiwang.kernel.errors import DomainError
from yiwang.kernel.models import AuditEntry

pytestmark = pytest.mark.django_db

VERIFY = "/api/v1/identity/verify"
ZHANG_WEI = PERSONS[0][0]
ZHANG_WEI_ID = person_id_number(PERSONS[0][1], PERSONS[0][2])
WANG_FANG_ID = person_id_number(PERSONS[1][1], PERSONS[1][2])


@pytest.fixture(autouse=True)
def _base_data(db: None) -> None:
    cache.clear()
    load_base_data(lambda *_: None)


def signed_in(account: Any) -> Client:
    client = Client()
    client.force_login(account)
    return client


def post(client: Client, data: dict[str, Any]) -> Any:
    return client.post(VERIFY, data, content_type="application/json")


def failures(reason: str) -> int:
    return AuditEntry.objects.filter(
        action="identity.verification_failed", details__reason=reason
    ).count()


def test_matching_name_and_id_number_verify_the_account(citizen: Any) -> None:
    response = post(signed_in(citizen), {"name": ZHANG_WEI, "id_number": ZHANG_WEI_ID})

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["verification_level"] == VerificationLevel.REAL_NAME
    assert body["name"] == "张*"
    assert body["id_number"] == ZHANG_WEI_ID[:4] + "*" * 10 + ZHANG_WEI_ID[-4:]
    citizen.refresh_from_db()
    assert citizen.display_name == ZHANG_WEI
    assert citizen.id_number == ZHANG_WEI_ID
    assert citizen.verified_at is not None
    assert Account.objects.filter(id_number_index=citizen.id_number_index).count() == 1
    row = AuditEntry.objects.get(action="identity.verified")
    assert row.target_id == str(citizen.pk)
    assert ZHANG_WEI_ID not in str(row.details)


def test_me_masks_every_identifier(citizen: Any) -> None:
    verify_real_name(actor=citizen, account=citizen, name=ZHANG_WEI, id_number=ZHANG_WEI_ID)

    body = signed_in(citizen).get("/api/v1/identity/me").json()

    assert citizen.mobile not in str(body)
    assert ZHANG_WEI_ID not in str(body)
    assert ZHANG_WEI not in str(body)
    assert body["verification_level_label"] == "已实名"


def test_name_mismatch_is_refused_with_an_audit_row_and_nothing_changed(citizen: Any) -> None:
    response = post(signed_in(citizen), {"name": "王芳", "id_number": ZHANG_WEI_ID})

    assert response.status_code == 400
    assert response.json()["code"] == "real_name_mismatch"
    citizen.refresh_from_db()
    assert citizen.verification_level == VerificationLevel.UNVERIFIED
    assert citizen.id_number == ""
    assert citizen.display_name == ""
    assert failures("real_name_mismatch") == 1


def test_a_bad_check_digit_has_its_own_error_code(citizen: Any) -> None:
    last = "0" if ZHANG_WEI_ID[-1] != "0" else "1"

    response = post(signed_in(citizen), {"name": ZHANG_WEI, "id_number": ZHANG_WEI_ID[:-1] + last})

    assert response.status_code == 400
    assert response.json()["code"] == "id_number_checksum"
    citizen.refresh_from_db()
    assert citizen.verification_level == VerificationLevel.UNVERIFIED
    assert failures("id_number_checksum") == 1


def test_an_id_number_verified_on_another_account_is_refused(citizen: Any) -> None:
    other = AccountFactory(username="other")
    verify_real_name(actor=other, account=other, name=ZHANG_WEI, id_number=ZHANG_WEI_ID)

    response = post(signed_in(citizen), {"name": ZHANG_WEI, "id_number": ZHANG_WEI_ID})

    assert response.status_code == 409
    assert response.json()["code"] == "id_number_taken"
    citizen.refresh_from_db()
    assert citizen.verification_level == VerificationLevel.UNVERIFIED
    assert citizen.id_number == ""
    assert failures("id_number_taken") == 1


def test_verifying_twice_is_refused(citizen: Any) -> None:
    verify_real_name(actor=citizen, account=citizen, name=ZHANG_WEI, id_number=ZHANG_WEI_ID)

    response = post(signed_in(citizen), {"name": "王芳", "id_number": WANG_FANG_ID})

    assert response.status_code == 409
    assert response.json()["code"] == "already_verified"
    citizen.refresh_from_db()
    assert citizen.id_number == ZHANG_WEI_ID


def test_verification_attempts_are_rate_limited(citizen: Any) -> None:
    client = signed_in(citizen)
    for _ in range(10):
        post(client, {"name": "某人", "id_number": ZHANG_WEI_ID})

    response = post(client, {"name": ZHANG_WEI, "id_number": ZHANG_WEI_ID})

    assert response.status_code == 429
    citizen.refresh_from_db()
    assert citizen.verification_level == VerificationLevel.UNVERIFIED


def test_verify_needs_a_signed_in_account() -> None:
    response = post(Client(), {"name": ZHANG_WEI, "id_number": ZHANG_WEI_ID})

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert not AuditEntry.objects.filter(action__startswith="identity.verif").exists()


def test_require_level_gates_by_verification_level(citizen: Any) -> None:
    with pytest.raises(DomainError) as refused:
        require_level(citizen, VerificationLevel.REAL_NAME)
    assert refused.value.code == "verification_required"
    assert refused.value.status == 403

    verify_real_name(actor=citizen, account=citizen, name=ZHANG_WEI, id_number=ZHANG_WEI_ID)
    require_level(citizen, VerificationLevel.REAL_NAME)  # passes
    with pytest.raises(DomainError):
        require_level(citizen, VerificationLevel.FACE_VERIFIED)


# ---- Page ---------------------------------------------------------------------------------


def test_verify_page_needs_sign_in() -> None:
    response = Client().get("/account/verify/")

    assert response.status_code == 302
    assert response["Location"].startswith("/account/login/")


def test_verify_page_verifies_and_shows_the_confirmation(citizen: Any) -> None:
    client = signed_in(citizen)

    response = client.post(
        "/account/verify/", {"name": ZHANG_WEI, "id_number": ZHANG_WEI_ID}, follow=True
    )

    body = response.content.decode()
    assert "已完成实名认证" in body
    assert "实名认证成功" in body
    assert ZHANG_WEI_ID not in body
    citizen.refresh_from_db()
    assert citizen.verification_level == VerificationLevel.REAL_NAME


def test_verify_page_shows_a_mismatch_beside_the_name(citizen: Any) -> None:
    response = signed_in(citizen).post(
        "/account/verify/", {"name": "王芳", "id_number": ZHANG_WEI_ID}
    )

    body = response.content.decode()
    assert 'href="#id_name"' in body
    assert "姓名与身份证号码不一致" in body
    assert failures("real_name_mismatch") == 1
