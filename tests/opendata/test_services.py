"""Open-data services: datasets, versions, validation, resources, access, tokens."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from tests.opendata.conftest import dataset_data
from yiwang.kernel.errors import DomainError
from yiwang.kernel.models import AuditEntry, StoredFile
from yiwang.opendata import search, services
from yiwang.opendata.models import (
    AccessApplication,
    ApiToken,
    Dataset,
    DatasetVersion,
    Publisher,
    Resource,
)


def refusal(code: str) -> Any:
    return pytest.raises(DomainError, match=code)


# --- publishers -----------------------------------------------------------------------------


def test_a_publisher_is_named_after_its_department(od_publisher: Any) -> None:
    assert od_publisher.name == "4201-sjj"
    assert services.ensure_publisher(od_publisher.department, actor="test") == od_publisher
    assert Publisher.objects.count() == 1


def test_publisher_for_user_is_the_clerks_own(
    od_clerk: Any, od_publisher: Any, od_outsider: Any, od_other_publisher: Any, od_citizen: Any
) -> None:
    assert services.publisher_for_user(od_clerk) == od_publisher
    assert services.publisher_for_user(od_outsider) == od_other_publisher
    assert services.publisher_for_user(od_citizen) is None
    assert services.can_publish(od_clerk, od_publisher)
    assert not services.can_publish(od_outsider, od_publisher)


# --- datasets -------------------------------------------------------------------------------


def test_create_dataset_makes_version_one_and_is_searchable(od_dataset: Any) -> None:
    assert od_dataset.version == 1
    version = DatasetVersion.objects.get(dataset=od_dataset)
    assert version.version == 1
    assert version.snapshot["title"] == "武汉市公交站点"
    package = services.package_dict(Dataset.objects.get(pk=od_dataset.pk))
    assert package["organization"]["name"] == "4201-sjj"
    assert [t["name"] for t in package["tags"]] == ["交通", "公交"]
    assert package["resources"][0]["format"] == "API"
    assert package["license_title"].startswith("知识共享署名 4.0")
    assert search.search(q="公交").ids == [od_dataset.pk]
    assert AuditEntry.objects.filter(action="opendata.dataset_created").count() == 1


def test_update_replaces_everything_and_stays_searchable(od_clerk: Any, od_dataset: Any) -> None:
    updated = services.update_dataset(
        actor=od_clerk,
        dataset=od_dataset,
        data=dataset_data(title="武汉市公交站点与线路", notes="", tags=[], resources=[]),
    )

    assert updated.version == 2
    package = services.package_dict(updated)
    assert package["notes"] == ""
    assert package["tags"] == []
    assert package["resources"] == []
    assert not Resource.objects.exists()
    assert search.search(q="线路").ids == [od_dataset.pk]
    assert [v.version for v in services.versions(updated)] == [2, 1]
    entry = AuditEntry.objects.get(action="opendata.dataset_updated")
    assert set(entry.details["changed"]) >= {"title", "notes", "tags", "resources"}


def test_patch_changes_only_the_given_keys(od_clerk: Any, od_dataset: Any) -> None:
    patched = services.patch_dataset(
        actor=od_clerk, dataset=od_dataset, data={"notes": "含站点坐标。"}
    )

    package = services.package_dict(patched)
    assert package["notes"] == "含站点坐标。"
    assert package["title"] == "武汉市公交站点"
    assert package["num_resources"] == 1
    assert package["version"] == 2


def test_an_update_that_changes_nothing_makes_no_version(od_clerk: Any, od_dataset: Any) -> None:
    package = services.package_dict(od_dataset)

    same = services.update_dataset(actor=od_clerk, dataset=od_dataset, data=package)

    assert same.version == 1
    assert DatasetVersion.objects.filter(dataset=od_dataset).count() == 1
    assert not AuditEntry.objects.filter(action="opendata.dataset_updated").exists()


def test_update_keeps_listed_resources_by_id(od_clerk: Any, od_dataset: Any) -> None:
    package = services.package_dict(od_dataset)
    kept = package["resources"][0]
    package["resources"] = [
        {**kept, "name": "新名字"},
        {"name": "第二个接口", "url": "https://data.example.gov.cn/api/lines"},
    ]

    updated = services.update_dataset(actor=od_clerk, dataset=od_dataset, data=package)

    resources = services.package_dict(updated)["resources"]
    assert [r["name"] for r in resources] == ["新名字", "第二个接口"]
    assert resources[0]["id"] == kept["id"]


def test_delete_takes_the_dataset_out_of_search(od_clerk: Any, od_dataset: Any) -> None:
    services.delete_dataset(actor=od_clerk, dataset=od_dataset)

    od_dataset.refresh_from_db()
    assert od_dataset.state == "deleted"
    assert od_dataset.version == 2
    assert search.search(q="公交").count == 0
    with refusal("opendata_not_found"):
        services.dataset_for_user(None, od_dataset.name)
    assert services.dataset_for_user(od_clerk, od_dataset.name) == od_dataset


def test_a_draft_is_seen_by_its_publisher_only(od_clerk: Any, od_outsider: Any) -> None:
    draft = services.create_dataset(actor=od_clerk, data=dataset_data(state="draft"))

    assert services.dataset_for_user(od_clerk, draft.name) == draft
    with refusal("opendata_not_found"):
        services.dataset_for_user(od_outsider, draft.name)


def test_a_dataset_without_owner_org_is_refused_and_nothing_written(od_clerk: Any) -> None:
    data = dataset_data()
    del data["owner_org"]

    with refusal("opendata_organization_required") as caught:
        services.create_dataset(actor=od_clerk, data=data)

    assert caught.value.status == 409
    assert not Dataset.objects.exists()
    assert AuditEntry.objects.filter(action="opendata.dataset_create_refused").exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": "A"}, "name"),
        ({"name": "有中文"}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"title": ""}, "title"),
        ({"theme": "weather"}, "theme"),
        ({"region": "99"}, "region"),
        ({"license_id": "all-rights-reserved"}, "license_id"),
        ({"update_frequency": "hourly"}, "update_frequency"),
        ({"open_type": "closed"}, "open_type"),
        ({"tags": [{"name": "长" * 101}]}, "tags"),
        ({"tags": "not-a-list-of-dicts", "extras": "x"}, "extras"),
        ({"maintainer_email": "nobody"}, "maintainer_email"),
        ({"state": "deleted"}, "state"),
        ({"title": 42}, "title"),
    ],
)
def test_invalid_metadata_is_refused_naming_the_field(
    od_clerk: Any, overrides: dict[str, Any], field: str
) -> None:
    with refusal("opendata_dataset_invalid") as caught:
        services.create_dataset(actor=od_clerk, data=dataset_data(**overrides))

    assert field in caught.value.details["errors"]
    assert not Dataset.objects.exists()


def test_a_taken_name_is_refused(od_clerk: Any, od_dataset: Any) -> None:
    with refusal("opendata_name_taken"):
        services.create_dataset(actor=od_clerk, data=dataset_data(title="另一个"))
    assert Dataset.objects.count() == 1


def test_tags_are_created_on_the_fly_and_deduplicated(od_clerk: Any) -> None:
    dataset = services.create_dataset(
        actor=od_clerk, data=dataset_data(tags=["地铁", " 地铁 ", {"name": "轨道交通"}, ""])
    )

    assert sorted(t.name for t in dataset.tags.all()) == ["地铁", "轨道交通"]


def test_an_outsider_may_not_publish_for_another_department(
    od_outsider: Any, od_publisher: Any
) -> None:
    with refusal("opendata_not_permitted") as caught:
        services.create_dataset(actor=od_outsider, data=dataset_data())

    assert caught.value.status == 403
    assert not Dataset.objects.exists()


def test_a_non_http_resource_url_is_refused_and_nothing_written(od_clerk: Any) -> None:
    data = dataset_data(resources=[{"name": "脚本", "url": "javascript:alert(1)"}])

    with refusal("opendata_url_invalid"):
        services.create_dataset(actor=od_clerk, data=data)

    assert not Dataset.objects.exists()
    assert not DatasetVersion.objects.exists()


# --- resources ------------------------------------------------------------------------------


def test_a_csv_upload_is_stored_hashed_and_loaded(od_clerk: Any, od_dataset: Any) -> None:
    content = "站点,线路数\n汉口火车站,12\n武昌火车站,9\n".encode("gbk")

    resource = services.create_resource(
        actor=od_clerk,
        dataset=od_dataset,
        data={"name": "站点线路数"},
        upload=SimpleUploadedFile("stops.csv", content),
    )

    assert resource.format == "CSV"
    assert resource.size == len(content)
    assert resource.hash.startswith("sha256:")
    assert resource.file is not None
    assert resource.datastore_active
    od_dataset.refresh_from_db()
    assert od_dataset.version == 2
    assert search.search(fq="res_format:CSV").ids == [od_dataset.pk]


def test_a_malformed_csv_leaves_nothing(od_clerk: Any, od_dataset: Any, settings: Any) -> None:
    files_before = StoredFile.objects.count()

    with refusal("opendata_file_invalid"):
        services.create_resource(
            actor=od_clerk,
            dataset=od_dataset,
            data={"name": "坏文件"},
            upload=SimpleUploadedFile("bad.csv", b"a,b\n\x00\x01\x02\xff\xfe,\x00\n"),
        )

    assert Resource.objects.filter(dataset=od_dataset).count() == 1
    assert StoredFile.objects.count() == files_before
    od_dataset.refresh_from_db()
    assert od_dataset.version == 1
    assert not [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]


def test_an_upload_over_the_limit_is_refused(od_clerk: Any, od_dataset: Any, settings: Any) -> None:
    settings.YIWANG_OPENDATA_MAX_UPLOAD_BYTES = 8

    with refusal("opendata_file_too_large"):
        services.create_resource(
            actor=od_clerk,
            dataset=od_dataset,
            data={},
            upload=SimpleUploadedFile("big.json", b'{"key": "value"}'),
        )
    assert Resource.objects.count() == 1


def test_update_resource_replaces_a_link_and_refuses_a_bad_one(
    od_clerk: Any, od_dataset: Any
) -> None:
    resource = od_dataset.resources.get()

    services.update_resource(
        actor=od_clerk, resource=resource, data={"url": "http://data.example.gov.cn/v2"}
    )
    with refusal("opendata_url_invalid"):
        services.update_resource(actor=od_clerk, resource=resource, data={"url": "ftp://x/y"})

    resource.refresh_from_db()
    assert resource.url == "http://data.example.gov.cn/v2"
    od_dataset.refresh_from_db()
    assert od_dataset.version == 2


def test_delete_resource_renumbers_the_rest(od_clerk: Any, od_dataset: Any) -> None:
    second = services.create_resource(
        actor=od_clerk,
        dataset=od_dataset,
        data={"name": "线路", "url": "https://data.example.gov.cn/api/lines"},
    )

    services.delete_resource(actor=od_clerk, resource=od_dataset.resources.get(position=0))

    second.refresh_from_db()
    assert second.position == 0
    assert AuditEntry.objects.filter(action="opendata.resource_deleted").exists()


def test_downloads_are_counted(od_clerk: Any, od_dataset: Any) -> None:
    resource = services.create_resource(
        actor=od_clerk,
        dataset=od_dataset,
        data={"name": "清单"},
        upload=SimpleUploadedFile("list.json", b"[]"),
    )

    services.open_resource_file(None, resource).close()
    services.open_resource_file(None, resource).close()

    resource.refresh_from_db()
    od_dataset.refresh_from_db()
    assert (resource.download_count, od_dataset.download_count) == (2, 2)


# --- access to conditional datasets ---------------------------------------------------------


def test_may_access_a_conditional_dataset(od_clerk: Any, od_citizen: Any, od_outsider: Any) -> None:
    dataset = services.create_dataset(
        actor=od_clerk, data=dataset_data(name="clinics", open_type="conditional")
    )

    assert services.may_access(od_clerk, dataset)
    assert not services.may_access(None, dataset)
    assert not services.may_access(od_citizen, dataset)

    application = AccessApplication.objects.create(
        dataset=dataset,
        applicant=od_citizen,
        purpose="研究",
        due_on=timezone.localdate(),
        status="approved",
        expires_at=timezone.now() + timedelta(days=30),
    )
    assert services.may_access(od_citizen, dataset)

    application.expires_at = timezone.now() - timedelta(seconds=1)
    application.save()
    assert not services.may_access(od_citizen, dataset)
    with refusal("opendata_access_required"):
        services.require_access(od_citizen, dataset)


# --- tokens ---------------------------------------------------------------------------------


def test_tokens_keep_only_a_hash_and_can_be_revoked(od_clerk: Any) -> None:
    token, secret = services.create_token(actor="test", user=od_clerk, name="脚本")

    assert secret.startswith(f"ywod_{token.prefix}_")
    assert secret.split("_", 2)[2] not in token.secret_hash
    assert services.user_for_token(secret)[0] == od_clerk
    with refusal("opendata_token_invalid"):
        services.user_for_token(secret + "x")

    services.revoke_token(actor="test", token=token)
    with refusal("opendata_token_invalid"):
        services.user_for_token(secret)


def test_an_expired_token_is_refused(od_clerk: Any) -> None:
    token, secret = services.create_token(
        actor="test", user=od_clerk, name="临时", expires_in_days=1
    )
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    with refusal("opendata_token_invalid"):
        services.user_for_token(secret)


def test_the_token_command_prints_a_working_token(od_clerk: Any) -> None:
    out = StringIO()

    call_command("opendata", "token", "od_clerk", "--name", "同步脚本", stdout=out)

    secret = out.getvalue().strip()
    assert services.user_for_token(secret)[0] == od_clerk
    assert ApiToken.objects.get(user=od_clerk).name == "同步脚本"
