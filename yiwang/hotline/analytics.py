"""The centre's figures (统计分析): how many orders, on what, from where, handled by whom, and how
well (三率). Read-only: every function here only queries.

Every figure is about the orders *received* (受理, ``created_at``) in a date range — whole days
in the project's time zone — and in a set of regions (the user's centre reach, or one region
inside it). Each breakdown is one ``GROUP BY`` in the database, so a report takes a fixed small
number of queries whatever the number of orders (see :func:`report`).

The 三率 per lead department (主办部门):

* on-time rate (按时办结率): orders completed by their due time / orders completed;
* resolution rate (解决率): feedback saying the problem was solved / feedback;
* satisfaction rate (满意率): feedback scoring 4 or 5 / feedback.

Feedback is each round's callback (回访) or the citizen's own rating (评价), one row per round
as :class:`~yiwang.hotline.models.Feedback` keeps them; the counts behind each rate come with
it, so a reader can check the arithmetic."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Substr, TruncDate
from django.utils import timezone

from yiwang.hotline.models import Category, Channel, Feedback, Topic, WorkOrder
from yiwang.kernel.models import Department, Region, RegionLevel

#: The default range: the last this many days, today included.
DEFAULT_DAYS = 30
#: The longest range a report covers (the day series has a row per day).
MAX_DAYS = 366
#: A hot topic has at least this many orders in the last seven days.
HOT_MIN_VOLUME = 3
#: How many hot topics are listed.
HOT_LIMIT = 10
#: How many orders the map shows at most (the newest); the rest are counted.
MAP_LIMIT = 500
#: Length of a district's (县级) region code.
DISTRICT_CODE = 6
#: Scores counted as satisfied.
SATISFIED_SCORES = (4, 5)


def project_zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


@dataclass(frozen=True)
class Window:
    """Whole days from ``start`` to ``end``, both included, in the project's time zone."""

    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def since(self) -> dt.datetime:
        return _midnight(self.start)

    def until(self) -> dt.datetime:
        """The first instant after the range."""
        return _midnight(self.end + dt.timedelta(days=1))

    def each_day(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=n) for n in range(self.days)]


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=project_zone())


def today() -> dt.date:
    return timezone.localtime(timezone.now(), project_zone()).date()


def default_window(on: dt.date | None = None) -> Window:
    """The last :data:`DEFAULT_DAYS` days, ``on`` (today) included."""
    end = on or today()
    return Window(end - dt.timedelta(days=DEFAULT_DAYS - 1), end)


# --- the figures --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bucket:
    """One row of a breakdown: a key (code), what to call it, and how many orders."""

    key: str
    label: str
    count: int


@dataclass(frozen=True)
class TopicCount:
    key: str  # the topic's code, "" for orders without a topic
    label: str
    count: int
    parent: str = ""  # the top-level topic's code (leaf rows)


@dataclass(frozen=True)
class HotTopic:
    code: str
    name: str
    current: int  # orders in the last seven days
    previous: int  # orders in the seven days before
    change: int
    #: ``change / previous`` (None when there were none before: a new topic this week).
    growth: float | None

    @property
    def growth_percent(self) -> str:
        return "" if self.growth is None else f"{self.growth * 100:.0f}%"


@dataclass(frozen=True)
class Rate:
    """``part`` of ``whole``; ``value`` is None when there is nothing to divide by."""

    part: int
    whole: int

    @property
    def value(self) -> float | None:
        return self.part / self.whole if self.whole else None

    @property
    def percent(self) -> str:
        value = self.value
        return "—" if value is None else f"{value * 100:.1f}%"


@dataclass(frozen=True)
class DepartmentRates:
    department_id: int | None
    code: str
    name: str
    orders: int  # orders it leads (received in the range)
    on_time: Rate  # completed by the due time / completed
    resolution: Rate  # resolved feedback / feedback
    satisfaction: Rate  # scores 4–5 / feedback


@dataclass(frozen=True)
class MapPoint:
    order_id: int
    number: str
    latitude: float
    longitude: float
    status: str
    topic: str


@dataclass(frozen=True)
class MapPoints:
    points: list[MapPoint]
    total: int  # orders with coordinates

    @property
    def left_out(self) -> int:
        return self.total - len(self.points)


@dataclass
class Report:
    window: Window
    regions: frozenset[str]
    total: int = 0
    by_day: list[tuple[dt.date, int]] = field(default_factory=list)
    by_group: list[TopicCount] = field(default_factory=list)  # top-level topics
    by_topic: list[TopicCount] = field(default_factory=list)  # leaf topics
    by_region: list[Bucket] = field(default_factory=list)  # districts
    by_department: list[Bucket] = field(default_factory=list)  # lead departments
    by_channel: list[Bucket] = field(default_factory=list)
    by_category: list[Bucket] = field(default_factory=list)
    hot: list[HotTopic] = field(default_factory=list)
    hot_window: Window | None = None
    rates: list[DepartmentRates] = field(default_factory=list)
    map: MapPoints = field(default_factory=lambda: MapPoints([], 0))


# --- the scope ----------------------------------------------------------------------------------


def _region_q(regions: Iterable[str], prefix: str = "") -> Q:
    condition = Q(pk__in=[])
    for code in regions:
        condition |= Q(**{f"{prefix}region__code__startswith": code})
    return condition


def orders_in(regions: Iterable[str], window: Window) -> QuerySet[WorkOrder]:
    """The orders received in ``window`` in ``regions`` (and the regions below them)."""
    return WorkOrder.objects.filter(
        _region_q(regions), created_at__gte=window.since(), created_at__lt=window.until()
    ).order_by()


def region_choices(reach: Iterable[str]) -> list[tuple[str, str]]:
    """The regions a report may be narrowed to: the reach and its cities and districts."""
    reach = frozenset(reach)
    levels = (RegionLevel.PROVINCE, RegionLevel.CITY, RegionLevel.COUNTY)
    condition = Q(pk__in=[])
    for code in reach:
        condition |= Q(code__startswith=code)
    found = Region.objects.filter(condition).filter(Q(level__in=levels) | Q(code__in=reach))
    return [(r.code, f"{r.name}（{r.code}）") for r in found.order_by("code")]


# --- one breakdown each -------------------------------------------------------------------------


def by_day(regions: Iterable[str], window: Window) -> list[tuple[dt.date, int]]:
    """Orders per day, every day of the range (zeros included)."""
    rows = (
        orders_in(regions, window)
        .annotate(day=TruncDate("created_at", tzinfo=project_zone()))
        .values("day")
        .annotate(n=Count("pk"))
    )
    counts = {_as_date(r["day"]): r["n"] for r in rows}
    return [(day, counts.get(day, 0)) for day in window.each_day()]


def _as_date(value: Any) -> dt.date:
    # SQLite may hand back the date as text.
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def by_topic(regions: Iterable[str], window: Window) -> tuple[list[TopicCount], list[TopicCount]]:
    """Orders per top-level topic and per leaf topic, most first (orders without a topic as
    one row with an empty key)."""
    counted = dict(
        orders_in(regions, window)
        .values("topic_id")
        .annotate(n=Count("pk"))
        .values_list("topic_id", "n")
    )
    if not counted:
        return [], []
    topics = {t.pk: t for t in Topic.objects.only("pk", "code", "name", "parent_id")}

    def top(topic: Topic) -> Topic:
        seen = set()
        while topic.parent_id is not None and topic.parent_id in topics and topic.pk not in seen:
            seen.add(topic.pk)
            topic = topics[topic.parent_id]
        return topic

    leaves: list[TopicCount] = []
    groups: dict[str, list[Any]] = {}
    for topic_id, n in counted.items():
        topic = topics.get(topic_id) if topic_id is not None else None
        if topic is None:
            leaves.append(TopicCount("", "", n))
            groups.setdefault("", ["", 0])[1] += n
            continue
        head = top(topic)
        leaves.append(TopicCount(topic.code, topic.name, n, parent=head.code))
        groups.setdefault(head.code, [head.name, 0])[1] += n
    group_rows = [TopicCount(code, name, n) for code, (name, n) in groups.items()]
    return _most_first(group_rows), _most_first(leaves)


def _most_first(rows: list[Any]) -> list[Any]:
    return sorted(rows, key=lambda r: (-r.count, r.key == "", r.key))


def by_region(regions: Iterable[str], window: Window) -> list[Bucket]:
    """Orders per district (区县): an order filed for a street or community counts for its
    district, one filed for a whole city stays with the city."""
    rows = (
        orders_in(regions, window)
        .annotate(district=Substr("region_id", 1, DISTRICT_CODE))
        .values("district")
        .annotate(n=Count("pk"))
        .values_list("district", "n")
    )
    counted: dict[str, int] = {str(code): n for code, n in rows}
    names = {
        code: str(name)
        for code, name in Region.objects.filter(code__in=list(counted)).values_list("code", "name")
    }
    return _most_first([Bucket(code, names.get(code, code), n) for code, n in counted.items()])


def by_channel_and_category(
    regions: Iterable[str], window: Window
) -> tuple[list[Bucket], list[Bucket]]:
    """Orders per channel (来源渠道) and per category (诉求类型), from one query."""
    channels: dict[str, int] = {}
    categories: dict[str, int] = {}
    rows = (
        orders_in(regions, window)
        .values("channel", "category")
        .annotate(n=Count("pk"))
        .values_list("channel", "category", "n")
    )
    for channel, category, n in rows:
        channels[channel] = channels.get(channel, 0) + n
        categories[category] = categories.get(category, 0) + n
    channel_names = dict(Channel.choices)
    category_names = dict(Category.choices)
    return (
        _most_first([Bucket(k, str(channel_names.get(k, k)), n) for k, n in channels.items()]),
        _most_first([Bucket(k, str(category_names.get(k, k)), n) for k, n in categories.items()]),
    )


def hot_topics(
    regions: Iterable[str],
    on: dt.date,
    *,
    min_volume: int = HOT_MIN_VOLUME,
    limit: int = HOT_LIMIT,
) -> tuple[list[HotTopic], Window]:
    """Topics rising this week: orders in the seven days to ``on`` against the seven days
    before, for topics with at least ``min_volume`` orders this week that grew; ranked by
    growth (a topic new this week counts its whole volume as growth), then by volume."""
    this_week = Window(on - dt.timedelta(days=6), on)
    both = Window(on - dt.timedelta(days=13), on)
    recent = Q(created_at__gte=this_week.since())
    rows = (
        orders_in(regions, both)
        .filter(topic__isnull=False)
        .values("topic_id", "topic__code", "topic__name")
        .annotate(current=Count("pk", filter=recent), previous=Count("pk", filter=~recent))
        .filter(current__gte=max(1, min_volume), current__gt=F("previous"))
    )
    found = [
        HotTopic(
            code=r["topic__code"],
            name=r["topic__name"],
            current=r["current"],
            previous=r["previous"],
            change=r["current"] - r["previous"],
            growth=(r["current"] - r["previous"]) / r["previous"] if r["previous"] else None,
        )
        for r in rows
    ]
    found.sort(
        key=lambda h: (-(h.growth if h.growth is not None else float(h.change)), -h.current, h.code)
    )
    return found[:limit], this_week


def department_rates(
    regions: Iterable[str], window: Window
) -> tuple[list[DepartmentRates], list[Bucket]]:
    """The 三率 per lead department, and the orders per lead department (orders not yet
    dispatched as one row with an empty key)."""
    scope = orders_in(regions, window)
    completed = Q(completed_at__isnull=False)
    in_time = completed & (Q(due_at__isnull=True) | Q(completed_at__lte=F("due_at")))
    orders = {
        r["lead_department_id"]: r
        for r in scope.values("lead_department_id").annotate(
            n=Count("pk"),
            completed=Count("pk", filter=completed),
            on_time=Count("pk", filter=in_time),
        )
    }
    feedback = {
        r["order__lead_department_id"]: r
        for r in Feedback.objects.filter(order__in=scope.values("pk"))
        .order_by()
        .values("order__lead_department_id")
        .annotate(
            n=Count("pk"),
            resolved=Count("pk", filter=Q(resolved=True)),
            satisfied=Count("pk", filter=Q(score__in=SATISFIED_SCORES)),
        )
    }
    ids = [k for k in {*orders, *feedback} if k is not None]
    departments = {d.pk: d for d in Department.objects.filter(pk__in=ids).only("code", "name")}
    volume: list[Bucket] = []
    rates: list[DepartmentRates] = []
    for key in {*orders, *feedback}:
        row = orders.get(key, {})
        fb = feedback.get(key, {})
        department = departments.get(key) if key is not None else None
        code = department.code if department else ""
        name = department.name if department else ""
        if row.get("n"):
            volume.append(Bucket(code, name, row["n"]))
        if key is None:
            continue
        rates.append(
            DepartmentRates(
                department_id=key,
                code=code,
                name=name,
                orders=row.get("n", 0),
                on_time=Rate(row.get("on_time", 0), row.get("completed", 0)),
                resolution=Rate(fb.get("resolved", 0), fb.get("n", 0)),
                satisfaction=Rate(fb.get("satisfied", 0), fb.get("n", 0)),
            )
        )
    rates.sort(key=lambda r: (-r.orders, r.code))
    return rates, _most_first(volume)


def map_points(regions: Iterable[str], window: Window, *, limit: int = MAP_LIMIT) -> MapPoints:
    """The newest ``limit`` orders with coordinates, and how many have coordinates in all."""
    located = orders_in(regions, window).filter(latitude__isnull=False, longitude__isnull=False)
    rows = located.order_by("-created_at", "-pk").values_list(
        "pk", "number", "latitude", "longitude", "status", "topic__name"
    )[:limit]
    points = [
        MapPoint(pk, number, float(lat or 0), float(lng or 0), status, name or "")
        for pk, number, lat, lng, status, name in rows
    ]
    total = len(points) if len(points) < limit else located.count()
    return MapPoints(points, total)


def report(regions: Iterable[str], window: Window | None = None) -> Report:
    """Every figure of the analytics page for ``regions`` over ``window`` (default: the last
    :data:`DEFAULT_DAYS` days), in a fixed number of queries."""
    scope = frozenset(regions)
    window = window or default_window()
    found = Report(window=window, regions=scope)
    found.by_day = by_day(scope, window)
    found.total = sum(n for _day, n in found.by_day)
    found.by_group, found.by_topic = by_topic(scope, window)
    found.by_region = by_region(scope, window)
    found.by_channel, found.by_category = by_channel_and_category(scope, window)
    found.rates, found.by_department = department_rates(scope, window)
    found.hot, found.hot_window = hot_topics(scope, window.end)
    found.map = map_points(scope, window)
    return found
