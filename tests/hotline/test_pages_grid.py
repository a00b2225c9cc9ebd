"""The grid worker's pages with Django's test client: reporting a grid event with its
coordinates and photos (the order goes out by the catalogue, or waits for the centre), the
refused input (no coordinates, a coordinate out of range, a PDF as a photo, no photo, no
description: 422 on the field, no order and no stored file), "my reports", and who may not
(403 for a department clerk and a citizen, the staff sign-in for anonymous visitors)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests.factories import AccountFactory, StaffFactory
from yiwang.hotline import services
from yiwang.hotline.errors import ErrorCode
from yiwang.hotline.models import Attachment, OrderStatus, WorkOrder
from yiwang.kernel.errors import DomainError
from yiwang.kernel.models import StoredFile

pytestmark = pytest.mark.django_db

REPORT = reverse("hotline:grid-report")
MINE = reverse("hotline:grid-reports")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
MANHOLE = "积玉桥街道和平大道路口井盖缺失，已设置临时围挡，夜间有行人跌落风险。"


@pytest.fixture(autouse=True)
def _no_model(settings: Any, tmp_path: Any) -> None:
    """No classifier: an event without a topic waits at the centre."""
    (tmp_path / "keys").mkdir(exist_ok=True)
    settings.DATA_DIR = tmp_path
    from yiwang.hotline import classifier

    classifier.forget()


@pytest.fixture
def setup(topics: Any, deadline_rules: None, lead_clerk: Any) -> Any:
    return topics


@pytest.fixture
def grid_worker(regions: Any, centre: Any) -> Any:
    """A grid worker (网格员): the centre's agent role across 武昌区, as in the demo."""
    return StaffFactory(username="grid", role="hotline_agent", region=regions.wuchang)


def _photo(name: str = "现场.png", data: bytes = PNG, kind: str = "image/png") -> Any:
    return SimpleUploadedFile(name, data, content_type=kind)


def _event(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "category": "report",
        "topic": "0101",
        "content": MANHOLE,
        "urgency": "urgent",
        "region": "420106001",
        "grid_code": "420106-001-05",
        "address": "和平大道与中山路路口",
        "latitude": "30.5631",
        "longitude": "114.3085",
        "photos": [_photo()],
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _as(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _text(response: Any) -> str:
    return str(response.content.decode())


def _summary_links(page: str) -> list[tuple[str, str]]:
    block = page.split('class="error-summary', 1)[1].split("</div>", 1)[0]
    return re.findall(r'<a href="([^"]+)">([^<]+)</a>', block)


def _stored_bytes(media: Path) -> list[Path]:
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


def _nothing_written(media: Path) -> None:
    assert not WorkOrder.objects.exists()
    assert not Attachment.objects.exists()
    assert not StoredFile.objects.exists()
    assert _stored_bytes(media) == []


# --- the form -----------------------------------------------------------------------------------


def test_the_form_for_a_phone(setup: Any, grid_worker: Any) -> None:
    response = _as(grid_worker).get(REPORT)

    assert response.status_code == 200
    page = _text(response)
    assert '<h1 class="page-title">上报网格事件</h1>' in page
    assert 'enctype="multipart/form-data"' in page
    assert 'accept="image/jpeg,image/png" multiple capture="environment"' in page
    assert re.search(r'<a class="catalog-nav__link" href="/staff/hotline/grid/" aria-current', page)
    # the worker's regions (武昌区 and its streets), theirs preselected; no other city's
    assert '<option value="420106" selected>' in page and "420106001" in page
    assert "420502" not in page
    # 举报 first and chosen; no consultation or praise from the street
    assert re.search(r'value="report" checked>\s*<label[^>]*>举报</label>', page)
    assert 'value="consultation"' not in page and 'value="praise"' not in page
    # "使用当前位置" is a progressive enhancement, hidden until the script shows it
    assert re.search(r'class="hotline-grid-locate" data-locate hidden', page)
    assert "/static/hotline/citizen-location.js" in page
    assert 'inputmode="decimal"' in page


def test_a_grid_event_with_a_photo_goes_out_by_the_catalogue(
    setup: Any, grid_worker: Any, settings: Any
) -> None:
    client = _as(grid_worker)

    response = client.post(
        REPORT, _event(photos=[_photo("井盖1.png"), _photo("井盖2.jpg", JPEG, "image/jpeg")])
    )

    order = WorkOrder.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("hotline:order", args=[order.pk])
    assert order.channel == "grid" and order.created_by == grid_worker
    assert order.grid_code == "420106-001-05" and order.region_id == "420106001"
    assert str(order.latitude) == "30.563100" and str(order.longitude) == "114.308500"
    assert order.category == "report" and order.urgency == "urgent"
    assert order.address == "和平大道与中山路路口"
    assert order.title == MANHOLE[:30]
    assert order.status == OrderStatus.DISPATCHED
    assert order.lead_department is not None and order.lead_department.code == "4201-ZFGXJ"
    photos = Attachment.objects.filter(order=order).select_related("file")
    assert sorted(a.file.content_type for a in photos) == ["image/jpeg", "image/png"]
    assert all(a.file.uploaded_by == grid_worker for a in photos)
    assert len(_stored_bytes(Path(settings.MEDIA_ROOT))) == 2

    shown = _text(client.get(response["Location"]))
    assert f"已上报网格事件，工单编号 {order.number}，已转武汉市住房和城市更新局办理。" in shown
    assert "网格上报" in shown and "420106-001-05" in shown
    assert "井盖1.png" in shown and "井盖2.jpg" in shown


def test_without_a_topic_the_event_waits_for_the_centre(setup: Any, grid_worker: Any) -> None:
    client = _as(grid_worker)

    response = client.post(REPORT, _event(topic="", category="help", urgency="normal"))

    order = WorkOrder.objects.get()
    assert response.status_code == 302
    assert order.status == OrderStatus.RECEIVED and order.lead_department is None
    assert order.category == "help"
    shown = _text(client.get(response["Location"]))
    assert f"已上报网格事件，工单编号 {order.number}，等待12345中心派单。" in shown


# --- refused input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"latitude": "", "longitude": ""}, "latitude", "网格事件须有位置坐标：请填写纬度"),
        ({"longitude": ""}, "longitude", "网格事件须有位置坐标：请填写经度"),
        ({"latitude": "95"}, "latitude", "纬度应在 -90 至 90 之间。"),
        ({"longitude": "-181"}, "longitude", "经度应在 -180 至 180 之间。"),
        ({"latitude": "北纬30度"}, "latitude", "请输入数字"),
        ({"content": "   "}, "content", "请填写事件描述。"),
        ({"photos": None}, "photos", "请至少上传 1 张现场照片。"),
        (
            {"photos": [_photo("a.png", PNG) for _n in range(7)]},
            "photos",
            "最多上传 6 张照片",
        ),
        ({"grid_code": ""}, "grid_code", "请填写网格编号。"),
        ({"region": "420502"}, "region", "区划 420502 不在您负责的范围内。"),
        ({"topic": "0199"}, "topic", "诉求分类 0199 不存在或已停用。"),
        ({"category": "praise"}, "category", "请从列出的事件类型中选择。"),
    ],
    ids=[
        "no-coordinates",
        "no-longitude",
        "latitude-out-of-range",
        "longitude-out-of-range",
        "latitude-not-a-number",
        "empty-content",
        "no-photo",
        "seven-photos",
        "no-grid-code",
        "region-not-theirs",
        "inactive-topic",
        "praise",
    ],
)
def test_refused_input_is_shown_on_its_field_and_nothing_is_written(
    setup: Any,
    grid_worker: Any,
    settings: Any,
    overrides: dict[str, Any],
    field: str,
    message: str,
) -> None:
    response = _as(grid_worker).post(REPORT, _event(**overrides))

    assert response.status_code == 422
    page = _text(response)
    assert "<title>错误：上报网格事件" in page
    links = _summary_links(page)
    target = f"#id_{field}_0" if field == "category" else f"#id_{field}"
    assert any(href == target and message in text for href, text in links), links
    assert f'id="id_{field}-error"' in page or f'id="id_{field}_0"' in page
    assert 'aria-invalid="true"' in page
    # what was typed is kept (the photos must be chosen again, as the hint says)
    if field != "content":
        assert MANHOLE in page
    _nothing_written(Path(settings.MEDIA_ROOT))


def test_a_pdf_as_a_photo_is_refused_before_anything_is_stored(
    setup: Any, grid_worker: Any, settings: Any
) -> None:
    # a good photo first, then a PDF named and sent as a PNG: the bytes say what it is
    photos = [_photo("现场.png"), _photo("现场2.png", PDF, "image/png")]

    response = _as(grid_worker).post(REPORT, _event(photos=photos))

    assert response.status_code == 422
    links = _summary_links(_text(response))
    assert links[0][0] == "#id_photos"
    assert "现场2.png" in links[0][1] and "只能上传 JPG 或 PNG 格式的照片" in links[0][1]
    _nothing_written(Path(settings.MEDIA_ROOT))


def test_a_refusal_after_the_photos_were_stored_removes_them(
    setup: Any, grid_worker: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The service refuses after the photos were kept: their records roll back with the order
    and their bytes are removed from the store."""
    seen: list[int] = []

    def refuse(**kwargs: Any) -> Any:
        seen.append(len(kwargs["photos"]))
        assert StoredFile.objects.count() == len(kwargs["photos"])
        message = "内容过长（最多 40 字）。"
        raise DomainError(
            ErrorCode.TEXT_TOO_LONG, message, status=422, errors={"grid_code": [message]}
        )

    monkeypatch.setattr(services, "create_order", refuse)

    response = _as(grid_worker).post(REPORT, _event(photos=[_photo("1.png"), _photo("2.png")]))

    assert seen == [2]
    assert response.status_code == 422
    assert ("#id_grid_code", "网格编号：内容过长（最多 40 字）。") in _summary_links(
        _text(response)
    )
    _nothing_written(Path(settings.MEDIA_ROOT))


# --- my reports ---------------------------------------------------------------------------------


def test_my_reports_newest_first(setup: Any, grid_worker: Any, agent: Any) -> None:
    client = _as(grid_worker)
    client.post(REPORT, _event(content="第一件：路灯不亮。", topic=""))
    client.post(REPORT, _event(content="第二件：井盖缺失。", photos=[_photo(), _photo("b.png")]))
    first, second = WorkOrder.objects.order_by("pk")
    # another agent's grid event and the worker's own phone call are not "my reports"
    theirs = services.create_order(
        actor=agent,
        channel="grid",
        category="report",
        content="别人上报的事件。",
        region_code="420106",
        latitude="30.5",
        longitude="114.3",
        grid_code="420106-002-01",
    )
    call = services.create_order(
        actor=grid_worker,
        channel="phone",
        category="complaint",
        content="接到的电话。",
        region_code="420106",
    )

    response = client.get(MINE)

    assert response.status_code == 200
    page = _text(response)
    assert "我上报的网格事件（2 件，最新的在前）" in page
    rows = page.split("<tbody>", 1)[1]
    assert rows.index(second.number) < rows.index(first.number)
    assert theirs.number not in page and call.number not in page
    assert reverse("hotline:order", args=[second.pk]) in page
    assert "2 张" in page and "1 张" in page
    assert "武汉市住房和城市更新局" in page  # the second went out by the catalogue
    # the form starts from the grid of the last report
    assert 'value="420106-001-05"' in _text(client.get(REPORT))


def test_no_reports_yet(setup: Any, grid_worker: Any) -> None:
    response = _as(grid_worker).get(MINE)

    assert response.status_code == 200
    assert "您还没有上报过网格事件。" in _text(response)


# --- who may not --------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [REPORT, MINE])
def test_a_department_clerk_and_a_citizen_are_refused(
    setup: Any, lead_clerk: Any, url: str
) -> None:
    citizen = AccountFactory(username="resident", is_staff=False)
    for user in (lead_clerk, citizen):
        client = _as(user)
        assert client.get(url).status_code == 403
        if url == REPORT:
            assert client.post(url, _event()).status_code == 403
    assert not WorkOrder.objects.exists()


@pytest.mark.parametrize("url", [REPORT, MINE])
def test_anonymous_visitors_are_sent_to_the_staff_sign_in(client: Client, url: str) -> None:
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("identity:staff-login"))
    assert not WorkOrder.objects.exists()


def test_the_nav_link_is_the_centre_agents_only(
    setup: Any, grid_worker: Any, lead_clerk: Any
) -> None:
    queue = reverse("hotline:queue")
    assert REPORT in _text(_as(grid_worker).get(queue))
    assert REPORT not in _text(_as(lead_clerk).get(queue))


def test_my_reports_are_paged(
    setup: Any, grid_worker: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from yiwang.hotline import views_grid

    monkeypatch.setattr(views_grid, "PAGE_SIZE", 2)
    client = _as(grid_worker)
    for n in range(3):
        client.post(REPORT, _event(content=f"第{n + 1}件：路灯不亮。", topic=""))
    numbers = list(WorkOrder.objects.order_by("-pk").values_list("number", flat=True))

    first = _text(client.get(MINE)).split("<tbody>", 1)[1]
    last = _text(client.get(MINE, {"page": 2})).split("<tbody>", 1)[1]

    assert numbers[0] in first and numbers[1] in first and numbers[2] not in first
    assert numbers[2] in last and "第 2 页，共 2 页" in last
