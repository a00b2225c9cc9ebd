"""Node cascade (级联): signed messages between Yiwang nodes — a province and its cities.

A message is a JSON envelope ``{id, from, to, kind, sent_at, body}``. Its canonical form
(sorted keys, UTF-8, no spaces) is signed with the sending node's Ed25519 key (the node keys
of the foundation, :mod:`yiwang.kernel.node`); the signature travels beside it in the field
``signature``. A receiver accepts a message only when

* the sender is an active :class:`PeerNode` (else ``exchange_node_unknown``),
* the signature verifies with that peer's stored public key
  (``exchange_message_signature_invalid``),
* it is addressed to this node and was sent within ±5 minutes (``exchange_message_stale``),
* its id was never seen before (``exchange_message_replayed``).

Every message sent or received, and every refusal, is a :class:`NodeMessage` row and an audit
entry. Replies are envelopes too (``kind`` = ``<kind>.reply``, ``body.in_reply_to``), signed by
the answering node and verified by the caller. What each kind means is in
:mod:`yiwang.exchange.cascade_kinds`; this module is only the transport.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.exchange.errors import ErrorCode
from yiwang.exchange.models import NodeMessage, PeerNode
from yiwang.kernel import audit
from yiwang.kernel.crypto import sm3_hex
from yiwang.kernel.errors import DomainError
from yiwang.kernel.node import this_node, verify_signature

log = logging.getLogger(__name__)

INBOX_PATH = "/api/v1/exchange/nodes/inbox"
#: How far a message's ``sent_at`` may be from this node's clock.
MAX_SKEW = timedelta(minutes=5)
#: Seconds to wait for a peer's answer (backflow batches and data calls included).
TIMEOUT = 30.0
ENVELOPE_KEYS = ("id", "from", "to", "kind", "sent_at", "body")

Handler = Callable[[PeerNode, dict[str, Any]], dict[str, Any]]
_handlers: dict[str, Handler] = {}


def handles(kind: str) -> Callable[[Handler], Handler]:
    """Register the handler of a message kind: ``handler(peer, body) -> reply body``. It runs
    in the transaction that records the message, so a refusal leaves nothing behind."""

    def register(handler: Handler) -> Handler:
        _handlers[kind] = handler
        return handler

    return register


# --- envelopes -------------------------------------------------------------------------------


def canonical(data: Any) -> bytes:
    """Sorted keys, UTF-8, no spaces: the bytes that are signed and hashed."""
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def seal(to: str, kind: str, body: dict[str, Any]) -> dict[str, Any]:
    """A signed envelope from this node."""
    node = this_node()
    message = {
        "id": str(uuid.uuid4()),
        "from": node.node_id,
        "to": to,
        "kind": kind,
        "sent_at": timezone.now().isoformat(),
        "body": body,
    }
    return {**message, "signature": node.sign(canonical(message))}


@dataclass(frozen=True)
class Envelope:
    id: uuid.UUID
    sender: str
    to: str
    kind: str
    sent_at: datetime
    body: dict[str, Any]


def _refuse(code: ErrorCode, status: int, **details: Any) -> DomainError:
    messages = {
        ErrorCode.NODE_UNKNOWN: _("发送节点未登记或已停用。"),
        ErrorCode.MESSAGE_FORGED: _("节点消息签名无效,消息已被拒绝。"),
        ErrorCode.MESSAGE_STALE: _("节点消息时间超出允许范围(±5 分钟)或收件节点不符。"),
        ErrorCode.MESSAGE_REPLAYED: _("该节点消息已处理过,重复消息已被拒绝。"),
        ErrorCode.REQUEST_INVALID: _("节点消息格式有误。"),
    }
    return DomainError(code, messages[code], status=status, **details)


def _parse(raw: Any) -> Envelope:
    if not isinstance(raw, dict) or any(k not in raw for k in (*ENVELOPE_KEYS, "signature")):
        raise _refuse(ErrorCode.REQUEST_INVALID, 400)
    try:
        message_id = uuid.UUID(str(raw["id"]))
        sent_at = datetime.fromisoformat(str(raw["sent_at"]))
    except ValueError:
        raise _refuse(ErrorCode.REQUEST_INVALID, 400) from None
    if not isinstance(raw["body"], dict) or sent_at.tzinfo is None:
        raise _refuse(ErrorCode.REQUEST_INVALID, 400)
    return Envelope(
        id=message_id,
        sender=str(raw["from"]),
        to=str(raw["to"]),
        kind=str(raw["kind"])[:40],
        sent_at=sent_at,
        body=raw["body"],
    )


def open_envelope(
    raw: dict[str, Any], *, peer: PeerNode | None = None
) -> tuple[PeerNode, Envelope]:
    """Check a received envelope (everything but replay, which needs the database's unique
    id). ``peer``: the node the caller expects it from (a reply)."""
    envelope = _parse(raw)
    if peer is None:
        peer = PeerNode.objects.filter(node_id=envelope.sender, is_active=True).first()
        if peer is None:
            raise _refuse(ErrorCode.NODE_UNKNOWN, 403, node=envelope.sender)
    elif envelope.sender != peer.node_id:
        raise _refuse(ErrorCode.NODE_UNKNOWN, 403, node=envelope.sender)
    message = {k: raw[k] for k in ENVELOPE_KEYS}
    if not verify_signature(peer.public_key, canonical(message), str(raw["signature"])):
        raise _refuse(ErrorCode.MESSAGE_FORGED, 403, node=peer.node_id)
    if envelope.to != this_node().node_id:
        raise _refuse(ErrorCode.MESSAGE_STALE, 403, to=envelope.to)
    if abs(timezone.now() - envelope.sent_at) > MAX_SKEW:
        raise _refuse(ErrorCode.MESSAGE_STALE, 403, sent_at=raw["sent_at"])
    return peer, envelope


# --- the message log -------------------------------------------------------------------------


def _record(
    direction: str, peer: str, raw: dict[str, Any], outcome: str = "ok"
) -> NodeMessage | None:
    """A NodeMessage row and an audit entry for a message (or a refusal of one). A message id
    already recorded (a replay, a tampered copy) gets only the audit entry."""
    try:
        message_id = uuid.UUID(str(raw.get("id")))
        sent_at = datetime.fromisoformat(str(raw.get("sent_at")))
        if sent_at.tzinfo is None:
            raise ValueError
    except ValueError:
        message_id, sent_at = uuid.uuid4(), timezone.now()  # a malformed one still leaves a row
    details = {
        "message": str(message_id),
        "peer": peer[:12],
        "kind": str(raw.get("kind", ""))[:40],
        "outcome": outcome,
    }
    row: NodeMessage | None = None
    try:
        with transaction.atomic():
            row = NodeMessage.objects.create(
                message_id=message_id,
                direction=direction,
                peer=peer[:12],
                kind=details["kind"],
                body_sm3=sm3_hex(canonical(raw.get("body"))),
                sent_at=sent_at,
                outcome=outcome[:64],  # the code, whole (as in the audit entry)
            )
    except IntegrityError:
        if outcome == "ok":
            raise
    action = {"in": "received", "out": "sent"}[direction]
    if outcome != "ok":
        action = "refused" if direction == "in" else "failed"
    audit.record(
        f"exchange.node_message_{action}",
        actor=f"node:{peer[:12]}" if direction == "in" else "system",
        target_type="exchange.nodemessage",
        target_id=str(message_id),
        details=details,
    )
    return row


# --- receiving -------------------------------------------------------------------------------


def receive(raw: Any) -> dict[str, Any]:
    """Handle one envelope posted to the inbox; answer with a signed reply envelope.

    The message row, the handler's work and their audit entries are one transaction: a
    replay fails on the unique message id and leaves nothing; a handler's refusal rolls its
    work back and is then recorded with its code."""
    sender = str(raw.get("from", "")) if isinstance(raw, dict) else ""
    try:
        peer, envelope = open_envelope(raw)
    except DomainError as error:
        with transaction.atomic():
            _record("in", sender, raw if isinstance(raw, dict) else {}, str(error.code))
        raise
    from yiwang.exchange import cascade_kinds  # noqa: F401 (registers the handlers)

    handler = _handlers.get(envelope.kind)
    try:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    _record("in", peer.node_id, raw)
            except IntegrityError:
                replay = str(envelope.id)
                raise _refuse(ErrorCode.MESSAGE_REPLAYED, 409, message_id=replay) from None
            if handler is None:
                raise DomainError(
                    ErrorCode.REQUEST_INVALID,
                    _("不支持的节点消息类型:%(kind)s") % {"kind": envelope.kind},
                    status=400,
                )
            reply = handler(peer, envelope.body)
    except DomainError as error:
        with transaction.atomic():
            _record("in", peer.node_id, raw, str(error.code))
            follow_up = getattr(error, "after_rollback", None)
            if follow_up is not None:
                follow_up()
        raise
    return seal(peer.node_id, f"{envelope.kind}.reply", {**reply, "in_reply_to": str(envelope.id)})


# --- sending ---------------------------------------------------------------------------------


def _post(url: str, data: bytes, timeout: float) -> tuple[int, bytes]:
    """POST JSON; (status, body) for any HTTP answer. Network failures raise OSError."""
    request = urllib.request.Request(  # noqa: S310 (the URL is a registered peer's, http(s))
        url, data=data, method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return int(response.status), bytes(response.read())
    except urllib.error.HTTPError as error:
        return int(error.code), bytes(error.read())


def _unavailable(peer: PeerNode, reason: str) -> DomainError:
    return DomainError(
        ErrorCode.PEER_UNAVAILABLE,
        _("对端节点 %(peer)s 暂不可用,请稍后再试。") % {"peer": peer.name},
        status=503,
        node=peer.node_id,
        reason=reason,
    )


def _peer_refusal(peer: PeerNode, status: int, answer: Any) -> DomainError:
    """The peer's error envelope as a DomainError with the same code, message and status."""
    from yiwang.kernel.errors import ErrorCode as KernelCode

    if not isinstance(answer, dict) or not answer.get("code"):
        return _unavailable(peer, f"HTTP {status}")
    code: ErrorCode | KernelCode
    try:
        code = ErrorCode(answer["code"])
    except ValueError:
        try:
            code = KernelCode(answer["code"])
        except ValueError:
            return _unavailable(peer, f"HTTP {status} {answer['code']}")
    details = answer.get("details")
    return DomainError(
        code,
        str(answer.get("message", "")),
        status=status,
        **{**(details if isinstance(details, dict) else {}), "node": peer.node_id},
    )


def send_envelope(
    peer: PeerNode, envelope: dict[str, Any], *, timeout: float = TIMEOUT
) -> dict[str, Any]:
    """Deliver a sealed envelope to ``peer`` and return the verified reply's body. A refusal
    by the peer is raised as the same DomainError (its code, message and status)."""
    if not peer.is_active:
        raise _unavailable(peer, "inactive")
    url = peer.base_url.rstrip("/") + INBOX_PATH
    try:
        status, data = _post(url, canonical(envelope), timeout)
    except OSError as error:
        with transaction.atomic():
            _record("out", peer.node_id, envelope, str(ErrorCode.PEER_UNAVAILABLE))
        raise _unavailable(peer, str(error)) from None
    try:
        answer = json.loads(data)
    except ValueError:
        answer = None
    if status >= 400 or not isinstance(answer, dict):
        code = answer.get("code") if isinstance(answer, dict) else None
        with transaction.atomic():
            _record("out", peer.node_id, envelope, str(code or f"http_{status}"))
        raise _peer_refusal(peer, status, answer)
    with transaction.atomic():
        _record("out", peer.node_id, envelope)
    try:
        _, reply = open_envelope(answer, peer=peer)
        if reply.body.get("in_reply_to") != envelope["id"]:
            raise _refuse(ErrorCode.MESSAGE_FORGED, 403, node=peer.node_id)
        with transaction.atomic():
            try:
                with transaction.atomic():
                    _record("in", peer.node_id, answer)
            except IntegrityError:
                raise _refuse(ErrorCode.MESSAGE_REPLAYED, 409, message_id=str(reply.id)) from None
    except DomainError as error:
        with transaction.atomic():
            _record("in", peer.node_id, answer, str(error.code))
        raise
    return reply.body


def send(
    peer: PeerNode, kind: str, body: dict[str, Any], *, timeout: float = TIMEOUT
) -> dict[str, Any]:
    """Send a message of ``kind`` to ``peer``; the verified reply's body."""
    return send_envelope(peer, seal(peer.node_id, kind, body), timeout=timeout)


# --- peers -----------------------------------------------------------------------------------


def node_info() -> dict[str, str]:
    """What an operator gives the other side to register this node."""
    node = this_node()
    return {
        "node_id": node.node_id,
        "url": str(getattr(settings, "YIWANG_PUBLIC_URL", "")),
        "public_key": node.public_key_pem(),
    }


@transaction.atomic
def register_peer(
    *,
    actor: Any,
    node_id: str,
    name: str,
    base_url: str,
    public_key_pem: str,
    is_parent: bool = False,
) -> PeerNode:
    """Register (or update) a peer node. Its key must be an Ed25519 public key in PEM."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    errors: dict[str, str] = {}
    if not node_id.isdigit() or len(node_id) not in {2, 4, 6, 9, 12}:
        errors["node_id"] = str(_("节点标识应为 2、4、6、9 或 12 位区划代码。"))
    elif node_id == this_node().node_id:
        errors["node_id"] = str(_("不能把本节点登记为对端节点。"))
    if not base_url.startswith(("http://", "https://")):
        errors["base_url"] = str(_("地址应以 http:// 或 https:// 开头。"))
    try:
        key = serialization.load_pem_public_key(public_key_pem.encode())
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError
    except ValueError:
        errors["public_key"] = str(_("公钥应为 PEM 格式的 Ed25519 公钥。"))
    if not name.strip():
        errors["name"] = str(_("请填写节点名称。"))
    if errors:
        raise DomainError(
            ErrorCode.REQUEST_INVALID, _("对端节点信息有误。"), status=422, errors=errors
        )
    peer, created = PeerNode.objects.update_or_create(
        node_id=node_id,
        defaults={
            "name": name.strip(),
            "base_url": base_url.rstrip("/"),
            "public_key": public_key_pem.strip() + "\n",
            "is_parent": is_parent,
            "is_active": True,
        },
    )
    audit.record(
        "exchange.peer_registered" if created else "exchange.peer_updated",
        actor=actor,
        target=peer,
        details={
            "node_id": node_id,
            "name": peer.name,
            "base_url": peer.base_url,
            "is_parent": is_parent,
            "key_sm3": sm3_hex(peer.public_key.encode()),
        },
    )
    return peer


def get_peer(node_id: str) -> PeerNode:
    peer = PeerNode.objects.filter(node_id=node_id, is_active=True).first()
    if peer is None:
        raise _refuse(ErrorCode.NODE_UNKNOWN, 404, node=node_id)
    return peer
