"""The staff pages for master items and life events, through Django's test client. Refusals
also check that nothing changed."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.catalog.fixtures import item_data, make_life_event, publish_item
from tests.factories import StaffFactory
from yiwang.catalog.models import LifeEvent, ServiceItem
from yiwang.kernel.models import AuditEntry

pytestmark = pytest.mark.django_db


def url(name: str, *args: Any) -> str:
    return reverse(f"catalog:{name}", args=args)


def signed_in(client: Client, user: Any) -> Client:
    client.force_login(user)
    return client


def text(response: Any) -> str:
    return html.unescape(response.content.decode())


def summary_links(response: Any) -> list[tuple[str, str]]:
    """The error summary's (href, text) pairs."""
    page = response.content.decode()
    block = page[page.index('class="error-summary"') :]
    block = block[: block.index("</ul>")]
    return [
        (href, html.unescape(label))
        for href, label in re.findall(r'<a href="([^"]+)">([^<]*)</a>', block)
    ]


def item_form(**overrides: Any) -> dict[str, Any]:
    """What the item editor sends for :func:`item_data` (with ``overrides`` applied)."""
    data = item_data(**overrides)
    posted: dict[str, Any] = {
        key: data[key]
        for key in (
            "code",
            "name",
            "item_type",
            "department_code",
            "legal_basis",
            "handling_levels",
            "service_objects",
            "themes",
            "channels",
            "acceptance_conditions",
            "process_description",
            "result_type",
            "result_name",
            "result_license_type",
            "max_trips",
        )
    }
    posted["statutory_limit_days"] = data["statutory_limit_days"] or ""
    for i, fee in enumerate(data["fees"]):
        for attr in ("name", "amount", "basis"):
            posted[f"fee_{i}_{attr}"] = fee.get(attr, "")
    posted["fee_rows"] = len(data["fees"])
    for i, material in enumerate(data["materials"]):
        posted[f"mat_{i}_code"] = material["code"]
        posted[f"mat_{i}_name"] = material["name"]
        posted[f"mat_{i}_form"] = material.get("form", "electronic")
        posted[f"mat_{i}_copies"] = material.get("copies", 1)
        if material.get("required", True):
            posted[f"mat_{i}_required"] = "on"
        posted[f"mat_{i}_source"] = material.get("source", "upload")
        for attr in ("license_type", "shared_data", "meaning", "note"):
            posted[f"mat_{i}_{attr}"] = material.get(attr, "")
    posted["mat_rows"] = len(data["materials"])
    return posted


def item_snapshot(code: str) -> list[Any]:
    item = ServiceItem.objects.get(code=code)
    materials = [(m.code, m.name, m.copies, m.required) for m in item.materials.all()]
    return [item.name, item.revision, item.fees, materials, AuditEntry.objects.count()]


# --- who may open the pages ------------------------------------------------------------------

PAGES = ["staff-items", "staff-item-new", "staff-life-events", "staff-life-event-new"]


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_visitor_is_sent_to_staff_sign_in(client: Client, name: str) -> None:
    response = client.get(url(name))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("identity:staff-login"))


@pytest.mark.parametrize("name", PAGES)
def test_citizen_is_refused(client: Client, citizen: Any, regions: Any, name: str) -> None:
    response = signed_in(client, citizen).get(url(name))

    assert response.status_code == 403


def test_window_clerk_may_list_but_not_create(client: Client, clerk: Any) -> None:
    signed_in(client, clerk)

    assert client.get(url("staff-items")).status_code == 200
    assert client.get(url("staff-life-events")).status_code == 200
    assert client.get(url("staff-item-new")).status_code == 403
    assert client.get(url("staff-life-event-new")).status_code == 403


def test_nav_links_to_items_and_life_events(client: Client, catalog_editor: Any) -> None:
    response = signed_in(client, catalog_editor).get(url("staff-list"))

    assert f'href="{url("staff-items")}"' in text(response)
    assert f'href="{url("staff-life-events")}"' in text(response)


# --- the item list ---------------------------------------------------------------------------


def test_item_owner_sees_the_item_with_an_edit_link(client: Client, item: Any) -> None:
    owner = StaffFactory(username="owner2", role="department_admin", department=item.department)

    response = signed_in(client, owner).get(url("staff-items"))

    assert response.status_code == 200
    assert "个体工商户设立登记" in text(response)
    assert f'href="{url("staff-item-edit", item.code)}"' in text(response)


def test_item_list_filters_by_text_type_and_department(
    client: Client, item: Any, reviewer: Any
) -> None:
    signed_in(client, reviewer)

    assert item.name in text(client.get(url("staff-items"), {"q": "个体"}))
    assert item.name not in text(client.get(url("staff-items"), {"q": "不存在的事项"}))
    assert item.name not in text(client.get(url("staff-items"), {"item_type": "payment"}))
    assert item.name in text(client.get(url("staff-items"), {"item_type": "licensing"}))
    found = client.get(url("staff-items"), {"department": item.department_id})
    assert item.name in text(found)


def test_item_list_hides_items_out_of_scope(client: Client, item: Any, outsider: Any) -> None:
    response = signed_in(client, outsider).get(url("staff-items"))

    assert response.status_code == 200
    assert item.name not in text(response)


# --- editing an item -------------------------------------------------------------------------


def test_edit_page_shows_the_item(client: Client, item: Any, item_owner: Any) -> None:
    response = signed_in(client, item_owner).get(url("staff-item-edit", item.code))

    assert response.status_code == 200
    page = text(response)
    assert "修改事项：个体工商户设立登记" in page
    assert 'value="经营场所使用证明"' in page
    assert 'name="code"' not in page  # the code is shown, not editable


def test_item_owner_renames_the_item_and_the_audit_row_is_written(
    client: Client, item: Any, item_owner: Any
) -> None:
    before = AuditEntry.objects.count()

    response = signed_in(client, item_owner).post(
        url("staff-item-edit", item.code), item_form(name="个体工商户设立登记（新）")
    )

    assert response.status_code == 302
    assert response["Location"] == url("staff-item-edit", item.code)
    item.refresh_from_db()
    assert item.name == "个体工商户设立登记（新）"
    assert item.revision == 2
    assert [m.code for m in item.materials.all()] == ["M01", "M02", "M03"]
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry is not None and entry.action == "catalog.item_updated"
    assert entry.details["changed"] == ["name"]
    assert AuditEntry.objects.count() == before + 1
    assert "已保存" in text(client.get(response["Location"]))


def test_a_posted_code_cannot_change_the_items_code(
    client: Client, item: Any, item_owner: Any
) -> None:
    response = signed_in(client, item_owner).post(
        url("staff-item-edit", item.code), item_form(code="999", name="改名")
    )

    assert response.status_code == 302
    assert ServiceItem.objects.filter(code=item.code, name="改名").exists()
    assert not ServiceItem.objects.filter(code="999").exists()


def test_adding_a_material_row_and_a_material(client: Client, item: Any, item_owner: Any) -> None:
    signed_in(client, item_owner)
    form = item_form()

    more = client.post(url("staff-item-edit", item.code), {**form, "add": "mat"})

    assert more.status_code == 200
    assert 'name="mat_4_code"' in text(more)  # three filled rows, a blank one, one more
    assert "error-summary" not in text(more)
    assert ServiceItem.objects.get(code=item.code).revision == 1
    form.update(mat_3_code="M04", mat_3_name="食品安全承诺书", mat_3_copies=1, mat_rows=5)
    form.update(mat_3_form="original", mat_3_source="upload", mat_3_required="on")
    saved = client.post(url("staff-item-edit", item.code), form)
    assert saved.status_code == 302
    assert [m.code for m in item.materials.all()] == ["M01", "M02", "M03", "M04"]


def test_bad_input_is_listed_in_the_summary_and_nothing_changes(
    client: Client, item: Any, item_owner: Any
) -> None:
    before = item_snapshot(item.code)
    form = item_form(name="", max_trips=9)
    form["fee_0_amount"] = "abc"

    response = signed_in(client, item_owner).post(url("staff-item-edit", item.code), form)

    assert response.status_code == 422
    links = dict(summary_links(response))
    assert "请输入事项名称" in links["#id_name"]
    assert "#id_max_trips" in links
    assert "请输入金额" in links["#id_fee_0_amount"]
    assert item_snapshot(item.code) == before
    assert re.search(r"<title>\s*错误：", text(response))


def test_service_refusals_land_on_the_material_row(
    client: Client, item: Any, item_owner: Any
) -> None:
    before = item_snapshot(item.code)
    form = item_form()
    form["mat_2_code"] = "M01"

    response = signed_in(client, item_owner).post(url("staff-item-edit", item.code), form)

    assert response.status_code == 422
    links = dict(summary_links(response))
    assert "材料编码 M01 重复" in links["#id_mat_2_code"]
    assert item_snapshot(item.code) == before


def test_schema_refusals_land_on_the_material_row(
    client: Client, item: Any, item_owner: Any
) -> None:
    before = item_snapshot(item.code)
    form = item_form()
    form["mat_1_code"] = "bad code!"

    response = signed_in(client, item_owner).post(url("staff-item-edit", item.code), form)

    assert response.status_code == 422
    assert "#id_mat_1_code" in dict(summary_links(response))
    assert item_snapshot(item.code) == before


def test_licence_result_without_licence_type_is_refused(
    client: Client, item: Any, item_owner: Any
) -> None:
    before = item_snapshot(item.code)

    response = signed_in(client, item_owner).post(
        url("staff-item-edit", item.code), item_form(result_license_type="")
    )

    assert response.status_code == 422
    assert "电子证照类型" in dict(summary_links(response))["#id_result_license_type"]
    assert item_snapshot(item.code) == before


@pytest.mark.parametrize("who", ["outsider", "catalog_editor"])
def test_staff_of_another_department_cannot_edit_the_item(
    client: Client, item: Any, who: str, request: Any
) -> None:
    user = request.getfixturevalue(who)
    before = item_snapshot(item.code)
    signed_in(client, user)

    shown = client.get(url("staff-item-edit", item.code))
    posted = client.post(url("staff-item-edit", item.code), item_form(name="被改了"))

    assert shown.status_code in {403, 404}
    assert posted.status_code in {403, 404}
    assert item_snapshot(item.code) == before


def test_unknown_item_is_404(client: Client, item_owner: Any) -> None:
    response = signed_in(client, item_owner).get(url("staff-item-edit", "nope"))

    assert response.status_code == 404


# --- a new item ------------------------------------------------------------------------------


def test_item_owner_creates_an_item(client: Client, item_owner: Any) -> None:
    signed_in(client, item_owner)
    assert client.get(url("staff-item-new")).status_code == 200

    response = client.post(url("staff-item-new"), item_form(code="000105009000", name="新事项"))

    assert response.status_code == 302
    created = ServiceItem.objects.get(code="000105009000")
    assert created.name == "新事项"
    assert created.materials.count() == 3
    assert AuditEntry.objects.filter(action="catalog.item_created").exists()


def test_a_taken_code_is_refused(client: Client, item: Any, item_owner: Any) -> None:
    count = ServiceItem.objects.count()

    response = signed_in(client, item_owner).post(url("staff-item-new"), item_form())

    assert response.status_code == 422
    assert "已存在" in dict(summary_links(response))["#id_code"]
    assert ServiceItem.objects.count() == count


def test_an_empty_new_item_lists_every_missing_field(client: Client, item_owner: Any) -> None:
    response = signed_in(client, item_owner).post(url("staff-item-new"), {})

    assert response.status_code == 422
    links = dict(summary_links(response))
    for anchor in ("#id_code", "#id_name", "#id_item_type", "#id_legal_basis"):
        assert anchor in links
    assert "#id_handling_levels_0" in links
    assert ServiceItem.objects.count() == 0


# --- life events -----------------------------------------------------------------------------


def event_form(members: list[str], **fields: Any) -> dict[str, Any]:
    data = {
        "code": "restaurant",
        "name": "开办餐饮店",
        "description": "一次申请营业执照和食品经营许可。",
        "department_code": "420106-SCJG",
        "service_objects": ["citizen"],
        "themes": ["establishment"],
        "promised_limit_days": "8",
        "members": "\n".join(members),
    }
    data.update(fields)
    return data


def test_editor_creates_a_life_event_and_sees_the_merged_lists(
    client: Client, published: Any, food_licence: Any, catalog_editor: Any
) -> None:
    signed_in(client, catalog_editor)

    response = client.post(
        url("staff-life-event-new"), event_form([published.code, food_licence.code])
    )

    assert response.status_code == 302
    event = LifeEvent.objects.get(code="restaurant")
    assert event.status == "draft"
    assert AuditEntry.objects.filter(action="catalog.life_event_created").exists()
    page = text(client.get(response["Location"]))
    assert "已创建一件事 restaurant" in page
    assert "从业人员健康证明" in page  # a merged material
    assert "经营项目" in page  # a merged form field
    assert "发布一件事" not in page  # catalogue staff do not publish


def test_empty_life_event_is_refused(client: Client, catalog_editor: Any) -> None:
    response = signed_in(client, catalog_editor).post(url("staff-life-event-new"), event_form([]))

    assert response.status_code == 422
    assert "至少要包含一个事项" in dict(summary_links(response))["#id_members"]
    assert not LifeEvent.objects.exists()


def test_unknown_member_is_named_with_its_line(
    client: Client, published: Any, catalog_editor: Any
) -> None:
    response = signed_in(client, catalog_editor).post(
        url("staff-life-event-new"), event_form([published.code, "nope.123"])
    )

    assert response.status_code == 422
    message = dict(summary_links(response))["#id_members"]
    assert "第 2 行" in message and "nope.123" in message
    assert not LifeEvent.objects.exists()


def test_circular_life_event_is_refused_showing_the_cycle(
    client: Client, published: Any, catalog_editor: Any, reviewer: Any
) -> None:
    outer = make_life_event(
        actor=catalog_editor, reviewer=reviewer, members=[published.code], publish=False
    )
    make_life_event(
        actor=catalog_editor,
        reviewer=reviewer,
        members=[f"event:{outer.code}"],
        publish=False,
        code="inner",
        name="内层",
    )
    before = AuditEntry.objects.count()

    response = signed_in(client, catalog_editor).post(
        url("staff-life-event-edit", outer.code),
        event_form([published.code, "event:inner"]),
    )

    assert response.status_code == 422
    assert "restaurant → inner → restaurant" in dict(summary_links(response))["#id_members"]
    assert [m.implementation_id for m in outer.members.all()] == [published.pk]
    assert AuditEntry.objects.count() == before


def test_reviewer_publishes_and_withdraws(
    client: Client, published: Any, catalog_editor: Any, reviewer: Any
) -> None:
    event = make_life_event(
        actor=catalog_editor, reviewer=reviewer, members=[published.code], publish=False
    )
    signed_in(client, reviewer)

    done = client.post(url("staff-life-event-action", event.code), {"action": "publish"})

    assert done.status_code == 302
    event.refresh_from_db()
    assert event.status == "published"
    page = text(client.get(done["Location"]))
    assert "已发布" in page and "撤回一件事" in page
    client.post(url("staff-life-event-action", event.code), {"action": "withdraw"})
    event.refresh_from_db()
    assert event.status == "withdrawn"


def test_unpublished_member_refuses_publication(
    client: Client, implementation: Any, catalog_editor: Any, reviewer: Any
) -> None:
    event = make_life_event(
        actor=catalog_editor, reviewer=reviewer, members=[implementation.code], publish=False
    )

    response = signed_in(client, reviewer).post(
        url("staff-life-event-action", event.code), {"action": "publish"}
    )

    assert response.status_code == 409
    assert any("尚未发布" in m for _href, m in summary_links(response))
    event.refresh_from_db()
    assert event.status == "draft"


def test_catalogue_staff_cannot_publish(
    client: Client, published: Any, catalog_editor: Any, reviewer: Any
) -> None:
    event = make_life_event(
        actor=catalog_editor, reviewer=reviewer, members=[published.code], publish=False
    )

    response = signed_in(client, catalog_editor).post(
        url("staff-life-event-action", event.code), {"action": "publish"}
    )

    assert response.status_code == 403
    event.refresh_from_db()
    assert event.status == "draft"


def test_action_needs_post(client: Client, restaurant: Any, reviewer: Any) -> None:
    response = signed_in(client, reviewer).get(url("staff-life-event-action", restaurant.code))

    assert response.status_code == 405


def test_window_clerk_sees_a_life_event_without_the_form(
    client: Client, restaurant: Any, clerk: Any
) -> None:
    signed_in(client, clerk)

    page = client.get(url("staff-life-event-edit", restaurant.code))
    posted = client.post(url("staff-life-event-edit", restaurant.code), event_form([]))

    assert page.status_code == 200
    assert "开办餐饮店" in text(page) and 'id="life-event-form"' not in text(page)
    assert posted.status_code == 403
    assert restaurant.members.count() == 2


def test_life_event_out_of_scope_is_404(client: Client, restaurant: Any, outsider: Any) -> None:
    response = signed_in(client, outsider).get(url("staff-life-event-edit", restaurant.code))

    assert response.status_code == 404


def test_conflicting_forms_refuse_publication_naming_both(
    client: Client,
    published: Any,
    item_owner: Any,
    catalog_editor: Any,
    reviewer: Any,
    owning_department: Any,
) -> None:
    other = publish_item(
        item_owner=item_owner,
        editor=catalog_editor,
        reviewer=reviewer,
        department=owning_department,
        code="000105004000",
        name="另一个事项",
        version={
            "form_schema": {
                "type": "object",
                "properties": {
                    "who": {"type": "integer", "title": "申请人", "x-meaning": "applicant.name"}
                },
            }
        },
    )
    event = make_life_event(
        actor=catalog_editor,
        reviewer=reviewer,
        members=[published.code, other.code],
        publish=False,
    )
    signed_in(client, reviewer)

    page = client.get(url("staff-life-event-edit", event.code))
    response = client.post(url("staff-life-event-action", event.code), {"action": "publish"})

    assert "成员的表单无法合并" in text(page)
    assert response.status_code == 409
    messages = [m for _href, m in summary_links(response)]
    assert any(published.code in m and other.code in m for m in messages)
    event.refresh_from_db()
    assert event.status == "draft"
