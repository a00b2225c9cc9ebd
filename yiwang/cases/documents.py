"""The documents of a case, as PDF (reportlab, through ``yiwang.kernel.pdf``):

* the acceptance notice (受理通知书), made when the case is accepted: the case number, the
  applicant (the name masked), the item and department, the acceptance date, the promised and
  statutory due dates, each material and how it was met, where to ask;
* the decision document (准予/不予决定书), made when the case is decided: the decision, the
  reason of a refusal with the applicant's remedies, every step of the process with its
  opinion, the decision date, and the handling department as issuer.

``store_acceptance_notice`` and ``store_decision_document`` keep them through the kernel's
stored files and link them to the case; ``services.accept`` and ``handling.finish`` call them
in their transactions, after the case's fields are saved (the document is made from the case
as stored). Each document is made once: a second call returns the stored one (what it says is
fixed at the moment it speaks of)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.units import mm
from reportlab.platypus import Spacer

from yiwang.cases.models import (
    Case,
    CaseTask,
    Decision,
    MaterialStatus,
    TaskOutcome,
    TaskStatus,
)
from yiwang.identity.services import enterprise
from yiwang.kernel import files, pdf
from yiwang.kernel.fields import SensitiveKind, mask
from yiwang.kernel.models import Role, StoredFile

#: The form field meaning the applicant's name (catalogue forms tag fields with x-meaning).
NAME_MEANING = "applicant.name"


# --- what the documents say ------------------------------------------------------------------


def _date(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, dt.datetime):
        value = timezone.localdate(value)
    return _("%(y)d年%(m)02d月%(d)02d日") % {"y": value.year, "m": value.month, "d": value.day}


def applicant_name(case: Case) -> str:
    """The applicant's name as a document shows it: masked (张*, 欧*锋). Taken from the form
    field the catalogue marks as the applicant's name, else from the account."""
    name = ""
    schema = case.version.form_schema if case.version is not None else {}
    for field, spec in (schema or {}).get("properties", {}).items():
        if isinstance(spec, dict) and spec.get("x-meaning") == NAME_MEANING:
            value = case.form_data.get(field)
            if isinstance(value, str) and value.strip():
                name = value.strip()
                break
    if not name:
        applicant: Any = case.applicant
        name = getattr(applicant, "display_name", "") or ""
    return mask(name, SensitiveKind.TEXT) if name else _("(未填写)")


def _entity(case: Case) -> str:
    """The applying entity: its name when the applicant acts for it, and its credit code."""
    if not case.entity_credit_code:
        return ""
    for entity in enterprise.entities_for(case.applicant):
        if entity["credit_code"] == case.entity_credit_code:
            return f"{entity['name']}（{case.entity_credit_code}）"
    return case.entity_credit_code


def material_status(status: str, exempt_by: str) -> str:
    """How a material was met, in words: uploaded, or 免提交 with its source."""
    if status == MaterialStatus.UPLOADED:
        return _("已上传")
    if status == MaterialStatus.EXEMPT:
        kind, _sep, source = exempt_by.partition(":")
        if kind == "licence":
            return _("免提交：电子证照（%(source)s）") % {"source": source}
        if kind == "data":
            return _("免提交：共享数据（%(source)s）") % {"source": source}
        return _("免提交")
    return _("未提交")


def _role(role: str) -> str:
    return str(Role(role).label) if role in Role.values else role


def _outcome(task: CaseTask) -> str:
    if task.outcome in TaskOutcome.values:
        return str(TaskOutcome(task.outcome).label)
    return "—"


def decision_title(case: Case) -> str:
    return _("准予决定书") if case.decision == Decision.APPROVE else _("不予决定书")


def document_number(case: Case, kind: str) -> str:
    """The document's number: the kind's letter and the case number (受 for the notice,
    决 for the decision), e.g. 受〔42010620260000001〕号."""
    return _("%(kind)s〔%(no)s〕号") % {"kind": kind, "no": case.case_no or ""}


def _issuer(case: Case, day: dt.date | dt.datetime | None, style: pdf.Styles) -> list[Any]:
    return [
        Spacer(1, 14 * mm),
        pdf.paragraph(case.department.name, style.right),
        pdf.paragraph(_date(day), style.right),
    ]


def _contacts(case: Case) -> list[tuple[str, str]]:
    version = case.version
    return [
        (_("咨询电话"), (version.phone if version else "") or "—"),
        (_("办理地点"), (version.hall_address if version else "") or "—"),
    ]


def acceptance_notice_pdf(case: Case) -> bytes:
    """受理通知书 of an accepted case, as PDF bytes."""
    style = pdf.styles()
    title = _("受理通知书")
    story: list[Any] = [
        pdf.paragraph(title, style.centred_title),
        pdf.paragraph(document_number(case, _("受")), style.subtitle),
        pdf.paragraph(
            _(
                "%(applicant)s：您申请的“%(item)s”，经审查，申请材料齐全、符合法定形式，"
                "本机关决定予以受理。办件编号 %(no)s，请凭此编号查询办理进度。"
            )
            % {"applicant": applicant_name(case), "item": case.item_name, "no": case.case_no},
            style.body,
        ),
        pdf.paragraph(_("基本信息"), style.h2),
    ]
    rows = [
        (_("办件编号"), case.case_no or ""),
        (_("申请人"), applicant_name(case)),
    ]
    entity = _entity(case)
    if entity:
        rows.append((_("申请单位"), entity))
    rows += [
        (_("申请事项"), case.item_name),
        (_("实施编码"), case.implementation_code),
        (_("受理部门"), case.department.name),
        (_("受理日期"), _date(case.accepted_at)),
        (_("承诺办结日期"), _date(case.promised_due)),
        (_("法定办结日期"), _date(case.statutory_due)),
    ]
    story.append(pdf.facts(rows, style))
    story.append(pdf.paragraph(_("申请材料"), style.h2))
    materials = list(case.materials.all())
    if materials:
        table = [[_("序号"), _("材料名称"), _("必要"), _("提交情况")]]
        table += [
            [
                str(n),
                m.name,
                _("是") if m.required else _("否"),
                material_status(m.status, m.exempt_by),
            ]
            for n, m in enumerate(materials, start=1)
        ]
        widths = [12 * mm, pdf.CONTENT_WIDTH * 0.45, 14 * mm]
        widths.append(pdf.CONTENT_WIDTH - sum(widths))
        story.append(pdf.table(table, widths, style))
    else:
        story.append(pdf.paragraph(_("无需提交申请材料。"), style.body))
    story += [
        pdf.paragraph(_("办理时限与咨询"), style.h2),
        pdf.paragraph(
            _(
                "办理时限按工作日计算，自受理之日的次日起算；依法需要听证、检验、检测、"
                "专家评审等特别程序的，所需时间不计入办理时限，本机关将另行告知。"
            ),
            style.body,
        ),
        Spacer(1, 4),
        pdf.facts(_contacts(case), style),
        *_issuer(case, case.accepted_at, style),
    ]
    return pdf.build_a4(story, title=f"{title} {case.case_no or ''}".strip(), subject=title)


def decision_pdf(case: Case) -> bytes:
    """准予/不予决定书 of a decided case, as PDF bytes."""
    style = pdf.styles()
    title = decision_title(case)
    approved = case.decision == Decision.APPROVE
    intro = _(
        "%(applicant)s：您于%(submitted)s提出的“%(item)s”申请（办件编号 %(no)s），"
        "本机关于%(accepted)s受理。"
    ) % {
        "applicant": applicant_name(case),
        "submitted": _date(case.submitted_at),
        "item": case.item_name,
        "no": case.case_no,
        "accepted": _date(case.accepted_at or case.submitted_at),
    }
    if approved:
        verdict = _("经审查，您的申请符合法定条件、标准，本机关决定准予办理。")
    else:
        verdict = _("经审查，您的申请不符合法定条件、标准，本机关决定不予办理。")
    story: list[Any] = [
        pdf.paragraph(title, style.centred_title),
        pdf.paragraph(document_number(case, _("决")), style.subtitle),
        pdf.paragraph(intro + verdict, style.body),
    ]
    if not approved:
        story += [
            pdf.paragraph(_("不予办理的理由"), style.h2),
            pdf.paragraph(case.decision_reason or "—", style.body),
        ]
    story += [
        pdf.paragraph(_("决定事项"), style.h2),
        pdf.facts(
            [
                (_("办件编号"), case.case_no or ""),
                (_("申请人"), applicant_name(case)),
                (_("申请事项"), case.item_name),
                (_("决定"), str(Decision(case.decision).label) if case.decision else "—"),
                (_("决定日期"), _date(case.decided_at)),
                (_("作出决定机关"), case.department.name),
            ],
            style,
        ),
        pdf.paragraph(_("办理过程"), style.h2),
    ]
    steps = (
        case.tasks.filter(status=TaskStatus.DONE)
        .select_related("department")
        .order_by("completed_at", "id")
    )
    rows = [[_("序号"), _("环节"), _("办理部门"), _("结果"), _("办理意见"), _("办理日期")]]
    rows += [
        [
            str(n),
            f"{task.name}\n{_role(task.role)}",
            task.department.name,
            _outcome(task),
            task.opinion or "—",
            _date(task.completed_at),
        ]
        for n, task in enumerate(steps, start=1)
    ]
    if len(rows) > 1:
        widths = [10 * mm, 30 * mm, 36 * mm, 14 * mm, 0.0, 28 * mm]
        widths[4] = pdf.CONTENT_WIDTH - sum(widths)
        story.append(pdf.table(rows, widths, style))
    else:
        story.append(pdf.paragraph(_("本件未经人工审查环节。"), style.body))
    if case.auto_approved:
        story.append(
            pdf.paragraph(_("本件依据已核验的数据，按规则自动审批（秒批）。"), style.small)
        )
    if not approved:
        story += [
            pdf.paragraph(_("救济途径"), style.h2),
            pdf.paragraph(
                _(
                    "如不服本决定，可以自收到本决定书之日起六十日内依法申请行政复议，"
                    "或者六个月内依法向人民法院提起行政诉讼。"
                ),
                style.body,
            ),
        ]
    story += [Spacer(1, 4), pdf.facts(_contacts(case), style)]
    story += _issuer(case, case.decided_at, style)
    return pdf.build_a4(story, title=f"{title} {case.case_no or ''}".strip(), subject=title)


# --- keeping them ----------------------------------------------------------------------------


def _sealed(content: bytes, case: Case, purpose: str) -> bytes:
    """The document with the department's seal authorised for ``purpose`` (the system seals on
    the department's standing authorisation; a department without one issues it unsealed)."""
    from yiwang.seals import services as seals

    return seals.seal_for_department(
        content, department_code=case.department.code, purpose=purpose, reference=case.case_no or ""
    )


def _store(content: bytes, name: str, actor: Any) -> StoredFile:
    # The platform's own document: the upload limits for applicants do not apply to it.
    return files.store_file(
        io.BytesIO(content),
        name=name,
        actor=actor,
        max_bytes=max(len(content), 1),
        allowed_types=["application/pdf"],
    )


@transaction.atomic
def store_acceptance_notice(case: Case, *, actor: Any) -> StoredFile:
    """Make and keep the acceptance notice of an accepted case; link it to the case."""
    from yiwang.cases import services

    given, case = case, services._locked(case)
    if case.acceptance_notice is not None:
        return case.acceptance_notice
    if case.accepted_at is None:
        raise ValueError(f"case {case.pk} is not accepted")
    content = _sealed(acceptance_notice_pdf(case), case, "cases.acceptance")
    record = _store(content, f"acceptance-notice-{case.case_no}.pdf", actor)
    case.acceptance_notice = given.acceptance_notice = record
    case.save(update_fields=["acceptance_notice", "updated_at"])
    services._event(case, actor, "acceptance_notice_issued", file=str(record.pk))
    return record


@transaction.atomic
def store_decision_document(case: Case, *, actor: Any) -> StoredFile:
    """Make and keep the decision document of a decided case; link it to the case."""
    from yiwang.cases import services

    given, case = case, services._locked(case)
    if case.result_document is not None:
        return case.result_document
    if not case.decision:
        raise ValueError(f"case {case.pk} has no decision to document")
    content = _sealed(decision_pdf(case), case, "cases.decision")
    record = _store(content, f"decision-{case.case_no}.pdf", actor)
    case.result_document = given.result_document = record
    case.save(update_fields=["result_document", "updated_at"])
    services._event(
        case, actor, "decision_document_issued", file=str(record.pk), decision=case.decision
    )
    return record
