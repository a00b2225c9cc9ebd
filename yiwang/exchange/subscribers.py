"""The exchange's own event handlers.

``exchange.resource_changed`` (emitted by ``services.touch_mount``): each live subscription
of the resource is marked delivered and, when it has a callback URL, gets a small JSON
notice by HTTP POST (3 s timeout; a failure is logged, never raised, so one dead callback
does not hold the others or the outbox back). Consumers without a callback read the change
from the event stream: with ``NATS_URL`` set, ``yiwang events relay`` already publishes every
outbox event to JetStream (subject ``yiwang.<node>.exchange.resource_changed``). Safe to run
twice: a second delivery only moves ``last_delivered_at`` and posts the notice again, which
carries the event id for the receiver to drop duplicates.
"""

from __future__ import annotations

import json
import logging
import urllib.request
from typing import Any

from django.utils import timezone

from yiwang.exchange import services
from yiwang.kernel import events

log = logging.getLogger(__name__)

CALLBACK_TIMEOUT = 3


def _post(url: str, notice: dict[str, Any]) -> bool:
    body = json.dumps(notice, ensure_ascii=False).encode()
    request = urllib.request.Request(  # noqa: S310 (the service allows http and https only)
        url, data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=CALLBACK_TIMEOUT) as response:  # noqa: S310
            return 200 <= int(response.status) < 300
    except Exception:
        log.warning("exchange: callback %s failed", url, exc_info=True)
        return False


@events.subscribe("exchange.resource_changed")
def notify_subscribers(event: Any) -> None:
    payload = event.payload
    notice = {
        "event_id": str(event.pk),
        "topic": "exchange.resource_changed",
        "resource": payload.get("code"),
        "version": payload.get("version"),
        "when": payload.get("when"),
    }
    for subscription in services.active_subscriptions(str(payload.get("code", ""))):
        if subscription.callback_url and not _post(subscription.callback_url, notice):
            continue
        subscription.last_delivered_at = timezone.now()
        subscription.save(update_fields=["last_delivered_at"])
