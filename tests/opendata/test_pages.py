"""The open-data portal's pages: each renders for the right person, outsiders get 404 (or 403
for staff pages without ``opendata.publish``), and bad input comes back in the error summary
with the service's message, never a 500."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.opendata.conftest import dataset_data
from yiwang.opendata import participation, services
from yiwang.opendata.forms import pinyin_name
from yiwang.opendata.models import (
    AccessApplication,
    DataRequest,
    DataRequestStatus,
    Dataset,
    DatasetState,
    Rating,
)

pytestmark = pytest.mark.django_db

CSV = "线路,站点数,日客流\n1路,32,15000\n2路,28,12000\n3路,40,21000\n"


def client_for(user: Any | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def text(response: Any) -> str:
    return str(response.content.decode())


@pytest.fixture
def csv_resource(od_clerk: Any, od_dataset: Any) -> Any:
    upload = SimpleUploadedFile("lines.csv", CSV.encode(), content_type="text/csv")
    return services.create_resource(
        actor=od_clerk, dataset=od_dataset, data={"name": "线路客流"}, upload=upload
    )


@pytest.fixture
def conditional(od_clerk: Any) -> Any:
    return services.create_dataset(
        actor=od_clerk,
        data=dataset_data(
            name="wuhan-bus-cards",
            title="武汉市公交卡刷卡记录",
            open_type="conditional",
            open_conditions="仅限科研用途。",
        ),
    )


# --- public pages ----------------------------------------------------------------------------


def test_home_shows_totals_themes_newest_and_organisations(od_dataset: Any) -> None:
    response = client_for(None).get("/opendata/")
    assert response.status_code == 200
    page = text(response)
    assert "公共数据开放平台" in page
    assert "交通运输" in page
    assert "武汉市公交站点" in page
    assert "武汉市数据局" in page


def test_search_keeps_the_query_and_narrows_by_a_facet(od_dataset: Any, od_clerk: Any) -> None:
    services.create_dataset(
        actor=od_clerk,
        data=dataset_data(
            name="wuhan-schools",
            title="武汉市学校名录",
            notes="学校",
            theme="education",
            tags=["教育"],
        ),
    )
    client = client_for(None)
    response = client.get("/opendata/search/", {"q": "公交"})
    page = text(response)
    assert response.status_code == 200
    assert 'value="公交"' in page
    assert "武汉市公交站点" in page
    assert "武汉市学校名录" not in page

    everything = text(client.get("/opendata/search/"))
    assert "共 2 个数据集" in everything
    narrowed = client.get("/opendata/search/", {"theme": "education"})
    assert "共 1 个数据集" in text(narrowed)
    assert "武汉市学校名录" in text(narrowed)
    assert "数据领域：教育文化" in text(narrowed)  # the chosen facet, with a link to remove it


def test_search_with_an_unknown_facet_value_finds_nothing_without_error(od_dataset: Any) -> None:
    response = client_for(None).get("/opendata/search/", {"tags": 'x"y', "page": "abc"})
    assert response.status_code == 200
    assert "没有符合条件的数据集" in text(response)


def test_dataset_page_shows_metadata_resources_and_api_hints(
    od_dataset: Any, csv_resource: Any
) -> None:
    response = client_for(None).get(f"/opendata/dataset/{od_dataset.name}/")
    page = text(response)
    assert response.status_code == 200
    assert "武汉市公交站点" in page
    assert "公交站点查询接口" in page
    assert "package_show?id=wuhan-bus-stops" in page
    assert f"datastore_search?resource_id={csv_resource.pk}" in page
    assert "登录后可评分和评论" in page
    assert Dataset.objects.get(pk=od_dataset.pk).view_count == 1


def test_a_draft_is_404_to_the_public_and_shown_to_its_publisher(
    od_clerk: Any, od_outsider: Any
) -> None:
    draft = services.create_dataset(actor=od_clerk, data=dataset_data(state="draft"))
    url = f"/opendata/dataset/{draft.name}/"
    assert client_for(None).get(url).status_code == 404
    assert client_for(od_outsider).get(url).status_code == 404
    assert client_for(od_clerk).get(url).status_code == 200
    assert client_for(None).get("/opendata/dataset/no-such/").status_code == 404


def test_a_citizen_rates_once_and_comments(od_dataset: Any, od_citizen: Any) -> None:
    client = client_for(od_citizen)
    url = f"/opendata/dataset/{od_dataset.name}/"
    response = client.post(url + "rate/", {"score": "4"}, follow=True)
    assert "感谢您的评分" in text(response)
    assert "平均 4.0 分" in text(response) or "平均 4 分" in text(response)
    assert Rating.objects.filter(dataset=od_dataset, user=od_citizen, score=4).exists()
    # a bad score: the error summary
    bad = client.post(url + "rate/", {"score": "9"})
    assert bad.status_code == 422
    assert "出现了问题" in text(bad)
    # an empty comment, then a good one
    empty = client.post(url + "comment/", {"body": "  "})
    assert empty.status_code == 422
    assert "评论" in text(empty)
    done = client.post(url + "comment/", {"body": "数据很有用"}, follow=True)
    assert "评论已发表" in text(done)
    assert "数据很有用" in text(done)


def test_rating_twice_shows_the_services_message(od_dataset: Any, od_citizen: Any) -> None:
    participation.rate_dataset(actor=od_citizen, dataset=od_dataset, score=5)
    response = client_for(od_citizen).post(
        f"/opendata/dataset/{od_dataset.name}/rate/", {"score": "3"}
    )
    assert response.status_code == 409
    assert "您已评价过该数据集" in text(response)


def test_rating_needs_sign_in(od_dataset: Any) -> None:
    response = client_for(None).post(f"/opendata/dataset/{od_dataset.name}/rate/", {"score": "3"})
    assert response.status_code == 302
    assert "/login" in response["Location"]


def test_preview_filters_pages_charts_and_downloads_filtered_csv(
    od_dataset: Any, csv_resource: Any
) -> None:
    client = client_for(None)
    url = f"/opendata/dataset/{od_dataset.name}/resource/{csv_resource.pk}/"
    response = client.get(url)
    page = text(response)
    assert response.status_code == 200
    assert "共 3 行" in page
    assert "1路" in page
    assert 'role="img"' in page  # the chart
    assert "图表数据" in page
    fields = {f["info"]["label"]: f["id"] for f in csv_resource.datastore_fields}
    filtered = client.get(url, {f"f.{fields['线路']}": "2路"})
    assert "符合条件的共 1 行" in text(filtered)
    download = client.get(url + "csv/", {f"f.{fields['线路']}": "2路"})
    assert download.status_code == 200
    body = b"".join(download.streaming_content).decode("utf-8-sig")
    assert body.splitlines() == ["线路,站点数,日客流", "2路,28,12000"]
    # a filter value of the wrong type: an error above the table, not a 500
    bad = client.get(url, {f"f.{fields['站点数']}": "很多"})
    assert bad.status_code == 200
    assert "出现了问题" in text(bad)
    # paging by cursor
    first = client.get(url)
    assert first.status_code == 200


def test_preview_of_another_datasets_resource_is_404(
    od_dataset: Any, csv_resource: Any, conditional: Any
) -> None:
    url = f"/opendata/dataset/{conditional.name}/resource/{csv_resource.pk}/"
    assert client_for(None).get(url).status_code == 404


def test_conditional_dataset_shows_how_to_apply_and_the_application_is_made(
    conditional: Any, od_citizen: Any, od_clerk: Any
) -> None:
    page = text(client_for(None).get(f"/opendata/dataset/{conditional.name}/"))
    assert "有条件开放：如何申请" in page
    assert "仅限科研用途" in page
    client = client_for(od_citizen)
    empty = client.post(f"/opendata/dataset/{conditional.name}/apply/", {"purpose": ""})
    assert empty.status_code == 422
    response = client.post(
        f"/opendata/dataset/{conditional.name}/apply/", {"purpose": "研究公交出行规律"}, follow=True
    )
    assert "申请已提交" in text(response)
    assert "武汉市公交卡刷卡记录" in text(response)
    assert AccessApplication.objects.filter(applicant=od_citizen).count() == 1
    again = client.post(f"/opendata/dataset/{conditional.name}/apply/", {"purpose": "再次申请"})
    assert again.status_code == 409
    assert "已有待审核的申请" in text(again)


def test_applying_for_an_unconditional_dataset_is_404(od_dataset: Any, od_citizen: Any) -> None:
    assert (
        client_for(od_citizen).get(f"/opendata/dataset/{od_dataset.name}/apply/").status_code == 404
    )


def test_organisations_and_an_organisation_page(od_dataset: Any) -> None:
    client = client_for(None)
    listing = text(client.get("/opendata/organization/"))
    assert "武汉市数据局" in listing
    page = client.get("/opendata/organization/4201-sjj/")
    assert page.status_code == 200
    assert "武汉市公交站点" in text(page)
    assert client.get("/opendata/organization/nobody/").status_code == 404


def test_a_citizen_submits_a_data_request_and_sees_it(od_publisher: Any, od_citizen: Any) -> None:
    client = client_for(od_citizen)
    assert client.get("/opendata/requests/new/").status_code == 200
    bad = client.post(
        "/opendata/requests/new/", {"publisher": od_publisher.pk, "title": "", "description": ""}
    )
    assert bad.status_code == 422
    assert "出现了问题" in text(bad)
    response = client.post(
        "/opendata/requests/new/",
        {"publisher": od_publisher.pk, "title": "公交到站时间", "description": "各线路实时到站"},
        follow=True,
    )
    assert "数据需求已提交" in text(response)
    assert "公交到站时间" in text(response)
    assert "公交到站时间" in text(client_for(None).get("/opendata/requests/"))
    assert client_for(None).get("/opendata/requests/new/").status_code == 302


# --- publisher pages -------------------------------------------------------------------------


def test_staff_pages_refuse_citizens_and_staff_without_the_permission(
    od_citizen: Any, od_publisher: Any, od_department: Any
) -> None:
    from tests.factories import StaffFactory

    assert client_for(od_citizen).get("/staff/opendata/").status_code == 403
    clerk = StaffFactory(username="window", role="window_clerk", department=od_department)
    assert client_for(clerk).get("/staff/opendata/").status_code == 403
    assert client_for(None).get("/staff/opendata/").status_code == 302


def test_publisher_lists_creates_edits_and_deletes(od_clerk: Any, od_dataset: Any) -> None:
    client = client_for(od_clerk)
    listing = text(client.get("/staff/opendata/"))
    assert "武汉市公交站点" in listing
    assert client.get("/staff/opendata/new/").status_code == 200
    response = client.post(
        "/staff/opendata/new/",
        {
            "title": "武汉市公交线路",
            "name": "",
            "owner_org": "4201-sjj",
            "notes": "线路和站点",
            "tags": "公交，线路",
            "theme": "transport",
            "region": "4201",
            "license_id": "cc-by-4.0",
            "update_frequency": "monthly",
            "open_type": "unconditional",
            "state": "active",
        },
    )
    assert response.status_code == 302
    created = Dataset.objects.get(title="武汉市公交线路")
    assert created.name == "wu-han-shi-gong-jiao-xian-lu"
    assert sorted(t.name for t in created.tags.all()) == ["公交", "线路"]
    assert response["Location"].endswith(f"/staff/opendata/dataset/{created.name}/resource/new/")

    edit = client.get(f"/staff/opendata/dataset/{created.name}/")
    assert "版本历史" in text(edit)
    changed = client.post(
        f"/staff/opendata/dataset/{created.name}/",
        {
            "title": "武汉市公交线路（2024）",
            "name": created.name,
            "owner_org": "4201-sjj",
            "theme": "transport",
            "region": "4201",
            "license_id": "cc-by-4.0",
            "update_frequency": "monthly",
            "open_type": "unconditional",
            "state": "active",
        },
        follow=True,
    )
    assert "当前为第 2 版" in text(changed)
    deleted = client.post(f"/staff/opendata/dataset/{created.name}/delete/", follow=True)
    assert "已删除" in text(deleted)
    assert Dataset.objects.get(pk=created.pk).state == DatasetState.DELETED


def test_dataset_form_bad_paths(od_clerk: Any, od_dataset: Any) -> None:
    client = client_for(od_clerk)
    base = {
        "title": "另一个",
        "owner_org": "4201-sjj",
        "theme": "transport",
        "region": "4201",
        "license_id": "cc-by-4.0",
        "update_frequency": "monthly",
        "open_type": "unconditional",
        "state": "active",
    }
    taken = client.post("/staff/opendata/new/", {**base, "name": "wuhan-bus-stops"})
    assert taken.status_code == 409
    assert "已被其他数据集使用" in text(taken) or "该标识已被使用" in text(taken)
    bad_name = client.post("/staff/opendata/new/", {**base, "name": "Bad Name!"})
    assert bad_name.status_code == 409
    assert "出现了问题" in text(bad_name)
    no_conditions = client.post(
        "/staff/opendata/new/", {**base, "name": "x-y", "open_type": "conditional"}
    )
    assert no_conditions.status_code == 422
    assert "须写明开放条件" in text(no_conditions)


def test_an_outsider_publisher_gets_404_for_anothers_dataset(
    od_outsider: Any, od_dataset: Any
) -> None:
    client = client_for(od_outsider)
    assert client.get("/staff/opendata/").status_code == 200
    assert "武汉市公交站点" not in text(client.get("/staff/opendata/"))
    for url in ("", "delete/", "resource/new/"):
        assert client.get(f"/staff/opendata/dataset/{od_dataset.name}/{url}").status_code == 404


def test_upload_csv_shows_the_validation_report_and_gbk_works(
    od_clerk: Any, od_dataset: Any
) -> None:
    client = client_for(od_clerk)
    url = f"/staff/opendata/dataset/{od_dataset.name}/resource/new/"
    assert client.get(url).status_code == 200
    upload = io.BytesIO(CSV.encode("gbk"))
    upload.name = "客流.csv"
    response = client.post(url, {"name": "线路客流", "upload": upload}, follow=True)
    page = text(response)
    assert response.status_code == 200
    assert "数据表校验报告" in page
    assert "校验通过：已载入 3 行、3 列" in page
    assert "gb" in page.lower()
    preview = client_for(None).get(
        f"/opendata/dataset/{od_dataset.name}/resource/{od_dataset.resources.get(name='线路客流').pk}/"
    )
    assert "1路" in text(preview)


def test_resource_form_bad_paths(od_clerk: Any, od_dataset: Any) -> None:
    client = client_for(od_clerk)
    url = f"/staff/opendata/dataset/{od_dataset.name}/resource/new/"
    nothing = client.post(url, {"name": "空"})
    assert nothing.status_code == 422
    assert "请上传文件或填写链接" in text(nothing)
    ftp = client.post(url, {"name": "x", "url": "ftp://example.com/a.csv"})
    assert ftp.status_code == 409
    assert "http 或 https" in text(ftp)
    bad = io.BytesIO(b"\x00\x01binary")
    bad.name = "x.exe"
    wrong = client.post(url, {"upload": bad})
    assert wrong.status_code == 409
    assert "只能上传 CSV、XLSX 或 JSON 文件" in text(wrong)
    ragged = io.BytesIO(b"a,b\n" + b"1,2,3,4\n" * 20)
    ragged.name = "r.csv"
    refused = client.post(url, {"upload": ragged})
    assert refused.status_code in (409, 422)
    assert "出现了问题" in text(refused)
    assert od_dataset.resources.count() == 1


def test_publisher_answers_a_data_request(
    od_clerk: Any, od_outsider: Any, od_citizen: Any, od_publisher: Any, od_dataset: Any
) -> None:
    item = participation.submit_data_request(
        actor=od_citizen, publisher=od_publisher, title="公交到站时间", description="实时"
    )
    client = client_for(od_clerk)
    queue = text(client.get("/staff/opendata/requests/"))
    assert "公交到站时间" in queue
    assert client_for(od_outsider).get(f"/staff/opendata/requests/{item.pk}/").status_code == 404
    empty = client.post(
        f"/staff/opendata/requests/{item.pk}/", {"decision": "answer", "answer": ""}
    )
    assert empty.status_code == 422
    response = client.post(
        f"/staff/opendata/requests/{item.pk}/",
        {"decision": "answer", "answer": "已开放，见数据集", "dataset": str(od_dataset.pk)},
        follow=True,
    )
    assert "已答复数据需求" in text(response)
    item.refresh_from_db()
    assert item.status == DataRequestStatus.ANSWERED
    assert item.dataset_id == od_dataset.pk
    mine = text(client_for(od_citizen).get("/opendata/requests/mine/"))
    assert "已开放，见数据集" in mine
    assert "武汉市公交站点" in mine


def test_overdue_requests_are_marked(od_clerk: Any, od_citizen: Any, od_publisher: Any) -> None:
    import datetime as dt

    item = participation.submit_data_request(
        actor=od_citizen, publisher=od_publisher, title="旧需求", description="很久以前"
    )
    DataRequest.objects.filter(pk=item.pk).update(due_on=dt.date(2020, 1, 1))
    assert "已逾期" in text(client_for(od_clerk).get("/staff/opendata/requests/"))


def test_publisher_decides_an_access_application(
    od_clerk: Any, od_citizen: Any, conditional: Any
) -> None:
    application = participation.apply_for_access(
        actor=od_citizen, dataset=conditional, purpose="研究"
    )
    client = client_for(od_clerk)
    assert "武汉市公交卡刷卡记录" in text(client.get("/staff/opendata/applications/"))
    refused = client.post(
        f"/staff/opendata/applications/{application.pk}/", {"decision": "reject", "reason": ""}
    )
    assert refused.status_code == 422
    assert "理由" in text(refused)
    response = client.post(
        f"/staff/opendata/applications/{application.pk}/",
        {"decision": "approve", "valid_days": "30"},
        follow=True,
    )
    assert "已审核该申请" in text(response)
    assert services.may_access(od_citizen, conditional)
    mine = text(client_for(od_citizen).get("/opendata/applications/mine/"))
    assert "已同意" in mine


def test_pinyin_name() -> None:
    assert pinyin_name("武汉市公交站点") == "wu-han-shi-gong-jiao-zhan-dian"
    assert pinyin_name("2024年 GDP") == "2024-nian-gdp"


def test_preview_pages_by_cursor(od_clerk: Any, od_dataset: Any) -> None:
    import re

    rows = "".join(f"{n}路,{n},{n * 100}\n" for n in range(1, 26))
    upload = SimpleUploadedFile("many.csv", ("线路,站点数,日客流\n" + rows).encode())
    resource = services.create_resource(
        actor=od_clerk, dataset=od_dataset, data={"name": "多行"}, upload=upload
    )
    client = client_for(None)
    url = f"/opendata/dataset/{od_dataset.name}/resource/{resource.pk}/"
    first = text(client.get(url))
    assert "共 25 行" in first
    assert "<td>20路</td>" in first
    assert "<td>21路</td>" not in first
    found = re.search(r'href="(\?[^"]*cursor=[^"]+)" rel="next"', first)
    assert found
    second = text(client.get(url + found.group(1).replace("&amp;", "&")))
    assert "<td>21路</td>" in second
    assert "<td>25路</td>" in second
    assert "<td>20路</td>" not in second
    assert "第一页" in second
    bad = client.get(url, {"cursor": "not-a-cursor"})
    assert bad.status_code == 200
    assert "游标无效" in text(bad)
