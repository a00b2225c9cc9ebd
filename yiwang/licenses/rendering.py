"""The licence document: an A4 PDF with the type name, identifier, the layout's rows, holder,
issuer, validity and the QR code; the QR payload is also written into the PDF's document
information (``/YiwangLicence``) so an uploaded file can be verified without scanning."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Any

import segno
from django.utils.translation import gettext as _
from reportlab.lib.units import mm
from reportlab.platypus import Image, Spacer

from yiwang.kernel import pdf
from yiwang.kernel.fields import SensitiveKind, mask
from yiwang.licenses import signing

INFO_KEY = "/YiwangLicence"
_PAYLOAD_IN_BYTES = re.compile(rb"YWL1\.[0-9A-Z.]{10,160}\.[A-Za-z0-9_-]{40,200}")


@dataclass(frozen=True)
class Document:
    type_name: str
    identifier: str
    layout: list[dict[str, Any]]
    data: dict[str, Any]
    holder_kind: str
    holder_name: str
    holder_id: str
    issuer_name: str
    valid_from: str
    valid_until: str
    version: int
    qr: str


def _value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, list):
        return "、".join(_value(v) for v in value)
    if isinstance(value, dict):
        return ";".join(f"{k}: {_value(v)}" for k, v in value.items())
    return str(value)


def rows(document: Document) -> list[tuple[str, str]]:
    """The labelled facts the document shows, in order."""
    holder_label = _("持证主体") if document.holder_kind == "entity" else _("持证人")
    if document.holder_kind == "entity":
        holder_id = (_("统一社会信用代码"), document.holder_id)
    else:
        holder_id = (_("身份证号码"), mask(document.holder_id, SensitiveKind.ID_NUMBER))
    result = [(holder_label, document.holder_name), holder_id]
    layout = document.layout or [{"field": k, "label": k} for k in sorted(document.data)]
    for row in layout:
        field = str(row.get("field", ""))
        result.append((str(row.get("label") or field), _value(document.data.get(field))))
    result += [
        (_("发证机构"), document.issuer_name),
        (_("有效期"), f"{document.valid_from} — {document.valid_until or _('长期')}"),
        (_("证照标识"), document.identifier),
        (_("版本"), str(document.version)),
    ]
    return result


def render(document: Document) -> bytes:
    style = pdf.styles()
    qr = io.BytesIO()
    segno.make(signing.qr_link(document.qr), error="m").save(qr, kind="png", scale=4, border=2)
    qr.seek(0)
    story: list[Any] = [
        pdf.paragraph(document.type_name, style.centred_title),
        pdf.paragraph(_("证照标识:%(id)s") % {"id": document.identifier}, style.subtitle),
        pdf.facts(rows(document), style),
        Spacer(1, 8 * mm),
        Image(qr, width=40 * mm, height=40 * mm),
        pdf.paragraph(_("扫描二维码核验本证照的真实性和有效性。"), style.small),
    ]
    raw = pdf.build_a4(
        story,
        title=document.type_name,
        subject=document.identifier,
        footer=_("电子证照 · %(id)s") % {"id": document.identifier},
    )
    return with_payload(raw, document.qr)


def with_payload(raw: bytes, payload: str) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(raw)))
    writer.add_metadata({INFO_KEY: payload})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def payload_of(pdf_bytes: bytes) -> str | None:
    """The QR payload a licence PDF carries in its document information; None if none."""
    try:
        from pypdf import PdfReader

        info = PdfReader(io.BytesIO(pdf_bytes)).metadata
        value = info.get(INFO_KEY) if info else None
        if value:
            return str(value)
    except Exception:  # noqa: S110 - a damaged file: fall back to the bytes themselves
        pass
    found = _PAYLOAD_IN_BYTES.findall(pdf_bytes)
    return found[-1].decode() if found else None
