"""The transactional outbox: stored with the state change, delivered after commit, at least
once, never twice to a handler that finished; relayed to NATS JetStream when configured."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction

from tests.conftest import require_service
from yiwang.kernel import events
from yiwang.kernel.models import OutboxEvent

received: list[dict[str, Any]] = []
flaky_state = {"fail": True}


def record_event(event: OutboxEvent) -> None:
    received.append(event.payload)


def flaky_handler(event: OutboxEvent) -> None:
    if flaky_state["fail"]:
        raise RuntimeError("downstream is down")
    received.append({"flaky": event.payload})


@pytest.fixture(autouse=True)
def _subscribers() -> Iterator[None]:
    received.clear()
    flaky_state["fail"] = True
    events.subscribe("test.happened")(record_event)
    yield
    events.unsubscribe("test.happened", record_event)
    events.unsubscribe("test.happened", flaky_handler)


@pytest.mark.django_db(transaction=True)
def test_event_is_delivered_after_commit_only() -> None:
    with transaction.atomic():
        events.emit("test.happened", {"n": 1})
        assert received == []
    assert received == [{"n": 1}]
    assert OutboxEvent.objects.get().delivered_at is not None


@pytest.mark.django_db(transaction=True)
def test_rolled_back_event_never_exists() -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        events.emit("test.happened", {"n": 2})
        raise RuntimeError("the state change failed")
    assert received == []
    assert not OutboxEvent.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_failed_handler_is_retried_and_finished_ones_are_not_rerun() -> None:
    events.subscribe("test.happened")(flaky_handler)
    with transaction.atomic():
        event = events.emit("test.happened", {"n": 3})
    assert received == [{"n": 3}]
    stored = OutboxEvent.objects.get(pk=event.pk)
    assert stored.delivered_at is None
    assert "downstream is down" in stored.last_error

    flaky_state["fail"] = False
    assert events.deliver_pending() == (1, 0)
    assert received == [{"n": 3}, {"flaky": {"n": 3}}]  # record_event did not run again
    assert events.deliver_pending() == (0, 0)


@pytest.mark.django_db(transaction=True)
def test_deliver_command_reports_failures() -> None:
    from django.core.management import call_command
    from django.core.management.base import CommandError

    events.subscribe("test.happened")(flaky_handler)
    with transaction.atomic():
        events.emit("test.happened", {"n": 4})
    with pytest.raises(CommandError, match="1 events could not be delivered"):
        call_command("events", "deliver")


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_relay_publishes_to_jetstream_once() -> None:
    require_service("127.0.0.1", 4222, "NATS with JetStream")
    import nats

    from yiwang.kernel import relay

    with transaction.atomic():
        event = events.emit("test.happened", {"n": 5, "名称": "事件"})
    assert relay.relay("nats://127.0.0.1:4222") >= 1
    assert relay.relay("nats://127.0.0.1:4222") == 0  # already relayed
    assert OutboxEvent.objects.get(pk=event.pk).relayed_at is not None

    async def fetch() -> dict[str, Any]:
        nc = await nats.connect("nats://127.0.0.1:4222")
        try:
            js = nc.jetstream()
            msg = await js.get_last_msg(relay.STREAM, relay.subject_for("test.happened"))
            assert msg.headers is not None
            assert msg.headers["Nats-Msg-Id"] == str(event.pk)
            return json.loads(msg.data)  # type: ignore[no-any-return]
        finally:
            await nc.close()

    body = relay.run_in_own_loop(fetch())
    assert body["id"] == str(event.pk)
    assert body["payload"] == {"n": 5, "名称": "事件"}


@pytest.mark.django_db(transaction=True)
def test_relay_without_nats_fails_clearly_and_marks_nothing(settings: Any) -> None:
    from django.core.management import call_command
    from django.core.management.base import CommandError

    with transaction.atomic():
        event = events.emit("test.happened", {"n": 6})
    settings.NATS_URL = None
    with pytest.raises(CommandError, match="NATS_URL is not set"):
        call_command("events", "relay")
    settings.NATS_URL = "nats://127.0.0.1:1"  # nothing listens on port 1
    with pytest.raises(CommandError, match="cannot reach NATS"):
        call_command("events", "relay")
    assert OutboxEvent.objects.get(pk=event.pk).relayed_at is None
