"""The cases tests' shared fixtures: an approver of the owning department and a citizen with
a name and a mobile number (a module may define its own in their place)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import StaffFactory


@pytest.fixture
def approver(owning_department: Any) -> Any:
    """An approver of the owning department (武昌区市场监督管理局)."""
    return StaffFactory(username="approver", role="approver", department=owning_department)


@pytest.fixture
def named_citizen(citizen: Any) -> Any:
    citizen.display_name = "张小三"
    citizen.mobile = "13912345678"
    citizen.save()
    return citizen
