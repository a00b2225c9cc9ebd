"""Relay of outbox events to NATS JetStream (only when ``NATS_URL`` is set)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.utils import timezone

from yiwang.kernel.models import OutboxEvent

STREAM = "YIWANG"


def subject_for(topic: str) -> str:
    return f"yiwang.{settings.YIWANG_NODE_REGION}.{topic}"


def _pending(limit: int) -> list[OutboxEvent]:
    return list(OutboxEvent.objects.filter(relayed_at__isnull=True).order_by("created_at")[:limit])


def _mark(ids: list[Any]) -> None:
    OutboxEvent.objects.filter(pk__in=ids).update(relayed_at=timezone.now())


async def relay_once(url: str, *, limit: int = 500, timeout: float = 5.0) -> int:
    """Publish up to ``limit`` unrelayed events, wait for JetStream's ack of each, mark them.

    The event id is the message id, so a retry after a crash is deduplicated by JetStream.
    """
    import nats

    nc = await nats.connect(url, connect_timeout=timeout, max_reconnect_attempts=0)
    try:
        js = nc.jetstream(timeout=timeout)
        await js.add_stream(name=STREAM, subjects=["yiwang.>"])
        events = await sync_to_async(_pending)(limit)
        acked: list[Any] = []
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
        await sync_to_async(_mark)(acked)
        return len(acked)
    finally:
        await nc.close()


def relay(url: str | None = None, *, limit: int = 500) -> int:
    target = url or settings.NATS_URL
    if not target:
        raise RuntimeError("NATS_URL is not set: there is nowhere to relay events to")
    return asyncio.run(relay_once(target, limit=limit))
