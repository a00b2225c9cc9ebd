"""The exchange demo loads, and loads again without change."""

from __future__ import annotations

import pytest

from yiwang.exchange.models import DataResource, ShareGrant, ShareRequest

pytestmark = pytest.mark.django_db


def test_demo_catalogue_loads_twice() -> None:
    from yiwang.exchange import demo, services
    from yiwang.identity import demo as identity_demo
    from yiwang.kernel import demo as kernel_demo

    said: list[str] = []
    kernel_demo.load(actor="demo", say=said.append)
    identity_demo.load(actor="demo", say=said.append)
    demo.load(actor="demo", say=said.append)
    counts = (DataResource.objects.count(), ShareRequest.objects.count())
    demo.load(actor="demo", say=said.append)

    assert counts == (7, 2)
    assert (DataResource.objects.count(), ShareRequest.objects.count()) == counts
    assert DataResource.objects.filter(status="published").count() == 6
    assert ShareGrant.objects.filter(resource__code="JC-RK-0001").count() == 1
    assert ShareRequest.objects.filter(status="pending").count() == 1
    assert services.search_resources("人口")[1][0].code == "JC-RK-0001"
    assert services.mount_rate() > 0, said
