"""The work-order API (/api/v1/hotline/): the shared checks (anonymous 401, outsider 404,
permitted 2xx with its audit row) and the closed loop with its bad paths."""

from __future__ import annotations

from typing import Any

import pytest

from yiwang.kernel.models import AuditEntry

pytestmark = pytest.mark.django_db

BASE = "/api/v1/hotline"


@pytest.fixture(autouse=True)
def _no_model(settings: Any, tmp_path: Any) -> None:
    (tmp_path / "keys").mkdir(exist_ok=True)
    settings.DATA_DIR = tmp_path
    from yiwang.hotline import classifier

    classifier.forget()


@pytest.fixture
def setup(topics: Any, deadline_rules: None, agent: Any, lead_clerk: Any) -> Any:
    return topics


CALL = {
    "channel": "phone",
    "category": "complaint",
    "title": "物业不作为",
    "content": "小区物业长期不打扫楼道，请督促整改。",
    "region_code": "420106",
    "latitude": 30.56,
    "longitude": 114.3,
    "topic_code": "0101",
    "contact_name": "李四",
    "contact_phone": "13812345678",
    "caller_number": "13812345678",
}


def _post(client: Any, user: Any, path: str, body: dict[str, Any]) -> Any:
    client.force_login(user)
    return client.post(f"{BASE}{path}", body, content_type="application/json")


def _order(client: Any, agent: Any, **overrides: Any) -> dict[str, Any]:
    response = _post(client, agent, "/orders", {**CALL, **overrides})
    assert response.status_code == 201, response.json()
    return response.json()  # type: ignore[no-any-return]


def test_shared_checks(client: Any, setup: Any, agent: Any, outsider: Any, lead_clerk: Any) -> None:
    order = _order(client, agent)
    assert order["status"] == "dispatched" and order["lead_department_code"] == "4201-ZFGXJ"
    assert AuditEntry.objects.filter(action="hotline.received").exists()
    client.logout()
    assert client.get(f"{BASE}/orders/{order['id']}").status_code == 401
    client.force_login(outsider)
    response = client.get(f"{BASE}/orders/{order['id']}")
    assert response.status_code == 404 and response.json()["code"] == "hotline_not_found"
    response = _post(client, outsider, f"/orders/{order['id']}/sign-for", {})
    assert response.status_code == 404
    response = _post(client, lead_clerk, f"/orders/{order['id']}/sign-for", {})
    assert response.status_code == 200 and response.json()["status"] == "in_progress"
    assert AuditEntry.objects.filter(action="hotline.signed_for", actor_id=lead_clerk.pk).exists()


def test_bad_intake_answers_4xx_with_a_code(client: Any, setup: Any, agent: Any) -> None:
    for overrides, code in (
        ({"content": ""}, "hotline_text_empty"),
        ({"content": "字" * 6000}, "hotline_text_too_long"),
        ({"topic_code": "7777"}, "hotline_unknown_topic"),
        ({"region_code": "999999"}, "hotline_unknown_region"),
        ({"latitude": 30.5, "longitude": None}, "hotline_coordinates_invalid"),
    ):
        response = _post(client, agent, "/orders", {**CALL, **overrides})
        assert response.status_code == 422, (overrides, response.json())
        assert response.json()["code"] == code
        assert response.json()["message"]


def test_citizen_files_tracks_and_rates(
    client: Any, setup: Any, agent: Any, lead_clerk: Any, citizen: Any
) -> None:
    response = _post(
        client,
        citizen,
        "/orders",
        {
            "channel": "web",
            "category": "complaint",
            "content": "物业费乱收",
            "region_code": "420106",
            "topic_code": "0101",
            "contact_phone": "13900001111",
        },
    )
    assert response.status_code == 201
    order_id = response.json()["id"]
    mine = client.get(f"{BASE}/orders?queue=mine").json()
    assert [o["id"] for o in mine["items"]] == [order_id]
    # the lead's clerk sees the phone (not confidential), an empty reply is refused
    client.force_login(lead_clerk)
    seen = client.get(f"{BASE}/orders/{order_id}").json()
    assert seen["contact_phone"] == "13900001111"
    queue = client.get(f"{BASE}/orders?queue=department").json()
    assert [o["id"] for o in queue["items"]] == [order_id]
    response = _post(client, lead_clerk, f"/orders/{order_id}/reply", {"content": " "})
    assert response.status_code == 422 and response.json()["code"] == "hotline_reply_empty"
    response = _post(client, lead_clerk, f"/orders/{order_id}/reply", {"content": "已核实退费。"})
    assert response.json()["status"] == "replied"
    assert _post(client, agent, f"/orders/{order_id}/complete", {}).status_code == 200
    response = _post(client, citizen, f"/orders/{order_id}/rate", {"score": 0})
    assert response.status_code == 422 and response.json()["code"] == "hotline_rating_invalid"
    response = _post(client, citizen, f"/orders/{order_id}/rate", {"score": 2, "comment": "慢"})
    assert response.status_code == 201
    response = _post(client, citizen, f"/orders/{order_id}/rate", {"score": 3})
    assert response.status_code == 409 and response.json()["code"] == "hotline_already_rated"
    timeline = client.get(f"{BASE}/orders/{order_id}").json()["timeline"]
    assert [e["kind"] for e in timeline][-2:] == ["completed", "rated"]
    response = _post(client, citizen, f"/orders/{order_id}/reopen", {"reason": "仍未退费"})
    assert response.status_code == 200 and response.json()["status"] == "reopened"


def test_send_back_review_supervise_and_merge(
    client: Any, setup: Any, agent: Any, lead_clerk: Any, supervisor: Any, support_clerk: Any
) -> None:
    first = _order(client, agent)
    second = _order(client, agent, latitude=30.5605)
    similar = client.get(f"{BASE}/orders/{first['id']}/similar").json()
    assert [o["id"] for o in similar] == [second["id"]]
    response = _post(client, agent, f"/orders/{first['id']}/merge", {"order_ids": [second["id"]]})
    assert response.status_code == 200
    assert client.get(f"{BASE}/orders/{second['id']}").json()["status"] == "merged"
    response = _post(
        client, supervisor, f"/orders/{first['id']}/supervise", {"note": "加快", "escalate": True}
    )
    assert response.status_code == 200 and response.json()["supervision_level"] == 2
    response = _post(client, lead_clerk, f"/orders/{first['id']}/supervise", {"note": "x"})
    assert response.status_code == 403
    response = _post(client, lead_clerk, f"/orders/{first['id']}/send-back", {"reason": "非本部门"})
    assert response.status_code == 201
    review = _post(
        client,
        agent,
        f"/send-backs/{response.json()['id']}/review",
        {"approve": True, "lead_code": "4201-CGW"},
    )
    assert review.status_code == 200 and review.json()["status"] == "approved"
    assert client.get(f"{BASE}/orders/{first['id']}").json()["lead_department_code"] == "4201-CGW"
    response = _post(client, lead_clerk, f"/orders/{first['id']}/reply", {"content": "x"})
    assert response.status_code == 403
    assert response.json()["code"] == "hotline_department_not_holder"
