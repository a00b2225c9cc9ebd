"""Auto-approval (秒批, issue 5): a decision table (DMN) decides a case on verified data right
after submission; a table the catalogue cannot trust is refused on save.

The decision's inputs come from the applicant's account and the base data, never from the
form; every refusal on save names the element and its line and leaves the version as it was."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.catalog.fixtures import publish_item
from tests.factories import AccountFactory
from yiwang.cases import auto_approval, handling, services
from yiwang.cases.models import Case, CaseStatus, Decision, TaskStatus
from yiwang.catalog import decision
from yiwang.catalog import services as catalog
from yiwang.catalog.errors import FieldErrors
from yiwang.catalog.fixtures.demo_catalog import (
    ELDERLY_ALLOWANCE_DECISION,
    PENSION_ENROLMENT_DECISION,
)
from yiwang.catalog.schemas import VersionIn
from yiwang.identity.services import bind_entity, verify_real_name
from yiwang.kernel.demo import ENTITIES, PERSONS, demo_credit_code, load_base_data
from yiwang.kernel.demo import person_id_number as pid
from yiwang.kernel.fields import lookup
from yiwang.kernel.models import AuditEntry, BasePerson, OutboxEvent

pytestmark = pytest.mark.django_db

ZHAO_MIN = PERSONS[6]  # 赵敏, born 2000-01-01: an adult
ZHANG_WEI = PERSONS[0]  # 张伟, the representative of ENTITIES[0]
CREDIT_CODE = demo_credit_code(ENTITIES[0][0])

FORM = {
    "type": "object",
    "properties": {
        "applicant_name": {"type": "string", "title": "申请人姓名"},
        # named like the decision's inputs, to show they are never read
        "applicant.age": {"type": "integer", "title": "年龄"},
        "applicant.verified": {"type": "boolean", "title": "已实名"},
    },
    "required": ["applicant_name"],
}
#: A material met by the resident ID card licence (免提交): nothing to upload.
MATERIALS = [
    {
        "code": "M01",
        "name": "申请人身份证明",
        "form": "copy",
        "copies": 1,
        # Optional: a licence-typed material is met only by a consented e-licence (免提交), and
        # these tests are about the decision, not the materials.
        "required": False,
        "source": "licence",
        "license_type": "resident_id_card",
        "meaning": "applicant.id_card",
    }
]


def dmn(
    inputs: list[tuple[str, str, str]],
    rules: list[tuple[str, list[str], str, str]],
    *,
    hit_policy: str = "FIRST",
    outputs: str = "",
) -> str:
    """A DMN 1.3 table, one element per line: ``inputs`` as (id, expression, typeRef),
    ``rules`` as (id, input entries, approve entry, reason entry)."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="defs"'
        ' name="测试" namespace="https://yiwang.example/dmn/test">',
        '  <decision id="auto" name="秒批">',
        f'    <decisionTable id="table" hitPolicy="{hit_policy}">',
    ]
    for input_id, expression, type_ref in inputs:
        lines += [
            f'      <input id="{input_id}" label="{input_id}">',
            f'        <inputExpression id="{input_id}_expr" typeRef="{type_ref}">'
            f"<text>{expression}</text></inputExpression>",
            "      </input>",
        ]
    lines.append(
        outputs
        or '      <output id="out_approve" name="approve" typeRef="boolean" />\n'
        '      <output id="out_reason" name="reason" typeRef="string" />'
    )
    for rule_id, entries, approve, reason in rules:
        lines.append(f'      <rule id="{rule_id}">')
        lines += [
            f'        <inputEntry id="{rule_id}_in{n}"><text>{text}</text></inputEntry>'
            for n, text in enumerate(entries)
        ]
        lines += [
            f'        <outputEntry id="{rule_id}_approve"><text>{approve}</text></outputEntry>',
            f'        <outputEntry id="{rule_id}_reason"><text>{reason}</text></outputEntry>',
            "      </rule>",
        ]
    lines += ["    </decisionTable>", "  </decision>", "</definitions>", ""]
    return "\n".join(lines)


ADULTS = dmn(
    [("verified", "applicant.verified", "boolean"), ("age", "applicant.age", "number")],
    [
        ("adult", ["True", "&gt;= 18"], "True", '"已实名认证的成年人,准予办理。"'),
        ("minor", ["True", "&lt; 18"], "False", '"申请人未满 18 周岁。"'),
    ],
)


@pytest.fixture(autouse=True)
def _base_data(db: None) -> None:
    load_base_data(lambda *_: None)


def verified(username: str, person: tuple[str, str, str]) -> Any:
    name, birth, seq = person
    account = AccountFactory(username=username)
    return verify_real_name(actor="test", account=account, name=name, id_number=pid(birth, seq))


def age_on_today(birth: str) -> int:
    born = dt.datetime.strptime(birth, "%Y%m%d").date()  # noqa: DTZ007 (a calendar date)
    today = timezone.localdate()
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def publish_auto_item(item_owner: Any, editor: Any, reviewer: Any, department: Any) -> Any:
    """个体工商户经营者身份确认: an implementation of ``department`` (武昌区) whose decision
    table approves real-name verified adults (also applied for in the browser tests)."""
    return publish_item(
        item_owner=item_owner,
        editor=editor,
        reviewer=reviewer,
        department=department,
        code="000105009000",
        name="个体工商户经营者身份确认",
        service_objects=["citizen", "enterprise"],
        materials=MATERIALS,
        version={"promised_limit_days": 5, "form_schema": FORM, "decision_dmn": ADULTS},
    )


@pytest.fixture
def auto_item(item_owner: Any, catalog_editor: Any, reviewer: Any, owning_department: Any) -> Any:
    return publish_auto_item(item_owner, catalog_editor, reviewer, owning_department)


def with_table(
    item_owner: Any, editor: Any, reviewer: Any, department: Any, table: str, code: str
) -> Any:
    return publish_item(
        item_owner=item_owner,
        editor=editor,
        reviewer=reviewer,
        department=department,
        code=code,
        name=f"秒批测试事项{code[-3:]}",
        service_objects=["citizen", "enterprise"],
        materials=MATERIALS,
        version={"promised_limit_days": 5, "form_schema": FORM, "decision_dmn": table},
    )


def apply(
    implementation: Any, applicant: Any, form: dict[str, Any] | None = None, **start: Any
) -> Case:
    """The applicant applies and submits; submission runs the auto-approval."""
    case = services.start(actor=applicant, implementation_code=implementation.code, **start)
    services.save_form(actor=applicant, case=case, form_data=form or {"applicant_name": "申请人"})
    return services.submit(actor=applicant, case=case, idempotency_key=f"k-{case.pk}")


def kinds(case: Case) -> list[str]:
    return [e.kind for e in case.events.all()]


def in_intake(case: Case) -> None:
    """The case waits at the window like any other: submitted, the acceptance step open."""
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED
    assert not case.auto_approved and case.decision == "" and case.accepted_at is None
    assert case.result_document is None
    assert list(case.tasks.filter(status=TaskStatus.OPEN).values_list("role", flat=True)) == [
        "window_clerk"
    ]
    assert "auto_approved" not in kinds(case)
    assert not AuditEntry.objects.filter(action="cases.auto_approved").exists()


def declined(case: Case) -> dict[str, Any]:
    event = case.events.get(kind="auto_approval_declined")
    assert event.actor is None and event.note
    assert AuditEntry.objects.filter(
        action="cases.auto_approval_declined", target_id=str(case.pk), actor_label="system"
    ).exists()
    details: dict[str, Any] = event.details
    return details


# --- approved without a human step ------------------------------------------------------------


def test_a_verified_adult_is_approved_at_once_with_the_inputs_recorded(auto_item: Any) -> None:
    # given a real-name verified adult
    zhao = verified("zhao", ZHAO_MIN)

    # when they apply
    case = apply(auto_item, zhao)

    # then the case is accepted and approved by the platform, with a result
    case.refresh_from_db()
    assert case.status == CaseStatus.COMPLETED
    assert case.decision == Decision.APPROVE and case.auto_approved
    assert case.decision_reason == "已实名认证的成年人,准予办理。"
    assert case.accepted_at is not None and case.decided_at is not None
    assert case.result_document is not None
    assert not case.tasks.filter(status=TaskStatus.OPEN).exists()
    assert not case.tasks.filter(status=TaskStatus.DONE).exclude(role="window_clerk").exists()
    assert kinds(case).index("accepted") < kinds(case).index("auto_approved")
    assert kinds(case).index("auto_approved") < kinds(case).index("completed")
    # and the decision's basis is on the timeline and in the audit trail
    details = case.events.get(kind="auto_approved").details
    assert details["table"] == {
        "decision": "auto",
        "name": "秒批",
        "table": "table",
        "hit_policy": "FIRST",
    }
    assert details["rule"]["id"] == "adult" and details["rule"]["row"] == 1
    assert details["rule"]["outputs"]["approve"] is True
    assert details["inputs"] == {
        "applicant.age": {
            "value": age_on_today(ZHAO_MIN[1]),
            "source": auto_approval.SOURCE_ID_NUMBER,
        },
        "applicant.verified": {"value": True, "source": auto_approval.SOURCE_ACCOUNT},
    }
    row = AuditEntry.objects.get(action="cases.auto_approved", target_id=str(case.pk))
    assert row.actor_label == "system"
    assert row.details["rule"]["id"] == "adult"
    assert row.details["triggered_by"] == zhao.pk
    assert pid(ZHAO_MIN[1], ZHAO_MIN[2]) not in str(row.details)
    completed = OutboxEvent.objects.get(topic="cases.completed")
    assert completed.payload["auto_approved"] is True
    assert completed.payload["decision"] == "approve"


def test_the_submitting_call_sees_the_approved_case(auto_item: Any) -> None:
    zhao = verified("zhao", ZHAO_MIN)
    draft = services.start(actor=zhao, implementation_code=auto_item.code)
    services.save_form(actor=zhao, case=draft, form_data={"applicant_name": "赵敏"})

    case = services.submit(actor=zhao, case=draft, idempotency_key="once")

    assert case.status == CaseStatus.COMPLETED and case.auto_approved
    # the same submission again returns the same case, decided once
    again = services.submit(actor=zhao, case=draft, idempotency_key="once")
    assert again.pk == case.pk
    assert AuditEntry.objects.filter(action="cases.auto_approved").count() == 1


def test_a_window_application_is_decided_on_the_applicants_data(auto_item: Any, clerk: Any) -> None:
    zhao = verified("zhao", ZHAO_MIN)
    case = services.start(actor=clerk, implementation_code=auto_item.code, applicant=zhao)
    services.save_form(actor=clerk, case=case, form_data={"applicant_name": "赵敏"})

    case = services.submit(actor=clerk, case=case, idempotency_key="hall")

    case.refresh_from_db()
    assert case.auto_approved and case.status == CaseStatus.COMPLETED
    inputs = case.events.get(kind="auto_approved").details["inputs"]
    assert inputs["applicant.age"]["value"] == age_on_today(ZHAO_MIN[1])


# --- declined: the case goes to the window ------------------------------------------------------


def test_an_unverified_applicant_goes_to_normal_intake(auto_item: Any, citizen: Any) -> None:
    case = apply(auto_item, citizen)

    in_intake(case)
    details = declined(case)
    assert details["why"] == "missing_inputs"
    assert details["missing"] == {"applicant.age": "申请人未完成实名认证。"}
    assert details["inputs"]["applicant.verified"]["value"] is False


def test_a_rule_saying_no_leaves_the_case_at_the_window(auto_item: Any, clerk: Any) -> None:
    # given a verified applicant of 12
    child = ("小明", f"{timezone.localdate().year - 12}0101", "018")
    BasePerson.objects.create(name=child[0], id_number=pid(child[1], child[2]))
    minor = verified("minor", child)

    case = apply(auto_item, minor)

    in_intake(case)
    details = declined(case)
    assert details["why"] == "rule_declined"
    assert details["rule"]["id"] == "minor"
    assert details["inputs"]["applicant.age"]["value"] == 12
    assert case.events.get(kind="auto_approval_declined").note == "申请人未满 18 周岁。"
    # and a clerk handles it as usual
    accepted = services.accept(actor=clerk, case=case)
    assert accepted.status == CaseStatus.ACCEPTED and not accepted.auto_approved


def test_form_fields_named_like_inputs_count_for_nothing(auto_item: Any, citizen: Any) -> None:
    # an unverified applicant claims to be a verified 40-year-old in the form
    form = {"applicant_name": "张三", "applicant.age": 40, "applicant.verified": True}

    case = apply(auto_item, citizen, form)

    in_intake(case)
    details = declined(case)
    assert details["why"] == "missing_inputs"
    assert details["inputs"] == {
        "applicant.verified": {"value": False, "source": auto_approval.SOURCE_ACCOUNT}
    }
    assert auto_approval.verified_inputs(case)["applicant.verified"]["value"] is False
    assert "applicant.age" not in auto_approval.verified_inputs(case)


def test_no_matching_rule_is_no_approval(
    item_owner: Any, catalog_editor: Any, reviewer: Any, owning_department: Any
) -> None:
    elderly_only = dmn(
        [("age", "applicant.age", "number")],
        [("elderly", ["&gt;= 60"], "True", '"年满 60 周岁"')],
        hit_policy="UNIQUE",
    )
    item = with_table(
        item_owner, catalog_editor, reviewer, owning_department, elderly_only, "000105009001"
    )

    case = apply(item, verified("zhao", ZHAO_MIN))

    in_intake(case)
    details = declined(case)
    assert details["why"] == "no_rule_matched"
    assert details["rule"]["id"] is None


def test_someone_no_longer_in_the_population_base_is_not_approved(
    item_owner: Any, catalog_editor: Any, reviewer: Any, owning_department: Any
) -> None:
    residents = dmn(
        [("resident", "person.in_population", "boolean")],
        [("in_base", ["True"], "True", '"人口库在册"'), ("other", ["-"], "False", '"不在册"')],
    )
    item = with_table(
        item_owner, catalog_editor, reviewer, owning_department, residents, "000105009002"
    )
    zhao = verified("zhao", ZHAO_MIN)
    BasePerson.objects.filter(**lookup(BasePerson, "id_number", zhao.id_number)).delete()

    case = apply(item, zhao)

    in_intake(case)
    details = declined(case)
    assert details["why"] == "rule_declined"
    assert details["inputs"]["person.in_population"] == {
        "value": False,
        "source": auto_approval.SOURCE_POPULATION,
    }


def test_a_table_on_entity_data_needs_an_application_for_an_entity(
    item_owner: Any, catalog_editor: Any, reviewer: Any, owning_department: Any
) -> None:
    registered = dmn(
        [("entity", "entity.exists", "boolean"), ("verified", "applicant.verified", "boolean")],
        [("registered", ["True", "True"], "True", '"单位已登记"')],
    )
    item = with_table(
        item_owner, catalog_editor, reviewer, owning_department, registered, "000105009003"
    )
    zhang = verified("zhang", ZHANG_WEI)

    # for himself: there is no entity to look up
    personal = apply(item, zhang)
    in_intake(personal)
    assert declined(personal)["missing"] == {"entity.exists": "本申请不是以单位名义提出。"}

    # for the company he represents: the legal-entity base data answers
    bind_entity(actor=zhang, account=zhang, credit_code=CREDIT_CODE)
    for_entity = apply(item, zhang, entity_credit_code=CREDIT_CODE)
    for_entity.refresh_from_db()
    assert for_entity.auto_approved and for_entity.status == CaseStatus.COMPLETED
    inputs = for_entity.events.get(kind="auto_approved").details["inputs"]
    assert inputs["entity.exists"] == {
        "value": True,
        "source": auto_approval.SOURCE_LEGAL_ENTITY,
    }


def test_a_rule_failing_on_the_values_sends_the_case_to_the_window(
    item_owner: Any, catalog_editor: Any, reviewer: Any, owning_department: Any
) -> None:
    # valid on save, but a number plus a text fails when it runs
    broken = dmn(
        [("age", 'applicant.age + "岁"', "number")],
        [("any", ['"30岁"'], "True", '"?"')],
    )
    item = with_table(
        item_owner, catalog_editor, reviewer, owning_department, broken, "000105009004"
    )

    case = apply(item, verified("zhao", ZHAO_MIN))

    in_intake(case)
    assert declined(case)["why"] == "evaluation_failed"


def test_a_failed_approval_keeps_the_submission(auto_item: Any, monkeypatch: Any) -> None:
    def broken_finish(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("document store unavailable")

    monkeypatch.setattr(handling, "finish", broken_finish)

    case = apply(auto_item, verified("zhao", ZHAO_MIN))

    in_intake(case)
    assert "accepted" not in kinds(case)
    assert declined(case)["why"] == "approval_failed"
    assert not OutboxEvent.objects.filter(topic="cases.accepted").exists()


def test_only_a_case_waiting_for_intake_is_decided(auto_item: Any, clerk: Any) -> None:
    case = apply(auto_item, AccountFactory(username="someone"))
    services.accept(actor=clerk, case=case)
    before = kinds(case)

    assert auto_approval.try_auto_approve(case, actor="system") is False

    case.refresh_from_db()
    assert case.status == CaseStatus.ACCEPTED and not case.auto_approved
    assert kinds(case) == before


def test_a_version_without_a_table_is_never_auto_approved(published: Any) -> None:
    zhao = verified("zhao", ZHAO_MIN)
    case = services.start(actor=zhao, implementation_code=published.code)

    assert auto_approval.try_auto_approve(case, actor=zhao) is False
    assert case.events.filter(kind__startswith="auto_approval").count() == 0


def test_verified_inputs_name_only_known_inputs_each_with_a_source(auto_item: Any) -> None:
    zhang = verified("zhang", ZHANG_WEI)
    bind_entity(actor=zhang, account=zhang, credit_code=CREDIT_CODE)
    case = services.start(
        actor=zhang, implementation_code=auto_item.code, entity_credit_code=CREDIT_CODE
    )

    inputs = auto_approval.verified_inputs(case)

    assert set(inputs) == set(decision.KNOWN_INPUTS)
    assert inputs["applicant.verification_level"]["value"] == 1
    assert inputs["applicant.age"]["value"] == age_on_today(ZHANG_WEI[1])
    assert inputs["person.in_population"]["value"] is True
    assert inputs["entity.exists"]["value"] is True
    assert all(i["source"] for i in inputs.values())


# --- the table on save -------------------------------------------------------------------------


def editable(implementation: Any, catalog_editor: Any) -> Any:
    return catalog.revise(actor=catalog_editor, implementation=implementation)


@pytest.mark.parametrize(
    ("source", "code", "element", "line"),
    [
        # an input that is not verified data
        (
            dmn(
                [("height", "applicant.height", "number")],
                [("tall", ["&gt; 180"], "True", '"高"')],
            ),
            "dmn_unknown_input",
            "height",
            5,
        ),
        # FEEL's true: Python's True is meant
        (
            dmn([("v", "applicant.verified", "boolean")], [("r", ["true"], "True", '"是"')]),
            "dmn_unknown_input",
            "r_in0",
            11,
        ),
        # a call: rules, not code
        (
            dmn(
                [("age", "applicant.age", "number")],
                [("r", ["__import__('os').getpid()"], "True", '"是"')],
            ),
            "dmn_expression_invalid",
            "r_in0",
            11,
        ),
        # the reason must be text
        (
            dmn([("v", "applicant.verified", "boolean")], [("r", ["True"], "True", "42")]),
            "dmn_invalid",
            "r_reason",
            13,
        ),
        # the input's type is not what it says
        (
            dmn([("v", "applicant.verified", "number")], [("r", ["True"], "True", '"是"')]),
            "dmn_type_mismatch",
            "v",
            5,
        ),
        # no approve output
        (
            dmn(
                [("v", "applicant.verified", "boolean")],
                [("r", ["True"], "True", '"是"')],
                outputs='      <output id="out_ok" name="ok" typeRef="boolean" />\n'
                '      <output id="out_reason" name="reason" typeRef="string" />',
            ),
            "dmn_output_missing",
            "table",
            4,
        ),
        # several rules may hit at once
        (
            dmn(
                [("v", "applicant.verified", "boolean")],
                [("r", ["True"], "True", '"是"')],
                hit_policy="COLLECT",
            ),
            "dmn_invalid",
            "table",
            4,
        ),
    ],
)
def test_a_table_the_platform_cannot_trust_is_refused_naming_the_element(
    auto_item: Any, catalog_editor: Any, source: str, code: str, element: str, line: int
) -> None:
    draft = editable(auto_item, catalog_editor)

    with pytest.raises(FieldErrors) as caught:
        catalog.update_draft(
            actor=catalog_editor, version=draft, data=VersionIn(decision_dmn=source)
        )

    assert caught.value.code == "dmn_invalid"
    errors = caught.value.details["errors"]
    assert errors[0]["field"] == "decision_dmn"
    assert errors[0]["code"] == code
    assert (errors[0]["element"], errors[0]["line"]) == (element, line)
    draft.refresh_from_db()
    assert draft.decision_dmn == ADULTS  # the revision kept the published table


@pytest.mark.parametrize(
    ("source", "line", "text"),
    [
        ("<definitions>\n  <decision id='x'>\n<oops", 3, "不是合法的 XML"),
        (
            '<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY x "y">]>\n<definitions/>',
            2,
            "DOCTYPE",
        ),
        (ADULTS.replace("</decisionTable>", "</decisionTable>\n<extra/>"), 26, "DMN 规范"),
        (ADULTS.replace('<rule id="minor">', "<rule>"), 19, "缺少 id"),
        (
            '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"/>',
            1,
            "definitions",
        ),
    ],
)
def test_malformed_xml_is_refused_with_its_line(
    auto_item: Any, catalog_editor: Any, source: str, line: int, text: str
) -> None:
    draft = editable(auto_item, catalog_editor)

    with pytest.raises(FieldErrors) as caught:
        catalog.update_draft(
            actor=catalog_editor, version=draft, data=VersionIn(decision_dmn=source)
        )

    [error] = caught.value.details["errors"][:1]
    assert caught.value.code == "dmn_invalid"
    assert error["line"] == line
    assert text in error["message"]
    draft.refresh_from_db()
    assert draft.decision_dmn == ADULTS


def test_the_api_refuses_a_bad_table_with_the_element_and_line(
    implementation: Any, catalog_editor: Any
) -> None:
    client = Client()
    client.force_login(catalog_editor)
    bad = dmn(
        [("income", "applicant.income", "number")],
        [("rich", ["&gt; 0"], "True", '"有收入"')],
    )

    response = client.put(
        f"/api/v1/catalog/implementations/{implementation.code}/versions/1",
        {"promised_limit_days": 5, "decision_dmn": bad},
        content_type="application/json",
    )

    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "dmn_invalid"
    error = body["details"]["errors"][0]
    assert (error["field"], error["code"], error["element"], error["line"]) == (
        "decision_dmn",
        "dmn_unknown_input",
        "income",
        5,
    )
    assert implementation.versions.get(number=1).decision_dmn == ""

    response = client.put(
        f"/api/v1/catalog/implementations/{implementation.code}/versions/1",
        {"promised_limit_days": 5, "decision_dmn": ADULTS},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["decision_dmn"] == ADULTS


def test_a_new_version_keeps_the_table_and_a_running_case_keeps_its_own(
    auto_item: Any, catalog_editor: Any
) -> None:
    draft = editable(auto_item, catalog_editor)
    assert draft.decision_dmn == ADULTS

    catalog.update_draft(actor=catalog_editor, version=draft, data=VersionIn(decision_dmn=""))

    draft.refresh_from_db()
    assert draft.decision_dmn == ""
    assert auto_item.versions.get(number=1).decision_dmn == ADULTS


@pytest.mark.parametrize("fixture", [ELDERLY_ALLOWANCE_DECISION, PENSION_ENROLMENT_DECISION])
def test_the_demo_tables_are_valid_and_read_only_identity_and_base_data(
    fixture: dict[str, str],
) -> None:
    table = decision.validate(fixture["decision_dmn"])

    assert table.reads == {"applicant.verified", "applicant.age", "person.in_population"}
    old = {"applicant.verified": True, "applicant.age": 85, "person.in_population": True}
    young = {**old, "applicant.age": 15}
    assert decision.evaluate(table, old).approve is True
    assert decision.evaluate(table, young).approve is False
