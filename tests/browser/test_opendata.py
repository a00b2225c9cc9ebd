"""The open-data portal in a real browser: a citizen finds bus data, narrows the search by a
facet, previews the table, filters it, downloads the filtered CSV and rates the dataset; a
publisher creates a dataset, uploads a GBK-encoded CSV and finds it in search at once; a
citizen asks for data and the publisher answers. Every page passes axe and its CSP, and the
main ones fit a 320 px screen."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_catalog_staff import check_narrow, signed_in_page
from tests.browser.test_journey import assert_page_ok
from tests.opendata import conftest as od_fixtures
from tests.opendata.conftest import dataset_data

# The open-data fixtures (武汉市数据局, its publisher and data officer, the licences).
od_region = od_fixtures.od_region
od_department = od_fixtures.od_department
od_licences = od_fixtures.od_licences
od_publisher = od_fixtures.od_publisher
od_clerk = od_fixtures.od_clerk

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CSV = "线路,站点数,日客流\n1路,32,15000\n2路,28,12000\n3路,40,21000\n"


@pytest.fixture
def bus_data(od_clerk: Any) -> Any:
    """Two transport datasets about buses (one with a CSV table) and one about schools."""
    from yiwang.opendata import services

    stops = services.create_dataset(
        actor=od_clerk,
        data=dataset_data(
            resources=[{"name": "公交站点接口", "url": "https://data.example.gov.cn/api/stops"}]
        ),
    )
    flows = services.create_dataset(
        actor=od_clerk,
        data=dataset_data(
            name="wuhan-bus-flows",
            title="武汉市公交线路客流",
            notes="各公交线路的站点数和日客流。",
            tags=["公交", "客流"],
        ),
    )
    services.create_resource(
        actor=od_clerk,
        dataset=flows,
        data={"name": "线路客流表"},
        upload=SimpleUploadedFile("flows.csv", CSV.encode(), content_type="text/csv"),
    )
    services.create_dataset(
        actor=od_clerk,
        data=dataset_data(
            name="wuhan-schools", title="武汉市学校名录", notes="学校", theme="education", tags=[]
        ),
    )
    return stops, flows


def test_citizen_searches_previews_filters_downloads_and_rates(
    open_page: Any, live_server: Any, citizen: Any, bus_data: Any, tmp_path: Path
) -> None:
    page = signed_in_page(open_page, live_server, citizen)

    # From the site's home to the portal, then a search for 公交
    page.goto("/")
    page.get_by_role("link", name="数据开放").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("公共数据开放平台")
    check_narrow(page, "opendata-home")
    page.get_by_label("搜索数据集").fill("公交")
    page.get_by_role("button", name="搜索", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("找到 2 个与“公交”相关的数据集")
    expect(page.get_by_label("搜索数据集")).to_have_value("公交")
    check_narrow(page, "opendata-search")

    # Narrow by the 客流 tag: one dataset left, the chosen facet shown
    page.get_by_role("navigation", name="标签").get_by_role(
        "link", name=re.compile("^客流")
    ).click()
    expect(page.get_by_role("status")).to_have_text("找到 1 个与“公交”相关的数据集")
    expect(page.get_by_role("list", name="已选条件")).to_contain_text("标签：客流")
    expect(page.get_by_label("搜索数据集")).to_have_value("公交")
    assert_page_ok(page)

    # The dataset, then the preview of its table
    page.get_by_role("link", name="武汉市公交线路客流").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("武汉市公交线路客流")
    expect(page.get_by_text("package_show?id=wuhan-bus-flows")).to_be_visible()
    check_narrow(page, "opendata-dataset")
    page.get_by_role("link", name=re.compile("^预览")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("数据预览：线路客流表")
    expect(page.get_by_role("status")).to_have_text("共 3 行")
    expect(page.get_by_role("img", name=re.compile("站点数（按线路）"))).to_be_visible()
    expect(page.get_by_role("table", name="图表数据")).to_contain_text("40")
    check_narrow(page, "opendata-preview")

    # Filter by 线路 = 2路
    page.get_by_label("线路", exact=True).fill("2路")
    page.get_by_role("button", name="筛选", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("符合条件的共 1 行")
    expect(page.get_by_role("table", name="线路客流表")).to_contain_text("12000")
    assert_page_ok(page)

    # Download the filtered rows
    with page.expect_download() as info:
        page.get_by_role("link", name="下载筛选结果（CSV）").click()
    saved = tmp_path / "filtered.csv"
    info.value.save_as(saved)
    assert saved.read_text(encoding="utf-8-sig").splitlines() == [
        "线路,站点数,日客流",
        "2路,28,12000",
    ]

    # Back to the dataset, rate it
    page.get_by_role("link", name="武汉市公交线路客流").click()
    page.get_by_label("4 星").check()
    page.get_by_role("button", name="提交评分").click()
    expect(page.get_by_text("感谢您的评分。")).to_be_visible()
    expect(page.locator("#rating-summary")).to_contain_text("共 1 人评分")
    assert_page_ok(page)


def test_publisher_creates_a_dataset_uploads_gbk_csv_and_finds_it(
    open_page: Any, live_server: Any, od_clerk: Any, tmp_path: Path
) -> None:
    page = signed_in_page(open_page, live_server, od_clerk)
    page.goto("/staff/")
    page.get_by_role("link", name=re.compile("^开放数据")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("数据开放")
    check_narrow(page, "opendata-staff-list")
    page.get_by_role("navigation", name="数据开放（发布）").get_by_role(
        "link", name="新建数据集"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("新建数据集")
    assert_page_ok(page)

    # A conditional dataset without conditions is refused, with the summary
    page.get_by_label("标题").fill("武汉市公交IC卡客流统计")
    page.get_by_label("标签").fill("公交,客流")
    page.get_by_label("有条件开放").check()
    page.get_by_role("button", name="创建数据集").click()
    expect(page.get_by_role("alert")).to_contain_text("须写明开放条件")
    assert_page_ok(page)
    page.get_by_label("无条件开放").check()
    page.get_by_role("button", name="创建数据集").click()

    # Then the resource page: upload a GBK-encoded CSV
    expect(page.get_by_role("heading", level=1)).to_have_text("添加资源")
    check_narrow(page, "opendata-staff-resource-new")
    upload = tmp_path / "客流统计.csv"
    upload.write_bytes(CSV.encode("gbk"))
    page.get_by_label("资源名称").fill("IC卡客流")
    page.get_by_label("上传文件").set_input_files(str(upload))
    page.get_by_role("button", name="添加资源").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("IC卡客流")
    expect(page.get_by_text("校验通过：已载入 3 行、3 列。")).to_be_visible()
    expect(page.get_by_text(re.compile("gb", re.IGNORECASE)).first).to_be_visible()
    check_narrow(page, "opendata-staff-report")

    # It is in search at once
    page.goto("/opendata/search/?q=IC卡")
    expect(page.get_by_role("status")).to_have_text("找到 1 个与“IC卡”相关的数据集")
    page.get_by_role("link", name="武汉市公交IC卡客流统计").click()
    expect(page.get_by_role("table", name="数据资源")).to_contain_text("IC卡客流")
    screenshot(page, "opendata-dataset-new")


def test_citizen_asks_for_data_and_the_publisher_answers(
    open_page: Any, live_server: Any, citizen: Any, od_clerk: Any, od_publisher: Any
) -> None:
    asker = signed_in_page(open_page, live_server, citizen)
    asker.goto("/opendata/requests/")
    asker.get_by_role("link", name="提出数据需求").first.click()
    expect(asker.get_by_role("heading", level=1)).to_have_text("提出数据需求")
    asker.get_by_role("button", name="提交需求").click()
    expect(asker.get_by_role("alert")).to_be_visible()
    assert_page_ok(asker)
    asker.get_by_label("向哪个机构提出").select_option(label="武汉市数据局")
    asker.get_by_label("需求名称").fill("公交实时到站数据")
    asker.get_by_label("需求描述").fill("希望开放各线路车辆的实时到站时间。")
    asker.get_by_role("button", name="提交需求").click()
    expect(asker.get_by_role("heading", level=1)).to_have_text("我的数据需求")
    expect(asker.get_by_text("尚未答复。")).to_be_visible()
    check_narrow(asker, "opendata-my-requests")

    clerk = signed_in_page(open_page, live_server, od_clerk)
    clerk.goto("/staff/opendata/requests/")
    clerk.get_by_role("link", name="公交实时到站数据").click()
    expect(clerk.get_by_role("heading", level=1)).to_have_text("答复数据需求")
    check_narrow(clerk, "opendata-staff-request")
    clerk.get_by_label("答复内容").fill("已列入下季度开放计划。")
    clerk.get_by_role("button", name="提交答复").click()
    expect(clerk.get_by_text("已答复数据需求“公交实时到站数据”。")).to_be_visible()
    assert_page_ok(clerk)

    asker.reload()
    expect(asker.get_by_text("已列入下季度开放计划。")).to_be_visible()
    expect(asker.get_by_text("已答复", exact=True)).to_be_visible()
    assert_page_ok(asker)
