"""Shapes of catalogue content: the API's inputs and outputs, also used by the staff pages and
the Excel/JSON import, so every way in is validated the same."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from ninja import Schema
from pydantic import Field, field_validator

from yiwang.catalog.models import (
    Channel,
    HandlingKind,
    ItemType,
    MaterialForm,
    MaterialSource,
    ResultType,
    ServiceObject,
    Theme,
)
from yiwang.kernel.models import RegionLevel

CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"


def _choices(values: list[str], allowed: type[Any], *, non_empty: bool = True) -> list[str]:
    unknown = [v for v in values if v not in allowed.values]
    if unknown:
        raise ValueError(
            f"unknown value(s) {', '.join(unknown)}; allowed: {', '.join(allowed.values)}"
        )
    if non_empty and not values:
        raise ValueError("at least one value is required")
    return list(dict.fromkeys(values))


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _no_control_characters(value: Any) -> Any:
    if isinstance(value, str) and _CONTROL.search(value):
        raise ValueError("text must not contain control characters")
    if isinstance(value, list):
        for element in value:
            _no_control_characters(element)
    if isinstance(value, dict):  # a form's JSON Schema and UI hints, keys included
        for key, element in value.items():
            _no_control_characters(key)
            _no_control_characters(element)
    return value


class InputSchema(Schema):
    """An input shape: no text field may carry control characters (a NUL cannot even be
    stored in PostgreSQL; the others are pasting accidents nobody means)."""

    @field_validator("*", mode="after")
    @classmethod
    def _clean_text(cls, value: Any) -> Any:
        return _no_control_characters(value)


class FeeIn(InputSchema):
    name: str = Field(min_length=1, max_length=100)
    amount: Decimal = Field(ge=0, max_digits=10, decimal_places=2, description="yuan")
    basis: str = Field("", max_length=300)


class MaterialIn(InputSchema):
    code: str = Field(min_length=1, max_length=40, pattern=CODE_PATTERN)
    name: str = Field(min_length=1, max_length=200)
    form: MaterialForm = MaterialForm.ELECTRONIC
    copies: int = Field(1, ge=0, le=20)
    required: bool = True
    source: MaterialSource = MaterialSource.UPLOAD
    license_type: str = Field("", max_length=64)
    shared_data: str = Field("", max_length=64)
    meaning: str = Field("", max_length=100)
    note: str = Field("", max_length=500)


class _AudienceIn(InputSchema):
    """Who a service is for and its themes, as items and life events state them."""

    @field_validator("service_objects", check_fields=False)
    @classmethod
    def _objects(cls, v: list[str]) -> list[str]:
        return _choices(v, ServiceObject)

    @field_validator("themes", check_fields=False)
    @classmethod
    def _themes(cls, v: list[str]) -> list[str]:
        return _choices(v, Theme, non_empty=False)


class ItemIn(_AudienceIn):
    code: str = Field(min_length=1, max_length=32, pattern=CODE_PATTERN)
    name: str = Field(min_length=1, max_length=200)
    item_type: ItemType
    department_code: str = Field(min_length=1, max_length=32)
    legal_basis: str = Field(min_length=1, max_length=5000)
    handling_levels: list[str] = Field(min_length=1)
    service_objects: list[str] = Field(min_length=1)
    themes: list[str] = []
    acceptance_conditions: str = Field("", max_length=5000)
    process_description: str = Field("", max_length=5000)
    statutory_limit_days: int | None = Field(None, ge=0, le=3650)
    fees: list[FeeIn] = []
    result_type: ResultType
    result_name: str = Field("", max_length=200)
    result_license_type: str = Field("", max_length=64)
    channels: list[str] = Field(min_length=1)
    max_trips: int = Field(1, ge=0, le=5)
    materials: list[MaterialIn] = []

    @field_validator("handling_levels")
    @classmethod
    def _levels(cls, v: list[str]) -> list[str]:
        return _choices(v, RegionLevel)

    @field_validator("channels")
    @classmethod
    def _channels(cls, v: list[str]) -> list[str]:
        return _choices(v, Channel)


class VersionIn(InputSchema):
    """The fields of an implementation a department sets locally. The four elements that
    must match the master item (name, code, type, legal basis) are inherited, not given."""

    handling_kind: HandlingKind = HandlingKind.PROMISED
    promised_limit_days: int | None = Field(None, ge=1, le=3650)
    acceptance_conditions: str | None = Field(None, max_length=5000)
    service_objects: list[str] | None = None
    channels: list[str] | None = None
    max_trips: int | None = Field(None, ge=0, le=5)
    fees: list[FeeIn] | None = None
    hall_address: str = Field("", max_length=300)
    office_hours: str = Field("", max_length=200)
    phone: str = Field("", max_length=40)
    complaint_phone: str = Field("", max_length=40)
    form_schema: dict[str, Any] = {}
    form_ui: dict[str, Any] = {}
    process_bpmn: str = Field("", max_length=512 * 1024)
    decision_dmn: str = Field(
        "", max_length=256 * 1024, description="秒批: a DMN decision table (empty: none)"
    )
    materials: list[MaterialIn] | None = Field(
        None, description="omit to keep the master item's materials"
    )

    @field_validator("service_objects")
    @classmethod
    def _objects(cls, v: list[str] | None) -> list[str] | None:
        return None if v is None else _choices(v, ServiceObject)

    @field_validator("channels")
    @classmethod
    def _channels(cls, v: list[str] | None) -> list[str] | None:
        return None if v is None else _choices(v, Channel)


class ImplementationIn(VersionIn):
    item_code: str = Field(min_length=1, max_length=32)
    department_code: str = Field(min_length=1, max_length=32)


class ReviewIn(InputSchema):
    comment: str = Field("", max_length=1000)


class WithdrawIn(InputSchema):
    reason: str = Field(min_length=1, max_length=300)


class LifeEventIn(_AudienceIn):
    code: str = Field(min_length=1, max_length=40, pattern=CODE_PATTERN)
    name: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=5000)
    department_code: str = Field(min_length=1, max_length=32)
    service_objects: list[str] = Field(min_length=1)
    themes: list[str] = []
    promised_limit_days: int | None = Field(None, ge=1, le=3650)
    members: list[str] = Field(
        description="implementation codes, or life-event codes prefixed with 'event:'"
    )


# --- outputs ----------------------------------------------------------------------------


class FeeOut(Schema):
    name: str
    amount: Decimal
    basis: str = ""


class MaterialOut(Schema):
    code: str
    name: str
    form: str
    copies: int
    required: bool
    source: str
    license_type: str
    shared_data: str
    meaning: str = Field(alias="meaning_key")
    exempt_possible: bool
    note: str


class ItemOut(Schema):
    code: str
    name: str
    item_type: str
    department_code: str
    department_name: str
    legal_basis: str
    handling_levels: list[str]
    service_objects: list[str]
    themes: list[str]
    acceptance_conditions: str
    process_description: str
    statutory_limit_days: int | None
    fees: list[FeeOut]
    result_type: str
    result_name: str
    result_license_type: str
    channels: list[str]
    max_trips: int
    revision: int
    is_active: bool
    materials: list[MaterialOut]


class VersionOut(Schema):
    number: int
    status: str
    name: str
    item_code: str
    item_type: str
    legal_basis: str
    handling_kind: str
    statutory_limit_days: int | None
    promised_limit_days: int | None
    acceptance_conditions: str
    service_objects: list[str]
    channels: list[str]
    max_trips: int
    fees: list[FeeOut]
    result_type: str
    result_name: str
    result_license_type: str
    hall_address: str
    office_hours: str
    phone: str
    complaint_phone: str
    form_schema: dict[str, Any]
    form_ui: dict[str, Any]
    process_bpmn: str
    decision_dmn: str
    review_comment: str
    created_at: dt.datetime
    submitted_at: dt.datetime | None
    reviewed_at: dt.datetime | None
    published_at: dt.datetime | None
    ended_at: dt.datetime | None
    end_reason: str
    materials: list[MaterialOut]


class ImplementationOut(Schema):
    code: str
    item_code: str
    department_code: str
    department_name: str
    region_code: str
    region_name: str
    current_version: int | None
    latest_version: int
    latest_status: str


class ConsistencyRow(Schema):
    implementation_code: str
    department_name: str
    region_code: str
    version: int
    field: str
    local_value: str
    master_value: str


class MergedMaterialOut(Schema):
    meaning: str
    name: str
    required: bool
    exempt_possible: bool
    copies: int
    sources: list[str]


class LifeEventOut(Schema):
    code: str
    name: str
    description: str
    region_code: str
    department_code: str
    service_objects: list[str]
    themes: list[str]
    status: str
    promised_limit_days: int | None
    members: list[str]


class MergedLifeEventOut(Schema):
    code: str
    name: str
    implementations: list[str]
    form_schema: dict[str, Any]
    form_ui: dict[str, Any]
    materials: list[MergedMaterialOut]


class SearchHitOut(Schema):
    key: str
    title: str
    summary: str
    url: str
    data: dict[str, Any]
    score: float


class SearchOut(Schema):
    total: int
    terms: list[str]
    results: list[SearchHitOut]


class ImportOut(Schema):
    items_created: int
    items_updated: int
    items_unchanged: int
    materials: int
    implementations_created: int
    implementations_updated: int
    implementations_unchanged: int
