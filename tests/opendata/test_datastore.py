"""The tabular data store: loading CSV/XLSX files (encodings, typing, validation report,
malformed files) and CKAN's datastore_search on them (filters, q, fields, sort, paging by
offset and by keyset cursor), the filtered CSV download."""

from __future__ import annotations

import csv
import io
import json
import os
from typing import Any

import pytest
from django.db import connection, transaction
from openpyxl import Workbook

from tests.factories import DepartmentFactory, RegionTree
from yiwang.kernel.errors import DomainError
from yiwang.opendata import datastore
from yiwang.opendata.errors import ErrorCode
from yiwang.opendata.models import Dataset, Licence, Publisher, Resource

PEOPLE_CSV = """地区,人口（万人）,面积 km2,统计日期,更新时间,是否直辖,备注
武汉市,1377.4,8569.15,2023-12-31,2024-01-15 09:30:00,否,省会
宜昌市,391.8,21227.0,2023-12-31,2024-01-15 09:31:00,否,
黄石市,244.9,4583,2023-12-31,2024-01-15 09:32:00,否,"含""大冶市""\"
十堰市,316.6,23680,2023-12-31,2024-01-16 10:00:00,否,
"""


def make_resource(regions: RegionTree, name: str = "人口统计", fmt: str = "CSV") -> Resource:
    department = DepartmentFactory(code="4201-TJJ", name="武汉市统计局", region=regions.wuhan)
    publisher, _ = Publisher.objects.get_or_create(department=department, name="4201-tjj")
    dataset, _ = Dataset.objects.get_or_create(
        name="hubei-population",
        defaults={
            "title": "湖北省各市人口",
            "publisher": publisher,
            "theme": "social",
            "region": regions.hubei,
            "licence": Licence.objects.get(id="cc-by-4.0"),
            "update_frequency": "yearly",
            "open_type": "unconditional",
            "metadata_modified": "2024-01-01T00:00:00Z",
        },
    )
    return Resource.objects.create(dataset=dataset, name=name, format=fmt)


@pytest.fixture
def resource(regions: RegionTree) -> Resource:
    return make_resource(regions)


def load_text(
    resource: Resource, text: str, *, encoding: str = "utf-8", filename: str = "data.csv"
) -> dict[str, Any]:
    return datastore.load(resource, io.BytesIO(text.encode(encoding)), filename=filename)


def table_exists(name: str) -> bool:
    with connection.cursor() as cursor:
        return name in connection.introspection.table_names(cursor)


def refused(resource: Resource, data: bytes, filename: str = "data.csv") -> DomainError:
    with pytest.raises(DomainError) as caught, transaction.atomic():
        datastore.load(resource, io.BytesIO(data), filename=filename)
    assert caught.value.code == ErrorCode.FILE_INVALID
    resource.refresh_from_db()
    assert not resource.datastore_active
    assert resource.datastore_rows == 0
    assert not table_exists(datastore.table_name(resource))
    return caught.value


# --- loading ----------------------------------------------------------------------------------


def test_a_utf8_csv_is_loaded_typed_with_its_header_as_labels(resource: Resource) -> None:
    report = load_text(resource, PEOPLE_CSV)

    resource.refresh_from_db()
    assert resource.datastore_active
    assert resource.datastore_table == f"opendata_ds_{resource.id.hex}"
    assert resource.datastore_rows == 4
    assert resource.encoding == "utf-8"
    assert [(f["id"], f["type"]) for f in resource.datastore_fields] == [
        ("地区", "text"),
        ("人口_万人", "numeric"),
        ("面积_km2", "numeric"),
        ("统计日期", "date"),
        ("更新时间", "timestamp"),
        ("是否直辖", "bool"),
        ("备注", "text"),
    ]
    assert resource.datastore_fields[1]["info"]["label"] == "人口（万人）"
    assert report["ok"] is True
    assert report["rows"] == 4

    result = datastore.search(resource)
    assert result["total"] == 4
    assert result["records"][0] == {
        "_id": 1,
        "地区": "武汉市",
        "人口_万人": 1377.4,
        "面积_km2": 8569.15,
        "统计日期": "2023-12-31",
        "更新时间": "2024-01-15T09:30:00",
        "是否直辖": False,
        "备注": "省会",
    }
    assert result["records"][1]["备注"] is None  # an empty cell is NULL
    assert result["records"][2]["备注"] == '含"大冶市"'
    assert result["fields"][0] == {"id": "_id", "type": "int"}


def test_a_utf8_csv_with_bom_is_recognised(resource: Resource) -> None:
    load_text(resource, PEOPLE_CSV, encoding="utf-8-sig")

    resource.refresh_from_db()
    assert resource.encoding == "utf-8-sig"
    assert resource.datastore_fields[0]["id"] == "地区"  # no BOM in the first column's id


def test_a_gbk_csv_is_detected_and_decoded(resource: Resource) -> None:
    report = load_text(resource, PEOPLE_CSV, encoding="gbk")

    assert report["encoding"] == "gb18030"
    assert datastore.search(resource, filters={"地区": "黄石市"})["records"][0]["备注"] == (
        '含"大冶市"'
    )


def test_gbk_past_an_ascii_prefix_is_still_detected(resource: Resource) -> None:
    ascii_rows = "".join(f"code{i},{i}\n" for i in range(20000))  # > 64 KiB of plain ASCII
    text = "name,value\n" + ascii_rows + "武汉市,1\n"

    report = load_text(resource, text, encoding="gbk")

    assert report["encoding"] == "gb18030"
    assert datastore.search(resource, q="武汉")["records"][0]["name"] == "武汉市"


def test_an_xlsx_sheet_is_loaded(resource: Resource) -> None:
    import datetime as dt

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["区县", "户数", "人均收入", "登记日期"])
    sheet.append(["武昌区", 120345, 58231.5, dt.datetime(2024, 3, 1)])  # noqa: DTZ001
    sheet.append(["洪山区", 98765, 51200.25, dt.datetime(2024, 3, 2)])  # noqa: DTZ001
    sheet.append(["江汉区", None, 60100, dt.datetime(2024, 3, 3)])  # noqa: DTZ001
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)

    report = datastore.load(resource, buffer, filename="收入.xlsx")

    assert report["format"] == "XLSX"
    assert [f["type"] for f in report["fields"]] == ["text", "int", "numeric", "date"]
    records = datastore.search(resource, sort="户数 desc")["records"]
    assert [r["区县"] for r in records] == ["武昌区", "洪山区", "江汉区"]  # NULL last
    assert records[0]["登记日期"] == "2024-03-01"


def test_headers_are_sanitised_and_deduplicated(resource: Resource) -> None:
    load_text(resource, "名称,名称,_id,Name,name, ,a-b\n甲,乙,1,x,y,z,w\n")

    ids = [f["id"] for f in resource.datastore_fields]
    assert ids == ["名称", "名称_2", "id", "Name", "name_2", "column_6", "a_b"]
    assert [f["info"]["label"] for f in resource.datastore_fields][2] == "_id"


def test_cells_that_do_not_fit_are_null_and_reported(resource: Resource) -> None:
    rows = "".join(f"站点{i},{i}\n" for i in range(1, 101))
    text = "站点,客流量\n" + rows + "站点101,暂无\n"  # 1 bad cell in 101: under 5 %

    report = load_text(resource, text)

    assert report["fields"][1]["type"] == "int"
    assert report["ok"] is False
    assert report["bad_cell_count"] == 1
    assert report["bad_cells"] == [
        {"row": 102, "column": "客流量", "value": "暂无", "expected": "int"}
    ]
    assert datastore.search(resource, filters={"站点": "站点101"})["records"][0]["客流量"] is None


def test_a_column_mostly_failing_after_its_sample_becomes_text(resource: Resource) -> None:
    head = "".join(f"{i},{i}\n" for i in range(1, 1001))  # the sample: all integers
    tail = "".join(f"{i},编号{i}\n" for i in range(1001, 1201))  # then 200 texts: 17 %

    report = load_text(resource, "序号,编码\n" + head + tail)

    assert [f["type"] for f in report["fields"]] == ["int", "text"]
    assert report["retyped_as_text"] == ["编码"]
    assert report["bad_cell_count"] == 0
    assert datastore.search(resource, filters={"序号": 1200})["records"][0]["编码"] == "编号1200"


def test_codes_with_leading_zeros_and_long_numbers_stay_text(resource: Resource) -> None:
    load_text(
        resource,
        "邮编,身份证号,数量\n430070,420106199001011234,1\n010000,42010619900101123X,2\n",
    )

    assert [f["type"] for f in resource.datastore_fields] == ["text", "text", "int"]
    assert datastore.search(resource)["records"][1]["邮编"] == "010000"


def test_reloading_replaces_the_table(resource: Resource) -> None:
    load_text(resource, PEOPLE_CSV)
    load_text(resource, "名称\n甲\n乙\n")

    result = datastore.search(resource)
    assert result["total"] == 2
    assert [f["id"] for f in result["fields"]] == ["_id", "名称"]


@pytest.mark.parametrize(
    ("data", "message_part"),
    [
        (b"", "为空"),
        (b"\r\n\r\n", "为空"),
        (os.urandom(4096) + b"\x00\xff\xfe", "二进制"),
        (b"\x81\x30\xff\xfe,abc\n" * 10, "编码"),
        (b"1,2,3\n4,5,6\n", "表头"),
        (b"2024-01-01,12.5\n2024-01-02,13\n", "表头"),
        ("地区,人口\n武汉市,1,多余\n宜昌市\n黄石市,3\n".encode(), "列数"),
        ('地区,人口\n"武汉市,1\n'.encode(), ""),
    ],
    ids=[
        "empty",
        "blank-lines",
        "binary",
        "undecodable",
        "no-header",
        "dates-header",
        "ragged",
        "open-quote",
    ],
)
def test_malformed_files_are_refused_with_nothing_written(
    resource: Resource, data: bytes, message_part: str
) -> None:
    error = refused(resource, data)

    assert message_part in str(error.message)
    assert error.status == 422


def test_a_damaged_xlsx_is_refused(resource: Resource) -> None:
    refused(resource, b"PK\x03\x04 not really a zip", filename="data.xlsx")


def test_a_refused_reload_keeps_the_previous_table(resource: Resource) -> None:
    load_text(resource, PEOPLE_CSV)

    with pytest.raises(DomainError), transaction.atomic():
        datastore.load(resource, io.BytesIO(b"1,2\n3,4\n"), filename="data.csv")

    resource.refresh_from_db()
    assert resource.datastore_rows == 4
    assert datastore.search(resource)["total"] == 4


def test_a_few_ragged_rows_are_skipped_and_reported(resource: Resource) -> None:
    rows = "".join(f"站点{i},{i}\n" for i in range(1, 201))
    report = load_text(resource, "站点,客流量\n" + rows + "坏行,1,2\n")

    assert report["rows"] == 200
    assert report["skipped_row_count"] == 1
    assert report["skipped_rows"] == [{"row": 202, "cells": 3, "expected": 2}]


def test_drop_removes_the_table(resource: Resource) -> None:
    load_text(resource, PEOPLE_CSV)
    name = resource.datastore_table

    datastore.drop(resource)

    resource.refresh_from_db()
    assert not resource.datastore_active
    assert not table_exists(name)
    with pytest.raises(DomainError) as caught:
        datastore.search(resource)
    assert caught.value.code == ErrorCode.DATASTORE_INACTIVE


# --- searching --------------------------------------------------------------------------------


@pytest.fixture
def loaded(resource: Resource) -> Resource:
    load_text(resource, PEOPLE_CSV)
    return resource


def test_filters_match_values_and_lists(loaded: Resource) -> None:
    one = datastore.search(loaded, filters={"地区": "宜昌市"})
    many = datastore.search(loaded, filters={"地区": ["宜昌市", "十堰市"], "是否直辖": False})
    dated = datastore.search(loaded, filters={"统计日期": "2023-12-31", "面积_km2": 4583})

    assert [r["地区"] for r in one["records"]] == ["宜昌市"]
    assert one["total"] == 1
    assert [r["地区"] for r in many["records"]] == ["宜昌市", "十堰市"]
    assert [r["地区"] for r in dated["records"]] == ["黄石市"]


def test_q_searches_every_column_or_one(loaded: Resource) -> None:
    assert [r["地区"] for r in datastore.search(loaded, q="大冶")["records"]] == ["黄石市"]
    assert datastore.search(loaded, q={"备注": "省会"})["total"] == 1
    assert datastore.search(loaded, q={"地区": "省会"})["total"] == 0
    assert datastore.search(loaded, q="100%")["total"] == 0  # % is a character, not a pattern


def test_fields_sort_limit_offset(loaded: Resource) -> None:
    result = datastore.search(
        loaded, fields=["地区", "人口_万人"], sort="人口_万人 desc", limit=2, offset=1
    )

    assert result["records"] == [
        {"地区": "宜昌市", "人口_万人": 391.8},
        {"地区": "十堰市", "人口_万人": 316.6},
    ]
    assert [f["id"] for f in result["fields"]] == ["地区", "人口_万人"]
    assert result["total"] == 4
    assert result["limit"] == 2
    assert result["offset"] == 1
    assert "offset=3" in result["_links"]["next"]
    assert result["_links"]["start"].startswith("/opendata/api/3/action/datastore_search?")


def test_sort_by_several_keys_and_quoted_names(loaded: Resource) -> None:
    result = datastore.search(loaded, sort='"统计日期" asc, 地区 desc', fields=["地区"])

    assert [r["地区"] for r in result["records"]] == ["黄石市", "武汉市", "宜昌市", "十堰市"]


@pytest.mark.parametrize(
    ("kwargs", "param"),
    [
        ({"filters": {"人口": 1}}, "filters"),
        ({"filters": {"人口_万人": "很多"}}, "filters"),
        ({"filters": {"统计日期": "去年"}}, "filters"),
        ({"filters": ["地区"]}, "filters"),
        ({"fields": ["地区", "省份"]}, "fields"),
        ({"sort": "省份 asc"}, "sort"),
        ({"q": {"省份": "湖北"}}, "q"),
        ({"limit": 32001}, "limit"),
        ({"offset": -1}, "offset"),
        ({"cursor": "not-a-cursor"}, "cursor"),
    ],
)
def test_bad_queries_name_the_parameter(
    loaded: Resource, kwargs: dict[str, Any], param: str
) -> None:
    with pytest.raises(DomainError) as caught:
        datastore.search(loaded, **kwargs)

    assert caught.value.code == ErrorCode.QUERY_INVALID
    assert list(caught.value.details["errors"]) == [param]


def test_a_cursor_for_another_sort_is_refused(loaded: Resource) -> None:
    first = datastore.search(loaded, limit=1)

    with pytest.raises(DomainError) as caught:
        datastore.search(loaded, limit=1, sort="地区 asc", cursor=first["next_cursor"])
    assert caught.value.code == ErrorCode.QUERY_INVALID


def walk(resource: Resource, **kwargs: Any) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    page = datastore.search(resource, **kwargs)
    while True:
        seen.extend(page["records"])
        if not page["next_cursor"]:
            return seen
        page = datastore.search(resource, cursor=page["next_cursor"], **kwargs)


@pytest.mark.parametrize(
    "sort", [None, "_id desc", "组 asc", "组 desc, 值 asc", "值 desc", "日期 asc", "开通 desc"]
)
def test_keyset_pages_give_every_row_exactly_once(resource: Resource, sort: str | None) -> None:
    lines = ["编号,组,值,日期,开通"]
    for i in range(1, 238):
        group = "" if i % 7 == 0 else f"第{i % 5}组"  # NULLs among the sort keys
        value = "" if i % 11 == 0 else f"{(i * 37) % 50}.5"
        day = "" if i % 13 == 0 else f"2024-0{1 + i % 9}-1{i % 10}"
        flag = ["是", "否", ""][i % 3]
        lines.append(f"{i},{group},{value},{day},{flag}")
    load_text(resource, "\n".join(lines) + "\n")

    by_cursor = walk(resource, sort=sort, limit=10)
    by_offset = datastore.search(resource, sort=sort, limit=1000)["records"]

    assert [r["编号"] for r in by_cursor] == [r["编号"] for r in by_offset]
    assert sorted(r["编号"] for r in by_cursor) == list(range(1, 238))


def test_keyset_paging_with_filters_and_next_link(loaded: Resource) -> None:
    first = datastore.search(loaded, filters={"是否直辖": False}, limit=3, cursor="")
    assert first["next_cursor"]
    second = datastore.search(
        loaded, filters={"是否直辖": False}, limit=3, cursor=first["next_cursor"]
    )

    assert [r["_id"] for r in first["records"] + second["records"]] == [1, 2, 3, 4]
    assert second["next_cursor"] is None
    assert "cursor=" in first["_links"]["next"]
    assert "offset" not in second


def test_info_describes_the_table(loaded: Resource) -> None:
    result = datastore.info(loaded)

    assert result["meta"]["count"] == 4
    assert result["fields"][3] == {"id": "统计日期", "type": "date", "info": {"label": "统计日期"}}


# --- download ---------------------------------------------------------------------------------


def test_filtered_download_is_csv_with_bom(loaded: Resource) -> None:
    data = b"".join(datastore.iter_csv(loaded, filters={"是否直辖": False}, sort="人口_万人 asc"))

    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == [
        "地区",
        "人口（万人）",
        "面积 km2",
        "统计日期",
        "更新时间",
        "是否直辖",
        "备注",
    ]
    assert [row[0] for row in rows[1:]] == ["黄石市", "十堰市", "宜昌市", "武汉市"]
    assert rows[1][5] == "false"


def test_a_download_larger_than_a_page_is_whole(resource: Resource, monkeypatch: Any) -> None:
    load_text(resource, "编号\n" + "".join(f"{i}\n" for i in range(1, 26)))
    monkeypatch.setattr(datastore, "BATCH_ROWS", 10)

    rows = list(csv.reader(io.StringIO(b"".join(datastore.iter_csv(resource)).decode("utf-8-sig"))))

    assert [int(r[0]) for r in rows[1:]] == list(range(1, 26))


def test_a_bad_download_query_is_refused_before_any_byte(loaded: Resource) -> None:
    with pytest.raises(DomainError):
        datastore.iter_csv(loaded, filters={"省份": "湖北"})


def test_report_is_json(loaded: Resource) -> None:
    json.dumps(loaded.datastore_report, ensure_ascii=False)


# --- through the Action API -------------------------------------------------------------------

API = "/opendata/api/3/action/"


def upload_csv(client: Any, token: str, dataset: Any, data: bytes, name: str = "人口.csv") -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        API + "resource_create",
        {"package_id": dataset.name, "name": "各市人口", "upload": SimpleUploadedFile(name, data)},
        HTTP_AUTHORIZATION=token,
    )


@pytest.fixture
def api_resource(client: Any, od_token: str, od_dataset: Any) -> str:
    response = upload_csv(client, od_token, od_dataset, PEOPLE_CSV.encode("gbk"))
    assert response.status_code == 200, response.content
    assert response.json()["result"]["datastore_active"] is True
    return str(response.json()["result"]["id"])


def test_datastore_search_by_get_with_ckans_parameters(client: Any, api_resource: str) -> None:
    response = client.get(
        API + "datastore_search",
        {
            "resource_id": api_resource,
            "filters": json.dumps({"是否直辖": "否"}),
            "q": "市",
            "fields": "地区,人口_万人",
            "sort": "人口_万人 desc",
            "limit": "2",
        },
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["success"] is True
    result = body["result"]
    assert result["records"] == [
        {"地区": "武汉市", "人口_万人": 1377.4},
        {"地区": "宜昌市", "人口_万人": 391.8},
    ]
    assert result["total"] == 4
    assert result["_links"]["next"].startswith("/opendata/api/3/action/datastore_search?")


def test_datastore_search_pages_by_cursor_through_the_api(client: Any, api_resource: str) -> None:
    ids: list[int] = []
    params: dict[str, Any] = {"resource_id": api_resource, "limit": 3}
    while True:
        result = client.post(
            API + "datastore_search", json.dumps(params), content_type="application/json"
        ).json()["result"]
        ids += [r["_id"] for r in result["records"]]
        if not result["next_cursor"]:
            break
        params["cursor"] = result["next_cursor"]

    assert ids == [1, 2, 3, 4]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"filters": '{"省份": "湖北"}'}, "filters"),
        ({"filters": "not json"}, "filters"),
        ({"fields": "地区,省份"}, "fields"),
        ({"sort": "省份"}, "sort"),
        ({"limit": 32001}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"cursor": "xyz"}, "cursor"),
    ],
)
def test_bad_datastore_queries_are_validation_errors(
    client: Any, api_resource: str, params: dict[str, Any], field: str
) -> None:
    response = client.get(API + "datastore_search", {"resource_id": api_resource, **params})

    assert response.status_code == 409
    error = response.json()["error"]
    assert error["__type"] == "Validation Error"
    assert field in error


def test_datastore_search_of_an_unknown_resource_is_not_found(client: Any, db: None) -> None:
    response = client.get(
        API + "datastore_search", {"resource_id": "00000000-0000-0000-0000-000000000000"}
    )

    assert response.status_code == 404
    assert response.json()["error"]["__type"] == "Not Found Error"


def test_datastore_info_through_the_api(client: Any, api_resource: str) -> None:
    response = client.get(API + "datastore_info", {"id": api_resource})

    assert response.status_code == 200
    result = response.json()["result"]
    assert result["meta"]["count"] == 4
    assert result["fields"][0]["info"]["label"] == "地区"


def test_a_malformed_upload_is_refused_with_no_resource(
    client: Any, od_token: str, od_dataset: Any
) -> None:
    before = Resource.objects.count()

    response = upload_csv(client, od_token, od_dataset, b"1,2,3\n4,5,6\n")

    assert response.status_code == 409, response.content
    assert "表头" in response.json()["error"]["message"]
    assert Resource.objects.count() == before
    assert not [t for t in connection.introspection.table_names() if t.startswith("opendata_ds_")]


def test_a_conditional_datasets_rows_need_an_approved_application(
    client: Any, od_token: str, od_clerk: Any
) -> None:
    from tests.opendata.conftest import dataset_data
    from yiwang.opendata import services

    dataset = services.create_dataset(
        actor=od_clerk,
        data=dataset_data(
            name="conditional-people", open_type="conditional", open_conditions="仅限科研用途。"
        ),
    )
    resource_id = upload_csv(client, od_token, dataset, PEOPLE_CSV.encode()).json()["result"]["id"]

    anonymous = client.get(API + "datastore_search", {"resource_id": resource_id})
    publisher = client.get(
        API + "datastore_search", {"resource_id": resource_id}, HTTP_AUTHORIZATION=od_token
    )

    assert anonymous.status_code == 403
    assert publisher.status_code == 200


def test_the_filtered_download_view(rf: Any, api_resource: str) -> None:
    from django.contrib.auth.models import AnonymousUser

    from yiwang.opendata.views_datastore import download_filtered

    request = rf.get("/", {"filters": json.dumps({"地区": ["武汉市", "宜昌市"]}), "sort": "地区"})
    request.user = AnonymousUser()
    response = download_filtered(request, api_resource)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert [line.split(",")[0] for line in text.splitlines()] == ["地区", "宜昌市", "武汉市"]
    assert Resource.objects.get(pk=api_resource).download_count == 1

    bad = rf.get("/", {"filters": json.dumps({"省份": "湖北"})})
    bad.user = AnonymousUser()
    refused_download = download_filtered(bad, api_resource)
    assert refused_download.status_code == 422
    assert json.loads(refused_download.content)["code"] == "opendata_query_invalid"


def test_the_filtered_dump_is_served_at_ckans_address(client: Any, api_resource: str) -> None:
    response = client.get(
        f"/opendata/datastore/dump/{api_resource}", {"filters": json.dumps({"地区": "武汉市"})}
    )

    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert [line.split(",")[0] for line in text.splitlines()] == ["地区", "武汉市"]
    assert client.get("/opendata/datastore/dump/not-a-resource").status_code == 404
