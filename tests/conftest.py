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

#: Fixture plugins of modules, visible to every test directory (browser tests included).
pytest_plugins = ["tests.catalog.fixtures"]


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


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Every test starts in the default language (Simplified Chinese): a request with
    ``Accept-Language: en`` leaves English active in its thread, and a later test on the same
    worker calling a service directly would otherwise get English text."""
    from django.utils import translation

    translation.activate("zh-hans")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _clear_rate_limits() -> None:
    """Rate-limit counters live in the cache; one test's sign-ins must not limit the next."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _force_login_records_a_full_session(monkeypatch: Any) -> None:
    """``client.force_login(staff)`` stands for a finished sign-in: the session gets its
    server-side record and, for staff, a cryptographic second factor, as the identity
    middleware requires. Tests of password-only sessions use ``password_only_login``."""
    from django.test.client import ClientMixin

    original = ClientMixin._login

    def _login(self: Any, user: Any, backend: Any = None) -> None:
        original(self, user, backend)
        record_full_session(self, user, ["password", "totp"] if user.is_staff else ["password"])

    monkeypatch.setattr(ClientMixin, "_login", _login)


def record_full_session(client: Any, user: Any, factors: list[str]) -> None:
    import time

    from yiwang.identity.models import AccountSession
    from yiwang.identity.services.sessions import AUTH_AT_KEY, FACTORS_KEY

    session = client.session
    session[FACTORS_KEY] = factors
    session[AUTH_AT_KEY] = int(time.time())
    session.save()
    AccountSession.objects.update_or_create(
        session_key=session.session_key, defaults={"account": user, "factors": factors}
    )


def password_only_login(client: Any, user: Any) -> None:
    """A session that passed the password and nothing else (e.g. Django admin's own login)."""
    client.force_login(user)
    record_full_session(client, user, ["password"])


@pytest.fixture
def staff_client(clerk: Any) -> Any:
    """A test client signed in as the clerk with password and TOTP."""
    from django.test import Client

    client = Client()
    client.force_login(clerk)
    return client
