"""Case services: applying (drafts, materials, submission with an idempotency key, the case
number) and window intake (accept, refuse, one-time supplement request, resubmission).

Every change is one transaction with its audit row and a timeline event; the case row is
locked first (``select_for_update``), so two concurrent actions on one case are serialised
and the second sees the state the first left (and is refused if that state no longer allows
it). See docs/cases.md for the clock rules."""

from __future__ import annotations

import datetime as dt
from typing import IO, Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from yiwang.cases import documents, notify, paperless, permissions, workflow
from yiwang.cases.errors import ErrorCode
from yiwang.cases.models import (
    Case,
    CaseCounter,
    CaseEvent,
    CaseMaterial,
    CaseStatus,
    Channel,
    MaterialStatus,
    SupplementRequest,
    TaskOutcome,
    TaskStatus,
)
from yiwang.catalog import services as catalog
from yiwang.identity.services import enterprise
from yiwang.kernel import audit, calendar, events, files
from yiwang.kernel.errors import DomainError
from yiwang.kernel.errors import ErrorCode as KernelCode
from yiwang.kernel.models import Department, Role
from yiwang.kernel.permissions import can, scope_for

#: The actor label of what the platform does by itself (秒批: accepted and approved by rule).
SYSTEM = "system"


def _field_errors(code: ErrorCode, errors: list[dict[str, Any]], status: int = 422) -> DomainError:
    first = str(errors[0]["message"]) if errors else ""
    return DomainError(
        code, _("申请未通过校验:%(first)s") % {"first": first}, status=status, errors=errors
    )


def _denied() -> DomainError:
    return DomainError(KernelCode.PERMISSION_DENIED, _("您没有执行此操作的权限。"), status=403)


def _transition(case: Case, wanted: str) -> DomainError:
    return DomainError(
        ErrorCode.STATUS_TRANSITION,
        _("办件当前为“%(status)s”,不能%(wanted)s。")
        % {"status": case.get_status_display(), "wanted": wanted},
        status=409,
        status_now=case.status,
    )


def _event(case: Case, actor: Any, kind: str, note: str = "", **details: Any) -> None:
    user = actor if getattr(actor, "is_authenticated", False) else None
    CaseEvent.objects.create(case=case, actor=user, kind=kind, note=note, details=details)
    audit.record(
        f"cases.{kind}",
        actor=actor,
        target=case,
        details={"case_no": case.case_no, **details},
    )


def version_of(case: Case) -> Any:
    """The implementation version a (child or single) case is judged by."""
    if case.version is None:
        raise DomainError(
            ErrorCode.STATUS_TRANSITION,
            _("一件事的总办件由其各子办件分别办理。"),
            status=409,
            status_now=case.status,
        )
    return case.version


def _locked(case: Case) -> Case:
    """The case row, locked for this transaction, with its version and department (only the
    case row is locked: ``of=("self",)``); 404 when there is no such case."""
    locked: Case | None = (
        Case.objects.select_for_update(of=("self",))
        .select_related("version", "department")
        .filter(pk=case.pk)
        .first()
    )
    if locked is None:
        raise DomainError(KernelCode.NOT_FOUND, _("未找到该资源。"), status=404)
    return locked


def _require_applicant(actor: Any, case: Case) -> None:
    if case.applicant_id != getattr(actor, "pk", None) and case.created_by_id != getattr(
        actor, "pk", None
    ):
        raise DomainError(KernelCode.NOT_FOUND, _("未找到该资源。"), status=404)


def _require_staff(actor: Any, action: str, case: Case) -> None:
    if actor == SYSTEM:  # the platform itself (秒批, auto_approval.py), never a request's user
        return
    if action == permissions.INTAKE:
        from yiwang.cases import access

        allowed = access.may_intake(actor, case)
    else:
        allowed = can(actor, action, department=case.department)
    if not allowed:
        raise _denied()


def _intake_department(actor: Any, implementation_department: Any, given: Any) -> Any:
    """The hall a window clerk applies at: the handling department's own (None), or, for a
    case handled by another region's department (跨域通办), the clerk's department."""
    if can(actor, permissions.INTAKE, department=implementation_department) and given is None:
        return None
    if given is not None:
        if not can(actor, permissions.INTAKE, department=given):
            raise _denied()
        return None if given == implementation_department else given
    ids = sorted(scope_for(actor, permissions.INTAKE).department_ids)
    if not ids:
        raise _denied()
    return Department.objects.get(pk=ids[0])


def _check_entity(applicant: Any, credit_code: str, item_code: str) -> None:
    """An application for an entity needs its representative, or an agent whose scope
    covers the service."""
    scope = enterprise.agent_scope(applicant, credit_code)
    if scope is None or not (enterprise.ALL_SERVICES in scope or item_code in scope):
        raise DomainError(
            ErrorCode.ENTITY_NOT_AUTHORISED,
            _("您不是该单位的法定代表人,或未获得办理该事项的授权。"),
            status=403,
            field="entity_credit_code",
        )


# --- applying -------------------------------------------------------------------------------


@transaction.atomic
def start(
    *,
    actor: Any,
    implementation_code: str,
    applicant: Any = None,
    entity_credit_code: str = "",
    intake_department: Any = None,
) -> Case:
    """A draft application for the published version of an implementation. A window clerk
    applies for ``applicant`` at the hall — their own department's, or, for another region's
    implementation, at their hall on that department's behalf (跨域通办: both see the case);
    anyone else applies for themselves."""
    version = catalog.published_version(implementation_code)
    implementation = version.implementation
    channel = Channel.ONLINE
    received_by = None
    if applicant is not None and applicant != actor:
        received_by = _intake_department(actor, implementation.department, intake_department)
        channel = Channel.HALL
    if entity_credit_code:
        _check_entity(applicant or actor, entity_credit_code, version.item_code)
    case = Case.objects.create(
        applicant=applicant or actor,
        entity_credit_code=entity_credit_code,
        version=version,
        implementation_code=implementation.code,
        item_name=version.name,
        department=implementation.department,
        region=implementation.region,
        intake_department=received_by,
        channel=channel,
        created_by=actor,
    )
    CaseMaterial.objects.bulk_create(
        CaseMaterial(case=case, code=m.code, name=m.name, required=m.required)
        for m in version.materials.all()
    )
    _event(
        case,
        actor,
        "draft_created",
        implementation=implementation.code,
        channel=channel,
        **({"received_by": received_by.code} if received_by else {}),
    )
    return case


@transaction.atomic
def save_form(*, actor: Any, case: Case, form_data: dict[str, Any]) -> Case:
    """Keep the form as filled so far (a draft is not validated until submission)."""
    case = _locked(case)
    _require_applicant(actor, case)
    if case.status not in (CaseStatus.DRAFT, CaseStatus.SUPPLEMENT):
        raise _transition(case, _("修改申请表"))
    case.form_data = form_data
    case.save(update_fields=["form_data", "updated_at"])
    return case


@transaction.atomic
def attach(*, actor: Any, case: Case, code: str, stream: IO[bytes], name: str) -> CaseMaterial:
    """Upload the file for one material requirement (replacing an earlier one)."""
    case = _locked(case)
    _require_applicant(actor, case)
    if case.status not in (CaseStatus.DRAFT, CaseStatus.SUPPLEMENT):
        raise _transition(case, _("上传材料"))
    material = case.materials.filter(code=code).first()
    if material is None:
        raise _field_errors(
            ErrorCode.MATERIALS_MISSING,
            [
                {
                    "field": f"materials.{code}",
                    "code": "material_unknown",
                    "message": _("该事项没有编码为 %(code)s 的材料。") % {"code": code},
                }
            ],
        )
    material.file = files.store_file(stream, name=name, actor=actor)
    material.status = MaterialStatus.UPLOADED
    material.exempt_by = ""  # an upload takes the place of a consented e-licence (免提交)
    material.save(update_fields=["file", "status", "exempt_by"])
    return material


_TYPE_NAMES = {
    "string": _lazy("文字"),
    "integer": _lazy("整数"),
    "number": _lazy("数字"),
    "boolean": _lazy("是或否"),
    "array": _lazy("多项选择"),
    "object": _lazy("一组内容"),
}


def _form_message(error: Any, title: str) -> str:
    """A person's message for one JSON Schema failure, in the interface language."""
    kind, value = error.validator, error.validator_value
    messages = {
        "required": _("请填写“%(title)s”。"),
        "type": _("“%(title)s”应为%(type)s。"),
        "minLength": _("“%(title)s”至少 %(n)s 个字。"),
        "maxLength": _("“%(title)s”最多 %(n)s 个字。"),
        "minimum": _("“%(title)s”不能小于 %(n)s。"),
        "maximum": _("“%(title)s”不能大于 %(n)s。"),
        "enum": _("“%(title)s”请从给出的选项中选择。"),
        "pattern": _("“%(title)s”的格式不正确。"),
        "format": _("“%(title)s”的格式不正确。"),
        "minItems": _("“%(title)s”至少选择 %(n)s 项。"),
        "maxItems": _("“%(title)s”最多选择 %(n)s 项。"),
    }
    message = messages.get(kind, _("“%(title)s”填写不正确。"))
    kind_name = _TYPE_NAMES.get(str(value), str(value)) if kind == "type" else ""
    return message % {"title": title, "n": value, "type": kind_name}


def validate_form(schema: dict[str, Any], data: dict[str, Any]) -> list[dict[str, Any]]:
    """The form's errors against the version's JSON Schema, each at its JSON pointer, with a
    message a person understands (the same in the pages and the API)."""
    from jsonschema import Draft202012Validator

    if not schema:
        return []
    errors = []
    for error in sorted(Draft202012Validator(schema).iter_errors(data), key=lambda e: e.path):
        path = "/".join(str(p) for p in error.absolute_path)
        if error.validator == "required":
            missing = error.message.split("'")[1] if "'" in error.message else ""
            path = "/".join(p for p in (path, missing) if p)
        title = schema.get("properties", {}).get(path.split("/")[0], {}).get("title", path)
        errors.append(
            {
                "field": f"form/{path}" if path else "form",
                "code": f"form_{error.validator}",
                "message": _form_message(error, str(title)),
            }
        )
    return errors


def _material_errors(case: Case) -> list[dict[str, Any]]:
    requirements = {m.code: m for m in version_of(case).materials.all()}
    errors = []
    for material in case.materials.all():
        requirement = requirements.get(material.code)
        if material.status == MaterialStatus.UPLOADED or requirement is None:
            continue
        if requirement.license_type:
            # Met by an e-licence only with the applicant's consent (paperless.py), checked
            # again now; otherwise an upload like any other.
            error = paperless.recheck(case, material, requirement.license_type)
            if error is not None:
                errors.append(error)
                continue
            if paperless.licence_of(material):
                continue
        elif requirement.exempt_possible:
            # Met by shared data (免提交): recorded as such; the exchange module will fetch
            # and verify it once it exists.
            material.status = MaterialStatus.EXEMPT
            material.exempt_by = f"data:{requirement.shared_data}"
            material.save(update_fields=["status", "exempt_by"])
            continue
        if material.required:
            errors.append(
                {
                    "field": f"materials.{material.code}",
                    "code": "material_missing",
                    "message": (
                        _("请上传“%(name)s”,或使用您的电子证照。")
                        if requirement.license_type
                        else _("请上传“%(name)s”。")
                    )
                    % {"name": material.name},
                }
            )
    return errors


def _refuse_incomplete(case: Case) -> None:
    """Refuse a case whose form or required materials are not complete, naming every
    missing or wrong item at once (as a submission and a resubmission check it)."""
    form_errors = validate_form(version_of(case).form_schema, case.form_data)
    material_errors = _material_errors(case)
    if form_errors or material_errors:
        raise _field_errors(
            ErrorCode.FORM_INVALID if form_errors else ErrorCode.MATERIALS_MISSING,
            form_errors + material_errors,
        )


def case_number(region_code: str, day: dt.date) -> str:
    """``<6-digit region code><year><7-digit sequence>``, e.g. 42010620260000001: the next
    number of the handling department's region in that year (locked, so never repeated)."""
    code = region_code[:6].ljust(6, "0")
    table = CaseCounter._meta.db_table
    with connection.cursor() as cursor:
        # One statement: the row is locked by the update until the transaction ends.
        cursor.execute(
            f"UPDATE {table} SET last = last + 1 WHERE region_code = %s AND year = %s "  # noqa: S608
            "RETURNING last",
            [code, day.year],
        )
        row = cursor.fetchone()
    if row is None:  # the region's first case of the year
        CaseCounter.objects.get_or_create(region_code=code, year=day.year)
        return case_number(region_code, day)
    return f"{code}{day.year}{int(row[0]):07d}"


@transaction.atomic
def submit(*, actor: Any, case: Case, idempotency_key: str) -> Case:
    """Submit a draft. The same key again returns the submitted case unchanged; a key used
    for another case is refused."""
    key = idempotency_key.strip()[:80]
    if not key:
        raise _field_errors(
            ErrorCode.IDEMPOTENCY_KEY_REQUIRED,
            [{"field": "idempotency_key", "code": "required", "message": _("缺少提交标识。")}],
            status=400,
        )
    case = _locked(case)
    _require_applicant(actor, case)
    if case.idempotency_key == key and case.status != CaseStatus.DRAFT:
        return case
    if case.status != CaseStatus.DRAFT:
        raise _transition(case, _("提交"))
    _refuse_incomplete(case)
    now = timezone.now()
    case.case_no = case_number(case.region_id, timezone.localdate(now))
    case.status = CaseStatus.SUBMITTED
    case.submitted_at = now
    case.idempotency_key = key
    workflow.start(case)
    paperless.record_uses(case)
    try:
        case.save(
            update_fields=[
                "case_no",
                "status",
                "submitted_at",
                "idempotency_key",
                "workflow_state",
                "updated_at",
            ]
        )
    except IntegrityError as exc:
        # The applicant's key is taken by another case (a second submission of the same
        # draft waits for the row lock above and answers the first's result instead). The
        # whole transaction rolls back: no number, no step, nothing half-written.
        raise DomainError(
            ErrorCode.IDEMPOTENCY_MISMATCH, _("该提交标识已用于另一份申请。"), status=409
        ) from exc
    _event(case, actor, "submitted")
    notify.notify(case, "submitted", _("已提交,等待窗口受理。"), actor=actor)
    events.emit("cases.submitted", {"case_no": case.case_no, "department": case.department_id})
    _try_auto_approval(case, actor)
    return case


def _try_auto_approval(case: Case, actor: Any) -> None:
    """秒批: a version with a decision table may approve the case right away."""
    if case.version is not None and case.version.decision_dmn:
        from yiwang.cases import auto_approval

        auto_approval.try_auto_approve(case, actor=actor)


# --- window intake ---------------------------------------------------------------------------


@transaction.atomic
def accept(*, actor: Any, case: Case) -> Case:
    """受理: the clock starts. Promised and statutory due dates count working days from the
    day of acceptance (the day itself not counted)."""
    case = _locked(case)
    _require_staff(actor, permissions.INTAKE, case)
    if case.status != CaseStatus.SUBMITTED:
        raise _transition(case, _("受理"))
    now = timezone.now()
    today = timezone.localdate(now)
    case.status = CaseStatus.ACCEPTED
    case.accepted_at = now
    version = version_of(case)
    if version.promised_limit_days:
        case.promised_due = calendar.add_working_days(today, version.promised_limit_days)
    if version.statutory_limit_days:
        case.statutory_due = calendar.add_working_days(today, version.statutory_limit_days)
    _complete_acceptance_step(case, actor)
    case.save(
        update_fields=[
            "status",
            "accepted_at",
            "promised_due",
            "statutory_due",
            "workflow_state",
            "updated_at",
        ]
    )
    _event(
        case,
        actor,
        "accepted",
        promised_due=str(case.promised_due or ""),
        statutory_due=str(case.statutory_due or ""),
    )
    documents.store_acceptance_notice(case, actor=actor)
    if actor != SYSTEM:  # 秒批 tells the applicant once, with the result
        notify.notify(
            case,
            "accepted",
            _("已受理,承诺办结日期 %(due)s。") % {"due": case.promised_due or _("(无承诺时限)")},
        )
    events.emit("cases.accepted", {"case_no": case.case_no})
    _parent_follows(case, actor)
    return case


def _parent_follows(case: Case, actor: Any) -> None:
    """A life event's parent case follows its children (see bundles.py)."""
    if case.parent_id is not None:
        from yiwang.cases import bundles

        bundles.child_changed(case, actor=actor)


def _complete_acceptance_step(case: Case, actor: Any) -> None:
    """The process's first window-clerk steps are the acceptance itself (受理): done now."""
    if not case.workflow_state:  # a case submitted before processes ran
        workflow.start(case)
    engine = workflow.load(case)
    steps = case.tasks.filter(status=TaskStatus.OPEN, role=Role.WINDOW_CLERK)
    for task in steps:
        workflow.complete(case, engine, task.task_id, {})
        task.status = TaskStatus.DONE
        task.outcome = TaskOutcome.APPROVE
        task.opinion = _("予以受理")
        task.completed_at = timezone.now()
        task.completed_by = actor if getattr(actor, "is_authenticated", False) else None
        task.save(update_fields=["status", "outcome", "opinion", "completed_at", "completed_by"])
    workflow.sync(case, engine)


@transaction.atomic
def refuse(*, actor: Any, case: Case, reason: str) -> Case:
    """不予受理, with the reason the applicant reads."""
    case = _locked(case)
    _require_staff(actor, permissions.INTAKE, case)
    if case.status not in (CaseStatus.SUBMITTED, CaseStatus.SUPPLEMENT):
        raise _transition(case, _("不予受理"))
    version_of(case)  # a life event's parent is decided through its children
    if not reason.strip():
        raise _field_errors(
            ErrorCode.REASON_REQUIRED,
            [{"field": "reason", "code": "required", "message": _("请写明不予受理的理由。")}],
        )
    case.status = CaseStatus.REFUSED
    case.ended_at = timezone.now()
    case.end_reason = reason.strip()
    workflow.cancel(case)
    case.save(update_fields=["status", "ended_at", "end_reason", "workflow_state", "updated_at"])
    _event(case, actor, "refused", note=case.end_reason)
    notify.notify(case, "refused", _("不予受理。理由:%(reason)s") % {"reason": case.end_reason})
    _parent_follows(case, actor)
    return case


@transaction.atomic
def request_supplement(*, actor: Any, case: Case, items: list[dict[str, str]]) -> Case:
    """一次性告知: every missing or wrong item at once, each ``{"field", "reason"}``."""
    case = _locked(case)
    _require_staff(actor, permissions.INTAKE, case)
    if case.status != CaseStatus.SUBMITTED:
        raise _transition(case, _("要求补正"))
    version_of(case)  # a life event's parent is decided through its children
    given = [
        {"field": str(i.get("field", "")).strip(), "reason": str(i.get("reason", "")).strip()}
        for i in items
    ]
    clean = [i for i in given if i["field"] or i["reason"]]
    # Indexes into the list as given, so each error points at the item the clerk wrote.
    bad = [n for n, i in enumerate(given) if i["field"] and not i["reason"]]
    if not clean or bad:
        raise _field_errors(
            ErrorCode.SUPPLEMENT_EMPTY,
            [
                {
                    "field": f"items[{n}].reason" if clean else "items",
                    "code": "required",
                    "message": _("请逐项写明需要补正的内容。"),
                }
                for n in (bad or [0])
            ],
        )
    SupplementRequest.objects.create(case=case, items=clean, requested_by=actor)
    case.status = CaseStatus.SUPPLEMENT
    case.save(update_fields=["status", "updated_at"])
    _event(case, actor, "supplement_requested", items=clean)
    notify.notify(
        case,
        "supplement_requested",
        _("需要补正材料(共 %(n)d 项),请登录查看并一次补齐。") % {"n": len(clean)},
    )
    _parent_follows(case, actor)
    return case


@transaction.atomic
def resubmit(*, actor: Any, case: Case) -> Case:
    """The applicant has supplemented: back to the intake queue, checked like a submission."""
    case = _locked(case)
    _require_applicant(actor, case)
    if case.status != CaseStatus.SUPPLEMENT:
        raise _transition(case, _("重新提交"))
    _refuse_incomplete(case)
    case.supplements.filter(resolved_at__isnull=True).update(resolved_at=timezone.now())
    case.status = CaseStatus.SUBMITTED
    case.save(update_fields=["status", "updated_at"])
    _event(case, actor, "resubmitted")
    _parent_follows(case, actor)
    return case


# --- reading for other modules -------------------------------------------------------------


def case_summary_for(case_id: int) -> dict[str, Any] | None:
    """What another module may read of a case (e.g. the licence module issuing the case's
    result licence): its form data, applicant and department. None when there is no such
    case. Read-only; the caller decides who sees what of it."""
    case: Case | None = (
        Case.objects.filter(pk=case_id).select_related("applicant", "department", "version").first()
    )
    if case is None:
        return None
    applicant: Any = case.applicant
    entity_name = ""
    if case.entity_credit_code:
        names = {e["credit_code"]: e["name"] for e in enterprise.entities_for(applicant)}
        entity_name = names.get(case.entity_credit_code, "")
    schema = case.version.form_schema if case.version is not None else {}
    meanings = {
        str(spec["x-meaning"]): name
        for name, spec in (schema or {}).get("properties", {}).items()
        if isinstance(spec, dict) and spec.get("x-meaning")
    }
    return {
        "case_id": case.pk,
        "case_no": case.case_no or "",
        "form_data": dict(case.form_data or {}),
        # The form's field for each meaning it declares (``x-meaning``, e.g. entity.address).
        "form_meanings": meanings,
        "applicant_id": case.applicant_id,
        "applicant_name": getattr(applicant, "display_name", "") or "",
        "applicant_id_number": getattr(applicant, "id_number", "") or "",
        "entity_credit_code": case.entity_credit_code,
        "entity_name": entity_name,
        "department_code": case.department.code,
        "department_name": case.department.name,
    }
