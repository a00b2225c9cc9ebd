"""The CKAN-compatible Action API: envelope, HTTP codes, tokens, permissions, limits."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.opendata.conftest import dataset_data
from yiwang.kernel.models import AuditEntry
from yiwang.opendata import services
from yiwang.opendata.models import Dataset, Resource

API = "/opendata/api/3/action/"


def call(client: Any, name: str, data: Any = None, *, token: str = "", get: bool = False) -> Any:
    headers = {"HTTP_AUTHORIZATION": token} if token else {}
    if get:
        return client.get(API + name, data or {}, **headers)
    return client.post(
        API + name, json.dumps(data or {}), content_type="application/json", **headers
    )


# --- envelope -------------------------------------------------------------------------------


def test_status_show_answers_in_ckans_envelope(client: Any, db: None) -> None:
    response = client.get(API + "status_show")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json;charset=utf-8"
    body = response.json()
    assert body["success"] is True
    assert body["help"].endswith("/opendata/api/3/action/help_show?name=status_show")
    assert body["result"]["api_version"] == 3


def test_the_unversioned_url_answers_too(client: Any, od_dataset: Any) -> None:
    response = client.get("/opendata/api/action/package_show", {"id": od_dataset.name})

    assert response.status_code == 200
    assert response.json()["result"]["name"] == "wuhan-bus-stops"


def test_unknown_action_is_a_bad_request_with_ckans_message(client: Any, db: None) -> None:
    response = client.get(API + "package_explode")

    assert response.status_code == 400
    body = response.json()
    assert body["success"] is False
    assert body["error"]["__type"] == "Bad request"
    assert body["error"]["message"] == "Bad request - Action name not known: package_explode"


def test_an_action_that_changes_something_refuses_get(client: Any, od_token: str) -> None:
    response = call(client, "package_create", dataset_data(), token=od_token, get=True)

    assert response.status_code == 400
    assert response.json()["error"]["__type"] == "Bad request"
    assert not Dataset.objects.exists()


def test_a_body_that_is_not_a_json_object_is_a_bad_request(client: Any, od_token: str) -> None:
    response = client.post(
        API + "package_create",
        "[1, 2]",
        content_type="application/json",
        HTTP_AUTHORIZATION=od_token,
    )

    assert response.status_code == 400
    assert "dictionary" in response.json()["error"]["message"]


def test_help_show_gives_an_actions_documentation(client: Any, db: None) -> None:
    response = client.get(API + "help_show", {"name": "package_search"})

    assert response.status_code == 200
    assert "fq" in response.json()["result"]


def test_openapi_describes_every_action(client: Any, db: None) -> None:
    response = client.get("/opendata/api/3/openapi.json")

    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    paths = document["paths"]
    assert "get" in paths["/opendata/api/3/action/package_search"]
    assert "get" not in paths["/opendata/api/3/action/package_create"]
    assert "post" in paths["/opendata/api/3/action/package_create"]
    assert "Envelope" in document["components"]["schemas"]


# --- packages -------------------------------------------------------------------------------


def test_package_create_with_a_token_creates_and_audits(client: Any, od_token: str) -> None:
    response = call(client, "package_create", dataset_data(), token=od_token)

    assert response.status_code == 200, response.content
    result = response.json()["result"]
    assert result["name"] == "wuhan-bus-stops"
    assert result["organization"]["name"] == "4201-sjj"
    assert result["version"] == 1
    entry = AuditEntry.objects.get(action="opendata.dataset_created")
    assert entry.actor_label == "od_clerk"


def test_the_x_ckan_api_key_header_is_accepted(client: Any, od_token: str) -> None:
    response = client.post(
        API + "package_create",
        json.dumps(dataset_data()),
        content_type="application/json",
        HTTP_X_CKAN_API_KEY=od_token,
    )

    assert response.status_code == 200


def test_anonymous_package_create_is_refused(client: Any, od_publisher: Any) -> None:
    response = call(client, "package_create", dataset_data())

    assert response.status_code == 403
    assert response.json()["error"]["__type"] == "Authorization Error"
    assert not Dataset.objects.exists()


def test_an_invalid_token_is_an_authorization_error(client: Any, od_publisher: Any) -> None:
    response = call(client, "package_show", {"id": "x"}, token="ywod_nothing_here", get=True)

    assert response.status_code == 403
    assert response.json()["error"]["__type"] == "Authorization Error"


def test_a_revoked_token_is_refused(client: Any, od_clerk: Any) -> None:
    token, secret = services.create_token(actor="test", user=od_clerk, name="旧令牌")
    services.revoke_token(actor="test", token=token)

    response = call(client, "package_create", dataset_data(), token=secret)

    assert response.status_code == 403
    assert not Dataset.objects.exists()


def test_an_outsider_may_not_publish_for_another_department(
    client: Any, od_outsider_token: str, od_publisher: Any
) -> None:
    response = call(client, "package_create", dataset_data(), token=od_outsider_token)

    assert response.status_code == 403
    assert response.json()["error"]["__type"] == "Authorization Error"
    assert not Dataset.objects.exists()
    refusal = AuditEntry.objects.get(action="opendata.dataset_create_refused")
    assert refusal.actor_label == "od_outsider"
    assert refusal.details["code"] == "opendata_not_permitted"


def test_an_outsider_may_not_update_a_dataset(
    client: Any, od_outsider_token: str, od_dataset: Any
) -> None:
    response = call(
        client,
        "package_patch",
        {"id": od_dataset.name, "title": "篡改"},
        token=od_outsider_token,
    )

    assert response.status_code == 403
    od_dataset.refresh_from_db()
    assert od_dataset.title == "武汉市公交站点"
    assert od_dataset.version == 1


def test_a_dataset_without_owner_org_is_refused_and_nothing_is_written(
    client: Any, od_token: str
) -> None:
    data = dataset_data()
    del data["owner_org"]

    response = call(client, "package_create", data, token=od_token)

    assert response.status_code == 409
    error = response.json()["error"]
    assert error["__type"] == "Validation Error"
    assert "owner_org" in error
    assert not Dataset.objects.exists()


def test_validation_errors_name_each_field(client: Any, od_token: str) -> None:
    data = dataset_data(name="Bad Name!", theme="weather", region="9999", license_id="nope")

    response = call(client, "package_create", data, token=od_token)

    assert response.status_code == 409
    error = response.json()["error"]
    assert {"name", "theme", "region", "license_id"} <= set(error)
    assert not Dataset.objects.exists()


def test_a_taken_name_is_refused(client: Any, od_token: str, od_dataset: Any) -> None:
    response = call(client, "package_create", dataset_data(), token=od_token)

    assert response.status_code == 409
    assert "name" in response.json()["error"]
    assert Dataset.objects.count() == 1


def test_a_resource_url_that_is_not_http_is_refused_with_no_dataset(
    client: Any, od_token: str
) -> None:
    data = dataset_data(resources=[{"name": "文件", "url": "ftp://example.org/a.csv"}])

    response = call(client, "package_create", data, token=od_token)

    assert response.status_code == 409
    assert "url" in response.json()["error"]
    assert not Dataset.objects.exists()
    assert not Resource.objects.exists()


def test_package_show_of_a_missing_dataset_is_not_found(client: Any, db: None) -> None:
    response = client.get(API + "package_show", {"id": "no-such-dataset"})

    assert response.status_code == 404
    assert response.json()["error"]["__type"] == "Not Found Error"


def test_package_show_counts_api_calls(client: Any, od_dataset: Any) -> None:
    client.get(API + "package_show", {"id": od_dataset.name})
    client.get(API + "package_show", {"id": str(od_dataset.pk)})

    od_dataset.refresh_from_db()
    assert od_dataset.api_call_count == 2


def test_package_update_replaces_and_makes_a_version(
    client: Any, od_token: str, od_dataset: Any
) -> None:
    data = dataset_data(title="武汉市公交站点(2024)", tags=[{"name": "公交"}], resources=[])

    response = call(client, "package_update", {"id": od_dataset.name, **data}, token=od_token)

    assert response.status_code == 200, response.content
    result = response.json()["result"]
    assert result["title"] == "武汉市公交站点(2024)"
    assert [t["name"] for t in result["tags"]] == ["公交"]
    assert result["resources"] == []
    assert result["version"] == 2
    versions = call(client, "package_version_list", {"id": od_dataset.name}, get=True).json()
    assert [v["version"] for v in versions["result"]] == [2, 1]


def test_package_patch_changes_only_the_given_keys(
    client: Any, od_token: str, od_dataset: Any
) -> None:
    response = call(
        client, "package_patch", {"id": od_dataset.name, "notes": "新的描述"}, token=od_token
    )

    result = response.json()["result"]
    assert result["notes"] == "新的描述"
    assert result["title"] == "武汉市公交站点"
    assert result["num_resources"] == 1
    assert result["num_tags"] == 2


def test_package_delete_hides_the_dataset(client: Any, od_token: str, od_dataset: Any) -> None:
    response = call(client, "package_delete", {"id": od_dataset.name}, token=od_token)

    assert response.status_code == 200
    assert response.json()["result"] is None
    assert client.get(API + "package_show", {"id": od_dataset.name}).status_code == 404
    assert od_dataset.name not in client.get(API + "package_list").json()["result"]
    assert AuditEntry.objects.filter(action="opendata.dataset_deleted").exists()


# --- parameters -----------------------------------------------------------------------------


def test_over_limit_rows_is_a_validation_error(client: Any, db: None) -> None:
    response = client.get(API + "package_search", {"rows": "1001"})

    assert response.status_code == 409
    assert "rows" in response.json()["error"]


def test_a_wrong_parameter_type_names_the_parameter(client: Any, db: None) -> None:
    response = client.post(
        API + "package_search", json.dumps({"q": 5}), content_type="application/json"
    )

    assert response.status_code == 409
    error = response.json()["error"]
    assert error["__type"] == "Validation Error"
    assert "q" in error


def test_package_list_limit_must_be_an_integer(client: Any, db: None) -> None:
    response = client.get(API + "package_list", {"limit": "many"})

    assert response.status_code == 409
    assert "limit" in response.json()["error"]


# --- resources ------------------------------------------------------------------------------


def test_resource_create_uploads_a_json_file_and_serves_it(
    client: Any, od_token: str, od_dataset: Any
) -> None:
    upload = SimpleUploadedFile("stops.json", b'[{"name": "\xe6\xb1\x89\xe5\x8f\xa3"}]')

    response = client.post(
        API + "resource_create",
        {"package_id": od_dataset.name, "name": "站点清单", "upload": upload},
        HTTP_AUTHORIZATION=od_token,
    )

    assert response.status_code == 200, response.content
    result = response.json()["result"]
    assert result["format"] == "JSON"
    assert result["url_type"] == "upload"
    assert result["hash"].startswith("sha256:")
    path = result["url"].split("://", 1)[1].split("/", 1)[1]
    download = client.get("/" + path)
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b'[{"name"')
    od_dataset.refresh_from_db()
    assert od_dataset.download_count == 1
    assert od_dataset.version == 2


def test_resource_create_refuses_other_file_kinds(
    client: Any, od_token: str, od_dataset: Any
) -> None:
    upload = SimpleUploadedFile("notes.txt", b"hello")

    response = client.post(
        API + "resource_create",
        {"package_id": od_dataset.name, "upload": upload},
        HTTP_AUTHORIZATION=od_token,
    )

    assert response.status_code == 409
    assert Resource.objects.count() == 1


def test_an_upload_over_the_limit_is_refused(
    client: Any, od_token: str, od_dataset: Any, settings: Any
) -> None:
    settings.YIWANG_OPENDATA_MAX_UPLOAD_BYTES = 10
    upload = SimpleUploadedFile("big.json", b'{"a": "0123456789abcdef"}')

    response = client.post(
        API + "resource_create",
        {"package_id": od_dataset.name, "upload": upload},
        HTTP_AUTHORIZATION=od_token,
    )

    assert response.status_code == 409
    assert Resource.objects.count() == 1


def test_resource_show_update_and_delete(client: Any, od_token: str, od_dataset: Any) -> None:
    resource = od_dataset.resources.get()

    shown = client.get(API + "resource_show", {"id": str(resource.pk)}).json()["result"]
    assert shown["url"] == "https://data.example.gov.cn/api/bus-stops"

    updated = call(
        client,
        "resource_patch",
        {"id": str(resource.pk), "url": "https://data.example.gov.cn/api/v2/bus-stops"},
        token=od_token,
    ).json()["result"]
    assert updated["url"].endswith("/v2/bus-stops")

    bad = call(
        client,
        "resource_update",
        {"id": str(resource.pk), "url": "file:///etc/passwd"},
        token=od_token,
    )
    assert bad.status_code == 409
    resource.refresh_from_db()
    assert resource.url.endswith("/v2/bus-stops")

    deleted = call(client, "resource_delete", {"id": str(resource.pk)}, token=od_token)
    assert deleted.status_code == 200
    assert not Resource.objects.exists()


def test_conditional_files_need_an_approved_application(
    client: Any, od_token: str, od_clerk: Any, od_citizen: Any
) -> None:
    dataset = services.create_dataset(
        actor=od_clerk,
        data=dataset_data(name="wuhan-health", open_type="conditional", theme="health"),
    )
    resource = services.create_resource(
        actor=od_clerk,
        dataset=dataset,
        data={"name": "清单"},
        upload=SimpleUploadedFile("list.json", b"{}"),
    )
    url = services.resource_dict(resource)["url"].split("://", 1)[1].split("/", 1)[1]

    assert client.get("/" + url).status_code == 403
    client.force_login(od_citizen)
    assert client.get("/" + url).status_code == 403
    assert client.get("/" + url, HTTP_AUTHORIZATION=od_token).status_code == 200


# --- organizations, tags, licences ----------------------------------------------------------


def test_organization_list_and_show(client: Any, od_dataset: Any, od_other_publisher: Any) -> None:
    names = client.get(API + "organization_list").json()["result"]
    assert names == ["4201-sjj", "4205-scjg"]

    full = client.get(API + "organization_list", {"all_fields": "true"}).json()["result"]
    assert full[0]["title"] == "武汉市数据局"
    assert full[0]["package_count"] == 1

    shown = client.get(
        API + "organization_show", {"id": "4201-sjj", "include_datasets": "true"}
    ).json()["result"]
    assert [p["name"] for p in shown["packages"]] == ["wuhan-bus-stops"]


def test_tag_list_and_license_list(client: Any, od_dataset: Any) -> None:
    assert client.get(API + "tag_list").json()["result"] == ["交通", "公交"]
    licences = client.get(API + "license_list").json()["result"]
    assert "cc-by-4.0" in [lic["id"] for lic in licences]


# --- limits ---------------------------------------------------------------------------------


def test_anonymous_callers_are_rate_limited(client: Any, db: None, settings: Any) -> None:
    settings.YIWANG_OPENDATA_ANON_PER_MINUTE = 2

    answers = [client.get(API + "status_show") for _ in range(3)]

    assert [a.status_code for a in answers] == [200, 200, 429]
    body = answers[2].json()
    assert body["success"] is False
    assert body["error"]["__type"] == "Rate Limit Error"
    assert int(answers[2]["Retry-After"]) >= 1


def test_token_callers_have_their_own_limit(client: Any, od_token: str, settings: Any) -> None:
    settings.YIWANG_OPENDATA_ANON_PER_MINUTE = 1
    settings.YIWANG_OPENDATA_TOKEN_PER_MINUTE = 3

    tokened = [call(client, "status_show", token=od_token, get=True) for _ in range(4)]

    assert [a.status_code for a in tokened] == [200, 200, 200, 429]
    assert client.get(API + "status_show").status_code == 200


@pytest.mark.parametrize("name", ["package_create", "package_update", "resource_create"])
def test_writes_without_a_token_ignore_the_session(
    client: Any, od_clerk: Any, od_dataset: Any, name: str
) -> None:
    client.force_login(od_clerk)

    response = call(client, name, {"id": od_dataset.name, "package_id": od_dataset.name})

    assert response.status_code == 403


# --- search ---------------------------------------------------------------------------------


def test_package_search_with_facets_and_filters(
    client: Any, od_dataset: Any, od_clerk: Any
) -> None:
    services.create_dataset(
        actor=od_clerk,
        data=dataset_data(name="wuhan-air", title="武汉市空气质量", theme="environment", tags=[]),
    )

    response = client.get(
        API + "package_search",
        {"fq": "organization:4201-sjj", "facet.field": '["theme", "organization"]', "rows": "1"},
    )

    result = response.json()["result"]
    assert result["count"] == 2
    assert len(result["results"]) == 1
    assert result["sort"] == "metadata_modified desc"
    assert result["facets"]["theme"] == {"transport": 1, "environment": 1}
    themes = {i["name"]: i["display_name"] for i in result["search_facets"]["theme"]["items"]}
    assert themes == {"transport": "交通运输", "environment": "资源环境"}
    organizations = result["search_facets"]["organization"]["items"]
    assert organizations == [{"name": "4201-sjj", "display_name": "武汉市数据局", "count": 2}]


def test_package_search_sees_an_update_at_once(client: Any, od_token: str, od_dataset: Any) -> None:
    call(
        client, "package_patch", {"id": od_dataset.name, "title": "武汉市地铁站点"}, token=od_token
    )

    found = client.get(API + "package_search", {"q": "地铁"}).json()["result"]

    assert [r["name"] for r in found["results"]] == ["wuhan-bus-stops"]


def test_a_bad_filter_is_a_search_query_error(client: Any, db: None) -> None:
    response = client.get(API + "package_search", {"fq": "colour:blue"})

    assert response.status_code == 400
    assert response.json()["error"]["__type"] == "Search Query Error"


def test_drafts_are_searchable_by_their_publisher_only(
    client: Any, od_token: str, od_outsider_token: str, od_clerk: Any
) -> None:
    services.create_dataset(actor=od_clerk, data=dataset_data(state="draft"))

    def count(token: str) -> int:
        answer = call(client, "package_search", {"include_drafts": True}, token=token)
        return int(answer.json()["result"]["count"])

    assert count(od_token) == 1
    assert count(od_outsider_token) == 0
    assert client.get(API + "package_search").json()["result"]["count"] == 0


def test_datastore_search_counts_as_an_api_call(
    client: Any, od_clerk: Any, od_dataset: Any
) -> None:
    resource = services.create_resource(
        actor=od_clerk,
        dataset=od_dataset,
        data={"name": "站点"},
        upload=SimpleUploadedFile("stops.csv", "站点,线路数\n汉口,3\n".encode()),
    )

    response = client.get(API + "datastore_search", {"resource_id": str(resource.pk)})

    assert response.status_code == 200, response.content
    assert response.json()["result"]["total"] == 1
    od_dataset.refresh_from_db()
    assert od_dataset.api_call_count == 1


def test_wrong_tokens_count_against_the_clients_limit(client: Any, db: None, settings: Any) -> None:
    settings.YIWANG_OPENDATA_ANON_PER_MINUTE = 2

    answers = [call(client, "status_show", token=f"ywod_x{i}_guess", get=True) for i in range(3)]

    assert [a.status_code for a in answers] == [403, 403, 429]
