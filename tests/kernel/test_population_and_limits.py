"""The population base-data service and the cache-backed rate limiter."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from yiwang.kernel import population, ratelimit
from yiwang.kernel.demo import ENTITIES, PERSONS, demo_credit_code, load_base_data, person_id_number
from yiwang.kernel.errors import DomainError


@pytest.mark.django_db
def test_person_matches_name_and_number_together() -> None:
    load_base_data(lambda _msg: None)
    name, birth, seq = PERSONS[0]
    number = person_id_number(birth, seq)
    assert population.person_matches(name, number)
    assert population.person_matches(f" {name} ", number)
    assert not population.person_matches("李四", number)
    _other_name, other_birth, other_seq = PERSONS[1]
    assert not population.person_matches(name, person_id_number(other_birth, other_seq))


@pytest.mark.django_db
def test_entity_representative() -> None:
    load_base_data(lambda _msg: None)
    body, entity_name, representative = ENTITIES[0]
    rep = next(p for p in PERSONS if p[0] == representative)
    rep_number = person_id_number(rep[1], rep[2])
    assert population.entity_representative_matches(demo_credit_code(body), rep_number) == (
        entity_name
    )
    stranger = person_id_number(PERSONS[-1][1], PERSONS[-1][2])
    assert population.entity_representative_matches(demo_credit_code(body), stranger) is None
    assert population.entity_representative_matches("91420106MA4K99999X", rep_number) is None


def test_rate_limit_counts_per_key_and_window() -> None:
    cache.clear()
    for _ in range(3):
        ratelimit.hit("test", "a", limit=3, window_seconds=60)
    with pytest.raises(DomainError) as info:
        ratelimit.hit("test", "a", limit=3, window_seconds=60)
    assert info.value.status == 429
    assert 0 < info.value.details["retry_after"] <= 60
    ratelimit.hit("test", "b", limit=3, window_seconds=60)  # another key is unaffected
    ratelimit.hit("other", "a", limit=3, window_seconds=60)  # another scope too
