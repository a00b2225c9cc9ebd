"""Synthetic base data: valid identifiers, repeatable with a seed, stored as the ORM stores
them (found by blind index, decrypted by the model), refusing a second run without --append."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from stdnum.cn import ric, uscc

from yiwang.exchange import synth
from yiwang.kernel.fields import lookup
from yiwang.kernel.models import BaseCreditRecord, BaseLegalEntity, BasePerson
from yiwang.kernel.validators import validate_credit_code, validate_id_number

pytestmark = pytest.mark.django_db


def _people() -> list[tuple[Any, ...]]:
    return list(
        BasePerson.objects.order_by("pk").values_list(
            "name", "id_number", "gender", "birth_date", "ethnicity", "address", "household_region"
        )
    )


def test_people_have_valid_unique_id_numbers_matching_gender_and_birth_date() -> None:
    # Given / When
    synth.synthesize(people=300, seed=7, progress=False)

    # Then
    people = _people()
    assert len(people) == 300
    assert len({p[1] for p in people}) == 300
    for name, number, gender, birth, _ethnicity, address, region in people:
        assert ric.is_valid(number)
        assert validate_id_number(number) == number  # the platform's own validator agrees
        assert ric.get_birth_date(number) == birth
        assert gender == ("男" if int(number[16]) % 2 else "女")
        assert 2 <= len(name) <= 4
        assert address.startswith("湖北省")
        assert region.startswith("42") and len(region) == 6


def test_rows_are_found_by_blind_index_and_decrypted_by_the_orm() -> None:
    # Given
    synth.synthesize(people=50, seed=3, progress=False)
    name, number = BasePerson.objects.values_list("name", "id_number").first() or ("", "")

    # When
    found = BasePerson.objects.filter(**lookup(BasePerson, "id_number", number)).get()

    # Then: the ORM decrypts what synth sealed, and the name's index finds it too
    assert found.id_number == number and found.name == name
    assert BasePerson.objects.filter(**lookup(BasePerson, "name", name)).filter(pk=found.pk)
    raw = BasePerson.objects.filter(pk=found.pk).values_list("id_number_index", flat=True)
    assert raw.get() == lookup(BasePerson, "id_number", number)["id_number_index"]


def test_same_seed_same_data_other_seed_other_data() -> None:
    synth.synthesize(people=120, seed=11, progress=False)
    first = _people()
    BasePerson.objects.all().delete()
    synth.synthesize(people=120, seed=11, progress=False)
    again = _people()
    BasePerson.objects.all().delete()
    synth.synthesize(people=120, seed=12, progress=False)
    other = _people()

    assert first == again
    assert [p[0] for p in first] != [p[0] for p in other]


def test_worker_processes_make_the_same_rows() -> None:
    plan = synth.Plan(seed=5, scope="4201", now=synth.timezone.now(), today=synth.dt.date.today())

    def indexes(jobs: int) -> list[tuple[Any, ...]]:
        rows = [row for _n, part in synth.chunks("people", plan, 0, 12_000, as_text=False,
                                                  jobs=jobs) for row in part]  # fmt: skip
        return [(r[1], r[3], r[4], r[5], r[9]) for r in rows]  # blind indexes are deterministic

    assert indexes(1) == indexes(2)


def test_entities_have_valid_credit_codes_and_existing_representatives() -> None:
    # Given
    synth.synthesize(people=200, seed=2, progress=False)

    # When
    synth.synthesize(entities=80, credit=40, seed=2, append=True, progress=False)

    # Then
    entities = list(BaseLegalEntity.objects.all())
    assert len(entities) == 80
    for entity in entities:
        code = entity.credit_code
        assert uscc.is_valid(code) and validate_credit_code(code) == code
        organisation = code[8:17]
        assert synth.organisation_code(organisation[:8]) == organisation  # its own check
        assert code[2:8] == entity.region
        person = BasePerson.objects.get(
            **lookup(BasePerson, "id_number", entity.representative_id_number)
        )
        assert person.name == entity.representative_name
        assert person.birth_date is not None and entity.established_on is not None
        assert entity.established_on.year - person.birth_date.year >= 18
    assert sum(e.status == "active" for e in entities) > 50
    codes = {e.credit_code for e in entities}
    records = list(BaseCreditRecord.objects.all())
    assert len(records) == 40
    assert all(r.credit_code in codes and r.kind in {"red", "black", "penalty"} for r in records)


def test_organisation_code_check_character() -> None:
    # GB 11714's worked example: D2143569 → check character X
    assert synth.organisation_code("D2143569") == "D2143569X"


def test_refuses_a_second_run_without_append_and_appends_new_people() -> None:
    # Given
    call_command("exchange", "synth", "--people", "30", "--no-progress")

    # When / Then: refused, nothing written
    with pytest.raises(CommandError, match="--append"):
        call_command("exchange", "synth", "--people", "30", "--no-progress")
    assert BasePerson.objects.count() == 30

    # When: appended, the numbering continues (no ID number repeats)
    call_command("exchange", "synth", "--people", "30", "--append", "--no-progress")
    numbers = [p[1] for p in _people()]
    assert len(numbers) == 60 and len(set(numbers)) == 60


def test_entities_without_people_are_refused() -> None:
    with pytest.raises(CommandError, match="representatives"):
        call_command("exchange", "synth", "--entities", "5", "--no-progress")
    assert not BaseLegalEntity.objects.exists()


def test_unknown_region_is_refused() -> None:
    with pytest.raises(CommandError, match="9999"):
        call_command("exchange", "synth", "--people", "5", "--region", "9999", "--no-progress")


def _index_definitions() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = %s",
            [BasePerson._meta.db_table],
        )
        return {row[0] for row in cursor.fetchall()}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's fresh-fill path")
def test_a_fresh_fill_builds_the_same_indexes_and_a_failed_one_leaves_the_table_as_it_was(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = _index_definitions()
    assert len(before) >= 4  # primary key, three blind indexes, household region

    def broken(*args: object, **kwargs: object) -> int:
        raise RuntimeError("the disk filled up")

    with monkeypatch.context() as patched:
        patched.setattr(synth, "_write_rows", broken)
        with pytest.raises(RuntimeError):
            synth.synthesize(people=100, progress=False)
    assert _index_definitions() == before
    assert not BasePerson.objects.exists()

    synth.synthesize(people=2_000, progress=False)
    assert _index_definitions() == before
    person = BasePerson.objects.order_by("pk")[1234]
    assert (
        BasePerson.objects.filter(**lookup(BasePerson, "id_number", person.id_number)).count() == 1
    )
