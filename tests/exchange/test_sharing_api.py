"""The staff API: anonymous → 401, another department → 403/404, permitted → 2xx."""

from __future__ import annotations

from tests.exchange.conftest import fields_of, resource_meta

BASE = "/api/v1/exchange"


def test_anonymous_gets_401(client, population):
    assert client.get(f"{BASE}/resources").status_code == 401


def test_staff_read_the_catalogue_and_export(client, clerk, population):
    client.force_login(clerk)
    found = client.get(f"{BASE}/resources", {"q": "人口"}).json()
    assert found["total"] == 1 and found["items"][0]["code"] == "GA-RK-001"
    assert client.get(f"{BASE}/resources/GA-RK-001").json()["fields"][0]["name"] == "id_number"
    exported = client.get(f"{BASE}/resources/export").json()
    assert exported[0]["code"] == "GA-RK-001"
    xlsx = client.get(f"{BASE}/resources/export", {"format": "xlsx"})
    assert xlsx.content[:2] == b"PK"


def test_citizens_are_refused(client, citizen, population):
    client.force_login(citizen)
    assert client.get(f"{BASE}/resources").status_code == 403


def test_create_publish_and_refusals(client, police_officer, hrss_officer, police):
    body = {"code": "GA-X-1", "provider_code": police.code, **resource_meta()}
    body["fields"] = fields_of(police.code)
    client.force_login(hrss_officer)
    assert (
        client.post(f"{BASE}/resources", body, content_type="application/json").status_code == 403
    )
    client.force_login(police_officer)
    created = client.post(f"{BASE}/resources", body, content_type="application/json")
    assert created.status_code == 201, created.content
    body["code"] = "GA-X-2"
    body["fields"] = body["fields"] + [body["fields"][0]]
    dup = client.post(f"{BASE}/resources", body, content_type="application/json")
    assert dup.status_code == 422 and dup.json()["code"] == "exchange_duplicate_field"
    published = client.post(f"{BASE}/resources/GA-X-1/publish")
    assert published.json()["status"] == "published"
    client.force_login(hrss_officer)
    assert client.post(f"{BASE}/resources/GA-X-1/publish").status_code == 403


def test_request_decide_and_grants(
    client, hrss_officer, police_officer, outsider_officer, household
):
    client.force_login(hrss_officer)
    made = client.post(
        f"{BASE}/requests",
        {
            "resource_code": household.code,
            "fields": ["id_number"],
            "purpose": "核验",
            "legal_basis": "法规",
        },
        content_type="application/json",
    )
    assert made.status_code == 201 and made.json()["status"] == "pending"
    request_id = made.json()["id"]
    client.force_login(outsider_officer)
    assert client.get(f"{BASE}/requests/{request_id}").status_code == 404
    assert (
        client.post(
            f"{BASE}/requests/{request_id}/decision",
            {"approve": True},
            content_type="application/json",
        ).status_code
        == 404
    )
    client.force_login(police_officer)
    pending = client.get(f"{BASE}/requests", {"role": "provider", "status": "pending"}).json()
    assert [r["id"] for r in pending] == [request_id]
    decided = client.post(
        f"{BASE}/requests/{request_id}/decision", {"approve": True}, content_type="application/json"
    )
    assert decided.json()["status"] == "approved"
    client.force_login(hrss_officer)
    grants = client.get(f"{BASE}/grants", {"active": True}).json()
    assert grants[0]["state"] == "active" and grants[0]["fields"] == ["id_number"]


def test_apps_key_shown_once(client, hrss_officer, outsider_officer):
    client.force_login(hrss_officer)
    made = client.post(f"{BASE}/apps", {"name": "社保系统"}, content_type="application/json")
    assert made.status_code == 201 and made.json()["api_key"].startswith("ywk_")
    app_id = made.json()["app"]["id"]
    assert "api_key" not in client.get(f"{BASE}/apps").json()[0]
    client.force_login(outsider_officer)
    assert client.post(f"{BASE}/apps/{app_id}/rotate-key").status_code == 404


def test_quality(client, police_officer, outsider_officer, population):
    client.force_login(police_officer)
    figures = client.get(f"{BASE}/quality").json()
    assert figures["department_code"] == "4201-GAJ" and figures["published"] == 1
    client.force_login(outsider_officer)
    assert client.get(f"{BASE}/quality", {"department": "4201-GAJ"}).status_code == 404
