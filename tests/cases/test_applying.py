"""Applying (issue 5): a draft for a published implementation, the form, materials (uploaded
or exempt through a licence), and submission with an idempotency key and a case number.

Every refusal is checked for its code, its field and for leaving nothing changed behind."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.utils import timezone

from tests.cases.support import FORM, PDF, fields, refusal
from tests.factories import AccountFactory
from yiwang.cases import paperless, services
from yiwang.cases.models import Case, CaseCounter, CaseEvent, CaseStatus, Channel, MaterialStatus
from yiwang.kernel.models import AuditEntry

pytestmark = pytest.mark.django_db


def audit_rows(case: Case, action: str) -> int:
    return AuditEntry.objects.filter(action=action, target_id=str(case.pk)).count()


def ready_draft(actor: Any, code: str, **start: Any) -> Case:
    """A draft with the form filled and the required upload attached."""
    case = services.start(actor=actor, implementation_code=code, **start)
    services.save_form(actor=actor, case=case, form_data=dict(FORM))
    services.attach(actor=actor, case=case, code="M01", stream=io.BytesIO(PDF), name="x.pdf")
    return case


# --- start ----------------------------------------------------------------------------------


def test_citizen_starts_a_draft_with_the_versions_materials(published: Any, citizen: Any) -> None:
    case = services.start(actor=citizen, implementation_code=published.code)

    case.refresh_from_db()
    assert case.status == CaseStatus.DRAFT
    assert case.channel == Channel.ONLINE
    assert case.applicant == citizen and case.created_by == citizen
    assert case.case_no is None and case.idempotency_key is None
    assert case.department.code == "420106-SCJG"
    assert case.region_id == published.region_id
    assert case.implementation_code == published.code
    assert case.item_name == "个体工商户设立登记"
    assert case.version.status == "published"
    materials = {m.code: m for m in case.materials.all()}
    assert sorted(materials) == ["M01", "M02", "M03"]
    assert materials["M01"].required and not materials["M03"].required
    assert all(m.status == MaterialStatus.MISSING for m in materials.values())
    assert list(case.events.values_list("kind", flat=True)) == ["draft_created"]
    assert audit_rows(case, "cases.draft_created") == 1


def test_unpublished_implementation_cannot_be_applied_for(
    implementation: Any, citizen: Any
) -> None:
    exc = refusal(services.start, actor=citizen, implementation_code=implementation.code)
    assert exc.status == 404
    exc = refusal(services.start, actor=citizen, implementation_code="no-such-code")
    assert exc.status == 404
    assert not Case.objects.exists()


def test_clerk_applies_for_a_citizen_at_the_hall(published: Any, clerk: Any, citizen: Any) -> None:
    case = services.start(actor=clerk, implementation_code=published.code, applicant=citizen)

    assert case.channel == Channel.HALL
    assert case.applicant == citizen and case.created_by == clerk
    event = case.events.get()
    assert event.actor == clerk and event.details["channel"] == "hall"


def test_a_clerk_of_another_region_takes_the_application_for_its_department(
    published: Any, outsider: Any, citizen: Any
) -> None:
    """跨域通办: 宜昌's window takes an application for 武昌区's service on its behalf."""
    case = services.start(actor=outsider, implementation_code=published.code, applicant=citizen)

    assert case.channel == "hall"
    assert case.department.code == "420106-SCJG"
    assert case.intake_department is not None and case.intake_department.code == "4205-SCJG"
    assert case.events.get().details["received_by"] == "4205-SCJG"


def test_someone_without_a_window_cannot_apply_for_someone_else(
    published: Any, citizen: Any
) -> None:
    from tests.factories import AccountFactory

    other = AccountFactory(username="other", is_staff=False)
    exc = refusal(
        services.start, actor=other, implementation_code=published.code, applicant=citizen
    )
    assert exc.status == 403
    assert not Case.objects.exists()
    assert not CaseEvent.objects.exists()
    assert not AuditEntry.objects.filter(action="cases.draft_created").exists()


# --- form and materials ---------------------------------------------------------------------


def test_missing_required_form_field_refuses_and_changes_nothing(
    published: Any, citizen: Any
) -> None:
    case = services.start(actor=citizen, implementation_code=published.code)
    services.save_form(actor=citizen, case=case, form_data={"id_number": "420106199001011234"})
    services.attach(actor=citizen, case=case, code="M01", stream=io.BytesIO(PDF), name="x.pdf")

    exc = refusal(services.submit, actor=citizen, case=case, idempotency_key="k-1")

    assert exc.code == "case_form_invalid"
    assert exc.status == 422
    assert "form/applicant_name" in fields(exc)
    assert "申请人姓名" in str(exc.message)
    case.refresh_from_db()
    assert case.status == CaseStatus.DRAFT
    assert case.case_no is None and case.idempotency_key is None and case.submitted_at is None
    assert audit_rows(case, "cases.submitted") == 0
    assert not CaseCounter.objects.exists()
    # the licence-backed material is not marked exempt by a refused submission
    assert case.materials.get(code="M02").status == MaterialStatus.MISSING


def test_wrong_type_in_form_points_at_the_field(published: Any, citizen: Any) -> None:
    case = services.start(actor=citizen, implementation_code=published.code)
    services.save_form(actor=citizen, case=case, form_data={**FORM, "shop_name": 12})
    services.attach(actor=citizen, case=case, code="M01", stream=io.BytesIO(PDF), name="x.pdf")

    exc = refusal(services.submit, actor=citizen, case=case, idempotency_key="k-1")

    assert exc.code == "case_form_invalid"
    assert fields(exc) == ["form/shop_name"]


def test_missing_required_upload_refuses(published: Any, citizen: Any) -> None:
    case = services.start(actor=citizen, implementation_code=published.code)
    services.save_form(actor=citizen, case=case, form_data=dict(FORM))

    exc = refusal(services.submit, actor=citizen, case=case, idempotency_key="k-1")

    assert exc.code == "case_materials_missing"
    assert fields(exc) == ["materials.M01"]  # M02 is exempt, M03 optional
    case.refresh_from_db()
    assert case.status == CaseStatus.DRAFT and case.case_no is None


def test_form_and_material_errors_are_reported_together(published: Any, citizen: Any) -> None:
    case = services.start(actor=citizen, implementation_code=published.code)

    exc = refusal(services.submit, actor=citizen, case=case, idempotency_key="k-1")

    assert exc.code == "case_form_invalid"
    assert set(fields(exc)) == {"form/applicant_name", "form/id_number", "materials.M01"}


def test_attach_unknown_material_or_bad_file_is_refused(published: Any, citizen: Any) -> None:
    case = services.start(actor=citizen, implementation_code=published.code)

    exc = refusal(
        services.attach,
        actor=citizen,
        case=case,
        code="M99",
        stream=io.BytesIO(PDF),
        name="x.pdf",
    )
    assert exc.code == "case_materials_missing"
    assert fields(exc) == ["materials.M99"]

    exc = refusal(
        services.attach,
        actor=citizen,
        case=case,
        code="M01",
        stream=io.BytesIO(b"MZ\x90\x00 not a document"),
        name="x.exe",
    )
    assert exc.code == "file_type_not_allowed"
    assert case.materials.get(code="M01").status == MaterialStatus.MISSING


def test_other_user_cannot_touch_a_draft(published: Any, citizen: Any) -> None:
    case = services.start(actor=citizen, implementation_code=published.code)
    stranger = AccountFactory(username="stranger")

    exc = refusal(services.save_form, actor=stranger, case=case, form_data={"x": 1})
    assert exc.status == 404
    exc = refusal(
        services.attach, actor=stranger, case=case, code="M01", stream=io.BytesIO(PDF), name="x.pdf"
    )
    assert exc.status == 404
    case.refresh_from_db()
    assert case.form_data == {}


# --- submission -----------------------------------------------------------------------------


def test_submit_gives_a_case_number_and_records_the_exemption(
    published: Any, citizen: Any, held_id_card: Any
) -> None:
    case = ready_draft(citizen, published.code)
    paperless.use_licence(actor=citizen, case=case, code="M02")

    submitted = services.submit(actor=citizen, case=case, idempotency_key="k-1")

    submitted.refresh_from_db()
    year = timezone.localdate().year
    assert submitted.status == CaseStatus.SUBMITTED
    assert submitted.submitted_at is not None
    assert submitted.idempotency_key == "k-1"
    assert re.fullmatch(r"420106\d{4}\d{7}", submitted.case_no or "")
    assert submitted.case_no == f"420106{year}0000001"
    materials = {m.code: m for m in submitted.materials.all()}
    assert materials["M01"].status == MaterialStatus.UPLOADED
    assert materials["M01"].file is not None and materials["M01"].file.name == "x.pdf"
    assert materials["M02"].status == MaterialStatus.EXEMPT
    assert materials["M02"].exempt_by == f"licence:{held_id_card.current().identifier}"
    assert materials["M03"].status == MaterialStatus.MISSING
    assert audit_rows(submitted, "cases.submitted") == 1
    assert list(submitted.events.values_list("kind", flat=True)) == [
        "draft_created",
        "licence_consented",
        "submitted",
    ]


def test_case_numbers_count_per_region_and_year(
    published: Any, citizen: Any, licence_replacement: Any
) -> None:
    year = timezone.localdate().year
    first = services.submit(
        actor=citizen, case=ready_draft(citizen, published.code), idempotency_key="a"
    )
    second = services.submit(
        actor=citizen, case=ready_draft(citizen, published.code), idempotency_key="b"
    )
    elsewhere = services.submit(
        actor=citizen, case=ready_draft(citizen, licence_replacement.code), idempotency_key="c"
    )

    assert first.case_no == f"420106{year}0000001"
    assert second.case_no == f"420106{year}0000002"
    region = licence_replacement.region_id[:6].ljust(6, "0")
    assert region != "420106"
    assert elsewhere.case_no == f"{region}{year}0000001"


def test_same_key_twice_returns_the_same_case(published: Any, citizen: Any) -> None:
    case = ready_draft(citizen, published.code)
    first = services.submit(actor=citizen, case=case, idempotency_key="k-1")

    again = services.submit(actor=citizen, case=case, idempotency_key="k-1")

    assert again.pk == first.pk and again.case_no == first.case_no
    assert audit_rows(case, "cases.submitted") == 1
    assert Case.objects.filter(status=CaseStatus.SUBMITTED).count() == 1
    assert CaseCounter.objects.get().last == 1


def test_same_key_on_another_draft_is_refused(published: Any, citizen: Any) -> None:
    services.submit(actor=citizen, case=ready_draft(citizen, published.code), idempotency_key="k")
    other = ready_draft(citizen, published.code)

    exc = refusal(services.submit, actor=citizen, case=other, idempotency_key="k")

    assert exc.code == "idempotency_key_reused"
    assert exc.status == 409
    other.refresh_from_db()
    assert other.status == CaseStatus.DRAFT and other.case_no is None


def test_empty_key_is_refused(published: Any, citizen: Any) -> None:
    case = ready_draft(citizen, published.code)

    exc = refusal(services.submit, actor=citizen, case=case, idempotency_key="   ")

    assert exc.status == 400
    assert exc.code == "idempotency_key_required"
    assert fields(exc) == ["idempotency_key"]
    case.refresh_from_db()
    assert case.status == CaseStatus.DRAFT


def test_another_user_cannot_submit_someones_case(published: Any, citizen: Any) -> None:
    case = ready_draft(citizen, published.code)
    stranger = AccountFactory(username="stranger")

    exc = refusal(services.submit, actor=stranger, case=case, idempotency_key="k-1")

    assert exc.status == 404
    case.refresh_from_db()
    assert case.status == CaseStatus.DRAFT and case.case_no is None


def test_submitted_case_cannot_be_edited_or_submitted_with_a_new_key(
    published: Any, citizen: Any
) -> None:
    case = ready_draft(citizen, published.code)
    services.submit(actor=citizen, case=case, idempotency_key="k-1")

    exc = refusal(services.save_form, actor=citizen, case=case, form_data={})
    assert exc.code == "case_status_transition_invalid" and exc.status == 409
    exc = refusal(services.submit, actor=citizen, case=case, idempotency_key="k-2")
    assert exc.code == "case_status_transition_invalid"
    case.refresh_from_db()
    assert case.form_data == FORM and case.idempotency_key == "k-1"


def test_clerk_submits_the_hall_application(published: Any, clerk: Any, citizen: Any) -> None:
    case = ready_draft(clerk, published.code, applicant=citizen)

    submitted = services.submit(actor=clerk, case=case, idempotency_key="hall-1")

    assert submitted.status == CaseStatus.SUBMITTED
    assert submitted.applicant == citizen and submitted.channel == Channel.HALL
