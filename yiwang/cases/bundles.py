"""Life-event applications (一件事一次办): one application, one parent case and a child case per
implementation of the life event.

* ``start_bundle`` makes the parent draft (no version: it belongs to the life event, handled
  by its lead department) with the merged material list, and a child draft per member
  implementation (nested life events flattened), each with its published version, its
  department and its own materials.
* The applicant fills one merged form (kept on the parent) and uploads each material meaning
  once (``attach_bundle``): the file is shared by every child whose requirement has that
  meaning.
* ``submit_bundle`` checks the merged form and materials at once, then in one transaction
  numbers the parent and submits every child with the part of the form its own schema asks
  for (fields mapped by meaning): each child goes to its own department's intake queue and
  starts its own process. Any child failing rolls everything back.
* After that the parent follows its children (``child_changed``, called from every change
  of a child): accepted when all are accepted, completed when all are done (approved only if
  every child was approved); a child refused or disapproved is written on the parent's
  timeline."""

from __future__ import annotations

import hashlib
from typing import IO, Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.cases import paperless, services
from yiwang.cases.errors import ErrorCode
from yiwang.cases.models import (
    Case,
    CaseMaterial,
    CaseStatus,
    Channel,
    Decision,
    MaterialStatus,
)
from yiwang.cases.notify import notify
from yiwang.catalog import services as catalog
from yiwang.kernel import files
from yiwang.kernel.errors import DomainError
from yiwang.kernel.errors import ErrorCode as KernelCode

#: A case whose application has ended: nothing more will happen to it.
ENDED = {CaseStatus.COMPLETED, CaseStatus.REFUSED, CaseStatus.WITHDRAWN}
_CODE_LENGTH = 40  # CaseMaterial.code


def material_code(meaning: str) -> str:
    """The parent's material code for a material meaning: the meaning itself when it fits,
    else its start and a digest (stable, so the meaning always finds its row)."""
    if len(meaning) <= _CODE_LENGTH:
        return meaning
    digest = hashlib.sha256(meaning.encode()).hexdigest()[:8]
    return f"{meaning[: _CODE_LENGTH - 9]}~{digest}"


def is_bundle(case: Case) -> bool:
    """Is this the parent case of a life-event application?"""
    return case.version_id is None and bool(case.life_event_code)


def children_of(parent: Case) -> QuerySet[Case]:
    return (
        Case.objects.filter(parent=parent)
        .select_related("version", "department")
        .prefetch_related("version__materials")
        .order_by("id")
    )


def merged_of(parent: Case, children: list[Case] | None = None) -> catalog.MergedVersions:
    """The merged form and materials of the parent, from its children's versions (fixed
    when the application started, so a later catalogue change never moves them)."""
    rows = children if children is not None else list(children_of(parent))
    return catalog.merge_versions([(c.implementation_code, c.version) for c in rows if c.version])


def _requirements(child: Case) -> list[Any]:
    """The material requirements of a child's version (catalogue ``Material`` rows)."""
    return list(child.version.materials.all()) if child.version is not None else []


def _meanings(child: Case) -> dict[str, str]:
    """The child's material codes → the parent's material code for their meaning."""
    return {m.code: material_code(m.meaning_key) for m in _requirements(child)}


def _bundle(actor: Any, parent: Case) -> Case:
    """The parent locked, checked to be an application of the caller's (404 otherwise)."""
    parent = services._locked(parent)
    services._require_applicant(actor, parent)
    if not is_bundle(parent):
        raise DomainError(KernelCode.NOT_FOUND, _("未找到该资源。"), status=404)
    return parent


# --- applying -------------------------------------------------------------------------------


@transaction.atomic
def start_bundle(*, actor: Any, life_event_code: str, entity_credit_code: str = "") -> Case:
    """A parent draft for a published life event and a child draft per member
    implementation."""
    bundle = catalog.published_life_event(life_event_code)
    event = bundle.event
    parent = Case.objects.create(
        applicant=actor,
        entity_credit_code=entity_credit_code,
        version=None,
        life_event_code=event.code,
        implementation_code="",
        item_name=event.name,
        department=event.department,
        region=event.region,
        channel=Channel.ONLINE,
        created_by=actor,
    )
    CaseMaterial.objects.bulk_create(
        CaseMaterial(
            case=parent,
            code=material_code(m["meaning"]),
            name=m["name"],
            required=m["required"],
        )
        for m in bundle.materials
    )
    children = []
    for implementation in bundle.implementations:
        child = services.start(
            actor=actor,
            implementation_code=implementation.code,
            entity_credit_code=entity_credit_code,
        )
        child.parent = parent
        child.life_event_code = event.code
        child.save(update_fields=["parent", "life_event_code", "updated_at"])
        children.append(child.implementation_code)
    services._event(parent, actor, "bundle_created", life_event=event.code, children=children)
    return parent


@transaction.atomic
def save_bundle_form(*, actor: Any, parent: Case, form_data: dict[str, Any]) -> Case:
    """Keep the merged form as filled so far (checked at submission)."""
    parent = _bundle(actor, parent)
    if parent.status != CaseStatus.DRAFT:
        raise services._transition(parent, _("修改申请表"))
    parent.form_data = form_data
    parent.save(update_fields=["form_data", "updated_at"])
    # Field names only: the values are the applicant's personal data.
    services._event(parent, actor, "bundle_form_saved", fields=sorted(form_data)[:200])
    return parent


@transaction.atomic
def attach_bundle(
    *, actor: Any, parent: Case, meaning: str, stream: IO[bytes], name: str
) -> CaseMaterial:
    """Upload the file for one material meaning, once: every child whose requirement has
    that meaning gets the same file."""
    parent = _bundle(actor, parent)
    if parent.status != CaseStatus.DRAFT:
        raise services._transition(parent, _("上传材料"))
    code = material_code(meaning)
    material = parent.materials.filter(code=code).first()
    if material is None:
        raise services._field_errors(
            ErrorCode.MATERIALS_MISSING,
            [
                {
                    "field": f"materials.{meaning}",
                    "code": "material_unknown",
                    "message": _("这件事不需要“%(meaning)s”这份材料。") % {"meaning": meaning},
                }
            ],
        )
    material.file = files.store_file(stream, name=name, actor=actor)
    material.status = MaterialStatus.UPLOADED
    material.save(update_fields=["file", "status"])
    shared = _share(material, list(children_of(parent)))
    services._event(
        parent,
        actor,
        "bundle_material_attached",
        material=code,
        file=str(material.file_id),
        children=shared,
    )
    return material


def _form_errors(
    parent: Case, children: list[Case], merged: catalog.MergedVersions
) -> list[dict[str, Any]]:
    """The merged form's errors, then each child's own schema on its part of the form (a
    schema may constrain more than its fields), all pointing at the merged form's fields."""
    errors = services.validate_form(merged.form.schema, parent.form_data)
    seen = {(e["field"], e["code"]) for e in errors}
    for child in children:
        keys = merged.field_keys.get(child.implementation_code, {})
        schema = child.version.form_schema if child.version is not None else {}
        for error in services.validate_form(schema, _part(parent, keys)):
            error["field"] = _merged_pointer(error["field"], keys)
            if (error["field"], error["code"]) not in seen:
                seen.add((error["field"], error["code"]))
                errors.append(error)
    return errors


def _share(material: CaseMaterial, children: list[Case]) -> list[str]:
    """Give an uploaded parent material's file to every child whose requirement has its
    meaning; the implementation codes of those children."""
    shared = []
    for child in children:
        codes = [own for own, code in _meanings(child).items() if code == material.code]
        if codes:
            child.materials.filter(code__in=codes).update(
                file=material.file, status=MaterialStatus.UPLOADED, exempt_by=""
            )
            shared.append(child.implementation_code)
    return shared


def form_errors(parent: Case) -> list[dict[str, Any]]:
    """The merged form's errors as submission would find them (for the pages, which check
    the form before the applicant goes on to the materials)."""
    children = list(children_of(parent))
    return _form_errors(parent, children, merged_of(parent, children))


def _part(parent: Case, keys: dict[str, str]) -> dict[str, Any]:
    """The part of the merged form a child's own form asks for, under its own field names."""
    return {own: parent.form_data[key] for own, key in keys.items() if key in parent.form_data}


def _merged_pointer(field: str, keys: dict[str, str]) -> str:
    """``form/<child field>/...`` as ``form/<merged field>/...``."""
    parts = field.split("/")
    if len(parts) > 1 and parts[0] == "form" and parts[1] in keys:
        parts[1] = keys[parts[1]]
    return "/".join(parts)


def licence_type_of(children: list[Case], code: str) -> str:
    """The licence type that may meet the parent's material ``code`` ('' when none does)."""
    for child in children:
        for requirement in _requirements(child):
            if material_code(requirement.meaning_key) == code and requirement.license_type:
                return str(requirement.license_type)
    return ""


def _pass_licence(material: CaseMaterial, children: list[Case]) -> None:
    """A parent material met by a licence: every child requirement of its meaning is too."""
    for child in children:
        codes = [own for own, code in _meanings(child).items() if code == material.code]
        if codes:
            child.materials.filter(code__in=codes).update(
                file=None, status=MaterialStatus.EXEMPT, exempt_by=material.exempt_by
            )


@transaction.atomic
def use_licence_bundle(*, actor: Any, parent: Case, code: str) -> CaseMaterial:
    """The applicant consents to their e-licence standing in for the application's material
    ``code``, for every item that needs it (see paperless.py)."""
    parent = _bundle(actor, parent)
    if parent.status != CaseStatus.DRAFT:
        raise services._transition(parent, _("使用电子证照"))
    children = list(children_of(parent))
    material = parent.materials.filter(code=code).first()
    material = paperless.consent(
        actor=actor,
        case=parent,
        material=material,
        license_type=licence_type_of(children, code),
        code=code,
    )
    _pass_licence(material, children)
    return material


def _exempt_source(children: list[Case], code: str) -> str:
    """Where an exempt material comes from (the first child requirement of its meaning)."""
    for child in children:
        for requirement in _requirements(child):
            if material_code(requirement.meaning_key) == code:
                if requirement.license_type:
                    return f"licence:{requirement.license_type}"
                return f"data:{requirement.shared_data}"
    return ""


def _material_errors(
    parent: Case, children: list[Case], merged: catalog.MergedVersions
) -> list[dict[str, Any]]:
    entries = {material_code(m["meaning"]): m for m in merged.materials}
    errors = []
    for material in parent.materials.all():
        entry = entries.get(material.code)
        if material.status == MaterialStatus.UPLOADED or entry is None:
            continue
        licence_type = licence_type_of(children, material.code)
        if licence_type:
            # Met by an e-licence only with consent, checked again now (paperless.py).
            error = paperless.recheck(parent, material, licence_type)
            if error is not None:
                errors.append(error)
                continue
            if paperless.licence_of(material):
                _pass_licence(material, children)
                continue
        elif entry["exempt_possible"]:
            material.status = MaterialStatus.EXEMPT
            material.exempt_by = _exempt_source(children, material.code)
            material.save(update_fields=["status", "exempt_by"])
            continue
        if material.required:
            errors.append(
                {
                    "field": f"materials.{material.code}",
                    "code": "material_missing",
                    "message": (
                        _("请上传“%(name)s”,或使用您的电子证照。")
                        if licence_type
                        else _("请上传“%(name)s”。")
                    )
                    % {"name": material.name},
                }
            )
    return errors


def _child_refusal(exc: DomainError, child: Case, merged: catalog.MergedVersions) -> DomainError:
    """A child's refusal as the application's: its fields pointed at the merged form and
    material list, the child named."""
    keys = merged.field_keys.get(child.implementation_code, {})
    meanings = _meanings(child)
    errors = []
    for error in exc.details.get("errors", []):
        field = _merged_pointer(str(error.get("field", "")), keys)
        if field.startswith("materials."):
            own = field.removeprefix("materials.")
            field = f"materials.{meanings.get(own, own)}"
        errors.append({**error, "field": field})
    details = {**exc.details, "child": child.implementation_code}
    if errors:
        details["errors"] = errors
    return DomainError(
        exc.code,
        _("“%(item)s”未能提交:%(msg)s") % {"item": child.item_name, "msg": exc.message},
        status=exc.status,
        **details,
    )


@transaction.atomic
def submit_bundle(*, actor: Any, parent: Case, idempotency_key: str) -> Case:
    """Submit the application: the parent gets its case number and every child is submitted
    to its department, all in one transaction. The same key again returns the submitted
    parent unchanged; a key used for another case is refused."""
    key = idempotency_key.strip()[:80]
    if not key:
        raise services._field_errors(
            ErrorCode.IDEMPOTENCY_KEY_REQUIRED,
            [{"field": "idempotency_key", "code": "required", "message": _("缺少提交标识。")}],
            status=400,
        )
    parent = _bundle(actor, parent)
    if parent.idempotency_key == key and parent.status != CaseStatus.DRAFT:
        return parent
    other = Case.objects.filter(applicant_id=parent.applicant_id, idempotency_key=key)
    if other.exclude(pk=parent.pk).exists():
        raise DomainError(
            ErrorCode.IDEMPOTENCY_MISMATCH, _("该提交标识已用于另一份申请。"), status=409
        )
    if parent.status != CaseStatus.DRAFT:
        raise services._transition(parent, _("提交"))
    children = list(children_of(parent))
    moved = [c for c in children if c.status != CaseStatus.DRAFT]
    if moved or not children:
        raise DomainError(
            ErrorCode.STATUS_TRANSITION,
            _("这件事中的“%(item)s”已单独提交,不能再一并提交。")
            % {"item": moved[0].item_name if moved else parent.item_name},
            status=409,
            status_now=parent.status,
        )
    merged = merged_of(parent, children)
    form_errors = _form_errors(parent, children, merged)
    material_errors = _material_errors(parent, children, merged)
    if form_errors or material_errors:
        raise services._field_errors(
            ErrorCode.FORM_INVALID if form_errors else ErrorCode.MATERIALS_MISSING,
            form_errors + material_errors,
        )
    now = timezone.now()
    parent.case_no = services.case_number(parent.region_id, timezone.localdate(now))
    parent.status = CaseStatus.SUBMITTED
    parent.submitted_at = now
    parent.idempotency_key = key
    try:
        with transaction.atomic():
            parent.save(
                update_fields=["case_no", "status", "submitted_at", "idempotency_key", "updated_at"]
            )
    except IntegrityError as exc:  # the same key raced in from another request
        raise DomainError(ErrorCode.CONFLICT, _("该申请正在提交,请稍后查看。"), status=409) from exc
    # Every file the parent holds goes to the children that need it (uploads share it at
    # once; this also covers a file put on the parent some other way).
    for material in parent.materials.filter(status=MaterialStatus.UPLOADED):
        _share(material, children)
    numbers = []
    for child in children:
        child.form_data = _part(parent, merged.field_keys.get(child.implementation_code, {}))
        child.save(update_fields=["form_data", "updated_at"])
        try:
            # The child's own key: unique per applicant like any other, and the same on a
            # retry (but a retry never gets here: the parent's key answers it).
            submitted = services.submit(
                actor=actor, case=child, idempotency_key=f"bundle:{parent.pk}:{child.pk}"
            )
        except DomainError as exc:
            raise _child_refusal(exc, child, merged) from exc
        numbers.append(submitted.case_no)
    services._event(parent, actor, "bundle_submitted", children=numbers)
    # A child may already have moved on (秒批 approves at submission).
    return _follow(parent, actor)


# --- the parent follows its children --------------------------------------------------------


def _derived(children: list[Case]) -> str | None:
    """The parent's status from its children's (None while any is still a draft)."""
    statuses = {c.status for c in children}
    if not children or CaseStatus.DRAFT in statuses:
        return None
    if statuses <= ENDED:
        if statuses == {CaseStatus.WITHDRAWN}:
            return CaseStatus.WITHDRAWN
        if CaseStatus.COMPLETED in statuses:
            return CaseStatus.COMPLETED
        return CaseStatus.REFUSED
    if CaseStatus.SUPPLEMENT in statuses:
        return CaseStatus.SUPPLEMENT
    if CaseStatus.SUBMITTED in statuses:
        return CaseStatus.SUBMITTED
    return CaseStatus.ACCEPTED


def _not_approved(children: list[Case]) -> list[str]:
    """One line per child that ended without approval, for the parent's decision."""
    lines = []
    for child in children:
        if child.status == CaseStatus.COMPLETED and child.decision == Decision.APPROVE:
            continue
        reason = child.decision_reason or child.end_reason
        label = (
            child.get_decision_display()
            if child.status == CaseStatus.COMPLETED
            else child.get_status_display()
        )
        lines.append(
            _("%(item)s(%(no)s):%(label)s%(reason)s")
            % {
                "item": child.item_name,
                "no": child.case_no or "",
                "label": label,
                "reason": f"——{reason}" if reason else "",
            }
        )
    return lines


def _record_child_outcome(parent: Case, child: Case, actor: Any) -> None:
    """A child refused or disapproved is written on the parent's timeline, once."""
    if child.status == CaseStatus.REFUSED:
        kind, reason = "bundle_child_refused", child.end_reason
    elif child.status == CaseStatus.COMPLETED and child.decision == Decision.DISAPPROVE:
        kind, reason = "bundle_child_disapproved", child.decision_reason
    else:
        return
    if parent.events.filter(kind=kind, details__child=child.pk).exists():
        return
    services._event(
        parent,
        actor,
        kind,
        note=_("%(item)s(%(no)s):%(reason)s")
        % {"item": child.item_name, "no": child.case_no or "", "reason": reason},
        child=child.pk,
        child_case_no=child.case_no,
    )


@transaction.atomic
def child_changed(child: Case, *, actor: Any = "system") -> Case | None:
    """Bring the parent of ``child`` up to date after the child changed (called inside the
    child's transaction). Returns the parent, or None for a case without one. Safe to call
    any number of times: only a real change is recorded."""
    if child.parent_id is None:
        return None
    return _follow(services._locked(Case(pk=child.parent_id)), actor)


def _follow(parent: Case, actor: Any) -> Case:
    """The locked parent brought in line with its children."""
    if parent.status == CaseStatus.DRAFT:
        return parent  # the application is being submitted: nothing to follow yet
    children = list(Case.objects.filter(parent=parent).order_by("id"))
    for each in children:
        _record_child_outcome(parent, each, actor)
    status = _derived(children)
    fields = _follow_dates(parent, children)
    previous = parent.status
    if status is not None and status != previous:
        parent.status = status
        fields.append("status")
        now = timezone.now()
        if status == CaseStatus.ACCEPTED and parent.accepted_at is None:
            parent.accepted_at = now
            fields.append("accepted_at")
        if status in ENDED:
            parent.ended_at = now
            fields.append("ended_at")
        if status == CaseStatus.COMPLETED:
            lines = _not_approved(children)
            parent.decision = Decision.DISAPPROVE if lines else Decision.APPROVE
            parent.decision_reason = "\n".join(lines)
            parent.decided_at = now
            fields += ["decision", "decision_reason", "decided_at"]
        elif status == CaseStatus.REFUSED:
            parent.end_reason = "\n".join(_not_approved(children))
            fields.append("end_reason")
    if not fields:
        return parent
    parent.save(update_fields=[*fields, "updated_at"])
    if parent.status != previous:
        # bundle_accepted, bundle_supplement, bundle_resubmitted (back from a supplement),
        # bundle_completed, bundle_refused, bundle_withdrawn
        kind = "resubmitted" if parent.status == CaseStatus.SUBMITTED else parent.status
        services._event(parent, actor, f"bundle_{kind}", status_before=previous)
        if parent.status == CaseStatus.COMPLETED:
            notify(
                parent,
                "bundle_completed",
                _("您申请的“%(name)s”已全部办结。") % {"name": parent.item_name}
                if parent.decision == Decision.APPROVE
                else _("您申请的“%(name)s”已办结,其中部分事项未获准予,请查看办理结果。")
                % {"name": parent.item_name},
            )
    return parent


def _follow_dates(parent: Case, children: list[Case]) -> list[str]:
    """The parent is due when its last child is: the latest promised and statutory dates."""
    changed = []
    for name in ("promised_due", "statutory_due"):
        dates = [getattr(c, name) for c in children if getattr(c, name) is not None]
        latest = max(dates) if dates else None
        if latest != getattr(parent, name):
            setattr(parent, name, latest)
            changed.append(name)
    return changed


# --- reading --------------------------------------------------------------------------------


def summary(parent: Case) -> dict[str, Any]:
    """The application as the applicant (and the API) sees it: the parent, its merged form
    and materials (each with the items that need it), and every child with its number,
    department and state."""
    children = list(children_of(parent))
    merged = merged_of(parent, children)
    names = {c.implementation_code: c.item_name for c in children}
    entries = {material_code(m["meaning"]): m for m in merged.materials}
    materials = []
    for material in parent.materials.select_related("file"):
        entry = entries.get(material.code, {})
        materials.append(
            {
                "code": material.code,
                "meaning": entry.get("meaning", material.code),
                "name": material.name,
                "required": material.required,
                "exempt_possible": bool(entry.get("exempt_possible", False)),
                "copies": int(entry.get("copies", 1)),
                "status": material.status,
                "status_label": str(material.get_status_display()),
                "exempt_by": material.exempt_by,
                "license_type": licence_type_of(children, material.code),
                "file_id": material.file_id,
                "file_name": material.file.name if material.file else "",
                "needed_by": [names.get(s, s) for s in entry.get("sources", [])],
            }
        )
    return {
        "id": parent.pk,
        "case_no": parent.case_no,
        "status": parent.status,
        "status_label": str(parent.get_status_display()),
        "life_event_code": parent.life_event_code,
        "name": parent.item_name,
        "department": parent.department.name,
        "department_code": parent.department.code,
        "entity_credit_code": parent.entity_credit_code,
        "form_data": parent.form_data,
        "form_schema": merged.form.schema,
        "form_ui": merged.form.ui,
        "materials": materials,
        "children": [_child(c) for c in children],
        "decision": parent.decision,
        "decision_label": str(parent.get_decision_display()) if parent.decision else "",
        "decision_reason": parent.decision_reason,
        "end_reason": parent.end_reason,
        "created_at": parent.created_at,
        "submitted_at": parent.submitted_at,
        "accepted_at": parent.accepted_at,
        "promised_due": parent.promised_due,
        "statutory_due": parent.statutory_due,
        "ended_at": parent.ended_at,
        "timeline": [
            {"at": e.at, "kind": e.kind, "note": e.note} for e in parent.events.order_by("at", "id")
        ],
    }


def _child(child: Case) -> dict[str, Any]:
    return {
        "id": child.pk,
        "case_no": child.case_no,
        "status": child.status,
        "status_label": str(child.get_status_display()),
        "implementation_code": child.implementation_code,
        "item_name": child.item_name,
        "department": child.department.name,
        "department_code": child.department.code,
        "decision": child.decision,
        "decision_label": str(child.get_decision_display()) if child.decision else "",
        "decision_reason": child.decision_reason,
        "end_reason": child.end_reason,
        "submitted_at": child.submitted_at,
        "accepted_at": child.accepted_at,
        "promised_due": child.promised_due,
        "decided_at": child.decided_at,
    }
