"""The catalogue API through HTTP: items, implementations and their versions, the
publication workflow and the consistency report. Every write gets the shared access checks
(anonymous → 401, a caller without the right → 403 with nothing changed and no audit row,
permitted → 2xx with its audit row); every refusal answers the one error envelope with
pointers at the bad fields. Life events and search: test_api_life_events.py,
test_api_search.py."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.access import check_access
from tests.catalog.fixtures import DEFAULT_FORM, item_data
from tests.factories import DepartmentFactory
from yiwang.catalog import process, services
from yiwang.catalog.models import ImplementationVersion, ItemImplementation, ServiceItem
from yiwang.catalog.schemas import ItemIn, VersionIn
from yiwang.kernel.models import AuditEntry

pytestmark = pytest.mark.django_db

API = "/api/v1/catalog"
ENVELOPE_KEYS = {"code", "message", "details"}


# --- helpers (shared by the other test_api_*.py files) -----------------------------------


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body: dict[str, Any] = response.json()
    assert set(body) == ENVELOPE_KEYS
    assert body["code"] == code
    assert body["message"]
    return body


def pointers(body: dict[str, Any]) -> list[tuple[str, str]]:
    """``(field, code)`` of every error an envelope points at."""
    return [(e["field"], e["code"]) for e in body["details"]["errors"]]


def send(client: Client, method: str, url: str, data: Any = None) -> Any:
    if data is None:
        return getattr(client, method)(url)
    return getattr(client, method)(url, data, content_type="application/json")


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def audit_count(action: str) -> int:
    return AuditEntry.objects.filter(action=action).count()


def version_of(implementation: Any, number: int) -> ImplementationVersion:
    version: ImplementationVersion = implementation.versions.get(number=number)
    return version


def impl_url(implementation: Any, suffix: str = "") -> str:
    return f"{API}/implementations/{implementation.code}{suffix}"


def bpmn_with_orphan_task() -> str:
    """The default process plus a user task that sits in no role's lane."""
    return process.default_process().replace(
        '<bpmn:endEvent id="end"',
        '<bpmn:userTask id="orphan_task" name="无人处理的任务" /><bpmn:endEvent id="end"',
    )


# --- items --------------------------------------------------------------------------------


def test_item_owner_creates_an_item(province_department: Any, item_owner: Any, outsider: Any):
    response = check_access(
        method="post",
        url=f"{API}/items",
        data=lambda: item_data(),
        denied=outsider,
        denied_status=403,
        permitted=item_owner,
        permitted_status=201,
        audit_action="catalog.item_created",
        state=lambda: ServiceItem.objects.count(),
    )
    body = response.json()
    assert body["code"] == "000105001000"
    assert body["name"] == "个体工商户设立登记"
    assert body["department_code"] == "42-SCJG"
    assert body["department_name"] == "湖北省市场监督管理局"
    assert body["revision"] == 1
    assert body["fees"] == [{"name": "登记费", "amount": "0.00", "basis": "不收费"}]
    assert [m["code"] for m in body["materials"]] == ["M01", "M02", "M03"]
    id_card = body["materials"][1]
    assert id_card["meaning"] == "applicant.id_card"
    assert id_card["exempt_possible"] is True
    assert body["materials"][0]["exempt_possible"] is False


def test_an_item_of_an_unknown_department_is_refused_at_the_field(
    province_department: Any, item_owner: Any
) -> None:
    response = send(signed_in(item_owner), "post", f"{API}/items", item_data(department_code="X9"))
    body = assert_error(response, 422, "department_unknown")
    assert pointers(body) == [("department_code", "department_unknown")]
    assert not ServiceItem.objects.exists()


def test_a_taken_item_code_is_a_conflict(item: Any, item_owner: Any) -> None:
    response = send(signed_in(item_owner), "post", f"{API}/items", item_data(name="另一个事项"))
    body = assert_error(response, 409, "item_code_taken")
    assert pointers(body) == [("code", "item_code_taken")]
    assert ServiceItem.objects.get().name == "个体工商户设立登记"


def test_a_malformed_item_is_refused_by_the_schema(province_department: Any, item_owner: Any):
    data = item_data(service_objects=["martian"], channels=[])
    response = send(signed_in(item_owner), "post", f"{API}/items", data)
    body = assert_error(response, 422, "validation_error")
    fields = {e["field"] for e in body["details"]["errors"]}
    assert {"payload.service_objects", "payload.channels"} <= fields
    assert not ServiceItem.objects.exists()


def test_staff_list_and_filter_items(item: Any, item_owner: Any, clerk: Any) -> None:
    services.create_item(
        actor=item_owner,
        data=ItemIn(
            **item_data(
                code="000105002000",
                name="食品经营许可",
                item_type="confirmation",
                result_type="approval",
                result_license_type="",
                materials=[],
            )
        ),
    )
    client = signed_in(clerk)

    everything = client.get(f"{API}/items").json()
    assert everything["count"] == 2
    assert [i["code"] for i in everything["items"]] == ["000105001000", "000105002000"]

    by_name = client.get(f"{API}/items", {"q": "食品"}).json()
    assert [i["name"] for i in by_name["items"]] == ["食品经营许可"]
    by_code = client.get(f"{API}/items", {"q": "000105001"}).json()
    assert [i["code"] for i in by_code["items"]] == ["000105001000"]
    by_type = client.get(f"{API}/items", {"item_type": "confirmation"}).json()
    assert [i["code"] for i in by_type["items"]] == ["000105002000"]
    by_department = client.get(f"{API}/items", {"department": "42-SCJG"}).json()
    assert by_department["count"] == 2
    page = client.get(f"{API}/items", {"limit": 1, "offset": 1}).json()
    assert page["count"] == 2
    assert [i["code"] for i in page["items"]] == ["000105002000"]


def test_the_item_list_refuses_an_unknown_department(item: Any, clerk: Any) -> None:
    response = signed_in(clerk).get(f"{API}/items", {"department": "NO-SUCH"})
    body = assert_error(response, 422, "department_unknown")
    assert pointers(body) == [("department", "department_unknown")]


def test_items_are_for_staff_only(item: Any, citizen: Any) -> None:
    assert_error(Client().get(f"{API}/items"), 401, "not_authenticated")
    assert_error(Client().get(f"{API}/items/{item.code}"), 401, "not_authenticated")
    assert_error(signed_in(citizen).get(f"{API}/items"), 403, "permission_denied")
    assert_error(signed_in(citizen).get(f"{API}/items/{item.code}"), 403, "permission_denied")


def test_staff_read_one_item(item: Any, clerk: Any) -> None:
    body = signed_in(clerk).get(f"{API}/items/{item.code}").json()
    assert body["name"] == "个体工商户设立登记"
    assert body["statutory_limit_days"] == 15
    assert body["channels"] == ["online", "hall", "mobile"]
    assert_error(signed_in(clerk).get(f"{API}/items/000000"), 404, "not_found")


def test_item_owner_updates_an_item(item: Any, item_owner: Any, catalog_editor: Any) -> None:
    response = check_access(
        method="put",
        url=f"{API}/items/{item.code}",
        data=lambda: item_data(name="个体工商户设立登记(新)", statutory_limit_days=10),
        # a county department admin may not change the province's master item
        denied=catalog_editor,
        denied_status=403,
        permitted=item_owner,
        permitted_status=200,
        audit_action="catalog.item_updated",
        state=lambda: ServiceItem.objects.values_list("name", "revision").get(),
    )
    body = response.json()
    assert body["name"] == "个体工商户设立登记(新)"
    assert body["statutory_limit_days"] == 10
    assert body["revision"] == 2


def test_an_item_code_cannot_change(item: Any, item_owner: Any) -> None:
    url = f"{API}/items/{item.code}"
    response = send(signed_in(item_owner), "put", url, item_data(code="000105009000"))
    body = assert_error(response, 422, "item_invalid")
    assert pointers(body) == [("code", "item_code_fixed")]
    assert not ServiceItem.objects.filter(code="000105009000").exists()


def test_updating_a_missing_item_is_not_found(item: Any, item_owner: Any) -> None:
    response = send(signed_in(item_owner), "put", f"{API}/items/000000", item_data())
    assert_error(response, 404, "not_found")


# --- implementations ----------------------------------------------------------------------


def implementation_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "item_code": "000105001000",
        "department_code": "420106-SCJG",
        "promised_limit_days": 5,
        "hall_address": "武汉市武昌区中北路 1 号政务服务中心 2 楼",
        "phone": "027-12345678",
        "form_schema": DEFAULT_FORM,
        "form_ui": {"order": ["applicant_name", "id_number", "shop_name"]},
    }
    data.update(overrides)
    return data


def test_catalogue_staff_implement_an_item(item: Any, catalog_editor: Any, outsider: Any):
    response = check_access(
        method="post",
        url=f"{API}/implementations",
        data=lambda: implementation_data(),
        denied=outsider,
        denied_status=403,
        permitted=catalog_editor,
        permitted_status=201,
        audit_action="catalog.implementation_created",
        state=lambda: (ItemImplementation.objects.count(), ImplementationVersion.objects.count()),
    )
    assert response.json() == {
        "code": "000105001000.420106-SCJG",
        "item_code": "000105001000",
        "department_code": "420106-SCJG",
        "department_name": "武昌区市场监督管理局",
        "region_code": "420106",
        "region_name": "武昌区",
        "current_version": None,
        "latest_version": 1,
        "latest_status": "draft",
    }
    version = ImplementationVersion.objects.get()
    assert version.promised_limit_days == 5
    assert version.name == "个体工商户设立登记"  # inherited from the master


def test_a_promised_limit_longer_than_the_statutory_one_is_refused(
    item: Any, catalog_editor: Any
) -> None:
    data = implementation_data(promised_limit_days=20)  # the law allows 15
    response = send(signed_in(catalog_editor), "post", f"{API}/implementations", data)
    body = assert_error(response, 422, "version_invalid")
    assert pointers(body) == [("promised_limit_days", "promised_limit_exceeds_statutory")]
    assert not ItemImplementation.objects.exists()
    assert audit_count("catalog.implementation_created") == 0


def test_implementing_an_unknown_item_or_in_an_unknown_department_is_refused(
    item: Any, catalog_editor: Any
) -> None:
    client = signed_in(catalog_editor)
    unknown_item = send(
        client, "post", f"{API}/implementations", implementation_data(item_code="9")
    )
    assert pointers(assert_error(unknown_item, 422, "item_invalid")) == [
        ("item_code", "item_unknown")
    ]
    data = implementation_data(department_code="NO-SUCH")
    unknown_department = send(client, "post", f"{API}/implementations", data)
    assert pointers(assert_error(unknown_department, 422, "department_unknown")) == [
        ("department_code", "department_unknown")
    ]
    assert not ItemImplementation.objects.exists()


def test_implementing_an_item_twice_is_a_conflict(implementation: Any, catalog_editor: Any):
    response = send(
        signed_in(catalog_editor), "post", f"{API}/implementations", implementation_data()
    )
    assert_error(response, 409, "implementation_exists")
    assert ItemImplementation.objects.count() == 1


def test_an_invalid_form_schema_is_refused_with_its_json_pointer(
    implementation: Any, catalog_editor: Any
) -> None:
    form = {"type": "object", "properties": {"age": {"type": "nonsense", "title": "年龄"}}}
    response = send(
        signed_in(catalog_editor),
        "put",
        impl_url(implementation, "/versions/1"),
        {"promised_limit_days": 5, "form_schema": form, "form_ui": {"order": ["age"]}},
    )
    body = assert_error(response, 422, "form_schema_invalid")
    assert pointers(body) == [("form_schema/properties/age/type", "schema_invalid")]
    assert version_of(implementation, 1).form_schema == DEFAULT_FORM
    assert audit_count("catalog.version_updated") == 0


def test_form_hints_naming_an_unknown_field_are_refused(implementation: Any, catalog_editor: Any):
    response = send(
        signed_in(catalog_editor),
        "put",
        impl_url(implementation, "/versions/1"),
        {
            "promised_limit_days": 5,
            "form_schema": DEFAULT_FORM,
            "form_ui": {"order": ["applicant_name", "favourite_colour"]},
        },
    )
    body = assert_error(response, 422, "form_schema_invalid")
    assert pointers(body) == [("form_ui/order/1", "ui_unknown_field")]


def test_an_invalid_bpmn_process_is_refused_naming_the_element(
    implementation: Any, catalog_editor: Any
) -> None:
    response = send(
        signed_in(catalog_editor),
        "put",
        impl_url(implementation, "/versions/1"),
        {"promised_limit_days": 5, "process_bpmn": bpmn_with_orphan_task()},
    )
    body = assert_error(response, 422, "bpmn_invalid")
    [error] = body["details"]["errors"]
    assert error["field"] == "process_bpmn"
    assert error["code"] == "bpmn_task_without_role"
    assert error["element"] == "orphan_task"
    assert error["line"]
    assert version_of(implementation, 1).process_bpmn == ""


def test_a_process_that_is_not_xml_is_refused_with_its_line(
    implementation: Any, catalog_editor: Any
) -> None:
    response = send(
        signed_in(catalog_editor),
        "put",
        impl_url(implementation, "/versions/1"),
        {"promised_limit_days": 5, "process_bpmn": "<bpmn:definitions>\n<oops"},
    )
    body = assert_error(response, 422, "bpmn_invalid")
    assert pointers(body) == [("process_bpmn", "bpmn_invalid")]
    assert body["details"]["errors"][0]["line"]


def test_a_form_and_a_narrowing_error_together_are_version_invalid(
    implementation: Any, catalog_editor: Any
) -> None:
    response = send(
        signed_in(catalog_editor),
        "put",
        impl_url(implementation, "/versions/1"),
        {"promised_limit_days": 30, "form_schema": {"type": "array"}},
    )
    body = assert_error(response, 422, "version_invalid")
    fields = [field for field, _code in pointers(body)]
    assert "promised_limit_days" in fields
    assert "form_schema/type" in fields


def test_a_valid_process_is_kept(implementation: Any, catalog_editor: Any) -> None:
    bpmn = process.default_process()
    response = send(
        signed_in(catalog_editor),
        "put",
        impl_url(implementation, "/versions/1"),
        {"promised_limit_days": 5, "process_bpmn": bpmn, "form_schema": DEFAULT_FORM},
    )
    assert response.status_code == 200, response.content
    assert response.json()["process_bpmn"] == bpmn


def test_catalogue_staff_edit_a_draft(implementation: Any, catalog_editor: Any, outsider: Any):
    response = check_access(
        method="put",
        url=impl_url(implementation, "/versions/1"),
        data=lambda: {
            "promised_limit_days": 3,
            "form_schema": DEFAULT_FORM,
            "channels": ["online"],
            "materials": [
                {"code": "M01", "name": "个体工商户登记(备案)申请书", "form": "electronic"},
                {
                    "code": "M02",
                    "name": "经营者身份证明",
                    "required": False,  # optional in the item (met by an e-licence when held)
                    "source": "licence",
                    "license_type": "resident_id_card",
                    "meaning": "applicant.id_card",
                },
            ],
        },
        denied=outsider,
        denied_status=403,
        permitted=catalog_editor,
        permitted_status=200,
        audit_action="catalog.version_updated",
        state=lambda: ImplementationVersion.objects.values_list(
            "promised_limit_days", "channels"
        ).get(),
    )
    body = response.json()
    assert body["number"] == 1
    assert body["status"] == "draft"
    assert body["promised_limit_days"] == 3
    assert body["channels"] == ["online"]
    assert [m["code"] for m in body["materials"]] == ["M01", "M02"]
    assert body["materials"][1]["exempt_possible"] is True


def test_a_published_version_is_immutable(published: Any, catalog_editor: Any) -> None:
    response = send(
        signed_in(catalog_editor),
        "put",
        impl_url(published, "/versions/1"),
        {"promised_limit_days": 3},
    )
    assert_error(response, 409, "version_immutable")
    assert version_of(published, 1).promised_limit_days == 5


def test_acting_on_a_missing_version_is_not_found(implementation: Any, catalog_editor: Any):
    client = signed_in(catalog_editor)
    missing = send(client, "put", impl_url(implementation, "/versions/9"), {})
    assert_error(missing, 404, "not_found")
    assert_error(client.post(f"{API}/implementations/no-such/versions/1/submit"), 404, "not_found")
    assert_error(client.post(f"{API}/implementations/no-such/revise"), 404, "not_found")


# --- publication workflow -----------------------------------------------------------------


def test_catalogue_staff_submit_a_draft(implementation: Any, catalog_editor: Any, outsider: Any):
    response = check_access(
        method="post",
        url=impl_url(implementation, "/versions/1/submit"),
        denied=outsider,
        denied_status=403,
        permitted=catalog_editor,
        permitted_status=200,
        audit_action="catalog.version_submitted",
        state=lambda: version_of(implementation, 1).status,
    )
    body = response.json()
    assert body["status"] == "review"
    assert body["submitted_at"]


def test_a_reviewer_publishes(
    implementation: Any, catalog_editor: Any, reviewer: Any, outsider: Any
) -> None:
    services.submit(actor=catalog_editor, version=version_of(implementation, 1))
    response = check_access(
        method="post",
        url=impl_url(implementation, "/versions/1/publish"),
        data=lambda: {"comment": "同意发布"},
        denied=outsider,
        denied_status=403,
        permitted=reviewer,
        permitted_status=200,
        audit_action="catalog.version_published",
        state=lambda: version_of(implementation, 1).status,
    )
    body = response.json()
    assert body["status"] == "published"
    assert body["review_comment"] == "同意发布"
    assert body["published_at"]
    public = Client().get(impl_url(implementation)).json()
    assert public["current_version"] == 1


def test_catalogue_staff_cannot_publish_their_own_work(
    implementation: Any, catalog_editor: Any
) -> None:
    services.submit(actor=catalog_editor, version=version_of(implementation, 1))
    response = send(
        signed_in(catalog_editor), "post", impl_url(implementation, "/versions/1/publish"), {}
    )
    assert_error(response, 403, "permission_denied")
    assert version_of(implementation, 1).status == "review"


def test_a_reviewer_cannot_publish_their_own_submission(
    implementation: Any, reviewer: Any, second_reviewer: Any
) -> None:
    submit = signed_in(reviewer).post(impl_url(implementation, "/versions/1/submit"))
    assert submit.status_code == 200, submit.content
    url = impl_url(implementation, "/versions/1/publish")

    own = send(signed_in(reviewer), "post", url, {"comment": "自己发布"})

    assert_error(own, 403, "own_submission")
    assert version_of(implementation, 1).status == "review"
    assert audit_count("catalog.version_published") == 0
    other = send(signed_in(second_reviewer), "post", url, {"comment": "同意"})
    assert other.status_code == 200, other.content
    assert other.json()["status"] == "published"


def test_a_reviewer_rejects_with_a_reason(
    implementation: Any, catalog_editor: Any, reviewer: Any, outsider: Any
) -> None:
    services.submit(actor=catalog_editor, version=version_of(implementation, 1))
    response = check_access(
        method="post",
        url=impl_url(implementation, "/versions/1/reject"),
        data=lambda: {"comment": "办理地点不完整"},
        denied=outsider,
        denied_status=403,
        permitted=reviewer,
        permitted_status=200,
        audit_action="catalog.version_rejected",
        state=lambda: version_of(implementation, 1).status,
    )
    assert response.json()["status"] == "draft"
    assert response.json()["review_comment"] == "办理地点不完整"


def test_a_rejection_without_a_reason_is_refused(
    implementation: Any, catalog_editor: Any, reviewer: Any
) -> None:
    services.submit(actor=catalog_editor, version=version_of(implementation, 1))
    response = send(signed_in(reviewer), "post", impl_url(implementation, "/versions/1/reject"), {})
    body = assert_error(response, 422, "version_invalid")
    assert pointers(body) == [("comment", "required")]
    assert version_of(implementation, 1).status == "review"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/versions/1/publish", {}),  # a draft is not in review
        ("/versions/1/reject", {"comment": "退回"}),
        ("/withdraw", {"reason": "停办"}),  # nothing is published yet
    ],
)
def test_wrong_transitions_of_a_draft_are_refused(
    implementation: Any, reviewer: Any, path: str, body: dict[str, Any]
) -> None:
    before = AuditEntry.objects.count()
    response = send(signed_in(reviewer), "post", impl_url(implementation, path), body)
    assert_error(response, 409, "status_transition_invalid")
    assert version_of(implementation, 1).status == "draft"
    assert AuditEntry.objects.count() == before


def test_a_published_version_cannot_be_submitted_or_published_again(
    published: Any, catalog_editor: Any, second_reviewer: Any
) -> None:
    submit = signed_in(catalog_editor).post(impl_url(published, "/versions/1/submit"))
    body = assert_error(submit, 409, "status_transition_invalid")
    assert body["details"]["status_now"] == "published"
    publish = send(
        signed_in(second_reviewer), "post", impl_url(published, "/versions/1/publish"), {}
    )
    assert_error(publish, 409, "status_transition_invalid")


def test_revising_while_a_draft_is_open_is_refused(implementation: Any, catalog_editor: Any):
    response = signed_in(catalog_editor).post(impl_url(implementation, "/revise"))
    body = assert_error(response, 409, "status_transition_invalid")
    assert body["details"]["open_version"] == 1
    assert implementation.versions.count() == 1


def test_catalogue_staff_revise_a_published_implementation(
    published: Any, catalog_editor: Any, outsider: Any
) -> None:
    response = check_access(
        method="post",
        url=impl_url(published, "/revise"),
        denied=outsider,
        denied_status=403,
        permitted=catalog_editor,
        permitted_status=201,
        audit_action="catalog.version_created",
        state=lambda: published.versions.count(),
    )
    body = response.json()
    assert body["number"] == 2
    assert body["status"] == "draft"
    assert body["promised_limit_days"] == 5  # carried over from version 1
    assert version_of(published, 1).status == "published"


def test_a_reviewer_withdraws_an_implementation(
    published: Any, reviewer: Any, outsider: Any
) -> None:
    response = check_access(
        method="post",
        url=impl_url(published, "/withdraw"),
        data=lambda: {"reason": "事项已取消"},
        denied=outsider,
        denied_status=403,
        permitted=reviewer,
        permitted_status=200,
        audit_action="catalog.implementation_withdrawn",
        state=lambda: ItemImplementation.objects.values_list("current_id", flat=True).get(),
    )
    body = response.json()
    assert body["status"] == "withdrawn"
    assert body["end_reason"] == "事项已取消"
    assert_error(Client().get(impl_url(published)), 404, "not_found")


def test_a_withdrawal_needs_a_reason(published: Any, reviewer: Any) -> None:
    response = send(signed_in(reviewer), "post", impl_url(published, "/withdraw"), {})
    assert_error(response, 422, "validation_error")
    assert version_of(published, 1).status == "published"


# --- reading implementations and versions -------------------------------------------------


def test_the_public_reads_a_published_implementation_only(
    implementation: Any, catalog_editor: Any, reviewer: Any
) -> None:
    assert_error(Client().get(impl_url(implementation)), 404, "not_found")
    assert_error(Client().get(impl_url(implementation, "/versions/1")), 404, "not_found")

    services.submit(actor=catalog_editor, version=version_of(implementation, 1))
    services.publish(actor=reviewer, version=version_of(implementation, 1))

    body = Client().get(impl_url(implementation)).json()
    assert body["current_version"] == 1
    assert body["latest_status"] == "published"
    version = Client().get(impl_url(implementation, "/versions/1")).json()
    assert version["status"] == "published"
    assert version["hall_address"] == "武汉市武昌区中北路 1 号政务服务中心 2 楼"
    assert version["form_schema"] == DEFAULT_FORM
    assert [m["code"] for m in version["materials"]] == ["M01", "M02", "M03"]


def test_the_public_does_not_see_the_next_draft(published: Any, catalog_editor: Any) -> None:
    services.revise(actor=catalog_editor, implementation=published)

    public = Client().get(impl_url(published)).json()
    assert (public["current_version"], public["latest_version"]) == (1, 1)
    assert public["latest_status"] == "published"
    assert_error(Client().get(impl_url(published, "/versions/2")), 404, "not_found")

    staff = signed_in(catalog_editor).get(impl_url(published)).json()
    assert (staff["current_version"], staff["latest_version"]) == (1, 2)
    assert staff["latest_status"] == "draft"
    draft = signed_in(catalog_editor).get(impl_url(published, "/versions/2"))
    assert draft.json()["status"] == "draft"


def test_staff_out_of_scope_do_not_see_a_draft(
    implementation: Any, clerk: Any, outsider: Any
) -> None:
    assert signed_in(clerk).get(impl_url(implementation)).status_code == 200
    assert_error(signed_in(outsider).get(impl_url(implementation)), 404, "not_found")
    assert_error(signed_in(outsider).get(impl_url(implementation, "/versions")), 404, "not_found")
    assert_error(signed_in(outsider).get(impl_url(implementation, "/versions/1")), 404, "not_found")


def test_staff_list_the_versions_newest_first(
    published: Any, catalog_editor: Any, clerk: Any
) -> None:
    services.revise(actor=catalog_editor, implementation=published)
    body = signed_in(clerk).get(impl_url(published, "/versions")).json()
    assert body["count"] == 2
    assert [(v["number"], v["status"]) for v in body["items"]] == [
        (2, "draft"),
        (1, "published"),
    ]
    assert_error(Client().get(impl_url(published, "/versions")), 401, "not_authenticated")


def test_a_missing_implementation_is_not_found(regions: Any) -> None:
    assert_error(Client().get(f"{API}/implementations/no-such"), 404, "not_found")


def more_implementations(item: Any, reviewer: Any, regions: Any) -> list[Any]:
    """The item implemented by 武汉市 and 宜昌市 market regulators as well (drafts)."""
    found = []
    for code, name, region in [
        ("4201-SCJG", "武汉市市场监督管理局", regions.wuhan),
        ("420502-SCJG", "西陵区市场监督管理局", regions.xiling),
    ]:
        department = DepartmentFactory(code=code, name=name, region=region)
        found.append(
            services.create_implementation(
                actor=reviewer,
                item=item,
                department=department,
                data=VersionIn(promised_limit_days=10),
            )
        )
    return found


def test_staff_list_implementations_in_their_scope(
    published: Any, item: Any, reviewer: Any, regions: Any, clerk: Any, outsider: Any
) -> None:
    more_implementations(item, reviewer, regions)

    everything = signed_in(reviewer).get(f"{API}/implementations").json()
    assert [i["code"] for i in everything["items"]] == [
        "000105001000.4201-SCJG",
        "000105001000.420106-SCJG",
        "000105001000.420502-SCJG",
    ]
    assert everything["items"][0]["current_version"] is None
    assert everything["items"][1]["latest_status"] == "published"
    mine = signed_in(clerk).get(f"{API}/implementations").json()
    assert [i["code"] for i in mine["items"]] == ["000105001000.420106-SCJG"]
    assert signed_in(outsider).get(f"{API}/implementations").json()["count"] == 0


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"region": "4201"}, ["000105001000.4201-SCJG", "000105001000.420106-SCJG"]),
        ({"region": "4205"}, ["000105001000.420502-SCJG"]),
        ({"department": "4201-SCJG"}, ["000105001000.4201-SCJG"]),
        ({"item": "000105001000", "status": "published"}, ["000105001000.420106-SCJG"]),
        ({"status": "draft"}, ["000105001000.4201-SCJG", "000105001000.420502-SCJG"]),
        ({"item": "999"}, []),
    ],
)
def test_the_implementation_list_filters(
    published: Any,
    item: Any,
    reviewer: Any,
    regions: Any,
    query: dict[str, str],
    expected: list[str],
) -> None:
    more_implementations(item, reviewer, regions)
    body = signed_in(reviewer).get(f"{API}/implementations", query).json()
    assert [i["code"] for i in body["items"]] == expected
    assert body["count"] == len(expected)


def test_the_implementation_list_refuses_unknown_filters(implementation: Any, reviewer: Any):
    client = signed_in(reviewer)
    region = assert_error(client.get(f"{API}/implementations?region=99"), 422, "region_unknown")
    assert pointers(region) == [("region", "region_unknown")]
    department = client.get(f"{API}/implementations?department=NO-SUCH")
    assert pointers(assert_error(department, 422, "department_unknown")) == [
        ("department", "department_unknown")
    ]
    assert_error(client.get(f"{API}/implementations?status=lost"), 422, "validation_error")


def test_the_implementation_list_is_for_staff(implementation: Any, citizen: Any) -> None:
    assert_error(Client().get(f"{API}/implementations"), 401, "not_authenticated")
    assert_error(signed_in(citizen).get(f"{API}/implementations"), 403, "permission_denied")


def test_the_implementation_list_keeps_its_query_budget(
    published: Any,
    item: Any,
    reviewer: Any,
    regions: Any,
    django_assert_max_num_queries: Any,
) -> None:
    more_implementations(item, reviewer, regions)
    client = signed_in(reviewer)
    client.get(f"{API}/implementations")  # warm the session
    # session, account, session record, roles, count, page: the same for 3 rows or 300
    with django_assert_max_num_queries(8):
        body = client.get(f"{API}/implementations", {"region": "42"}).json()
    assert body["count"] == 3


# --- consistency (三级四同) ---------------------------------------------------------------


def test_the_consistency_report_shows_where_an_implementation_differs(
    published: Any, item: Any, item_owner: Any, reviewer: Any, clerk: Any, outsider: Any
) -> None:
    assert signed_in(reviewer).get(f"{API}/consistency").json() == []
    services.update_item(
        actor=item_owner, item=item, data=ItemIn(**item_data(name="个体工商户登记"))
    )

    rows = signed_in(clerk).get(f"{API}/consistency").json()

    assert rows == [
        {
            "implementation_code": published.code,
            "department_name": "武昌区市场监督管理局",
            "region_code": "420106",
            "version": 1,
            "field": "name",
            "local_value": "个体工商户设立登记",
            "master_value": "个体工商户登记",
        }
    ]
    assert signed_in(outsider).get(f"{API}/consistency").json() == []


def test_the_consistency_report_is_for_staff(published: Any, citizen: Any) -> None:
    assert_error(Client().get(f"{API}/consistency"), 401, "not_authenticated")
    assert_error(signed_in(citizen).get(f"{API}/consistency"), 403, "permission_denied")


# --- the API as a whole -------------------------------------------------------------------


def test_the_catalogue_is_in_the_openapi_schema(client: Any) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/catalog/search",
        "/api/v1/catalog/items",
        "/api/v1/catalog/implementations/{code}/versions/{number}/publish",
        "/api/v1/catalog/life-events/{code}/merged",
        "/api/v1/catalog/consistency",
        "/api/v1/catalog/export.json",  # the transfer router, mounted into the catalogue's
    ):
        assert path in paths, path
    publish = paths["/api/v1/catalog/implementations/{code}/versions/{number}/publish"]["post"]
    assert {"200", "401", "403", "404", "409", "422"} <= set(publish["responses"])


@pytest.mark.django_db
def test_control_characters_are_refused_with_the_field_named(
    client: Any, catalog_editor: Any, implementation: Any
) -> None:
    client.force_login(catalog_editor)
    url = f"/api/v1/catalog/implementations/{implementation.code}/versions/1"
    before = implementation.versions.get().hall_address

    response = client.put(
        url,
        {"promised_limit_days": 5, "hall_address": "中北路\x001号", "form_schema": {}},
        content_type="application/json",
    )

    assert response.status_code == 422, response.content
    assert response.json()["code"] == "validation_error"
    assert [e["field"] for e in response.json()["details"]["errors"]] == ["payload.hall_address"]
    assert implementation.versions.get().hall_address == before
