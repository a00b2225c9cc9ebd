"""API shapes of the exchange (catalogue, requests, grants, applications, reports,
subscriptions, quality)."""

from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import Field


class FieldIn(Schema):
    name: str = Field(max_length=64)
    title: str = Field(max_length=100)
    type: str = "string"
    personal: bool = False
    authoritative_source: str = Field("", max_length=32)


class ResourceMetaIn(Schema):
    classification: str = Field(max_length=64)
    name: str = Field(max_length=200)
    abstract: str
    format: str = Field(max_length=32)
    share_type: str
    share_conditions: str = ""
    legal_basis: str = ""
    share_methods: list[str] = Field(default_factory=list)
    open_type: str
    update_cycle: str
    fields: list[FieldIn]


class ResourceIn(ResourceMetaIn):
    code: str = Field(max_length=64)
    provider_code: str = Field(max_length=32)


class FieldOut(Schema):
    name: str
    title: str
    type: str
    personal: bool
    authoritative_source: str


class MountOut(Schema):
    kind: str
    source: str
    key_field: str
    row_count: int | None
    data_updated_at: dt.datetime | None


class ResourceOut(Schema):
    code: str
    classification: str
    name: str
    provider_code: str
    provider_name: str
    abstract: str
    format: str
    share_type: str
    share_conditions: str
    legal_basis: str
    share_methods: list[str]
    open_type: str
    update_cycle: str
    status: str
    version: int
    publish_date: dt.date | None
    fields: list[FieldOut]
    mount: MountOut | None = None


class ReasonIn(Schema):
    reason: str = ""


class MountTableIn(Schema):
    source_name: str = Field(max_length=200)


class MountApiIn(Schema):
    url: str = Field(max_length=200)
    key_field: str = ""


class ShareRequestIn(Schema):
    resource_code: str
    fields: list[str] = Field(default_factory=list, description="empty: every field")
    purpose: str
    legal_basis: str
    valid_until: dt.date | None = None


class DecisionIn(Schema):
    approve: bool
    fields: list[str] | None = None
    personal_unmasked: bool = False
    expires_at: dt.datetime | None = None
    reason: str = ""
    #: Gateway calls a minute (1..100000); the default (600) when left out.
    rate_limit_per_minute: int | None = None


class ShareRequestOut(Schema):
    id: int
    resource_code: str
    resource_name: str
    provider_code: str
    consumer_code: str
    fields: list[str]
    purpose: str
    legal_basis: str
    valid_until: dt.date | None
    status: str
    due_on: dt.date | None
    requested_at: dt.datetime
    decided_at: dt.datetime | None
    decision_reason: str
    grant_id: int | None


class GrantOut(Schema):
    id: int
    request_id: int
    resource_code: str
    resource_name: str
    consumer_code: str
    fields: list[str]
    personal_unmasked: bool
    rate_limit_per_minute: int
    granted_at: dt.datetime
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None
    state: str


class AppIn(Schema):
    name: str = Field(max_length=100)


class AppOut(Schema):
    id: int
    name: str
    department_code: str
    oauth_client_id: str
    api_key_prefix: str
    is_active: bool
    created_at: dt.datetime


class AppKeyOut(Schema):
    app: AppOut
    api_key: str = Field(description="shown only now; only its hash is kept")


class OAuthClientOut(Schema):
    client_id: str
    client_secret: str = Field(description="shown only now")


class ReportIn(Schema):
    resource_code: str
    record_key: str
    field_name: str
    description: str


class ResolveIn(Schema):
    corrected: bool
    resolution: str


class ReportOut(Schema):
    id: int
    resource_code: str
    reporter_code: str
    record_key: str
    field_name: str
    description: str
    status: str
    due_on: dt.date
    reported_at: dt.datetime
    resolved_at: dt.datetime | None
    resolution: str


class SubscriptionIn(Schema):
    grant_id: int
    app_id: int
    callback_url: str = ""


class SubscriptionOut(Schema):
    id: int
    grant_id: int
    resource_code: str
    app_id: int
    callback_url: str
    created_at: dt.datetime
    cancelled_at: dt.datetime | None
    last_delivered_at: dt.datetime | None


class QualityOut(Schema):
    department_code: str | None
    resources: int
    published: int
    mounted: int
    mount_rate: float
    fresh: int
    freshness_rate: float
    open_reports: int
    overdue_reports: int
    calls_30d: int


class SearchOut(Schema):
    total: int
    items: list[ResourceOut]
