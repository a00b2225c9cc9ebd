"""The catalogue's demo data: realistic items of 湖北省 implemented at province, city and
county, all published through review, three life events whose merged form and materials
really deduplicate, found by the portal search; loading it again changes nothing.

Loading the whole demo takes several seconds, so one test loads it once and checks it all;
the checks of the data files themselves need no database."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

import pytest

from yiwang.catalog import demo, forms, process, services
from yiwang.catalog.errors import FieldErrors
from yiwang.catalog.fixtures.demo_catalog import (
    DEPARTMENTS,
    FAMILIES,
    FIXTURES,
    ITEMS,
    LIFE_EVENTS,
    item,
)
from yiwang.catalog.models import (
    ImplementationVersion,
    ItemImplementation,
    LifeEvent,
    Material,
    ServiceItem,
    VersionStatus,
)
from yiwang.catalog.schemas import ItemIn
from yiwang.kernel.models import AuditEntry, Department, SearchEntry


def _quiet(_line: str) -> None:
    pass


def _load_demo(said: list[str] | None = None) -> None:
    from yiwang.identity import demo as identity_demo
    from yiwang.kernel import demo as kernel_demo

    say = said.append if said is not None else _quiet
    kernel_demo.load("cli", say)
    identity_demo.load("cli", say)
    demo.load("cli", say)


def _counts() -> dict[str, int]:
    from django.contrib.auth import get_user_model

    return {
        "items": ServiceItem.objects.count(),
        "materials": Material.objects.count(),
        "implementations": ItemImplementation.objects.count(),
        "versions": ImplementationVersion.objects.count(),
        "life_events": LifeEvent.objects.count(),
        "departments": Department.objects.count(),
        "accounts": get_user_model().objects.count(),
        "search_entries": SearchEntry.objects.count(),
        # the kernel's demo records every region import, changed or not; nothing else may
        "audit_entries": AuditEntry.objects.exclude(action="kernel.regions_imported").count(),
    }


# --- the data files (no database) ---------------------------------------------------------


def test_demo_items_are_valid_and_span_enough_departments() -> None:
    data = [ItemIn(**spec.data) for spec in ITEMS]

    codes = Counter(d.code for d in data)
    assert len(data) >= 40
    assert [code for code, n in codes.items() if n > 1] == []
    assert len({d.department_code for d in data}) >= 8
    known = {d.code for d in DEPARTMENTS}
    assert {d.department_code for d in data} <= known
    # several materials can be met without an upload, several results are e-licences
    by_licence = [m for d in data for m in d.materials if m.license_type]
    by_data = [m for d in data for m in d.materials if m.shared_data]
    assert len(by_licence) >= 10 and len(by_data) >= 5
    assert len({d.result_license_type for d in data if d.result_license_type}) >= 8
    assert any(d.fees for d in data) and sum(1 for d in data if not d.fees) > len(data) / 2


def test_demo_items_are_implemented_where_their_levels_allow() -> None:
    known = {d.code: d for d in DEPARTMENTS}
    level_of_region = {"42": "province", "4201": "city", "420106": "county"}
    for spec in ITEMS:
        assert spec.implement, spec.code
        for level in spec.implement:
            assert level in spec.data["handling_levels"], (spec.code, level)
            code = spec.departments.get(level) or FAMILIES[spec.family][level]
            assert level_of_region[known[code].region] == level, (spec.code, code)


def test_demo_forms_are_valid_and_agree_on_every_shared_meaning() -> None:
    seen: dict[str, tuple[Any, ...]] = {}
    for spec in ITEMS:
        schema, ui = spec.form["schema"], spec.form["ui"]
        forms.validate_schema(schema)
        forms.validate_ui(ui, schema)
        for name, prop in schema["properties"].items():
            meaning = forms.meaning_of(name, prop)
            shape = tuple(prop.get(a) for a in ("type", "format", "enum"))
            assert seen.setdefault(meaning, shape) == shape, (spec.code, name)
    for meaning in ("applicant.name", "applicant.id_number", "applicant.mobile"):
        assert meaning in seen
    for meaning in ("entity.name", "entity.credit_code", "entity.address"):
        assert meaning in seen


def test_demo_processes_are_valid_bpmn_with_role_lanes() -> None:
    files = sorted(FIXTURES.glob("*.bpmn"))
    assert files
    for path in files:
        steps = process.validate(path.read_text(encoding="utf-8"))
        roles = {s.role for s in steps if s.kind == "task"}
        assert roles == {"window_clerk", "approver"}, path.name
    used = {
        local["process_file"]
        for spec in ITEMS
        for local in spec.local.values()
        if "process_file" in local
    }
    assert used == {p.name for p in files}


def test_demo_life_event_members_are_implemented_by_the_demo() -> None:
    implemented = {
        (spec.code, spec.departments.get(level) or FAMILIES[spec.family][level])
        for spec in ITEMS
        for level in spec.implement
    }
    codes = {e.code for e in LIFE_EVENTS}
    for event in LIFE_EVENTS:
        for member in event.members:
            if isinstance(member, str):
                assert member.removeprefix("event:") in codes
            else:
                assert member in implemented, (event.code, member)


# --- loading (database) -------------------------------------------------------------------


@pytest.mark.django_db
def test_demo_catalogue_loads_published_and_a_second_load_changes_nothing() -> None:
    said: list[str] = []

    # when the kernel, identity and catalogue demos load (as `yiwang demo` does)
    _load_demo(said)

    # then there are enough items, from enough departments
    assert ServiceItem.objects.count() >= 40
    assert ServiceItem.objects.values("department").distinct().count() >= 8
    summary = [line for line in said if line.startswith("catalogue:")]
    assert len(summary) == 1 and f"{ServiceItem.objects.count()} items" in summary[0]

    # every implementation is published, at province, city and county
    implementations = list(
        ItemImplementation.objects.select_related("current", "region", "item", "department")
    )
    assert len(implementations) >= 60
    assert all(
        i.current is not None and i.current.status == VersionStatus.PUBLISHED
        for i in implementations
    )
    assert {i.region.level for i in implementations} == {"province", "city", "county"}
    assert {"42", "4201", "420106"} <= {i.region_id for i in implementations}

    # published by review: submitted by the editor, published by someone else
    for version in ImplementationVersion.objects.all():
        assert version.submitted_by_id is not None
        assert version.reviewed_by_id not in (None, version.submitted_by_id)

    # local content: shorter promises, halls, contacts, forms; some with their own process
    for implementation in implementations:
        version = implementation.current
        assert version is not None
        assert version.hall_address and version.office_hours and version.phone
        assert version.form_schema["properties"]
        statutory = implementation.item.statutory_limit_days
        if version.handling_kind == "promised" and statutory:
            assert version.promised_limit_days is not None
            assert version.promised_limit_days <= statutory
            if statutory > 3:
                assert version.promised_limit_days < statutory
    custom = [i for i in implementations if i.current and i.current.process_bpmn]
    assert len(custom) >= 2
    for implementation in custom:
        assert implementation.current is not None
        process.validate(implementation.current.process_bpmn)
    assert services.consistency_report(actor=implementations[0].current.reviewed_by) == []

    # materials met by e-licences or shared data; results that issue e-licences
    assert Material.objects.filter(version__isnull=False, source="licence").count() >= 20
    assert Material.objects.filter(version__isnull=False, source="shared_data").count() >= 10
    assert (
        ServiceItem.objects.exclude(result_license_type="")
        .values("result_license_type")
        .distinct()
        .count()
        >= 8
    )

    # the three life events are published; their merged form and materials deduplicate
    events = {e.name: e for e in LifeEvent.objects.all()}
    for name in ("开办餐饮店", "新生儿出生", "二手房买卖"):
        event = events[name]
        assert event.status == "published"
        merged = services.merged(event)
        versions = [i.current for i in merged.implementations]
        assert len(versions) >= 4 and all(v is not None for v in versions)
        member_materials = sum(v.materials.count() for v in versions if v)
        member_fields = sum(len(v.form_schema["properties"]) for v in versions if v)
        assert len(merged.materials) < member_materials
        assert len(merged.form.schema["properties"]) < member_fields
        meanings = [m["meaning"] for m in merged.materials]
        assert len(meanings) == len(set(meanings))
        shared = [m for m in merged.materials if len(m["sources"]) > 1]
        assert shared, name
    cafe = services.merged(events["开办餐饮店"])
    assert "entity_name" in cafe.form.schema["properties"]
    assert len(cafe.form.sources["entity.name"]) >= 4  # asked by four items, asked once
    birth = services.merged(events["新生儿出生"])
    assert len(birth.form.sources["child.name"]) == 5
    licence = next(m for m in birth.materials if m["meaning"] == "child.birth_medical_certificate")
    assert licence["exempt_possible"] and len(licence["sources"]) >= 3

    # the portal search finds the business-licence services by words and by initials
    licensed = {
        i.code
        for i in implementations
        if i.current is not None and i.current.result_license_type == "business_licence"
    }
    assert len(licensed) >= 5
    by_words = {h.key for h in services.search_catalog("营业执照", limit=200).hits}
    assert licensed <= by_words
    by_initials = services.search_catalog("yyzz", limit=200).hits
    assert by_initials and {h.key for h in by_initials} <= licensed
    # the services whose result is a 营业执照 are found by its initials, the one named so first
    assert by_initials[0].title == "营业执照补领、换发"
    assert {h.key for h in by_initials} == licensed
    birth_hits = services.search_catalog("新生儿出生", kind="life_event").hits
    assert [h.title for h in birth_hits] == ["新生儿出生"]
    wuchang = services.search_catalog("食品经营许可", region="420106").hits
    assert [h.key for h in wuchang][:1] == ["011003001000.420106-SCJG"]

    # when it loads again, nothing is created and nothing is audited
    before = _counts()
    said.clear()
    _load_demo(said)

    assert _counts() == before
    summary = [line for line in said if line.startswith("catalogue:")]
    assert summary[0].startswith(
        "catalogue: 0 departments, 0 items, 0 implementations (published), 0 life events created"
    )


@pytest.mark.django_db
def test_demo_refuses_an_item_whose_promise_exceeds_the_law(monkeypatch: Any) -> None:
    from yiwang.kernel import demo as kernel_demo

    kernel_demo.load("cli", _quiet)  # regions and departments; the catalogue makes its staff
    spec = ITEMS[0]
    bad = item(
        "019999001000",
        "演示错误事项",
        "licensing",
        "42-SCJG",
        spec.data["legal_basis"],
        family="SCJG",
        levels=["county"],
        objects=["citizen"],
        themes=[],
        conditions="",
        process="",
        statutory=5,
        result=("approval", "批准文书", ""),
        channels=["hall"],
        max_trips=1,
        materials=[],
        form=spec.form,
        local={"county": {"promised_limit_days": 6}},
    )
    monkeypatch.setattr(demo, "ITEMS", [bad])
    monkeypatch.setattr(demo, "LIFE_EVENTS", [])

    with pytest.raises(FieldErrors) as refused:
        demo.load("cli", _quiet)

    errors = refused.value.details["errors"]
    assert [e["field"] for e in errors] == ["promised_limit_days"]
    assert errors[0]["code"] == "promised_limit_exceeds_statutory"
    assert not ItemImplementation.objects.filter(item__code="019999001000").exists()


def test_demo_departments_are_unique_and_every_family_level_exists() -> None:
    codes = [d.code for d in DEPARTMENTS]
    assert len(codes) == len(set(codes))
    regions: dict[str, set[str]] = defaultdict(set)
    for d in DEPARTMENTS:
        regions[d.region].add(d.code)
    for family in FAMILIES.values():
        for code in family.values():
            assert code in codes
    assert set(regions) == {"42", "4201", "420106"}
