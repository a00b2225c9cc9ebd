"""What the cascade's messages mean (the transport is :mod:`yiwang.exchange.cascade`).

* ``catalog.publish`` — a node sends published (or withdrawn) resources with their fields;
  the peer keeps read-only copies (``DataResource.origin_node`` = the sender), never
  touching its own. Sent by itself after each publish and withdrawal
  (:mod:`~yiwang.exchange.cascade_events`), and in full by ``yiwang exchange cascade-catalog``.
* ``share.request`` — a city department asks for a province resource (``ref`` = the city's
  id of its request); the province records it with the same service as a local request
  (``services_sharing.request_share`` with ``origin_node`` = the city, ``remote_ref`` =
  ``ref``) and answers with its own id, and with the decision when it was immediate.
* ``share.decision`` — the province's later decision, or a revocation, goes back (outbox
  event ``exchange.remote_decision``); the city finds its request by ``ref`` and records
  the grant on its copy of the resource so its own gateway can check it.
* ``data.query`` — a city application's call on a province resource (the ordinary
  ``GET /api/v1/exchange/data/{code}`` at the city, whose gateway checks the city's grant
  and forwards it); the province's gateway answers it for the city's department with the
  same checks, masking and message log (``node`` = the city); the city logs the call in its
  own message log too (``node`` = the province).
* ``backflow`` (数据回流) — the province returns the rows of a granted resource that belong to
  the city's region, in batches; the city stores them in its own base table (a registered
  source of ``exchange.sources`` naming its model and region column), marked
  ``origin_node`` = the province, never overwriting a row of its own.

Meaning of ``origin_node`` here: on a resource or a base row, the node that owns it; on a
request or grant at the provider, the consumer's node. At the consumer the request and grant
are local rows (``origin_node`` = '') on the copied resource, whose ``origin_node`` says
where to forward; ``remote_ref`` is the request's id on the other node.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.exchange import cascade
from yiwang.exchange.cascade import handles
from yiwang.exchange.errors import ErrorCode
from yiwang.exchange.models import (
    DataField,
    DataResource,
    PeerNode,
    RequestStatus,
    ResourceStatus,
    ShareGrant,
    ShareRequest,
)
from yiwang.kernel import audit
from yiwang.kernel.errors import DomainError
from yiwang.kernel.models import CODE_LENGTH, LEVEL_BY_LENGTH, Department, Region
from yiwang.kernel.node import this_node

RESOURCE_KEYS = (
    "code",
    "classification",
    "name",
    "abstract",
    "format",
    "share_type",
    "share_conditions",
    "legal_basis",
    "share_methods",
    "open_type",
    "update_cycle",
    "version",
)
FIELD_KEYS = ("name", "title", "type", "personal", "authoritative_source", "position")
BACKFLOW_BATCH = 500


def _not_found() -> DomainError:
    return DomainError(ErrorCode.NOT_FOUND, _("未找到该资源。"), status=404)


# --- remote departments ----------------------------------------------------------------------


def _region_for(code: str, name: str) -> Region:
    """The region of a peer node, created (with its missing ancestors) when this node's
    region table does not hold it yet — a province's table usually does."""
    found: Region | None = Region.objects.filter(code=code).first()
    if found is not None:
        return found
    level = LEVEL_BY_LENGTH[len(code)]
    lengths = sorted(n for n in CODE_LENGTH.values() if n < len(code))
    parent = _region_for(code[: lengths[-1]], code[: lengths[-1]]) if lengths else None
    region = Region.objects.create(code=code, name=name, level=level, parent=parent)
    audit.record(
        "exchange.peer_region_created",
        actor="system",
        target=region,
        details={"code": code, "name": name},
    )
    return region


def remote_department(peer: PeerNode, code: str, name: str) -> Department:
    """The kernel Department for a peer's department: found by its (national) code, or
    created under the peer's region. A province node that already lists the city's
    departments uses its own row, so a department is one row whichever way it arrives."""
    code = code.strip()
    if not code or len(code) > 32:
        raise DomainError(ErrorCode.REQUEST_INVALID, _("使用方部门编码有误。"), status=422)
    department: Department | None = Department.objects.filter(code=code).first()
    if department is not None:
        if not department.region_id.startswith(peer.node_id):
            raise DomainError(
                ErrorCode.NOT_PERMITTED,
                _("该部门不属于发送节点的行政区划。"),
                status=403,
                department=code,
            )
        return department
    region = _region_for(peer.node_id, peer.name)
    department = Department.objects.create(code=code, name=name[:200] or code, region=region)
    audit.record(
        "exchange.peer_department_created",
        actor=f"node:{peer.node_id}",
        target=department,
        details={"code": code, "name": department.name, "node": peer.node_id},
    )
    return department


# --- catalog.publish -------------------------------------------------------------------------


def resource_snapshot(resource: DataResource) -> dict[str, Any]:
    data: dict[str, Any] = {key: getattr(resource, key) for key in RESOURCE_KEYS}
    data["publish_date"] = resource.publish_date.isoformat() if resource.publish_date else None
    data["status"] = resource.status
    data["provider"] = {"code": resource.provider.code, "name": resource.provider.name}
    data["fields"] = [{k: getattr(f, k) for k in FIELD_KEYS} for f in resource.fields.all()]
    return data


def send_catalog(
    resources: list[DataResource], peers: list[PeerNode], *, timeout: float = cascade.TIMEOUT
) -> tuple[dict[str, int], dict[str, DomainError]]:
    """Send the resources (this node's own) to each peer: ({node_id: taken}, {node_id: the
    refusal}) — one unreachable peer does not hold the others back."""
    body = {"resources": [resource_snapshot(r) for r in resources]}
    taken: dict[str, int] = {}
    failed: dict[str, DomainError] = {}
    for peer in peers:
        try:
            reply = cascade.send(peer, "catalog.publish", body, timeout=timeout)
        except DomainError as refused:
            failed[peer.node_id] = refused
            continue
        taken[peer.node_id] = int(reply.get("taken", 0))
    return taken, failed


def publish_catalog(*, actor: Any, peers: list[PeerNode] | None = None) -> dict[str, int]:
    """Send this node's published resources to each peer (a full resend; single publishes
    and withdrawals cascade by themselves, see :mod:`~yiwang.exchange.cascade_events`);
    {node_id: resources taken}. The first peer's refusal is raised after all were tried."""
    resources = list(
        DataResource.objects.filter(status=ResourceStatus.PUBLISHED, origin_node="")
        .select_related("provider")
        .prefetch_related("fields")
    )
    targets = list(peers if peers is not None else PeerNode.objects.filter(is_active=True))
    taken, failed = send_catalog(resources, targets)
    with transaction.atomic():
        audit.record(
            "exchange.catalog_cascaded",
            actor=actor,
            target_type="exchange.peernode",
            details={
                "resources": len(resources),
                "peers": taken,
                "failed": {node: str(error.code) for node, error in failed.items()},
            },
        )
    if failed:
        raise next(iter(failed.values()))
    return taken


@handles("catalog.publish")
def on_catalog_publish(peer: PeerNode, body: dict[str, Any]) -> dict[str, Any]:
    """Keep (or update) read-only copies of a peer's entries; an entry withdrawn there is
    withdrawn here (and leaves the search index), one never seen here is not created."""
    from yiwang.exchange import services_catalog
    from yiwang.kernel import search

    taken, skipped = 0, []
    for item in body.get("resources", []):
        code = str(item["code"])
        status = str(item.get("status") or ResourceStatus.PUBLISHED)
        if status not in (ResourceStatus.PUBLISHED, ResourceStatus.WITHDRAWN):
            skipped.append(code)
            continue
        existing = DataResource.objects.filter(code=code).first()
        if existing is not None and existing.origin_node != peer.node_id:
            skipped.append(code)  # our own entry (or another node's): never overwritten
            continue
        if existing is None and status == ResourceStatus.WITHDRAWN:
            skipped.append(code)
            continue
        provider = remote_department(peer, item["provider"]["code"], item["provider"]["name"])
        values = {key: item[key] for key in RESOURCE_KEYS if key != "code"}
        publish_date = item.get("publish_date")
        resource, _created = DataResource.objects.update_or_create(
            code=code,
            defaults={
                **values,
                "provider": provider,
                "publish_date": dt.date.fromisoformat(publish_date) if publish_date else None,
                "status": status,
                "origin_node": peer.node_id,
                "search_text": f"{item['name']} {code} {item['abstract']}",
            },
        )
        names = [str(f["name"]) for f in item.get("fields", [])]
        DataField.objects.filter(resource=resource).exclude(name__in=names).delete()
        for spec in item.get("fields", []):
            DataField.objects.update_or_create(
                resource=resource,
                name=spec["name"],
                defaults={k: spec[k] for k in FIELD_KEYS if k != "name"},
            )
        if status == ResourceStatus.PUBLISHED:
            services_catalog.index_resource(resource)
        else:
            search.remove(services_catalog.SEARCH_SCOPE, code)
        taken += 1
    audit.record(
        "exchange.peer_catalog_received",
        actor=f"node:{peer.node_id}",
        target_type="exchange.peernode",
        target_id=peer.node_id,
        details={"taken": taken, "skipped": skipped},
    )
    return {"taken": taken, "skipped": skipped}


# --- share.request / share.decision ------------------------------------------------------------


def _peer_of(resource: DataResource) -> PeerNode:
    if not resource.origin_node:
        raise DomainError(
            ErrorCode.REQUEST_INVALID, _("该资源由本节点提供,无需跨节点申请。"), status=422
        )
    return cascade.get_peer(resource.origin_node)


def _date(value: Any) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise DomainError(
            ErrorCode.REQUEST_INVALID, _("申请使用期限的日期格式有误。"), status=422
        ) from None


@audit.refusals_recorded("exchange.remote_request")
def request_remote_share(
    *,
    actor: Any,
    resource_code: str,
    fields: list[str] | None,
    purpose: str,
    legal_basis: str,
    valid_until: dt.date | None = None,
    consumer: Department | None = None,
) -> ShareRequest:
    """A local department (``consumer``, by default the actor's) asks for a peer's resource:
    a local request on the copy (checked as a local one would be), then the ``share.request``
    message carrying the local id as ``ref``. The provider's id comes back and is kept as
    ``remote_ref``; a decision already taken (unconditional) is applied at once. When the
    peer refuses or cannot be reached, the local request is marked withdrawn with the reason
    and the refusal is raised."""
    from yiwang.exchange import permissions
    from yiwang.exchange.services_common import (
        acting_department,
        error,
        invalid,
        user_or_none,
    )
    from yiwang.exchange.services_sharing import _request_errors

    if consumer is None:
        consumer = acting_department(actor, permissions.REQUEST)
    resource = DataResource.objects.filter(
        code=resource_code, status=ResourceStatus.PUBLISHED
    ).first()
    if resource is None:
        raise _not_found()
    peer = _peer_of(resource)
    if resource.share_type == "not_shared":
        raise DomainError(ErrorCode.NOT_SHAREABLE, _("该资源不予共享。"), status=409)
    chosen = list(fields) if fields else list(resource.fields.values_list("name", flat=True))
    purpose, legal_basis = (purpose or "").strip(), (legal_basis or "").strip()
    errors = _request_errors(resource, chosen, purpose, legal_basis, valid_until)
    if errors:
        raise invalid(ErrorCode.REQUEST_INVALID, errors)
    with transaction.atomic():
        if ShareRequest.objects.filter(
            resource=resource, consumer=consumer, status=RequestStatus.PENDING
        ).exists():
            raise invalid(
                ErrorCode.REQUEST_INVALID,
                [error("resource", "pending", str(_("本部门对该资源已有待审核的申请。")))],
                status=409,
            )
        request = ShareRequest.objects.create(
            resource=resource,
            consumer=consumer,
            fields=chosen,
            purpose=purpose,
            legal_basis=legal_basis,
            valid_until=valid_until,
            requested_by=user_or_none(actor),
        )
        audit.record(
            "exchange.remote_share_requested",
            actor=actor,
            target=request,
            details={"resource": resource.code, "node": peer.node_id, "fields": chosen},
        )
    try:
        reply = cascade.send(
            peer,
            "share.request",
            {
                "resource": resource.code,
                "consumer": {"code": consumer.code, "name": consumer.name},
                "fields": chosen,
                "purpose": purpose,
                "legal_basis": legal_basis,
                "valid_until": valid_until.isoformat() if valid_until else None,
                "ref": str(request.pk),
            },
        )
    except DomainError as refused:
        with transaction.atomic():
            request.status = RequestStatus.WITHDRAWN
            request.decision_reason = str(refused.message)[:2000]
            request.save(update_fields=["status", "decision_reason"])
            audit.record(
                "exchange.remote_share_failed",
                actor=actor,
                target=request,
                details={"node": peer.node_id, "code": str(refused.code)},
            )
        raise
    with transaction.atomic():
        ShareRequest.objects.filter(pk=request.pk).update(
            remote_ref=str(reply.get("request", ""))[:40]
        )
        if reply.get("decision"):
            apply_decision(peer, reply["decision"])
    request.refresh_from_db()
    return request


@handles("share.request")
def on_share_request(peer: PeerNode, body: dict[str, Any]) -> dict[str, Any]:
    """The provider's record of a peer's request, made by the same service as a local one
    (``services_sharing.request_share`` with ``origin_node``): unconditional resources are
    granted at once and the decision goes back in the reply; conditional ones wait for the
    provider, whose decision is sent later (event ``exchange.remote_decision``)."""
    from yiwang.exchange.services_sharing import request_share

    resource = DataResource.objects.filter(
        code=str(body.get("resource", "")), origin_node="", status=ResourceStatus.PUBLISHED
    ).first()
    if resource is None:
        raise _not_found()
    consumer = body.get("consumer") or {}
    department = remote_department(
        peer, str(consumer.get("code", "")), str(consumer.get("name", ""))
    )
    fields = body.get("fields")
    request = request_share(
        actor=f"node:{peer.node_id}",
        resource=resource,
        fields=[str(name) for name in fields] if isinstance(fields, list) else None,
        purpose=str(body.get("purpose", ""))[:2000],
        legal_basis=str(body.get("legal_basis", ""))[:2000],
        valid_until=_date(body.get("valid_until")),
        consumer=department,
        origin_node=peer.node_id,
        remote_ref=str(body.get("ref", "")),
    )
    decided = request.status != RequestStatus.PENDING
    return {
        "request": request.pk,
        "status": request.status,
        "decision": decision_body(request) if decided else None,
    }


def decision_body(request: ShareRequest) -> dict[str, Any]:
    """What the provider tells the consumer's node: ``ref`` is the consumer's own id of the
    request (its ``remote_ref`` here), ``remote_request`` the provider's."""
    grant = ShareGrant.objects.filter(request=request).first()
    return {
        "ref": request.remote_ref,
        "remote_request": request.pk,
        "resource": request.resource.code,
        "consumer": request.consumer.code,
        "fields": list(request.fields),
        "status": request.status,
        "reason": request.decision_reason,
        "grant": None
        if grant is None
        else {
            "fields": list(grant.fields),
            "personal_unmasked": grant.personal_unmasked,
            "rate_limit_per_minute": grant.rate_limit_per_minute,
            "expires_at": grant.expires_at.isoformat() if grant.expires_at else None,
            "revoked_at": grant.revoked_at.isoformat() if grant.revoked_at else None,
            "revoked_reason": grant.revoked_reason,
        },
    }


def notify_decision(request: ShareRequest, *, timeout: float = cascade.TIMEOUT) -> None:
    """Send ``share.decision`` (a decision, or a grant's revocation) to the node a request
    came from; raises when the peer cannot be reached or refuses. Safe to call twice: the
    receiver applies the latest state idempotently. Called by the outbox subscriber of
    ``exchange.remote_decision`` (:mod:`yiwang.exchange.cascade_events`)."""
    if request.origin_node:
        cascade.send(
            cascade.get_peer(request.origin_node),
            "share.decision",
            decision_body(request),
            timeout=timeout,
        )


def apply_decision(peer: PeerNode, body: dict[str, Any]) -> ShareRequest | None:
    """At the consumer: the peer's decision on our request, found exactly by ``ref`` (our
    id, which we sent) among our requests on that peer's resources; applied idempotently
    (a later message — a revocation — updates the grant). Unknown refs are ignored."""
    ref = str(body.get("ref") or "")
    request: ShareRequest | None = None
    if ref.isdigit():
        request = (
            ShareRequest.objects.select_related("resource", "consumer")
            .filter(pk=int(ref), origin_node="", resource__origin_node=peer.node_id)
            .first()
        )
    if request is None or request.consumer.code != str(body.get("consumer", "")):
        return None
    status = str(body.get("status"))
    if status not in RequestStatus.values:
        raise DomainError(ErrorCode.REQUEST_INVALID, _("节点消息格式有误。"), status=400)
    with transaction.atomic():
        changed = ["remote_ref"]
        request.remote_ref = str(body.get("remote_request", ""))[:40] or request.remote_ref
        # Pending, or withdrawn here because the request's reply was lost on the way.
        if status != RequestStatus.PENDING and request.status in (
            RequestStatus.PENDING,
            RequestStatus.WITHDRAWN,
        ):
            request.status = status
            request.decided_at = timezone.now()
            request.decision_reason = str(body.get("reason", ""))[:2000]
            changed += ["status", "decided_at", "decision_reason"]
        request.save(update_fields=changed)
        spec = body.get("grant")
        if status == RequestStatus.APPROVED and spec:
            expires = spec.get("expires_at")
            revoked = spec.get("revoked_at")
            values = {
                "resource": request.resource,
                "consumer": request.consumer,
                "fields": [str(name) for name in spec["fields"]],
                "personal_unmasked": bool(spec.get("personal_unmasked")),
                "rate_limit_per_minute": int(spec.get("rate_limit_per_minute", 600)),
                "expires_at": dt.datetime.fromisoformat(expires) if expires else None,
                "revoked_at": dt.datetime.fromisoformat(revoked) if revoked else None,
                "revoked_reason": str(spec.get("revoked_reason") or "")[:2000],
            }
            ShareGrant.objects.update_or_create(
                request=request,
                defaults=values,
                create_defaults={**values, "granted_at": timezone.now()},
            )
        audit.record(
            "exchange.remote_share_decided",
            actor=f"node:{peer.node_id}",
            target=request,
            details={
                "status": status,
                "remote_request": request.remote_ref,
                "revoked": bool(spec and spec.get("revoked_at")),
            },
        )
    return request


@handles("share.decision")
def on_share_decision(peer: PeerNode, body: dict[str, Any]) -> dict[str, Any]:
    request = apply_decision(peer, body)
    return {"request": request.pk if request else None}


# --- data.query ------------------------------------------------------------------------------


@handles("data.query")
def on_data_query(peer: PeerNode, body: dict[str, Any]) -> dict[str, Any]:
    """The provider's side of a forwarded call: the gateway answers it for the peer's
    department (:func:`gateway.query_for_department
    <yiwang.exchange.gateway.query_for_department>`: the grant made to that node, the
    same checks, masking and message log, with ``node`` = the peer). A refusal's log entry
    is written after the inbox's transaction rolls back (see :func:`cascade.receive`)."""
    from yiwang.exchange import gateway

    answer = gateway.query_for_department(
        resource_code=str(body.get("resource", "")),
        consumer_code=str(body.get("consumer", "")),
        key=str(body.get("key", "")),
        fields=[str(f) for f in body.get("fields") or []],
        purpose=str(body.get("purpose", "")),
        node=peer.node_id,
    )
    return answer.json()


def query_remote(
    node_id: str,
    *,
    resource_code: str,
    consumer_code: str,
    app_name: str,
    key: str,
    fields: list[str],
    purpose: str = "",
) -> dict[str, Any]:
    """Send a local application's data call on a peer's resource to the owning node
    (``data.query``, signed); the reply's body ``{"resource", "records", "call"}`` (``call``
    = the owner's log entry). The caller — the gateway, which checked this node's grant
    and logs the call here — handles refusals, raised as the peer's DomainError."""
    return cascade.send(
        cascade.get_peer(node_id),
        "data.query",
        {
            "resource": resource_code,
            "key": key,
            "fields": fields,
            "purpose": purpose,
            "consumer": consumer_code,
            "app": app_name,
        },
    )


# --- backflow (数据回流) -------------------------------------------------------------------------


def _base_table(name: str) -> Any:
    """The registered base source (``exchange.sources``) named ``name`` when it is a table
    the backflow can read and write (it names its model and region column), else None."""
    from yiwang.exchange import sources

    source = sources.registered().get(name)
    if source is None or source.model is None or not source.region_field:
        return None
    return source


def _rows_of(source: Any, peer: str, fields: list[str]) -> Iterator[dict[str, Any]]:
    """The rows of the peer's region, except those that came from the peer itself."""
    queryset = (
        source.model.objects.filter(**{f"{source.region_field}__startswith": peer})
        .exclude(origin_node=peer)
        .order_by("pk")
    )
    for row in queryset.iterator(chunk_size=BACKFLOW_BATCH):
        yield {name: _plain(getattr(row, name, None)) for name in fields}


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value if value is None or isinstance(value, int | float | bool) else str(value)


def backflow(
    *, actor: Any, peer: PeerNode, resource_code: str, batch_size: int = BACKFLOW_BATCH
) -> int:
    """Send ``peer`` the rows of a resource granted to one of its departments that belong to
    its region, in batches. Rows go with the granted fields only, and personal fields only
    when the grant covers them unmasked (a masked value is no use to a base table)."""
    grant = (
        ShareGrant.objects.select_related("resource", "resource__mount")
        .filter(
            resource__code=resource_code,
            origin_node=peer.node_id,
            revoked_at__isnull=True,
        )
        .order_by("-granted_at")
        .first()
    )
    if grant is None or (grant.expires_at and grant.expires_at <= timezone.now()):
        raise DomainError(ErrorCode.NO_GRANT, _("对端节点没有该资源的有效授权。"), status=403)
    mount = getattr(grant.resource, "mount", None)
    table = _base_table(mount.source) if mount and mount.kind == "table" else None
    if mount is None or table is None:
        raise DomainError(ErrorCode.MOUNT_INVALID, _("该资源未挂接可回流的基础库表。"), status=409)
    fields = [str(name) for name in grant.fields]
    personal = set(
        grant.resource.fields.filter(personal=True, name__in=fields).values_list("name", flat=True)
    )
    if personal and not grant.personal_unmasked:
        fields = [name for name in fields if name not in personal]
    fields = [name for name in fields if name in set(table.field_names)]
    if table.key_field not in fields:
        raise DomainError(
            ErrorCode.FIELDS_NOT_GRANTED,
            _("授权未包含明文查询键 %(key)s,无法回流。") % {"key": table.key_field},
            status=403,
        )
    source = mount.source
    sent, number = 0, 0
    batch: list[dict[str, Any]] = []

    def flush(last: bool) -> None:
        nonlocal sent, batch, number
        number += 1
        body = {
            "resource": resource_code,
            "table": source,
            "key": table.key_field,
            "batch": number,
            "last": last,
            "rows": batch,
        }
        cascade.send(peer, "backflow", body)
        sent += len(batch)
        batch = []

    for row in _rows_of(table, peer.node_id, fields):
        batch.append(row)
        if len(batch) >= batch_size:
            flush(False)
    flush(True)
    with transaction.atomic():
        audit.record(
            "exchange.backflow_sent",
            actor=actor,
            target=grant,
            details={"node": peer.node_id, "resource": resource_code, "rows": sent},
        )
    return sent


@handles("backflow")
def on_backflow(peer: PeerNode, body: dict[str, Any]) -> dict[str, Any]:
    """Store returned rows in this node's own base table, upserted by their key and marked
    ``origin_node`` = the peer. Only the table's registered fields are written. A row of
    this node's own (``origin_node`` '') or of a third node is never overwritten: it is
    counted as ``kept`` and left alone (一数一源 — the city's own register stays its own)."""
    from yiwang.kernel.fields import SensitiveField, lookup

    resource = DataResource.objects.filter(
        code=str(body.get("resource", "")), origin_node=peer.node_id
    ).first()
    table = _base_table(str(body.get("table", "")))
    if resource is None or table is None or body.get("key") != table.key_field:
        raise _not_found()
    model, key, region_field = table.model, table.key_field, table.region_field
    writable = set(table.field_names) - {"updated_at"}
    column = model._meta.get_field(key)
    here = this_node().node_id
    created = updated = kept = 0
    now = timezone.now()
    for row in body.get("rows", []):
        if not isinstance(row, dict):
            continue
        value = str(row.get(key) or "")
        if not value or not str(row.get(region_field, here)).startswith(here):
            continue  # rows of other regions than this node's are not taken
        where = lookup(model, key, value) if isinstance(column, SensitiveField) else {key: value}
        instance = model.objects.filter(**where).first()
        if instance is None:
            instance, created = model(origin_node=peer.node_id), created + 1
        elif instance.origin_node != peer.node_id:
            kept += 1
            continue
        else:
            updated += 1
        for name, field_value in row.items():
            if name in writable:
                setattr(instance, name, field_value)
        instance.updated_at = now
        instance.save()
    if created or updated:
        # The city's own resources mounted on that table now hold fresher data: their
        # freshness (鲜活率) counts from now and their subscribers hear of it.
        from yiwang.exchange import services

        services.touch_tables([str(body["table"])], actor=f"node:{peer.node_id}")
    audit.record(
        "exchange.backflow_received",
        actor=f"node:{peer.node_id}",
        target=resource,
        details={
            "batch": body.get("batch"),
            "created": created,
            "updated": updated,
            "kept": kept,
        },
    )
    return {"created": created, "updated": updated, "kept": kept}
