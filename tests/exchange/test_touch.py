"""Data changes reach freshness and subscribers: ``yiwang exchange synth`` and ``touch``, the
``POST /resources/{code}/touch`` API; resource codes with "/" in the staff API."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from tests.exchange.conftest import fields_of, make_resource
from yiwang.exchange import services
from yiwang.exchange.models import Mount
from yiwang.kernel import events
from yiwang.kernel.models import OutboxEvent

BASE = "/api/v1/exchange"


def _deliver() -> None:
    """The test transaction never commits: run the outbox's handlers by hand."""
    for event in OutboxEvent.objects.filter(topic="exchange.resource_changed"):
        events.deliver(event.pk)


@pytest.fixture
def subscription(hrss_officer: Any, population_grant: Any, hrss_app: Any) -> Any:
    app, _key = hrss_app
    return services.subscribe(actor=hrss_officer, grant=population_grant, app=app)


def test_synth_touches_the_resources_mounted_on_the_tables_it_wrote(
    police_officer: Any, population: Any, subscription: Any
) -> None:
    services.mount_table(actor=police_officer, resource=population, source_name="population")
    assert Mount.objects.get(resource=population).row_count == 0
    out = io.StringIO()

    call_command("exchange", "synth", "--people", "20", "--no-progress", stdout=out)
    _deliver()

    mount = Mount.objects.get(resource=population)
    assert mount.row_count == 20 and mount.data_updated_at is not None
    assert f"touched {population.code}" in out.getvalue()
    subscription.refresh_from_db()
    assert subscription.last_delivered_at is not None


def test_touch_command(police_officer: Any, population: Any, subscription: Any) -> None:
    services.mount_api(actor=police_officer, resource=population, url="https://x.gov.cn/rk")
    assert Mount.objects.get(resource=population).data_updated_at is None
    out = io.StringIO()

    call_command("exchange", "touch", population.code, stdout=out)
    _deliver()

    assert Mount.objects.get(resource=population).data_updated_at is not None
    assert out.getvalue().startswith(f"touched {population.code}")
    subscription.refresh_from_db()
    assert subscription.last_delivered_at is not None
    with pytest.raises(CommandError, match="NO-SUCH"):
        call_command("exchange", "touch", "NO-SUCH", stdout=io.StringIO())


def test_touch_api_for_the_provider_only(
    client: Any, police_officer: Any, hrss_officer: Any, population: Any, subscription: Any
) -> None:
    client.force_login(police_officer)
    unmounted = client.post(f"{BASE}/resources/{population.code}/touch")
    assert unmounted.status_code == 422
    services.mount_table(actor=police_officer, resource=population, source_name="population")
    client.force_login(hrss_officer)
    assert client.post(f"{BASE}/resources/{population.code}/touch").status_code == 403

    client.force_login(police_officer)
    touched = client.post(f"{BASE}/resources/{population.code}/touch")
    _deliver()

    assert touched.status_code == 200, touched.content
    assert touched.json()["data_updated_at"] and touched.json()["row_count"] == 0
    subscription.refresh_from_db()
    assert subscription.last_delivered_at is not None


def test_codes_with_a_slash_in_the_staff_api(client: Any, police_officer: Any, police: Any) -> None:
    code = "GA/RK/009"
    make_resource(police_officer, police, code, publish=False, fields=fields_of(police.code))
    client.force_login(police_officer)

    assert client.get(f"{BASE}/resources/{code}").json()["code"] == code
    published = client.post(f"{BASE}/resources/{code}/publish")
    assert published.status_code == 200 and published.json()["status"] == "published"
    mounted = client.post(
        f"{BASE}/resources/{code}/mount/table",
        {"source_name": "population"},
        content_type="application/json",
    )
    assert mounted.status_code == 200, mounted.content
    assert client.post(f"{BASE}/resources/{code}/touch").status_code == 200
    assert client.get(f"{BASE}/resources/GA/RK/404").status_code == 404
