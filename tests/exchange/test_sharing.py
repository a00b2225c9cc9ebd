"""Share requests and grants, consumer applications, error reports, quality, subscriptions."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from tests.exchange.conftest import make_resource
from yiwang.exchange import services
from yiwang.exchange.models import ShareGrant, ShareRequest, Subscription
from yiwang.kernel import calendar
from yiwang.kernel.errors import DomainError
from yiwang.kernel.models import AuditEntry


def ask(actor: Any, resource: Any, **overrides: Any) -> Any:
    kwargs: dict[str, Any] = {
        "actor": actor,
        "resource": resource,
        "fields": ["id_number", "name"],
        "purpose": "社保待遇核定",
        "legal_basis": "《社会保险法》",
    }
    kwargs.update(overrides)
    return services.request_share(**kwargs)


def test_an_unconditional_resource_is_granted_at_once(hrss_officer, population):
    request = ask(
        hrss_officer, population, valid_until=timezone.localdate() + dt.timedelta(days=30)
    )

    assert request.status == "approved"
    grant = request.grant
    assert grant.fields == ["id_number", "name"]
    assert grant.consumer.code == "4201-RSJ"
    assert timezone.localtime(grant.expires_at).time() == dt.time(23, 59, 59)
    assert services.active_grant_for("4201-RSJ", population.code) == grant


def test_a_conditional_request_waits_for_the_provider(hrss_officer, police_officer, household):
    request = ask(hrss_officer, household, fields=["id_number", "name", "gender"])

    assert request.status == "pending"
    assert request.due_on == calendar.add_working_days(timezone.localdate(), 5)
    assert services.active_grant_for("4201-RSJ", household.code) is None

    grant = services.approve(actor=police_officer, request=request, fields=["id_number", "name"])

    assert grant.fields == ["id_number", "name"]
    assert services.active_grant_for("4201-RSJ", household.code) == grant
    assert AuditEntry.objects.filter(action="exchange.request_approved").exists()


def test_the_approval_deadline_follows_the_setting(hrss_officer, household, settings):
    settings.YIWANG_EXCHANGE_APPROVAL_DAYS = 2
    request = ask(hrss_officer, household, fields=["id_number"])
    assert request.due_on == calendar.add_working_days(timezone.localdate(), 2)


def test_approving_fields_not_requested_is_refused(hrss_officer, police_officer, household):
    request = ask(hrss_officer, household, fields=["id_number"])
    with pytest.raises(DomainError) as caught:
        services.approve(actor=police_officer, request=request, fields=["gender"])
    assert caught.value.details["errors"][0]["field"] == "fields/0"
    assert not ShareGrant.objects.exists()


def test_rejection_needs_a_reason(hrss_officer, police_officer, household):
    request = ask(hrss_officer, household, fields=["id_number"])
    with pytest.raises(DomainError) as caught:
        services.reject(actor=police_officer, request=request, reason="")
    assert caught.value.code == "exchange_reason_required"

    services.reject(actor=police_officer, request=request, reason="用途与共享条件不符")
    request.refresh_from_db()
    assert request.status == "rejected"
    with pytest.raises(DomainError) as again:
        services.approve(actor=police_officer, request=request)
    assert again.value.code == "exchange_status_transition_invalid"


def test_only_the_provider_decides(hrss_officer, outsider_officer, household):
    request = ask(hrss_officer, household, fields=["id_number"])
    with pytest.raises(DomainError) as caught:
        services.approve(actor=outsider_officer, request=request)
    assert caught.value.status == 403
    assert AuditEntry.objects.filter(action="exchange.approve_refused").exists()
    request.refresh_from_db()
    assert request.status == "pending"


def test_a_not_shared_resource_cannot_be_requested(hrss_officer, police_officer, police):
    secret = make_resource(
        police_officer,
        police,
        "GA-SECRET",
        share_type="not_shared",
        share_methods=[],
        legal_basis="《中华人民共和国反恐怖主义法》",
    )
    with pytest.raises(DomainError) as caught:
        ask(hrss_officer, secret)
    assert caught.value.code == "exchange_resource_not_shareable"
    assert AuditEntry.objects.filter(action="exchange.request_refused").exists()
    assert not ShareRequest.objects.exists()


def test_an_unpublished_resource_cannot_be_requested(hrss_officer, police_officer, police):
    draft = make_resource(police_officer, police, "GA-DRAFT", publish=False)
    with pytest.raises(DomainError) as caught:
        ask(hrss_officer, draft)
    assert caught.value.status == 404


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"fields": ["id_number", "salary"]}, "fields/1"),
        ({"purpose": " "}, "purpose"),
        ({"legal_basis": ""}, "legal_basis"),
        ({"valid_until": dt.date(2000, 1, 1)}, "valid_until"),
    ],
)
def test_bad_requests_are_refused_per_field(hrss_officer, population, overrides, field):
    with pytest.raises(DomainError) as caught:
        ask(hrss_officer, population, **overrides)
    assert caught.value.code == "exchange_request_invalid"
    assert field in [e["field"] for e in caught.value.details["errors"]]
    assert not ShareRequest.objects.exists()


def test_a_staff_member_without_a_data_role_cannot_request(clerk, population):
    with pytest.raises(DomainError) as caught:
        ask(clerk, population)
    assert caught.value.status == 403


def test_expiry_and_revocation_end_a_grant(police_officer, population_grant, population):
    assert services.active_grant_for("4201-RSJ", population.code) is not None
    ShareGrant.objects.filter(pk=population_grant.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert services.active_grant_for("4201-RSJ", population.code) is None
    population_grant.refresh_from_db()
    assert services.grant_state(population_grant) == "expired"

    ShareGrant.objects.filter(pk=population_grant.pk).update(expires_at=None)
    with pytest.raises(DomainError):
        services.revoke_grant(actor=police_officer, grant=population_grant, reason="")
    services.revoke_grant(actor=police_officer, grant=population_grant, reason="超范围使用")
    assert services.active_grant_for("4201-RSJ", population.code) is None
    assert services.latest_grant_for("4201-RSJ", population.code) == population_grant


def test_overdue_requests(hrss_officer, household):
    request = ask(hrss_officer, household, fields=["id_number"])
    assert list(services.overdue_requests()) == []
    later = request.due_on + dt.timedelta(days=1)
    assert list(services.overdue_requests(on=later)) == [request]


# --- applications ------------------------------------------------------------------------------


def test_an_app_key_is_shown_once_and_found_by_its_hash(hrss_officer, hrss_app):
    app, key = hrss_app
    assert key.startswith("ywk_") and len(key) > 40
    assert key not in app.api_key_hash
    assert services.app_for_api_key(key) == app
    assert services.app_for_api_key(key[:-1] + "x") is None

    app, new_key = services.rotate_key(actor=hrss_officer, app=app)
    assert services.app_for_api_key(key) is None
    assert services.app_for_api_key(new_key) == app

    services.deactivate_app(actor=hrss_officer, app=app)
    assert services.app_for_api_key(new_key) is None


def test_an_app_gets_an_oauth_client_credentials_client(hrss_officer, hrss_app):
    from oauth2_provider.models import get_application_model

    app, _key = hrss_app
    client_id, secret = services.create_oauth_client(actor=hrss_officer, app=app)

    client = get_application_model().objects.get(client_id=client_id)
    assert client.authorization_grant_type == "client-credentials"
    assert client.client_secret != secret  # only a hash is kept
    assert services.app_for_client_id(client_id) == app
    with pytest.raises(DomainError):
        services.create_oauth_client(actor=hrss_officer, app=app)


def test_another_departments_app_is_out_of_reach(outsider_officer, hrss_app):
    app, _key = hrss_app
    with pytest.raises(DomainError) as caught:
        services.rotate_key(actor=outsider_officer, app=app)
    assert caught.value.status == 403


# --- error reports and quality ----------------------------------------------------------------


def test_error_reports_need_a_grant_and_go_to_the_provider(
    hrss_officer, police_officer, outsider_officer, population, population_grant
):
    with pytest.raises(DomainError) as caught:
        services.report_error(
            actor=outsider_officer,
            resource=population,
            record_key="420106198503120118",
            field_name="address",
            description="住址已变更",
        )
    assert caught.value.code == "exchange_no_grant"

    with pytest.raises(DomainError) as bad:
        services.report_error(
            actor=hrss_officer,
            resource=population,
            record_key="420106198503120118",
            field_name="salary",
            description="",
        )
    assert {e["field"] for e in bad.value.details["errors"]} == {"field_name", "description"}

    report = services.report_error(
        actor=hrss_officer,
        resource=population,
        record_key="420106198503120118",
        field_name="address",
        description="住址已变更",
    )
    assert report.due_on == calendar.add_working_days(timezone.localdate(), 5)
    assert services.quality("4201-GAJ")["open_reports"] == 1
    assert list(services.overdue_reports(on=report.due_on + dt.timedelta(days=1))) == [report]

    with pytest.raises(DomainError) as no_reason:
        services.resolve_report(actor=police_officer, report=report, corrected=True, resolution="")
    assert no_reason.value.code == "exchange_reason_required"
    services.resolve_report(
        actor=police_officer, report=report, corrected=True, resolution="已核实更正"
    )
    report.refresh_from_db()
    assert report.status == "corrected"


def test_quality_figures(police_officer, police, population):
    services.mount_api(actor=police_officer, resource=population, url="https://x.gov.cn/rk")
    services.touch_mount(population)
    make_resource(police_officer, police, "GA-UN-009")

    figures = services.quality(police.code)

    assert figures["resources"] == 2
    assert figures["published"] == 2
    assert figures["mounted"] == 1
    assert figures["mount_rate"] == 0.5
    assert figures["fresh"] == 1 and figures["freshness_rate"] == 1.0
    assert figures["open_reports"] == 0 and figures["calls_30d"] == 0


# --- subscriptions ----------------------------------------------------------------------------


def test_a_subscription_is_told_of_changes(
    hrss_officer, police_officer, population, population_grant, hrss_app, monkeypatch
):
    from yiwang.exchange import subscribers

    posted: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(
        subscribers, "_post", lambda url, notice: posted.append((url, notice)) or True
    )
    app, _key = hrss_app
    plain = services.subscribe(actor=hrss_officer, grant=population_grant, app=app)
    other_app, _ = services.create_app(actor=hrss_officer, name="回调应用")
    hooked = services.subscribe(
        actor=hrss_officer,
        grant=population_grant,
        app=other_app,
        callback_url="https://rsj.example.gov.cn/hook",
    )
    services.mount_api(actor=police_officer, resource=population, url="https://x.gov.cn/rk")

    services.touch_mount(population)  # on commit the handler runs (captured below)

    from yiwang.kernel import events
    from yiwang.kernel.models import OutboxEvent

    for event in OutboxEvent.objects.filter(topic="exchange.resource_changed"):
        events.deliver(event.pk)
    plain.refresh_from_db()
    hooked.refresh_from_db()
    assert plain.last_delivered_at is not None and hooked.last_delivered_at is not None
    assert posted[0][0] == "https://rsj.example.gov.cn/hook"
    assert posted[0][1]["resource"] == population.code

    services.cancel_subscription(actor=hrss_officer, subscription=plain)
    assert Subscription.objects.get(pk=plain.pk).cancelled_at is not None


def test_a_failing_callback_never_raises(monkeypatch):
    from yiwang.exchange import subscribers

    assert subscribers._post("http://127.0.0.1:9/nothing", {"a": 1}) is False


def test_a_bad_callback_url_is_refused(hrss_officer, population_grant, hrss_app):
    app, _key = hrss_app
    with pytest.raises(DomainError) as caught:
        services.subscribe(
            actor=hrss_officer, grant=population_grant, app=app, callback_url="ftp://x"
        )
    assert caught.value.details["errors"][0]["field"] == "callback_url"


def test_the_overdue_command_lists_late_requests(hrss_officer, household):
    import io

    from django.core.management import call_command

    request = ask(hrss_officer, household, fields=["id_number"])
    out = io.StringIO()
    later = (request.due_on + dt.timedelta(days=1)).isoformat()
    call_command("exchange", "overdue", "--on", later, stdout=out)
    assert f"request {request.pk}" in out.getvalue()
    assert "overdue share requests: 1" in out.getvalue()
