"""API shapes of identity: registration, verification, entities and agents."""

from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import Field


class SendCodeIn(Schema):
    mobile: str = Field(min_length=1, max_length=20)


class MessageOut(Schema):
    message: str


class RegisterIn(Schema):
    mobile: str = Field(min_length=1, max_length=20)
    code: str = Field(min_length=1, max_length=12)
    password: str = Field(min_length=1, max_length=200)


class VerifyIn(Schema):
    name: str = Field(min_length=1, max_length=50)
    id_number: str = Field(min_length=1, max_length=30)


class MeOut(Schema):
    username: str
    name: str = Field(description="masked verified name, empty until verified")
    mobile: str = Field(description="masked mobile number")
    id_number: str = Field(description="masked resident ID number, empty until verified")
    verification_level: int
    verification_level_label: str
    verified_at: dt.datetime | None


class EntityIn(Schema):
    credit_code: str = Field(min_length=1, max_length=30)


class EntityOut(Schema):
    credit_code: str
    name: str
    role: str = Field(description="representative or agent")
    scope: list[str]


class AgentIn(Schema):
    mobile: str = Field(min_length=1, max_length=20)
    scope: list[str] = Field(min_length=1, max_length=100)
    expires_on: dt.date


class AgentOut(Schema):
    id: int
    name: str = Field(description="the agent's masked verified name")
    mobile: str = Field(description="the agent's masked mobile number")
    scope: list[str]
    expires_at: dt.datetime
    created_at: dt.datetime


class ActingForIn(Schema):
    credit_code: str | None = Field(
        None, max_length=30, description="the entity to act for; null to act personally"
    )


class ActingForOut(Schema):
    credit_code: str | None
    name: str | None
    scope: list[str]
