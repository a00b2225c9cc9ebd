"""Life events (一件事): bundles of implementations, possibly of other life events, with one
merged form and one merged material list; refused when empty, circular or naming unknown or
repeated members; published only when every member is, and then found by portal search."""

from __future__ import annotations

from typing import Any

import pytest

from tests.catalog.fixtures import item_data
from tests.factories import StaffFactory
from yiwang.catalog import services
from yiwang.catalog.errors import FieldErrors
from yiwang.catalog.models import LifeEvent, LifeEventMember, LifeEventStatus
from yiwang.catalog.schemas import ItemIn, LifeEventIn, VersionIn
from yiwang.kernel.errors import DomainError
from yiwang.kernel.models import AuditEntry

pytestmark = pytest.mark.django_db

FOOD_FORM = {
    "type": "object",
    "properties": {
        "operator": {"type": "string", "title": "经营者姓名", "x-meaning": "applicant.name"},
        "operator_id": {
            "type": "string",
            "title": "经营者身份证号",
            "x-meaning": "applicant.id_number",
        },
        "area": {"type": "number", "title": "经营面积(平方米)"},
    },
    "required": ["operator_id", "area"],
}


def food_item_data() -> dict[str, Any]:
    return item_data(
        code="000105002000",
        name="食品经营许可",
        legal_basis="《中华人民共和国食品安全法》第三十五条",
        statutory_limit_days=20,
        result_name="食品经营许可证",
        result_license_type="food_business_licence",
        fees=[],
        materials=[
            {"code": "F01", "name": "食品经营许可申请书", "form": "original"},
            {
                "code": "F02",
                "name": "经营者身份证复印件",
                "form": "copy",
                "copies": 2,
                "meaning": "applicant.id_card",
            },
            {"code": "F03", "name": "经营场所使用证明", "form": "copy", "required": True},
        ],
    )


@pytest.fixture
def food(item_owner: Any, owning_department: Any, catalog_editor: Any) -> Any:
    """A draft implementation of 食品经营许可 by the same district department."""
    item = services.create_item(actor=item_owner, data=ItemIn(**food_item_data()))
    return services.create_implementation(
        actor=catalog_editor,
        item=item,
        department=owning_department,
        data=VersionIn(promised_limit_days=10, form_schema=FOOD_FORM),
    )


def publish(implementation: Any, editor: Any, reviewer: Any) -> Any:
    version = implementation.versions.order_by("-number").first()
    services.submit(actor=editor, version=version)
    services.publish(actor=reviewer, version=version)
    implementation.refresh_from_db()
    return implementation


@pytest.fixture
def food_published(food: Any, catalog_editor: Any, reviewer: Any) -> Any:
    return publish(food, catalog_editor, reviewer)


def event_data(code: str = "open_restaurant", **overrides: Any) -> LifeEventIn:
    data: dict[str, Any] = {
        "code": code,
        "name": "开办餐饮店",
        "description": "个体工商户登记与食品经营许可一次办理。",
        "department_code": "420106-SCJG",
        "service_objects": ["citizen"],
        "themes": ["establishment", "operation"],
        "promised_limit_days": 5,
        "members": [],
    }
    data.update(overrides)
    return LifeEventIn(**data)


def save(actor: Any, event: LifeEvent | None = None, **overrides: Any) -> LifeEvent:
    return services.save_life_event(actor=actor, data=event_data(**overrides), event=event)


def member_codes(event: LifeEvent) -> list[str]:
    return [
        m.implementation.code if m.implementation else f"event:{m.child.code}"  # type: ignore[union-attr]
        for m in LifeEventMember.objects.filter(life_event=event).select_related(
            "implementation", "child"
        )
    ]


def refused(call: Any, **kwargs: Any) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(**kwargs)
    return caught.value


def pointers(exc: DomainError) -> list[tuple[str, str]]:
    assert isinstance(exc, FieldErrors)
    return [(e["field"], e["code"]) for e in exc.details["errors"]]


def life_event_hits(q: str = "") -> list[str]:
    return [hit.key for hit in services.search_catalog(q, kind="life_event").hits]


# --- creating and changing ------------------------------------------------------------------


def test_create_a_life_event_of_implementations(
    implementation: Any, food: Any, catalog_editor: Any
) -> None:
    event = save(catalog_editor, members=[implementation.code, food.code])
    assert event.status == LifeEventStatus.DRAFT
    assert (event.region_id, event.department.code) == ("420106", "420106-SCJG")
    assert member_codes(event) == [implementation.code, food.code]
    [entry] = AuditEntry.objects.filter(action="catalog.life_event_created")
    assert entry.actor_id == catalog_editor.pk
    assert entry.details == {"code": "open_restaurant", "members": [implementation.code, food.code]}
    assert life_event_hits() == []  # a draft is not public


def test_a_life_event_may_contain_another(
    implementation: Any, food: Any, catalog_editor: Any
) -> None:
    save(catalog_editor, code="start_business", name="个体户开业", members=[implementation.code])
    event = save(catalog_editor, members=["event:start_business", food.code, implementation.code])
    assert member_codes(event) == ["event:start_business", food.code, implementation.code]
    # each implementation once, in order
    assert [i.code for i in services.flatten(event)] == [implementation.code, food.code]


def test_an_empty_life_event_is_refused(
    regions: Any, owning_department: Any, catalog_editor: Any
) -> None:
    exc = refused(services.save_life_event, actor=catalog_editor, data=event_data(members=[]))
    assert exc.code == "life_event_empty"
    assert pointers(exc) == [("members", "life_event_empty")]
    assert not LifeEvent.objects.exists()


def test_emptying_a_life_event_is_refused(implementation: Any, catalog_editor: Any) -> None:
    inner = save(catalog_editor, code="inner", members=[implementation.code])
    outer = save(catalog_editor, code="outer", members=["event:inner"])
    # emptying the inner event is refused, so the outer one can never become empty
    exc = refused(
        services.save_life_event, actor=catalog_editor, data=event_data("inner"), event=inner
    )
    assert exc.code == "life_event_empty"
    assert member_codes(outer) == ["event:inner"]


def test_unknown_members_are_named(implementation: Any, catalog_editor: Any) -> None:
    exc = refused(
        services.save_life_event,
        actor=catalog_editor,
        data=event_data(members=[implementation.code, "999.NOPE", "event:no_such_event"]),
    )
    assert exc.code == "life_event_invalid"
    assert pointers(exc) == [("members[1]", "member_unknown"), ("members[2]", "member_unknown")]
    assert not LifeEvent.objects.exists()


def test_a_repeated_member_is_named(implementation: Any, food: Any, catalog_editor: Any) -> None:
    exc = refused(
        services.save_life_event,
        actor=catalog_editor,
        data=event_data(members=[implementation.code, food.code, implementation.code]),
    )
    assert pointers(exc) == [("members[2]", "duplicate")]
    assert not LifeEvent.objects.exists()


def test_a_cycle_is_refused_with_the_cycle(
    implementation: Any, food: Any, catalog_editor: Any
) -> None:
    b = save(catalog_editor, code="B", name="乙", members=[food.code])
    save(catalog_editor, code="A", name="甲", members=[implementation.code, "event:B"])

    exc = refused(
        services.save_life_event,
        actor=catalog_editor,
        data=event_data("B", name="乙", members=[food.code, "event:A"]),
        event=b,
    )
    assert exc.code == "life_event_circular"
    [error] = exc.details["errors"]
    assert (error["field"], error["code"]) == ("members", "life_event_circular")
    assert error["cycle"] == ["B", "A", "B"]
    assert "B → A → B" in error["message"]
    assert member_codes(b) == [food.code]  # unchanged
    assert not AuditEntry.objects.filter(action="catalog.life_event_updated").exists()


def test_a_longer_cycle_is_found(implementation: Any, catalog_editor: Any) -> None:
    c = save(catalog_editor, code="C", members=[implementation.code])
    save(catalog_editor, code="B", members=["event:C"])
    save(catalog_editor, code="A", members=["event:B"])
    exc = refused(
        services.save_life_event,
        actor=catalog_editor,
        data=event_data("C", members=[implementation.code, "event:A"]),
        event=c,
    )
    assert exc.details["errors"][0]["cycle"] == ["C", "A", "B", "C"]


def test_a_life_event_cannot_contain_itself(implementation: Any, catalog_editor: Any) -> None:
    exc = refused(
        services.save_life_event,
        actor=catalog_editor,
        data=event_data(members=[implementation.code, "event:open_restaurant"]),
    )
    assert exc.code == "life_event_circular"
    assert exc.details["errors"][0]["cycle"] == ["open_restaurant", "open_restaurant"]
    assert not LifeEvent.objects.exists()

    event = save(catalog_editor, members=[implementation.code])
    exc = refused(
        services.save_life_event,
        actor=catalog_editor,
        data=event_data(members=["event:open_restaurant"]),
        event=event,
    )
    assert exc.code == "life_event_circular"
    assert exc.details["errors"][0]["cycle"] == ["open_restaurant", "open_restaurant"]
    assert member_codes(event) == [implementation.code]


def test_the_code_is_unique_and_fixed(implementation: Any, catalog_editor: Any) -> None:
    event = save(catalog_editor, members=[implementation.code])
    exc = refused(
        services.save_life_event,
        actor=catalog_editor,
        data=event_data(members=[implementation.code]),
    )
    assert exc.status == 409
    assert pointers(exc) == [("code", "code_taken")]
    exc = refused(
        services.save_life_event,
        actor=catalog_editor,
        data=event_data("renamed", members=[implementation.code]),
        event=event,
    )
    assert pointers(exc) == [("code", "code_fixed")]
    assert list(LifeEvent.objects.values_list("code", flat=True)) == ["open_restaurant"]


def test_an_outsider_cannot_make_a_life_event_for_another_department(
    implementation: Any, outsider: Any, other_department: Any
) -> None:
    other_admin = StaffFactory(
        username="other_admin", role="department_admin", department=other_department
    )
    for actor in (outsider, other_admin):
        exc = refused(
            services.save_life_event,
            actor=actor,
            data=event_data(members=[implementation.code]),
        )
        assert exc.status == 403
    assert not LifeEvent.objects.exists()


# --- publication ----------------------------------------------------------------------------


def test_publish_is_refused_while_a_member_is_unpublished(
    published: Any, food: Any, catalog_editor: Any, reviewer: Any
) -> None:
    event = save(catalog_editor, members=[published.code, food.code])
    exc = refused(services.set_life_event_status, actor=reviewer, event=event, status="published")
    assert exc.status == 409
    assert pointers(exc) == [("members", "member_unpublished")]
    assert food.code in exc.details["errors"][0]["message"]
    assert published.code not in exc.details["errors"][0]["message"]
    event.refresh_from_db()
    assert event.status == LifeEventStatus.DRAFT
    assert life_event_hits() == []


def test_an_unpublished_member_inside_a_sub_event_also_blocks(
    published: Any, food: Any, catalog_editor: Any, reviewer: Any
) -> None:
    save(catalog_editor, code="food_only", members=[food.code])
    event = save(catalog_editor, members=[published.code, "event:food_only"])
    exc = refused(services.set_life_event_status, actor=reviewer, event=event, status="published")
    assert pointers(exc) == [("members", "member_unpublished")]


def test_publish_and_withdraw_update_search(
    published: Any, food_published: Any, catalog_editor: Any, reviewer: Any
) -> None:
    event = save(catalog_editor, members=[published.code, food_published.code])

    exc = refused(
        services.set_life_event_status, actor=catalog_editor, event=event, status="published"
    )
    assert exc.status == 403
    assert life_event_hits() == []

    services.set_life_event_status(actor=reviewer, event=event, status="published")
    event.refresh_from_db()
    assert event.status == LifeEventStatus.PUBLISHED
    [entry] = AuditEntry.objects.filter(action="catalog.life_event_published")
    assert entry.actor_id == reviewer.pk

    assert life_event_hits("开办餐饮店") == ["event:open_restaurant"]
    assert life_event_hits("canyin") == ["event:open_restaurant"]
    [hit] = services.search_catalog("餐饮", kind="life_event").hits
    assert hit.title == "开办餐饮店"
    assert hit.data["items"] == 2
    assert "open_restaurant" in hit.url
    # the implementations stay apart from life events in a filtered search
    assert "event:open_restaurant" not in [
        h.key for h in services.search_catalog("", kind="implementation").hits
    ]
    assert "event:open_restaurant" in [
        h.key for h in services.search_catalog("", region="4201").hits
    ]
    assert "event:open_restaurant" not in [
        h.key for h in services.search_catalog("", region="4205").hits
    ]

    # a change to a published life event shows in search at once
    save(
        catalog_editor,
        event=event,
        name="开办小餐馆",
        members=[published.code, food_published.code],
    )
    assert life_event_hits("小餐馆") == ["event:open_restaurant"]

    services.set_life_event_status(actor=catalog_editor, event=event, status="withdrawn")
    event.refresh_from_db()
    assert event.status == LifeEventStatus.WITHDRAWN
    assert life_event_hits() == []
    assert AuditEntry.objects.filter(action="catalog.life_event_withdrawn").count() == 1


def test_an_unknown_status_is_refused(
    implementation: Any, catalog_editor: Any, reviewer: Any
) -> None:
    event = save(catalog_editor, members=[implementation.code])
    exc = refused(services.set_life_event_status, actor=reviewer, event=event, status="draft")
    assert exc.code == "status_transition_invalid"
    event.refresh_from_db()
    assert event.status == LifeEventStatus.DRAFT


# --- the merged form and materials ----------------------------------------------------------


def test_the_merged_form_asks_each_meaning_once(
    implementation: Any, food: Any, catalog_editor: Any
) -> None:
    event = save(catalog_editor, members=[implementation.code, food.code])
    merged = services.merged(event)
    assert [i.code for i in merged.implementations] == [implementation.code, food.code]
    properties = merged.form.schema["properties"]
    assert list(properties) == ["applicant_name", "applicant_id_number", "shop_name", "area"]
    assert properties["applicant_name"]["title"] == "申请人姓名"
    assert merged.form.schema["required"] == ["applicant_name", "applicant_id_number", "area"]
    assert merged.form.sources["applicant.name"] == [implementation.code, food.code]
    assert merged.form.sources["area"] == [food.code]


def test_the_merged_materials_ask_each_material_once(
    implementation: Any, food: Any, catalog_editor: Any
) -> None:
    event = save(catalog_editor, members=[implementation.code, food.code])
    materials = {m["meaning"]: m for m in services.merged(event).materials}
    assert list(materials) == [
        "name:个体工商户登记(备案)申请书",
        "applicant.id_card",
        "name:经营场所使用证明",
        "name:食品经营许可申请书",
    ]
    id_card = materials["applicant.id_card"]
    assert id_card["sources"] == [implementation.code, food.code]
    assert id_card["name"] == "经营者身份证明"  # the first member's wording
    assert id_card["required"] is True
    # the licence is enough for one item but the other wants an upload
    assert id_card["exempt_possible"] is False
    assert id_card["copies"] == 2
    premises = materials["name:经营场所使用证明"]
    assert premises["sources"] == [implementation.code, food.code]
    assert premises["required"] is True  # optional for one item, required by the other
    assert materials["name:食品经营许可申请书"]["sources"] == [food.code]


def test_a_material_exempt_in_every_member_stays_exempt(
    implementation: Any, food: Any, item_owner: Any, catalog_editor: Any
) -> None:
    # the food item now lets the ID-card licence stand in for the copy, as the first does
    data = food_item_data()
    data["materials"][1].update(source="licence", license_type="resident_id_card")
    services.update_item(actor=item_owner, item=food.item, data=ItemIn(**data))
    services.update_draft(
        actor=catalog_editor,
        version=food.versions.get(),
        data=VersionIn(materials=data["materials"]),
    )
    event = save(catalog_editor, members=[implementation.code, food.code])
    id_card = {m["meaning"]: m for m in services.merged(event).materials}["applicant.id_card"]
    assert id_card["exempt_possible"] is True
    assert id_card["sources"] == [implementation.code, food.code]


def test_a_form_conflict_blocks_publication(
    published: Any, food: Any, catalog_editor: Any, reviewer: Any
) -> None:
    conflicting = {
        "type": "object",
        "properties": {
            "operator_id": {
                "type": "integer",
                "title": "经营者身份证号",
                "x-meaning": "applicant.id_number",
            }
        },
    }
    services.update_draft(
        actor=catalog_editor,
        version=food.versions.get(),
        data=VersionIn(form_schema=conflicting),
    )
    publish(food, catalog_editor, reviewer)
    event = save(catalog_editor, members=[published.code, food.code])
    exc = refused(services.set_life_event_status, actor=reviewer, event=event, status="published")
    assert exc.code == "life_event_form_conflict"
    [error] = exc.details["errors"]
    assert published.code in error["message"] and food.code in error["message"]
    event.refresh_from_db()
    assert event.status == LifeEventStatus.DRAFT
    assert life_event_hits() == []


@pytest.mark.django_db
def test_withdrawing_a_member_withdraws_the_published_life_events_containing_it(
    published: Any, reviewer: Any, catalog_editor: Any
) -> None:
    from yiwang.catalog.models import LifeEventStatus
    from yiwang.catalog.schemas import LifeEventIn
    from yiwang.kernel.models import AuditEntry

    inner = services.save_life_event(
        actor=catalog_editor,
        data=LifeEventIn(
            code="INNER",
            name="个体开业",
            department_code="420106-SCJG",
            service_objects=["citizen"],
            members=[published.code],
        ),
    )
    outer = services.save_life_event(
        actor=catalog_editor,
        data=LifeEventIn(
            code="OUTER",
            name="开办小店",
            department_code="420106-SCJG",
            service_objects=["citizen"],
            members=["event:INNER"],
        ),
    )
    for event in (inner, outer):
        services.set_life_event_status(actor=reviewer, event=event, status="published")
    assert services.search_catalog("开办小店", kind="life_event").total == 1

    services.withdraw(actor=reviewer, implementation=published, reason="法规调整")

    for event in (inner, outer):
        event.refresh_from_db()
        assert event.status == LifeEventStatus.WITHDRAWN
    assert services.search_catalog("开办小店", kind="life_event").total == 0
    assert AuditEntry.objects.filter(action="catalog.life_event_withdrawn").count() == 2


@pytest.mark.django_db
def test_a_member_republished_under_a_new_name_is_found_through_its_life_event(
    published: Any, reviewer: Any, catalog_editor: Any, item_owner: Any
) -> None:
    event = services.save_life_event(
        actor=catalog_editor,
        data=LifeEventIn(
            code="SHOP",
            name="开办小店",
            department_code="420106-SCJG",
            service_objects=["citizen"],
            members=[published.code],
        ),
    )
    services.set_life_event_status(actor=reviewer, event=event, status="published")
    assert services.search_catalog("经营者登记", kind="life_event").total == 0

    # the master item is renamed; the implementation's next version re-inherits the name
    services.update_item(
        actor=item_owner, item=published.item, data=ItemIn(**item_data(name="个体经营者登记"))
    )
    draft = services.revise(actor=catalog_editor, implementation=published)
    services.submit(actor=catalog_editor, version=draft)
    services.publish(actor=reviewer, version=draft)

    hits = services.search_catalog("经营者登记", kind="life_event").hits
    assert [h.key for h in hits] == ["event:SHOP"]
