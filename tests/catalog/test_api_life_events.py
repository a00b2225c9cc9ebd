"""Life events (一件事) through the API: saving, publishing and withdrawing with the shared
access checks, refusals of empty, unknown and circular bundles, who may read what, and the
merged form and material list."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.access import check_access
from tests.catalog.fixtures import item_data
from tests.catalog.test_api import API, assert_error, pointers, send, signed_in
from yiwang.catalog import services
from yiwang.catalog.models import LifeEvent, LifeEventMember
from yiwang.catalog.schemas import ItemIn, LifeEventIn, VersionIn
from yiwang.kernel.models import AuditEntry

pytestmark = pytest.mark.django_db

EVENTS = f"{API}/life-events"
FOOD_FORM = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "title": "经营者姓名", "x-meaning": "applicant.name"},
        "address": {"type": "string", "title": "经营场所"},
    },
    "required": ["name", "address"],
}


def event_data(members: list[str], **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "code": "KBGTD",
        "name": "开办个体店",
        "description": "个体工商户登记与食品经营许可一次办。",
        "department_code": "420106-SCJG",
        "service_objects": ["citizen"],
        "themes": ["establishment"],
        "promised_limit_days": 5,
        "members": members,
    }
    data.update(overrides)
    return data


def save(actor: Any, members: list[str], **overrides: Any) -> LifeEvent:
    return services.save_life_event(
        actor=actor, data=LifeEventIn(**event_data(members, **overrides))
    )


def snapshot() -> list[tuple[Any, ...]]:
    events = list(LifeEvent.objects.values_list("code", "name", "status").order_by("code"))
    members = list(
        LifeEventMember.objects.values_list(
            "life_event__code", "implementation__code", "child__code"
        ).order_by("life_event__code", "position")
    )
    return [*events, *members]


@pytest.fixture
def food_published(
    item_owner: Any, owning_department: Any, catalog_editor: Any, reviewer: Any
) -> Any:
    """食品经营许可 by 武昌区市场监督管理局, published; it asks for the applicant's name and
    identity card too."""
    item = services.create_item(
        actor=item_owner,
        data=ItemIn(
            **item_data(
                code="000105002000",
                name="食品经营许可",
                result_name="食品经营许可证",
                result_license_type="food_business_licence",
                materials=[
                    {
                        "code": "F01",
                        "name": "身份证",
                        "copies": 2,
                        "source": "licence",
                        "license_type": "resident_id_card",
                        "meaning": "applicant.id_card",
                    },
                    {"code": "F02", "name": "食品安全管理制度", "required": True},
                ],
            )
        ),
    )
    implementation = services.create_implementation(
        actor=catalog_editor,
        item=item,
        department=owning_department,
        data=VersionIn(promised_limit_days=10, form_schema=FOOD_FORM),
    )
    version = implementation.versions.get()
    services.submit(actor=catalog_editor, version=version)
    services.publish(actor=reviewer, version=version)
    implementation.refresh_from_db()
    return implementation


# --- saving -------------------------------------------------------------------------------


def test_catalogue_staff_create_a_life_event(
    published: Any, catalog_editor: Any, outsider: Any
) -> None:
    response = check_access(
        method="post",
        url=EVENTS,
        data=lambda: event_data([published.code]),
        denied=outsider,
        denied_status=403,
        permitted=catalog_editor,
        permitted_status=201,
        audit_action="catalog.life_event_created",
        state=snapshot,
    )
    assert response.json() == {
        "code": "KBGTD",
        "name": "开办个体店",
        "description": "个体工商户登记与食品经营许可一次办。",
        "region_code": "420106",
        "department_code": "420106-SCJG",
        "service_objects": ["citizen"],
        "themes": ["establishment"],
        "status": "draft",
        "promised_limit_days": 5,
        "members": [published.code],
    }


def test_an_empty_life_event_is_refused(catalog_editor: Any) -> None:
    response = send(signed_in(catalog_editor), "post", EVENTS, event_data([]))
    body = assert_error(response, 422, "life_event_empty")
    assert pointers(body) == [("members", "life_event_empty")]
    assert not LifeEvent.objects.exists()


def test_unknown_and_duplicate_members_are_refused_at_their_position(
    published: Any, catalog_editor: Any
) -> None:
    members = [published.code, "no-such-implementation", "event:NOPE", published.code]
    response = send(signed_in(catalog_editor), "post", EVENTS, event_data(members))
    body = assert_error(response, 422, "life_event_invalid")
    assert pointers(body) == [
        ("members[1]", "member_unknown"),
        ("members[2]", "member_unknown"),
        ("members[3]", "duplicate"),
    ]
    assert not LifeEvent.objects.exists()


def test_a_life_event_of_an_unknown_department_is_refused(published: Any, catalog_editor: Any):
    data = event_data([published.code], department_code="NO-SUCH")
    response = send(signed_in(catalog_editor), "post", EVENTS, data)
    assert pointers(assert_error(response, 422, "department_unknown")) == [
        ("department_code", "department_unknown")
    ]


def test_a_circular_life_event_is_refused_naming_the_cycle(
    published: Any, catalog_editor: Any
) -> None:
    save(catalog_editor, [published.code], code="B", name="乙")
    save(catalog_editor, ["event:B"], code="A", name="甲")
    before = snapshot()
    audit_before = AuditEntry.objects.count()

    response = send(
        signed_in(catalog_editor),
        "put",
        f"{EVENTS}/B",
        event_data([published.code, "event:A"], code="B", name="乙"),
    )

    body = assert_error(response, 422, "life_event_circular")
    [error] = body["details"]["errors"]
    assert (error["field"], error["code"]) == ("members", "life_event_circular")
    assert error["cycle"] == ["B", "A", "B"]
    assert snapshot() == before
    assert AuditEntry.objects.count() == audit_before


def test_a_life_event_cannot_contain_itself(published: Any, catalog_editor: Any) -> None:
    save(catalog_editor, [published.code])
    data = event_data([published.code, "event:KBGTD"])
    response = send(signed_in(catalog_editor), "put", f"{EVENTS}/KBGTD", data)
    assert_error(response, 422, "life_event_circular")


def test_catalogue_staff_update_a_life_event(
    published: Any, food_published: Any, catalog_editor: Any, outsider: Any
) -> None:
    save(catalog_editor, [published.code])
    response = check_access(
        method="put",
        url=f"{EVENTS}/KBGTD",
        data=lambda: event_data([published.code, food_published.code], name="开办小餐饮店"),
        denied=outsider,
        denied_status=403,
        permitted=catalog_editor,
        permitted_status=200,
        audit_action="catalog.life_event_updated",
        state=snapshot,
    )
    body = response.json()
    assert body["name"] == "开办小餐饮店"
    assert body["members"] == [published.code, food_published.code]


def test_the_code_of_a_life_event_cannot_change(published: Any, catalog_editor: Any) -> None:
    save(catalog_editor, [published.code])
    data = event_data([published.code], code="OTHER")
    response = send(signed_in(catalog_editor), "put", f"{EVENTS}/KBGTD", data)
    assert pointers(assert_error(response, 422, "life_event_invalid")) == [("code", "code_fixed")]
    assert_error(
        send(signed_in(catalog_editor), "put", f"{EVENTS}/NOPE", event_data([published.code])),
        404,
        "not_found",
    )


def test_a_taken_life_event_code_is_a_conflict(published: Any, catalog_editor: Any) -> None:
    save(catalog_editor, [published.code])
    response = send(signed_in(catalog_editor), "post", EVENTS, event_data([published.code]))
    assert pointers(assert_error(response, 409, "life_event_invalid")) == [("code", "code_taken")]


# --- publication --------------------------------------------------------------------------


def test_a_reviewer_publishes_a_life_event(
    published: Any, catalog_editor: Any, reviewer: Any, outsider: Any
) -> None:
    save(catalog_editor, [published.code])
    response = check_access(
        method="post",
        url=f"{EVENTS}/KBGTD/publish",
        denied=outsider,
        denied_status=403,
        permitted=reviewer,
        permitted_status=200,
        audit_action="catalog.life_event_published",
        state=snapshot,
    )
    assert response.json()["status"] == "published"
    hits = Client().get(f"{API}/search", {"q": "开办个体店"}).json()["results"]
    assert [h["key"] for h in hits] == ["event:KBGTD"]


def test_catalogue_staff_cannot_publish_a_life_event(published: Any, catalog_editor: Any) -> None:
    save(catalog_editor, [published.code])
    response = signed_in(catalog_editor).post(f"{EVENTS}/KBGTD/publish")
    assert_error(response, 403, "permission_denied")
    assert LifeEvent.objects.get().status == "draft"


def test_a_life_event_with_an_unpublished_member_cannot_be_published(
    implementation: Any, catalog_editor: Any, reviewer: Any
) -> None:
    save(catalog_editor, [implementation.code])
    response = signed_in(reviewer).post(f"{EVENTS}/KBGTD/publish")
    body = assert_error(response, 409, "life_event_invalid")
    assert pointers(body) == [("members", "member_unpublished")]
    assert implementation.code in body["details"]["errors"][0]["message"]
    assert LifeEvent.objects.get().status == "draft"


def test_catalogue_staff_withdraw_a_life_event(
    published: Any, catalog_editor: Any, reviewer: Any, outsider: Any
) -> None:
    event = save(catalog_editor, [published.code])
    services.set_life_event_status(actor=reviewer, event=event, status="published")
    response = check_access(
        method="post",
        url=f"{EVENTS}/KBGTD/withdraw",
        denied=outsider,
        denied_status=403,
        permitted=catalog_editor,
        permitted_status=200,
        audit_action="catalog.life_event_withdrawn",
        state=snapshot,
    )
    assert response.json()["status"] == "withdrawn"
    assert_error(Client().get(f"{EVENTS}/KBGTD"), 404, "not_found")
    assert Client().get(f"{API}/search", {"q": "开办个体店"}).json()["total"] == 0


def test_acting_on_a_missing_life_event_is_not_found(reviewer: Any) -> None:
    assert_error(signed_in(reviewer).post(f"{EVENTS}/NOPE/publish"), 404, "not_found")
    assert_error(signed_in(reviewer).post(f"{EVENTS}/NOPE/withdraw"), 404, "not_found")


# --- reading ------------------------------------------------------------------------------


def test_the_public_sees_published_life_events_and_staff_their_drafts(
    published: Any, catalog_editor: Any, reviewer: Any, clerk: Any, outsider: Any
) -> None:
    shown = save(catalog_editor, [published.code], code="SHOWN", name="已发布的一件事")
    services.set_life_event_status(actor=reviewer, event=shown, status="published")
    save(catalog_editor, [published.code], code="DRAFT", name="草稿")

    def codes(client: Client) -> list[str]:
        body = client.get(EVENTS).json()
        assert body["count"] == len(body["items"])
        return [e["code"] for e in body["items"]]

    assert codes(Client()) == ["SHOWN"]
    assert codes(signed_in(outsider)) == ["SHOWN"]
    assert codes(signed_in(clerk)) == ["DRAFT", "SHOWN"]

    assert Client().get(f"{EVENTS}/SHOWN").json()["members"] == [published.code]
    assert_error(Client().get(f"{EVENTS}/DRAFT"), 404, "not_found")
    assert_error(signed_in(outsider).get(f"{EVENTS}/DRAFT"), 404, "not_found")
    assert signed_in(clerk).get(f"{EVENTS}/DRAFT").json()["status"] == "draft"
    assert_error(Client().get(f"{EVENTS}/NOPE"), 404, "not_found")


def test_the_life_event_list_pages(published: Any, catalog_editor: Any, reviewer: Any) -> None:
    for code in ("E1", "E2", "E3"):
        event = save(catalog_editor, [published.code], code=code)
        services.set_life_event_status(actor=reviewer, event=event, status="published")
    body = Client().get(EVENTS, {"limit": 2, "offset": 1}).json()
    assert body["count"] == 3
    assert [e["code"] for e in body["items"]] == ["E2", "E3"]


def test_the_merged_form_and_materials_ask_each_thing_once(
    published: Any, food_published: Any, catalog_editor: Any, reviewer: Any
) -> None:
    child = save(catalog_editor, [food_published.code], code="SPJY", name="食品经营")
    event = save(catalog_editor, [published.code, "event:SPJY"])
    services.set_life_event_status(actor=reviewer, event=child, status="published")
    services.set_life_event_status(actor=reviewer, event=event, status="published")

    body = Client().get(f"{EVENTS}/KBGTD/merged").json()

    assert body["code"] == "KBGTD"
    assert body["implementations"] == [published.code, food_published.code]
    properties = body["form_schema"]["properties"]
    # 申请人姓名 (个体工商户) and 经营者姓名 (食品经营) mean the same: asked once
    assert list(properties) == ["applicant_name", "applicant_id_number", "shop_name", "address"]
    assert body["form_ui"]["order"] == list(properties)
    id_card = next(m for m in body["materials"] if m["meaning"] == "applicant.id_card")
    assert id_card["sources"] == [published.code, food_published.code]
    assert id_card["copies"] == 2
    assert id_card["exempt_possible"] is True
    assert len(body["materials"]) == 4  # M01, id card, M03, F02


def test_a_draft_merged_form_is_for_staff_in_scope(
    published: Any, catalog_editor: Any, clerk: Any, outsider: Any
) -> None:
    save(catalog_editor, [published.code])
    assert_error(Client().get(f"{EVENTS}/KBGTD/merged"), 404, "not_found")
    assert_error(signed_in(outsider).get(f"{EVENTS}/KBGTD/merged"), 404, "not_found")
    body = signed_in(clerk).get(f"{EVENTS}/KBGTD/merged").json()
    assert body["implementations"] == [published.code]


def test_conflicting_forms_are_reported_when_merging(
    published: Any, item_owner: Any, owning_department: Any, catalog_editor: Any, clerk: Any
) -> None:
    item = services.create_item(
        actor=item_owner,
        data=ItemIn(**item_data(code="000105003000", name="其他登记", materials=[])),
    )
    other = services.create_implementation(
        actor=catalog_editor,
        item=item,
        department=owning_department,
        data=VersionIn(
            promised_limit_days=3,
            form_schema={
                "type": "object",
                "properties": {
                    "who": {"type": "integer", "title": "申请人", "x-meaning": "applicant.name"}
                },
            },
        ),
    )
    save(catalog_editor, [published.code, other.code])
    body = assert_error(
        signed_in(clerk).get(f"{EVENTS}/KBGTD/merged"), 409, "life_event_form_conflict"
    )
    assert pointers(body) == [(f"{other.code}/form_schema/properties/who", "form_field_conflict")]
