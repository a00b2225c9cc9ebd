"""What the cases tests share: a small valid PDF, a valid form, refusal helpers, a
signed-in client and the API's error envelope."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from yiwang.kernel.errors import DomainError

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
FORM = {"applicant_name": "张三", "id_number": "420106199001011234"}
ENVELOPE_KEYS = {"code", "message", "details"}


def refusal(call: Any, **kwargs: Any) -> DomainError:
    """Run a service that must refuse; return the refusal."""
    with pytest.raises(DomainError) as caught:
        call(**kwargs)
    return caught.value


def fields(exc: DomainError) -> list[str]:
    return [e["field"] for e in exc.details.get("errors", [])]


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    """The response is the error envelope with this status and code; its body."""
    assert response.status_code == status, response.content
    body: dict[str, Any] = response.json()
    assert set(body) == ENVELOPE_KEYS
    assert body["code"] == code
    assert body["message"]
    return body


def pointers(body: dict[str, Any]) -> list[str]:
    """The fields an error envelope's errors point at."""
    return [e["field"] for e in body["details"]["errors"]]


# --- e-licences (免提交) --------------------------------------------------------------------

#: A valid ID number (check digit) the licence tests' holder has too; belongs to nobody.
HOLDER_ID_NUMBER = "420106198503120118"
ID_CARD_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["address"],
    "properties": {"address": {"type": "string", "title": "住址", "minLength": 1}},
}


def create_id_card_type() -> Any:
    """The licence type the catalogue fixtures' M02/F02 name: ``resident_id_card``."""
    from yiwang.licenses import services as licences

    return licences.create_type(
        actor="test",
        code="resident_id_card",
        identifier_code="JMSFZ",
        name="居民身份证",
        fields_schema=ID_CARD_SCHEMA,
        layout=[{"field": "address", "label": "住址"}],
        holder_kind="person",
    )


def give_id_card(person: Any, department: Any, **overrides: Any) -> Any:
    """Issue ``person`` a valid ``resident_id_card`` licence (the type must exist)."""
    from yiwang.licenses import services as licences

    kwargs: dict[str, Any] = {
        "actor": "test",
        "type_code": "resident_id_card",
        "issuer_department_code": department.code,
        "holder_kind": "person",
        "holder_name": getattr(person, "display_name", "") or person.get_username(),
        "holder_id_number": HOLDER_ID_NUMBER,
        "holder_user_id": person.pk,
        "data": {"address": "武汉市武昌区中北路1号"},
    }
    kwargs.update(overrides)
    return licences.issue(**kwargs)
