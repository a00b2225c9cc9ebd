"""The subscription pages (订阅): a consumer's data officer subscribes one of the department's
applications to a granted resource from "my grants", sees the department's subscriptions and
cancels one. A refusal is shown in the error summary (never a 500) and changes nothing;
anyone but the consumer department's data officers gets 404."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.exchange.conftest import make_resource
from yiwang.exchange import services
from yiwang.exchange.models import Subscription
from yiwang.kernel.models import AuditEntry

pytestmark = pytest.mark.django_db

HOOK = "https://rsj.example.gov.cn/notify"


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def subscribe_url(grant: Any) -> str:
    return f"/staff/exchange/grants/{grant.pk}/subscribe/"


def cancel_url(subscription: Any) -> str:
    return f"/staff/exchange/subscriptions/{subscription.pk}/cancel/"


@pytest.fixture
def subscription(hrss_officer: Any, population_grant: Any, hrss_app: Any) -> Any:
    app, _key = hrss_app
    return services.subscribe(
        actor=hrss_officer, grant=population_grant, app=app, callback_url=HOOK
    )


@pytest.fixture
def api_only_grant(hrss_officer: Any, police_officer: Any, police: Any) -> Any:
    """A grant on a resource shared by API only (no subscription method)."""
    resource = make_resource(
        police_officer, police, "GA-API-003", name="居住证信息", share_methods=["api"]
    )
    request = services.request_share(
        actor=hrss_officer,
        resource=resource,
        fields=None,
        purpose="社保参保登记核验身份",
        legal_basis="《社会保险法》第五十八条",
    )
    return request.grant


# --- subscribing --------------------------------------------------------------------------------


def test_my_grants_links_a_subscribable_grant_to_its_subscribe_page(
    hrss_officer: Any, population_grant: Any, api_only_grant: Any
) -> None:
    page = signed_in(hrss_officer).get("/staff/exchange/grants/").content.decode()

    assert subscribe_url(population_grant) in page
    assert subscribe_url(api_only_grant) not in page
    assert "/staff/exchange/subscriptions/" in page


def test_the_data_officer_subscribes_an_application_with_a_callback(
    hrss_officer: Any, population: Any, population_grant: Any, hrss_app: Any
) -> None:
    app, _key = hrss_app
    client = signed_in(hrss_officer)
    form = client.get(subscribe_url(population_grant))
    assert form.status_code == 200
    assert "社保业务系统" in form.content.decode()

    response = client.post(subscribe_url(population_grant), {"app": app.pk, "callback_url": HOOK})

    assert response.status_code == 302
    assert response["Location"] == "/staff/exchange/subscriptions/"
    made = Subscription.objects.get()
    assert (made.grant_id, made.app_id, made.callback_url) == (population_grant.pk, app.pk, HOOK)
    assert made.cancelled_at is None
    assert AuditEntry.objects.filter(action="exchange.subscribed").count() == 1
    page = client.get(response["Location"]).content.decode()
    assert "已订阅“人口基础信息”的变更" in page


def test_a_callback_is_optional(hrss_officer: Any, population_grant: Any, hrss_app: Any) -> None:
    app, _key = hrss_app

    response = signed_in(hrss_officer).post(subscribe_url(population_grant), {"app": app.pk})

    assert response.status_code == 302
    assert Subscription.objects.get().callback_url == ""


# --- the list and cancelling ----------------------------------------------------------------------


def test_the_list_shows_resource_app_callback_created_and_last_delivered(
    hrss_officer: Any, subscription: Any
) -> None:
    delivered = timezone.localtime().replace(year=2030, month=1, day=2, hour=3, minute=4)
    Subscription.objects.filter(pk=subscription.pk).update(last_delivered_at=delivered)

    response = signed_in(hrss_officer).get("/staff/exchange/subscriptions/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "人口基础信息" in page and "GA-RK-001" in page
    assert "社保业务系统" in page
    assert HOOK in page
    assert timezone.localtime(subscription.created_at).strftime("%Y-%m-%d %H:%M") in page
    assert "2030-01-02 03:04" in page
    assert cancel_url(subscription) in page


def test_the_data_officer_cancels_a_subscription(hrss_officer: Any, subscription: Any) -> None:
    client = signed_in(hrss_officer)

    response = client.post(cancel_url(subscription))

    assert response.status_code == 302
    subscription.refresh_from_db()
    assert subscription.cancelled_at is not None
    assert AuditEntry.objects.filter(action="exchange.unsubscribed").count() == 1
    page = client.get("/staff/exchange/subscriptions/").content.decode()
    assert "已取消应用“社保业务系统”对“人口基础信息”的订阅" in page
    assert cancel_url(subscription) not in page


def test_cancelling_is_a_post(hrss_officer: Any, subscription: Any) -> None:
    assert signed_in(hrss_officer).get(cancel_url(subscription)).status_code == 405


# --- who may ------------------------------------------------------------------------------------


def test_an_outsider_gets_404_and_changes_nothing(
    outsider_officer: Any, population_grant: Any, hrss_app: Any, subscription: Any
) -> None:
    app, _key = hrss_app
    client = signed_in(outsider_officer)

    assert client.get(subscribe_url(population_grant)).status_code == 404
    assert client.post(subscribe_url(population_grant), {"app": app.pk}).status_code == 404
    assert client.post(cancel_url(subscription)).status_code == 404

    subscription.refresh_from_db()
    assert subscription.cancelled_at is None
    assert Subscription.objects.count() == 1
    listing = client.get("/staff/exchange/subscriptions/")
    assert listing.status_code == 200
    assert "社保业务系统" not in listing.content.decode()


def test_the_providers_officer_sees_the_grant_but_cannot_subscribe_to_it(
    police_officer: Any, population_grant: Any, subscription: Any
) -> None:
    client = signed_in(police_officer)

    assert client.get(subscribe_url(population_grant)).status_code == 404
    assert client.post(cancel_url(subscription)).status_code == 404
    subscription.refresh_from_db()
    assert subscription.cancelled_at is None


def test_staff_without_the_data_officer_permission_get_404_on_a_subscription(
    auditor: Any, population_grant: Any, subscription: Any
) -> None:
    client = signed_in(auditor)

    assert client.get(subscribe_url(population_grant)).status_code == 404
    assert client.post(cancel_url(subscription)).status_code == 404
    # the list, like the other pages of a consumer's own things, is not theirs at all
    assert client.get("/staff/exchange/subscriptions/").status_code == 403


def test_citizens_get_403(citizen: Any, population_grant: Any) -> None:
    client = signed_in(citizen)

    assert client.get("/staff/exchange/subscriptions/").status_code == 403
    assert client.get(subscribe_url(population_grant)).status_code == 403


# --- refusals -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["ftp://rsj.example.gov.cn/notify", "rsj.example.gov.cn", "https://"]
)
def test_a_bad_callback_url_is_refused_on_its_field(
    url: str, hrss_officer: Any, population_grant: Any, hrss_app: Any
) -> None:
    app, _key = hrss_app

    response = signed_in(hrss_officer).post(
        subscribe_url(population_grant), {"app": app.pk, "callback_url": url}
    )

    assert response.status_code == 422
    page = response.content.decode()
    assert 'class="error-summary"' in page
    assert 'href="#id_callback_url"' in page
    assert "回调地址须为 http 或 https 网址。" in page
    assert 'aria-invalid="true"' in page
    assert Subscription.objects.count() == 0


def test_a_callback_url_over_200_characters_is_refused(
    hrss_officer: Any, population_grant: Any, hrss_app: Any
) -> None:
    app, _key = hrss_app
    url = "https://rsj.example.gov.cn/" + "a" * 200

    response = signed_in(hrss_officer).post(
        subscribe_url(population_grant), {"app": app.pk, "callback_url": url}
    )

    assert response.status_code == 422
    assert "回调地址不能超过 200 个字符" in response.content.decode()
    assert Subscription.objects.count() == 0


def test_a_resource_without_the_subscription_method_is_refused(
    hrss_officer: Any, api_only_grant: Any, hrss_app: Any
) -> None:
    app, _key = hrss_app
    client = signed_in(hrss_officer)
    shown = client.get(subscribe_url(api_only_grant)).content.decode()
    assert "该资源不提供订阅方式共享。" in shown
    assert 'id="subscribe-form"' not in shown

    response = client.post(subscribe_url(api_only_grant), {"app": app.pk})

    assert response.status_code == 422
    page = response.content.decode()
    assert 'class="error-summary"' in page
    assert "该资源不提供订阅方式共享。" in page
    assert Subscription.objects.count() == 0


def test_a_revoked_grant_is_refused(
    hrss_officer: Any, police_officer: Any, population_grant: Any, hrss_app: Any
) -> None:
    app, _key = hrss_app
    services.revoke_grant(actor=police_officer, grant=population_grant, reason="停止合作")

    response = signed_in(hrss_officer).post(subscribe_url(population_grant), {"app": app.pk})

    assert response.status_code == 409
    assert "授权已失效,不能订阅。" in response.content.decode()  # the service's message
    assert Subscription.objects.count() == 0


def test_another_departments_or_a_deactivated_application_is_not_offered(
    hrss_officer: Any, outsider_officer: Any, population_grant: Any, hrss_app: Any
) -> None:
    theirs, _key = services.create_app(actor=outsider_officer, name="市场监管系统")
    app, _key = hrss_app
    services.deactivate_app(actor=hrss_officer, app=app)
    client = signed_in(hrss_officer)

    shown = client.get(subscribe_url(population_grant)).content.decode()
    assert "本部门还没有可用的应用" in shown
    response = client.post(subscribe_url(population_grant), {"app": theirs.pk})

    assert response.status_code == 422
    assert "请选择本部门的有效应用。" in response.content.decode()
    assert Subscription.objects.count() == 0


def test_no_application_chosen_is_pointed_out(
    hrss_officer: Any, population_grant: Any, hrss_app: Any
) -> None:
    response = signed_in(hrss_officer).post(subscribe_url(population_grant), {"callback_url": HOOK})

    assert response.status_code == 422
    page = response.content.decode()
    assert "请选择应用。" in page
    assert 'href="#id_app_0"' in page
