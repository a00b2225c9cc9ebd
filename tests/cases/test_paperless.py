"""Paperless materials (免提交) through an e-licence: the applicant who holds a valid licence of
the type a material names is offered it, consents, and the use is recorded on the licence at
submission; without one (or once it is revoked) the material is an ordinary upload."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.test import Client

from tests.cases.support import FORM, PDF, assert_error, give_id_card, signed_in
from tests.factories import AccountFactory
from yiwang.cases import paperless, services
from yiwang.cases.models import Case, CaseStatus, MaterialStatus
from yiwang.kernel.errors import DomainError
from yiwang.kernel.models import AuditEntry
from yiwang.licenses import services as licences
from yiwang.licenses.models import LicenseUse

pytestmark = pytest.mark.django_db

API = "/api/v1/cases"
OFFER = "您持有有效的电子证照"


def draft(applicant: Any, code: str) -> Case:
    """A draft with the form filled and the required upload (M01) attached; M02 names the
    ``resident_id_card`` licence type."""
    case = services.start(actor=applicant, implementation_code=code)
    services.save_form(actor=applicant, case=case, form_data=dict(FORM))
    services.attach(actor=applicant, case=case, code="M01", stream=io.BytesIO(PDF), name="a.pdf")
    return case


def page_url(case: Case, name: str = "") -> str:
    return f"/my-cases/{case.pk}/{name + '/' if name else ''}"


def consent_url(case: Case, code: str = "M02") -> str:
    return f"/my-cases/{case.pk}/materials/{code}/licence/"


def submit_through_the_check_page(client: Client, case: Case) -> Any:
    html = client.get(page_url(case, "check")).content.decode()
    match = re.search(r'name="idempotency_key" value="([^"]+)"', html)
    assert match is not None
    return client.post(page_url(case, "check"), {"idempotency_key": match.group(1)})


def paperless_uses(licence: Any) -> list[tuple[str, str, str]]:
    return [
        (u.via, u.case_no, u.material_code)
        for u in licences.uses_of(licence).filter(via="paperless")
    ]


# --- (a) the page: offer, consent, submission -----------------------------------------------


def test_a_held_licence_is_offered_used_and_recorded_at_submission(
    published: Any, citizen: Any, held_id_card: Any
) -> None:
    identifier = held_id_card.current().identifier
    saved_before = licences.materials_saved()
    case = draft(citizen, published.code)
    client = signed_in(citizen)

    html = client.get(page_url(case, "materials")).content.decode()
    assert OFFER in html and identifier in html and "同意使用电子证照" in html
    assert consent_url(case) in html

    response = client.post(consent_url(case))
    assert response.status_code == 302
    assert response["Location"] == f"{page_url(case, 'materials')}#material-M02"
    material = case.materials.get(code="M02")
    assert material.status == MaterialStatus.EXEMPT
    assert material.exempt_by == f"licence:{identifier}"
    assert case.events.filter(kind="licence_consented").count() == 1

    html = client.get(page_url(case, "materials")).content.decode()
    assert "已使用电子证照" in html and identifier in html
    assert OFFER not in html and 'id="file-M02"' not in html
    check = client.get(page_url(case, "check")).content.decode()
    assert "已使用电子证照" in check
    assert not paperless_uses(held_id_card)  # nothing recorded before submission

    response = submit_through_the_check_page(client, case)

    assert response.status_code == 302
    assert response["Location"] == page_url(case, "submitted")
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED and case.case_no
    assert paperless_uses(held_id_card) == [("paperless", case.case_no, "M02")]
    use = licences.uses_of(held_id_card).get(via="paperless")
    assert use.department_code == published.department.code
    assert licences.materials_saved() == saved_before + 1
    assert case.materials.get(code="M02").exempt_by == f"licence:{identifier}"


# --- (b) the API ----------------------------------------------------------------------------


def test_the_api_consents_and_submission_records_the_use(
    published: Any, citizen: Any, held_id_card: Any
) -> None:
    identifier = held_id_card.current().identifier
    case = draft(citizen, published.code)
    client = signed_in(citizen)

    response = client.post(f"{API}/{case.pk}/materials/M02/licence")

    assert response.status_code == 200, response.content
    materials = {m["code"]: m for m in response.json()["materials"]}
    assert materials["M02"]["status"] == "exempt"
    assert materials["M02"]["exempt_by"] == f"licence:{identifier}"

    response = client.post(
        f"{API}/{case.pk}/submit", {}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert response.status_code == 200, response.content
    case_no = response.json()["case_no"]
    assert paperless_uses(held_id_card) == [("paperless", case_no, "M02")]
    assert licences.materials_saved() == 1


def test_an_upload_after_consent_takes_the_licences_place(
    published: Any, citizen: Any, held_id_card: Any
) -> None:
    case = draft(citizen, published.code)
    paperless.use_licence(actor=citizen, case=case, code="M02")
    services.attach(actor=citizen, case=case, code="M02", stream=io.BytesIO(PDF), name="id.pdf")

    material = case.materials.get(code="M02")
    assert material.status == MaterialStatus.UPLOADED and material.exempt_by == ""
    services.submit(actor=citizen, case=case, idempotency_key="k-1")
    assert not paperless_uses(held_id_card)
    assert licences.materials_saved() == 0


# --- (c) no licence held --------------------------------------------------------------------


def test_without_a_licence_the_api_answers_409_and_nothing_changes(
    published: Any, citizen: Any, id_card_type: Any
) -> None:
    case = draft(citizen, published.code)

    response = signed_in(citizen).post(f"{API}/{case.pk}/materials/M02/licence")

    body = assert_error(response, 409, "case_licence_unavailable")
    assert body["details"]["material"] == "M02"
    material = case.materials.get(code="M02")
    assert material.status == MaterialStatus.MISSING and material.exempt_by == ""
    assert not case.events.filter(kind="licence_consented").exists()


def test_without_a_licence_the_page_offers_nothing_and_says_so(
    published: Any, citizen: Any, id_card_type: Any
) -> None:
    case = draft(citizen, published.code)
    client = signed_in(citizen)
    html = client.get(page_url(case, "materials")).content.decode()
    assert OFFER not in html and 'id="file-M02"' in html

    response = client.post(consent_url(case))

    assert response.status_code == 409
    assert "您没有可用于该材料的有效电子证照" in response.content.decode()
    assert case.materials.get(code="M02").status == MaterialStatus.MISSING


def test_a_required_licence_material_neither_uploaded_nor_consented_is_refused(
    item_owner: Any, catalog_editor: Any, reviewer: Any, owning_department: Any, citizen: Any
) -> None:
    from tests.catalog.fixtures import publish_item

    implementation = publish_item(
        item_owner=item_owner,
        editor=catalog_editor,
        reviewer=reviewer,
        department=owning_department,
        code="000105009000",
        name="证照必要材料测试事项",
        materials=[
            {
                "code": "M01",
                "name": "申请人身份证明",
                "form": "copy",
                "required": True,
                "source": "licence",
                "license_type": "resident_id_card",
                "meaning": "applicant.id_card",
            }
        ],
    )
    case = services.start(actor=citizen, implementation_code=implementation.code)
    services.save_form(actor=citizen, case=case, form_data=dict(FORM))

    with pytest.raises(DomainError) as caught:
        services.submit(actor=citizen, case=case, idempotency_key="k-1")

    errors = caught.value.details["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [("materials.M01", "material_missing")]
    assert "或使用您的电子证照" in errors[0]["message"]


# --- (d) revoked between consent and submission ---------------------------------------------


def test_a_licence_revoked_before_submission_is_refused_and_nothing_is_written(
    published: Any, citizen: Any, held_id_card: Any
) -> None:
    case = draft(citizen, published.code)
    paperless.use_licence(actor=citizen, case=case, code="M02")
    licences.revoke(actor="test", license=held_id_card, reason="证件挂失")

    with pytest.raises(DomainError) as caught:
        services.submit(actor=citizen, case=case, idempotency_key="k-1")

    errors = caught.value.details["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [("materials.M02", "licence_not_valid")]
    case.refresh_from_db()
    assert case.status == CaseStatus.DRAFT and case.case_no is None
    assert not LicenseUse.objects.filter(via="paperless").exists()
    assert licences.materials_saved() == 0


def test_a_revoked_licence_is_named_on_the_check_page_submission(
    published: Any, citizen: Any, held_id_card: Any
) -> None:
    case = draft(citizen, published.code)
    client = signed_in(citizen)
    assert client.post(consent_url(case)).status_code == 302
    licences.revoke(actor="test", license=held_id_card, reason="证件挂失")

    response = submit_through_the_check_page(client, case)

    assert response.status_code in (200, 422)
    assert "已不再有效" in response.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.DRAFT
    assert not paperless_uses(held_id_card)


# --- (e) the staff case page ----------------------------------------------------------------


def test_the_staff_case_page_shows_the_licence_the_material_was_met_by(
    published: Any, citizen: Any, held_id_card: Any, clerk: Any
) -> None:
    identifier = held_id_card.current().identifier
    case = draft(citizen, published.code)
    paperless.use_licence(actor=citizen, case=case, code="M02")
    case = services.submit(actor=citizen, case=case, idempotency_key="k-1")

    uses_before = licences.uses_of(held_id_card).count()
    audits_before = AuditEntry.objects.filter(action="licenses.verified").count()

    html = signed_in(clerk).get(f"/staff/cases/{case.pk}/").content.decode()

    assert "经营者身份证明" in html
    assert "电子证照：居民身份证" in html and f"证照标识 {identifier}" in html
    assert "已核验：真实有效" in html
    assert "依据：licence:" not in html
    # the check drawn with the page is not a verification: no use, no audit entry
    assert licences.uses_of(held_id_card).count() == uses_before
    assert AuditEntry.objects.filter(action="licenses.verified").count() == audits_before


def test_the_staff_case_page_names_the_problem_of_a_licence_revoked_since(
    published: Any, citizen: Any, held_id_card: Any, clerk: Any
) -> None:
    identifier = held_id_card.current().identifier
    case = draft(citizen, published.code)
    paperless.use_licence(actor=citizen, case=case, code="M02")
    case = services.submit(actor=citizen, case=case, idempotency_key="k-1")
    licences.revoke(actor="test", license=held_id_card, reason="证件挂失")

    html = signed_in(clerk).get(f"/staff/cases/{case.pk}/").content.decode()

    assert f"证照标识 {identifier}" in html
    assert "核验未通过：证照已注销。" in html
    assert "已核验：真实有效" not in html


def test_check_identifier_reads_without_recording(held_id_card: Any) -> None:
    identifier = held_id_card.current().identifier
    audits_before = AuditEntry.objects.count()

    found = licences.check_identifier(identifier)

    assert found is not None
    assert found["type_name"] == "居民身份证" and found["identifier"] == identifier
    assert found["authentic"] is True and found["current"] is True
    assert found["status"] == "valid" and found["status_label"] == "有效"
    assert found["holder_name"] != held_id_card.holder_name  # masked as on the document
    assert AuditEntry.objects.count() == audits_before
    licences.revoke(actor="test", license=held_id_card, reason="证件挂失")
    audits_before = AuditEntry.objects.count()
    revoked = licences.check_identifier(identifier)
    assert revoked is not None
    assert revoked["authentic"] is True and revoked["current"] is False
    assert (revoked["status"], revoked["status_label"]) == ("revoked", "已注销")
    assert revoked["message"] == "证照已注销。"
    assert licences.check_identifier("not-an-identifier") is None
    assert AuditEntry.objects.count() == audits_before
    assert not licences.uses_of(held_id_card).exists()


# --- (f) someone else's licence -------------------------------------------------------------


def test_another_persons_licence_is_never_offered(
    published: Any, citizen: Any, id_card_type: Any, owning_department: Any
) -> None:
    other = AccountFactory(username="other-holder", is_staff=False)
    give_id_card(other, owning_department)
    case = draft(citizen, published.code)
    client = signed_in(citizen)

    html = client.get(page_url(case, "materials")).content.decode()
    assert OFFER not in html
    assert paperless.offer(case, "resident_id_card") is None
    response = client.post(f"{API}/{case.pk}/materials/M02/licence")
    assert_error(response, 409, "case_licence_unavailable")
    assert case.materials.get(code="M02").exempt_by == ""
