"""PDF documents (reportlab): the shared set-up of every PDF the platform makes — the Chinese
font, the base paragraph styles, tables of facts, and an A4 document built to bytes with a
footer on each page.

Chinese text uses WenQuanYi Micro Hei (Debian's fonts-wqy-microhei), embedded as a subset,
when it is installed; otherwise reportlab's built-in CID font STSong-Light, which every PDF
reader supplies. Nothing is fetched and no font is committed.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

TTF_PATH = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
TTF_NAME = "WenQuanYiMicroHei"
CID_NAME = "STSong-Light"

BRAND = colors.HexColor("#0b3c78")
TINT = colors.HexColor("#e8eff8")
GRID = colors.HexColor("#8a939c")
MUTED = colors.HexColor("#484f55")

MARGIN_LEFT = MARGIN_RIGHT = 18 * mm
MARGIN_TOP = 16 * mm
MARGIN_BOTTOM = 18 * mm
#: The width a flowable may take on an A4 page of :func:`build_a4`.
CONTENT_WIDTH = A4[0] - MARGIN_LEFT - MARGIN_RIGHT

_font: str | None = None


def font_name(path: Path | None = None) -> str:
    """Register the Chinese font once; the TrueType one when present, else the CID one.
    ``path`` tries another TrueType file (not remembered)."""
    global _font
    if _font is not None and path is None:
        return _font
    candidate = TTF_PATH if path is None else path
    name = CID_NAME
    if candidate.is_file():
        from reportlab.pdfbase.ttfonts import TTFont

        try:
            if TTF_NAME not in pdfmetrics.getRegisteredFontNames():
                pdfmetrics.registerFont(TTFont(TTF_NAME, str(candidate), subfontIndex=0))
            name = TTF_NAME
        except Exception:  # a damaged or unexpected font file: fall back, never fail the PDF
            name = CID_NAME
    if name == CID_NAME and CID_NAME not in pdfmetrics.getRegisteredFontNames():
        from reportlab.pdfbase.cidfonts import UnicodeCIDFont

        pdfmetrics.registerFont(UnicodeCIDFont(CID_NAME))
    if path is None:
        _font = name
    return name


@dataclass(frozen=True)
class Styles:
    """The paragraph styles of a document, all in one Chinese font (CJK line breaking)."""

    font: str
    title: ParagraphStyle
    subtitle: ParagraphStyle
    h2: ParagraphStyle
    body: ParagraphStyle
    cell: ParagraphStyle
    head: ParagraphStyle
    small: ParagraphStyle
    centred_title: ParagraphStyle
    right: ParagraphStyle


def styles(font: str | None = None) -> Styles:
    font = font or font_name()
    base: dict[str, Any] = {"fontName": font, "wordWrap": "CJK"}
    return Styles(
        font=font,
        title=ParagraphStyle(
            "title", fontSize=18, leading=24, spaceAfter=4, textColor=BRAND, **base
        ),
        subtitle=ParagraphStyle(
            "subtitle", fontSize=10, leading=14, spaceAfter=10, textColor=MUTED, **base
        ),
        h2=ParagraphStyle(
            "h2", fontSize=13, leading=18, spaceBefore=12, spaceAfter=6, textColor=BRAND, **base
        ),
        body=ParagraphStyle("body", fontSize=10, leading=15, **base),
        cell=ParagraphStyle("cell", fontSize=9, leading=13, **base),
        head=ParagraphStyle("head", fontSize=9, leading=13, textColor=BRAND, **base),
        small=ParagraphStyle("small", fontSize=8, leading=11, textColor=MUTED, **base),
        centred_title=ParagraphStyle(
            "centred_title", fontSize=20, leading=28, spaceAfter=6, alignment=TA_CENTER, **base
        ),
        right=ParagraphStyle("right", fontSize=11, leading=17, alignment=TA_RIGHT, **base),
    )


def paragraph(text: str, style: ParagraphStyle) -> Paragraph:
    """Plain text (never markup: what users typed is escaped) with its line breaks kept."""
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def table(
    rows: Sequence[Sequence[str]],
    widths: Sequence[float],
    style: Styles,
    *,
    header: bool = True,
    label_column: bool = False,
) -> Table:
    """A ruled table of text cells; the header row repeats on each page."""
    data = [
        [paragraph(cell, style.head if (header and r == 0) else style.cell) for cell in row]
        for r, row in enumerate(rows)
    ]
    result = Table(data, colWidths=list(widths), repeatRows=1 if header else 0)
    commands: list[Any] = [
        ("GRID", (0, 0), (-1, -1), 0.5, GRID),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]
    if header:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), TINT))
    if label_column:
        commands.append(("BACKGROUND", (0, 0), (0, -1), TINT))
    result.setStyle(TableStyle(commands))
    return result


def facts(
    pairs: Sequence[tuple[str, str]],
    style: Styles,
    width: float = CONTENT_WIDTH,
    label_width: float = 32 * mm,
) -> Table:
    """Labelled values, one per row, the labels in a tinted column."""
    return table(pairs, [label_width, width - label_width], style, header=False, label_column=True)


def _footer(text: str, font: str) -> Any:
    def draw(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.setFillColor(MUTED)
        canvas.drawString(doc.leftMargin, 10 * mm, text)
        canvas.drawRightString(A4[0] - doc.rightMargin, 10 * mm, _("第 %(n)d 页") % {"n": doc.page})
        canvas.restoreState()

    return draw


def build_a4(
    story: Sequence[Any],
    *,
    title: str,
    subject: str,
    footer: str | None = None,
    font: str | None = None,
) -> bytes:
    """An A4 PDF of ``story`` (flowables at most :data:`CONTENT_WIDTH` wide) as bytes, with
    ``title`` and ``subject`` in its metadata and ``footer`` (by default the platform's name
    and the time it was made) and the page number at the foot of each page."""
    font = font or font_name()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN_LEFT,
        rightMargin=MARGIN_RIGHT,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=title,
        author=_("一网通办 · 政务服务平台"),
        subject=subject,
        creator="Yiwang",
    )
    if footer is None:
        footer = _("一网通办 · 政务服务平台  生成于 %(when)s") % {
            "when": timezone.localtime().strftime("%Y-%m-%d %H:%M")
        }
    draw = _footer(footer, font)
    doc.build(list(story), onFirstPage=draw, onLaterPages=draw)
    return buffer.getvalue()


_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]")


def attachment(name: str, fallback: str) -> str:
    """A ``Content-Disposition`` value for a download named ``name`` (UTF-8, RFC 5987) with an
    ASCII ``fallback`` for clients that do not read ``filename*``."""
    ascii_name = _UNSAFE_FILENAME.sub("_", fallback) or "document.pdf"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"
