"""The cascade's outbox subscribers: what goes to peer nodes by itself, after commit.

* ``exchange.resource_published`` / ``exchange.resource_withdrawn`` (emitted by the catalogue
  services): the resource's current state goes to every active peer as ``catalog.publish``;
  the peers' copies follow (a withdrawn entry's copy becomes withdrawn).
* ``exchange.remote_decision`` (emitted by ``services_sharing`` when the provider approves,
  rejects or revokes a request that came from a peer): ``share.decision`` goes back to that
  node, which applies it to its own request (matched by ``ref``).

Each handler runs after the service's transaction commits (the kernel outbox,
:mod:`yiwang.kernel.events`). A peer that cannot be reached or refuses makes the handler
raise: the event stays undelivered with the error in ``last_error`` and ``yiwang events
deliver`` (cron) sends it again. A resend carries the state of that moment, and receivers
apply it idempotently, so a retry after a later change is harmless; a catalogue event that
failed for one peer is sent again to all of them (each copy is upserted). Peers are tried
with a shorter timeout than interactive calls, since the first delivery runs in the
request that published or decided.
"""

from __future__ import annotations

import logging
from typing import Any

from django.utils.translation import gettext as _

from yiwang.exchange import cascade_kinds
from yiwang.exchange.models import DataResource, PeerNode, ResourceStatus, ShareRequest
from yiwang.kernel import events

log = logging.getLogger(__name__)

#: Seconds to wait for a peer when an event is delivered.
EVENT_TIMEOUT = 10.0


class CascadeDeliveryError(RuntimeError):
    """A peer did not take an event's message; the outbox retries it."""


def _cascade_resource(code: str) -> None:
    resource = (
        DataResource.objects.filter(code=code, origin_node="")
        .select_related("provider")
        .prefetch_related("fields")
        .first()
    )
    if resource is None or resource.status not in (
        ResourceStatus.PUBLISHED,
        ResourceStatus.WITHDRAWN,
    ):
        return
    peers = list(PeerNode.objects.filter(is_active=True))
    if not peers:
        return
    _taken, failed = cascade_kinds.send_catalog([resource], peers, timeout=EVENT_TIMEOUT)
    if failed:
        reasons = "; ".join(f"{node}: {error.code}" for node, error in failed.items())
        raise CascadeDeliveryError(
            _("资源 %(code)s 未能发送到节点:%(reasons)s") % {"code": code, "reasons": reasons}
        )


@events.subscribe("exchange.resource_published")
def cascade_published(event: Any) -> None:
    _cascade_resource(str(event.payload.get("code", "")))


@events.subscribe("exchange.resource_withdrawn")
def cascade_withdrawn(event: Any) -> None:
    _cascade_resource(str(event.payload.get("code", "")))


@events.subscribe("exchange.remote_decision")
def send_remote_decision(event: Any) -> None:
    request = (
        ShareRequest.objects.select_related("resource", "consumer")
        .filter(pk=event.payload.get("request_id"))
        .first()
    )
    if request is None or not request.origin_node:
        return
    cascade_kinds.notify_decision(request, timeout=EVENT_TIMEOUT)
