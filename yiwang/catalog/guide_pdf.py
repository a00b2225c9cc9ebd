"""The guide as a PDF (reportlab): the same content as the page, the process drawn as boxes
and arrows.

The font, styles, tables and the A4 page come from the kernel (``yiwang.kernel.pdf``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table

from yiwang.catalog.guide import Fact, Guide, GuideStep, LifeEventGuide
from yiwang.kernel import pdf
from yiwang.kernel.pdf import BRAND, MUTED, TINT, font_name

__all__ = ["ProcessDiagram", "font_name", "render_guide", "render_life_event"]

NUMBER_WIDTH = 12 * mm

_Styles = pdf.Styles


def _p(text: str, style: Any) -> Paragraph:
    return pdf.paragraph(text, style)


def _table(
    rows: Sequence[Sequence[str]],
    widths: Sequence[float],
    styles: _Styles,
    *,
    header: bool = True,
) -> Table:
    return pdf.table(rows, widths, styles, header=header)


def _facts(facts: Sequence[Fact], width: float, styles: _Styles) -> Table:
    return pdf.facts([(f.label, f.value) for f in facts], styles, width)


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


def _section(title: str, styles: _Styles, *flowables: Any) -> list[Any]:
    # a heading stays with its section (a section longer than a page still splits)
    return [KeepTogether([_p(title, styles.h2), *flowables])]


def render_guide(guide: Guide) -> bytes:
    """The guide of an implementation as PDF bytes."""
    styles = pdf.styles()
    font = styles.font
    title = _("%(name)s 办事指南") % {"name": guide.name}
    width = pdf.CONTENT_WIDTH
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
    return pdf.build_a4(story, title=title, subject=_("办事指南"), font=font)


def render_life_event(guide: LifeEventGuide) -> bytes:
    """The guide of a life event (一件事) as PDF bytes."""
    styles = pdf.styles()
    title = _("%(name)s 一件事办事指南") % {"name": guide.name}
    width = pdf.CONTENT_WIDTH
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
    return pdf.build_a4(story, title=title, subject=_("办事指南"), font=styles.font)
