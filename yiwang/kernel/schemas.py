"""API shapes of the kernel."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from ninja import Schema
from pydantic import Field


class ErrorOut(Schema):
    code: str = Field(description="stable machine-readable error code")
    message: str = Field(description="what went wrong, in the request's language")
    details: dict[str, Any] = Field(default_factory=dict)


#: The error responses every endpoint may give, for the OpenAPI schema: spread it into an
#: operation's ``response=`` map, e.g. ``response={200: ThingOut, **ERRORS}``.
ERRORS: dict[int, type[ErrorOut]] = dict.fromkeys(
    (400, 401, 403, 404, 409, 413, 422, 429), ErrorOut
)


class BuiltRows:
    """A query set seen through a row builder, for ``LimitOffsetPagination``: the query set
    is counted and sliced in the database, and only the page's rows are built."""

    def __init__(self, queryset: QuerySet[Any], build: Callable[[Any], dict[str, Any]]) -> None:
        self.queryset = queryset
        self.build = build

    def __len__(self) -> int:
        return self.queryset.count()

    def __getitem__(self, page: slice) -> list[dict[str, Any]]:
        return [self.build(row) for row in self.queryset[page]]


class RegionOut(Schema):
    code: str
    name: str
    level: str
    parent_code: str | None = Field(None, alias="parent_id")
    full_code: str


class RegionImportOut(Schema):
    created: int
    updated: int
    unchanged: int


class DepartmentIn(Schema):
    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=200)
    region_code: str
    credit_code: str = ""


class DepartmentOut(Schema):
    id: int
    code: str
    name: str
    region_code: str = Field(alias="region_id")
    credit_code: str


class FileOut(Schema):
    id: uuid.UUID
    name: str
    content_type: str
    size: int
    sha256: str
    created_at: dt.datetime


class AuditEntryOut(Schema):
    seq: int
    created_at: dt.datetime
    actor_id: int | None
    actor_label: str
    action: str
    target_type: str
    target_id: str
    details: dict[str, Any]
    request_id: str
    source_ip: str | None
    hash: str


class ValidateIn(Schema):
    value: str


class ValidateOut(Schema):
    valid: bool
    normalized: str


class WorkingDaysAddOut(Schema):
    start: dt.date
    days: int
    due: dt.date


class WorkingDaysBetweenOut(Schema):
    start: dt.date
    end: dt.date
    working_days: int


class NodeOut(Schema):
    node_id: str
    public_key_pem: str
    algorithm: str


class RoleOut(Schema):
    role: str
    region_code: str
    department_id: int | None


class MeOut(Schema):
    id: int
    username: str
    is_staff: bool
    mobile: str = Field(description="masked")
    roles: list[RoleOut]
