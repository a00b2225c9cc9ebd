"""The exchange pages through Django's test client: each page for the right persona, bad input
pointed out on its field (never a 500), 403 for citizens, 404 for another department's
private things, and nothing changed by a refused action."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from tests.exchange.conftest import make_resource
from yiwang.exchange import services
from yiwang.exchange.models import (
    CallLogEntry,
    ConsumerApp,
    DataResource,
    ErrorReport,
    Mount,
    RequestStatus,
    ShareGrant,
    ShareRequest,
)

pytestmark = pytest.mark.django_db

ITEMS = "id_number|公民身份号码|字符|是|\nname|姓名||是|\ngender|性别|string|否|"


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def resource_post(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "provider": "4201-GAJ",
        "code": "GA-NEW-001",
        "name": "流动人口信息",
        "classification": "1.01.002",
        "abstract": "流动人口居住登记信息。",
        "format": "数据库",
        "share_type": "unconditional",
        "share_methods": ["api"],
        "open_type": "not_open",
        "update_cycle": "daily",
        "items": ITEMS,
    }
    data.update(overrides)
    return data


# --- who may see what ---------------------------------------------------------------------------


PAGES = [
    "/staff/exchange/",
    "/staff/exchange/requests/",
    "/staff/exchange/grants/",
    "/staff/exchange/apps/",
    "/staff/exchange/calls/",
    "/staff/exchange/quality/",
    "/staff/exchange/resources/new/",
]


@pytest.mark.parametrize("url", PAGES)
def test_citizens_get_403_and_the_anonymous_are_sent_to_sign_in(url: str, citizen: Any) -> None:
    assert signed_in(citizen).get(url).status_code == 403
    assert Client().get(url).status_code == 302


def test_staff_without_an_exchange_role_get_403(clerk: Any) -> None:
    assert signed_in(clerk).get("/staff/exchange/").status_code == 403


@pytest.mark.parametrize("url", PAGES)
def test_a_data_officer_sees_every_page(url: str, police_officer: Any, population: Any) -> None:
    response = signed_in(police_officer).get(url)
    assert response.status_code == 200
    assert "数据共享交换" in response.content.decode()


def test_staff_home_links_to_the_exchange(police_officer: Any) -> None:
    page = signed_in(police_officer).get("/staff/").content.decode()
    assert "/staff/exchange/" in page


def test_the_auditor_reads_the_catalogue_calls_and_quality_but_asks_for_nothing(
    auditor: Any, population: Any
) -> None:
    client = signed_in(auditor)
    assert client.get("/staff/exchange/").status_code == 200
    assert client.get("/staff/exchange/calls/").status_code == 200
    assert client.get("/staff/exchange/quality/").status_code == 200
    assert client.get("/staff/exchange/apps/").status_code == 403
    assert client.get(f"/staff/exchange/resources/{population.code}/request/").status_code == 403


# --- the catalogue ------------------------------------------------------------------------------


def test_search_by_a_chinese_keyword_and_filters(
    hrss_officer: Any, population: Any, household: Any
) -> None:
    client = signed_in(hrss_officer)
    page = client.get("/staff/exchange/", {"q": "户籍变动"}).content.decode()
    assert "户籍变动信息" in page
    assert "人口基础信息" not in page
    page = client.get("/staff/exchange/", {"share_type": "unconditional"}).content.decode()
    assert "人口基础信息" in page and "户籍变动信息" not in page
    # a provider not offered does not fail the page
    assert client.get("/staff/exchange/", {"provider": "nope", "page": "x"}).status_code == 200


def test_other_departments_drafts_are_404(
    hrss_officer: Any, police_officer: Any, police: Any
) -> None:
    draft = make_resource(police_officer, police, "GA-DRAFT-1", publish=False)
    client = signed_in(hrss_officer)
    assert client.get(f"/staff/exchange/resources/{draft.code}/").status_code == 404
    assert client.get(f"/staff/exchange/resources/{draft.code}/edit/").status_code == 404
    assert (
        signed_in(police_officer).get(f"/staff/exchange/resources/{draft.code}/").status_code == 200
    )


def test_another_departments_published_resource_cannot_be_edited(
    hrss_officer: Any, population: Any
) -> None:
    client = signed_in(hrss_officer)
    assert client.get(f"/staff/exchange/resources/{population.code}/edit/").status_code == 403
    response = client.post(
        f"/staff/exchange/resources/{population.code}/do/withdraw/", {"withdraw-reason": "x"}
    )
    assert response.status_code == 403
    population.refresh_from_db()
    assert population.status == "published"


def test_register_a_resource_publish_and_mount_it(police_officer: Any, police: Any) -> None:
    client = signed_in(police_officer)
    response = client.post("/staff/exchange/resources/new/", resource_post())
    assert response.status_code == 302
    resource = DataResource.objects.get(code="GA-NEW-001")
    assert [f.name for f in resource.fields.all()] == ["id_number", "name", "gender"]
    assert resource.fields.get(name="name").personal
    assert {f.authoritative_source for f in resource.fields.all()} == {police.code}
    url = f"/staff/exchange/resources/{resource.code}/"
    assert client.post(url + "do/publish/").status_code == 302
    response = client.post(url + "do/mount-table/", {"table-source": "population"})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "已发布" in page and "population" in page and "第 1 版" in page
    assert Mount.objects.get(resource=resource).kind == "table"


def test_bad_fields_table_is_pointed_out_by_line(police_officer: Any, police: Any) -> None:
    client = signed_in(police_officer)
    bad = "id_number|公民身份号码|字符|是|\nid_number|重复|字符|否|\nname|姓名|颜色|否|"
    response = client.post("/staff/exchange/resources/new/", resource_post(items=bad))
    page = response.content.decode()
    assert response.status_code == 422
    assert "第 3 行" in page and "颜色" in page
    response = client.post(
        "/staff/exchange/resources/new/",
        resource_post(items="id_number|号码|字符|是|\nid_number|重复|字符|否|NOPE"),
    )
    page = response.content.decode()
    assert response.status_code == 422
    assert "第 2 行" in page and "重复" in page and "NOPE" in page
    assert 'href="#id_items"' in page
    assert not DataResource.objects.filter(code="GA-NEW-001").exists()


def test_missing_metadata_and_conditions_are_field_errors(police_officer: Any) -> None:
    client = signed_in(police_officer)
    response = client.post(
        "/staff/exchange/resources/new/",
        resource_post(name="", share_type="conditional", share_conditions=""),
    )
    page = response.content.decode()
    assert response.status_code == 422
    assert "请填写资源名称" in page
    response = client.post(
        "/staff/exchange/resources/new/",
        resource_post(share_type="conditional", share_conditions=""),
    )
    assert response.status_code == 422
    assert "有条件共享的资源须填写共享条件" in response.content.decode()


def test_edit_withdraw_needs_a_reason_and_bad_mounts(police_officer: Any, population: Any) -> None:
    client = signed_in(police_officer)
    url = f"/staff/exchange/resources/{population.code}/"
    response = client.get(url + "edit/")
    assert "id_number|公民身份号码" in response.content.decode()
    response = client.post(url + "do/withdraw/", {"withdraw-reason": ""})
    assert response.status_code == 422
    assert "请填写原因" in response.content.decode()
    response = client.post(url + "do/mount-api/", {"api-url": "ftp://x"})
    assert response.status_code == 422
    assert "http 或 https" in response.content.decode()
    response = client.post(url + "do/mount-table/", {"table-source": "legal_entities"})
    assert response.status_code == 422
    assert "没有这些信息项" in response.content.decode()
    response = client.post(url + "do/publish/")  # nothing changed since publishing
    assert response.status_code == 409
    assert client.post(url + "do/nonsense/").status_code == 404
    assert client.post(url + "do/withdraw/", {"withdraw-reason": "停止共享"}).status_code == 302
    population.refresh_from_db()
    assert population.status == "withdrawn"


def test_exports(hrss_officer: Any, population: Any) -> None:
    client = signed_in(hrss_officer)
    response = client.get("/staff/exchange/export.json")
    assert [e["code"] for e in json.loads(response.content)] == [population.code]
    response = client.get("/staff/exchange/export.xlsx")
    assert response.content[:2] == b"PK"
    assert client.get("/staff/exchange/export.csv").status_code == 404


# --- requests -----------------------------------------------------------------------------------


def test_request_decide_and_revoke(
    hrss_officer: Any, police_officer: Any, household: Any, hrss: Any
) -> None:
    consumer, provider = signed_in(hrss_officer), signed_in(police_officer)
    url = f"/staff/exchange/resources/{household.code}/request/"
    # bad input on its fields
    response = consumer.post(url, {"purpose": "", "valid_until": "明天"})
    page = response.content.decode()
    assert response.status_code == 422
    assert "请选择至少一个信息项" in page and "请填写数据用途" in page and "2030-12-31" in page
    response = consumer.post(url, {"field_names": ["secret"], "purpose": "x", "legal_basis": "y"})
    assert response.status_code == 422
    assert not ShareRequest.objects.exists()
    # a good one
    response = consumer.post(
        url,
        {
            "field_names": ["id_number", "name"],
            "purpose": "社保待遇核定",
            "legal_basis": "社会保险法",
        },
    )
    assert response.status_code == 302
    share = ShareRequest.objects.get()
    assert share.status == RequestStatus.PENDING and share.fields == ["id_number", "name"]
    assert "社保待遇核定" not in consumer.get("/staff/exchange/requests/").content.decode()
    assert household.name in consumer.get("/staff/exchange/requests/").content.decode()
    assert household.name in provider.get("/staff/exchange/requests/queue/").content.decode()
    # the consumer cannot decide; the provider can
    action = f"/staff/exchange/requests/{share.pk}/do/"
    assert consumer.post(action + "approve/", {"approve-field_names": ["name"]}).status_code == 403
    response = provider.post(action + "reject/", {"reject-reason": ""})
    assert response.status_code == 422
    response = provider.post(action + "approve/", {"approve-field_names": ["gender"]})
    assert response.status_code == 422
    response = provider.post(
        action + "approve/", {"approve-field_names": ["name"], "approve-expires_on": "2000-01-01"}
    )
    assert response.status_code == 422
    assert "授权期限须晚于当前时间" in response.content.decode()
    response = provider.post(action + "approve/", {"approve-field_names": ["name"]})
    assert response.status_code == 302
    grant = ShareGrant.objects.get()
    assert grant.fields == ["name"] and not grant.personal_unmasked
    assert household.name in consumer.get("/staff/exchange/grants/").content.decode()
    # the provider revokes it, with a reason
    revoke = f"/staff/exchange/grants/{grant.pk}/revoke/"
    assert consumer.get(revoke).status_code == 403
    assert provider.post(revoke, {"reason": ""}).status_code == 422
    assert provider.post(revoke, {"reason": "用途已结束"}).status_code == 302
    grant.refresh_from_db()
    assert grant.revoked_reason == "用途已结束"


def test_another_departments_request_and_grant_are_404(
    outsider_officer: Any, population_grant: Any
) -> None:
    client = signed_in(outsider_officer)
    assert client.get(f"/staff/exchange/requests/{population_grant.request_id}/").status_code == 404
    assert client.get(f"/staff/exchange/grants/{population_grant.pk}/revoke/").status_code == 404


def test_asking_for_ones_own_resource_is_refused_on_the_page(
    police_officer: Any, population: Any
) -> None:
    response = signed_in(police_officer).post(
        f"/staff/exchange/resources/{population.code}/request/",
        {"field_names": ["name"], "purpose": "x", "legal_basis": "y"},
    )
    assert response.status_code == 409
    assert "本部门的资源无需申请" in response.content.decode()


# --- applications -------------------------------------------------------------------------------


def test_create_an_app_shows_the_key_once(hrss_officer: Any, outsider_officer: Any) -> None:
    client = signed_in(hrss_officer)
    assert client.post("/staff/exchange/apps/", {"name": ""}).status_code == 422
    response = client.post("/staff/exchange/apps/", {"name": "社保业务系统"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    app = ConsumerApp.objects.get()
    key = page.split('id="api-key" value="', 1)[1].split('"', 1)[0]
    assert services.app_for_api_key(key) == app
    assert key not in client.get("/staff/exchange/apps/").content.decode()
    # rotate: a new key, the old one dead
    page = client.post(f"/staff/exchange/apps/{app.pk}/do/rotate/").content.decode()
    new_key = page.split('id="api-key" value="', 1)[1].split('"', 1)[0]
    assert services.app_for_api_key(key) is None and services.app_for_api_key(new_key) == app
    # someone else's app is 404
    other = signed_in(outsider_officer)
    assert other.post(f"/staff/exchange/apps/{app.pk}/do/deactivate/").status_code == 404
    app.refresh_from_db()
    assert app.is_active
    assert client.post(f"/staff/exchange/apps/{app.pk}/do/deactivate/").status_code == 302
    app.refresh_from_db()
    assert not app.is_active


def test_oauth_client_secret_shown_once(hrss_officer: Any, hrss_app: Any) -> None:
    app, _key = hrss_app
    response = signed_in(hrss_officer).post(f"/staff/exchange/apps/{app.pk}/do/oauth/")
    page = response.content.decode()
    app.refresh_from_db()
    assert app.oauth_client_id and app.oauth_client_id in page
    assert 'id="client-secret"' in page


# --- the call log and quality -------------------------------------------------------------------


def test_call_log_verifies_and_exports_for_auditors(
    hrss_officer: Any, auditor: Any, population_grant: Any, hrss_app: Any
) -> None:
    from yiwang.exchange import msglog

    app, _key = hrss_app
    msglog.append(
        app=app,
        consumer_code=app.department.code,
        grant=population_grant,
        resource_code=population_grant.resource.code,
        purpose="社保参保登记核验身份",
        query={},
        record_ids=[1],
        response=lambda seq: b"{}",
        outcome="ok",
    )
    client = signed_in(hrss_officer)
    page = client.get("/staff/exchange/calls/").content.decode()
    assert "社保参保登记核验身份" in page and "社保业务系统" in page
    page = client.get("/staff/exchange/calls/", {"outcome": "refused"}).content.decode()
    assert "社保参保登记核验身份" not in page
    page = client.post("/staff/exchange/calls/verify/").content.decode()
    assert "日志链校验通过" in page
    assert client.get("/staff/exchange/calls/export.jsonl").status_code == 403
    response = signed_in(auditor).get("/staff/exchange/calls/export.jsonl")
    lines = response.content.decode().splitlines()
    assert len(lines) == CallLogEntry.objects.count() == 1


def test_quality_and_error_reports(
    hrss_officer: Any, police_officer: Any, admin: Any, population_grant: Any
) -> None:
    resource = population_grant.resource
    page = signed_in(police_officer).get("/staff/exchange/quality/").content.decode()
    assert "武汉市公安局" in page and "挂接率" in page
    assert "全平台" in signed_in(admin).get("/staff/exchange/quality/").content.decode()
    consumer = signed_in(hrss_officer)
    url = f"/staff/exchange/resources/{resource.code}/report/"
    response = consumer.post(url, {"record_key": "", "field_name": "nope", "description": ""})
    assert response.status_code == 422
    assert not ErrorReport.objects.exists()
    response = consumer.post(
        url, {"record_key": "11010519491231002X", "field_name": "gender", "description": "性别错"}
    )
    assert response.status_code == 302
    report = ErrorReport.objects.get()
    provider = signed_in(police_officer)
    assert (
        f"/staff/exchange/reports/{report.pk}/"
        in provider.get("/staff/exchange/quality/").content.decode()
    )
    report_url = f"/staff/exchange/reports/{report.pk}/"
    assert consumer.post(report_url, {"corrected": "yes", "resolution": "x"}).status_code == 403
    assert provider.post(report_url, {"resolution": ""}).status_code == 422
    assert (
        provider.post(report_url, {"corrected": "no", "resolution": "核实无误"}).status_code == 302
    )
    report.refresh_from_db()
    assert report.status == "rejected"


def test_reporting_without_a_grant_is_refused_on_the_page(
    outsider_officer: Any, population: Any
) -> None:
    response = signed_in(outsider_officer).post(
        f"/staff/exchange/resources/{population.code}/report/",
        {"record_key": "k", "field_name": "gender", "description": "d"},
    )
    assert response.status_code == 403
    assert "没有该资源的有效授权" in response.content.decode()
    assert not ErrorReport.objects.exists()
