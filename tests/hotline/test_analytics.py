"""The centre's figures (yiwang.hotline.analytics) against hand-made orders: volume by day (in
the project's time zone, zeros included), topic, district, department, channel and category;
hot topics; the 三率 with the counts behind them; map points; and a fixed number of queries."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from yiwang.hotline import analytics, services
from yiwang.hotline.analytics import Window
from yiwang.hotline.models import DispatchRule, Feedback, Topic, WorkOrder

pytestmark = pytest.mark.django_db

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
DAY = dt.date(2026, 3, 10)
WINDOW = Window(dt.date(2026, 3, 1), dt.date(2026, 3, 20))


@pytest.fixture(autouse=True)
def _no_model(settings: Any, tmp_path: Any) -> None:
    (tmp_path / "keys").mkdir(exist_ok=True)
    settings.DATA_DIR = tmp_path
    from yiwang.hotline import classifier

    classifier.forget()


@pytest.fixture
def setup(
    topics: Any,
    deadline_rules: None,
    agent: Any,
    lead_clerk: Any,
    supporting_department: Any,
    regions: Any,
) -> Any:
    """A second group (02 市容环境 › 0201 占道经营) led by the supporting department."""
    group = Topic.objects.create(code="02", name="市容环境")
    street = Topic.objects.create(code="0201", name="占道经营", parent=group)
    DispatchRule.objects.create(topic=street, region=regions.wuhan, lead=supporting_department)
    return topics


def at(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SHANGHAI)


def order(agent: Any, when: dt.datetime, **overrides: Any) -> WorkOrder:
    """An order filed by phone, then moved by hand to ``when``."""
    fields: dict[str, Any] = {
        "channel": "phone",
        "category": "complaint",
        "title": "物业不作为",
        "content": "小区物业长期不打扫楼道，请督促整改。",
        "region_code": "420106",
        "latitude": "30.560000",
        "longitude": "114.300000",
        "topic_code": "0101",
        "contact_phone": "13812345678",
    }
    fields.update(overrides)
    made = services.create_order(actor=agent, **fields)
    WorkOrder.objects.filter(pk=made.pk).update(created_at=when)
    made.refresh_from_db()
    return made


def test_volume_by_day_topic_region_department_channel_and_category(setup: Any, agent: Any) -> None:
    # Given three orders on DAY (one at 23:30 Beijing time, 15:30 UTC), one just after
    # midnight the next day (still the 10th in UTC), one a week later in a street of the
    # district, one for the whole city, and one before the range
    order(agent, at(DAY, 9))
    order(agent, at(DAY, 14), topic_code="0102", category="help")
    order(agent, at(DAY, 23, 30), topic_code="0201", latitude=None, longitude=None)
    order(agent, at(DAY + dt.timedelta(days=1), 0, 30))
    late = order(agent, at(dt.date(2026, 3, 17)), region_code="420106001", topic_code="0201")
    order(agent, at(dt.date(2026, 3, 18)), region_code="4201", topic_code="0102")
    order(agent, at(dt.date(2026, 2, 1)))
    WorkOrder.objects.filter(pk=late.pk).update(channel="grid")

    # When the centre's figures are taken for 武汉市 over WINDOW
    report = analytics.report({"4201"}, WINDOW)

    # Then every day of the range has a row, in Beijing time, zeros included
    days = dict(report.by_day)
    assert len(report.by_day) == 20 and list(days) == WINDOW.each_day()
    assert days[DAY] == 3 and days[DAY + dt.timedelta(days=1)] == 1
    assert days[dt.date(2026, 3, 1)] == 0 and report.total == 6
    # by topic, top-level and leaf, most first
    groups = {g.key: (g.label, g.count) for g in report.by_group}
    assert groups == {"01": ("住房与物业", 4), "02": ("市容环境", 2)}
    assert report.by_group[0].key == "01"
    leaves = {t.key: (t.count, t.parent) for t in report.by_topic}
    assert leaves == {"0101": (2, "01"), "0102": (2, "01"), "0201": (2, "02")}
    # by district (a street's order counts for its district; the city's stays the city's)
    assert {r.key: (r.label, r.count) for r in report.by_region} == {
        "420106": ("武昌区", 5),
        "4201": ("武汉市", 1),
    }
    # by lead department
    assert {d.key: d.count for d in report.by_department} == {"4201-ZFGXJ": 4, "4201-CGW": 2}
    # by channel and category
    assert {c.key: c.count for c in report.by_channel} == {"phone": 5, "grid": 1}
    assert {c.key: c.count for c in report.by_category} == {"complaint": 5, "help": 1}
    assert report.by_category[0].label == "投诉"

    # And narrowed to 武昌区, the city-wide order is left out
    assert analytics.report({"420106"}, WINDOW).total == 5


def test_three_rates_with_the_counts_behind_them(
    setup: Any, agent: Any, lead_clerk: Any, citizen: Any
) -> None:
    # Given three completed orders of the lead department, two by their due time and one
    # after it, and one still open
    done = []
    for n in range(3):
        made = order(agent, at(DAY, 9 + n), citizen=citizen if n == 2 else None)
        services.reply(actor=lead_clerk, order=made, content="已整改。")
        services.complete(actor=agent, order=made)
        done.append(made)
    order(agent, at(DAY, 15))
    due = at(DAY + dt.timedelta(days=5))
    WorkOrder.objects.filter(pk__in=[done[0].pk, done[1].pk]).update(
        due_at=due, completed_at=due - dt.timedelta(hours=1)
    )
    WorkOrder.objects.filter(pk=done[2].pk).update(
        due_at=due, completed_at=due + dt.timedelta(hours=1)
    )
    # and two ratings: a callback (5, solved) and the citizen's own (2, not solved)
    services.record_callback(actor=agent, order=done[0], score=5, resolved=True)
    services.rate(actor=citizen, order=done[2], score=2, comment="没解决")
    assert Feedback.objects.filter(by_callback=False).count() == 1

    # When the figures are taken
    report = analytics.report({"4201"}, WINDOW)

    # Then the lead department's on-time rate is 2/3, resolution 1/2, satisfaction 1/2
    (rates,) = report.rates
    assert (rates.code, rates.orders) == ("4201-ZFGXJ", 4)
    assert (rates.on_time.part, rates.on_time.whole) == (2, 3)
    assert rates.on_time.percent == "66.7%"
    assert (rates.resolution.part, rates.resolution.whole) == (1, 2)
    assert (rates.satisfaction.part, rates.satisfaction.whole) == (1, 2)
    assert rates.satisfaction.percent == "50.0%"


def test_a_department_with_nothing_completed_has_no_rate(setup: Any, agent: Any) -> None:
    order(agent, at(DAY))
    (rates,) = analytics.report({"4201"}, WINDOW).rates
    assert rates.on_time.whole == 0 and rates.on_time.value is None
    assert rates.on_time.percent == "—"


def test_hot_topics_rising_this_week(setup: Any, agent: Any) -> None:
    # Given, for the week to 20 March: 0101 four orders against one the week before; 0102
    # five new ones; 0201 only two (below the minimum volume); and an older 0101 order
    on = dt.date(2026, 3, 20)
    this_week = [on - dt.timedelta(days=n) for n in range(7)]
    for day in this_week[:4]:
        order(agent, at(day))
    order(agent, at(on - dt.timedelta(days=9)))
    for day in this_week[:5]:
        order(agent, at(day), topic_code="0102")
    for day in this_week[:2]:
        order(agent, at(day), topic_code="0201")
    order(agent, at(on - dt.timedelta(days=20)))

    # When the hot topics are taken
    hot, week = analytics.hot_topics({"4201"}, on)

    # Then both rising topics are listed with their counts and change, ranked by growth
    assert week == Window(dt.date(2026, 3, 14), on)
    assert [(h.code, h.current, h.previous, h.change) for h in hot] == [
        ("0102", 5, 0, 5),
        ("0101", 4, 1, 3),
    ]
    assert hot[0].growth is None and hot[1].growth == 3.0
    assert hot[1].growth_percent == "300%"


def test_map_points_capped_with_the_rest_counted(setup: Any, agent: Any) -> None:
    first = order(agent, at(DAY, 9), latitude="30.550000", longitude="114.310000")
    second = order(agent, at(DAY, 10))
    order(agent, at(DAY, 11), latitude=None, longitude=None)

    found = analytics.map_points({"4201"}, WINDOW)
    assert found.total == 2 and found.left_out == 0
    assert [p.number for p in found.points] == [second.number, first.number]
    point = found.points[1]
    assert (point.latitude, point.longitude, point.status, point.topic) == (
        30.55,
        114.31,
        "dispatched",
        "物业服务",
    )

    capped = analytics.map_points({"4201"}, WINDOW, limit=1)
    assert len(capped.points) == 1 and capped.total == 2 and capped.left_out == 1


def test_the_default_window_is_the_last_30_days() -> None:
    window = analytics.default_window(dt.date(2026, 3, 31))
    assert window == Window(dt.date(2026, 3, 2), dt.date(2026, 3, 31)) and window.days == 30


def test_a_report_takes_the_same_number_of_queries_for_more_orders(
    setup: Any, agent: Any, lead_clerk: Any
) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            analytics.report({"4201"}, WINDOW)
        return len(captured)

    made = order(agent, at(DAY))
    services.reply(actor=lead_clerk, order=made, content="已整改。")
    services.complete(actor=agent, order=made)
    services.record_callback(actor=agent, order=made, score=4)
    few = queries()
    for n in range(12):
        order(agent, at(DAY + dt.timedelta(days=n % 5)), topic_code=("0101", "0102", "0201")[n % 3])
    assert queries() == few <= 12
