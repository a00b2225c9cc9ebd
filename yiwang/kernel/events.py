"""Events between modules: a transactional outbox.

A service calls :func:`emit` inside its transaction; the event row commits (or rolls back)
with the state change. After commit the event is delivered to in-process subscribers.
Delivery is at least once: a handler that already processed an event is recorded in
``OutboxDelivery`` and skipped on redelivery, and ``yiwang events deliver`` retries whatever a
crash left undelivered. Handlers must still be idempotent (a crash can fall between a
handler's work and its delivery mark).

When ``NATS_URL`` is set, ``yiwang events relay`` also publishes each event to NATS JetStream
(subject ``yiwang.<node>.<topic>``, message id = event id, so JetStream drops duplicates).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from yiwang.kernel.models import OutboxDelivery, OutboxEvent

log = logging.getLogger(__name__)

Handler = Callable[[OutboxEvent], None]
_subscribers: dict[str, list[tuple[str, Handler]]] = defaultdict(list)


def handler_name(handler: Handler) -> str:
    return f"{handler.__module__}.{handler.__qualname__}"


def subscribe(topic: str) -> Callable[[Handler], Handler]:
    """Register a handler for a topic (``"<module>.<event>"``, e.g. ``"cases.completed"``)."""

    def register(handler: Handler) -> Handler:
        name = handler_name(handler)
        if all(existing != name for existing, _ in _subscribers[topic]):
            _subscribers[topic].append((name, handler))
        return handler

    return register


def unsubscribe(topic: str, handler: Handler) -> None:
    name = handler_name(handler)
    _subscribers[topic] = [(n, h) for n, h in _subscribers[topic] if n != name]


def emit(topic: str, payload: dict[str, Any]) -> OutboxEvent:
    """Store an event in the current transaction; deliver it after commit."""
    if not _subscribers.get(topic):
        # Nobody in this process listens: delivered as written (the relay to JetStream keeps
        # its own mark, ``relayed_at``).
        return OutboxEvent.objects.create(
            topic=topic, payload=payload, delivered_at=timezone.now(), attempts=1
        )
    event = OutboxEvent.objects.create(topic=topic, payload=payload)
    transaction.on_commit(lambda: deliver(event.pk, topic=topic))
    return event


def deliver(event_id: Any, *, topic: str | None = None) -> bool:
    """Run every subscriber of the event that has not processed it yet. True when done.
    ``topic`` (when the caller knows it): a topic nobody subscribes to in this process is
    marked delivered in one statement (the relay to JetStream has its own mark)."""
    if topic is not None and not _subscribers.get(topic):
        OutboxEvent.objects.filter(pk=event_id, delivered_at__isnull=True).update(
            delivered_at=timezone.now(), attempts=F("attempts") + 1
        )
        return True
    event = OutboxEvent.objects.filter(pk=event_id, delivered_at__isnull=True).first()
    if event is None:
        return True
    done = set(OutboxDelivery.objects.filter(event=event).values_list("handler", flat=True))
    failed = False
    for name, handler in list(_subscribers.get(event.topic, [])):
        if name in done:
            continue
        try:
            with transaction.atomic():
                handler(event)
                OutboxDelivery.objects.create(event=event, handler=name)
        except IntegrityError:
            # Another worker delivered it to this handler concurrently; its mark stands.
            continue
        except Exception as exc:
            failed = True
            log.exception("event %s: handler %s failed", event.pk, name)
            OutboxEvent.objects.filter(pk=event.pk).update(
                attempts=event.attempts + 1, last_error=f"{name}: {exc}"[:2000]
            )
    if not failed:
        OutboxEvent.objects.filter(pk=event.pk).update(
            delivered_at=timezone.now(), attempts=event.attempts + 1
        )
    return not failed


def deliver_pending(limit: int = 1000) -> tuple[int, int]:
    """Retry undelivered events, oldest first. Returns (delivered, still failing)."""
    ids = list(
        OutboxEvent.objects.filter(delivered_at__isnull=True)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    ok = sum(1 for pk in ids if deliver(pk))
    return ok, len(ids) - ok
