"""The narrowing rules (yiwang/catalog/rules.py): an implementation may only make an item
easier for the applicant. Each refusal names the exact field and code, on creation and on a
draft update alike, and leaves nothing behind."""

from __future__ import annotations

from typing import Any

import pytest

from tests.catalog.fixtures import item_data
from tests.factories import DepartmentFactory, StaffFactory
from yiwang.catalog import services
from yiwang.catalog.errors import FieldErrors
from yiwang.catalog.models import ImplementationVersion, ItemImplementation
from yiwang.catalog.schemas import ItemIn, VersionIn

pytestmark = pytest.mark.django_db


def master_materials(**changes: dict[str, Any]) -> list[dict[str, Any]]:
    """The master item's materials (M01, M02, M03) with ``changes`` applied by code."""
    materials = item_data()["materials"]
    for material in materials:
        material.update(changes.get(material["code"], {}))
    return materials


def refused_pointers(call: Any, **kwargs: Any) -> list[tuple[str, str]]:
    with pytest.raises(FieldErrors) as caught:
        call(**kwargs)
    assert caught.value.code == "version_invalid"
    assert caught.value.status == 422
    return [(e["field"], e["code"]) for e in caught.value.details["errors"]]


REFUSED: list[tuple[str, dict[str, Any], list[tuple[str, str]]]] = [
    (
        "promised limit longer than the statutory one",
        {"promised_limit_days": 20},
        [("promised_limit_days", "promised_limit_exceeds_statutory")],
    ),
    (
        "promised kind without a limit",
        {"handling_kind": "promised", "promised_limit_days": None},
        [("promised_limit_days", "promised_limit_required")],
    ),
    (
        "instant with a limit",
        {"handling_kind": "instant", "promised_limit_days": 3},
        [("promised_limit_days", "instant_has_limit")],
    ),
    (
        "wider service objects",
        {"service_objects": ["citizen", "enterprise"]},
        [("service_objects", "wider_than_master")],
    ),
    (
        "wider channels",
        {"channels": ["online", "kiosk"]},
        [("channels", "wider_than_master")],
    ),
    ("more trips", {"max_trips": 2}, [("max_trips", "wider_than_master")]),
    (
        "a fee the master does not have",
        {"fees": [{"name": "工本费", "amount": "5.00"}]},
        [("fees[0].name", "wider_than_master")],
    ),
    (
        "a higher fee",
        {"fees": [{"name": "登记费", "amount": "10.00"}]},
        [("fees[0].amount", "wider_than_master")],
    ),
    (
        "a material the master does not have",
        {
            "materials": [
                *master_materials(),
                {"code": "M09", "name": "无犯罪记录证明"},
            ]
        },
        [("materials[3].code", "wider_than_master")],
    ),
    (
        "an optional material made required",
        {"materials": master_materials(M03={"required": True})},
        [("materials[2].required", "wider_than_master")],
    ),
    (
        "more copies",
        {"materials": master_materials(M01={"copies": 2})},
        [("materials[0].copies", "wider_than_master")],
    ),
    (
        "an upload demanded where the master accepts a licence",
        {"materials": master_materials(M02={"source": "upload", "license_type": ""})},
        [("materials[1].source", "wider_than_master")],
    ),
    (
        "the same material twice",
        {"materials": [*master_materials(), master_materials()[0]]},
        [("materials[3].code", "duplicate")],
    ),
]


@pytest.mark.parametrize(
    ("overrides", "expected"), [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED]
)
def test_widening_is_refused_on_creation(
    overrides: dict[str, Any],
    expected: list[tuple[str, str]],
    item: Any,
    owning_department: Any,
    catalog_editor: Any,
) -> None:
    found = refused_pointers(
        services.create_implementation,
        actor=catalog_editor,
        item=item,
        department=owning_department,
        data=VersionIn(**overrides),
    )
    assert found == expected
    assert not ItemImplementation.objects.exists()
    assert not ImplementationVersion.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "expected"), [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED]
)
def test_widening_is_refused_on_a_draft_update(
    overrides: dict[str, Any],
    expected: list[tuple[str, str]],
    implementation: Any,
    catalog_editor: Any,
) -> None:
    version = implementation.versions.get()
    before = ImplementationVersion.objects.values().get(pk=version.pk)
    found = refused_pointers(
        services.update_draft, actor=catalog_editor, version=version, data=VersionIn(**overrides)
    )
    assert found == expected
    assert ImplementationVersion.objects.values().get(pk=version.pk) == before
    assert version.materials.count() == 3


def test_every_broken_rule_is_reported_at_once(
    item: Any, owning_department: Any, catalog_editor: Any
) -> None:
    found = refused_pointers(
        services.create_implementation,
        actor=catalog_editor,
        item=item,
        department=owning_department,
        data=VersionIn(
            promised_limit_days=30,
            max_trips=3,
            channels=["kiosk"],
            materials=master_materials(M03={"copies": 5}),
        ),
    )
    assert found == [
        ("promised_limit_days", "promised_limit_exceeds_statutory"),
        ("channels", "wider_than_master"),
        ("max_trips", "wider_than_master"),
        ("materials[2].copies", "wider_than_master"),
    ]


def test_a_province_only_item_cannot_be_implemented_by_a_county(
    province_department: Any, item_owner: Any, owning_department: Any, catalog_editor: Any
) -> None:
    item = services.create_item(
        actor=item_owner, data=ItemIn(**item_data(handling_levels=["province"]))
    )
    with pytest.raises(FieldErrors) as caught:
        services.create_implementation(
            actor=catalog_editor, item=item, department=owning_department
        )
    [error] = caught.value.details["errors"]
    assert (error["field"], error["code"]) == ("department_code", "handling_level_not_allowed")
    assert "county" in error["message"]
    assert not ItemImplementation.objects.exists()

    # the province itself may
    implementation = services.create_implementation(
        actor=item_owner, item=item, department=province_department
    )
    assert implementation.region_id == "42"


def test_a_city_department_implements_a_city_level_item(
    province_department: Any, item_owner: Any, regions: Any
) -> None:
    item = services.create_item(
        actor=item_owner, data=ItemIn(**item_data(handling_levels=["city"]))
    )
    wuhan = DepartmentFactory(code="4201-SCJG", name="武汉市市场监督管理局", region=regions.wuhan)
    city_admin = StaffFactory(username="city_admin", role="department_admin", department=wuhan)
    implementation = services.create_implementation(actor=city_admin, item=item, department=wuhan)
    assert implementation.code == f"{item.code}.4201-SCJG"


def test_allowed_narrowing_is_accepted(
    item: Any, owning_department: Any, catalog_editor: Any
) -> None:
    materials = master_materials(
        M01={"source": "shared_data", "shared_data": "market_entity_application"},
        M03={"copies": 1},
    )
    implementation = services.create_implementation(
        actor=catalog_editor,
        item=item,
        department=owning_department,
        data=VersionIn(
            handling_kind="promised",
            promised_limit_days=15,  # equal to the statutory limit is allowed
            channels=["online"],
            max_trips=0,
            fees=[],
            materials=materials,
        ),
    )
    version = implementation.versions.get()
    assert version.promised_limit_days == 15
    assert (version.channels, version.max_trips, version.fees) == (["online"], 0, [])
    m01, m02, m03 = version.materials.all()
    assert (m01.source, m01.shared_data, m01.exempt_possible) == (
        "shared_data",
        "market_entity_application",
        True,
    )
    assert m02.source == "licence"
    assert m03.copies == 1


def test_switching_a_material_to_a_licence_and_dropping_an_optional_one(
    implementation: Any, catalog_editor: Any
) -> None:
    version = implementation.versions.get()
    materials = master_materials(
        M01={"source": "licence", "license_type": "business_application_form"}
    )[:2]
    services.update_draft(
        actor=catalog_editor, version=version, data=VersionIn(materials=materials)
    )
    assert [(m.code, m.source) for m in version.materials.all()] == [
        ("M01", "licence"),
        ("M02", "licence"),
    ]


def test_instant_handling_is_accepted_and_clears_the_promise(
    implementation: Any, catalog_editor: Any
) -> None:
    version = implementation.versions.get()
    assert version.promised_limit_days == 5
    services.update_draft(
        actor=catalog_editor, version=version, data=VersionIn(handling_kind="instant")
    )
    version.refresh_from_db()
    assert (version.handling_kind, version.promised_limit_days) == ("instant", None)
    assert version.statutory_limit_days == 15  # the statutory limit stays the master's


def test_a_lower_fee_and_fewer_objects_are_accepted(
    province_department: Any, item_owner: Any, owning_department: Any, catalog_editor: Any
) -> None:
    item = services.create_item(
        actor=item_owner,
        data=ItemIn(
            **item_data(
                service_objects=["citizen", "enterprise"],
                fees=[{"name": "登记费", "amount": "50.00"}, {"name": "工本费", "amount": "10"}],
                max_trips=2,
            )
        ),
    )
    implementation = services.create_implementation(
        actor=catalog_editor,
        item=item,
        department=owning_department,
        data=VersionIn(
            service_objects=["enterprise"],
            fees=[{"name": "登记费", "amount": "20"}],
            max_trips=1,
        ),
    )
    version = implementation.versions.get()
    assert version.service_objects == ["enterprise"]
    assert version.fees == [{"name": "登记费", "amount": "20.00", "basis": ""}]
    assert version.max_trips == 1
