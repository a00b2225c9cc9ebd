"""API shapes of cases (办件): applying and window intake."""

import datetime as dt
import uuid
from typing import Any

from ninja import Schema
from pydantic import Field


class CaseStartIn(Schema):
    implementation_code: str = Field(min_length=1, max_length=80)
    applicant_id: int | None = Field(
        None, description="a window clerk applying at the hall for this applicant"
    )
    entity_credit_code: str = Field(
        "", max_length=40, description="the applying enterprise's unified social credit code"
    )


class CaseFormIn(Schema):
    form_data: dict[str, Any]


class RefuseIn(Schema):
    reason: str = Field(max_length=2000)


class SupplementItemIn(Schema):
    field: str = Field("", max_length=200, description="e.g. form/applicant_name, materials.M01")
    reason: str = Field("", max_length=1000)


class SupplementIn(Schema):
    items: list[SupplementItemIn] = Field(max_length=200)


class CaseMaterialOut(Schema):
    code: str
    name: str
    required: bool
    status: str
    exempt_by: str
    file_id: uuid.UUID | None


class CaseEventOut(Schema):
    at: dt.datetime
    kind: str
    note: str


class SupplementItemOut(Schema):
    field: str
    reason: str


class CaseOut(Schema):
    id: int
    case_no: str | None = Field(description="given at submission; null while a draft")
    status: str
    status_label: str
    implementation_code: str
    item_name: str
    department: str = Field(description="the handling department's name")
    department_code: str
    channel: str
    entity_credit_code: str
    form_data: dict[str, Any]
    materials: list[CaseMaterialOut]
    supplement: list[SupplementItemOut] = Field(
        description="the open supplement request (一次性告知), empty when there is none"
    )
    created_at: dt.datetime
    submitted_at: dt.datetime | None
    accepted_at: dt.datetime | None
    promised_due: dt.date | None
    statutory_due: dt.date | None
    end_reason: str
    timeline: list[CaseEventOut]
