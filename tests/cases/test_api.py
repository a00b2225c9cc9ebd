"""The cases API through HTTP (issue 5, first part): the applicant's journey from a draft to an
accepted case with its due dates, the window's intake queue, and every refusal with its exact
code, the fields it points at, and nothing changed behind it."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from tests.cases.support import FORM, PDF, assert_error, pointers, signed_in
from tests.factories import AccountFactory
from yiwang.cases.models import Case, CaseStatus
from yiwang.kernel import calendar
from yiwang.kernel.models import AuditEntry

pytestmark = pytest.mark.django_db

API = "/api/v1/cases"


# --- helpers --------------------------------------------------------------------------------


def post(client: Client, url: str, data: Any = None, **extra: Any) -> Any:
    return client.post(url, data or {}, content_type="application/json", **extra)


def start(client: Client, code: str, **extra: Any) -> dict[str, Any]:
    response = post(client, f"{API}/", {"implementation_code": code, **extra})
    assert response.status_code == 201, response.content
    body: dict[str, Any] = response.json()
    return body


def fill(client: Client, case_id: int, form: dict[str, Any] | None = None) -> Any:
    return client.put(
        f"{API}/{case_id}/form",
        {"form_data": FORM if form is None else form},
        content_type="application/json",
    )


def upload(client: Client, case_id: int, code: str = "M01") -> Any:
    pdf = SimpleUploadedFile("身份证明.pdf", PDF, content_type="application/pdf")
    return client.post(f"{API}/{case_id}/materials/{code}", {"file": pdf})


def submit(client: Client, case_id: int, key: str | None = "key-1") -> Any:
    headers = {} if key is None else {"HTTP_IDEMPOTENCY_KEY": key}
    return post(client, f"{API}/{case_id}/submit", **headers)


def submitted_case(client: Client, code: str) -> dict[str, Any]:
    case = start(client, code)
    assert fill(client, case["id"]).status_code == 200
    assert upload(client, case["id"]).status_code == 200
    response = submit(client, case["id"])
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    return body


def status_of(case_id: int) -> str:
    return str(Case.objects.get(pk=case_id).status)


# --- the journey ----------------------------------------------------------------------------


def test_the_whole_journey_from_draft_to_accepted(published: Any, citizen: Any, clerk: Any) -> None:
    applicant, window = signed_in(citizen), signed_in(clerk)

    case = start(applicant, published.code)
    assert case["case_no"] is None
    assert case["status"] == "draft"
    assert case["implementation_code"] == published.code
    assert case["item_name"] == "个体工商户设立登记"
    assert case["department_code"] == "420106-SCJG"
    assert case["channel"] == "online"
    assert [m["code"] for m in case["materials"]] == ["M01", "M02", "M03"]
    assert all(m["status"] == "missing" and m["file_id"] is None for m in case["materials"])
    assert [e["kind"] for e in case["timeline"]] == ["draft_created"]
    assert case["promised_due"] is None and case["submitted_at"] is None

    response = fill(applicant, case["id"])
    assert response.status_code == 200
    assert response.json()["form_data"] == FORM

    response = upload(applicant, case["id"])
    assert response.status_code == 200, response.content
    m01 = response.json()["materials"][0]
    assert m01["code"] == "M01" and m01["status"] == "uploaded" and m01["file_id"]

    response = submit(applicant, case["id"], key="journey-1")
    assert response.status_code == 200, response.content
    body = response.json()
    case_no = body["case_no"]
    assert body["status"] == "submitted"
    assert case_no.startswith(f"420106{timezone.localdate().year}")
    assert len(case_no) == 17
    assert body["submitted_at"]
    materials = {m["code"]: m for m in body["materials"]}
    # No e-licence held nor consented: the licence-typed M02 is an optional upload, not exempt.
    assert materials["M02"]["status"] == "missing"
    assert materials["M02"]["exempt_by"] == ""

    # A retry with the same key answers the same case, unchanged.
    again = submit(applicant, case["id"], key="journey-1")
    assert again.status_code == 200
    assert again.json()["case_no"] == case_no
    assert again.json()["timeline"] == body["timeline"]
    assert Case.objects.exclude(case_no=None).count() == 1

    # The window sees it in the intake queue, and asks for a supplement.
    queue = window.get(f"{API}/intake")
    assert queue.status_code == 200
    assert queue.json()["count"] == 1
    assert queue.json()["items"][0]["case_no"] == case_no
    response = post(
        window,
        f"{API}/{case['id']}/supplement",
        {"items": [{"field": "materials.M01", "reason": "身份证明复印件不清晰"}]},
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "supplement"
    assert window.get(f"{API}/intake").json()["count"] == 0

    # The applicant reads what is asked, uploads again and resubmits.
    mine = applicant.get(f"{API}/{case['id']}").json()
    assert mine["status"] == "supplement"
    assert mine["supplement"] == [{"field": "materials.M01", "reason": "身份证明复印件不清晰"}]
    assert upload(applicant, case["id"]).status_code == 200
    response = post(applicant, f"{API}/{case['id']}/resubmit")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "submitted"
    assert response.json()["supplement"] == []
    assert window.get(f"{API}/intake", {"case_no": case_no}).json()["count"] == 1

    # Accepted: the clock starts and the due dates are in the answer.
    response = post(window, f"{API}/{case['id']}/accept")
    assert response.status_code == 200, response.content
    body = response.json()
    today = timezone.localdate()
    assert body["status"] == "accepted"
    assert body["accepted_at"]
    assert body["promised_due"] == str(calendar.add_working_days(today, 5))
    assert body["statutory_due"] == str(calendar.add_working_days(today, 15))
    assert [e["kind"] for e in body["timeline"]] == [
        "draft_created",
        "submitted",
        "supplement_requested",
        "resubmitted",
        "accepted",
        "acceptance_notice_issued",
    ]
    # The applicant sees the same.
    assert applicant.get(f"{API}/{case['id']}").json()["promised_due"] == body["promised_due"]


def test_mine_lists_the_callers_cases_newest_first(
    published: Any, citizen: Any, clerk: Any
) -> None:
    applicant = signed_in(citizen)
    first = start(applicant, published.code)
    second = start(applicant, published.code)
    start(signed_in(AccountFactory(username="other-citizen")), published.code)

    response = applicant.get(f"{API}/mine")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [c["id"] for c in body["items"]] == [second["id"], first["id"]]
    page = applicant.get(f"{API}/mine", {"limit": 1, "offset": 1}).json()
    assert [c["id"] for c in page["items"]] == [first["id"]]


def test_clerk_applies_for_a_citizen_at_the_hall(published: Any, citizen: Any, clerk: Any) -> None:
    case = start(signed_in(clerk), published.code, applicant_id=citizen.pk)

    assert case["channel"] == "hall"
    assert Case.objects.get(pk=case["id"]).applicant == citizen
    # The applicant sees it among their own cases.
    assert signed_in(citizen).get(f"{API}/mine").json()["count"] == 1


def test_entity_credit_code_is_checked(published: Any, citizen: Any) -> None:
    response = post(
        signed_in(citizen),
        f"{API}/",
        {"implementation_code": published.code, "entity_credit_code": "91420106ABC"},
    )
    body = assert_error(response, 422, "credit_code_format")
    assert pointers(body) == ["entity_credit_code"]
    assert not Case.objects.exists()


# --- bad paths ------------------------------------------------------------------------------


def test_anonymous_gets_401_everywhere(published: Any, citizen: Any) -> None:
    case = start(signed_in(citizen), published.code)
    anonymous = Client()
    calls = [
        anonymous.get(f"{API}/mine"),
        anonymous.get(f"{API}/intake"),
        anonymous.get(f"{API}/{case['id']}"),
        post(anonymous, f"{API}/", {"implementation_code": published.code}),
        post(anonymous, f"{API}/{case['id']}/submit", HTTP_IDEMPOTENCY_KEY="k"),
        post(anonymous, f"{API}/{case['id']}/accept"),
    ]
    for response in calls:
        assert_error(response, 401, "not_authenticated")
    assert Case.objects.count() == 1


def test_unpublished_implementation_is_not_found(implementation: Any, citizen: Any) -> None:
    response = post(signed_in(citizen), f"{API}/", {"implementation_code": implementation.code})
    assert_error(response, 404, "not_found")
    assert not Case.objects.exists()


def test_invalid_form_points_at_the_field_and_nothing_is_submitted(
    published: Any, citizen: Any
) -> None:
    applicant = signed_in(citizen)
    case = start(applicant, published.code)
    fill(applicant, case["id"], {"id_number": "420106199001011234"})
    upload(applicant, case["id"])

    body = assert_error(submit(applicant, case["id"]), 422, "case_form_invalid")

    assert "form/applicant_name" in pointers(body)
    stored = Case.objects.get(pk=case["id"])
    assert stored.status == CaseStatus.DRAFT and stored.case_no is None
    assert stored.idempotency_key is None


def test_missing_material_points_at_it(published: Any, citizen: Any) -> None:
    applicant = signed_in(citizen)
    case = start(applicant, published.code)
    fill(applicant, case["id"])

    body = assert_error(submit(applicant, case["id"]), 422, "case_materials_missing")

    assert pointers(body) == ["materials.M01"]
    assert status_of(case["id"]) == "draft"


def test_unknown_material_code_is_refused(published: Any, citizen: Any) -> None:
    applicant = signed_in(citizen)
    case = start(applicant, published.code)

    body = assert_error(upload(applicant, case["id"], code="M99"), 422, "case_materials_missing")

    assert pointers(body) == ["materials.M99"]


def test_missing_idempotency_key_is_a_400(published: Any, citizen: Any) -> None:
    applicant = signed_in(citizen)
    case = start(applicant, published.code)
    fill(applicant, case["id"])
    upload(applicant, case["id"])

    body = assert_error(submit(applicant, case["id"], key=None), 400, "idempotency_key_required")

    assert pointers(body) == ["idempotency_key"]
    assert status_of(case["id"]) == "draft"


def test_key_of_another_case_is_refused(published: Any, citizen: Any) -> None:
    applicant = signed_in(citizen)
    submitted_case(applicant, published.code)  # used "key-1"
    second = start(applicant, published.code)
    fill(applicant, second["id"])
    upload(applicant, second["id"])

    assert_error(submit(applicant, second["id"], key="key-1"), 409, "idempotency_key_reused")
    assert status_of(second["id"]) == "draft"


def test_wrong_state_is_a_409(published: Any, citizen: Any, clerk: Any) -> None:
    applicant, window = signed_in(citizen), signed_in(clerk)
    draft = start(applicant, published.code)

    body = assert_error(
        post(window, f"{API}/{draft['id']}/accept"), 409, "case_status_transition_invalid"
    )
    assert body["details"]["status_now"] == "draft"
    assert_error(
        post(applicant, f"{API}/{draft['id']}/resubmit"), 409, "case_status_transition_invalid"
    )

    case = submitted_case(applicant, published.code)
    body = assert_error(fill(applicant, case["id"]), 409, "case_status_transition_invalid")
    assert status_of(case["id"]) == "submitted"
    assert Case.objects.get(pk=case["id"]).form_data == FORM


def test_refusal_needs_a_reason_and_ends_the_case(published: Any, citizen: Any, clerk: Any) -> None:
    applicant, window = signed_in(citizen), signed_in(clerk)
    case = submitted_case(applicant, published.code)

    body = assert_error(
        post(window, f"{API}/{case['id']}/refuse", {"reason": "  "}), 422, "case_reason_required"
    )
    assert pointers(body) == ["reason"]
    assert status_of(case["id"]) == "submitted"

    response = post(window, f"{API}/{case['id']}/refuse", {"reason": "不属于本部门职权范围"})
    assert response.status_code == 200
    seen = applicant.get(f"{API}/{case['id']}").json()
    assert seen["status"] == "refused"
    assert seen["end_reason"] == "不属于本部门职权范围"


def test_supplement_must_say_what_is_wrong(published: Any, citizen: Any, clerk: Any) -> None:
    case = submitted_case(signed_in(citizen), published.code)

    body = assert_error(
        post(
            signed_in(clerk),
            f"{API}/{case['id']}/supplement",
            {"items": [{"field": "materials.M01", "reason": ""}]},
        ),
        422,
        "case_supplement_empty",
    )

    assert pointers(body) == ["items[0].reason"]
    assert status_of(case["id"]) == "submitted"


def test_outsider_cannot_accept_and_the_case_is_unchanged(
    published: Any, citizen: Any, outsider: Any
) -> None:
    case = submitted_case(signed_in(citizen), published.code)
    stranger = signed_in(outsider)

    assert_error(post(stranger, f"{API}/{case['id']}/accept"), 403, "permission_denied")
    assert_error(
        post(stranger, f"{API}/{case['id']}/refuse", {"reason": "无"}), 403, "permission_denied"
    )

    stored = Case.objects.get(pk=case["id"])
    assert stored.status == CaseStatus.SUBMITTED
    assert stored.accepted_at is None and stored.promised_due is None
    assert not AuditEntry.objects.filter(action="cases.accepted").exists()
    # Nor does the case show in the outsider's queue, nor may they read it.
    assert stranger.get(f"{API}/intake").json()["count"] == 0
    assert_error(stranger.get(f"{API}/{case['id']}"), 404, "not_found")


def test_citizen_has_no_intake_queue(published: Any, citizen: Any) -> None:
    case = submitted_case(signed_in(citizen), published.code)
    applicant = signed_in(citizen)

    assert_error(applicant.get(f"{API}/intake"), 403, "permission_denied")
    assert_error(post(applicant, f"{API}/{case['id']}/accept"), 403, "permission_denied")
    assert status_of(case["id"]) == "submitted"


def test_another_citizens_case_is_not_found(published: Any, citizen: Any) -> None:
    case = start(signed_in(citizen), published.code)
    other = signed_in(AccountFactory(username="other-citizen"))

    assert_error(other.get(f"{API}/{case['id']}"), 404, "not_found")
    assert_error(fill(other, case["id"], {"applicant_name": "李四"}), 404, "not_found")
    assert_error(upload(other, case["id"]), 404, "not_found")
    assert_error(submit(other, case["id"]), 404, "not_found")
    assert_error(post(other, f"{API}/{case['id']}/resubmit"), 404, "not_found")
    assert other.get(f"{API}/mine").json()["count"] == 0
    assert Case.objects.get(pk=case["id"]).form_data == {}
    # A case that does not exist answers the same.
    assert_error(other.get(f"{API}/999999"), 404, "not_found")


def test_staff_in_scope_read_the_case(published: Any, citizen: Any, clerk: Any) -> None:
    case = submitted_case(signed_in(citizen), published.code)

    response = signed_in(clerk).get(f"{API}/{case['id']}")

    assert response.status_code == 200
    assert response.json()["case_no"] == case["case_no"]


def test_citizen_cannot_apply_for_someone_else(published: Any, citizen: Any) -> None:
    other = AccountFactory(username="other-citizen")
    response = post(
        signed_in(citizen),
        f"{API}/",
        {"implementation_code": published.code, "applicant_id": other.pk},
    )
    assert_error(response, 403, "permission_denied")
    assert not Case.objects.exists()


def test_clerk_applying_for_an_unknown_account(published: Any, clerk: Any) -> None:
    response = post(
        signed_in(clerk),
        f"{API}/",
        {"implementation_code": published.code, "applicant_id": 999999},
    )
    body = assert_error(response, 422, "validation_error")
    assert pointers(body) == ["applicant_id"]
    assert not Case.objects.exists()
