"""Relay of outbox events to NATS JetStream (only when ``NATS_URL`` is set)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from django.conf import settings
from django.utils import timezone

from yiwang.kernel.models import OutboxEvent

T = TypeVar("T")

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
        await _ensure_stream(js)
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


#: JetStream drops a message whose id it saw within this window (seconds): a relay that
#: crashed after publishing but before marking can retry within a day without duplicates.
DUPLICATE_WINDOW = 24 * 3600


async def _ensure_stream(js: Any) -> None:
    from nats.js.errors import NotFoundError

    try:
        await js.stream_info(STREAM)
    except NotFoundError:
        # Production streams are created by the operator with sync_interval "always" (see
        # docs/operations.md); this default suits a single embedded node.
        await js.add_stream(name=STREAM, subjects=["yiwang.>"], duplicate_window=DUPLICATE_WINDOW)


def run_in_own_loop(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` to completion on a fresh event loop in a worker thread, so the relay
    works whether or not the calling thread already runs a loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


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
        run_in_own_loop(_publish(target, events, acked, timeout))
    finally:
        _mark(acked)
    return len(acked)
