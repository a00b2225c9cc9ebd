"""The demo: seals for the departments with demo cases and licences, loaded before the cases
demo (so its documents come out sealed); running it again changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps

from yiwang.seals import demo
from yiwang.seals.models import Seal

pytestmark = pytest.mark.django_db


def load_before_seals() -> None:
    """The demos that come before the seals': regions, departments, the staff."""
    for name in ("yiwang.kernel", "yiwang.identity"):
        module: Any = __import__(f"{name}.demo", fromlist=["load"])
        module.load(actor="demo", say=lambda _line: None)


def test_the_seals_demo_loads_before_the_cases_demo() -> None:
    order = [c.name for c in apps.get_app_configs()]
    assert order.index("yiwang.seals") < order.index("yiwang.cases")
    assert order.index("yiwang.seals") < order.index("yiwang.licenses")


def test_demo_seals_are_registered_once() -> None:
    load_before_seals()
    said: list[str] = []

    demo.load(actor="demo", say=said.append)
    demo.load(actor="demo", say=said.append)

    seals = list(Seal.objects.select_related("department"))
    assert {s.department.code for s in seals} == set(demo.DEPARTMENTS)
    assert all(s.kind == "business" and s.status == "active" for s in seals)
    assert all(set(s.automatic_purposes) == set(demo.PURPOSES) for s in seals)
    assert said[-1] == f"seals: 0 registered (none), {len(demo.DEPARTMENTS)} kept"


def test_without_the_demo_admin_there_are_no_demo_seals(db: None) -> None:
    said: list[str] = []
    demo.load(actor="demo", say=said.append)
    assert not Seal.objects.exists()
    assert "missing" in said[0]
