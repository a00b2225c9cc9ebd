"""Life-event applications (一件事一次办, issue 5): one application makes a parent case and a
child case per implementation, one merged form and one merged material list; submission
routes each child to its own department's intake queue and starts its process, all or
nothing; the parent follows its children to acceptance and completion.

Every refusal is checked for its code, the fields it points at, and nothing changed."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests.cases.support import PDF, assert_error, fields, refusal, signed_in
from tests.catalog.fixtures import make_life_event, publish_item
from tests.factories import DepartmentFactory, StaffFactory
from yiwang.cases import bundles, handling, queues, services
from yiwang.cases.errors import ErrorCode
from yiwang.cases.models import (
    Case,
    CaseEvent,
    CaseStatus,
    CaseTask,
    Decision,
    MaterialStatus,
    Notice,
    TaskStatus,
)
from yiwang.kernel.errors import DomainError
from yiwang.kernel.models import AuditEntry, StoredFile

pytestmark = pytest.mark.django_db

HEALTH_FORM = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "title": "经营者姓名", "x-meaning": "applicant.name"},
        "area": {
            "type": "integer",
            "title": "经营面积(平方米)",
            "minimum": 1,
            "x-meaning": "premises.area",
        },
    },
    "required": ["name", "area"],
}
# The fire check asks for the exits whenever an area is given: a rule of the whole form,
# which a merged form (fields and required ones only) does not carry.
FIRE_FORM = {
    "type": "object",
    "properties": {
        "applicant_name": {"type": "string", "title": "申请人姓名", "x-meaning": "applicant.name"},
        "venue_area": {
            "type": "integer",
            "title": "场所建筑面积(平方米)",
            "minimum": 1,
            "x-meaning": "premises.area",
        },
        "exits": {"type": "integer", "title": "安全出口数量", "minimum": 1},
    },
    "required": ["applicant_name"],
    "if": {"required": ["venue_area"]},
    "then": {"required": ["exits"]},
}
ID_CARD = {
    "name": "经营者身份证明",
    "form": "copy",
    "copies": 1,
    # Optional: an item's own submission meets a licence-typed material only with a consented
    # e-licence (paperless.py); a life event still marks it exempt on the application itself.
    "required": False,
    "source": "licence",
    "license_type": "resident_id_card",
    "meaning": "applicant.id_card",
}
PREMISES = "name:经营场所使用证明"  # no explicit meaning: the name is the meaning
FORM = {
    "applicant_name": "张三",
    "applicant_id_number": "420106199001011234",
    "shop_name": "张记小馆",
    "premises_area": 120,
    "exits": 2,
}
UPLOADS = ["name:个体工商户登记(备案)申请书", PREMISES, "name:公共场所卫生许可申请书"]
UPLOADS.append("name:消防安全检查申请表")


# --- fixtures -------------------------------------------------------------------------------


@pytest.fixture
def health_department(regions: Any) -> Any:
    return DepartmentFactory(code="420106-WJW", name="武昌区卫生健康局", region=regions.wuchang)


@pytest.fixture
def fire_department(regions: Any) -> Any:
    return DepartmentFactory(code="420106-XF", name="武昌区消防救援大队", region=regions.wuchang)


def _editor(name: str, department: Any) -> Any:
    return StaffFactory(username=name, role="department_admin", department=department)


@pytest.fixture
def health_permit(item_owner: Any, reviewer: Any, health_department: Any) -> Any:
    """公共场所卫生许可 by 武昌区卫生健康局: shares the ID card and the premises proof."""
    return publish_item(
        item_owner=item_owner,
        editor=_editor("health_editor", health_department),
        reviewer=reviewer,
        department=health_department,
        code="000106001000",
        name="公共场所卫生许可",
        result_name="公共场所卫生许可证",
        result_license_type="public_place_hygiene_licence",
        materials=[
            {"code": "H01", "name": "公共场所卫生许可申请书", "form": "original"},
            {**ID_CARD, "code": "H02"},
            {"code": "H03", "name": "经营场所使用证明", "form": "copy", "required": True},
        ],
        version={"promised_limit_days": 10, "form_schema": HEALTH_FORM},
    )


@pytest.fixture
def fire_check(item_owner: Any, reviewer: Any, fire_department: Any) -> Any:
    """公众聚集场所投入使用、营业前消防安全检查 by 武昌区消防救援大队."""
    return publish_item(
        item_owner=item_owner,
        editor=_editor("fire_editor", fire_department),
        reviewer=reviewer,
        department=fire_department,
        code="000107001000",
        name="公众聚集场所投入使用、营业前消防安全检查",
        result_name="消防安全检查合格证",
        result_license_type="fire_safety_certificate",
        materials=[
            {"code": "X01", "name": "消防安全检查申请表", "form": "original"},
            {**ID_CARD, "code": "X02"},
        ],
        version={"promised_limit_days": 8, "form_schema": FIRE_FORM},
    )


@pytest.fixture
def life_event(
    published: Any, health_permit: Any, fire_check: Any, catalog_editor: Any, reviewer: Any
) -> Any:
    """开办餐饮店, three items in three departments, led by 武昌区市场监督管理局."""
    return make_life_event(
        actor=catalog_editor,
        reviewer=reviewer,
        members=[published.code, health_permit.code, fire_check.code],
    )


@pytest.fixture
def clerks(clerk: Any, health_department: Any, fire_department: Any) -> dict[str, Any]:
    """A window clerk of each department, by department code."""
    return {
        "420106-SCJG": clerk,
        "420106-WJW": StaffFactory(
            username="health_clerk", role="window_clerk", department=health_department
        ),
        "420106-XF": StaffFactory(
            username="fire_clerk", role="window_clerk", department=fire_department
        ),
    }


@pytest.fixture
def approvers(owning_department: Any, health_department: Any, fire_department: Any) -> Any:
    return {
        d.code: StaffFactory(username=f"approver-{d.code}", role="approver", department=d)
        for d in (owning_department, health_department, fire_department)
    }


def started(life_event: Any, citizen: Any) -> Case:
    return bundles.start_bundle(actor=citizen, life_event_code=life_event.code)


def filled(life_event: Any, citizen: Any, form: dict[str, Any] | None = None) -> Case:
    """An application with its form filled and every material that needs a file uploaded."""
    parent = started(life_event, citizen)
    bundles.save_bundle_form(actor=citizen, parent=parent, form_data=dict(form or FORM))
    for meaning in UPLOADS:
        attach(citizen, parent, meaning)
    return parent


def attach(actor: Any, parent: Case, meaning: str) -> Any:
    return bundles.attach_bundle(
        actor=actor, parent=parent, meaning=meaning, stream=io.BytesIO(PDF), name="材料.pdf"
    )


def children(parent: Case) -> list[Case]:
    return list(parent.children.order_by("id").select_related("department"))


def nothing_submitted(parent: Case) -> None:
    parent.refresh_from_db()
    assert parent.status == CaseStatus.DRAFT and parent.case_no is None
    assert parent.idempotency_key is None
    for child in children(parent):
        assert child.status == CaseStatus.DRAFT and child.case_no is None
        assert not child.tasks.exists() and child.workflow_state is None
    ids = [str(parent.pk), *(str(c.pk) for c in children(parent))]
    submissions = ["cases.submitted", "cases.bundle_submitted"]
    assert not AuditEntry.objects.filter(action__in=submissions, target_id__in=ids).exists()


@pytest.fixture
def submitted(life_event: Any, citizen: Any) -> Case:
    parent = filled(life_event, citizen)
    return bundles.submit_bundle(actor=citizen, parent=parent, idempotency_key="k-1")


# --- starting -------------------------------------------------------------------------------


def test_starting_makes_a_parent_and_a_child_per_item(
    life_event: Any, citizen: Any, owning_department: Any
) -> None:
    parent = started(life_event, citizen)

    parent.refresh_from_db()
    assert parent.status == CaseStatus.DRAFT and parent.case_no is None
    assert parent.version is None and parent.parent is None
    assert parent.life_event_code == "restaurant" and parent.item_name == "开办餐饮店"
    assert parent.department == owning_department
    assert parent.region_id == owning_department.region_id
    kids = children(parent)
    assert [(c.item_name, c.department.code) for c in kids] == [
        ("个体工商户设立登记", "420106-SCJG"),
        ("公共场所卫生许可", "420106-WJW"),
        ("公众聚集场所投入使用、营业前消防安全检查", "420106-XF"),
    ]
    for child in kids:
        assert child.status == CaseStatus.DRAFT and child.life_event_code == "restaurant"
        assert child.version is not None and child.applicant == citizen
    assert sorted(kids[1].materials.values_list("code", flat=True)) == ["H01", "H02", "H03"]
    assert CaseEvent.objects.filter(case=parent, kind="bundle_created").count() == 1
    assert AuditEntry.objects.filter(
        action="cases.bundle_created", target_id=str(parent.pk)
    ).exists()


def test_the_merged_list_asks_each_material_once(life_event: Any, citizen: Any) -> None:
    parent = started(life_event, citizen)

    # 8 requirements of 3 items: the ID card (3 items) and the premises proof (2) once each
    codes = list(parent.materials.values_list("code", flat=True))
    assert len(codes) == 5 == len(set(codes))
    assert "applicant.id_card" in codes and PREMISES in codes
    premises = parent.materials.get(code=PREMISES)
    assert premises.required  # optional for one item, required by another: required
    view = {m["code"]: m for m in bundles.summary(parent)["materials"]}
    assert view["applicant.id_card"]["exempt_possible"]
    assert view[PREMISES]["needed_by"] == ["个体工商户设立登记", "公共场所卫生许可"]


def test_nested_life_events_are_flattened(
    published: Any,
    health_permit: Any,
    fire_check: Any,
    catalog_editor: Any,
    reviewer: Any,
    citizen: Any,
) -> None:
    make_life_event(
        actor=catalog_editor,
        reviewer=reviewer,
        members=[published.code, health_permit.code],
        code="open-shop",
        name="开店",
    )
    outer = make_life_event(
        actor=catalog_editor,
        reviewer=reviewer,
        members=["event:open-shop", fire_check.code, published.code],
    )

    parent = bundles.start_bundle(actor=citizen, life_event_code=outer.code)

    assert [c.implementation_code for c in children(parent)] == [
        published.code,
        health_permit.code,
        fire_check.code,
    ]


def test_an_unpublished_life_event_cannot_be_applied_for(
    published: Any, health_permit: Any, catalog_editor: Any, reviewer: Any, citizen: Any
) -> None:
    draft = make_life_event(
        actor=catalog_editor,
        reviewer=reviewer,
        members=[published.code, health_permit.code],
        publish=False,
    )

    exc = refusal(bundles.start_bundle, actor=citizen, life_event_code=draft.code)

    assert exc.status == 404
    assert not Case.objects.exists()


# --- the merged form and materials ------------------------------------------------------------


def test_a_file_uploaded_once_is_shared_by_every_item_that_needs_it(
    life_event: Any, citizen: Any
) -> None:
    parent = started(life_event, citizen)

    material = attach(citizen, parent, PREMISES)

    assert material.status == MaterialStatus.UPLOADED
    assert StoredFile.objects.count() == 1
    business, health, fire = children(parent)
    assert business.materials.get(code="M03").file_id == material.file_id
    assert health.materials.get(code="H03").file_id == material.file_id
    assert not fire.materials.filter(file__isnull=False).exists()
    assert AuditEntry.objects.filter(action="cases.bundle_material_attached").count() == 1


def test_an_unknown_material_is_refused_and_nothing_is_stored(
    life_event: Any, citizen: Any
) -> None:
    parent = started(life_event, citizen)

    exc = refusal(attach, actor=citizen, parent=parent, meaning="name:户口本")

    assert exc.status == 422 and fields(exc) == ["materials.name:户口本"]
    assert not StoredFile.objects.exists()


def test_someone_else_cannot_fill_upload_or_submit(
    life_event: Any, citizen: Any, outsider: Any, clerk: Any
) -> None:
    parent = filled(life_event, citizen)

    for actor in (outsider, clerk):
        for call, kwargs in [
            (bundles.save_bundle_form, {"form_data": {"shop_name": "别人的店"}}),
            (attach, {"meaning": PREMISES}),
            (bundles.submit_bundle, {"idempotency_key": "x"}),
        ]:
            exc = refusal(call, actor=actor, parent=parent, **kwargs)
            assert exc.status == 404

    parent.refresh_from_db()
    assert parent.form_data["shop_name"] == "张记小馆"
    assert StoredFile.objects.count() == len(UPLOADS)
    nothing_submitted(parent)


# --- submitting -----------------------------------------------------------------------------


def test_submission_routes_each_item_to_its_departments_intake_queue(
    submitted: Case, citizen: Any, clerks: dict[str, Any]
) -> None:
    parent = submitted

    parent.refresh_from_db()
    assert parent.status == CaseStatus.SUBMITTED
    assert parent.case_no and parent.case_no.startswith("420106")
    kids = children(parent)
    assert len({parent.case_no, *(c.case_no for c in kids)}) == 4
    for child in kids:
        assert child.status == CaseStatus.SUBMITTED and child.case_no
        # each child waits in its own department's intake queue, and only there
        for code, clerk in clerks.items():
            assert queues.intake(clerk).filter(pk=child.pk).exists() == (
                code == child.department.code
            )
        # and its own process has started at its acceptance step
        steps = child.tasks.filter(status=TaskStatus.OPEN).values_list("step", "department")
        assert list(steps) == [("accept", child.department_id)]
    assert AuditEntry.objects.filter(action="cases.submitted").count() == 3
    assert AuditEntry.objects.filter(action="cases.bundle_submitted").count() == 1
    event = parent.events.get(kind="bundle_submitted")
    assert event.details["children"] == [c.case_no for c in kids]


def test_each_item_gets_the_part_of_the_form_its_own_schema_asks_for(submitted: Case) -> None:
    business, health, fire = children(submitted)

    assert business.form_data == {
        "applicant_name": "张三",
        "id_number": "420106199001011234",
        "shop_name": "张记小馆",
    }
    assert health.form_data == {"name": "张三", "area": 120}
    assert fire.form_data == {"applicant_name": "张三", "venue_area": 120, "exits": 2}


def test_a_licence_typed_material_without_consent_is_an_ordinary_upload(submitted: Case) -> None:
    material = submitted.materials.get(code="applicant.id_card")
    assert (material.status, material.exempt_by) == (MaterialStatus.MISSING, "")
    for child, code in zip(children(submitted), ["M02", "H02", "X02"], strict=True):
        material = child.materials.get(code=code)
        assert (material.status, material.exempt_by) == (MaterialStatus.MISSING, "")


def test_a_consented_licence_meets_the_material_for_every_item(
    life_event: Any, citizen: Any, held_id_card: Any
) -> None:
    from yiwang.licenses import services as licences

    saved = licences.materials_saved()
    parent = filled(life_event, citizen)
    bundles.use_licence_bundle(actor=citizen, parent=parent, code="applicant.id_card")
    submitted = bundles.submit_bundle(actor=citizen, parent=parent, idempotency_key="k-1")

    identifier = held_id_card.current().identifier
    material = submitted.materials.get(code="applicant.id_card")
    assert (material.status, material.exempt_by) == (
        MaterialStatus.EXEMPT,
        f"licence:{identifier}",
    )
    numbers = set()
    for child, code in zip(children(submitted), ["M02", "H02", "X02"], strict=True):
        material = child.materials.get(code=code)
        assert (material.status, material.exempt_by) == (
            MaterialStatus.EXEMPT,
            f"licence:{identifier}",
        )
        numbers.add(child.case_no)
    # Each item's department read the licence once: the holder sees three uses.
    uses = licences.uses_of(held_id_card).filter(via="paperless")
    assert {u.case_no for u in uses} == numbers
    assert licences.materials_saved() == saved + 3


def test_consent_without_a_licence_is_refused(life_event: Any, citizen: Any) -> None:
    parent = filled(life_event, citizen)
    exc = refusal(
        bundles.use_licence_bundle, actor=citizen, parent=parent, code="applicant.id_card"
    )
    assert exc.code == "case_licence_unavailable" and exc.status == 409
    assert parent.materials.get(code="applicant.id_card").status == MaterialStatus.MISSING


def test_a_merged_form_error_points_at_the_merged_field_and_submits_nothing(
    life_event: Any, citizen: Any
) -> None:
    form = {k: v for k, v in FORM.items() if k != "applicant_name"}
    parent = filled(life_event, citizen, {**form, "premises_area": 0})

    exc = refusal(bundles.submit_bundle, actor=citizen, parent=parent, idempotency_key="k")

    assert exc.status == 422 and str(exc.code) == "case_form_invalid"
    assert fields(exc) == ["form/applicant_name", "form/premises_area"]
    assert "申请人姓名" in exc.details["errors"][0]["message"]
    nothing_submitted(parent)


def test_an_items_own_form_rule_is_checked_up_front(life_event: Any, citizen: Any) -> None:
    """The fire check wants the exits whenever an area is given (its form's own rule)."""
    form = {k: v for k, v in FORM.items() if k != "exits"}
    parent = filled(life_event, citizen, form)

    exc = refusal(bundles.submit_bundle, actor=citizen, parent=parent, idempotency_key="k")

    assert exc.status == 422 and fields(exc) == ["form/exits"]
    nothing_submitted(parent)


def test_a_missing_shared_material_is_named_once(life_event: Any, citizen: Any) -> None:
    parent = started(life_event, citizen)
    bundles.save_bundle_form(actor=citizen, parent=parent, form_data=dict(FORM))
    for meaning in UPLOADS:
        if meaning != PREMISES:
            attach(citizen, parent, meaning)

    exc = refusal(bundles.submit_bundle, actor=citizen, parent=parent, idempotency_key="k")

    assert exc.status == 422 and str(exc.code) == "case_materials_missing"
    assert fields(exc) == [f"materials.{PREMISES}"]
    assert "经营场所使用证明" in exc.details["errors"][0]["message"]
    nothing_submitted(parent)
    assert parent.materials.get(code="applicant.id_card").status == MaterialStatus.MISSING


def test_the_same_key_twice_makes_one_set_of_cases(submitted: Case, citizen: Any) -> None:
    numbers = sorted(Case.objects.values_list("case_no", flat=True))

    again = bundles.submit_bundle(actor=citizen, parent=submitted, idempotency_key="k-1")

    assert again.pk == submitted.pk and again.case_no == submitted.case_no
    assert sorted(Case.objects.values_list("case_no", flat=True)) == numbers
    assert Case.objects.count() == 4
    assert AuditEntry.objects.filter(action="cases.submitted").count() == 3


def test_another_key_after_submission_is_refused(submitted: Case, citizen: Any) -> None:
    exc = refusal(bundles.submit_bundle, actor=citizen, parent=submitted, idempotency_key="k-2")

    assert exc.status == 409 and str(exc.code) == "case_status_transition_invalid"
    assert Case.objects.count() == 4


def test_a_key_used_for_another_case_is_refused(
    life_event: Any, citizen: Any, published: Any
) -> None:
    single = services.start(actor=citizen, implementation_code=published.code)
    services.save_form(
        actor=citizen,
        case=single,
        form_data={"applicant_name": "张三", "id_number": "420106199001011234"},
    )
    services.attach(actor=citizen, case=single, code="M01", stream=io.BytesIO(PDF), name="a.pdf")
    services.submit(actor=citizen, case=single, idempotency_key="k-1")
    parent = filled(life_event, citizen)

    exc = refusal(bundles.submit_bundle, actor=citizen, parent=parent, idempotency_key="k-1")

    assert exc.status == 409 and str(exc.code) == "idempotency_key_reused"
    nothing_submitted(parent)


def test_a_failing_item_rolls_the_whole_application_back(
    life_event: Any, citizen: Any, monkeypatch: Any
) -> None:
    parent = filled(life_event, citizen)
    real_submit = services.submit

    def third_fails(*, actor: Any, case: Case, idempotency_key: str) -> Case:
        if case.department.code == "420106-XF":
            raise DomainError(ErrorCode.CONFLICT, "busy", status=409)
        return real_submit(actor=actor, case=case, idempotency_key=idempotency_key)

    monkeypatch.setattr(services, "submit", third_fails)

    exc = refusal(bundles.submit_bundle, actor=citizen, parent=parent, idempotency_key="k")

    assert exc.status == 409 and exc.details["child"] == "000107001000.420106-XF"
    assert "公众聚集场所" in str(exc.message)
    nothing_submitted(parent)
    assert not CaseTask.objects.exists()
    assert not Notice.objects.exists()


def test_an_item_submitted_on_its_own_stops_the_application(life_event: Any, citizen: Any) -> None:
    parent = filled(life_event, citizen)
    business = children(parent)[0]
    services.save_form(
        actor=citizen,
        case=business,
        form_data={"applicant_name": "张三", "id_number": "420106199001011234"},
    )
    services.submit(actor=citizen, case=business, idempotency_key="alone")

    exc = refusal(bundles.submit_bundle, actor=citizen, parent=parent, idempotency_key="k")

    assert exc.status == 409 and "个体工商户设立登记" in str(exc.message)
    parent.refresh_from_db()
    assert parent.status == CaseStatus.DRAFT and parent.case_no is None


def test_a_file_put_on_the_parent_directly_still_reaches_every_item(
    life_event: Any, citizen: Any
) -> None:
    parent = started(life_event, citizen)
    bundles.save_bundle_form(actor=citizen, parent=parent, form_data=dict(FORM))
    for meaning in UPLOADS:
        if meaning != PREMISES:
            attach(citizen, parent, meaning)
    # the single-case upload (API ``/cases/{id}/materials/{code}``) shares nothing itself
    services.attach(
        actor=citizen, case=parent, code=PREMISES, stream=io.BytesIO(PDF), name="场所.pdf"
    )

    bundles.submit_bundle(actor=citizen, parent=parent, idempotency_key="k")

    file_id = parent.materials.get(code=PREMISES).file_id
    business, health, _fire = children(parent)
    assert business.materials.get(code="M03").file_id == file_id
    assert health.materials.get(code="H03").file_id == file_id
    assert health.status == CaseStatus.SUBMITTED


def test_the_window_cannot_decide_the_parent_itself(submitted: Case, clerk: Any) -> None:
    """The parent is in the lead department, but only its items are accepted or refused."""
    for call, kwargs in [
        (services.accept, {}),
        (services.refuse, {"reason": "不予受理"}),
        (services.request_supplement, {"items": [{"field": "form/shop_name", "reason": "缺"}]}),
    ]:
        exc = refusal(call, actor=clerk, case=submitted, **kwargs)
        assert exc.status == 409 and str(exc.code) == "case_status_transition_invalid"

    submitted.refresh_from_db()
    assert submitted.status == CaseStatus.SUBMITTED and submitted.end_reason == ""
    assert not submitted.supplements.exists()
    assert all(c.status == CaseStatus.SUBMITTED for c in children(submitted))


def test_the_form_cannot_change_after_submission(submitted: Case, citizen: Any) -> None:
    exc = refusal(
        bundles.save_bundle_form, actor=citizen, parent=submitted, form_data={"shop_name": "新"}
    )

    assert exc.status == 409
    submitted.refresh_from_db()
    assert submitted.form_data["shop_name"] == "张记小馆"


# --- the parent follows its children --------------------------------------------------------


def accept_all(parent: Case, clerks: dict[str, Any]) -> None:
    for child in children(parent):
        services.accept(actor=clerks[child.department.code], case=child)


def approve(child: Case, approver: Any) -> Case:
    for step in ("review", "decide"):
        task = child.tasks.get(step=step, status=TaskStatus.OPEN)
        child = handling.complete_task(actor=approver, task=task, outcome="approve")
    return child


def test_the_parent_is_accepted_when_every_item_is(submitted: Case, clerks: Any) -> None:
    business, health, fire = children(submitted)
    services.accept(actor=clerks["420106-SCJG"], case=business)
    services.accept(actor=clerks["420106-WJW"], case=health)
    submitted.refresh_from_db()
    assert submitted.status == CaseStatus.SUBMITTED  # one is still waiting

    services.accept(actor=clerks["420106-XF"], case=fire)

    submitted.refresh_from_db()
    assert submitted.status == CaseStatus.ACCEPTED and submitted.accepted_at is not None
    dues = [c.promised_due for c in children(submitted)]
    assert submitted.promised_due == max(d for d in dues if d)
    assert AuditEntry.objects.filter(
        action="cases.bundle_accepted", target_id=str(submitted.pk)
    ).exists()


def test_the_parent_is_completed_approved_when_every_item_is_approved(
    submitted: Case, clerks: Any, approvers: Any
) -> None:
    accept_all(submitted, clerks)
    for child in children(submitted):
        approve(child, approvers[child.department.code])

    submitted.refresh_from_db()
    assert submitted.status == CaseStatus.COMPLETED
    assert submitted.decision == Decision.APPROVE and submitted.decision_reason == ""
    assert submitted.decided_at is not None and submitted.ended_at is not None
    assert Notice.objects.filter(case=submitted, kind="bundle_completed").count() == 1


def test_a_disapproved_item_shows_on_the_parent(
    submitted: Case, clerks: Any, approvers: Any
) -> None:
    accept_all(submitted, clerks)
    business, health, fire = children(submitted)
    approve(business, approvers["420106-SCJG"])
    approve(health, approvers["420106-WJW"])
    review = fire.tasks.get(step="review", status=TaskStatus.OPEN)
    handling.complete_task(
        actor=approvers["420106-XF"], task=review, outcome="disapprove", opinion="疏散通道不足"
    )

    submitted.refresh_from_db()
    assert submitted.status == CaseStatus.COMPLETED
    assert submitted.decision == Decision.DISAPPROVE
    assert "公众聚集场所投入使用、营业前消防安全检查" in submitted.decision_reason
    assert "疏散通道不足" in submitted.decision_reason
    shown = submitted.events.get(kind="bundle_child_disapproved")
    assert "疏散通道不足" in shown.note and shown.details["child"] == fire.pk
    view = bundles.summary(submitted)
    assert [c["decision"] for c in view["children"]] == ["approve", "approve", "disapprove"]


def test_a_refused_item_shows_on_the_parent_at_once(submitted: Case, clerks: Any) -> None:
    business, health, fire = children(submitted)

    services.refuse(actor=clerks["420106-XF"], case=fire, reason="不属于本部门受理范围")

    submitted.refresh_from_db()
    assert submitted.status == CaseStatus.SUBMITTED  # the others go on
    shown = submitted.events.get(kind="bundle_child_refused")
    assert "不属于本部门受理范围" in shown.note
    services.accept(actor=clerks["420106-SCJG"], case=business)
    services.accept(actor=clerks["420106-WJW"], case=health)
    submitted.refresh_from_db()
    assert submitted.status == CaseStatus.ACCEPTED  # every item still running is accepted


def test_a_supplement_request_on_an_item_puts_the_parent_with_the_applicant(
    submitted: Case, clerks: Any, citizen: Any
) -> None:
    health = children(submitted)[1]

    services.request_supplement(
        actor=clerks["420106-WJW"],
        case=health,
        items=[{"field": "materials.H03", "reason": "租赁合同已过期"}],
    )

    submitted.refresh_from_db()
    assert submitted.status == CaseStatus.SUPPLEMENT
    assert submitted.events.filter(kind="bundle_supplement").count() == 1
    services.save_form(actor=citizen, case=health, form_data={**health.form_data, "area": 130})
    services.resubmit(actor=citizen, case=health)
    submitted.refresh_from_db()
    assert submitted.status == CaseStatus.SUBMITTED
    assert submitted.events.filter(kind="bundle_resubmitted").count() == 1
    assert submitted.events.filter(kind="bundle_submitted").count() == 1


def test_following_the_children_twice_changes_nothing(submitted: Case, clerks: Any) -> None:
    accept_all(submitted, clerks)
    for child in children(submitted):
        bundles.child_changed(child)
    submitted.refresh_from_db()
    assert submitted.status == CaseStatus.ACCEPTED
    events = CaseEvent.objects.filter(case=submitted).count()
    audits = AuditEntry.objects.count()

    for child in children(submitted):
        bundles.child_changed(child)

    assert CaseEvent.objects.filter(case=submitted).count() == events
    assert AuditEntry.objects.count() == audits
    assert bundles.child_changed(submitted) is None  # the parent has no parent


# --- API ------------------------------------------------------------------------------------

API = "/api/v1/cases/bundles"


def api_start(client: Client, code: str = "restaurant", **extra: Any) -> Any:
    return client.post(API, {"life_event_code": code, **extra}, content_type="application/json")


def api_fill(client: Client, bundle_id: int, form: dict[str, Any] | None = None) -> Any:
    return client.put(
        f"{API}/{bundle_id}/form",
        {"form_data": FORM if form is None else form},
        content_type="application/json",
    )


def api_upload(client: Client, bundle_id: int, meaning: str) -> Any:
    pdf = SimpleUploadedFile("材料.pdf", PDF, content_type="application/pdf")
    return client.post(f"{API}/{bundle_id}/materials/{meaning}", {"file": pdf})


def api_submit(client: Client, bundle_id: int, key: str | None = "key-1") -> Any:
    headers = {} if key is None else {"HTTP_IDEMPOTENCY_KEY": key}
    return client.post(f"{API}/{bundle_id}/submit", **headers)


def test_api_applies_for_a_life_event_from_start_to_submission(
    life_event: Any, citizen: Any
) -> None:
    client = signed_in(citizen)

    response = api_start(client)
    assert response.status_code == 201, response.content
    body = response.json()
    bundle_id = body["id"]
    assert body["status"] == "draft" and body["case_no"] is None
    assert body["department_code"] == "420106-SCJG"
    assert len(body["children"]) == 3 and len(body["materials"]) == 5
    assert set(body["form_schema"]["properties"]) == set(FORM)
    assert api_fill(client, bundle_id).status_code == 200
    for meaning in UPLOADS:
        assert api_upload(client, bundle_id, meaning).status_code == 200

    response = api_submit(client, bundle_id)

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "submitted" and body["case_no"]
    assert [c["department"] for c in body["children"]] == [
        "武昌区市场监督管理局",
        "武昌区卫生健康局",
        "武昌区消防救援大队",
    ]
    assert all(c["case_no"] and c["status"] == "submitted" for c in body["children"])
    assert [e["kind"] for e in body["timeline"]][-1] == "bundle_submitted"
    again = api_submit(client, bundle_id)
    assert again.status_code == 200 and again.json()["case_no"] == body["case_no"]
    assert Case.objects.count() == 4
    assert signed_in(citizen).get(f"{API}/{bundle_id}").json() == again.json()


def test_api_needs_sign_in(life_event: Any, citizen: Any) -> None:
    parent = started(life_event, citizen)
    anonymous = Client()

    assert_error(api_start(anonymous), 401, "not_authenticated")
    assert_error(anonymous.get(f"{API}/{parent.pk}"), 401, "not_authenticated")
    assert_error(api_fill(anonymous, parent.pk), 401, "not_authenticated")
    assert_error(api_upload(anonymous, parent.pk, PREMISES), 401, "not_authenticated")
    assert_error(api_submit(anonymous, parent.pk), 401, "not_authenticated")
    assert Case.objects.count() == 4 and not StoredFile.objects.exists()


def test_api_hides_someone_elses_application(life_event: Any, citizen: Any, outsider: Any) -> None:
    parent = filled(life_event, citizen)
    client = signed_in(outsider)

    assert_error(client.get(f"{API}/{parent.pk}"), 404, "not_found")
    assert_error(api_fill(client, parent.pk, {"shop_name": "x"}), 404, "not_found")
    assert_error(api_upload(client, parent.pk, PREMISES), 404, "not_found")
    assert_error(api_submit(client, parent.pk), 404, "not_found")
    nothing_submitted(parent)
    assert parent.form_data == FORM
    assert StoredFile.objects.count() == len(UPLOADS)


def test_api_shows_the_application_to_the_lead_departments_staff(
    submitted: Case, clerk: Any, outsider: Any
) -> None:
    assert signed_in(clerk).get(f"{API}/{submitted.pk}").status_code == 200
    assert_error(signed_in(outsider).get(f"{API}/{submitted.pk}"), 404, "not_found")


def test_api_a_single_case_is_not_an_application(
    life_event: Any, citizen: Any, published: Any
) -> None:
    child = children(started(life_event, citizen))[0]

    assert_error(signed_in(citizen).get(f"{API}/{child.pk}"), 404, "not_found")


def test_api_refusals_answer_the_envelope(life_event: Any, citizen: Any) -> None:
    client = signed_in(citizen)
    assert_error(api_start(client, "no-such-event"), 404, "not_found")
    body = assert_error(
        api_start(client, entity_credit_code="91420106X"), 422, "credit_code_format"
    )
    assert [e["field"] for e in body["details"]["errors"]] == ["entity_credit_code"]
    assert not Case.objects.exists()
    bundle_id = api_start(client).json()["id"]

    assert_error(api_submit(client, bundle_id, key=None), 400, "idempotency_key_required")
    body = assert_error(api_submit(client, bundle_id), 422, "case_form_invalid")
    assert "form/applicant_name" in [e["field"] for e in body["details"]["errors"]]
    assert "materials.applicant.id_card" not in [e["field"] for e in body["details"]["errors"]]
    body = assert_error(api_upload(client, bundle_id, "name:户口本"), 422, "case_materials_missing")
    assert [e["field"] for e in body["details"]["errors"]] == ["materials.name:户口本"]
    parent = Case.objects.get(pk=bundle_id)
    nothing_submitted(parent)
    api_fill(client, bundle_id)
    for meaning in UPLOADS:
        api_upload(client, bundle_id, meaning)
    assert api_submit(client, bundle_id).status_code == 200
    assert_error(api_fill(client, bundle_id), 409, "case_status_transition_invalid")
    assert_error(api_upload(client, bundle_id, PREMISES), 409, "case_status_transition_invalid")
    assert_error(api_submit(client, bundle_id, "key-2"), 409, "case_status_transition_invalid")


# --- pages ----------------------------------------------------------------------------------


def answers(form: dict[str, Any]) -> dict[str, Any]:
    return {f"answer-{k}": str(v) for k, v in form.items()}


def page_upload(client: Client, parent_id: int, meaning: str) -> Any:
    pdf = SimpleUploadedFile("材料.pdf", PDF, content_type="application/pdf")
    url = reverse("cases_bundles:upload", args=[parent_id, meaning])
    return client.post(url, {"file": pdf})


def test_pages_apply_from_the_guide_to_the_acknowledgement(life_event: Any, citizen: Any) -> None:
    client = signed_in(citizen)
    start_url = reverse("cases_bundles:start", args=["restaurant"])
    assert start_url in client.get("/life-events/restaurant/").content.decode()
    page = client.get(start_url).content.decode()
    assert "武昌区消防救援大队" in page and "公共场所卫生许可" in page

    response = client.post(start_url, {"applicant": "self", "token": "t-1"})
    parent = Case.objects.get(parent__isnull=True, life_event_code="restaurant")
    assert response["Location"] == reverse("cases_bundles:form", args=[parent.pk])
    response = client.post(
        reverse("cases_bundles:form", args=[parent.pk]), {**answers(FORM), "action": "continue"}
    )
    assert response["Location"] == reverse("cases_bundles:materials", args=[parent.pk])
    parent.refresh_from_db()
    assert parent.form_data == FORM  # numbers read back as numbers
    page = client.get(response["Location"]).content.decode()
    assert page.count('<h2 class="ap-material__title">经营场所使用证明</h2>') == 1
    assert page.count('class="ap-material"') == 5
    assert "所需事项：个体工商户设立登记、公共场所卫生许可" in page
    for meaning in UPLOADS:
        assert page_upload(client, parent.pk, meaning).status_code == 302
    page = client.get(reverse("cases_bundles:check", args=[parent.pk])).content.decode()
    assert "张记小馆" in page and "武昌区卫生健康局" in page

    response = client.post(
        reverse("cases_bundles:check", args=[parent.pk]), {"idempotency_key": "page-key"}
    )

    assert response["Location"] == reverse("cases_bundles:submitted", args=[parent.pk])
    parent.refresh_from_db()
    page = client.get(response["Location"]).content.decode()
    assert parent.case_no in page
    for child in children(parent):
        assert child.case_no and child.case_no in page and child.department.name in page
    again = client.post(
        reverse("cases_bundles:check", args=[parent.pk]), {"idempotency_key": "page-key"}
    )
    assert again["Location"] == response["Location"]
    assert Case.objects.count() == 4


def test_pages_show_form_errors_beside_their_fields_and_keep_the_draft(
    life_event: Any, citizen: Any
) -> None:
    parent = started(life_event, citizen)
    client = signed_in(citizen)
    form = {k: v for k, v in FORM.items() if k not in ("applicant_name", "exits")}

    response = client.post(
        reverse("cases_bundles:form", args=[parent.pk]),
        {**answers(form), "answer-premises_area": "一百", "action": "continue"},
    )

    page = response.content.decode()
    assert response.status_code == 200 and "error-summary" in page
    assert 'href="#field-applicant_name"' in page and 'href="#field-premises_area"' in page
    assert 'value="一百"' in page  # what was typed is kept
    parent.refresh_from_db()
    assert parent.form_data["shop_name"] == "张记小馆" and parent.status == CaseStatus.DRAFT


def test_pages_link_a_missing_material_to_its_upload(life_event: Any, citizen: Any) -> None:
    parent = started(life_event, citizen)
    bundles.save_bundle_form(actor=citizen, parent=parent, form_data=dict(FORM))
    client = signed_in(citizen)

    response = client.post(
        reverse("cases_bundles:check", args=[parent.pk]), {"idempotency_key": "k"}
    )

    assert response.status_code == 422
    page = response.content.decode()
    materials_url = reverse("cases_bundles:materials", args=[parent.pk])
    assert f'href="{materials_url}#file-1"' in page
    nothing_submitted(parent)


def test_pages_hide_someone_elses_application(life_event: Any, citizen: Any, outsider: Any) -> None:
    parent = filled(life_event, citizen)
    client = signed_in(outsider)

    for name in ("bundle", "form", "materials", "check"):
        assert client.get(reverse(f"cases_bundles:{name}", args=[parent.pk])).status_code == 404
    assert page_upload(client, parent.pk, PREMISES).status_code == 404
    response = client.post(
        reverse("cases_bundles:check", args=[parent.pk]), {"idempotency_key": "k"}
    )
    assert response.status_code == 404
    nothing_submitted(parent)
    assert StoredFile.objects.count() == len(UPLOADS)
