"""Verification (多源核验): yes/no answers, malformed input refused."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.exchange.test_sources import food_licence  # noqa: F401 (a fixture)
from yiwang.exchange import synth, verify
from yiwang.exchange.sources import InvalidKey
from yiwang.kernel import population
from yiwang.kernel.models import BaseCreditRecord, BaseLegalEntity, BasePerson
from yiwang.licenses import services as licences

pytestmark = pytest.mark.django_db


@pytest.fixture
def person() -> BasePerson:
    synth.synthesize(people=20, entities=5, seed=9, progress=False)
    found = BasePerson.objects.order_by("pk").first()
    assert found is not None
    return found


def test_name_matches_id(person: BasePerson) -> None:
    assert verify.name_matches_id(person.name, person.id_number)
    assert verify.name_matches_id(f" {person.name} ", person.id_number)
    assert not verify.name_matches_id(person.name + "某", person.id_number)
    assert not verify.name_matches_id(person.name, "420106198503120118")
    assert not verify.name_matches_id("", person.id_number)
    # the kernel's population questions (used by identity) read the same rows
    assert population.person_matches(person.name, person.id_number)


def test_malformed_input_raises_invalid_key() -> None:
    with pytest.raises(InvalidKey, match="校验位"):
        verify.name_matches_id("张三", "420106198503120119")
    with pytest.raises(InvalidKey):
        verify.entity_in_good_standing("123")
    with pytest.raises(InvalidKey):
        verify.licence_valid("nonsense")


def test_entity_in_good_standing_reasons(person: BasePerson) -> None:
    entity = BaseLegalEntity.objects.order_by("pk").first()
    assert entity is not None
    BaseCreditRecord.objects.all().delete()
    BaseLegalEntity.objects.filter(pk=entity.pk).update(status="active")
    code = entity.credit_code
    today = dt.date(2025, 6, 1)

    assert verify.entity_in_good_standing(code, on=today) == (True, "good_standing")

    BaseCreditRecord.objects.create(
        credit_code=code, kind="penalty", title="未按规定公示年度报告", decided_by="市场监管",
        decided_on=dt.date(2025, 1, 1), expires_on=dt.date(2026, 1, 1),
    )  # fmt: skip
    BaseCreditRecord.objects.create(
        credit_code=code, kind="black", title="严重违法失信主体", decided_by="市场监管",
        decided_on=dt.date(2020, 1, 1), expires_on=dt.date(2023, 1, 1),
    )  # fmt: skip
    assert verify.entity_in_good_standing(code, on=today) == (True, "good_standing")

    BaseCreditRecord.objects.create(
        credit_code=code, kind="black", title="严重违法失信主体", decided_by="市场监管",
        decided_on=dt.date(2024, 1, 1), expires_on=dt.date(2027, 1, 1),
    )  # fmt: skip
    assert verify.entity_in_good_standing(code, on=today) == (False, "blacklisted")

    BaseLegalEntity.objects.filter(pk=entity.pk).update(status="deregistered")
    assert verify.entity_in_good_standing(code, on=today) == (False, "not_active")
    assert verify.entity_in_good_standing("91420106MA4K00001J") == (False, "not_found")


def test_licence_valid(food_licence: Any) -> None:  # noqa: F811
    identifier = licences.view(food_licence)["identifier"]
    assert verify.licence_valid(identifier)
    licences.revoke(actor="test", license=food_licence, reason="测试注销")
    assert not verify.licence_valid(identifier)
