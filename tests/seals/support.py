"""What the seals tests share: a granted, sealed document and ways to damage one."""

from __future__ import annotations

import re
from typing import Any

from yiwang.seals import services


def sealed(seal: Any, user: Any, pdf: bytes, fmt: str = "sm2") -> bytes:
    """``pdf`` sealed by ``user`` (given a use grant on ``seal`` first)."""
    services.grant_use(actor=seal_manager(seal), seal=seal, user=user)
    return services.seal_pdf(pdf, actor=user, seal=seal, purpose="test", reference="T-1", fmt=fmt)


def seal_manager(seal: Any) -> Any:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="sealadmin")


def page_content_offset(pdf: bytes) -> int:
    """The offset of a byte inside the first page's content stream (covered by the seal)."""
    from io import BytesIO

    from pypdf import PdfReader

    page = PdfReader(BytesIO(pdf)).pages[0]
    contents: Any = page.get("/Contents")
    number = contents.idnum if hasattr(contents, "idnum") else contents[0].idnum
    header = re.search(rb"(?<![0-9])%d 0 obj" % number, pdf)
    assert header is not None, "the page's content object is not in the file"
    start = pdf.index(b"stream", header.end()) + len(b"stream\n") + 1
    return start + 4


def flip_byte(pdf: bytes, offset: int) -> bytes:
    return pdf[:offset] + bytes([pdf[offset] ^ 0x01]) + pdf[offset + 1 :]
