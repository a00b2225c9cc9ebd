"""What the cases tests share: a small valid PDF, a valid form, and refusal helpers."""

from __future__ import annotations

from typing import Any

import pytest

from yiwang.kernel.errors import DomainError

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
FORM = {"applicant_name": "张三", "id_number": "420106199001011234"}


def refusal(call: Any, **kwargs: Any) -> DomainError:
    """Run a service that must refuse; return the refusal."""
    with pytest.raises(DomainError) as caught:
        call(**kwargs)
    return caught.value


def fields(exc: DomainError) -> list[str]:
    return [e["field"] for e in exc.details.get("errors", [])]
