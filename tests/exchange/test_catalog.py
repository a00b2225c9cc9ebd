"""The resource catalogue: registration with field-precise refusals, versions, withdrawal,
search, export, mounts and the mount and freshness rates."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import pytest
from django.utils import timezone

from tests.exchange.conftest import POPULATION_FIELDS, fields_of, make_resource, resource_meta
from yiwang.exchange import services
from yiwang.exchange.models import DataResource, ResourceStatus, ResourceVersion
from yiwang.kernel.errors import DomainError
from yiwang.kernel.models import AuditEntry


def refused(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=f"{action}_refused"))


def create(actor: Any, provider: Any, **overrides: Any) -> Any:
    fields = overrides.pop("fields", fields_of(provider.code))
    return services.create_resource(
        actor=actor,
        code=overrides.pop("code", "GA-RK-001"),
        provider_code=provider.code,
        fields=fields,
        **resource_meta(**overrides),
    )


def test_a_resource_is_registered_as_a_draft_with_its_fields(police_officer, police):
    resource = create(police_officer, police)

    assert resource.status == ResourceStatus.DRAFT
    assert [f.name for f in resource.fields.all()] == [f["name"] for f in POPULATION_FIELDS]
    assert resource.fields.get(name="id_number").personal
    assert AuditEntry.objects.filter(action="exchange.resource_created").exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": ""}, "name"),
        ({"abstract": " "}, "abstract"),
        ({"classification": "分类 一"}, "classification"),
        ({"share_type": "sometimes"}, "share_type"),
        ({"open_type": "maybe"}, "open_type"),
        ({"update_cycle": "hourly"}, "update_cycle"),
        ({"share_methods": ["fax"]}, "share_methods/0"),
        ({"share_methods": []}, "share_methods"),
        ({"share_type": "not_shared", "legal_basis": ""}, "legal_basis"),
        ({"share_type": "conditional", "share_conditions": ""}, "share_conditions"),
        ({"code": "bad code!"}, "code"),
    ],
)
def test_bad_metadata_is_refused_pointing_at_the_field(police_officer, police, overrides, field):
    with pytest.raises(DomainError) as caught:
        create(police_officer, police, **overrides)

    assert caught.value.code == "exchange_resource_invalid"
    assert field in [e["field"] for e in caught.value.details["errors"]]
    assert not DataResource.objects.exists()
    assert refused("exchange.resource_create")


def test_a_duplicate_field_name_is_refused_at_the_second_one(police_officer, police):
    fields = fields_of(police.code)
    fields.append({"name": "gender", "title": "性别(重复)", "authoritative_source": police.code})

    with pytest.raises(DomainError) as caught:
        create(police_officer, police, fields=fields)

    assert caught.value.code == "exchange_duplicate_field"
    duplicate = [e for e in caught.value.details["errors"] if e["code"] == "duplicate"]
    assert duplicate[0]["field"] == f"fields/{len(fields) - 1}/name"
    assert "gender" in str(caught.value.message)
    assert refused("exchange.resource_create")[0].details["code"] == "exchange_duplicate_field"


def test_an_unknown_authoritative_source_is_refused(police_officer, police):
    fields = fields_of(police.code)
    fields[2]["authoritative_source"] = "9999-NOPE"

    with pytest.raises(DomainError) as caught:
        create(police_officer, police, fields=fields)

    assert caught.value.code == "exchange_unknown_authoritative_source"
    assert caught.value.details["errors"][0]["field"] == "fields/2/authoritative_source"
    assert not DataResource.objects.exists()


def test_only_the_providers_officers_register_its_resources(hrss_officer, police):
    with pytest.raises(DomainError) as caught:
        create(hrss_officer, police)

    assert caught.value.status == 403
    assert not DataResource.objects.exists()
    assert refused("exchange.resource_create")


def test_publishing_keeps_versions_and_snapshots(police_officer, police):
    resource = create(police_officer, police)

    first = services.publish_resource(actor=police_officer, resource=resource)
    resource.refresh_from_db()
    assert (resource.status, resource.version, first.version) == ("published", 1, 1)
    assert resource.publish_date == timezone.localdate()
    assert first.snapshot["fields"][0]["name"] == "id_number"

    with pytest.raises(DomainError) as caught:
        services.publish_resource(actor=police_officer, resource=resource)
    assert caught.value.code == "exchange_status_transition_invalid"

    services.update_resource(
        actor=police_officer,
        resource=resource,
        fields=fields_of(police.code, POPULATION_FIELDS[:4]),
        **resource_meta(name="人口基础信息(2026版)"),
    )
    assert services.has_unpublished_changes(resource)
    second = services.publish_resource(actor=police_officer, resource=resource)

    assert second.version == 2
    assert second.snapshot["name"] == "人口基础信息(2026版)"
    assert len(second.snapshot["fields"]) == 4
    assert ResourceVersion.objects.get(resource=resource, version=1).snapshot["name"] == (
        "人口基础信息"
    )


def test_withdrawal_needs_a_reason_and_leaves_the_search(police_officer, population):
    with pytest.raises(DomainError) as caught:
        services.withdraw_resource(actor=police_officer, resource=population, reason=" ")
    assert caught.value.code == "exchange_reason_required"

    services.withdraw_resource(actor=police_officer, resource=population, reason="数据源调整")

    population.refresh_from_db()
    assert population.status == ResourceStatus.WITHDRAWN
    assert services.search_resources("人口")[0] == 0


def test_search_finds_by_chinese_words_and_filters(police_officer, police, population):
    make_resource(
        police_officer,
        police,
        "GA-CL-003",
        name="机动车登记信息",
        abstract="机动车注册、转移、抵押登记。",
        share_type="conditional",
        share_conditions="执法办案",
        fields=fields_of(police.code, [{"name": "plate", "title": "号牌号码"}]),
    )

    total, found = services.search_resources("人口信息")
    assert total == 1 and found[0].code == "GA-RK-001"
    # by a field title
    assert [r.code for r in services.search_resources("号牌")[1]] == ["GA-CL-003"]
    # filters
    assert services.search_resources(share_type="conditional")[0] == 1
    assert services.search_resources(provider="4201-GAJ")[0] == 2
    assert services.search_resources(classification="1.01")[0] == 2
    assert services.search_resources("机动车", share_type="unconditional")[0] == 0
    population.refresh_from_db()
    assert "人口" in population.search_text


def test_drafts_are_seen_only_by_their_department(police_officer, police, hrss_officer):
    create(police_officer, police)

    assert services.visible_resources(police_officer).count() == 1
    assert services.visible_resources(hrss_officer).count() == 0


def test_export_gives_published_entries_with_their_fields(police_officer, police, population):
    create(police_officer, police, code="GA-DRAFT-9")  # a draft is not exported
    entries = services.export_entries()

    assert [e["code"] for e in entries] == ["GA-RK-001"]
    assert entries[0]["fields"][1] == {
        "name": "name",
        "title": "姓名",
        "type": "string",
        "personal": True,
        "authoritative_source": "4201-GAJ",
    }
    json.dumps(entries, ensure_ascii=False)  # JSON-ready

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(services.export_xlsx()))
    rows = list(book["资源目录"].iter_rows(values_only=True))
    assert rows[0][0] == "资源代码" and rows[1][0] == "GA-RK-001"
    items = list(book["信息项"].iter_rows(values_only=True))
    assert len(items) == 1 + len(POPULATION_FIELDS)
    assert items[1][:3] == ("GA-RK-001", "id_number", "公民身份号码")


# --- mounts -------------------------------------------------------------------------------------


def test_api_mounts_take_http_urls_only(police_officer, population):
    with pytest.raises(DomainError) as caught:
        services.mount_api(actor=police_officer, resource=population, url="ftp://x/y")
    assert caught.value.code == "exchange_mount_invalid"
    assert refused("exchange.mount")

    mount = services.mount_api(
        actor=police_officer, resource=population, url="https://rk.example.gov.cn/api"
    )
    assert mount.kind == "api"


def test_an_oversized_file_is_refused_and_logged(police_officer, population, settings):
    settings.YIWANG_EXCHANGE_FILE_MAX_BYTES = 1024
    data = b"PK\x03\x04" + b"0" * 2048

    with pytest.raises(DomainError) as caught:
        services.mount_file(
            actor=police_officer, resource=population, stream=io.BytesIO(data), name="rk.xlsx"
        )

    assert caught.value.code == "exchange_file_too_large"
    assert caught.value.status == 413
    assert refused("exchange.mount")[0].details["code"] == "exchange_file_too_large"


def test_a_small_file_is_mounted(police_officer, population):
    mount = services.mount_file(
        actor=police_officer,
        resource=population,
        stream=io.BytesIO(b"PK\x03\x04" + b"0" * 100),
        name="rk.xlsx",
    )
    assert mount.kind == "file" and mount.file is not None


def test_an_unregistered_table_is_refused(police_officer, population):
    if services_registry_missing():
        pytest.skip("exchange.sources is not there yet")
    with pytest.raises(DomainError) as caught:
        services.mount_table(actor=police_officer, resource=population, source_name="nope")
    assert caught.value.code == "exchange_mount_invalid"


def services_registry_missing() -> bool:
    from yiwang.exchange.services_catalog import _registry

    return _registry() is None


def test_mount_rate_and_freshness(police_officer, police, population):
    daily = population
    yearly = make_resource(police_officer, police, "GA-NJ-004", update_cycle="yearly")
    make_resource(police_officer, police, "GA-UN-005")  # published, not mounted
    assert services.mount_rate(police.code) == 0.0

    for resource in (daily, yearly):
        services.mount_api(actor=police_officer, resource=resource, url="https://x.gov.cn/a")
    old = timezone.now() - dt.timedelta(days=10)
    services.touch_mount(daily, old)
    services.touch_mount(yearly, old)

    assert services.mount_rate(police.code) == round(2 / 3, 4)
    assert services.freshness_rate(police.code) == 0.5  # the daily one is stale
    assert services.mount_rate("4205-SCJG") == 0.0

    services.touch_mount(daily)
    assert services.freshness_rate() == 1.0
