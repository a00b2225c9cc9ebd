"""Envelopes in-process: signing, verification, staleness and replay at the inbox."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.test import Client
from django.utils import timezone

from yiwang.exchange import cascade
from yiwang.exchange.models import NodeMessage, PeerNode
from yiwang.kernel.models import AuditEntry
from yiwang.kernel.node import this_node

INBOX = "/api/v1/exchange/nodes/inbox"
pytestmark = pytest.mark.django_db


@pytest.fixture
def city_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
def city(city_key: Ed25519PrivateKey) -> PeerNode:
    pem = city_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return cascade.register_peer(
        actor="test",
        node_id="4201",
        name="武汉市节点",
        base_url="http://127.0.0.1:9",
        public_key_pem=pem.decode(),
    )


def signed(key: Ed25519PrivateKey, *, sent_at: dt.datetime | None = None, **over: Any) -> Any:
    message = {
        "id": "6f1d3c1e-3c43-4d4b-9c8e-3b8e1d2a0c11",
        "from": "4201",
        "to": this_node().node_id,
        "kind": "share.decision",
        "sent_at": (sent_at or timezone.now()).isoformat(),
        "body": {"resource": "none"},
        **over,
    }
    signature = base64.b64encode(key.sign(cascade.canonical(message))).decode()
    return {**message, "signature": signature}


def post(envelope: Any) -> Any:
    return Client().post(INBOX, envelope, content_type="application/json")


def test_canonical_form_is_sorted_compact_utf8() -> None:
    assert cascade.canonical({"b": "湖北", "a": [1, 2]}) == '{"a":[1,2],"b":"湖北"}'.encode()


def test_a_signed_message_is_accepted_and_answered_signed(city: PeerNode, city_key: Any) -> None:
    response = post(signed(city_key))
    assert response.status_code == 200
    reply = response.json()
    assert reply["kind"] == "share.decision.reply"
    assert reply["body"]["in_reply_to"] == "6f1d3c1e-3c43-4d4b-9c8e-3b8e1d2a0c11"
    unsigned = {k: reply[k] for k in cascade.ENVELOPE_KEYS}
    this_node().public_key.verify(base64.b64decode(reply["signature"]), cascade.canonical(unsigned))
    assert NodeMessage.objects.filter(direction="in", outcome="ok").count() == 1


def test_a_tampered_body_is_refused_and_recorded(city: PeerNode, city_key: Any) -> None:
    envelope = signed(city_key)
    envelope["body"] = {"resource": "RK-001"}
    response = post(envelope)
    assert (response.status_code, response.json()["code"]) == (
        403,
        "exchange_message_signature_invalid",
    )
    assert NodeMessage.objects.get().outcome == "exchange_message_signature_invalid"
    assert AuditEntry.objects.filter(action="exchange.node_message_refused").exists()


def test_a_replay_is_refused(city: PeerNode, city_key: Any) -> None:
    envelope = signed(city_key)
    assert post(envelope).status_code == 200
    response = post(envelope)
    assert (response.status_code, response.json()["code"]) == (409, "exchange_message_replayed")
    assert NodeMessage.objects.count() == 1


def test_a_stale_message_is_refused(city: PeerNode, city_key: Any) -> None:
    old = timezone.now() - dt.timedelta(minutes=6)
    response = post(signed(city_key, sent_at=old))
    assert (response.status_code, response.json()["code"]) == (403, "exchange_message_stale")


def test_an_unknown_node_is_refused(city_key: Any) -> None:
    response = post(signed(city_key))
    assert (response.status_code, response.json()["code"]) == (403, "exchange_node_unknown")
    assert not PeerNode.objects.exists()


def test_a_message_for_another_node_is_refused(city: PeerNode, city_key: Any) -> None:
    response = post(signed(city_key, to="4205"))
    assert response.json()["code"] == "exchange_message_stale"


def test_an_unreachable_peer_is_unavailable(city: PeerNode) -> None:
    with pytest.raises(cascade.DomainError) as refusal:
        cascade.send(city, "catalog.publish", {"resources": []}, timeout=2)
    assert refusal.value.status == 503
    assert str(refusal.value.code) == "exchange_peer_unavailable"
