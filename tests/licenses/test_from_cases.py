"""An approved case whose result is an e-licence gets it issued, exactly once."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.db import transaction

from tests.cases.support import FORM, PDF
from tests.licenses.conftest import ID_NUMBER
from yiwang.cases import services as cases
from yiwang.kernel import events
from yiwang.kernel.models import AuditEntry, OutboxEvent
from yiwang.licenses import services
from yiwang.licenses.models import License

pytestmark = pytest.mark.django_db

SHOP_SCHEMA = {
    "type": "object",
    "required": ["shop_name"],
    "properties": {"shop_name": {"type": "string", "title": "店铺名称", "minLength": 1}},
}


@pytest.fixture
def shop_type(db: None) -> Any:
    return services.create_type(
        actor="test",
        code="sole_trader_licence",
        identifier_code="GTGSH",
        name="个体工商户营业执照",
        fields_schema=SHOP_SCHEMA,
        layout=[{"field": "shop_name", "label": "名称"}],
        holder_kind="person",
    )


@pytest.fixture
def case(published: Any, verified_citizen: Any) -> Any:
    case = cases.start(actor=verified_citizen, implementation_code=published.code)
    cases.save_form(
        actor=verified_citizen, case=case, form_data={**FORM, "shop_name": "张伟小吃店"}
    )
    cases.attach(
        actor=verified_citizen, case=case, code="M01", stream=io.BytesIO(PDF), name="x.pdf"
    )
    return cases.submit(actor=verified_citizen, case=case, idempotency_key="k-1")


def _completed(case: Any, **overrides: Any) -> dict[str, Any]:
    payload = {
        "case_id": case.pk,
        "case_no": case.case_no,
        "implementation_code": case.implementation_code,
        "item_code": "",
        "department": case.department.code,
        "decision": "approve",
        "result_type": "licence",
        "result_name": "个体工商户营业执照",
        "result_license_type": "sole_trader_licence",
        "applicant_id": case.applicant_id,
        "entity_credit_code": "",
        "auto_approved": False,
    }
    payload.update(overrides)
    return payload


def _emit(payload: dict[str, Any], capture: Any) -> OutboxEvent:
    with capture(execute=True), transaction.atomic():
        event = events.emit("cases.completed", payload)
    return event


def test_an_approved_case_issues_its_licence_once(
    shop_type: Any, case: Any, verified_citizen: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # when the event arrives, and arrives again (a redelivery, a second relay)
    event = _emit(_completed(case), django_capture_on_commit_callbacks)
    _emit(_completed(case), django_capture_on_commit_callbacks)
    OutboxEvent.objects.filter(pk=event.pk).update(delivered_at=None)
    events.deliver(event.pk)

    # then exactly one licence, to the applicant, with the form's data
    licence = License.objects.get()
    assert licence.case_id == case.pk and licence.case_no == case.case_no
    assert licence.holder_user_id == verified_citizen.pk
    assert licence.holder_name == "张伟" and licence.holder_id_number == ID_NUMBER
    assert licence.current().data == {"shop_name": "张伟小吃店"}
    assert licence.issuer_department_code == case.department.code
    assert services.licenses_of_person(verified_citizen).get() == licence


def test_a_refused_case_or_another_result_issues_nothing(
    shop_type: Any, case: Any, django_capture_on_commit_callbacks: Any
) -> None:
    _emit(_completed(case, decision="refuse"), django_capture_on_commit_callbacks)
    _emit(_completed(case, result_license_type="unknown"), django_capture_on_commit_callbacks)
    _emit(_completed(case, result_license_type=""), django_capture_on_commit_callbacks)
    assert not License.objects.exists()


def test_a_case_whose_data_do_not_fit_is_recorded_not_retried(
    shop_type: Any, case: Any, django_capture_on_commit_callbacks: Any
) -> None:
    cases_form = dict(FORM)  # no shop_name
    type(case).objects.filter(pk=case.pk).update(form_data=cases_form)

    event = _emit(_completed(case), django_capture_on_commit_callbacks)

    assert not License.objects.exists()
    assert AuditEntry.objects.filter(action="licenses.case_issue_refused").exists()
    event.refresh_from_db()
    assert event.delivered_at is not None


def test_case_summary_for_reads_the_case(case: Any, verified_citizen: Any) -> None:
    summary = cases.case_summary_for(case.pk)
    assert summary is not None
    assert summary["form_data"]["shop_name"] == "张伟小吃店"
    assert summary["applicant_name"] == "张伟"
    assert summary["department_code"] == case.department.code
    assert cases.case_summary_for(0) is None


def test_licence_fields_take_the_forms_answers_by_name_then_by_their_sources() -> None:
    from yiwang.licenses.services import licence_data_from_form

    schema = {
        "properties": {
            "address": {"type": "string"},
            "name": {"type": "string", "x-from": ["shop_name", "entity.name"]},
            "legal_representative": {"x-from": ["entity.legal_representative", "applicant.name"]},
            "capital": {"x-from": ["registered_capital"]},
        }
    }
    form = {"address": "中北路1号", "entity_name": "长江餐饮", "applicant_name": "张伟", "x": 1}
    meanings = {"entity.name": "entity_name", "applicant.name": "applicant_name"}
    assert licence_data_from_form(schema, form, meanings) == {
        "address": "中北路1号",
        "name": "长江餐饮",  # shop_name absent: the form's entity.name
        "legal_representative": "张伟",
    }
