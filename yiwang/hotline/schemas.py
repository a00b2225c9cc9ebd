"""API shapes of the work-order engine (``/api/v1/hotline/``)."""

from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import Field


class OrderIn(Schema):
    channel: str = Field("web", description="web / mobile / api (citizens); phone / grid (agents)")
    category: str
    title: str = Field("", max_length=1000)
    content: str = Field(max_length=100_000)
    region_code: str = Field(max_length=12)
    address: str = Field("", max_length=1000)
    latitude: float | None = None
    longitude: float | None = None
    urgency: str = "normal"
    topic_code: str | None = Field(None, max_length=32)
    contact_name: str = Field("", max_length=200)
    contact_phone: str = Field("", max_length=40)
    caller_number: str = Field("", max_length=40)
    recording_ref: str = Field("", max_length=200)
    agent_notes: str = Field("", max_length=100_000)
    grid_code: str = Field("", max_length=100)
    confidential: bool = False
    photo_ids: list[str] = Field(default_factory=list, max_length=20)


class DispatchIn(Schema):
    topic_code: str | None = Field(None, max_length=32)
    lead_code: str | None = Field(None, max_length=32)
    supporting_codes: list[str] | None = Field(None, max_length=20)


class SendBackIn(Schema):
    reason: str = Field("", max_length=100_000)
    suggested_code: str | None = Field(None, max_length=32)


class ReviewIn(Schema):
    approve: bool
    note: str = Field("", max_length=5000)
    lead_code: str | None = Field(None, max_length=32)


class ExtensionIn(Schema):
    reason: str = Field("", max_length=100_000)
    amount: int
    unit: str = "working_days"


class DecideIn(Schema):
    approve: bool
    note: str = Field("", max_length=5000)


class ReplyIn(Schema):
    content: str = Field("", max_length=100_000)
    attachment_ids: list[str] = Field(default_factory=list, max_length=20)


class SuperviseIn(Schema):
    note: str = Field("", max_length=100_000)
    escalate: bool = False


class MergeIn(Schema):
    order_ids: list[int] = Field(max_length=50)


class CallbackIn(Schema):
    score: int
    resolved: bool = True
    comment: str = Field("", max_length=100_000)


class RateIn(Schema):
    score: int
    comment: str = Field("", max_length=100_000)


class ReopenIn(Schema):
    reason: str = Field("", max_length=100_000)


class AssignmentOut(Schema):
    id: int
    department_code: str
    department_name: str
    role: str
    status: str
    dispatched_at: dt.datetime
    sign_due_at: dt.datetime
    signed_at: dt.datetime | None
    due_at: dt.datetime
    reply: str
    replied_at: dt.datetime | None


class EventOut(Schema):
    at: dt.datetime
    kind: str
    note: str
    department_code: str | None
    details: dict[str, object]


class OrderOut(Schema):
    id: int
    number: str
    channel: str
    category: str
    topic_code: str | None
    topic_name: str | None
    title: str
    content: str
    region_code: str
    address: str
    latitude: float | None
    longitude: float | None
    urgency: str
    status: str
    status_label: str
    contact_name: str
    contact_phone: str
    caller_number: str
    confidential: bool
    proposed_topic_code: str | None
    proposed_department_code: str | None
    proposal_confidence: float | None
    auto_dispatched: bool
    lead_department_code: str | None
    dispatched_at: dt.datetime | None
    due_at: dt.datetime | None
    seconds_left: int | None
    deadline_state: str
    supervision_level: int
    answer: str
    created_at: dt.datetime
    completed_at: dt.datetime | None
    closed_at: dt.datetime | None
    reopen_count: int
    merged_into: str | None
    assignments: list[AssignmentOut] = Field(default_factory=list)
    timeline: list[EventOut] = Field(default_factory=list)


class SendBackOut(Schema):
    id: int
    order_id: int
    department_code: str
    reason: str
    suggested_code: str | None
    status: str


class ExtensionOut(Schema):
    id: int
    order_id: int
    department_code: str
    reason: str
    amount: int
    unit: str
    status: str


class FeedbackOut(Schema):
    order_id: int
    round: int
    score: int
    resolved: bool
    comment: str
    by_callback: bool


# --- analytics (the centre's figures) --------------------------------------------------------


class DayCountOut(Schema):
    day: dt.date
    count: int


class BucketOut(Schema):
    code: str = Field(description="the key: a region, department, channel or category code")
    name: str
    count: int


class TopicCountOut(Schema):
    code: str = Field(description="the topic's code; empty for orders without a topic")
    name: str
    count: int
    parent: str = Field("", description="the top-level topic's code (leaf topics)")


class HotTopicOut(Schema):
    code: str
    name: str
    current: int = Field(description="orders in the last seven days")
    previous: int = Field(description="orders in the seven days before")
    change: int
    growth: float | None = Field(description="change / previous; null for a topic new this week")


class RateOut(Schema):
    part: int
    whole: int
    rate: float | None = Field(description="part / whole; null when whole is 0")


class DepartmentRatesOut(Schema):
    department_code: str
    department_name: str
    orders: int
    on_time: RateOut = Field(description="completed by the due time / completed")
    resolution: RateOut = Field(description="feedback saying solved / feedback")
    satisfaction: RateOut = Field(description="feedback scoring 4 or 5 / feedback")


class MapPointOut(Schema):
    id: int
    number: str
    latitude: float
    longitude: float
    status: str
    topic: str


class MapOut(Schema):
    points: list[MapPointOut]
    total: int = Field(description="orders with coordinates")
    left_out: int = Field(description="orders with coordinates not listed (over the cap)")


class AnalyticsOut(Schema):
    from_: dt.date = Field(alias="from")
    to: dt.date
    regions: list[str]
    total: int
    by_day: list[DayCountOut]
    by_group: list[TopicCountOut]
    by_topic: list[TopicCountOut]
    by_region: list[BucketOut]
    by_department: list[BucketOut]
    by_channel: list[BucketOut]
    by_category: list[BucketOut]
    hot_from: dt.date
    hot_to: dt.date
    hot: list[HotTopicOut]
    rates: list[DepartmentRatesOut]
    map: MapOut
