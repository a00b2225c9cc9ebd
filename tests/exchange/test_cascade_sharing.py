"""The cascade's meaning in-process, with the peer reached only through the transport
boundary (``cascade.send_envelope``, replaced here): one sharing path for a peer's request,
decisions sent back through the outbox, catalogue copies following publish and withdrawal,
read-only copies, a city officer's request for a province resource through the staff API,
and backflow never overwriting a city's own rows."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.test import Client
from django.utils import timezone

from tests.exchange.conftest import make_resource
from tests.factories import DepartmentFactory
from yiwang.exchange import cascade, cascade_kinds, services
from yiwang.exchange.errors import ErrorCode
from yiwang.exchange.models import DataField, DataResource, PeerNode, ShareGrant, ShareRequest
from yiwang.kernel import events
from yiwang.kernel.errors import DomainError
from yiwang.kernel.models import BasePerson, OutboxEvent
from yiwang.kernel.node import this_node

pytestmark = pytest.mark.django_db
INBOX = "/api/v1/exchange/nodes/inbox"


class Wire:
    """Stands in for the network: records each envelope sent and answers with ``reply``
    (a body, or a DomainError to raise)."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.reply: dict[str, Any] | DomainError = {}

    def __call__(self, peer: PeerNode, envelope: dict[str, Any], **_: Any) -> dict[str, Any]:
        self.sent.append(envelope)
        if isinstance(self.reply, DomainError):
            raise self.reply
        return dict(self.reply)

    def kinds(self) -> list[str]:
        return [e["kind"] for e in self.sent]


def unavailable() -> DomainError:
    return DomainError(ErrorCode.PEER_UNAVAILABLE, "down", status=503)


@pytest.fixture
def wire(monkeypatch: pytest.MonkeyPatch) -> Wire:
    fake = Wire()
    monkeypatch.setattr(cascade, "send_envelope", fake)
    return fake


def _pem(key: Ed25519PrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


# --- at the province (this test node is 42) ----------------------------------------------------


@pytest.fixture
def city_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
def city(city_key: Ed25519PrivateKey, regions: Any) -> PeerNode:
    return cascade.register_peer(
        actor="test",
        node_id="4201",
        name="武汉市节点",
        base_url="http://127.0.0.1:9",
        public_key_pem=_pem(city_key),
    )


def from_city(key: Ed25519PrivateKey, kind: str, body: dict[str, Any]) -> Any:
    message = {
        "id": str(uuid.uuid4()),
        "from": "4201",
        "to": this_node().node_id,
        "kind": kind,
        "sent_at": timezone.now().isoformat(),
        "body": body,
    }
    signature = base64.b64encode(key.sign(cascade.canonical(message))).decode()
    response = Client().post(
        INBOX, {**message, "signature": signature}, content_type="application/json"
    )
    return response.status_code, response.json()


def city_request(resource: DataResource, ref: str = "31") -> dict[str, Any]:
    return {
        "resource": resource.code,
        "consumer": {"code": "4201-YB", "name": "武汉市医保局"},
        "fields": ["id_number", "name"],
        "purpose": "医保参保核验",
        "legal_basis": "《社会保险法》",
        "valid_until": None,
        "ref": ref,
    }


def test_a_city_request_goes_through_request_share_and_the_decision_goes_back(
    city: PeerNode,
    city_key: Any,
    household: DataResource,
    police_officer: Any,
    wire: Wire,
    django_capture_on_commit_callbacks: Any,
) -> None:
    status, reply = from_city(city_key, "share.request", city_request(household))
    assert status == 200, reply
    assert (reply["body"]["status"], reply["body"]["decision"]) == ("pending", None)
    request = ShareRequest.objects.get(pk=reply["body"]["request"])
    assert (request.origin_node, request.remote_ref, request.consumer.code) == (
        "4201",
        "31",
        "4201-YB",
    )
    assert request.due_on is not None  # the same deadline as a local request

    wire.reply = unavailable()
    with django_capture_on_commit_callbacks(execute=True):
        grant = services.approve(actor=police_officer, request=request, personal_unmasked=True)
    event = OutboxEvent.objects.get(topic="exchange.remote_decision")
    assert event.delivered_at is None and "send_remote_decision" in event.last_error

    wire.reply = {"request": 31}
    assert events.deliver(event.pk)
    decision = wire.sent[-1]
    assert (decision["kind"], decision["to"]) == ("share.decision", "4201")
    assert decision["body"]["ref"] == "31"
    assert decision["body"]["remote_request"] == request.pk
    assert decision["body"]["grant"]["personal_unmasked"] is True

    with django_capture_on_commit_callbacks(execute=True):
        services.revoke_grant(actor=police_officer, grant=grant, reason="用途已结束")
    assert wire.sent[-1]["body"]["grant"]["revoked_at"]


def test_an_unconditional_city_request_is_granted_in_the_reply(
    city: PeerNode,
    city_key: Any,
    population: DataResource,
    wire: Wire,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        status, reply = from_city(city_key, "share.request", city_request(population, "7"))
    assert status == 200, reply
    body = reply["body"]
    assert body["status"] == "approved"
    assert (body["decision"]["ref"], body["decision"]["grant"]["fields"]) == (
        "7",
        ["id_number", "name"],
    )
    assert ShareGrant.objects.get(origin_node="4201").consumer.code == "4201-YB"
    assert not OutboxEvent.objects.filter(topic="exchange.remote_decision").exists()
    assert wire.sent == []


def test_a_city_request_for_unknown_fields_is_refused_like_a_local_one(
    city: PeerNode, city_key: Any, household: DataResource
) -> None:
    body = {**city_request(household), "fields": ["salary"]}
    status, answer = from_city(city_key, "share.request", body)
    assert (status, answer["code"]) == (422, "exchange_request_invalid")
    assert not ShareRequest.objects.filter(origin_node="4201").exists()


def test_publish_and_withdraw_cascade_to_peers_with_outbox_retry(
    city: PeerNode,
    police_officer: Any,
    police: Any,
    wire: Wire,
    django_capture_on_commit_callbacks: Any,
) -> None:
    wire.reply = unavailable()
    with django_capture_on_commit_callbacks(execute=True):
        resource = make_resource(police_officer, police, "GA-CASCADE-1")
    event = OutboxEvent.objects.get(topic="exchange.resource_published")
    assert event.delivered_at is None and "4201" in event.last_error

    wire.reply = {"taken": 1}
    assert events.deliver(event.pk)
    sent = wire.sent[-1]
    assert sent["kind"] == "catalog.publish"
    [item] = sent["body"]["resources"]
    assert (item["code"], item["status"]) == ("GA-CASCADE-1", "published")

    with django_capture_on_commit_callbacks(execute=True):
        services.withdraw_resource(actor=police_officer, resource=resource, reason="停止提供")
    assert wire.sent[-1]["body"]["resources"][0]["status"] == "withdrawn"
    assert not OutboxEvent.objects.filter(delivered_at__isnull=True).exists()


# --- at a city (this node acts as 4201; the province is peer 42) ------------------------------


@pytest.fixture
def as_city(settings: Any) -> Iterator[None]:
    settings.YIWANG_NODE_REGION = "4201"
    this_node.cache_clear()
    yield
    this_node.cache_clear()


@pytest.fixture
def province(as_city: None, regions: Any) -> PeerNode:
    return cascade.register_peer(
        actor="test",
        node_id="42",
        name="湖北省节点",
        base_url="http://127.0.0.1:9",
        public_key_pem=_pem(Ed25519PrivateKey.generate()),
        is_parent=True,
    )


@pytest.fixture
def province_copy(province: PeerNode, regions: Any) -> DataResource:
    """The city's copy of the province's 人口基础信息, as ``catalog.publish`` leaves it."""
    provider = DepartmentFactory(code="42-GAT", name="湖北省公安厅", region=regions.hubei)
    item = {
        "code": "HB-RK-001",
        "classification": "1.01",
        "name": "全省人口基础信息",
        "abstract": "全省户籍人口",
        "format": "数据库",
        "share_type": "conditional",
        "share_conditions": "依法履职需要",
        "legal_basis": "",
        "share_methods": ["api"],
        "open_type": "not_open",
        "update_cycle": "daily",
        "version": 1,
        "publish_date": "2026-01-05",
        "status": "published",
        "provider": {"code": provider.code, "name": provider.name},
        "fields": [
            {
                "name": name,
                "title": name,
                "type": "string",
                "personal": True,
                "authoritative_source": provider.code,
                "position": n,
            }
            for n, name in enumerate(["id_number", "name", "household_region"])
        ],
    }
    assert cascade_kinds.on_catalog_publish(province, {"resources": [item]})["taken"] == 1
    return DataResource.objects.get(code="HB-RK-001")


def test_a_peer_copy_is_read_only(province_copy: DataResource) -> None:
    refusals = [
        lambda: services.publish_resource(actor="system", resource=province_copy),
        lambda: services.withdraw_resource(actor="system", resource=province_copy, reason="x"),
        lambda: services.mount_api(
            actor="system", resource=province_copy, url="https://example.org/api"
        ),
        lambda: services.update_resource(
            actor="system", resource=province_copy, fields=[], name="改名"
        ),
    ]
    for attempt in refusals:
        with pytest.raises(DomainError) as refused:
            attempt()
        assert (refused.value.code, refused.value.status) == (ErrorCode.REMOTE_READ_ONLY, 409)
    assert DataResource.objects.get(pk=province_copy.pk).status == "published"


def test_a_withdrawal_at_the_province_withdraws_the_copy(
    province: PeerNode, province_copy: DataResource
) -> None:
    item = {**cascade_kinds.resource_snapshot(province_copy), "status": "withdrawn"}
    cascade_kinds.on_catalog_publish(province, {"resources": [item]})
    assert DataResource.objects.get(pk=province_copy.pk).status == "withdrawn"


def test_a_city_officer_requests_a_province_resource_through_the_api(
    client: Client,
    hrss_officer: Any,
    province: PeerNode,
    province_copy: DataResource,
    wire: Wire,
) -> None:
    client.force_login(hrss_officer)
    wire.reply = {"request": 501, "status": "pending", "decision": None}
    made = client.post(
        "/api/v1/exchange/requests",
        {
            "resource_code": "HB-RK-001",
            "fields": ["id_number", "name"],
            "purpose": "社保待遇核验",
            "legal_basis": "《社会保险法》",
        },
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    assert made.json()["status"] == "pending"
    local = ShareRequest.objects.get(pk=made.json()["id"])
    assert (local.origin_node, local.remote_ref) == ("", "501")
    [envelope] = wire.sent
    assert (envelope["kind"], envelope["to"]) == ("share.request", "42")
    assert envelope["body"]["ref"] == str(local.pk)
    assert envelope["body"]["consumer"]["code"] == "4201-RSJ"

    # The province's later decision finds this request by its ref.
    decision = {
        "ref": str(local.pk),
        "remote_request": 501,
        "resource": "HB-RK-001",
        "consumer": "4201-RSJ",
        "fields": ["id_number", "name"],
        "status": "approved",
        "reason": "同意",
        "grant": {"fields": ["name"], "personal_unmasked": False, "expires_at": None},
    }
    cascade_kinds.apply_decision(province, {**decision, "ref": "999999"})  # not ours: ignored
    assert not ShareGrant.objects.exists()
    cascade_kinds.apply_decision(province, decision)
    cascade_kinds.apply_decision(province, decision)  # twice: still one grant
    local.refresh_from_db()
    assert local.status == "approved"
    assert ShareGrant.objects.get(request=local).fields == ["name"]
    listed = client.get("/api/v1/exchange/grants").json()
    assert [g["resource_code"] for g in listed] == ["HB-RK-001"]


def test_an_unreachable_province_leaves_the_request_withdrawn(
    client: Client,
    hrss_officer: Any,
    province_copy: DataResource,
    wire: Wire,
) -> None:
    client.force_login(hrss_officer)
    wire.reply = unavailable()
    made = client.post(
        "/api/v1/exchange/requests",
        {"resource_code": "HB-RK-001", "purpose": "核验", "legal_basis": "法规"},
        content_type="application/json",
    )
    assert (made.status_code, made.json()["code"]) == (503, "exchange_peer_unavailable")
    assert ShareRequest.objects.get().status == "withdrawn"


def test_backflow_marks_its_rows_and_never_overwrites_the_citys_own(
    province: PeerNode, province_copy: DataResource
) -> None:
    from tests.exchange.test_cascade_nodes import id_number

    own, new = id_number("42010619900101001"), id_number("42010219850505002")
    BasePerson.objects.create(name="本市登记", id_number=own, household_region="420106")
    rows = [
        {"id_number": own, "name": "省库姓名", "household_region": "420106"},
        {"id_number": new, "name": "李娜", "household_region": "420102"},
        {"id_number": id_number("42050219700707003"), "name": "外市", "household_region": "420502"},
    ]
    body = {"resource": "HB-RK-001", "table": "population", "key": "id_number", "rows": rows}
    assert cascade_kinds.on_backflow(province, body) == {"created": 1, "updated": 0, "kept": 1}
    stored = {p.name: p.origin_node for p in BasePerson.objects.all()}
    assert stored == {"本市登记": "", "李娜": "42"}
    renamed = {**body, "rows": [{**rows[1], "name": "李娜娜", "origin_node": ""}]}
    assert cascade_kinds.on_backflow(province, renamed)["updated"] == 1
    assert BasePerson.objects.get(origin_node="42").name == "李娜娜"  # origin not writable


def test_backflow_freshens_the_citys_own_resources_on_that_table(
    province: PeerNode, province_copy: DataResource, police_officer: Any, population: Any
) -> None:
    from tests.exchange.test_cascade_nodes import id_number

    services.mount_table(actor=police_officer, resource=population, source_name="population")
    person = id_number("42010219850505002")
    row = {"id_number": person, "name": "李娜", "household_region": "420102"}
    body = {"resource": "HB-RK-001", "table": "population", "key": "id_number", "rows": [row]}

    cascade_kinds.on_backflow(province, body)

    mount = population.mount
    mount.refresh_from_db()
    assert mount.data_updated_at is not None and mount.row_count == 1
    changed = OutboxEvent.objects.filter(topic="exchange.resource_changed")
    assert [e.payload["code"] for e in changed] == [population.code]
    # the same rows again change nothing new but still count as updated: touched again
    assert cascade_kinds.on_backflow(province, body)["updated"] == 1


def test_field_rows_keep_their_spec(province_copy: DataResource) -> None:
    assert list(
        DataField.objects.filter(resource=province_copy).values_list("name", flat=True)
    ) == [
        "id_number",
        "name",
        "household_region",
    ]


# --- data.query: at the province, the gateway answers a city's department ----------------------


def test_a_city_data_query_is_answered_by_the_gateway_and_logged_with_the_city(
    city: PeerNode,
    city_key: Any,
    population: DataResource,
    police_officer: Any,
    wire: Wire,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from tests.exchange.test_cascade_nodes import id_number
    from yiwang.exchange import msglog
    from yiwang.exchange.models import CallLogEntry, NodeMessage

    services.mount_table(actor=police_officer, resource=population, source_name="population")
    with django_capture_on_commit_callbacks(execute=True):
        assert from_city(city_key, "share.request", city_request(population))[0] == 200
    grant = ShareGrant.objects.get(origin_node="4201")
    person = id_number("42010619900101001")
    BasePerson.objects.create(name="张伟", id_number=person, household_region="420106")
    query = {"resource": population.code, "consumer": "4201-YB", "key": person, "purpose": "核验"}

    status, reply = from_city(city_key, "data.query", {**query, "fields": ["name", "id_number"]})
    assert status == 200, reply
    body = {k: v for k, v in reply["body"].items() if k != "in_reply_to"}
    [record] = body["records"]
    assert record["name"] != "张伟" and record["id_number"] != person  # masked, as granted
    entry = CallLogEntry.objects.get(seq=body["call"])
    assert (entry.node, entry.consumer_code, entry.grant_id, entry.outcome) == (
        "4201",
        "4201-YB",
        grant.pk,
        "ok",
    )
    assert entry.app_id is None
    # The reply is the answer whose SM3 the log holds: the same shape as a local call's.
    assert entry.response_sm3 == msglog.sm3_hex(
        json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    )

    # A field outside the grant: refused, the refusal logged after the inbox's rollback.
    status, answer = from_city(city_key, "data.query", {**query, "fields": ["address"]})
    assert (status, answer["code"]) == (403, "exchange_fields_not_granted")
    refused = CallLogEntry.objects.order_by("-seq").first()
    assert refused is not None
    assert (refused.node, refused.outcome, refused.grant_id) == (
        "4201",
        "exchange_fields_not_granted",
        grant.pk,
    )
    assert NodeMessage.objects.filter(outcome="exchange_fields_not_granted").count() == 1

    # Another node's department holds no grant made to this node.
    status, answer = from_city(city_key, "data.query", {**query, "consumer": "4201-GAJ"})
    assert (status, answer["code"]) == (403, "exchange_no_grant")
    assert msglog.verify_db()[0]


# --- data.query: at the city, the ordinary data URL forwards to the province -----------------


@pytest.fixture
def city_grant(province_copy: DataResource, hrss: Any) -> ShareGrant:
    """The city's grant on its copy of the province's resource (as share.decision leaves it)."""
    from tests.exchange.test_gateway import make_grant

    return make_grant(province_copy, hrss, fields=["id_number", "name"])


def _data_call(client: Client, api_key: str, **params: str) -> Any:
    return client.get("/api/v1/exchange/data/HB-RK-001", params, headers={"X-Api-Key": api_key})


def test_a_city_app_queries_a_province_resource_at_the_data_url(
    client: Client, city_grant: ShareGrant, hrss_app: tuple[Any, str], wire: Wire
) -> None:
    from yiwang.exchange import msglog
    from yiwang.exchange.models import CallLogEntry

    app, key = hrss_app
    wire.reply = {"resource": "HB-RK-001", "records": [{"name": "张*"}], "call": 7}
    response = _data_call(client, key, key="42010619900101001X", fields="name", purpose="核验")
    assert response.status_code == 200, response.content
    answer = response.json()
    assert (answer["resource"], answer["records"]) == ("HB-RK-001", [{"name": "张*"}])
    [envelope] = wire.sent
    assert (envelope["kind"], envelope["to"]) == ("data.query", "42")
    assert envelope["body"] == {
        "resource": "HB-RK-001",
        "key": "42010619900101001X",
        "fields": ["name"],
        "purpose": "核验",
        "consumer": "4201-RSJ",
        "app": app.name,
    }
    entry = CallLogEntry.objects.get(seq=answer["call"])
    assert (entry.node, entry.app_id, entry.grant_id, entry.outcome, entry.record_ids) == (
        "42",
        app.pk,
        city_grant.pk,
        "ok",
        ["42:7"],
    )
    assert entry.response_sm3 == msglog.sm3_hex(response.content)

    # The POST form at /nodes/query is the same call.
    aliased = client.post(
        "/api/v1/exchange/nodes/query",
        {"resource": "HB-RK-001", "key": "42010619900101001X", "fields": ["name"]},
        content_type="application/json",
        headers={"X-Api-Key": key},
    )
    assert aliased.status_code == 200, aliased.content
    assert aliased.json()["call"] == answer["call"] + 1
    assert len(wire.sent) == 2


def test_a_city_call_is_checked_at_the_city_and_refusals_are_logged_there(
    client: Client, city_grant: ShareGrant, hrss_app: tuple[Any, str], wire: Wire
) -> None:
    from yiwang.exchange.models import CallLogEntry

    _app, key = hrss_app
    # Not granted at the city: never leaves it.
    response = _data_call(client, key, key="42010619900101001X", fields="household_region")
    assert (response.status_code, response.json()["code"]) == (403, "exchange_fields_not_granted")
    assert wire.sent == []

    # The province refuses (its grant was revoked): the same code, logged here with node 42.
    wire.reply = DomainError(ErrorCode.GRANT_REVOKED, "revoked", status=403)
    response = _data_call(client, key, key="42010619900101001X")
    assert (response.status_code, response.json()["code"]) == (403, "exchange_grant_revoked")

    wire.reply = unavailable()
    response = _data_call(client, key, key="42010619900101001X")
    assert (response.status_code, response.json()["code"]) == (503, "exchange_peer_unavailable")
    logged = list(CallLogEntry.objects.order_by("seq").values_list("node", "outcome"))
    assert logged == [
        ("", "exchange_fields_not_granted"),
        ("42", "exchange_grant_revoked"),
        ("42", "exchange_peer_unavailable"),
    ]
