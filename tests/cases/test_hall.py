"""Applying at the window for a citizen (窗口代办, 一窗受理) through HTTP: the clerk finds the
applicant by an exact mobile or ID number among real-name-verified accounts, chooses the
service, fills the form and materials on their behalf, submits, and accepts at once; for
another region's service the clerk's hall receives the case and both halls see it (跨域通办).
Also the API's path for the same flow, the result's hand-out page, and every refusal with
nothing changed behind it."""

from __future__ import annotations

import io
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.cases.support import FORM, PDF, assert_error, signed_in
from tests.factories import AccountFactory, StaffFactory
from yiwang.cases import delivery, handling, queues, services
from yiwang.cases.models import Case, CaseStatus, Channel, Delivery, DeliveryStatus, TaskStatus
from yiwang.identity.services import find_verified_account, verify_real_name
from yiwang.kernel.demo import PERSONS, load_base_data
from yiwang.kernel.demo import person_id_number as pid
from yiwang.kernel.errors import DomainError
from yiwang.kernel.models import AuditEntry

pytestmark = pytest.mark.django_db

HALL = "/staff/cases/hall/"
API = "/api/v1/cases"
WANG_FANG = PERSONS[1]  # 王芳
WANG_FANG_ID = pid(WANG_FANG[1], WANG_FANG[2])
MOBILE = "13912345678"


# --- given ----------------------------------------------------------------------------------


def verified_resident(
    username: str = "wangfang", person: tuple[str, str, str] = WANG_FANG, mobile: str = MOBILE
) -> Any:
    """A registered citizen whose real name is verified against the population base data."""
    load_base_data(lambda *_: None)
    name, birth, seq = person
    account = AccountFactory(username=username, mobile=mobile)
    return verify_real_name(actor="test", account=account, name=name, id_number=pid(birth, seq))


@pytest.fixture
def resident(db: None) -> Any:
    return verified_resident()


def applicant_token(client: Client, identifier: str) -> str:
    """Find the applicant on the hall's first page; the token the service page carries."""
    response = client.post(HALL, {"identifier": identifier})
    assert response.status_code == 302, response.content.decode()
    location = urlsplit(response["Location"])
    assert location.path == f"{HALL}service/"
    return parse_qs(location.query)["applicant"][0]


def begin(client: Client, token: str, code: str, once: str = "t-1") -> Any:
    return client.post(f"{HALL}begin/", {"applicant": token, "code": code, "token": once})


def hall_draft(client: Client, identifier: str, code: str) -> Case:
    response = begin(client, applicant_token(client, identifier), code)
    assert response.status_code == 302, response.content.decode()
    case = Case.objects.get()
    assert response["Location"] == f"{HALL}{case.pk}/form/"
    return case


def answers(form: dict[str, str]) -> dict[str, str]:
    return {f"answer-{name}": value for name, value in form.items()}


def upload(client: Client, case: Case, code: str = "M01") -> Any:
    pdf = SimpleUploadedFile("申请书.pdf", PDF, content_type="application/pdf")
    return client.post(f"{HALL}{case.pk}/materials/{code}/", {"file": pdf})


def idempotency_key(page: Any) -> str:
    found = re.search(r'name="idempotency_key" value="([^"]+)"', page.content.decode())
    assert found is not None
    return found.group(1)


def filled_and_submitted(client: Client, case: Case) -> Any:
    assert client.post(f"{HALL}{case.pk}/form/", answers(FORM)).status_code == 302
    assert upload(client, case).status_code == 302
    key = idempotency_key(client.get(f"{HALL}{case.pk}/check/"))
    return client.post(f"{HALL}{case.pk}/check/", {"idempotency_key": key})


# --- finding the applicant ------------------------------------------------------------------


def test_lookup_finds_a_verified_citizen_by_exact_mobile_or_id_number(resident: Any) -> None:
    assert find_verified_account(MOBILE) == resident
    assert find_verified_account(f"+86 {MOBILE[:3]}-{MOBILE[3:]}") == resident
    assert find_verified_account(WANG_FANG_ID.lower()) == resident
    assert find_verified_account("13912345679") is None
    assert find_verified_account(pid("19881103", "042")) is None  # a person without an account


def test_lookup_never_finds_unverified_disabled_or_staff_accounts(
    resident: Any, owning_department: Any
) -> None:
    AccountFactory(username="unverified", mobile="13700000001")
    StaffFactory(
        username="staff-mobile",
        role="window_clerk",
        department=owning_department,
        mobile="13700000002",
    )
    assert find_verified_account("13700000001") is None
    assert find_verified_account("13700000002") is None
    resident.is_active = False
    resident.save(update_fields=["is_active"])
    assert find_verified_account(MOBILE) is None


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("1391234", "mobile_format"),
        ("", "mobile_format"),
        ("42010619900725022Y", "id_number_format"),
    ],
)
def test_lookup_refuses_what_is_neither_a_mobile_nor_an_id_number(text: str, code: str) -> None:
    with pytest.raises(DomainError) as caught:
        find_verified_account(text)
    assert caught.value.code == code


# --- who may use the window's pages ---------------------------------------------------------


def test_anonymous_is_sent_to_sign_in_and_nothing_is_started(published: Any) -> None:
    for response in (Client().get(HALL), Client().post(f"{HALL}begin/", {"code": published.code})):
        assert response.status_code == 302
        assert "login" in response["Location"]
    assert not Case.objects.exists()


def test_citizens_and_staff_without_intake_get_403(
    published: Any, citizen: Any, auditor: Any, resident: Any
) -> None:
    for user in (citizen, auditor):
        client = signed_in(user)
        assert client.get(HALL).status_code == 403
        assert client.post(HALL, {"identifier": MOBILE}).status_code == 403
        assert client.post(f"{HALL}begin/", {"code": published.code}).status_code == 403
    assert not Case.objects.exists()


def test_the_workbench_links_to_the_hall_for_intake_staff_only(clerk: Any, auditor: Any) -> None:
    assert HALL in signed_in(clerk).get("/staff/cases/").content.decode()
    assert HALL not in signed_in(auditor).get("/staff/cases/queue/tasks/").content.decode()


# --- the application ------------------------------------------------------------------------


def test_an_unknown_or_unverified_applicant_is_named_beside_the_field(
    clerk: Any, published: Any
) -> None:
    AccountFactory(username="unverified", mobile="13700000001")
    client = signed_in(clerk)

    for identifier, message in (
        ("13700000001", "未找到已实名认证的账号"),
        ("12345", "手机号码应为11位"),
        ("", "请输入申请人的手机号码或身份证号码"),
    ):
        response = client.post(HALL, {"identifier": identifier})
        assert response.status_code == 422
        page = response.content.decode()
        assert message in page
        assert 'href="#id_identifier"' in page  # the error summary links to the field
        assert 'aria-invalid="true"' in page
    assert not Case.objects.exists()


def test_the_clerk_finds_the_applicant_and_a_service_by_name_or_code(
    clerk: Any, resident: Any, published: Any
) -> None:
    client = signed_in(clerk)
    token = applicant_token(client, WANG_FANG_ID)

    page = client.get(f"{HALL}service/", {"applicant": token, "q": "个体工商户"}).content.decode()
    assert "王*" in page and "139****5678" in page  # masked, enough to confirm the person
    assert WANG_FANG_ID not in page and MOBILE not in page
    assert "个体工商户设立登记" in page and published.code in page
    by_code = client.get(f"{HALL}service/", {"applicant": token, "q": published.code})
    assert "个体工商户设立登记" in by_code.content.decode()
    none = client.get(f"{HALL}service/", {"applicant": token, "q": "不存在的事项名称"})
    assert "没有找到已发布的事项" in none.content.decode()


def test_a_token_of_another_clerk_or_a_forged_one_finds_nobody(
    clerk: Any, resident: Any, published: Any, owning_department: Any
) -> None:
    token = applicant_token(signed_in(clerk), MOBILE)
    colleague = signed_in(
        StaffFactory(username="colleague", role="window_clerk", department=owning_department)
    )

    for client, given in ((colleague, token), (signed_in(clerk), f"{token}x")):
        response = client.get(f"{HALL}service/", {"applicant": given})
        assert response.status_code == 302 and response["Location"] == HALL
        assert begin(client, given, published.code).status_code == 302
    assert not Case.objects.exists()


def test_the_clerk_starts_a_hall_application_in_the_applicants_name(
    clerk: Any, resident: Any, published: Any
) -> None:
    client = signed_in(clerk)
    token = applicant_token(client, MOBILE)

    # a double click on the same choice makes one draft
    first = begin(client, token, published.code, "same")
    second = begin(client, token, published.code, "same")

    case = Case.objects.get()
    assert first["Location"] == second["Location"] == f"{HALL}{case.pk}/form/"
    assert case.applicant == resident and case.created_by == clerk
    assert case.channel == Channel.HALL and case.status == CaseStatus.DRAFT
    assert case.intake_department is None  # the clerk's own department handles it
    entry = AuditEntry.objects.get(action="cases.draft_created")
    assert entry.details["channel"] == "hall"
    # the draft waits on the window's first page until it is submitted
    assert f"{HALL}{case.pk}/form/" in client.get(HALL).content.decode()


def test_the_whole_window_application_then_accepted_at_once(
    clerk: Any, resident: Any, published: Any
) -> None:
    client = signed_in(clerk)
    case = hall_draft(client, MOBILE, published.code)

    # the form: the applicant's questions, with the service's errors beside each field
    form = client.get(f"{HALL}{case.pk}/form/").content.decode()
    assert 'name="answer-applicant_name"' in form and "王*" in form
    refused = client.post(f"{HALL}{case.pk}/form/", {"action": "continue"})
    assert refused.status_code == 422
    assert 'href="#field-applicant_name"' in refused.content.decode()
    assert client.post(f"{HALL}{case.pk}/form/", answers(FORM))["Location"] == (
        f"{HALL}{case.pk}/materials/"
    )

    # the materials: the ID card comes from the e-licence, the application form is scanned
    materials = client.get(f"{HALL}{case.pk}/materials/").content.decode()
    assert "无需上传" in materials
    assert f'action="{HALL}{case.pk}/materials/M01/"' in materials
    assert upload(client, case)["Location"] == f"{HALL}{case.pk}/materials/#material-M01"

    # check with the applicant, submit once
    check = client.get(f"{HALL}{case.pk}/check/")
    assert "张三" in check.content.decode()
    key = idempotency_key(check)
    done = client.post(f"{HALL}{case.pk}/check/", {"idempotency_key": key})
    again = client.post(f"{HALL}{case.pk}/check/", {"idempotency_key": key})
    assert done["Location"] == f"{HALL}{case.pk}/submitted/"
    assert again.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED and case.case_no
    assert AuditEntry.objects.filter(action="cases.submitted").count() == 1

    # the acknowledgement: the case number and the case in the workbench
    ack = client.get(f"{HALL}{case.pk}/submitted/").content.decode()
    assert case.case_no in ack and f'href="/staff/cases/{case.pk}/"' in ack
    accepted = client.post(f"/staff/cases/{case.pk}/do/accept/")
    assert accepted.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.ACCEPTED and case.promised_due is not None

    # the applicant sees it among their own cases
    mine = signed_in(resident).get(f"{API}/mine").json()
    assert [c["case_no"] for c in mine["items"]] == [case.case_no]
    assert mine["items"][0]["channel"] == "hall"
    # and the window's pages for it now lead to the workbench
    assert client.get(f"{HALL}{case.pk}/form/")["Location"] == f"/staff/cases/{case.pk}/"


def test_submitting_without_a_material_links_to_it_on_the_windows_page(
    clerk: Any, resident: Any, published: Any
) -> None:
    client = signed_in(clerk)
    case = hall_draft(client, MOBILE, published.code)
    client.post(f"{HALL}{case.pk}/form/", answers(FORM))

    check = client.get(f"{HALL}{case.pk}/check/")
    response = client.post(f"{HALL}{case.pk}/check/", {"idempotency_key": idempotency_key(check)})

    assert response.status_code == 422
    assert f'href="{HALL}{case.pk}/materials/#file-M01"' in response.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.DRAFT and not case.case_no
    assert not AuditEntry.objects.filter(action="cases.submitted").exists()


def test_a_bad_upload_is_refused_beside_the_material(
    clerk: Any, resident: Any, published: Any
) -> None:
    client = signed_in(clerk)
    case = hall_draft(client, MOBILE, published.code)
    text = SimpleUploadedFile("a.pdf", b"not a pdf at all", content_type="application/pdf")

    response = client.post(f"{HALL}{case.pk}/materials/M01/", {"file": text})

    assert 400 <= response.status_code < 500
    assert 'id="file-M01-error"' in response.content.decode()
    assert case.materials.get(code="M01").file is None


def test_another_clerks_window_draft_is_not_found_and_unchanged(
    clerk: Any, resident: Any, published: Any, owning_department: Any, outsider: Any
) -> None:
    case = hall_draft(signed_in(clerk), MOBILE, published.code)
    colleague = StaffFactory(
        username="colleague", role="window_clerk", department=owning_department
    )

    for user in (colleague, outsider):
        client = signed_in(user)
        for page in ("form", "materials", "check", "submitted"):
            assert client.get(f"{HALL}{case.pk}/{page}/").status_code == 404
        assert client.post(f"{HALL}{case.pk}/form/", answers(FORM)).status_code == 404
        assert upload(client, case).status_code == 404
    case.refresh_from_db()
    assert case.form_data == {} and case.materials.get(code="M01").file is None


def test_a_citizens_own_online_draft_is_not_a_window_draft(
    clerk: Any, resident: Any, published: Any
) -> None:
    own = services.start(actor=resident, implementation_code=published.code)
    assert signed_in(clerk).get(f"{HALL}{own.pk}/form/").status_code == 404
    assert signed_in(resident).get(f"{HALL}{own.pk}/form/").status_code == 403


def test_cross_region_the_clerks_hall_receives_and_both_halls_see_it(
    outsider: Any, clerk: Any, resident: Any, published: Any
) -> None:
    """A clerk of 宜昌 takes an application for 武昌区's service (跨域通办)."""
    client = signed_in(outsider)
    case = hall_draft(client, MOBILE, published.code)

    assert case.department.code == "420106-SCJG"
    assert case.intake_department is not None and case.intake_department.code == "4205-SCJG"
    form = client.get(f"{HALL}{case.pk}/form/").content.decode()
    assert "跨域通办" in form
    assert filled_and_submitted(client, case).status_code == 302

    for staff in (outsider, clerk):
        assert list(queues.intake(staff)) == [case]
        body = signed_in(staff).get(f"{API}/queues/intake").json()
        assert [c["id"] for c in body["items"]] == [case.pk]
    # the receiving hall accepts it; the handling department works the process
    assert client.post(f"/staff/cases/{case.pk}/do/accept/").status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.ACCEPTED
    assert case.tasks.get(status=TaskStatus.OPEN).department.code == "420106-SCJG"


def test_an_instant_item_taken_at_the_window_is_completed_in_one_step(
    outsider: Any, resident: Any, licence_replacement: Any
) -> None:
    client = signed_in(outsider)
    case = hall_draft(client, MOBILE, licence_replacement.code)
    filled_and_submitted(client, case)
    assert "即办件" in client.get(f"{HALL}{case.pk}/submitted/").content.decode()

    assert client.post(f"/staff/cases/{case.pk}/do/instant/").status_code == 302

    case.refresh_from_db()
    assert case.status == CaseStatus.COMPLETED and case.decision == "approve"
    assert case.result_document is not None


# --- the same flow through the API ----------------------------------------------------------


def test_the_clerk_fills_and_submits_for_the_applicant_through_the_api(
    clerk: Any, resident: Any, published: Any, citizen: Any
) -> None:
    window = signed_in(clerk)
    start = window.post(
        f"{API}/",
        {"implementation_code": published.code, "applicant_id": resident.pk},
        content_type="application/json",
    )
    assert start.status_code == 201, start.content
    case_id = start.json()["id"]

    # another citizen cannot touch it; the clerk fills it in
    other = signed_in(citizen)
    hidden = other.put(
        f"{API}/{case_id}/form", {"form_data": FORM}, content_type="application/json"
    )
    assert_error(hidden, 404, "not_found")
    filled = window.put(
        f"{API}/{case_id}/form", {"form_data": FORM}, content_type="application/json"
    )
    assert filled.status_code == 200
    pdf = SimpleUploadedFile("申请书.pdf", PDF, content_type="application/pdf")
    assert window.post(f"{API}/{case_id}/materials/M01", {"file": pdf}).status_code == 200
    submitted = window.post(f"{API}/{case_id}/submit", HTTP_IDEMPOTENCY_KEY="hall-1")
    assert submitted.status_code == 200, submitted.content
    accepted = window.post(f"{API}/{case_id}/accept", content_type="application/json")
    assert accepted.status_code == 200, accepted.content

    case = Case.objects.get(pk=case_id)
    assert case.status == CaseStatus.ACCEPTED and case.channel == Channel.HALL
    assert case.applicant == resident and case.created_by == clerk
    assert AuditEntry.objects.filter(action="cases.accepted", actor_id=clerk.pk).exists()


# --- the result's hand-out ------------------------------------------------------------------


@pytest.fixture
def approved(published: Any, resident: Any, clerk: Any, owning_department: Any) -> Case:
    """An approved case whose applicant chose mail delivery."""
    case = services.start(actor=resident, implementation_code=published.code)
    services.save_form(actor=resident, case=case, form_data=dict(FORM))
    services.attach(actor=resident, case=case, code="M01", stream=io.BytesIO(PDF), name="a.pdf")
    case = services.submit(actor=resident, case=case, idempotency_key="r-1")
    services.accept(actor=clerk, case=case)
    approver = StaffFactory(username="approver", role="approver", department=owning_department)
    case.refresh_from_db()
    while case.status == CaseStatus.ACCEPTED:
        task = case.tasks.filter(status=TaskStatus.OPEN).order_by("id").first()
        assert task is not None
        handling.complete_task(actor=approver, task=task, outcome="approve", opinion="同意")
        case.refresh_from_db()
    delivery.choose_delivery(
        actor=resident,
        case=case,
        method="mail",
        recipient="王芳",
        phone="13812345678",
        address="武汉市武昌区中北路 100 号",
    )
    return case


def test_the_clerk_ships_a_mailed_result_then_marks_it_delivered(
    approved: Case, clerk: Any
) -> None:
    client = signed_in(clerk)
    page = client.get(f"/staff/cases/{approved.pk}/result/").content.decode()
    assert "武汉市武昌区中北路 100 号" in page  # in full for who hands the result out
    assert (
        f'href="/staff/cases/{approved.pk}/result/"'
        in client.get(f"/staff/cases/{approved.pk}/").content.decode()
    )

    shipped = client.post(f"/staff/cases/{approved.pk}/result/", {"action": "ship"})

    assert shipped["Location"] == f"/staff/cases/{approved.pk}/result/"
    record = Delivery.objects.get(case=approved)
    assert record.status == DeliveryStatus.SENT and record.tracking_no.startswith("YW")
    assert record.tracking_no in client.get(shipped["Location"]).content.decode()
    assert AuditEntry.objects.filter(action="cases.result_shipped").count() == 1
    # shipping twice is refused with a message, the shipment unchanged
    client.post(f"/staff/cases/{approved.pk}/result/", {"action": "ship"})
    assert AuditEntry.objects.filter(action="cases.result_shipped").count() == 1

    client.post(f"/staff/cases/{approved.pk}/result/", {"action": "delivered"})
    record.refresh_from_db()
    assert record.status == DeliveryStatus.DELIVERED


def test_the_hand_out_is_hidden_from_outsiders_and_refused_to_readers(
    approved: Case, outsider: Any, auditor: Any
) -> None:
    assert signed_in(outsider).get(f"/staff/cases/{approved.pk}/result/").status_code == 404
    assert (
        signed_in(outsider)
        .post(f"/staff/cases/{approved.pk}/result/", {"action": "ship"})
        .status_code
        == 404
    )
    reader = signed_in(auditor)
    page = reader.get(f"/staff/cases/{approved.pk}/result/").content.decode()
    assert "武汉市武昌区中北路 100 号" not in page  # masked for who does not hand it out
    assert "交寄邮件" not in page
    assert reader.post(f"/staff/cases/{approved.pk}/result/", {"action": "ship"}).status_code == 403
    assert Delivery.objects.get(case=approved).status == DeliveryStatus.PENDING
    assert not AuditEntry.objects.filter(action="cases.result_shipped").exists()


def test_every_lookup_by_staff_is_audited_without_the_number(resident: Any, clerk: Any) -> None:
    from yiwang.identity.services import find_verified_account
    from yiwang.kernel.models import AuditEntry

    assert find_verified_account(resident.mobile, actor=clerk) == resident
    assert find_verified_account("13911112222", actor=clerk) is None

    rows = list(AuditEntry.objects.filter(action="identity.account_looked_up").order_by("seq"))
    assert [(r.details["by"], r.details["found"]) for r in rows] == [
        ("mobile", True),
        ("mobile", False),
    ]
    assert rows[0].target_id == str(resident.pk)
    assert all(resident.mobile not in str(r.details) for r in rows)


def test_lookups_are_rate_limited(resident: Any, clerk: Any) -> None:
    from yiwang.identity.services import find_verified_account
    from yiwang.identity.services.directory import LOOKUP_LIMIT
    from yiwang.kernel.errors import DomainError

    for _n in range(LOOKUP_LIMIT):
        find_verified_account("13911112222", actor=clerk)
    with pytest.raises(DomainError) as caught:
        find_verified_account(resident.mobile, actor=clerk)
    assert caught.value.status == 429
