"""API shapes of e-licences (电子证照). No shape carries a private key or a full ID number."""

import datetime as dt
from typing import Any

from ninja import Schema
from pydantic import Field


class LayoutRow(Schema):
    field: str = Field(min_length=1, max_length=80)
    label: str = Field(min_length=1, max_length=80)


class LicenseTypeIn(Schema):
    code: str = Field(
        min_length=1, max_length=64, description="catalogue key, e.g. food_business_licence"
    )
    identifier_code: str = Field(
        "", max_length=32, description="segment of identifiers, letters and digits, e.g. SPJY"
    )
    name: str = Field(min_length=1, max_length=100)
    fields_schema: dict[str, Any] = Field(description="JSON Schema of the licence data")
    layout: list[LayoutRow] = Field(default_factory=list, max_length=100)
    holder_kind: str = Field("either", pattern="^(person|entity|either)$")
    validity_years: int | None = Field(None, ge=1, le=100)
    validity_days: int | None = Field(None, ge=1, le=36600)
    issuing_department_kind: str = Field("", max_length=100)
    description: str = Field("", max_length=2000)


class LicenseTypeOut(Schema):
    code: str
    identifier_code: str
    name: str
    issuing_department_kind: str
    description: str
    fields_schema: dict[str, Any]
    layout: list[dict[str, Any]]
    holder_kind: str
    validity_years: int | None
    validity_days: int | None
    is_active: bool


class IssueIn(Schema):
    type_code: str = Field(min_length=1, max_length=64)
    department_code: str = Field(min_length=1, max_length=32)
    holder_kind: str = Field(pattern="^(person|entity)$")
    holder_name: str = Field(min_length=1, max_length=200)
    holder_id_number: str = Field("", max_length=40)
    holder_credit_code: str = Field("", max_length=40)
    holder_user_id: int | None = None
    data: dict[str, Any]
    valid_from: dt.date | None = None
    case_no: str = Field("", max_length=20)


class ImportIn(Schema):
    type_code: str = Field(min_length=1, max_length=64)
    department_code: str = Field(min_length=1, max_length=32)
    rows: list[dict[str, Any]] = Field(max_length=5000)


class ImportOut(Schema):
    created: int
    identifiers: list[str]


class ReasonIn(Schema):
    reason: str = Field("", max_length=2000)


class ChangeIn(Schema):
    data: dict[str, Any]
    reason: str = Field("", max_length=2000)


class LicenseOut(Schema):
    id: int
    identifier: str
    type_code: str
    type_name: str
    holder_kind: str
    holder_name: str
    holder_id_number: str = Field(description="masked")
    holder_credit_code: str
    issuer_department_code: str
    issuer_name: str
    status: str
    version: int
    data: dict[str, Any]
    layout: list[dict[str, Any]]
    valid_from: dt.date
    valid_until: dt.date | None
    issued_at: dt.datetime
    case_no: str
    sealed: bool
    qr: str = Field(description="the QR payload printed on the document")


class UseOut(Schema):
    used_at: dt.datetime
    version: int
    via: str
    user_name: str
    department_code: str
    department_name: str
    purpose: str
    case_no: str


class GrantIn(Schema):
    license_ids: list[int] = Field(min_length=1, max_length=20)
    minutes: int | None = Field(None, ge=1, le=30)


class GrantOut(Schema):
    grant_id: int
    token: str = Field(description="shown once, as the QR code the clerk scans")
    short_code: str = Field(description="8 digits, shown once, to read out instead")
    expires_at: dt.datetime


class RedeemIn(Schema):
    token: str = Field("", max_length=100)
    short_code: str = Field("", max_length=8)
    department_code: str = Field(min_length=1, max_length=32)
    case_no: str = Field("", max_length=20)
    purpose: str = Field("", max_length=200)


class VerifyIn(Schema):
    qr: str = Field("", max_length=400)
    identifier: str = Field("", max_length=130)


class VerificationOut(Schema):
    authentic: bool
    current: bool
    reason: str
    message: str
    identifier: str
    type_code: str
    type_name: str
    holder_name: str = Field(description="masked for persons, as the document shows it")
    issuer_name: str
    valid_from: dt.date | None
    valid_until: dt.date | None
    status: str
    version: int | None
    latest_version: int | None


class FileVerificationOut(Schema):
    licence: VerificationOut
    file_matches_issued: bool
    seal: dict[str, Any]


class DepartmentIn(Schema):
    department_code: str = Field(min_length=1, max_length=32)


class UserDepartmentOut(Schema):
    department_code: str
    verified_at: dt.datetime
    revoked_at: dt.datetime | None


class StatsOut(Schema):
    materials_saved: int
    department_code: str | None
    since: dt.datetime | None
