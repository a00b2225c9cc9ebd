"""The guide as a PDF (reportlab): the same content as the page, the process drawn as boxes
and arrows.

Chinese text uses WenQuanYi Micro Hei (Debian's fonts-wqy-microhei), embedded as a subset,
when it is installed; otherwise reportlab's built-in CID font STSong-Light, which every PDF
reader supplies. Nothing is fetched and no font is committed.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from yiwang.catalog.guide import Fact, Guide, GuideStep, LifeEventGuide

TTF_PATH = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
TTF_NAME = "WenQuanYiMicroHei"
CID_NAME = "STSong-Light"

BRAND = colors.HexColor("#0b3c78")
TINT = colors.HexColor("#e8eff8")
GRID = colors.HexColor("#8a939c")
MUTED = colors.HexColor("#484f55")
NUMBER_WIDTH = 12 * mm

_font: str | None = None


def font_name(path: Path | None = None) -> str:
    """Register the Chinese font once; the TrueType one when present, else the CID one."""
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


class _Styles:
    def __init__(self, font: str) -> None:
        base = {"fontName": font, "wordWrap": "CJK"}
        self.title = ParagraphStyle(
            "title", fontSize=18, leading=24, spaceAfter=4, textColor=BRAND, **base
        )
        self.subtitle = ParagraphStyle(
            "subtitle", fontSize=10, leading=14, spaceAfter=10, textColor=MUTED, **base
        )
        self.h2 = ParagraphStyle(
            "h2", fontSize=13, leading=18, spaceBefore=12, spaceAfter=6, textColor=BRAND, **base
        )
        self.body = ParagraphStyle("body", fontSize=10, leading=15, **base)
        self.cell = ParagraphStyle("cell", fontSize=9, leading=13, **base)
        self.head = ParagraphStyle("head", fontSize=9, leading=13, textColor=BRAND, **base)
        self.small = ParagraphStyle("small", fontSize=8, leading=11, textColor=MUTED, **base)


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def _table(
    rows: Sequence[Sequence[str]],
    widths: Sequence[float],
    styles: _Styles,
    *,
    header: bool = True,
    label_column: bool = False,
) -> Table:
    data = [
        [_p(cell, styles.head if (header and r == 0) else styles.cell) for cell in row]
        for r, row in enumerate(rows)
    ]
    table = Table(data, colWidths=list(widths), repeatRows=1 if header else 0)
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
    table.setStyle(TableStyle(commands))
    return table


def _facts(facts: Sequence[Fact], width: float, styles: _Styles) -> Table:
    return _table(
        [(f.label, f.value) for f in facts],
        [32 * mm, width - 32 * mm],
        styles,
        header=False,
        label_column=True,
    )


class ProcessDiagram(Flowable):  # type: ignore[misc]  # reportlab ships no types
    """The process steps as boxes joined by arrows, left to right, wrapping into rows."""

    BOX_HEIGHT = 36.0
    GAP = 22.0
    ROW_GAP = 22.0
    PAD = 6.0

    def __init__(self, steps: Sequence[GuideStep], font: str) -> None:
        super().__init__()
        self.steps = list(steps)
        self.font = font
        self._rows: list[list[tuple[GuideStep, float]]] = []

    def _box_width(self, step: GuideStep, avail: float) -> float:
        text = float(
            max(
                pdfmetrics.stringWidth(step.name, self.font, 10),
                pdfmetrics.stringWidth(step.role, self.font, 8),
            )
        )
        return min(max(text + 2 * self.PAD, 56.0), avail)

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self._rows = [[]]
        used = 0.0
        for step in self.steps:
            width = self._box_width(step, avail_width)
            needed = width if not self._rows[-1] else self.GAP + width
            if self._rows[-1] and used + needed > avail_width:
                self._rows.append([])
                used, needed = 0.0, width
            self._rows[-1].append((step, width))
            used += needed
        rows = len(self._rows)
        self.width = avail_width
        self.height = rows * self.BOX_HEIGHT + (rows - 1) * self.ROW_GAP
        return self.width, self.height

    def _fit(self, text: str, size: float, width: float) -> str:
        while text and pdfmetrics.stringWidth(text, self.font, size) > width:
            text = text[:-2] + "…" if len(text) > 1 else ""
        return text

    def _arrow_head(self, x: float, y: float, direction: str) -> None:
        canvas = self.canv
        size = 4.0
        path = canvas.beginPath()
        if direction == "right":
            path.moveTo(x, y)
            path.lineTo(x - size * 1.5, y + size)
            path.lineTo(x - size * 1.5, y - size)
        else:  # down
            path.moveTo(x, y)
            path.lineTo(x - size, y + size * 1.5)
            path.lineTo(x + size, y + size * 1.5)
        path.close()
        canvas.drawPath(path, stroke=0, fill=1)

    def draw(self) -> None:
        canvas = self.canv
        canvas.setStrokeColor(BRAND)
        canvas.setFillColor(BRAND)
        canvas.setLineWidth(1)
        previous: tuple[float, float, float] | None = None  # right x, bottom y, centre x
        for r, row in enumerate(self._rows):
            top = self.height - r * (self.BOX_HEIGHT + self.ROW_GAP)
            bottom = top - self.BOX_HEIGHT
            middle = bottom + self.BOX_HEIGHT / 2
            x = 0.0
            for c, (step, width) in enumerate(row):
                if previous is not None and c == 0:
                    # an elbow from the last box of the row above to this row's first box
                    _right, prev_bottom, prev_centre = previous
                    turn = prev_bottom - self.ROW_GAP / 2
                    centre = x + width / 2
                    canvas.line(prev_centre, prev_bottom, prev_centre, turn)
                    canvas.line(prev_centre, turn, centre, turn)
                    canvas.line(centre, turn, centre, top + 1)
                    self._arrow_head(centre, top, "down")
                elif previous is not None:
                    canvas.line(previous[0], middle, x - 1, middle)
                    self._arrow_head(x, middle, "right")
                radius = self.BOX_HEIGHT / 2 if step.kind in {"start", "end"} else 3
                canvas.setFillColor(TINT if step.kind in {"start", "end"} else colors.white)
                canvas.roundRect(x, bottom, width, self.BOX_HEIGHT, radius, stroke=1, fill=1)
                canvas.setFillColor(colors.black)
                canvas.setFont(self.font, 10)
                inner = width - 2 * self.PAD
                canvas.drawCentredString(x + width / 2, middle + 2, self._fit(step.name, 10, inner))
                if step.role:
                    canvas.setFillColor(MUTED)
                    canvas.setFont(self.font, 8)
                    canvas.drawCentredString(
                        x + width / 2, bottom + 6, self._fit(step.role, 8, inner)
                    )
                canvas.setFillColor(BRAND)
                previous = (x + width, bottom, x + width / 2)
                x += width + self.GAP


def _footer(text: str, font: str) -> Any:
    def draw(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.setFillColor(MUTED)
        canvas.drawString(doc.leftMargin, 10 * mm, text)
        canvas.drawRightString(A4[0] - doc.rightMargin, 10 * mm, _("第 %(n)d 页") % {"n": doc.page})
        canvas.restoreState()

    return draw


def _document(buffer: io.BytesIO, title: str) -> SimpleDocTemplate:
    return SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=18 * mm,
        title=title,
        author=_("一网通办 · 政务服务平台"),
        subject=_("办事指南"),
        creator="Yiwang",
    )


def _build(doc: SimpleDocTemplate, story: list[Any], font: str) -> None:
    footer = _footer(
        _("一网通办 · 政务服务平台  生成于 %(when)s")
        % {"when": timezone.localtime().strftime("%Y-%m-%d %H:%M")},
        font,
    )
    doc.build(story, onFirstPage=footer, onLaterPages=footer)


def _section(title: str, styles: _Styles, *flowables: Any) -> list[Any]:
    # a heading stays with its section (a section longer than a page still splits)
    return [KeepTogether([_p(title, styles.h2), *flowables])]


def render_guide(guide: Guide) -> bytes:
    """The guide of an implementation as PDF bytes."""
    font = font_name()
    styles = _Styles(font)
    buffer = io.BytesIO()
    doc = _document(buffer, _("%(name)s 办事指南") % {"name": guide.name})
    width = doc.width
    yes, no = _("是"), _("否")
    story: list[Any] = [
        _p(_("%(name)s 办事指南") % {"name": guide.name}, styles.title),
        _p(
            _("%(department)s · 实施编码 %(code)s · 第 %(version)d 版")
            % {"department": guide.department, "code": guide.code, "version": guide.version},
            styles.subtitle,
        ),
    ]
    story += _section(_("基本信息"), styles, _facts(guide.basics, width, styles))
    story += _section(
        _("受理条件"), styles, _p(guide.acceptance_conditions or _("无特别条件。"), styles.body)
    )
    if guide.materials:
        rows = [[_("序号"), _("材料名称"), _("形式"), _("份数"), _("必要"), _("说明")]]
        rows += [
            [
                str(m.number),
                m.name,
                m.form,
                str(m.copies),
                yes if m.required else no,
                "\n".join(t for t in (m.exempt, m.note) if t),
            ]
            for m in guide.materials
        ]
        widths = [NUMBER_WIDTH, width * 0.34, 16 * mm, 12 * mm, 12 * mm]
        widths.append(width - sum(widths))
        materials: Any = _table(rows, widths, styles)
    else:
        materials = _p(_("无需提交申请材料。"), styles.body)
    story += _section(_("申请材料"), styles, materials)
    step_lines = [
        f"{s.number}. {s.name}" + (f"（{s.role}）" if s.role else "") for s in guide.steps
    ]
    story += _section(
        _("办理流程"),
        styles,
        ProcessDiagram(guide.steps, font),
        Spacer(1, 6),
        _p("  →  ".join(step_lines), styles.small),
    )
    story += _section(_("办理时限"), styles, _facts(guide.limits, width, styles))
    if guide.fees:
        fee_rows = [[_("收费项目"), _("金额"), _("收费依据")]]
        fee_rows += [[f.name, f.amount, f.basis] for f in guide.fees]
        fees: list[Any] = [
            _p(guide.fee_summary, styles.body),
            Spacer(1, 4),
            _table(fee_rows, [width * 0.35, width * 0.2, width * 0.45], styles),
        ]
    else:
        fees = [_p(guide.fee_summary, styles.body)]
    story += _section(_("收费标准"), styles, *fees)
    story += _section(_("办理结果"), styles, _facts(guide.result, width, styles))
    ways = [
        Fact(_("办理渠道"), "、".join(guide.channels) or _("窗口办理")),
        Fact(_("跑动次数"), guide.trips),
    ]
    story += _section(_("办理方式"), styles, _facts(ways, width, styles))
    story += _section(_("办理地点与咨询"), styles, _facts(guide.contacts, width, styles))
    doc_bytes = _finish(doc, story, font, buffer)
    return doc_bytes


def render_life_event(guide: LifeEventGuide) -> bytes:
    """The guide of a life event (一件事) as PDF bytes."""
    font = font_name()
    styles = _Styles(font)
    buffer = io.BytesIO()
    doc = _document(buffer, _("%(name)s 一件事办事指南") % {"name": guide.name})
    width = doc.width
    yes, no = _("是"), _("否")
    story: list[Any] = [
        _p(_("%(name)s 一件事办事指南") % {"name": guide.name}, styles.title),
        _p(
            _("牵头部门：%(department)s · 一次申请，一套材料") % {"department": guide.department},
            styles.subtitle,
        ),
    ]
    if guide.description:
        story.append(_p(guide.description, styles.body))
    story += _section(_("基本信息"), styles, _facts(guide.basics, width, styles))
    item_rows = [[_("序号"), _("事项名称"), _("实施部门"), _("承诺时限")]]
    item_rows += [[str(i.number), i.name, i.department, i.promised_limit] for i in guide.items]
    story += _section(
        _("包含的事项"),
        styles,
        _table(
            item_rows,
            [NUMBER_WIDTH, width * 0.45, width * 0.3, width * 0.25 - NUMBER_WIDTH],
            styles,
        ),
    )
    if guide.materials:
        rows = [[_("序号"), _("材料名称"), _("份数"), _("必要"), _("免提交"), _("所需事项")]]
        rows += [
            [
                str(m.number),
                m.name,
                str(m.copies),
                yes if m.required else no,
                _("可免提交") if m.exempt else "",
                "、".join(m.needed_by),
            ]
            for m in guide.materials
        ]
        widths = [NUMBER_WIDTH, width * 0.3, 12 * mm, 12 * mm, 18 * mm]
        widths.append(width - sum(widths))
        materials: Any = _table(rows, widths, styles)
    else:
        materials = _p(_("无需提交申请材料。"), styles.body)
    story += _section(_("合并后的申请材料（每份只需提交一次）"), styles, materials)
    if not guide.form_ok:
        form: Any = _p(_("合并申请表正在调整，请分别查看各事项的办事指南。"), styles.body)
    elif guide.fields:
        rows = [[_("序号"), _("填写项"), _("必填"), _("涉及事项")]]
        rows += [
            [str(f.number), f.title, yes if f.required else no, "、".join(f.asked_by)]
            for f in guide.fields
        ]
        form = _table(
            rows,
            [NUMBER_WIDTH, width * 0.35, 14 * mm, width * 0.65 - NUMBER_WIDTH - 14 * mm],
            styles,
        )
    else:
        form = _p(_("无需填写申请表。"), styles.body)
    story += _section(_("合并后的申请表（每项只需填写一次）"), styles, form)
    return _finish(doc, story, font, buffer)


def _finish(doc: SimpleDocTemplate, story: list[Any], font: str, buffer: io.BytesIO) -> bytes:
    _build(doc, story, font)
    return buffer.getvalue()
