"""Delivering the result (issue 5): the applicant chooses pickup or mail (the address kept
encrypted), staff ship it through the postal carrier adapter, mark it delivered or picked up;
the API shows the personal fields in full only to those who need them. Every refusal is
checked for its code and for leaving everything as it was."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from tests.cases.support import FORM, PDF, fields, refusal, signed_in
from tests.factories import AccountFactory, StaffFactory
from yiwang.cases import delivery, handling, services
from yiwang.cases.models import (
    Case,
    CaseEvent,
    CaseStatus,
    Delivery,
    DeliveryStatus,
    Notice,
    TaskStatus,
)
from yiwang.kernel.models import AuditEntry

pytestmark = pytest.mark.django_db

API = "/api/v1/cases"
MAIL = {"recipient": "张三", "phone": "13812345678", "address": "武汉市武昌区中北路 100 号 3 单元"}


# --- given ----------------------------------------------------------------------------------


@pytest.fixture
def approver(owning_department: Any) -> Any:
    return StaffFactory(username="approver", role="approver", department=owning_department)


def submit(implementation: Any, applicant: Any) -> Case:
    case = services.start(actor=applicant, implementation_code=implementation.code)
    services.save_form(actor=applicant, case=case, form_data=dict(FORM))
    services.attach(actor=applicant, case=case, code="M01", stream=io.BytesIO(PDF), name="a.pdf")
    return services.submit(actor=applicant, case=case, idempotency_key="k-1")


def decide(case: Case, approver: Any, outcome: str = "approve") -> Case:
    case.refresh_from_db()
    while case.status == CaseStatus.ACCEPTED:
        task = case.tasks.filter(status=TaskStatus.OPEN).order_by("id").first()
        assert task is not None
        handling.complete_task(actor=approver, task=task, outcome=outcome, opinion="审查意见")
        case.refresh_from_db()
    return case


@pytest.fixture
def accepted(published: Any, citizen: Any, clerk: Any) -> Case:
    return services.accept(actor=clerk, case=submit(published, citizen))


@pytest.fixture
def approved(accepted: Case, approver: Any) -> Case:
    return decide(accepted, approver)


@pytest.fixture
def mailed(approved: Case, citizen: Any) -> Case:
    """Approved, and the applicant asked for the result by mail."""
    delivery.choose_delivery(actor=citizen, case=approved, method="mail", **MAIL)
    return approved


@pytest.fixture
def shipped(mailed: Case, clerk: Any) -> Case:
    delivery.ship_result(actor=clerk, case=mailed)
    return mailed


class FailingCarrier:
    name = "failing"

    def ship(self, record: Delivery) -> str:
        raise delivery.CarrierError("the carrier's service is down")

    def status(self, tracking_no: str) -> str:
        raise delivery.CarrierError("the carrier's service is down")


class ExpressCarrier:
    name = "express"

    def ship(self, record: Delivery) -> str:
        return f"SF{record.case.pk:010d}"

    def status(self, tracking_no: str) -> str:
        return DeliveryStatus.SENT


def snapshot(case: Case) -> tuple[Any, ...]:
    """What a refused action must leave alone."""
    record = Delivery.objects.filter(case=case).first()
    return (
        record and (record.method, record.status, record.recipient, record.address, record.phone),
        record and record.tracking_no,
        CaseEvent.objects.filter(case=case).count(),
        Notice.objects.filter(case=case).count(),
        AuditEntry.objects.count(),
    )


# --- the applicant's choice -----------------------------------------------------------------


def test_applicant_chooses_pickup_while_the_case_runs(accepted: Case, citizen: Any) -> None:
    record = delivery.choose_delivery(actor=citizen, case=accepted, method="pickup")

    record.refresh_from_db()
    assert record.method == "pickup"
    assert record.status == DeliveryStatus.PENDING
    assert (record.recipient, record.phone, record.address) == ("", "", "")
    event = accepted.events.get(kind="delivery_chosen")
    assert event.actor == citizen
    assert event.details == {"method": "pickup", "changed": False}
    assert AuditEntry.objects.filter(
        action="cases.delivery_chosen", target_id=str(accepted.pk)
    ).exists()
    notice = Notice.objects.get(case=accepted, kind="delivery_chosen")
    assert notice.recipient == citizen
    assert "窗口领取" in notice.body


def test_applicant_chooses_mail_once_approved_and_the_address_is_encrypted(
    approved: Case, citizen: Any
) -> None:
    record = delivery.choose_delivery(
        actor=citizen, case=approved, method="mail", **{**MAIL, "phone": "+86 138-1234-5678"}
    )

    record.refresh_from_db()
    assert record.method == "mail"
    assert record.recipient == "张三"
    assert record.phone == "13812345678"
    assert record.address == MAIL["address"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT recipient, phone, address FROM cases_delivery")
        raw = cursor.fetchone()
    assert "张三" not in str(raw) and "13812345678" not in str(raw) and "中北路" not in str(raw)
    notice = Notice.objects.get(case=approved, kind="delivery_chosen")
    assert "张*" in notice.body and "张三" not in notice.body
    audit = AuditEntry.objects.get(action="cases.delivery_chosen", target_id=str(approved.pk))
    assert "中北路" not in str(audit.details) and "138" not in str(audit.details)


def test_mail_without_recipient_phone_or_address_points_at_each(
    approved: Case, citizen: Any
) -> None:
    before = snapshot(approved)

    exc = refusal(delivery.choose_delivery, actor=citizen, case=approved, method="mail")

    assert exc.code == "case_delivery_invalid"
    assert exc.status == 422
    assert fields(exc) == ["recipient", "phone", "address"]
    assert snapshot(approved) == before
    assert not Delivery.objects.filter(case=approved).exists()


def test_mail_with_a_bad_mobile_number_points_at_the_phone(approved: Case, citizen: Any) -> None:
    before = snapshot(approved)

    exc = refusal(
        delivery.choose_delivery,
        actor=citizen,
        case=approved,
        method="mail",
        **{**MAIL, "phone": "027-12345678"},
    )

    assert exc.code == "case_delivery_invalid"
    assert fields(exc) == ["phone"]
    assert exc.details["errors"][0]["code"] == "mobile_format"
    assert snapshot(approved) == before


def test_an_overlong_address_or_a_control_character_is_refused(
    approved: Case, citizen: Any
) -> None:
    before = snapshot(approved)

    exc = refusal(
        delivery.choose_delivery,
        actor=citizen,
        case=approved,
        method="mail",
        **{**MAIL, "recipient": "张\x00三", "address": "路" * 301},
    )

    assert fields(exc) == ["recipient", "address"]
    assert {e["code"] for e in exc.details["errors"]} == {"invalid"}
    assert snapshot(approved) == before


def test_an_unknown_method_is_refused(approved: Case, citizen: Any) -> None:
    before = snapshot(approved)

    exc = refusal(delivery.choose_delivery, actor=citizen, case=approved, method="drone")

    assert exc.code == "case_delivery_invalid"
    assert fields(exc) == ["method"]
    assert snapshot(approved) == before


def test_the_choice_can_change_until_the_result_leaves(mailed: Case, citizen: Any) -> None:
    record = delivery.choose_delivery(actor=citizen, case=mailed, method="pickup")

    record.refresh_from_db()
    assert record.method == "pickup"
    assert (record.recipient, record.phone, record.address) == ("", "", "")
    assert Delivery.objects.filter(case=mailed).count() == 1
    assert mailed.events.filter(kind="delivery_chosen").last().details["changed"] is True


def test_choosing_again_after_shipping_is_refused(shipped: Case, citizen: Any) -> None:
    before = snapshot(shipped)

    exc = refusal(delivery.choose_delivery, actor=citizen, case=shipped, method="pickup")

    assert exc.code == "case_delivery_status_invalid"
    assert exc.status == 409
    assert exc.details["status_now"] == "sent"
    assert snapshot(shipped) == before


def test_no_choice_for_a_disapproved_case(accepted: Case, approver: Any, citizen: Any) -> None:
    case = decide(accepted, approver, "disapprove")
    before = snapshot(case)

    exc = refusal(delivery.choose_delivery, actor=citizen, case=case, method="pickup")

    assert exc.code == "case_status_transition_invalid"
    assert exc.status == 409
    assert snapshot(case) == before


def test_no_choice_for_a_draft(published: Any, citizen: Any) -> None:
    case = services.start(actor=citizen, implementation_code=published.code)

    exc = refusal(delivery.choose_delivery, actor=citizen, case=case, method="pickup")

    assert exc.status == 409
    assert not Delivery.objects.filter(case=case).exists()


def test_staff_cannot_choose_for_the_applicant_and_strangers_do_not_see_the_case(
    approved: Case, clerk: Any, outsider: Any
) -> None:
    stranger = AccountFactory(username="stranger", is_staff=False)
    before = snapshot(approved)

    assert refusal(
        delivery.choose_delivery, actor=clerk, case=approved, method="pickup"
    ).status == (403)
    for user in (outsider, stranger):
        exc = refusal(delivery.choose_delivery, actor=user, case=approved, method="pickup")
        assert exc.status == 404
        assert exc.code == "not_found"
    assert snapshot(approved) == before


# --- staff hand the result out --------------------------------------------------------------


def test_clerk_ships_a_mailed_result_through_the_local_carrier(mailed: Case, clerk: Any) -> None:
    record = delivery.ship_result(actor=clerk, case=mailed)

    record.refresh_from_db()
    assert record.status == DeliveryStatus.SENT
    assert record.carrier == "local"
    assert record.tracking_no == f"YW{timezone.localdate():%Y%m%d}{mailed.case_no}"
    assert record.sent_at is not None
    event = mailed.events.get(kind="result_shipped")
    assert event.actor == clerk
    assert event.details == {"carrier": "local", "tracking_no": record.tracking_no}
    assert AuditEntry.objects.filter(
        action="cases.result_shipped", target_id=str(mailed.pk)
    ).exists()
    notice = Notice.objects.get(case=mailed, kind="result_shipped")
    assert record.tracking_no in notice.body


def test_the_local_carrier_reads_the_status_from_the_delivery(shipped: Case) -> None:
    record = Delivery.objects.get(case=shipped)
    carrier = delivery.LocalCarrier()

    assert carrier.status(record.tracking_no) == DeliveryStatus.SENT
    with pytest.raises(delivery.CarrierError):
        carrier.status("YW-unknown")


def test_the_configured_carrier_is_used(mailed: Case, clerk: Any, settings: Any) -> None:
    settings.YIWANG_POSTAL_CARRIER = f"{__name__}.ExpressCarrier"

    record = delivery.ship_result(actor=clerk, case=mailed)

    assert (record.carrier, record.tracking_no) == ("express", f"SF{mailed.pk:010d}")


def test_a_carrier_failure_is_503_and_changes_nothing(
    mailed: Case, clerk: Any, settings: Any
) -> None:
    settings.YIWANG_POSTAL_CARRIER = f"{__name__}.FailingCarrier"
    before = snapshot(mailed)

    exc = refusal(delivery.ship_result, actor=clerk, case=mailed)

    assert exc.code == "case_carrier_unavailable"
    assert exc.status == 503
    assert snapshot(mailed) == before
    assert Delivery.objects.get(case=mailed).status == DeliveryStatus.PENDING


def test_shipping_needs_an_approved_case_and_a_mail_choice(
    accepted: Case, approver: Any, citizen: Any, clerk: Any
) -> None:
    delivery.choose_delivery(actor=citizen, case=accepted, method="mail", **MAIL)
    before = snapshot(accepted)

    exc = refusal(delivery.ship_result, actor=clerk, case=accepted)

    assert exc.code == "case_status_transition_invalid"
    assert snapshot(accepted) == before
    case = decide(accepted, approver)
    delivery.choose_delivery(actor=citizen, case=case, method="pickup")
    before = snapshot(case)
    exc = refusal(delivery.ship_result, actor=clerk, case=case)
    assert exc.code == "case_delivery_status_invalid"
    assert exc.details == {"method": "pickup"}
    assert snapshot(case) == before


def test_shipping_without_any_choice_is_refused(approved: Case, clerk: Any) -> None:
    exc = refusal(delivery.ship_result, actor=clerk, case=approved)

    assert exc.code == "case_delivery_status_invalid"
    assert not Delivery.objects.filter(case=approved).exists()


def test_shipping_twice_is_refused(shipped: Case, clerk: Any) -> None:
    before = snapshot(shipped)

    exc = refusal(delivery.ship_result, actor=clerk, case=shipped)

    assert exc.code == "case_delivery_status_invalid"
    assert exc.details["status_now"] == "sent"
    assert snapshot(shipped) == before


def test_only_staff_who_hand_results_out_may_ship(
    mailed: Case, citizen: Any, outsider: Any, auditor: Any
) -> None:
    before = snapshot(mailed)

    assert refusal(delivery.ship_result, actor=citizen, case=mailed).status == 403
    assert refusal(delivery.ship_result, actor=auditor, case=mailed).status == 403
    assert refusal(delivery.ship_result, actor=outsider, case=mailed).status == 404
    assert snapshot(mailed) == before


def test_an_approver_of_the_department_may_ship(mailed: Case, approver: Any) -> None:
    assert delivery.ship_result(actor=approver, case=mailed).status == DeliveryStatus.SENT


def test_a_shipped_result_is_marked_delivered(shipped: Case, clerk: Any) -> None:
    record = delivery.mark_delivered(actor=clerk, case=shipped)

    record.refresh_from_db()
    assert record.status == DeliveryStatus.DELIVERED
    assert record.delivered_at is not None
    assert shipped.events.filter(kind="result_delivered").count() == 1
    assert Notice.objects.filter(case=shipped, kind="result_delivered").exists()
    assert delivery.LocalCarrier().status(record.tracking_no) == DeliveryStatus.DELIVERED


def test_a_result_not_shipped_cannot_be_marked_delivered(mailed: Case, clerk: Any) -> None:
    before = snapshot(mailed)

    exc = refusal(delivery.mark_delivered, actor=clerk, case=mailed)

    assert exc.code == "case_delivery_status_invalid"
    assert exc.details["status_now"] == "pending"
    assert snapshot(mailed) == before


def test_pickup_is_marked_at_the_window(approved: Case, citizen: Any, clerk: Any) -> None:
    delivery.choose_delivery(actor=citizen, case=approved, method="pickup")

    record = delivery.mark_picked_up(actor=clerk, case=approved)

    record.refresh_from_db()
    assert record.status == DeliveryStatus.PICKED_UP
    assert record.delivered_at is not None
    assert approved.events.get(kind="result_picked_up").actor == clerk
    assert Notice.objects.filter(case=approved, kind="result_picked_up").exists()


def test_coming_to_the_window_without_a_choice_is_a_pickup(approved: Case, clerk: Any) -> None:
    record = delivery.mark_picked_up(actor=clerk, case=approved)

    assert (record.method, record.status) == ("pickup", DeliveryStatus.PICKED_UP)


def test_a_mailed_result_cannot_be_picked_up(shipped: Case, clerk: Any) -> None:
    before = snapshot(shipped)

    exc = refusal(delivery.mark_picked_up, actor=clerk, case=shipped)

    assert exc.code == "case_delivery_status_invalid"
    assert snapshot(shipped) == before


def test_picking_up_twice_is_refused(approved: Case, clerk: Any) -> None:
    delivery.mark_picked_up(actor=clerk, case=approved)
    before = snapshot(approved)

    exc = refusal(delivery.mark_picked_up, actor=clerk, case=approved)

    assert exc.details["status_now"] == "picked_up"
    assert snapshot(approved) == before


# --- the setting ----------------------------------------------------------------------------


def test_a_carrier_setting_that_is_no_dotted_path_stops_start_up(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "yiwang", "check"],
        capture_output=True,
        text=True,
        env={
            **os.environ,
            "YIWANG_DATA_DIR": str(tmp_path),
            "YIWANG_POSTAL_CARRIER": "not a class",
        },
        timeout=120,
        check=False,
    )

    assert result.returncode == 2
    assert "YIWANG_POSTAL_CARRIER" in result.stderr
    assert "Traceback" not in result.stderr


# --- the API --------------------------------------------------------------------------------


def url(case: Case, action: str = "") -> str:
    return f"{API}/{case.pk}/delivery" + (f"/{action}" if action else "")


def put(client: Client, case: Case, data: dict[str, Any]) -> Any:
    return client.put(url(case), data, content_type="application/json")


def test_api_applicant_chooses_and_reads_the_delivery_in_full(approved: Case, citizen: Any) -> None:
    client = signed_in(citizen)
    assert client.get(url(approved)).json()["chosen"] is False

    response = put(client, approved, {"method": "mail", **MAIL})

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["chosen"] is True
    assert (body["method"], body["method_label"]) == ("mail", "邮寄送达")
    assert (body["status"], body["status_label"]) == ("pending", "待送达")
    assert (body["recipient"], body["phone"], body["address"]) == (
        "张三",
        "13812345678",
        MAIL["address"],
    )
    assert body["masked"] is False
    assert client.get(url(approved)).json() == body


def test_api_handling_clerk_reads_in_full_and_other_staff_masked(
    mailed: Case, clerk: Any, auditor: Any
) -> None:
    full = signed_in(clerk).get(url(mailed)).json()
    masked = signed_in(auditor).get(url(mailed)).json()

    assert (full["recipient"], full["phone"], full["masked"]) == ("张三", "13812345678", False)
    assert masked["masked"] is True
    assert masked["recipient"] == "张*"
    assert masked["phone"] == "138****5678"
    assert "中北路" not in masked["address"]
    assert masked["method"] == "mail"


def test_api_bad_mail_details_answer_422_at_each_field(approved: Case, citizen: Any) -> None:
    response = put(signed_in(citizen), approved, {"method": "mail", "phone": "12345"})

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "case_delivery_invalid"
    assert [e["field"] for e in body["details"]["errors"]] == ["recipient", "phone", "address"]
    assert not Delivery.objects.filter(case=approved).exists()


def test_api_missing_method_answers_the_validation_envelope(approved: Case, citizen: Any) -> None:
    response = put(signed_in(citizen), approved, {"recipient": "张三"})

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


def test_api_anonymous_is_401_everywhere(approved: Case) -> None:
    client = Client()

    assert client.get(url(approved)).status_code == 401
    assert put(client, approved, {"method": "pickup"}).status_code == 401
    for action in ("ship", "delivered", "picked-up"):
        assert client.post(url(approved, action)).status_code == 401
    assert not Delivery.objects.filter(case=approved).exists()


def test_api_outsider_and_stranger_get_404(mailed: Case, outsider: Any) -> None:
    stranger = AccountFactory(username="stranger", is_staff=False)
    before = snapshot(mailed)

    for user in (outsider, stranger):
        client = signed_in(user)
        assert client.get(url(mailed)).status_code == 404
        assert put(client, mailed, {"method": "pickup"}).status_code == 404
        assert client.post(url(mailed, "ship")).status_code == 404
    assert snapshot(mailed) == before


def test_api_clerk_ships_marks_delivered_and_the_applicant_sees_it(
    mailed: Case, clerk: Any, citizen: Any
) -> None:
    client = signed_in(clerk)

    shipped = client.post(url(mailed, "ship"))
    delivered = client.post(url(mailed, "delivered"))

    assert shipped.status_code == 200, shipped.content
    assert shipped.json()["tracking_no"].startswith("YW")
    assert shipped.json()["status"] == "sent"
    assert delivered.status_code == 200
    assert delivered.json()["status"] == "delivered"
    seen = signed_in(citizen).get(url(mailed)).json()
    assert seen["status_label"] == "已送达"
    assert seen["tracking_no"] == shipped.json()["tracking_no"]


def test_api_applicant_cannot_ship_and_choosing_after_shipping_is_409(
    mailed: Case, clerk: Any, citizen: Any
) -> None:
    applicant = signed_in(citizen)

    forbidden = applicant.post(url(mailed, "ship"))
    signed_in(clerk).post(url(mailed, "ship"))
    late = put(applicant, mailed, {"method": "pickup"})

    assert forbidden.status_code == 403
    assert forbidden.json()["code"] == "permission_denied"
    assert late.status_code == 409
    assert late.json()["code"] == "case_delivery_status_invalid"
    assert Delivery.objects.get(case=mailed).method == "mail"


def test_api_pickup_at_the_window(approved: Case, clerk: Any) -> None:
    response = signed_in(clerk).post(url(approved, "picked-up"))

    assert response.status_code == 200
    assert response.json()["status"] == "picked_up"


def test_api_carrier_failure_is_503_in_the_envelope(
    mailed: Case, clerk: Any, settings: Any
) -> None:
    settings.YIWANG_POSTAL_CARRIER = f"{__name__}.FailingCarrier"

    response = signed_in(clerk).post(url(mailed, "ship"))

    assert response.status_code == 503
    body = response.json()
    assert body["code"] == "case_carrier_unavailable"
    assert body["details"] == {"carrier": "failing"}
    assert Delivery.objects.get(case=mailed).status == DeliveryStatus.PENDING
