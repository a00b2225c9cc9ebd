"""The base sources registry: fetch by key (personal keys through the blind index), malformed
keys refused with a Chinese message, counts, freshness, and the licence index through the
licences module's services."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from tests.factories import StaffFactory
from tests.licenses.conftest import CREDIT_CODE, FOOD_DATA, FOOD_LAYOUT, FOOD_SCHEMA
from yiwang.exchange import sources, synth
from yiwang.exchange.sources import InvalidKey
from yiwang.kernel.models import BaseCreditRecord, BaseLegalEntity, BasePerson
from yiwang.licenses import services as licences

pytestmark = pytest.mark.django_db


@pytest.fixture
def base_data() -> None:
    synth.synthesize(people=40, entities=10, credit=20, seed=4, progress=False)


def test_registry_names_the_four_sources() -> None:
    registry = sources.registered()
    assert set(registry) == {"population", "legal_entities", "credit_records", "licence_index"}
    population = registry["population"]
    assert population.key_field == "id_number"
    assert "id_number" in population.personal_fields()
    assert registry["legal_entities"].key_field == "credit_code"


def test_fetch_person_by_id_number_returns_plain_values_and_record_id(base_data: None) -> None:
    # Given
    person = BasePerson.objects.order_by("pk").first()
    assert person is not None

    # When
    rows = sources.get("population").fetch(person.id_number.lower(), ["name", "birth_date"])

    # Then
    assert rows == [
        {"_id": person.pk, "name": person.name, "birth_date": person.birth_date.isoformat()}
    ]


def test_fetch_entity_and_its_credit_records(base_data: None) -> None:
    code = BaseCreditRecord.objects.values_list("credit_code", flat=True).first() or ""
    entity = BaseLegalEntity.objects.get(credit_code=code)

    rows = sources.get("legal_entities").fetch(code, ["name", "representative_id_number"])
    records = sources.get("credit_records").fetch(code, ["kind", "decided_on"])

    assert rows == [
        {
            "_id": entity.pk,
            "name": entity.name,
            "representative_id_number": entity.representative_id_number,
        }
    ]
    assert len(records) == BaseCreditRecord.objects.filter(credit_code=code).count()
    assert [r["decided_on"] for r in records] == sorted(
        (r["decided_on"] for r in records), reverse=True
    )


def test_unknown_key_finds_nothing(base_data: None) -> None:
    assert sources.get("population").fetch("420106198503120118", ["name"]) == []


@pytest.mark.parametrize(
    ("source", "key", "message"),
    [
        ("population", "42010619850312011", "18位"),
        ("population", "420106198503120119", "校验位"),
        ("legal_entities", "91420106MA4K00001X", "校验位"),
        ("credit_records", "abc", "18位"),
        ("licence_index", "not-an-identifier", "证照标识"),
    ],
)
def test_malformed_keys_are_refused_in_chinese(source: str, key: str, message: str) -> None:
    with pytest.raises(InvalidKey, match=message) as caught:
        sources.get(source).fetch(key, None)
    assert isinstance(caught.value, ValueError)


def test_unknown_field_is_refused(base_data: None) -> None:
    with pytest.raises(ValueError, match="secret"):
        sources.get("population").fetch("420106198503120118", ["secret"])


def test_row_count_and_data_updated_at(base_data: None) -> None:
    population = sources.get("population")
    assert population.row_count() == 40
    assert sources.get("credit_records").row_count() == 20
    updated = population.data_updated_at()
    assert updated is not None
    assert timezone.now() - updated < dt.timedelta(minutes=5)
    BasePerson.objects.all().delete()
    assert population.data_updated_at() is None


def test_sample_gives_rows_with_ids(base_data: None) -> None:
    rows = sources.get("legal_entities").sample(3)
    assert len(rows) == 3 and all("_id" in r and "credit_code" in r for r in rows)


@pytest.fixture
def food_licence(owning_department: Any) -> Any:
    approver = StaffFactory(username="approver", role="approver", department=owning_department)
    licences.create_type(
        actor="test",
        code="food_business_licence",
        identifier_code="SPJY",
        name="食品经营许可证",
        fields_schema=FOOD_SCHEMA,
        layout=FOOD_LAYOUT,
        holder_kind="entity",
        validity_years=5,
    )
    return licences.issue(
        actor=approver,
        type_code="food_business_licence",
        issuer_department_code=owning_department.code,
        holder_kind="entity",
        holder_name="武汉长江餐饮管理有限公司",
        holder_credit_code=CREDIT_CODE,
        data=dict(FOOD_DATA),
    )


def test_licence_index_by_identifier_and_by_holder(food_licence: Any) -> None:
    identifier = licences.view(food_licence)["identifier"]
    index = sources.get("licence_index")

    by_identifier = index.fetch(identifier.lower(), ["type_name", "status", "holder_name"])
    by_holder = index.fetch(CREDIT_CODE, ["identifier", "status"])

    assert by_identifier == [
        {
            "_id": identifier,
            "type_name": "食品经营许可证",
            "status": "valid",
            "holder_name": "武汉长江餐饮管理有限公司",
        }
    ]
    assert by_holder == [{"_id": identifier, "identifier": identifier, "status": "valid"}]
    # The register's size, last change and a preview, for the catalogue's mount and freshness
    assert index.row_count() == 1
    assert index.data_updated_at() is not None
    assert [row["_id"] for row in index.sample(5)] == [identifier]


def test_sources_import_no_licence_models() -> None:
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(sources))
    imported = [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    assert not [m for m in imported if m.startswith("yiwang.licenses.models")]
