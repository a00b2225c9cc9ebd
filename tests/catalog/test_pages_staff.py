"""The staff catalogue pages: list, new, detail, draft editor, actions, review queue and the
三级四同 report, through Django's test client. Refusals also check that nothing changed."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests.catalog.fixtures import DEFAULT_FORM, item_data
from tests.factories import DepartmentFactory, StaffFactory
from yiwang.catalog import process, services
from yiwang.catalog.forms_staff import VersionForm
from yiwang.catalog.models import ImplementationVersion, ItemImplementation
from yiwang.catalog.schemas import ItemIn
from yiwang.kernel.models import AuditEntry

pytestmark = pytest.mark.django_db


def url(name: str, *args: Any) -> str:
    return reverse(f"catalog:{name}", args=args)


def signed_in(client: Client, user: Any) -> Client:
    client.force_login(user)
    return client


def text(response: Any) -> str:
    return html.unescape(response.content.decode())


def draft_of(implementation: ItemImplementation) -> ImplementationVersion:
    return implementation.versions.get(status="draft")


def edit_data(implementation: ItemImplementation, **changes: Any) -> dict[str, Any]:
    """What the edit page's form sends back unchanged, with ``changes`` applied (``None``
    removes a field, as an unticked checkbox does)."""
    form = VersionForm(version=draft_of(implementation), item=implementation.item)
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if name == "process_file":
            continue
        if isinstance(field, forms.BooleanField):
            if value:
                data[name] = "on"
            continue
        data[name] = "" if value is None else value
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def snapshot(implementation: ItemImplementation) -> list[Any]:
    """Everything a refused edit must leave as it was."""
    implementation.refresh_from_db()
    versions = [
        (
            v.number,
            v.status,
            v.promised_limit_days,
            v.form_schema,
            v.form_ui,
            v.process_bpmn,
            v.fees,
            [(m.code, m.copies, m.required, m.source) for m in v.materials.all()],
        )
        for v in implementation.versions.order_by("number")
    ]
    return [implementation.current_id, versions, AuditEntry.objects.count()]


# --- who may open the pages ------------------------------------------------------------------

PAGES = ["staff-list", "staff-new", "staff-review", "staff-consistency"]


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_visitor_is_sent_to_staff_sign_in(client: Client, name: str) -> None:
    response = client.get(url(name))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("identity:staff-login"))


def test_anonymous_visitor_is_sent_to_sign_in_for_an_implementation(
    client: Client, implementation: Any
) -> None:
    for target in (
        url("staff-detail", implementation.code),
        url("staff-edit", implementation.code),
    ):
        response = client.get(target)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("identity:staff-login"))


@pytest.mark.parametrize("name", PAGES)
def test_citizen_is_refused(client: Client, citizen: Any, regions: Any, name: str) -> None:
    response = signed_in(client, citizen).get(url(name))

    assert response.status_code == 403


def test_staff_without_a_catalogue_role_is_refused(client: Client, regions: Any) -> None:
    officer = StaffFactory(username="officer", role="data_officer", region=regions.hubei)

    response = signed_in(client, officer).get(url("staff-list"))

    assert response.status_code == 403


def test_outsider_gets_404_for_an_implementation_outside_their_scope(
    client: Client, outsider: Any, implementation: Any
) -> None:
    signed_in(client, outsider)
    before = snapshot(implementation)

    for target in ("staff-detail", "staff-edit"):
        assert client.get(url(target, implementation.code)).status_code == 404
    response = client.post(url("staff-action", implementation.code), {"action": "submit"})

    assert response.status_code == 404
    assert snapshot(implementation) == before
    listing = client.get(url("staff-list"))
    assert listing.status_code == 200
    assert implementation.code not in text(listing)


def test_unknown_code_is_404(client: Client, catalog_editor: Any, implementation: Any) -> None:
    response = signed_in(client, catalog_editor).get(url("staff-detail", "NO.SUCH"))

    assert response.status_code == 404


def test_staff_home_links_to_the_catalogue(client: Client, clerk: Any) -> None:
    response = signed_in(client, clerk).get(reverse("portal:staff-home"))

    assert url("staff-list") in text(response)


# --- the list -----------------------------------------------------------------------------------


@pytest.fixture
def city_department(regions: Any) -> Any:
    return DepartmentFactory(code="4201-SCJG", name="武汉市市场监督管理局", region=regions.wuhan)


@pytest.fixture
def city_implementation(item: Any, city_department: Any, reviewer: Any) -> Any:
    """A second implementation, by the city, published by the province."""
    implementation = services.create_implementation(
        actor=reviewer, item=item, department=city_department
    )
    version = draft_of(implementation)
    services.submit(actor=reviewer, version=version)
    services.publish(
        actor=StaffFactory(username="r3", role="platform_admin", region=item.department.region),
        version=version,
    )
    return implementation


def test_list_shows_each_implementation_with_its_versions(
    client: Client, reviewer: Any, implementation: Any, city_implementation: Any
) -> None:
    response = signed_in(client, reviewer).get(url("staff-list"))

    page = text(response)
    assert response.status_code == 200
    assert "<h1" in page and "实施清单" in page
    for code in (implementation.code, city_implementation.code):
        assert f'href="{url("staff-detail", code)}"' in page
    assert "武昌区市场监督管理局" in page and "武汉市市场监督管理局" in page
    assert "catalog-badge--draft" in page and "catalog-badge--published" in page
    assert "共 2 项" in page


def test_list_filters_by_status_department_region_and_text(
    client: Client,
    reviewer: Any,
    implementation: Any,
    city_implementation: Any,
    city_department: Any,
    regions: Any,
) -> None:
    signed_in(client, reviewer)

    def codes(**query: Any) -> set[str]:
        page = text(client.get(url("staff-list"), query))
        return {c for c in (implementation.code, city_implementation.code) if c in page}

    assert codes(status="published") == {city_implementation.code}
    assert codes(status="draft") == {implementation.code}
    assert codes(department=city_department.pk) == {city_implementation.code}
    assert codes(region=regions.wuchang.code) == {implementation.code}
    assert codes(region=regions.wuhan.code) == {implementation.code, city_implementation.code}
    assert codes(q="个体工商户") == {implementation.code, city_implementation.code}
    assert codes(q="4201-SCJG") == {city_implementation.code}
    assert codes(q="没有这个事项") == set()


def test_a_bad_filter_value_is_reported_not_a_crash(
    client: Client, reviewer: Any, implementation: Any
) -> None:
    response = signed_in(client, reviewer).get(
        url("staff-list"), {"status": "bogus", "department": "x", "sort": "evil"}
    )

    page = text(response)
    assert response.status_code == 200
    assert "error-summary" in page
    assert 'href="#id_status"' in page and 'href="#id_department"' in page
    assert implementation.code in page  # the invalid filters are not applied


def test_list_sorts_by_a_column_and_says_so(
    client: Client, reviewer: Any, implementation: Any, city_implementation: Any
) -> None:
    signed_in(client, reviewer)

    ascending = text(client.get(url("staff-list"), {"sort": "department"}))
    descending = text(client.get(url("staff-list"), {"sort": "-department"}))

    # 武昌区… sorts before 武汉市… by code point (昌 < 汉)
    assert ascending.index(implementation.code) < ascending.index(city_implementation.code)
    assert descending.index(city_implementation.code) < descending.index(implementation.code)
    assert 'aria-sort="ascending"' in ascending and 'aria-sort="descending"' in descending
    assert "sort=-department" in ascending  # the header link now reverses the order


def test_list_pages(
    client: Client,
    reviewer: Any,
    implementation: Any,
    city_implementation: Any,
    monkeypatch: Any,
) -> None:
    monkeypatch.setattr("yiwang.catalog.views_staff.PAGE_SIZE", 1)
    signed_in(client, reviewer)

    first = text(client.get(url("staff-list")))
    second = text(client.get(url("staff-list"), {"page": 2}))
    beyond = client.get(url("staff-list"), {"page": "abc"})

    one, two = sorted([implementation.code, city_implementation.code])  # by code
    assert one in first and two not in first
    assert two in second and one not in second
    assert "第 1 页，共 2 页" in first and 'rel="next"' in first
    assert beyond.status_code == 200


def test_clerk_sees_their_department_only(
    client: Client, clerk: Any, implementation: Any, city_implementation: Any
) -> None:
    page = text(signed_in(client, clerk).get(url("staff-list")))

    assert implementation.code in page
    assert city_implementation.code not in page
    assert url("staff-new") not in page  # a clerk cannot create


# --- a new implementation -------------------------------------------------------------------


def test_editor_creates_an_implementation_and_goes_to_its_draft(
    client: Client, catalog_editor: Any, item: Any, owning_department: Any
) -> None:
    signed_in(client, catalog_editor)
    page = text(client.get(url("staff-new")))
    assert item.code in page and owning_department.name in page

    response = client.post(
        url("staff-new"), {"item_code": item.code, "department_code": owning_department.code}
    )

    implementation = ItemImplementation.objects.get(item=item, department=owning_department)
    assert response.status_code == 302
    assert response["Location"] == url("staff-edit", implementation.code)
    version = draft_of(implementation)
    assert version.promised_limit_days == item.statutory_limit_days
    assert [m.code for m in version.materials.all()] == ["M01", "M02", "M03"]
    assert AuditEntry.objects.filter(action="catalog.implementation_created").exists()


def test_creating_twice_is_refused_on_the_item_field(
    client: Client, catalog_editor: Any, implementation: Any, owning_department: Any
) -> None:
    before = ItemImplementation.objects.count()

    response = signed_in(client, catalog_editor).post(
        url("staff-new"),
        {"item_code": implementation.item.code, "department_code": owning_department.code},
    )

    page = text(response)
    assert response.status_code == 422
    assert 'href="#id_item_code"' in page
    assert "已实施该事项" in page
    assert ItemImplementation.objects.count() == before


def test_creating_for_another_department_is_refused(
    client: Client, catalog_editor: Any, item: Any, other_department: Any
) -> None:
    response = signed_in(client, catalog_editor).post(
        url("staff-new"), {"item_code": item.code, "department_code": other_department.code}
    )

    assert response.status_code == 422
    assert 'href="#id_department_code"' in text(response)
    assert not ItemImplementation.objects.exists()


def test_a_level_the_item_does_not_allow_lands_on_the_department_field(
    client: Client, catalog_editor: Any, item_owner: Any, owning_department: Any
) -> None:
    province_only = services.create_item(
        actor=item_owner,
        data=ItemIn(**item_data(code="000105002000", handling_levels=["province"])),
    )

    response = signed_in(client, catalog_editor).post(
        url("staff-new"),
        {"item_code": province_only.code, "department_code": owning_department.code},
    )

    page = text(response)
    assert response.status_code == 422
    assert 'href="#id_department_code"' in page and "行使层级" in page
    assert not ItemImplementation.objects.filter(item=province_only).exists()


def test_clerk_cannot_create(client: Client, clerk: Any, item: Any) -> None:
    response = signed_in(client, clerk).get(url("staff-new"))

    assert response.status_code == 403


# --- the detail page --------------------------------------------------------------------------


def test_detail_shows_versions_differences_and_the_editors_actions(
    client: Client, catalog_editor: Any, implementation: Any
) -> None:
    page = text(signed_in(client, catalog_editor).get(url("staff-detail", implementation.code)))

    assert "个体工商户设立登记" in page
    assert "版本记录" in page and "catalog_editor" in page
    assert "与主项的差异" in page and "承诺时限" in page and "5 个工作日" in page
    assert url("staff-edit", implementation.code) in page
    assert 'value="submit"' in page
    assert 'value="publish"' not in page  # not a reviewer
    assert url("guide", implementation.code) not in page  # not published


def test_clerk_can_view_but_gets_no_actions(
    client: Client, clerk: Any, implementation: Any
) -> None:
    page = text(signed_in(client, clerk).get(url("staff-detail", implementation.code)))

    assert implementation.code in page
    assert url("staff-edit", implementation.code) not in page
    assert 'name="action"' not in page
    assert "没有可执行的操作" in page


def test_reviewer_sees_publish_and_reject_for_a_version_in_review(
    client: Client, catalog_editor: Any, reviewer: Any, implementation: Any
) -> None:
    services.submit(actor=catalog_editor, version=draft_of(implementation))

    page = text(signed_in(client, reviewer).get(url("staff-detail", implementation.code)))

    assert 'value="publish"' in page and 'value="reject"' in page
    assert "由 catalog_editor 于" in page


def test_published_implementation_links_to_its_public_guide(
    client: Client, reviewer: Any, published: Any
) -> None:
    page = text(signed_in(client, reviewer).get(url("staff-detail", published.code)))

    assert f'href="{url("guide", published.code)}"' in page
    assert "同意发布" in page and "reviewer" in page
    assert 'value="withdraw"' in page and 'value="revise"' in page


# --- the draft editor ---------------------------------------------------------------------------


def test_edit_page_shows_inherited_elements_read_only_and_the_draft(
    client: Client, catalog_editor: Any, implementation: Any
) -> None:
    response = signed_in(client, catalog_editor).get(url("staff-edit", implementation.code))

    page = text(response)
    assert response.status_code == 200
    assert "继承自主项的要素" in page and "《促进个体工商户发展条例》第八条" in page
    assert 'name="legal_basis"' not in page and 'name="name"' not in page
    assert 'name="promised_limit_days"' in page and 'value="5"' in page
    schema = re.search(r'<textarea[^>]*name="form_schema"[^>]*>\n?(.*?)</textarea>', page, re.S)
    assert schema is not None
    assert json.loads(schema.group(1)) == DEFAULT_FORM
    assert schema.group(1).startswith('{\n  "')  # pretty-printed
    for name in ("mat_0_keep", "mat_2_copies", "mat_2_source", "fee_0_amount", "process_file"):
        assert f'name="{name}"' in page
    assert 'name="mat_2_required"' not in page  # M03 is optional in the master item
    assert 'enctype="multipart/form-data"' in page


def test_editor_saves_a_draft(client: Client, catalog_editor: Any, implementation: Any) -> None:
    signed_in(client, catalog_editor)
    data = edit_data(
        implementation,
        promised_limit_days="3",
        mat_2_keep=None,  # the optional 经营场所使用证明 is no longer asked for
        mat_0_copies="0",
        mat_1_source="shared_data",
        mat_1_shared_data="population.id_card",
        channels=["online", "hall"],
        phone="027-87654321",
        form_ui=json.dumps({"order": ["shop_name"]}),
    )

    response = client.post(url("staff-edit", implementation.code), data)

    assert response.status_code == 302, text(response)
    assert response["Location"] == url("staff-detail", implementation.code)
    version = draft_of(implementation)
    assert version.promised_limit_days == 3
    assert version.channels == ["online", "hall"]
    assert version.phone == "027-87654321"
    # the order given comes first; the fields it leaves out follow (in the schema's order as
    # stored, which PostgreSQL's jsonb does not keep)
    assert version.form_ui["order"][0] == "shop_name"
    assert sorted(version.form_ui["order"]) == ["applicant_name", "id_number", "shop_name"]
    materials = {m.code: m for m in version.materials.all()}
    assert set(materials) == {"M01", "M02"}
    assert materials["M01"].copies == 0
    assert materials["M02"].source == "shared_data"
    assert materials["M02"].shared_data == "population.id_card"
    assert materials["M02"].license_type == ""
    assert AuditEntry.objects.filter(action="catalog.version_updated").count() == 1
    detail = text(client.get(response["Location"]))
    assert "草稿已保存" in detail


def test_switching_to_instant_clears_the_promised_limit(
    client: Client, catalog_editor: Any, implementation: Any
) -> None:
    response = signed_in(client, catalog_editor).post(
        url("staff-edit", implementation.code),
        edit_data(implementation, handling_kind="instant"),
    )

    assert response.status_code == 302
    version = draft_of(implementation)
    assert version.handling_kind == "instant" and version.promised_limit_days is None


def test_uploaded_bpmn_becomes_the_process(
    client: Client, catalog_editor: Any, implementation: Any
) -> None:
    bpmn = process.default_process("local")
    data = edit_data(implementation)
    data["process_file"] = SimpleUploadedFile("p.bpmn", bpmn.encode(), "application/xml")

    response = signed_in(client, catalog_editor).post(url("staff-edit", implementation.code), data)

    assert response.status_code == 302
    assert draft_of(implementation).process_bpmn == bpmn


def assert_refused(response: Any, field_id: str, *words: str) -> str:
    page = text(response)
    assert response.status_code == 422
    assert "<title>错误：" in page
    assert 'class="error-summary"' in page
    assert f'href="#{field_id}"' in page, page
    assert f'id="{field_id}"' in page
    assert 'aria-invalid="true"' in page
    for word in words:
        assert word in page, word
    return page


def test_promised_limit_longer_than_statutory_is_refused(
    client: Client, catalog_editor: Any, implementation: Any
) -> None:
    before = snapshot(implementation)

    response = signed_in(client, catalog_editor).post(
        url("staff-edit", implementation.code),
        edit_data(implementation, promised_limit_days="20", mat_2_keep=None),
    )

    assert_refused(
        response, "id_promised_limit_days", "承诺时限 20 个工作日长于法定时限 15 个工作日"
    )
    assert snapshot(implementation) == before


def test_promised_limit_missing_for_a_promised_case_is_refused(
    client: Client, catalog_editor: Any, implementation: Any
) -> None:
    before = snapshot(implementation)

    response = signed_in(client, catalog_editor).post(
        url("staff-edit", implementation.code), edit_data(implementation, promised_limit_days="")
    )

    assert_refused(response, "id_promised_limit_days", "承诺件必须填写承诺时限")
    assert snapshot(implementation) == before


def test_json_that_does_not_parse_names_line_and_column(
    client: Client, catalog_editor: Any, implementation: Any
) -> None:
    before = snapshot(implementation)

    response = signed_in(client, catalog_editor).post(
        url("staff-edit", implementation.code),
        edit_data(implementation, form_schema='{\n  "type": "object",\n  "properties": {,\n}'),
    )

    page = assert_refused(response, "id_form_schema", "不是合法的 JSON", "第 3 行")
    assert '"properties": {,' in page  # what was typed is kept for correcting
    assert snapshot(implementation) == before


def test_invalid_json_schema_names_the_json_pointer(
    client: Client, catalog_editor: Any, implementation: Any
) -> None:
    before = snapshot(implementation)
    schema = {"type": "object", "properties": {"shop": {"type": "string"}}}

    response = signed_in(client, catalog_editor).post(
        url("staff-edit", implementation.code),
        edit_data(implementation, form_schema=json.dumps(schema), form_ui="{}"),
    )

    assert_refused(response, "id_form_schema", "/properties/shop/title", "缺少标题")
    assert snapshot(implementation) == before


def test_schema_that_is_not_json_schema_is_refused(
    client: Client, catalog_editor: Any, implementation: Any
) -> None:
    before = snapshot(implementation)
    schema = {"type": "object", "properties": {"shop": {"type": "strin", "title": "店铺"}}}

    response = signed_in(client, catalog_editor).post(
        url("staff-edit", implementation.code),
        edit_data(implementation, form_schema=json.dumps(schema), form_ui="{}"),
    )

    assert_refused(response, "id_form_schema", "不是合法的 JSON Schema", "/properties/shop/type")
    assert snapshot(implementation) == before


def test_json_nested_too_deep_is_refused_not_a_crash(
    client: Client, catalog_editor: Any, implementation: Any
) -> None:
    before = snapshot(implementation)
    signed_in(client, catalog_editor)

    deep = client.post(
        url("staff-edit", implementation.code),
        edit_data(implementation, form_ui='{"a": ' + "[" * 50 + "]" * 50 + "}"),
    )
    deeper = client.post(
        url("staff-edit", implementation.code),
        edit_data(implementation, form_schema='{"a": ' + "[" * 100_000 + "]" * 100_000 + "}"),
    )

    assert_refused(deep, "id_form_ui", "嵌套层数过多")
    assert deeper.status_code == 422
    assert snapshot(implementation) == before


def test_ui_hints_for_an_unknown_field_are_refused(
    client: Client, catalog_editor: Any, implementation: Any
) -> None:
    response = signed_in(client, catalog_editor).post(
        url("staff-edit", implementation.code),
        edit_data(implementation, form_ui=json.dumps({"order": ["nobody"]})),
    )

    assert_refused(response, "id_form_ui", "/order/0", "nobody")


BPMN_BAD_LANE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:laneSet>
      <bpmn:lane id="Lane_boss" name="boss"><bpmn:flowNodeRef>Task_1</bpmn:flowNodeRef></bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start"/>
    <bpmn:userTask id="Task_1" name="审批"/>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="Task_1"/>
    <bpmn:sequenceFlow id="f2" sourceRef="Task_1" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>"""


def test_bpmn_with_an_unknown_role_names_the_element(
    client: Client, catalog_editor: Any, implementation: Any
) -> None:
    before = snapshot(implementation)

    response = signed_in(client, catalog_editor).post(
        url("staff-edit", implementation.code),
        edit_data(implementation, process_bpmn=BPMN_BAD_LANE),
    )

    assert_refused(response, "id_process_bpmn", "元素 Lane_boss", "第 5 行", "boss")
    assert snapshot(implementation) == before


def test_malformed_bpmn_upload_is_refused_and_shown_for_correction(
    client: Client, catalog_editor: Any, implementation: Any
) -> None:
    before = snapshot(implementation)
    data = edit_data(implementation)
    data["process_file"] = SimpleUploadedFile(
        "p.bpmn", b"<bpmn:definitions>\n<oops>", "application/xml"
    )

    response = signed_in(client, catalog_editor).post(url("staff-edit", implementation.code), data)

    page = assert_refused(response, "id_process_bpmn", "不是合法的 XML", "第 ")
    assert "&lt;oops&gt;" in response.content.decode()  # the upload is in the textarea
    assert "<oops>" in page
    assert snapshot(implementation) == before


def test_binary_upload_is_refused_on_the_file_field(
    client: Client, catalog_editor: Any, implementation: Any
) -> None:
    before = snapshot(implementation)
    data = edit_data(implementation)
    data["process_file"] = SimpleUploadedFile("p.bpmn", b"\xff\xfe\x00\x81", "application/xml")

    response = signed_in(client, catalog_editor).post(url("staff-edit", implementation.code), data)

    assert_refused(response, "id_process_file", "UTF-8")
    assert snapshot(implementation) == before


def test_more_copies_than_the_master_lands_on_that_materials_copies(
    client: Client, catalog_editor: Any, implementation: Any
) -> None:
    before = snapshot(implementation)

    response = signed_in(client, catalog_editor).post(
        url("staff-edit", implementation.code),
        edit_data(implementation, mat_2_copies="3", mat_1_keep=None),
    )

    assert_refused(response, "id_mat_2_copies", "份数不能多于主项的 2 份")
    assert snapshot(implementation) == before


def test_a_licence_source_needs_a_licence_type(
    client: Client, catalog_editor: Any, implementation: Any
) -> None:
    before = snapshot(implementation)

    response = signed_in(client, catalog_editor).post(
        url("staff-edit", implementation.code),
        edit_data(implementation, mat_0_source="licence", mat_0_license_type=""),
    )

    assert_refused(response, "id_mat_0_license_type", "电子证照类型")
    assert snapshot(implementation) == before


def test_a_fee_above_the_master_lands_on_its_amount(
    client: Client, catalog_editor: Any, implementation: Any
) -> None:
    before = snapshot(implementation)

    response = signed_in(client, catalog_editor).post(
        url("staff-edit", implementation.code), edit_data(implementation, fee_0_amount="5.00")
    )

    assert_refused(response, "id_fee_0_amount", "收费标准不能高于主项")
    assert snapshot(implementation) == before


def test_non_numbers_and_missing_choices_are_field_errors(
    client: Client, catalog_editor: Any, implementation: Any
) -> None:
    before = snapshot(implementation)

    response = signed_in(client, catalog_editor).post(
        url("staff-edit", implementation.code),
        edit_data(
            implementation,
            promised_limit_days="五",
            max_trips="9",
            channels=None,
            handling_kind="sometimes",
        ),
    )

    page = assert_refused(response, "id_promised_limit_days")
    assert 'href="#id_max_trips"' in page
    assert 'href="#id_channels_0"' in page and "请至少选择一个办理渠道" in page
    assert 'href="#id_handling_kind_0"' in page
    assert snapshot(implementation) == before


def test_clerk_cannot_edit(client: Client, clerk: Any, implementation: Any) -> None:
    before = snapshot(implementation)
    signed_in(client, clerk)

    assert client.get(url("staff-edit", implementation.code)).status_code == 403
    response = client.post(
        url("staff-edit", implementation.code),
        edit_data(implementation, promised_limit_days="2"),
    )

    assert response.status_code == 403
    assert snapshot(implementation) == before


def test_a_version_in_review_cannot_be_edited(
    client: Client, catalog_editor: Any, implementation: Any
) -> None:
    services.submit(actor=catalog_editor, version=draft_of(implementation))
    signed_in(client, catalog_editor)

    response = client.get(url("staff-edit", implementation.code), follow=True)

    assert response.redirect_chain[-1][0] == url("staff-detail", implementation.code)
    assert "没有可修改的草稿" in text(response)


# --- actions ------------------------------------------------------------------------------------


def act(client: Client, implementation: Any, action: str, **fields: Any) -> Any:
    return client.post(url("staff-action", implementation.code), {"action": action, **fields})


def test_submit_publish_and_the_messages_on_the_way(
    client: Client, catalog_editor: Any, reviewer: Any, implementation: Any
) -> None:
    signed_in(client, catalog_editor)
    response = act(client, implementation, "submit", version=1)
    assert response.status_code == 302
    assert response["Location"] == url("staff-detail", implementation.code)
    assert "版本 1 已提交审核" in text(client.get(response["Location"]))

    signed_in(client, reviewer)
    response = act(client, implementation, "publish", version=1, comment="符合要求")

    implementation.refresh_from_db()
    assert implementation.current is not None and implementation.current.number == 1
    assert implementation.current.review_comment == "符合要求"
    assert "版本 1 已发布" in text(client.get(response["Location"]))


def test_reviewer_cannot_publish_their_own_submission(
    client: Client, reviewer: Any, implementation: Any
) -> None:
    signed_in(client, reviewer)
    act(client, implementation, "submit", version=1)
    before = snapshot(implementation)

    page = text(client.get(url("staff-detail", implementation.code)))
    assert 'value="publish"' not in page and "需由其他审核人员" in page
    response = act(client, implementation, "publish", version=1)

    assert response.status_code == 302
    assert "不能审核自己提交的版本" in text(client.get(response["Location"]))
    assert snapshot(implementation) == before
    assert draft_of_or_review(implementation).status == "review"


def draft_of_or_review(implementation: Any) -> ImplementationVersion:
    return implementation.versions.get(status__in=["draft", "review"])


def test_clerk_cannot_submit(client: Client, clerk: Any, implementation: Any) -> None:
    before = snapshot(implementation)

    response = act(signed_in(client, clerk), implementation, "submit", version=1)

    assert response.status_code == 403
    assert snapshot(implementation) == before


def test_editor_cannot_publish(client: Client, catalog_editor: Any, implementation: Any) -> None:
    signed_in(client, catalog_editor)
    act(client, implementation, "submit", version=1)
    before = snapshot(implementation)

    response = act(client, implementation, "publish", version=1)

    assert response.status_code == 403
    assert snapshot(implementation) == before


def test_reject_needs_a_reason_on_the_comment_field(
    client: Client, catalog_editor: Any, reviewer: Any, implementation: Any
) -> None:
    services.submit(actor=catalog_editor, version=draft_of(implementation))
    before = snapshot(implementation)

    response = act(signed_in(client, reviewer), implementation, "reject", version=1, comment=" ")

    assert_refused(response, "id_comment", "退回时请写明原因")
    assert snapshot(implementation) == before


def test_reject_returns_the_version_to_draft_with_the_comment(
    client: Client, catalog_editor: Any, reviewer: Any, implementation: Any
) -> None:
    services.submit(actor=catalog_editor, version=draft_of(implementation))

    act(signed_in(client, reviewer), implementation, "reject", version=1, comment="请补充地址")

    version = draft_of(implementation)
    assert version.review_comment == "请补充地址"
    page = text(signed_in(client, catalog_editor).get(url("staff-detail", implementation.code)))
    assert "上次审核意见：请补充地址" in page


def test_withdraw_needs_a_reason(client: Client, reviewer: Any, published: Any) -> None:
    before = snapshot(published)

    response = act(signed_in(client, reviewer), published, "withdraw", reason="")

    assert_refused(response, "id_reason", "请填写撤回原因")
    assert snapshot(published) == before


def test_withdraw_takes_the_implementation_off_the_catalogue(
    client: Client, reviewer: Any, published: Any
) -> None:
    response = act(signed_in(client, reviewer), published, "withdraw", reason="职能调整")

    published.refresh_from_db()
    assert published.current is None
    assert published.versions.get(number=1).status == "withdrawn"
    assert "已撤回" in text(client.get(response["Location"]))


def test_revise_starts_a_new_draft_and_opens_it(
    client: Client, catalog_editor: Any, published: Any
) -> None:
    response = act(signed_in(client, catalog_editor), published, "revise")

    assert response["Location"] == url("staff-edit", published.code)
    assert draft_of(published).number == 2
    assert "已创建版本 2 的草稿" in text(client.get(response["Location"]))


def test_an_impossible_transition_is_a_message_not_an_error_page(
    client: Client, catalog_editor: Any, implementation: Any
) -> None:
    before = snapshot(implementation)

    response = act(signed_in(client, catalog_editor), implementation, "revise")

    assert response.status_code == 302
    assert "尚未发布" in text(client.get(response["Location"]))
    assert snapshot(implementation) == before


def test_unknown_action_or_version_is_refused_calmly(
    client: Client, catalog_editor: Any, implementation: Any
) -> None:
    before = snapshot(implementation)
    signed_in(client, catalog_editor)

    unknown = act(client, implementation, "delete")
    assert unknown.status_code == 422 and "不支持该操作" in text(unknown)
    missing = act(client, implementation, "submit", version=9)
    assert missing.status_code == 302
    assert "没有可处理的版本" in text(client.get(missing["Location"]))
    garbage = act(client, implementation, "submit", version="abc")
    assert garbage.status_code == 422
    huge = act(client, implementation, "submit", version="9" * 30)
    assert huge.status_code == 422
    assert snapshot(implementation) == before


def test_action_goes_back_to_a_safe_next_page_only(
    client: Client, catalog_editor: Any, reviewer: Any, implementation: Any
) -> None:
    services.submit(actor=catalog_editor, version=draft_of(implementation))
    signed_in(client, reviewer)

    response = act(
        client, implementation, "reject", version=1, comment="补充", next="https://evil.example/"
    )
    assert response["Location"] == url("staff-detail", implementation.code)
    services.submit(actor=catalog_editor, version=draft_of(implementation))
    response = act(client, implementation, "publish", version=1, next=url("staff-review"))
    assert response["Location"] == url("staff-review")


def test_action_needs_post_and_a_csrf_token(catalog_editor: Any, implementation: Any) -> None:
    before = snapshot(implementation)
    client = Client(enforce_csrf_checks=True)
    client.force_login(catalog_editor)

    assert client.get(url("staff-action", implementation.code)).status_code == 405
    response = act(client, implementation, "submit", version=1)

    assert response.status_code == 403
    assert snapshot(implementation) == before


# --- the review queue --------------------------------------------------------------------------


def test_review_queue_lists_versions_in_review_oldest_first(
    client: Client,
    catalog_editor: Any,
    reviewer: Any,
    implementation: Any,
    city_department: Any,
    item: Any,
) -> None:
    services.submit(actor=catalog_editor, version=draft_of(implementation))
    city = services.create_implementation(actor=reviewer, item=item, department=city_department)
    services.submit(actor=reviewer, version=draft_of(city))

    page = text(signed_in(client, reviewer).get(url("staff-review")))

    assert page.index(implementation.code) < page.index(city.code)
    assert "共 2 个版本待审核" in page
    assert "本人提交" in page  # the city's version was submitted by this reviewer


def test_review_queue_is_for_reviewers(
    client: Client, catalog_editor: Any, clerk: Any, implementation: Any
) -> None:
    assert signed_in(client, catalog_editor).get(url("staff-review")).status_code == 403
    assert signed_in(client, clerk).get(url("staff-review")).status_code == 403


def test_review_queue_leaves_out_other_regions(
    client: Client, catalog_editor: Any, implementation: Any, regions: Any
) -> None:
    services.submit(actor=catalog_editor, version=draft_of(implementation))
    yichang = StaffFactory(username="yc_reviewer", role="platform_admin", region=regions.yichang)

    page = text(signed_in(client, yichang).get(url("staff-review")))

    assert implementation.code not in page
    assert "没有待审核的版本" in page


# --- 三级四同 -------------------------------------------------------------------------------------


def test_consistency_report_lists_differences_and_filters(
    client: Client, reviewer: Any, item_owner: Any, published: Any, item: Any
) -> None:
    services.update_item(
        actor=item_owner, item=item, data=ItemIn(**item_data(name="个体工商户登记"))
    )
    signed_in(client, reviewer)

    page = text(client.get(url("staff-consistency")))
    by_field = text(client.get(url("staff-consistency"), {"field": "legal_basis"}))
    by_department = text(
        client.get(url("staff-consistency"), {"department": "武昌区市场监督管理局"})
    )
    bad = client.get(url("staff-consistency"), {"field": "nonsense"})

    assert published.code in page
    assert "个体工商户设立登记" in page and "个体工商户登记" in page
    assert "1 处不一致" in page
    assert published.code not in by_field and "没有符合筛选条件" in by_field
    assert published.code in by_department
    assert bad.status_code == 200 and 'href="#id_field"' in text(bad)


def test_consistency_report_is_empty_when_everything_matches(
    client: Client, reviewer: Any, published: Any
) -> None:
    page = text(signed_in(client, reviewer).get(url("staff-consistency")))

    assert "与主项一致" in page


def test_consistency_report_hides_what_the_caller_cannot_see(
    client: Client, outsider: Any, item_owner: Any, published: Any, item: Any
) -> None:
    services.update_item(
        actor=item_owner, item=item, data=ItemIn(**item_data(name="个体工商户登记"))
    )

    page = text(signed_in(client, outsider).get(url("staff-consistency")))

    assert published.code not in page
