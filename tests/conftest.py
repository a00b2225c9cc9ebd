"""Shared fixtures: the standard personas of CONVENTIONS.md, an isolated data dir, and the
rule that CI never skips a test for want of a service."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from tests.factories import (
    DepartmentFactory,
    RegionTree,
    StaffFactory,
    build_region_tree,
)


def require_service(host: str, port: int, what: str) -> None:
    """Skip when a service is not listening here; in CI, fail instead (CI has them all)."""
    try:
        with socket.create_connection((host, port), timeout=1):
            return
    except OSError:
        message = f"{what} is not running on {host}:{port}"
        if os.environ.get("CI"):
            pytest.fail(f"{message} (CI must run every test)")
        pytest.skip(f"{message}; start it to run this test")


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "files"


@pytest.fixture
def regions(db: None) -> RegionTree:
    """湖北省 → 武汉市 → 武昌区 → a township → a village, and 宜昌市 → 西陵区."""
    return build_region_tree()


@pytest.fixture
def owning_department(regions: RegionTree) -> Any:
    return DepartmentFactory(
        code="420106-SCJG", name="武昌区市场监督管理局", region=regions.wuchang
    )


@pytest.fixture
def other_department(regions: RegionTree) -> Any:
    return DepartmentFactory(code="4205-SCJG", name="宜昌市市场监督管理局", region=regions.yichang)


@pytest.fixture
def citizen(db: None) -> Any:
    """A signed-in member of the public: an account with no staff role."""
    from tests.factories import AccountFactory

    return AccountFactory(username="citizen", is_staff=False)


@pytest.fixture
def clerk(owning_department: Any) -> Any:
    """A window clerk of the owning department."""
    return StaffFactory(username="clerk", role="window_clerk", department=owning_department)


@pytest.fixture
def outsider(other_department: Any) -> Any:
    """A window clerk of another department in another city."""
    return StaffFactory(username="outsider", role="window_clerk", department=other_department)


@pytest.fixture
def admin(regions: RegionTree) -> Any:
    """The platform admin of the province."""
    return StaffFactory(
        username="admin", role="platform_admin", region=regions.hubei, is_superuser=True
    )


@pytest.fixture
def auditor(regions: RegionTree) -> Any:
    return StaffFactory(username="auditor", role="auditor", region=regions.hubei)


@pytest.fixture
def api_client(client: Any) -> Iterator[Any]:
    yield client
