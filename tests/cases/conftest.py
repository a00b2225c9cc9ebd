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


@pytest.fixture
def id_card_type(db: None) -> Any:
    """The ``resident_id_card`` licence type the catalogue fixtures' M02 and F02 name."""
    from tests.cases.support import create_id_card_type

    return create_id_card_type()


@pytest.fixture
def held_id_card(id_card_type: Any, citizen: Any, owning_department: Any) -> Any:
    """A valid ``resident_id_card`` e-licence the citizen holds (issued to their account)."""
    from tests.cases.support import give_id_card

    return give_id_card(citizen, owning_department)
