"""The documents of a case (issue 5): the acceptance notice made at acceptance, the decision
document made at the decision, what each says, and their download through the API (only for
those who may see the case)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from tests.cases.support import FORM, PDF, signed_in
from tests.factories import AccountFactory, StaffFactory
from yiwang.cases import documents, handling, paperless, services
from yiwang.cases.models import Case, CaseStatus, Decision, TaskStatus
from yiwang.kernel.models import AuditEntry, StoredFile

pytestmark = pytest.mark.django_db

API = "/api/v1/cases"


# --- given ----------------------------------------------------------------------------------


@pytest.fixture
def approver(owning_department: Any) -> Any:
    return StaffFactory(username="approver", role="approver", department=owning_department)


def submit(implementation: Any, applicant: Any, key: str = "k-1", licence: bool = False) -> Case:
    case = services.start(actor=applicant, implementation_code=implementation.code)
    services.save_form(actor=applicant, case=case, form_data=dict(FORM))
    services.attach(actor=applicant, case=case, code="M01", stream=io.BytesIO(PDF), name="a.pdf")
    if licence:  # the applicant consents to their e-licence standing in for M02 (免提交)
        paperless.use_licence(actor=applicant, case=case, code="M02")
    return services.submit(actor=applicant, case=case, idempotency_key=key)


def decide(case: Case, approver: Any, outcome: str = "approve", opinion: str = "") -> Case:
    """Work the open steps of the default process (审查 → 决定) with ``outcome``."""
    case.refresh_from_db()
    while case.status == CaseStatus.ACCEPTED:
        task = case.tasks.filter(status=TaskStatus.OPEN).order_by("id").first()
        assert task is not None
        handling.complete_task(
            actor=approver,
            task=task,
            outcome=outcome,
            opinion=opinion or f"{task.name}:材料齐全,符合条件",
        )
        case.refresh_from_db()
    return case


@pytest.fixture
def accepted(published: Any, citizen: Any, clerk: Any, held_id_card: Any) -> Case:
    case = services.accept(actor=clerk, case=submit(published, citizen, licence=True))
    case.refresh_from_db()
    return case


@pytest.fixture
def approved(accepted: Case, approver: Any) -> Case:
    return decide(accepted, approver)


@pytest.fixture
def disapproved(accepted: Case, approver: Any) -> Case:
    return decide(accepted, approver, "disapprove", "经营场所位于禁止经营区域")


def text_of(content: bytes) -> str:
    assert content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(content))
    return "".join("".join(page.extract_text() or "" for page in reader.pages).split())


def stored_text(record: StoredFile | None) -> str:
    assert record is not None
    from yiwang.kernel import files

    with files.open_file(record) as handle:
        return text_of(handle.read())


def chinese(day: dt.date | None) -> str:
    assert day is not None
    return f"{day.year}年{day.month:02d}月{day.day:02d}日"


def local_day(moment: dt.datetime | None) -> dt.date:
    assert moment is not None
    return timezone.localdate(moment)


# --- the acceptance notice ------------------------------------------------------------------


def test_acceptance_keeps_a_notice_linked_to_the_case(accepted: Case, clerk: Any) -> None:
    notice = accepted.acceptance_notice

    assert notice is not None
    assert notice.content_type == "application/pdf"
    assert notice.name == f"acceptance-notice-{accepted.case_no}.pdf"
    event = accepted.events.get(kind="acceptance_notice_issued")
    assert event.actor == clerk
    assert event.details["file"] == str(notice.pk)
    assert AuditEntry.objects.filter(
        action="cases.acceptance_notice_issued", target_id=str(accepted.pk)
    ).exists()
    assert AuditEntry.objects.filter(action="kernel.file_stored", target_id=str(notice.pk)).exists()


def test_acceptance_notice_gives_the_number_due_dates_materials_and_contacts(
    accepted: Case,
) -> None:
    text = stored_text(accepted.acceptance_notice)

    assert "受理通知书" in text
    assert accepted.case_no and accepted.case_no in text
    assert "个体工商户设立登记" in text
    assert "武昌区市场监督管理局" in text
    assert f"受理日期{chinese(local_day(accepted.accepted_at))}" in text
    assert f"承诺办结日期{chinese(accepted.promised_due)}" in text
    assert f"法定办结日期{chinese(accepted.statutory_due)}" in text
    assert "个体工商户登记(备案)申请书是已上传" in text
    identifier = accepted.materials.get(code="M02").exempt_by.removeprefix("licence:")
    assert ".JMSFZ." in identifier
    assert f"经营者身份证明否免提交：电子证照（{identifier}）" in text
    assert "经营场所使用证明否未提交" in text
    assert "027-12345678" in text
    assert "武汉市武昌区中北路1号政务服务中心2楼" in text


def test_acceptance_notice_masks_the_applicants_name(accepted: Case) -> None:
    text = stored_text(accepted.acceptance_notice)

    assert "张*" in text
    assert "张三" not in text
    assert FORM["id_number"] not in text


def test_acceptance_notice_is_made_once(accepted: Case, clerk: Any) -> None:
    first = accepted.acceptance_notice
    files_before = StoredFile.objects.count()

    again = documents.store_acceptance_notice(accepted, actor=clerk)

    assert again == first
    assert StoredFile.objects.count() == files_before
    assert accepted.events.filter(kind="acceptance_notice_issued").count() == 1


def test_no_notice_for_a_case_not_accepted(published: Any, citizen: Any, clerk: Any) -> None:
    case = submit(published, citizen)
    files_before = StoredFile.objects.count()

    with pytest.raises(ValueError, match="not accepted"):
        documents.store_acceptance_notice(case, actor=clerk)

    case.refresh_from_db()
    assert case.acceptance_notice is None
    assert StoredFile.objects.count() == files_before
    assert not case.events.filter(kind="acceptance_notice_issued").exists()


def test_notice_name_comes_from_the_account_when_the_form_has_none(
    published: Any, clerk: Any
) -> None:
    applicant = AccountFactory(username="ouyang", is_staff=False)
    applicant.display_name = "欧阳锋"
    applicant.save()
    case = services.start(actor=applicant, implementation_code=published.code)
    case.form_data = {"id_number": FORM["id_number"]}

    assert documents.applicant_name(case) == "欧*锋"


def test_material_status_names_the_source_of_an_exemption() -> None:
    assert documents.material_status("uploaded", "") == "已上传"
    assert documents.material_status("exempt", "licence:business_licence") == (
        "免提交：电子证照（business_licence）"
    )
    assert (
        documents.material_status("exempt", "data:population") == "免提交：共享数据（population）"
    )
    assert documents.material_status("missing", "") == "未提交"


# --- the decision document ------------------------------------------------------------------


def test_approval_keeps_a_decision_document(approved: Case, approver: Any) -> None:
    record = approved.result_document

    assert approved.decision == Decision.APPROVE
    assert record is not None
    assert record.content_type == "application/pdf"
    event = approved.events.get(kind="decision_document_issued")
    assert event.actor == approver
    assert event.details == {"file": str(record.pk), "decision": "approve"}
    assert AuditEntry.objects.filter(
        action="cases.decision_document_issued", target_id=str(approved.pk)
    ).exists()


def test_approval_document_gives_decision_steps_opinions_date_and_issuer(approved: Case) -> None:
    text = stored_text(approved.result_document)

    assert "准予决定书" in text
    assert approved.case_no and approved.case_no in text
    assert "决定准予办理" in text
    assert "审查:材料齐全,符合条件" in text
    assert "决定:材料齐全,符合条件" in text
    assert "予以受理" in text  # the window's step
    assert "审批人员" in text
    decided = chinese(local_day(approved.decided_at))
    assert f"决定日期{decided}" in text
    assert "作出决定机关武昌区市场监督管理局" in text
    assert f"武昌区市场监督管理局{decided}" in text  # the issuer under the text
    assert "不予办理的理由" not in text
    assert "行政复议" not in text


def test_disapproval_document_gives_the_reason_and_the_remedies(disapproved: Case) -> None:
    text = stored_text(disapproved.result_document)

    assert disapproved.decision == Decision.DISAPPROVE
    assert "不予决定书" in text
    assert "决定不予办理" in text
    assert "不予办理的理由经营场所位于禁止经营区域" in text
    assert "不同意" in text
    assert "行政复议" in text and "行政诉讼" in text
    assert "准予决定书" not in text


def test_decision_document_is_made_once(approved: Case, approver: Any) -> None:
    first = approved.result_document
    files_before = StoredFile.objects.count()

    assert documents.store_decision_document(approved, actor=approver) == first
    assert StoredFile.objects.count() == files_before


def test_no_decision_document_without_a_decision(accepted: Case, approver: Any) -> None:
    files_before = StoredFile.objects.count()

    with pytest.raises(ValueError, match="no decision"):
        documents.store_decision_document(accepted, actor=approver)

    accepted.refresh_from_db()
    assert accepted.result_document is None
    assert StoredFile.objects.count() == files_before


# --- downloading them -----------------------------------------------------------------------


def download(client: Client, case: Case, kind: str) -> Any:
    return client.get(f"{API}/{case.pk}/documents/{kind}")


def test_applicant_downloads_the_acceptance_notice(accepted: Case, citizen: Any) -> None:
    response = download(signed_in(citizen), accepted, "acceptance_notice")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    content = b"".join(response.streaming_content)
    assert accepted.acceptance_notice is not None
    assert len(content) == accepted.acceptance_notice.size == int(response["Content-Length"])
    assert accepted.case_no and accepted.case_no in text_of(content)
    disposition = response["Content-Disposition"]
    assert disposition.isascii()
    assert f'filename="acceptance-notice-{accepted.case_no}.pdf"' in disposition
    assert "filename*=UTF-8''" + quote(f"受理通知书-{accepted.case_no}.pdf") in disposition
    assert response["Cache-Control"] == "private, no-store"


def test_applicant_and_handling_clerk_download_the_decision(
    disapproved: Case, citizen: Any, clerk: Any
) -> None:
    for user in (citizen, clerk):
        response = download(signed_in(user), disapproved, "result")

        assert response.status_code == 200
        assert "不予决定书" in text_of(b"".join(response.streaming_content))
        assert (
            "filename*=UTF-8''" + quote(f"不予决定书-{disapproved.case_no}.pdf")
            in (response["Content-Disposition"])
        )


def test_outsider_and_another_citizen_get_404_for_a_document(accepted: Case, outsider: Any) -> None:
    stranger = AccountFactory(username="stranger", is_staff=False)

    for user in (outsider, stranger):
        response = download(signed_in(user), accepted, "acceptance_notice")

        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


def test_someone_elses_document_is_404_even_when_own_cases_have_one(
    accepted: Case, published: Any, clerk: Any
) -> None:
    other = AccountFactory(username="other", is_staff=False)
    services.accept(actor=clerk, case=submit(published, other, key="k-other"))

    response = download(signed_in(other), accepted, "acceptance_notice")

    assert response.status_code == 404


def test_anonymous_download_is_401(accepted: Case) -> None:
    response = download(Client(), accepted, "acceptance_notice")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_a_document_not_made_yet_is_404_with_its_own_code(accepted: Case, citizen: Any) -> None:
    response = download(signed_in(citizen), accepted, "result")

    assert response.status_code == 404
    body = response.json()
    assert body["code"] == "case_document_not_issued"
    assert body["details"] == {"kind": "result"}


def test_an_unknown_document_kind_is_422(accepted: Case, citizen: Any) -> None:
    response = download(signed_in(citizen), accepted, "licence")

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


def test_a_missing_case_is_404(citizen: Any) -> None:
    response = signed_in(citizen).get(f"{API}/999999/documents/acceptance_notice")

    assert response.status_code == 404
