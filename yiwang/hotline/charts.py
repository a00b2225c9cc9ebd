"""The geometry of the analytics page's charts, drawn as SVG on the server: no script and no
inline style (the Content-Security-Policy allows neither), colours from CSS classes in
``hotline-centre.css``, and a table beside every chart with the same figures.

* :func:`columns`: a column per day (orders by day);
* :func:`bars`: a horizontal bar per row (orders by topic);
* :func:`scatter`: the orders' coordinates within their bounding box (a map without tiles:
  the machine is offline, and no map file is needed), one mark per order, its shape and colour
  by status group, each a link to the order."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from yiwang.hotline.analytics import MapPoint
from yiwang.hotline.models import OrderStatus

WIDTH = 640
COLUMNS_HEIGHT = 220
AXIS_LEFT = 40
AXIS_BOTTOM = 28
TOP = 12
BAR_HEIGHT = 26
LABEL_WIDTH = 150
LABEL_CHARS = 10
MAP_MIN_HEIGHT = 260
MAP_MAX_HEIGHT = 560
MAP_MARGIN = 16
#: The share of the points' extent added on each side (no mark on the frame).
PAD = 0.06
#: Degrees added around a single point (or a line of points) so it has a box.
MIN_SPAN = 0.01

#: Status → the group a map point is drawn as (shape and colour; the legend names each).
STATUS_GROUPS: dict[str, str] = {
    OrderStatus.RECEIVED: "new",
    OrderStatus.DISPATCHED: "open",
    OrderStatus.IN_PROGRESS: "open",
    OrderStatus.REOPENED: "open",
    OrderStatus.REPLIED: "replied",
    OrderStatus.COMPLETED: "done",
    OrderStatus.CLOSED: "done",
    OrderStatus.MERGED: "merged",
}


def group_labels() -> list[tuple[str, str]]:
    return [
        ("new", _("待派单")),
        ("open", _("办理中")),
        ("replied", _("已答复")),
        ("done", _("已办结")),
        ("merged", _("已并单")),
    ]


def _nice(top: int) -> int:
    """A round number at least ``top`` for the axis (1, 2, 5, 10, 20, 50, ...)."""
    if top <= 1:
        return 1
    magnitude: int = 10 ** math.floor(math.log10(top))
    for step in (1, 2, 5, 10):
        if step * magnitude >= top:
            return int(step * magnitude)
    return int(10 * magnitude)


@dataclass(frozen=True)
class Column:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: int


def columns(series: Sequence[tuple[dt.date, int]]) -> dict[str, Any]:
    """Columns of a day series, with a few date labels along the bottom and the scale's top."""
    count = max(len(series), 1)
    plot_width = WIDTH - AXIS_LEFT - 8
    plot_height = COLUMNS_HEIGHT - AXIS_BOTTOM - TOP
    top = _nice(max((n for _d, n in series), default=0))
    step = plot_width / count
    gap = min(2.0, step / 4)
    drawn = []
    for i, (day, n) in enumerate(series):
        height = n / top * plot_height
        drawn.append(
            Column(
                x=round(AXIS_LEFT + i * step + gap / 2, 2),
                y=round(TOP + plot_height - height, 2),
                width=round(max(step - gap, 0.5), 2),
                height=round(height, 2),
                label=day.isoformat(),
                value=n,
            )
        )
    every = max(1, math.ceil(count / 6))
    ticks = [
        {"x": round(AXIS_LEFT + (i + 0.5) * step, 2), "label": f"{day:%m-%d}"}
        for i, (day, _n) in enumerate(series)
        if i % every == 0
    ]
    return {
        "columns": drawn,
        "ticks": ticks,
        "top": top,
        "width": WIDTH,
        "height": COLUMNS_HEIGHT,
        "axis_left": AXIS_LEFT,
        "axis_y": TOP + plot_height,
        "axis_top": TOP,
        "axis_right": WIDTH - 8,
        "label_y": COLUMNS_HEIGHT - 8,
    }


@dataclass(frozen=True)
class Bar:
    y: int
    width: int
    label: str
    value: int


def bars(rows: Sequence[tuple[str, int]]) -> dict[str, Any]:
    """A horizontal bar per (label, value), the longest filling the width."""
    top = max((n for _l, n in rows), default=0) or 1
    span = WIDTH - LABEL_WIDTH - 60
    drawn = [
        Bar(
            y=i * BAR_HEIGHT,
            width=max(1, round(n / top * span)) if n else 0,
            label=label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…",
            value=n,
        )
        for i, (label, n) in enumerate(rows)
    ]
    return {
        "bars": drawn,
        "width": WIDTH,
        "height": max(len(drawn), 1) * BAR_HEIGHT,
        "label_x": LABEL_WIDTH,
        "bar_x": LABEL_WIDTH + 6,
    }


@dataclass(frozen=True)
class Mark:
    point: MapPoint
    x: float
    y: float
    group: str
    #: A polygon's points (triangles and diamonds), "" for circles and squares.
    polygon: str
    status_label: str

    @property
    def left(self) -> float:  # a square's corner
        return round(self.x - 4.5, 1)

    @property
    def top(self) -> float:
        return round(self.y - 4.5, 1)


def _shape(group: str, x: float, y: float) -> str:
    r = 5.5
    if group == "replied":
        return f"{x:.1f},{y - r:.1f} {x + r:.1f},{y + r * 0.8:.1f} {x - r:.1f},{y + r * 0.8:.1f}"
    if group == "done":
        return f"{x:.1f},{y - r:.1f} {x + r:.1f},{y:.1f} {x:.1f},{y + r:.1f} {x - r:.1f},{y:.1f}"
    return ""


def scatter(points: Sequence[MapPoint]) -> dict[str, Any] | None:
    """The points within their bounding box (equirectangular, east to the right, north up,
    a degree of longitude shortened by the cosine of the latitude so distances look right)."""
    if not points:
        return None
    lats = [p.latitude for p in points]
    lngs = [p.longitude for p in points]
    south, north = min(lats), max(lats)
    west, east = min(lngs), max(lngs)
    pad_lat, pad_lng = (north - south) * PAD, (east - west) * PAD
    south, north, west, east = south - pad_lat, north + pad_lat, west - pad_lng, east + pad_lng
    if north - south < MIN_SPAN:
        south, north = south - MIN_SPAN / 2, north + MIN_SPAN / 2
    if east - west < MIN_SPAN:
        west, east = west - MIN_SPAN / 2, east + MIN_SPAN / 2
    shrink = max(math.cos(math.radians((north + south) / 2)), 0.1)
    inner = WIDTH - 2 * MAP_MARGIN
    lng_span, lat_span = east - west, north - south
    height = inner * lat_span / (lng_span * shrink)
    if height > MAP_MAX_HEIGHT - 2 * MAP_MARGIN:  # tall: widen the box east and west
        height = MAP_MAX_HEIGHT - 2 * MAP_MARGIN
        wanted = lat_span * inner / height / shrink
        west, east = west - (wanted - lng_span) / 2, east + (wanted - lng_span) / 2
    elif height < MAP_MIN_HEIGHT - 2 * MAP_MARGIN:  # flat: widen it north and south
        height = MAP_MIN_HEIGHT - 2 * MAP_MARGIN
        wanted = lng_span * shrink * height / inner
        south, north = south - (wanted - lat_span) / 2, north + (wanted - lat_span) / 2
    lng_span, lat_span = east - west, north - south
    labels = dict(OrderStatus.choices)
    marks = []
    for p in points:
        x = MAP_MARGIN + (p.longitude - west) / lng_span * inner
        y = MAP_MARGIN + (north - p.latitude) / lat_span * height
        group = STATUS_GROUPS.get(p.status, "open")
        label = str(labels.get(p.status, p.status))
        marks.append(Mark(p, round(x, 1), round(y, 1), group, _shape(group, x, y), label))
    return {
        "marks": marks,
        "width": WIDTH,
        "height": round(height + 2 * MAP_MARGIN),
        "box": {
            "south": f"{south:.4f}",
            "north": f"{north:.4f}",
            "west": f"{west:.4f}",
            "east": f"{east:.4f}",
        },
    }
