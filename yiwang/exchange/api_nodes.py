"""Node-to-node endpoints: the inbox for signed messages from peers (the signature is the
authentication, so no session), this node's public identity, and the POST form of a consumer
application's data call (an alias of the gateway's ``GET /api/v1/exchange/data/{code}``)."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema

from yiwang.exchange import cascade

router = Router(tags=["exchange-nodes"])


class NodeInfo(Schema):
    node_id: str
    url: str
    public_key: str


class RemoteQuery(Schema):
    resource: str
    key: str
    fields: list[str] | None = None
    purpose: str = ""


@router.post("/inbox", auth=None, response=dict[str, Any])
def inbox(request: HttpRequest) -> dict[str, Any]:
    """A signed envelope from a peer; answered with a signed reply envelope."""
    try:
        raw = json.loads(request.body)
    except ValueError:
        raw = None
    return cascade.receive(raw)


@router.get("/info", auth=None, response=NodeInfo)
def info(request: HttpRequest) -> dict[str, str]:
    """This node's id, address and public key (public: peers register it)."""
    return cascade.node_info()


@router.post("/query", auth=None)
def query(request: HttpRequest, payload: RemoteQuery) -> HttpResponse:
    """A consumer application (API key or bearer token) queries a resource by POST: the same
    call as ``GET /api/v1/exchange/data/{resource}`` (kept for callers of the first cascade
    release), which a peer's resource is forwarded from to its node."""
    from yiwang.exchange import gateway

    app = gateway.authenticate(request.headers, resource_code=payload.resource)
    if app is None:
        raise gateway.refuse_unauthenticated(
            resource_code=payload.resource, purpose=payload.purpose[:200]
        )
    body = gateway.query(
        app, payload.resource, key=payload.key, fields=payload.fields, purpose=payload.purpose[:200]
    )
    return HttpResponse(body, content_type="application/json; charset=utf-8")
