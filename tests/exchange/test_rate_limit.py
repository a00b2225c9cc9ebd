"""The provider sets a grant's rate limit when approving (service, API, page); the file-mount
page shows the configured size limit."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.exchange.test_sharing import ask
from yiwang.exchange import services
from yiwang.exchange.models import ShareGrant
from yiwang.kernel.errors import DomainError

pytestmark = pytest.mark.django_db


def _signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_provider_sets_the_rate_limit(hrss_officer, police_officer, household) -> None:
    default = services.approve(actor=police_officer, request=ask(hrss_officer, household))
    assert default.rate_limit_per_minute == 600

    request = ask(hrss_officer, household)
    for bad in (0, 100_001):
        with pytest.raises(DomainError) as refused:
            services.approve(actor=police_officer, request=request, rate_limit_per_minute=bad)
        assert refused.value.code == "exchange_request_invalid"
        assert refused.value.details["errors"][0]["field"] == "rate_limit_per_minute"

    grant = services.approve(actor=police_officer, request=request, rate_limit_per_minute=30)
    assert grant.rate_limit_per_minute == 30


def test_the_rate_limit_through_the_api(client, hrss_officer, police_officer, household) -> None:
    url = f"/api/v1/exchange/requests/{ask(hrss_officer, household).pk}/decision"
    client.force_login(police_officer)

    bad = client.post(
        url, {"approve": True, "rate_limit_per_minute": 0}, content_type="application/json"
    )
    assert bad.status_code == 422
    good = client.post(
        url, {"approve": True, "rate_limit_per_minute": 1200}, content_type="application/json"
    )
    assert good.status_code == 200, good.content
    assert ShareGrant.objects.get().rate_limit_per_minute == 1200


def test_the_rate_limit_on_the_approval_page(hrss_officer, police_officer, household) -> None:
    share = ask(hrss_officer, household, fields=["name"])
    provider = _signed_in(police_officer)
    page = provider.get(f"/staff/exchange/requests/{share.pk}/").content.decode()
    assert "每分钟调用次数上限" in page and 'value="600"' in page
    action = f"/staff/exchange/requests/{share.pk}/do/approve/"

    too_many = provider.post(
        action, {"approve-field_names": ["name"], "approve-rate_limit_per_minute": "100001"}
    )
    assert too_many.status_code == 422
    assert "每分钟调用次数上限不能大于" in too_many.content.decode()
    done = provider.post(
        action, {"approve-field_names": ["name"], "approve-rate_limit_per_minute": "45"}
    )
    assert done.status_code == 302
    assert ShareGrant.objects.get().rate_limit_per_minute == 45


def test_the_file_mount_page_shows_the_configured_limit(
    settings, police_officer, population
) -> None:
    settings.YIWANG_EXCHANGE_FILE_MAX_BYTES = 2 * 1024 * 1024
    page = _signed_in(police_officer).get(f"/staff/exchange/resources/{population.code}/")
    text = page.content.decode()
    assert "不超过 2.0" in text and "50 MB" not in text
