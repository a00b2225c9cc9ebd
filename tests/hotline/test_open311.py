"""Open311 GeoReport v2 at /open311/v2/: every endpoint in JSON and XML, a POST with a key
filing an order that GET then shows, and every refusal in GeoReport's error format."""

from __future__ import annotations

from typing import Any

import pytest
from defusedxml import ElementTree

from yiwang.hotline import open311
from yiwang.hotline.models import Channel, WorkOrder

pytestmark = pytest.mark.django_db

BASE = "/open311/v2"


@pytest.fixture
def api_key(topics: Any, deadline_rules: None) -> str:
    _client, key = open311.create_client(actor="test", name="随手拍 App")
    return key


def _post(client: Any, fmt: str = "json", **fields: str) -> Any:
    return client.post(f"{BASE}/requests.{fmt}", fields)


def _good(api_key: str, **overrides: str) -> dict[str, str]:
    fields = {
        "api_key": api_key,
        "service_code": "0101",
        "lat": "30.545",
        "long": "114.342",
        "address_string": "武昌区积玉桥街道某小区",
        "description": "小区物业长期不清理楼道垃圾，气味很大。",
        "first_name": "三",
        "last_name": "张",
        "phone": "13912345678",
        "email": "zhang@example.com",
        "media_url": "https://example.com/photo.jpg",
    }
    fields.update(overrides)
    return fields


def _xml(response: Any) -> Any:
    assert response["Content-Type"].startswith("text/xml")
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return ElementTree.fromstring(response.content)


def _json_error(response: Any, status: int) -> str:
    assert response.status_code == status
    body = response.json()
    assert isinstance(body, list)
    assert body[0]["code"] == status
    return str(body[0]["description"])


def _xml_error(response: Any, status: int) -> str:
    assert response.status_code == status
    root = _xml(response)
    assert root.tag == "errors"
    assert root.find("error/code").text == str(status)
    return str(root.find("error/description").text)


def test_services_list_the_active_leaf_topics(client: Any, topics: Any) -> None:
    as_json = client.get(f"{BASE}/services.json")
    as_xml = client.get(f"{BASE}/services.xml")

    assert as_json.status_code == 200
    services = as_json.json()
    assert [s["service_code"] for s in services] == ["0101", "0102"]
    first = services[0]
    assert first["service_name"] == "物业服务"
    assert first["metadata"] is False
    assert first["type"] == "realtime"
    assert first["group"] == "住房与物业"
    assert "物管" in first["keywords"].split(",")
    root = _xml(as_xml)
    assert root.tag == "services"
    assert [s.find("service_code").text for s in root.findall("service")] == ["0101", "0102"]
    assert root.find("service/metadata").text == "false"
    assert root.find("service/group").text == "住房与物业"


def test_service_definition(client: Any, topics: Any) -> None:
    as_json = client.get(f"{BASE}/services/0101.json")
    as_xml = client.get(f"{BASE}/services/0101.xml")

    assert as_json.json() == {"service_code": "0101", "attributes": []}
    root = _xml(as_xml)
    assert root.tag == "service_definition"
    assert root.find("service_code").text == "0101"
    assert list(root.find("attributes")) == []


def test_unknown_or_inactive_service_is_404(client: Any, topics: Any) -> None:
    assert "9999" in _json_error(client.get(f"{BASE}/services/9999.json"), 404)
    _xml_error(client.get(f"{BASE}/services/0199.xml"), 404)
    _json_error(client.get(f"{BASE}/nothing-here.json"), 404)


def test_post_files_an_order_that_get_shows(client: Any, api_key: str) -> None:
    created = _post(client, **_good(api_key))

    assert created.status_code == 201
    number = created.json()[0]["service_request_id"]
    order = WorkOrder.objects.get(number=number)
    assert order.channel == Channel.OPEN311
    assert order.topic.code == "0101"
    assert order.lead_department.name == "武汉市住房和城市更新局"
    assert order.open311_client.name == "随手拍 App"

    one = client.get(f"{BASE}/requests/{number}.json").json()
    listed = client.get(f"{BASE}/requests.json").json()
    as_xml = _xml(client.get(f"{BASE}/requests/{number}.xml"))

    assert len(one) == 1
    shown = one[0]
    assert shown["service_request_id"] == number
    assert shown["status"] == "open"
    assert shown["service_code"] == "0101"
    assert shown["agency_responsible"] == "武汉市住房和城市更新局"
    assert shown["lat"] == pytest.approx(30.545)
    assert shown["long"] == pytest.approx(114.342)
    assert shown["media_url"] == "https://example.com/photo.jpg"
    assert shown["requested_datetime"].endswith("+08:00")
    assert shown["expected_datetime"] is not None
    assert [r["service_request_id"] for r in listed] == [number]
    assert as_xml.tag == "service_requests"
    assert as_xml.find("request/service_request_id").text == number
    assert as_xml.find("request/status").text == "open"
    # No personal data in public answers.
    text = str(one) + str(listed) + client.get(f"{BASE}/requests.xml").content.decode()
    for secret in ("13912345678", "zhang@example.com", "张三"):
        assert secret not in text


def test_post_answers_in_xml(client: Any, api_key: str) -> None:
    created = _post(client, "xml", **_good(api_key, lat="", long=""))

    assert created.status_code == 201
    root = _xml(created)
    assert root.tag == "service_requests"
    number = root.find("request/service_request_id").text
    assert WorkOrder.objects.get(number=number).address == "武昌区积玉桥街道某小区"


def test_get_filters(client: Any, api_key: str) -> None:
    first = _post(client, **_good(api_key)).json()[0]["service_request_id"]
    second = _post(client, **_good(api_key, service_code="0102", description="楼顶漏水")).json()[0][
        "service_request_id"
    ]

    def ids(**params: str) -> list[str]:
        response = client.get(f"{BASE}/requests.json", params)
        assert response.status_code == 200
        return [r["service_request_id"] for r in response.json()]

    assert ids(service_code="0102") == [second]
    assert set(ids(service_request_id=f"{first},{second}")) == {first, second}
    assert set(ids(status="open")) == {first, second}
    assert ids(status="closed") == []
    assert ids(start_date="2000-01-01T00:00:00Z", end_date="2000-02-01T00:00:00+08:00") == []
    assert set(ids(start_date="2000-01-01T00:00:00Z")) == {first, second}


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_bad_api_key_is_403(client: Any, api_key: str, fmt: str) -> None:
    check = _json_error if fmt == "json" else _xml_error
    prefix = api_key.split(".")[0]

    check(_post(client, fmt, **_good(f"{prefix}.wrong")), 403)
    check(_post(client, fmt, **_good("")), 403)
    assert not WorkOrder.objects.exists()


def test_a_revoked_client_is_refused(client: Any, topics: Any, deadline_rules: None) -> None:
    registered, key = open311.create_client(actor="test", name="旧应用")
    open311.revoke_client(actor="test", client=registered)

    _json_error(_post(client, **_good(key)), 403)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_missing_location_is_400(client: Any, api_key: str, fmt: str) -> None:
    check = _json_error if fmt == "json" else _xml_error

    description = check(
        _post(client, fmt, **_good(api_key, lat="", long="", address_string="")), 400
    )
    check(_post(client, fmt, **_good(api_key, long="")), 400)
    check(_post(client, fmt, **_good(api_key, lat="north")), 400)
    check(_post(client, fmt, **_good(api_key, lat="95")), 400)

    assert "address_string" in description
    assert not WorkOrder.objects.exists()


def test_other_bad_posts(client: Any, api_key: str) -> None:
    _json_error(_post(client, **_good(api_key, service_code="")), 400)
    _json_error(_post(client, **_good(api_key, service_code="9999")), 404)
    _json_error(_post(client, **_good(api_key, description="")), 400)
    _json_error(_post(client, **_good(api_key, description="长" * 4001)), 400)
    _json_error(_post(client, **_good(api_key, media_url="javascript:alert(1)")), 400)
    assert not WorkOrder.objects.exists()


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_malformed_dates_and_status_are_400(client: Any, topics: Any, fmt: str) -> None:
    check = _json_error if fmt == "json" else _xml_error

    description = check(client.get(f"{BASE}/requests.{fmt}", {"start_date": "昨天"}), 400)
    check(client.get(f"{BASE}/requests.{fmt}", {"end_date": "2024-13-45"}), 400)
    check(
        client.get(
            f"{BASE}/requests.{fmt}",
            {"start_date": "2024-02-01T00:00:00Z", "end_date": "2024-01-01T00:00:00Z"},
        ),
        400,
    )
    check(client.get(f"{BASE}/requests.{fmt}", {"status": "pending"}), 400)

    assert "start_date" in description


def test_unknown_request_is_404(client: Any, topics: Any) -> None:
    _json_error(client.get(f"{BASE}/requests/20240101000001.json"), 404)
    _xml_error(client.get(f"{BASE}/requests/20240101000001.xml"), 404)


def test_only_admins_create_clients(outsider: Any) -> None:
    from yiwang.kernel.errors import DomainError

    with pytest.raises(DomainError) as refused:
        open311.create_client(actor=outsider, name="x")

    assert refused.value.status == 403
