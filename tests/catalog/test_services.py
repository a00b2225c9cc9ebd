"""Catalogue services: master items, implementations, the version life cycle (draft → review
→ published → superseded / withdrawn) and the consistency report (三级四同).

Every refusal is checked for its code and field, and for leaving nothing changed behind."""

from __future__ import annotations

from typing import Any

import pytest

from tests.catalog.fixtures import item_data
from tests.factories import StaffFactory
from yiwang.catalog import services
from yiwang.catalog.errors import FieldErrors
from yiwang.catalog.models import (
    ImplementationVersion,
    ItemImplementation,
    Material,
    ServiceItem,
    VersionStatus,
)
from yiwang.catalog.schemas import ItemIn, VersionIn
from yiwang.kernel.errors import DomainError
from yiwang.kernel.models import AuditEntry

pytestmark = pytest.mark.django_db


# --- helpers --------------------------------------------------------------------------------


def refusal(call: Any, **kwargs: Any) -> DomainError:
    """Run a service that must refuse; return the refusal."""
    with pytest.raises(DomainError) as caught:
        call(**kwargs)
    return caught.value


def pointers(exc: DomainError) -> list[tuple[str, str]]:
    """The (field, code) pairs a FieldErrors refusal names."""
    assert isinstance(exc, FieldErrors)
    return [(e["field"], e["code"]) for e in exc.details["errors"]]


def audit_rows(action: str, target: Any = None) -> list[AuditEntry]:
    rows = AuditEntry.objects.filter(action=action)
    if target is not None:
        rows = rows.filter(target_type=target._meta.label_lower, target_id=str(target.pk))
    return list(rows)


def row(version: ImplementationVersion) -> dict[str, Any]:
    """The stored row of a version and its materials, to show a refusal changed nothing."""
    stored = ImplementationVersion.objects.values().get(pk=version.pk)
    stored["materials"] = list(
        Material.objects.filter(version_id=version.pk).order_by("position").values()
    )
    return stored


def search_keys(q: str = "", **filters: Any) -> list[str]:
    return [hit.key for hit in services.search_catalog(q, **filters).hits]


def version_of(implementation: ItemImplementation, number: int) -> ImplementationVersion:
    return implementation.versions.get(number=number)


def publish_v1(implementation: ItemImplementation, editor: Any, reviewer: Any) -> None:
    version = version_of(implementation, 1)
    services.submit(actor=editor, version=version)
    services.publish(actor=reviewer, version=version, comment="同意")


# --- items ----------------------------------------------------------------------------------


def test_create_item_stores_elements_and_materials_and_audits(item: Any, item_owner: Any) -> None:
    stored = ServiceItem.objects.get(code="000105001000")
    assert stored.name == "个体工商户设立登记"
    assert stored.department.code == "42-SCJG"
    assert stored.statutory_limit_days == 15
    assert stored.fees == [{"name": "登记费", "amount": "0.00", "basis": "不收费"}]
    assert stored.revision == 1
    materials = list(stored.materials.all())
    assert [(m.position, m.code, m.required, m.copies) for m in materials] == [
        (0, "M01", True, 1),
        (1, "M02", False, 1),  # optional: met by an e-licence when held
        (2, "M03", False, 2),
    ]
    assert materials[1].exempt_possible and materials[1].license_type == "resident_id_card"
    assert not materials[0].exempt_possible
    [entry] = audit_rows("catalog.item_created", stored)
    assert entry.actor_id == item_owner.pk
    assert entry.details == {"code": "000105001000"}


def test_duplicate_item_code_is_refused_with_409(item: Any, item_owner: Any) -> None:
    exc = refusal(
        services.create_item, actor=item_owner, data=ItemIn(**item_data(name="另一个名称"))
    )
    assert exc.code == "item_code_taken"
    assert exc.status == 409
    assert pointers(exc) == [("code", "item_code_taken")]
    assert ServiceItem.objects.get(code=item.code).name == "个体工商户设立登记"
    assert len(audit_rows("catalog.item_created")) == 1


def test_licence_result_needs_a_licence_type(province_department: Any, item_owner: Any) -> None:
    exc = refusal(
        services.create_item,
        actor=item_owner,
        data=ItemIn(**item_data(result_license_type="")),
    )
    assert exc.code == "item_invalid"
    assert exc.status == 422
    assert pointers(exc) == [("result_license_type", "required")]
    assert not ServiceItem.objects.exists()
    assert not Material.objects.exists()
    assert audit_rows("catalog.item_created") == []


def test_duplicate_material_code_in_an_item_points_at_the_second(
    province_department: Any, item_owner: Any
) -> None:
    materials = item_data()["materials"]
    materials[2]["code"] = "M01"
    exc = refusal(
        services.create_item, actor=item_owner, data=ItemIn(**item_data(materials=materials))
    )
    assert pointers(exc) == [("materials[2].code", "duplicate")]
    assert not ServiceItem.objects.exists()


def test_unknown_department_is_refused(regions: Any, admin: Any) -> None:
    exc = refusal(
        services.create_item, actor=admin, data=ItemIn(**item_data(department_code="99-NONE"))
    )
    assert exc.code == "department_unknown"
    assert pointers(exc) == [("department_code", "department_unknown")]
    assert not ServiceItem.objects.exists()


def test_update_item_bumps_revision_and_records_changed_fields(item: Any, item_owner: Any) -> None:
    materials = item_data()["materials"][:2]
    data = item_data(name="个体工商户设立登记(新)", statutory_limit_days=10, materials=materials)
    updated = services.update_item(actor=item_owner, item=item, data=ItemIn(**data))

    stored = ServiceItem.objects.get(pk=item.pk)
    assert updated.revision == stored.revision == 2
    assert stored.name == "个体工商户设立登记(新)"
    assert stored.statutory_limit_days == 10
    assert list(stored.materials.values_list("code", flat=True)) == ["M01", "M02"]
    [entry] = audit_rows("catalog.item_updated", stored)
    assert entry.actor_id == item_owner.pk
    assert entry.details["revision"] == 2
    assert sorted(entry.details["changed"]) == ["materials", "name", "statutory_limit_days"]


def test_update_item_without_change_keeps_the_revision(item: Any, item_owner: Any) -> None:
    services.update_item(actor=item_owner, item=item, data=ItemIn(**item_data()))
    assert ServiceItem.objects.get(pk=item.pk).revision == 1
    assert audit_rows("catalog.item_updated") == []


def test_item_code_cannot_change(item: Any, item_owner: Any) -> None:
    exc = refusal(
        services.update_item,
        actor=item_owner,
        item=item,
        data=ItemIn(**item_data(code="000105001999", name="改名")),
    )
    assert exc.code == "item_invalid"
    assert pointers(exc) == [("code", "item_code_fixed")]
    stored = ServiceItem.objects.get(pk=item.pk)
    assert (stored.code, stored.name, stored.revision) == (item.code, item.name, 1)
    assert not ServiceItem.objects.filter(code="000105001999").exists()


def test_admin_of_another_department_cannot_change_an_item(item: Any, catalog_editor: Any) -> None:
    before = ServiceItem.objects.values().get(pk=item.pk)
    materials_before = list(item.materials.values())
    exc = refusal(
        services.update_item,
        actor=catalog_editor,
        item=item,
        data=ItemIn(**item_data(name="越权修改", materials=[])),
    )
    assert exc.status == 403
    assert exc.code == "permission_denied"
    assert ServiceItem.objects.values().get(pk=item.pk) == before
    assert list(item.materials.values()) == materials_before
    assert audit_rows("catalog.item_updated") == []


def test_admin_of_another_department_cannot_create_its_items(
    province_department: Any, catalog_editor: Any
) -> None:
    exc = refusal(services.create_item, actor=catalog_editor, data=ItemIn(**item_data()))
    assert exc.status == 403
    assert not ServiceItem.objects.exists()


def test_an_item_cannot_be_moved_to_a_department_out_of_reach(
    item: Any, item_owner: Any, other_department: Any
) -> None:
    exc = refusal(
        services.update_item,
        actor=item_owner,
        item=item,
        data=ItemIn(**item_data(department_code=other_department.code)),
    )
    assert exc.status == 403
    assert ServiceItem.objects.get(pk=item.pk).department.code == "42-SCJG"


# --- implementations ------------------------------------------------------------------------


def test_implementation_inherits_the_master_item(
    item: Any, owning_department: Any, catalog_editor: Any
) -> None:
    implementation = services.create_implementation(
        actor=catalog_editor, item=item, department=owning_department
    )
    assert implementation.code == "000105001000.420106-SCJG"
    assert implementation.region_id == "420106"
    assert implementation.current is None
    version = implementation.versions.get()
    assert (version.number, version.status) == (1, VersionStatus.DRAFT)
    assert version.created_by == catalog_editor
    assert (version.name, version.item_code, version.item_type, version.legal_basis) == (
        item.name,
        item.code,
        item.item_type,
        item.legal_basis,
    )
    assert version.statutory_limit_days == 15
    assert (version.handling_kind, version.promised_limit_days) == ("promised", 15)
    assert version.service_objects == ["citizen"]
    assert version.channels == ["online", "hall", "mobile"]
    assert version.fees == item.fees
    assert (version.result_type, version.result_license_type) == ("licence", "business_licence")
    materials = [
        (m.code, m.name, m.required, m.copies, m.source, m.license_type, m.meaning)
        for m in version.materials.all()
    ]
    assert materials == [
        (m.code, m.name, m.required, m.copies, m.source, m.license_type, m.meaning)
        for m in item.materials.all()
    ]
    [entry] = audit_rows("catalog.implementation_created", implementation)
    assert entry.actor_id == catalog_editor.pk
    assert entry.details == {"code": implementation.code, "version": 1}


def test_an_item_is_implemented_once_per_department(
    implementation: Any, item: Any, owning_department: Any, catalog_editor: Any
) -> None:
    exc = refusal(
        services.create_implementation,
        actor=catalog_editor,
        item=item,
        department=owning_department,
    )
    assert exc.code == "implementation_exists"
    assert exc.status == 409
    assert ItemImplementation.objects.count() == 1


def test_admin_of_another_department_cannot_implement_for_it(
    item: Any, owning_department: Any, other_department: Any
) -> None:
    other_admin = StaffFactory(
        username="other_admin", role="department_admin", department=other_department
    )
    exc = refusal(
        services.create_implementation,
        actor=other_admin,
        item=item,
        department=owning_department,
    )
    assert exc.status == 403
    assert not ItemImplementation.objects.exists()
    assert not ImplementationVersion.objects.exists()


# --- the version life cycle -----------------------------------------------------------------


def test_draft_review_published_with_an_audit_row_per_step(
    implementation: Any, catalog_editor: Any, reviewer: Any
) -> None:
    version = version_of(implementation, 1)
    services.submit(actor=catalog_editor, version=version)
    version.refresh_from_db()
    assert version.status == VersionStatus.REVIEW
    assert version.submitted_by == catalog_editor
    assert version.submitted_at is not None
    assert search_keys("个体工商户") == []  # not public before publication

    services.publish(actor=reviewer, version=version, comment="同意发布")
    version.refresh_from_db()
    implementation.refresh_from_db()
    assert version.status == VersionStatus.PUBLISHED
    assert (version.reviewed_by, version.review_comment) == (reviewer, "同意发布")
    assert version.published_at is not None
    assert implementation.current == version
    assert search_keys("个体工商户") == [implementation.code]

    [submitted] = audit_rows("catalog.version_submitted", version)
    [published] = audit_rows("catalog.version_published", version)
    assert submitted.actor_id == catalog_editor.pk
    assert published.actor_id == reviewer.pk
    assert published.details == {
        "implementation": implementation.code,
        "version": 1,
        "superseded": None,
    }


def test_publishing_v2_supersedes_v1(published: Any, catalog_editor: Any, reviewer: Any) -> None:
    v1 = published.current
    v2 = services.revise(actor=catalog_editor, implementation=published)
    assert (v2.number, v2.status) == (2, VersionStatus.DRAFT)
    services.update_draft(actor=catalog_editor, version=v2, data=VersionIn(promised_limit_days=3))
    services.submit(actor=catalog_editor, version=v2)
    services.publish(actor=reviewer, version=v2, comment="同意")

    v1.refresh_from_db()
    v2.refresh_from_db()
    published.refresh_from_db()
    assert v1.status == VersionStatus.SUPERSEDED
    assert v1.ended_at is not None and v1.ended_at == v2.published_at
    assert "2" in v1.end_reason
    assert v2.status == VersionStatus.PUBLISHED
    assert published.current == v2
    assert published.current.promised_limit_days == 3
    [entry] = audit_rows("catalog.version_published", v2)
    assert entry.details["superseded"] == 1
    [created] = audit_rows("catalog.version_created", v2)
    assert created.actor_id == catalog_editor.pk
    assert created.details["based_on"] == 1
    # still one search entry, now showing version 2
    [hit] = services.search_catalog("个体工商户").hits
    assert hit.key == published.code
    assert hit.data["promised_limit_days"] == 3


@pytest.mark.parametrize("state", ["review", "published", "superseded"])
def test_only_a_draft_can_change(
    state: str, implementation: Any, catalog_editor: Any, reviewer: Any
) -> None:
    version = version_of(implementation, 1)
    services.submit(actor=catalog_editor, version=version)
    if state in {"published", "superseded"}:
        services.publish(actor=reviewer, version=version)
    if state == "superseded":
        v2 = services.revise(actor=catalog_editor, implementation=implementation)
        services.submit(actor=catalog_editor, version=v2)
        services.publish(actor=reviewer, version=v2)
    version.refresh_from_db()
    assert version.status == state
    before = row(version)

    for actor in (catalog_editor, reviewer):
        exc = refusal(
            services.update_draft,
            actor=actor,
            version=version,
            data=VersionIn(promised_limit_days=2, phone="027-00000000", materials=[]),
        )
        assert exc.code == "version_immutable"
        assert exc.status == 409
    assert row(version) == before
    assert audit_rows("catalog.version_updated") == []


def test_update_draft_records_the_changed_fields(implementation: Any, catalog_editor: Any) -> None:
    version = version_of(implementation, 1)
    services.update_draft(
        actor=catalog_editor,
        version=version,
        data=VersionIn(promised_limit_days=3, phone="027-87654321"),
    )
    version.refresh_from_db()
    assert (version.promised_limit_days, version.phone) == (3, "027-87654321")
    # unset fields keep their values
    assert version.hall_address == "武汉市武昌区中北路 1 号政务服务中心 2 楼"
    assert version.form_schema["properties"]["shop_name"]["title"] == "店铺名称"
    [entry] = audit_rows("catalog.version_updated", version)
    assert entry.actor_id == catalog_editor.pk
    assert entry.details["changed"] == ["phone", "promised_limit_days"]


def test_a_refused_draft_update_changes_nothing(implementation: Any, catalog_editor: Any) -> None:
    version = version_of(implementation, 1)
    before = row(version)
    exc = refusal(
        services.update_draft,
        actor=catalog_editor,
        version=version,
        data=VersionIn(promised_limit_days=30, phone="027-0", materials=[]),
    )
    assert pointers(exc) == [("promised_limit_days", "promised_limit_exceeds_statutory")]
    assert row(version) == before


@pytest.mark.parametrize("open_state", ["draft", "review"])
def test_revise_is_refused_while_a_version_is_open(
    open_state: str, published: Any, catalog_editor: Any
) -> None:
    v2 = services.revise(actor=catalog_editor, implementation=published)
    if open_state == "review":
        services.submit(actor=catalog_editor, version=v2)
    exc = refusal(services.revise, actor=catalog_editor, implementation=published)
    assert exc.code == "status_transition_invalid"
    assert exc.status == 409
    assert exc.details["open_version"] == 2
    assert list(published.versions.values_list("number", flat=True)) == [2, 1]


def test_revise_refused_while_the_first_draft_is_open(
    implementation: Any, catalog_editor: Any
) -> None:
    exc = refusal(services.revise, actor=catalog_editor, implementation=implementation)
    assert exc.details["open_version"] == 1
    assert implementation.versions.count() == 1


def test_revise_reinherits_the_master_after_the_master_changed(
    published: Any, item: Any, item_owner: Any, catalog_editor: Any
) -> None:
    data = item_data(
        name="个体工商户登记",
        item_type="confirmation",
        legal_basis="《促进个体工商户发展条例》第九条",
        statutory_limit_days=10,
    )
    services.update_item(actor=item_owner, item=item, data=ItemIn(**data))
    published.current.refresh_from_db()
    assert published.current.name == "个体工商户设立登记"  # the published version is frozen

    v2 = services.revise(actor=catalog_editor, implementation=published)
    assert (v2.name, v2.item_code, v2.item_type, v2.legal_basis) == (
        "个体工商户登记",
        item.code,
        "confirmation",
        "《促进个体工商户发展条例》第九条",
    )
    assert v2.statutory_limit_days == 10
    # the local narrowing is carried over
    assert v2.promised_limit_days == 5
    assert v2.hall_address == published.current.hall_address
    assert v2.form_schema == published.current.form_schema
    assert [m.code for m in v2.materials.all()] == ["M01", "M02", "M03"]


def test_reject_needs_a_comment_and_returns_to_draft(
    implementation: Any, catalog_editor: Any, reviewer: Any
) -> None:
    version = version_of(implementation, 1)
    services.submit(actor=catalog_editor, version=version)

    exc = refusal(services.reject, actor=reviewer, version=version, comment="  ")
    assert pointers(exc) == [("comment", "required")]
    version.refresh_from_db()
    assert version.status == VersionStatus.REVIEW
    assert audit_rows("catalog.version_rejected") == []

    services.reject(actor=reviewer, version=version, comment="承诺时限请再压缩")
    version.refresh_from_db()
    assert version.status == VersionStatus.DRAFT
    assert (version.reviewed_by, version.review_comment) == (reviewer, "承诺时限请再压缩")
    [entry] = audit_rows("catalog.version_rejected", version)
    assert entry.actor_id == reviewer.pk
    assert entry.details["comment"] == "承诺时限请再压缩"

    # the draft can be changed and submitted again
    services.update_draft(
        actor=catalog_editor, version=version, data=VersionIn(promised_limit_days=2)
    )
    services.submit(actor=catalog_editor, version=version)
    version.refresh_from_db()
    assert version.status == VersionStatus.REVIEW


@pytest.mark.parametrize("decision", ["publish", "reject"])
def test_a_reviewer_cannot_decide_on_their_own_submission(
    decision: str, implementation: Any, reviewer: Any, second_reviewer: Any
) -> None:
    version = version_of(implementation, 1)
    services.submit(actor=reviewer, version=version)

    call = services.publish if decision == "publish" else services.reject
    exc = refusal(call, actor=reviewer, version=version, comment="自己审")
    assert exc.code == "own_submission"
    assert exc.status == 403
    version.refresh_from_db()
    assert version.status == VersionStatus.REVIEW
    assert version.reviewed_by is None
    implementation.refresh_from_db()
    assert implementation.current is None

    # another reviewer may
    call(actor=second_reviewer, version=version, comment="同意")
    version.refresh_from_db()
    assert version.reviewed_by == second_reviewer


def test_a_department_admin_cannot_publish_or_reject(
    implementation: Any, catalog_editor: Any
) -> None:
    version = version_of(implementation, 1)
    services.submit(actor=catalog_editor, version=version)
    other_editor = StaffFactory(
        username="editor2", role="department_admin", department=implementation.department
    )
    for actor in (catalog_editor, other_editor):
        for call in (services.publish, services.reject):
            exc = refusal(call, actor=actor, version=version, comment="同意")
            assert exc.status == 403
            assert exc.code == "permission_denied"
    version.refresh_from_db()
    implementation.refresh_from_db()
    assert version.status == VersionStatus.REVIEW
    assert implementation.current is None
    assert search_keys("个体工商户") == []


def test_publishing_a_draft_is_a_wrong_transition(
    implementation: Any, reviewer: Any, catalog_editor: Any
) -> None:
    version = version_of(implementation, 1)
    exc = refusal(services.publish, actor=reviewer, version=version)
    assert exc.code == "status_transition_invalid"
    assert exc.status == 409
    assert exc.details["status_now"] == "draft"
    services.submit(actor=catalog_editor, version=version)
    exc = refusal(services.submit, actor=catalog_editor, version=version)
    assert exc.code == "status_transition_invalid"
    assert exc.details["status_now"] == "review"


def test_an_outsider_cannot_submit(implementation: Any, outsider: Any) -> None:
    version = version_of(implementation, 1)
    exc = refusal(services.submit, actor=outsider, version=version)
    assert exc.status == 403
    version.refresh_from_db()
    assert version.status == VersionStatus.DRAFT


def test_withdraw_takes_the_implementation_off_the_catalogue(
    published: Any, reviewer: Any, catalog_editor: Any
) -> None:
    assert search_keys("个体工商户") == [published.code]
    version = published.current

    exc = refusal(services.withdraw, actor=catalog_editor, implementation=published, reason="x")
    assert exc.status == 403
    assert search_keys("个体工商户") == [published.code]

    services.withdraw(actor=reviewer, implementation=published, reason="事项已取消")
    version.refresh_from_db()
    published.refresh_from_db()
    assert version.status == VersionStatus.WITHDRAWN
    assert version.end_reason == "事项已取消"
    assert version.ended_at is not None
    assert published.current is None
    assert search_keys("个体工商户") == []
    assert search_keys("gtgsh") == []
    [entry] = audit_rows("catalog.implementation_withdrawn", version)
    assert entry.actor_id == reviewer.pk
    assert entry.details["reason"] == "事项已取消"

    exc = refusal(services.withdraw, actor=reviewer, implementation=published, reason="再撤")
    assert exc.code == "status_transition_invalid"

    # a new version can bring it back
    v2 = services.revise(actor=catalog_editor, implementation=published)
    services.submit(actor=catalog_editor, version=v2)
    services.publish(actor=reviewer, version=v2)
    version.refresh_from_db()
    assert version.status == VersionStatus.WITHDRAWN  # stays withdrawn, not superseded
    assert search_keys("个体工商户") == [published.code]


def test_submit_validates_again_against_the_changed_master(
    implementation: Any, item: Any, item_owner: Any, catalog_editor: Any
) -> None:
    version = version_of(implementation, 1)
    assert version.promised_limit_days == 5
    services.update_item(
        actor=item_owner, item=item, data=ItemIn(**item_data(statutory_limit_days=3))
    )
    exc = refusal(services.submit, actor=catalog_editor, version=version)
    assert exc.code == "version_invalid"
    assert pointers(exc) == [("promised_limit_days", "promised_limit_exceeds_statutory")]
    version.refresh_from_db()
    assert version.status == VersionStatus.DRAFT
    assert audit_rows("catalog.version_submitted") == []


def test_submit_refuses_a_draft_naming_a_material_the_master_dropped(
    implementation: Any, item: Any, item_owner: Any, catalog_editor: Any
) -> None:
    services.update_item(
        actor=item_owner,
        item=item,
        data=ItemIn(**item_data(materials=item_data()["materials"][:2])),
    )
    exc = refusal(services.submit, actor=catalog_editor, version=version_of(implementation, 1))
    assert pointers(exc) == [("materials[2].code", "wider_than_master")]


# --- consistency report (三级四同) -----------------------------------------------------------


def test_consistency_report_is_empty_when_everything_matches(published: Any, reviewer: Any) -> None:
    assert services.consistency_report(actor=reviewer) == []


def test_consistency_report_lists_a_legacy_local_list(
    published: Any, item: Any, reviewer: Any
) -> None:
    # A local list imported from the old system states its own name and type.
    ImplementationVersion.objects.filter(pk=published.current_id).update(
        name="个体户开业登记", item_type="confirmation"
    )
    rows = services.consistency_report(actor=reviewer)
    assert rows == [
        {
            "implementation_code": published.code,
            "department_name": "武昌区市场监督管理局",
            "region_code": "420106",
            "version": 1,
            "field": "name",
            "local_value": "个体户开业登记",
            "master_value": "个体工商户设立登记",
        },
        {
            "implementation_code": published.code,
            "department_name": "武昌区市场监督管理局",
            "region_code": "420106",
            "version": 1,
            "field": "item_type",
            "local_value": "confirmation",
            "master_value": "licensing",
        },
    ]


def test_consistency_report_lists_a_wrong_code_and_basis(
    published: Any, item: Any, reviewer: Any
) -> None:
    ImplementationVersion.objects.filter(pk=published.current_id).update(
        item_code="000105001000-W", legal_basis="《个体工商户条例》"
    )
    rows = services.consistency_report(actor=reviewer)
    assert {(r["field"], r["local_value"], r["master_value"]) for r in rows} == {
        ("item_code", "000105001000-W", item.code),
        ("legal_basis", "《个体工商户条例》", item.legal_basis),
    }


def test_consistency_report_after_the_master_changed(
    published: Any, item: Any, item_owner: Any, reviewer: Any, catalog_editor: Any
) -> None:
    services.update_item(
        actor=item_owner, item=item, data=ItemIn(**item_data(name="个体工商户登记"))
    )
    rows = services.consistency_report(actor=reviewer)
    assert [(r["field"], r["local_value"], r["master_value"]) for r in rows] == [
        ("name", "个体工商户设立登记", "个体工商户登记")
    ]
    # the department admin sees its own implementation in the report too
    assert len(services.consistency_report(actor=catalog_editor)) == 1
    # a new draft re-inherits, but the published version is what the public sees
    services.revise(actor=catalog_editor, implementation=published)
    assert len(services.consistency_report(actor=reviewer)) == 1


def test_consistency_report_is_scoped(published: Any, outsider: Any, citizen: Any) -> None:
    ImplementationVersion.objects.filter(pk=published.current_id).update(name="个体户开业登记")
    assert services.consistency_report(actor=outsider) == []
    assert services.consistency_report(actor=citizen) == []
