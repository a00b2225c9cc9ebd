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
