"""A grid worker (网格员) on a 320 px phone reports a grid event: sent without coordinates it is
refused on the field (nothing written); then "使用当前位置" fills them from the phone's
location, a PNG photo is chosen again, and the order page shows the photo and the channel
网格上报; the event is listed under 我的上报. Every page passes axe and its CSP and fits 320 px."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.test_catalog_staff import check_narrow, signed_in_page
from tests.factories import StaffFactory
from tests.hotline.conftest import (  # noqa: F401 (the hotline's fixtures)
    centre,
    deadline_rules,
    lead_department,
    supporting_department,
    topics,
)
from yiwang.hotline.models import Attachment, OrderStatus, WorkOrder
from yiwang.kernel.models import StoredFile

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 320, "height": 640}
#: Where the phone says it is (积玉桥, 武昌区).
HERE = {"latitude": 30.5631, "longitude": 114.3085}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
MANHOLE = "和平大道路口井盖缺失，已设置临时围挡，夜间有行人跌落风险。"


@pytest.fixture(autouse=True)
def _no_model(settings: Any, tmp_path: Any) -> None:
    """No classifier is trained here: an event with a topic goes out by the catalogue."""
    (tmp_path / "keys").mkdir(exist_ok=True)
    settings.DATA_DIR = tmp_path
    from yiwang.hotline import classifier

    classifier.forget()


def narrow(page: Any, name: str) -> None:
    """axe, CSP and 320 px (check_narrow), then back to the phone's screen."""
    check_narrow(page, f"hotline-grid-{name}")
    page.set_viewport_size(PHONE)


def test_a_grid_worker_reports_an_event_from_a_phone(
    open_page: Any,
    live_server: Any,
    regions: Any,
    centre: Any,  # noqa: F811
    topics: Any,  # noqa: F811
    deadline_rules: None,  # noqa: F811
    tmp_path: Path,
) -> None:
    worker = StaffFactory(username="grid", role="hotline_agent", region=regions.wuchang)
    page = signed_in_page(
        open_page,
        live_server,
        worker,
        **PHONE,
        geolocation=HERE,
        permissions=["geolocation"],
    )
    photo = tmp_path / "井盖.png"
    photo.write_bytes(PNG)

    # From the hotline's navigation to the form
    page.goto("/staff/hotline/")
    page.get_by_role("navigation", name="12345热线").get_by_role("link", name="网格上报").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("上报网格事件")
    expect(page.get_by_label("举报")).to_be_checked()
    expect(page.get_by_label("所属区划")).to_have_value("420106")
    narrow(page, "report")

    # Sent without coordinates: refused, pointed out on the field, nothing written
    page.get_by_label("诉求分类（选填）").select_option("0101")
    page.get_by_label("事件描述").fill(MANHOLE)
    page.get_by_label("紧急", exact=True).check()
    page.get_by_label("网格编号").fill("420106-001-05")
    page.get_by_label("详细地址（选填）").fill("和平大道与中山路路口")
    page.get_by_label("选择或拍摄照片").set_input_files(photo)
    page.get_by_role("button", name="上报事件").click()
    expect(page).to_have_title(re.compile("^错误："))
    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    link = summary.get_by_role("link", name=re.compile("网格事件须有位置坐标：请填写纬度"))
    expect(link).to_have_attribute("href", "#id_latitude")
    narrow(page, "report-error")
    link.click()
    latitude = page.get_by_label("纬度")
    expect(latitude).to_be_focused()
    expect(latitude).to_have_accessible_description(re.compile("错误："))
    assert not WorkOrder.objects.exists() and not StoredFile.objects.exists()
    # what was typed is kept
    expect(page.get_by_label("事件描述")).to_have_value(MANHOLE)
    expect(page.get_by_label("网格编号")).to_have_value("420106-001-05")

    # "使用当前位置" fills both from the phone; the photo is chosen again
    page.get_by_role("button", name="使用当前位置").click()
    expect(page.get_by_text("已填入当前位置，请核对。")).to_be_visible()
    expect(latitude).to_have_value("30.563100")
    expect(page.get_by_label("经度")).to_have_value("114.308500")
    page.get_by_label("选择或拍摄照片").set_input_files(photo)
    page.get_by_role("button", name="上报事件").click()

    # The order page: the number and where it went, the channel and the photo
    order = WorkOrder.objects.get()
    expect(page.get_by_role("heading", level=1)).to_have_text(order.title)
    expect(page.get_by_role("status")).to_contain_text(
        f"已上报网格事件，工单编号 {order.number}，已转武汉市住房和城市更新局办理。"
    )
    main = page.get_by_role("main")
    expect(main).to_contain_text("网格上报")
    expect(main).to_contain_text("420106-001-05")
    photo_link = main.get_by_role("link", name="井盖.png")
    expect(photo_link).to_be_visible()
    expect(main.get_by_role("listitem").filter(has_text="井盖.png")).to_contain_text("照片")
    narrow(page, "order")
    assert order.channel == "grid" and order.status == OrderStatus.DISPATCHED
    assert str(order.latitude) == "30.563100" and order.urgency == "urgent"
    assert Attachment.objects.get(order=order).file.name == "井盖.png"

    # 我的上报 lists it; the form starts from the same grid next time
    page.get_by_role("link", name="网格上报").click()
    expect(page.get_by_label("网格编号")).to_have_value("420106-001-05")
    page.get_by_role("link", name="我的上报", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("我的上报")
    reports = page.get_by_role("region", name=re.compile("我上报的网格事件"))
    expect(reports.get_by_role("link", name=order.number)).to_be_visible()
    expect(reports).to_contain_text("1 张")
    narrow(page, "mine")
