"""The open-data tests' shared fixtures (every open-data test file may use them).

* ``od_region``: 武汉市 (code 4201), in the standard region tree (``regions``).
* ``od_department``: 武汉市数据局 (code ``4201-SJJ``) in 武汉市.
* ``od_publisher``: that department's publisher (CKAN organization ``4201-sjj``).
* ``od_clerk``: a data officer of 武汉市数据局, holding ``opendata.publish`` for it.
* ``od_other_publisher``: 宜昌市市场监督管理局's publisher (``4205-scjg``), the outsider's.
* ``od_outsider``: a data officer of 宜昌市市场监督管理局 (``other_department``): may publish
  for their own department, not for ``od_publisher``.
* ``od_citizen``: a registered member of the public (the global ``citizen``).
* ``od_token``: an API token (the secret string, ``ywod_<prefix>_<secret>``) of ``od_clerk``.
* ``od_outsider_token``: the same for ``od_outsider``.
* ``od_dataset``: an active, unconditional dataset ``wuhan-bus-stops`` (武汉市公交站点) of
  ``od_publisher``, with one API-link resource, created through the services.
* ``od_licences``: the licences of migration 0002 (a transactional test's flush removes
  them; ``od_publisher`` asks for this, so datasets can always name ``cc-by-4.0``).
* ``dataset_data(**overrides)``: a valid ``package_create`` dictionary (a plain function).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import DepartmentFactory, RegionTree, StaffFactory


def dataset_data(**overrides: Any) -> dict[str, Any]:
    """A valid ``package_create`` dictionary for ``od_publisher`` (override any key)."""
    data: dict[str, Any] = {
        "name": "wuhan-bus-stops",
        "title": "武汉市公交站点",
        "notes": "武汉市公交站点的名称、位置和途经线路。",
        "owner_org": "4201-sjj",
        "tags": [{"name": "公交"}, {"name": "交通"}],
        "theme": "transport",
        "region": "4201",
        "license_id": "cc-by-4.0",
        "update_frequency": "monthly",
        "open_type": "unconditional",
    }
    data.update(overrides)
    return data


@pytest.fixture
def od_region(regions: RegionTree) -> Any:
    return regions.wuhan


@pytest.fixture
def od_department(od_region: Any) -> Any:
    return DepartmentFactory(code="4201-SJJ", name="武汉市数据局", region=od_region)


@pytest.fixture
def od_licences(db: None) -> None:
    import importlib

    from yiwang.opendata.models import Licence

    migration = importlib.import_module("yiwang.opendata.migrations.0002_licences")
    for position, (code, title, url) in enumerate(migration.LICENCES):
        Licence.objects.get_or_create(
            id=code, defaults={"title": title, "url": url, "position": position}
        )


@pytest.fixture
def od_publisher(od_department: Any, od_licences: None) -> Any:
    from yiwang.opendata import services

    return services.ensure_publisher(od_department, actor="test")


@pytest.fixture
def od_other_publisher(other_department: Any) -> Any:
    from yiwang.opendata import services

    return services.ensure_publisher(other_department, actor="test")


@pytest.fixture
def od_clerk(od_department: Any, od_publisher: Any) -> Any:
    return StaffFactory(username="od_clerk", role="data_officer", department=od_department)


@pytest.fixture
def od_outsider(other_department: Any, od_other_publisher: Any) -> Any:
    return StaffFactory(username="od_outsider", role="data_officer", department=other_department)


@pytest.fixture
def od_citizen(citizen: Any) -> Any:
    return citizen


@pytest.fixture
def od_token(od_clerk: Any) -> str:
    from yiwang.opendata import services

    _token, secret = services.create_token(actor="test", user=od_clerk, name="测试令牌")
    return secret


@pytest.fixture
def od_outsider_token(od_outsider: Any) -> str:
    from yiwang.opendata import services

    _token, secret = services.create_token(actor="test", user=od_outsider, name="测试令牌")
    return secret


@pytest.fixture
def od_dataset(od_clerk: Any) -> Any:
    from yiwang.opendata import services

    return services.create_dataset(
        actor=od_clerk,
        data=dataset_data(
            resources=[
                {
                    "name": "公交站点查询接口",
                    "url": "https://data.example.gov.cn/api/bus-stops",
                    "format": "API",
                }
            ]
        ),
    )
