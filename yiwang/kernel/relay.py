"""Relay of outbox events to NATS JetStream (only when ``NATS_URL`` is set)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from django.conf import settings
from django.utils import timezone

from yiwang.kernel.models import OutboxEvent

STREAM = "YIWANG"


class RelayError(RuntimeError):
    """NATS is not configured or cannot be reached; nothing was marked as relayed."""


def subject_for(topic: str) -> str:
    return f"yiwang.{settings.YIWANG_NODE_REGION}.{topic}"


def _pending(limit: int) -> list[OutboxEvent]:
    return list(OutboxEvent.objects.filter(relayed_at__isnull=True).order_by("created_at")[:limit])


def _mark(ids: list[Any]) -> None:
    OutboxEvent.objects.filter(pk__in=ids).update(relayed_at=timezone.now())


async def _publish(url: str, events: list[OutboxEvent], acked: list[Any], timeout: float) -> None:
    """Publish each event and wait for JetStream's ack; ``acked`` collects the ids as they
    are acknowledged, so a failure half-way still lets the caller mark what went through."""
    import nats
    from nats.errors import NoServersError

    try:
        nc = await nats.connect(
            url, connect_timeout=timeout, max_reconnect_attempts=1, allow_reconnect=False
        )
    except (NoServersError, OSError, TimeoutError) as exc:
        raise RelayError(f"cannot reach NATS at {url}: {exc}") from None
    try:
        js = nc.jetstream(timeout=timeout)
        await js.add_stream(name=STREAM, subjects=["yiwang.>"])
        for event in events:
            body = json.dumps(
                {
                    "id": str(event.pk),
                    "topic": event.topic,
                    "payload": event.payload,
                    "created_at": event.created_at.isoformat(),
                },
                ensure_ascii=False,
            ).encode()
            await js.publish(subject_for(event.topic), body, headers={"Nats-Msg-Id": str(event.pk)})
            acked.append(event.pk)
    finally:
        await nc.close()


def relay(url: str | None = None, *, limit: int = 500, timeout: float = 5.0) -> int:
    """Publish up to ``limit`` unrelayed events to JetStream and mark the acknowledged ones.

    The event id is the message id, so a retry after a crash is deduplicated by JetStream.
    Database work stays on the calling thread; only the network talk is asynchronous.
    """
    target = url or settings.NATS_URL
    if not target:
        raise RelayError("NATS_URL is not set: there is nowhere to relay events to")
    events = _pending(limit)
    acked: list[Any] = []
    try:
        asyncio.run(_publish(target, events, acked, timeout))
    finally:
        _mark(acked)
    return len(acked)
