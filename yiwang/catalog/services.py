"""Catalogue services: every change to items, implementations, versions and life events goes
through here, in one transaction with its audit row, after the permission gate.

Publication: a version is a draft (editable) → submitted for review → published by a
reviewer who is not its submitter (the previous published version becomes superseded) →
withdrawn. A published version never changes; :func:`revise` starts the next draft, which
re-inherits the master item's four common elements (三级四同)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max, Prefetch
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.catalog import decision, forms, permissions, process, rules
from yiwang.catalog.errors import ErrorCode, FieldErrors, field_error
from yiwang.catalog.models import (
    VERSION_CONTENT_FIELDS,
    ImplementationVersion,
    ItemImplementation,
    LifeEvent,
    LifeEventMember,
    LifeEventStatus,
    Material,
    ServiceItem,
    VersionStatus,
)
from yiwang.catalog.schemas import ItemIn, LifeEventIn, MaterialIn, VersionIn
from yiwang.kernel import audit, search
from yiwang.kernel.errors import DomainError
from yiwang.kernel.errors import ErrorCode as KernelCode
from yiwang.kernel.models import Department
from yiwang.kernel.permissions import can

SEARCH_SCOPE = "catalog"
#: The four elements an implementation must state exactly as its master item (三级四同).
COMMON_ELEMENTS = {
    "name": "name",
    "item_code": "code",
    "item_type": "item_type",
    "legal_basis": "legal_basis",
}


# --- gate ---------------------------------------------------------------------------------


def _denied() -> DomainError:
    return DomainError(KernelCode.PERMISSION_DENIED, _("您没有执行此操作的权限。"), status=403)


def require(actor: Any, action: str, department: Department) -> None:
    if isinstance(actor, str):  # a console actor ("cli", "demo"): the operator, not a user
        return
    if not can(actor, action, department=department):
        raise _denied()


def process_source(version: ImplementationVersion) -> str:
    """The BPMN 2.0 process a published version runs (its own or the default one)."""
    return process.source_of(version)


def department_by_code(code: str) -> Department:
    department: Department | None = (
        Department.objects.select_related("region").filter(code=code).first()
    )
    if department is None:
        raise FieldErrors(
            ErrorCode.DEPARTMENT_UNKNOWN,
            [
                field_error(
                    "department_code",
                    "department_unknown",
                    _("部门编码 %(code)s 不存在。") % {"code": code},
                )
            ],
            status=422,
        )
    return department


# --- items --------------------------------------------------------------------------------


def _fees_json(fees: list[Any]) -> list[dict[str, Any]]:
    return [
        {
            "name": f.name,
            "amount": str(Decimal(f.amount).quantize(Decimal("0.01"))),
            "basis": f.basis,
        }
        for f in fees
    ]


def _item_fields(data: ItemIn) -> dict[str, Any]:
    fields = data.model_dump(exclude={"department_code", "materials", "fees", "code"})
    fields["fees"] = _fees_json(data.fees)
    for key in ("item_type", "result_type"):
        fields[key] = str(fields[key])
    return fields


def _check_item(data: ItemIn) -> None:
    errors = []
    if data.result_type == "licence" and not data.result_license_type:
        errors.append(
            field_error(
                "result_license_type",
                "required",
                _("结果为证照的事项必须指明电子证照类型。"),
            )
        )
    codes = [m.code for m in data.materials]
    for i, code in enumerate(codes):
        if code in codes[:i]:
            errors.append(
                field_error(
                    f"materials[{i}].code",
                    "duplicate",
                    _("材料编码 %(code)s 重复。") % {"code": code},
                )
            )
    if errors:
        raise FieldErrors(ErrorCode.ITEM_INVALID, errors)


def _material_rows(materials: list[MaterialIn]) -> list[dict[str, Any]]:
    rows = []
    for position, m in enumerate(materials):
        row = m.model_dump()
        row["form"] = str(row["form"])
        row["source"] = str(row["source"])
        row["position"] = position
        rows.append(row)
    return rows


@transaction.atomic
def create_item(*, actor: Any, data: ItemIn) -> ServiceItem:
    department = department_by_code(data.department_code)
    require(actor, permissions.MANAGE_ITEMS, department)
    _check_item(data)
    if ServiceItem.objects.filter(code=data.code).exists():
        raise FieldErrors(
            ErrorCode.ITEM_CODE_TAKEN,
            [
                field_error(
                    "code", "item_code_taken", _("事项编码 %(code)s 已存在。") % {"code": data.code}
                )
            ],
            status=409,
        )
    item = ServiceItem.objects.create(code=data.code, department=department, **_item_fields(data))
    Material.objects.bulk_create(
        Material(item=item, **row) for row in _material_rows(data.materials)
    )
    audit.record("catalog.item_created", actor=actor, target=item, details={"code": item.code})
    return item


@transaction.atomic
def update_item(*, actor: Any, item: ServiceItem, data: ItemIn) -> ServiceItem:
    """Change the master item (its code stays). Implementations keep their versions: the
    consistency report shows where they now differ, and their next revision re-inherits."""
    item = ServiceItem.objects.select_for_update().get(pk=item.pk)
    require(actor, permissions.MANAGE_ITEMS, item.department)
    department = department_by_code(data.department_code)
    require(actor, permissions.MANAGE_ITEMS, department)
    if data.code != item.code:
        raise FieldErrors(
            ErrorCode.ITEM_INVALID,
            [field_error("code", "item_code_fixed", _("事项编码不能修改。"))],
        )
    _check_item(data)
    fields = _item_fields(data)
    changed = sorted(k for k, v in fields.items() if getattr(item, k) != v)
    old_materials = [material_dict(m) for m in item.materials.all()]
    new_materials = _material_rows(data.materials)
    if [_strip(m) for m in old_materials] != [_strip(m) for m in new_materials]:
        changed.append("materials")
        item.materials.all().delete()
        Material.objects.bulk_create(Material(item=item, **row) for row in new_materials)
    if department != item.department:
        changed.append("department")
    if not changed:
        return item
    for key, value in fields.items():
        setattr(item, key, value)
    item.department = department
    item.revision += 1
    item.save()
    audit.record(
        "catalog.item_updated",
        actor=actor,
        target=item,
        details={"code": item.code, "revision": item.revision, "changed": changed},
    )
    return item


def _strip(material: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in material.items() if k not in {"id", "item_id", "version_id"}}


def material_dict(material: Material, *, position: bool = True) -> dict[str, Any]:
    """A material's content as the schemas and the import/export formats have it."""
    content = {
        "code": material.code,
        "name": material.name,
        "form": material.form,
        "copies": material.copies,
        "required": material.required,
        "source": material.source,
        "license_type": material.license_type,
        "shared_data": material.shared_data,
        "meaning": material.meaning,
        "note": material.note,
    }
    if position:
        content["position"] = material.position
    return content


# --- implementations and versions --------------------------------------------------------


def implementation_code(item: ServiceItem, department: Department) -> str:
    """实施编码: the item code qualified by the implementing department."""
    return f"{item.code}.{department.code}"


def _content(item: ServiceItem, data: VersionIn | None, base: dict[str, Any]) -> dict[str, Any]:
    """A version's content: ``base`` (the previous version, or the master item's elements)
    overlaid with what ``data`` sets."""
    content = dict(base)
    if data is not None:
        given = data.model_dump(exclude_unset=True, exclude={"item_code", "department_code"})
        for key, value in given.items():
            if value is None and key in {
                "service_objects",
                "channels",
                "max_trips",
                "fees",
                "acceptance_conditions",
                "materials",
            }:
                continue
            content[key] = value
        if data.fees is not None:
            content["fees"] = _fees_json(data.fees)
        if data.materials is not None:
            content["materials"] = _material_rows(data.materials)
        content["handling_kind"] = str(content["handling_kind"])
        if "form_schema" in given and "form_ui" not in given:
            content["form_ui"] = forms.without_unknown_fields(
                content["form_schema"], content["form_ui"]
            )
        if content["handling_kind"] == "instant" and "promised_limit_days" not in given:
            content["promised_limit_days"] = None
    for key, master_field in COMMON_ELEMENTS.items():
        content.setdefault(key, getattr(item, master_field))
    content["form_ui"] = forms.with_field_order(content["form_schema"], content["form_ui"])
    return content


def _inherited(item: ServiceItem) -> dict[str, Any]:
    return {
        **{key: getattr(item, master) for key, master in COMMON_ELEMENTS.items()},
        "handling_kind": "promised" if item.statutory_limit_days else "instant",
        "statutory_limit_days": item.statutory_limit_days,
        "promised_limit_days": item.statutory_limit_days or None,
        "acceptance_conditions": item.acceptance_conditions,
        "service_objects": list(item.service_objects),
        "channels": list(item.channels),
        "max_trips": item.max_trips,
        "fees": list(item.fees),
        "result_type": item.result_type,
        "result_name": item.result_name,
        "result_license_type": item.result_license_type,
        "hall_address": "",
        "office_hours": "",
        "phone": "",
        "complaint_phone": "",
        "form_schema": {},
        "form_ui": {},
        "process_bpmn": "",
        "decision_dmn": "",
        "materials": [material_dict(m) for m in item.materials.all()],
    }


def _version_content(version: ImplementationVersion) -> dict[str, Any]:
    content = {f: getattr(version, f) for f in VERSION_CONTENT_FIELDS}
    content["materials"] = [material_dict(m) for m in version.materials.all()]
    return content


def _validate(item: ServiceItem, department: Department, content: dict[str, Any]) -> None:
    errors = rules.check(item, content, department.region.level)
    narrowing_ok = not errors
    codes: set[Any] = set()
    for check in (
        lambda: forms.validate_schema(content["form_schema"]),
        lambda: forms.validate_ui(content["form_ui"], content["form_schema"]),
        lambda: content["process_bpmn"] and process.validate(content["process_bpmn"]),
        lambda: content.get("decision_dmn") and decision.validate(content["decision_dmn"]),
    ):
        try:
            check()
        except FieldErrors as exc:
            errors += exc.details["errors"]
            codes.add(exc.code)
    if errors:
        # A bad form or a bad process alone keeps its own code (form_schema_invalid,
        # bpmn_invalid); anything mixed with a narrowing error is version_invalid.
        code = codes.pop() if narrowing_ok and len(codes) == 1 else ErrorCode.VERSION_INVALID
        raise FieldErrors(code, errors)


def _write_version(
    version: ImplementationVersion, content: dict[str, Any]
) -> ImplementationVersion:
    for key in VERSION_CONTENT_FIELDS:
        setattr(version, key, content[key])
    version.save()
    version.materials.all().delete()
    Material.objects.bulk_create(
        Material(version=version, **{k: v for k, v in m.items() if k != "position"}, position=i)
        for i, m in enumerate(content["materials"])
    )
    return version


@transaction.atomic
def create_implementation(
    *, actor: Any, item: ServiceItem, department: Department, data: VersionIn | None = None
) -> ItemImplementation:
    """Implement ``item`` in ``department``: the implementation and its first draft, which
    inherits everything from the master item except what ``data`` narrows."""
    require(actor, permissions.EDIT, department)
    if ItemImplementation.objects.filter(item=item, department=department).exists():
        raise DomainError(
            ErrorCode.IMPLEMENTATION_EXISTS,
            _("%(dept)s 已实施该事项。") % {"dept": department.name},
            status=409,
        )
    content = _content(item, data, _inherited(item))
    _validate(item, department, content)
    implementation = ItemImplementation.objects.create(
        code=implementation_code(item, department),
        item=item,
        department=department,
        region=department.region,
    )
    version = _write_version(
        ImplementationVersion(implementation=implementation, number=1, created_by=_user(actor)),
        content,
    )
    audit.record(
        "catalog.implementation_created",
        actor=actor,
        target=implementation,
        details={"code": implementation.code, "version": version.number},
    )
    return implementation


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _locked(version: ImplementationVersion) -> ImplementationVersion:
    locked: ImplementationVersion = (
        ImplementationVersion.objects.select_for_update()
        .select_related("implementation__item", "implementation__department__region")
        .get(pk=version.pk)
    )
    return locked


def _transition_error(version: ImplementationVersion, wanted: str) -> DomainError:
    return DomainError(
        ErrorCode.STATUS_TRANSITION,
        _("版本 %(n)d 当前为“%(status)s”,不能%(wanted)s。")
        % {"n": version.number, "status": version.get_status_display(), "wanted": wanted},
        status=409,
        status_now=version.status,
    )


@transaction.atomic
def update_draft(
    *, actor: Any, version: ImplementationVersion, data: VersionIn
) -> ImplementationVersion:
    version = _locked(version)
    implementation = version.implementation
    require(actor, permissions.EDIT, implementation.department)
    if not version.is_editable:
        raise DomainError(
            ErrorCode.VERSION_IMMUTABLE,
            _("版本 %(n)d 当前为“%(status)s”,不能修改;请创建新版本。")
            % {"n": version.number, "status": version.get_status_display()},
            status=409,
        )
    before = _version_content(version)
    content = _content(implementation.item, data, before)
    _validate(implementation.item, implementation.department, content)
    changed = sorted(k for k in content if content[k] != before.get(k))
    if not changed:
        return version
    _write_version(version, content)
    audit.record(
        "catalog.version_updated",
        actor=actor,
        target=version,
        details={
            "implementation": implementation.code,
            "version": version.number,
            "changed": changed,
        },
    )
    return version


@transaction.atomic
def submit(*, actor: Any, version: ImplementationVersion) -> ImplementationVersion:
    version = _locked(version)
    require(actor, permissions.EDIT, version.implementation.department)
    if version.status != VersionStatus.DRAFT:
        raise _transition_error(version, _("提交审核"))
    # Validate again: the master item may have changed since the draft was saved.
    _validate(
        version.implementation.item, version.implementation.department, _version_content(version)
    )
    version.status = VersionStatus.REVIEW
    version.submitted_by = _user(actor)
    version.submitted_at = timezone.now()
    version.save(update_fields=["status", "submitted_by", "submitted_at"])
    _record(actor, "catalog.version_submitted", version)
    return version


def _record(actor: Any, action: str, version: ImplementationVersion, **details: Any) -> None:
    audit.record(
        action,
        actor=actor,
        target=version,
        details={
            "implementation": version.implementation.code,
            "version": version.number,
            **details,
        },
    )


def _require_reviewer(actor: Any, version: ImplementationVersion) -> None:
    require(actor, permissions.REVIEW, version.implementation.department)
    if version.submitted_by_id is not None and version.submitted_by_id == getattr(
        actor, "pk", None
    ):
        raise DomainError(
            ErrorCode.OWN_SUBMISSION,
            _("不能审核自己提交的版本,请由其他审核人员处理。"),
            status=403,
        )


@transaction.atomic
def publish(
    *, actor: Any, version: ImplementationVersion, comment: str = ""
) -> ImplementationVersion:
    version = _locked(version)
    if version.status != VersionStatus.REVIEW:
        require(actor, permissions.REVIEW, version.implementation.department)
        raise _transition_error(version, _("发布"))
    _require_reviewer(actor, version)
    implementation = ItemImplementation.objects.select_for_update().get(
        pk=version.implementation_id
    )
    now = timezone.now()
    previous = implementation.versions.filter(status=VersionStatus.PUBLISHED).first()
    if previous is not None:
        previous.status = VersionStatus.SUPERSEDED
        previous.ended_at = now
        previous.end_reason = _("被版本 %(n)d 替代") % {"n": version.number}
        previous.save(update_fields=["status", "ended_at", "end_reason"])
    version.status = VersionStatus.PUBLISHED
    version.reviewed_by = _user(actor)
    version.reviewed_at = now
    version.review_comment = comment
    version.published_at = now
    version.save(
        update_fields=["status", "reviewed_by", "reviewed_at", "review_comment", "published_at"]
    )
    implementation.current = version
    implementation.save(update_fields=["current"])
    index_implementation(implementation)
    for event in _published_events_containing(implementation):
        index_life_event(event)  # its search text names its members' current versions
    _record(
        actor,
        "catalog.version_published",
        version,
        superseded=previous.number if previous else None,
    )
    return version


@transaction.atomic
def reject(*, actor: Any, version: ImplementationVersion, comment: str) -> ImplementationVersion:
    version = _locked(version)
    if version.status != VersionStatus.REVIEW:
        require(actor, permissions.REVIEW, version.implementation.department)
        raise _transition_error(version, _("退回"))
    _require_reviewer(actor, version)
    if not comment.strip():
        raise FieldErrors(
            ErrorCode.VERSION_INVALID,
            [field_error("comment", "required", _("退回时请写明原因。"))],
        )
    version.status = VersionStatus.DRAFT
    version.reviewed_by = _user(actor)
    version.reviewed_at = timezone.now()
    version.review_comment = comment
    version.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_comment"])
    _record(actor, "catalog.version_rejected", version, comment=comment)
    return version


@transaction.atomic
def withdraw(
    *, actor: Any, implementation: ItemImplementation, reason: str
) -> ImplementationVersion:
    """Take an implementation off the public catalogue (its published version ends)."""
    implementation = ItemImplementation.objects.select_for_update().get(pk=implementation.pk)
    require(actor, permissions.REVIEW, implementation.department)
    version: ImplementationVersion | None = implementation.versions.filter(
        status=VersionStatus.PUBLISHED
    ).first()
    if version is None:
        raise DomainError(
            ErrorCode.STATUS_TRANSITION,
            _("该实施清单没有已发布的版本,无需撤回。"),
            status=409,
        )
    version.status = VersionStatus.WITHDRAWN
    version.ended_at = timezone.now()
    version.end_reason = reason
    version.save(update_fields=["status", "ended_at", "end_reason"])
    implementation.current = None
    implementation.save(update_fields=["current"])
    search.remove(SEARCH_SCOPE, implementation.code)
    _record(actor, "catalog.implementation_withdrawn", version, reason=reason)
    _withdraw_life_events_containing(actor, implementation, reason)
    return version


def _containing(events: set[int]) -> set[int]:
    """The life events that contain any of ``events``, directly or through sub-events."""
    found: set[int] = set()
    frontier = set(events)
    while frontier:
        parents = set(
            LifeEventMember.objects.filter(child_id__in=frontier).values_list(
                "life_event_id", flat=True
            )
        )
        frontier = parents - found
        found |= parents
    return found


def _published_events_containing(implementation: ItemImplementation) -> Any:
    direct = set(
        LifeEventMember.objects.filter(implementation=implementation).values_list(
            "life_event_id", flat=True
        )
    )
    return LifeEvent.objects.filter(
        pk__in=direct | _containing(direct), status=LifeEventStatus.PUBLISHED
    ).select_related("department")


def _withdraw_life_events_containing(
    actor: Any, implementation: ItemImplementation, reason: str
) -> None:
    """A published life event cannot offer an implementation that is gone: it is withdrawn
    with it (and says why), until staff republish it without or with a new member."""
    for event in _published_events_containing(implementation).select_for_update():
        event.status = LifeEventStatus.WITHDRAWN
        event.save(update_fields=["status", "updated_at"])
        index_life_event(event)
        audit.record(
            "catalog.life_event_withdrawn",
            actor=actor,
            target=event,
            details={
                "code": event.code,
                "reason": _("成员 %(code)s 已撤回:%(reason)s")
                % {"code": implementation.code, "reason": reason},
            },
        )


@transaction.atomic
def revise(*, actor: Any, implementation: ItemImplementation) -> ImplementationVersion:
    """Start the next draft from the latest version; it re-inherits the master's four
    common elements and statutory limit. Refused while a draft or review is open."""
    implementation = (
        ItemImplementation.objects.select_for_update()
        .select_related("item", "department__region")
        .get(pk=implementation.pk)
    )
    require(actor, permissions.EDIT, implementation.department)
    open_version = implementation.versions.filter(
        status__in=[VersionStatus.DRAFT, VersionStatus.REVIEW]
    ).first()
    if open_version is not None:
        raise DomainError(
            ErrorCode.STATUS_TRANSITION,
            _("版本 %(n)d 尚未发布(%(status)s),请在该版本上修改。")
            % {"n": open_version.number, "status": open_version.get_status_display()},
            status=409,
            open_version=open_version.number,
        )
    latest = implementation.versions.order_by("-number").first()
    item = implementation.item
    content = _version_content(latest) if latest else _inherited(item)
    for key, master_field in COMMON_ELEMENTS.items():
        content[key] = getattr(item, master_field)
    content["statutory_limit_days"] = item.statutory_limit_days
    number = (implementation.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = _write_version(
        ImplementationVersion(
            implementation=implementation, number=number, created_by=_user(actor)
        ),
        content,
    )
    _record(actor, "catalog.version_created", version, based_on=latest.number if latest else None)
    return version


# --- search -------------------------------------------------------------------------------


def region_prefixes(code: str) -> list[str]:
    return [code[:n] for n in (2, 4, 6, 9, 12) if len(code) >= n]


def index_implementation(implementation: ItemImplementation) -> None:
    version = implementation.current
    if version is None:
        search.remove(SEARCH_SCOPE, implementation.code)
        return
    item = implementation.item
    department = implementation.department
    materials = list(version.materials.all())
    search.index(
        SEARCH_SCOPE,
        implementation.code,
        title=version.name,
        keywords=[item.code, department.name, version.result_name],
        body=" ".join(
            [
                version.acceptance_conditions,
                version.result_name,
                item.process_description,
                *(m.name for m in materials),
            ]
        ),
        filters={
            "kind": ["implementation"],
            "region": region_prefixes(implementation.region_id),
            "department": [str(department.pk)],
            "object": list(version.service_objects),
            "theme": list(item.themes),
        },
        url=reverse("catalog:guide", args=[implementation.code]),
        summary=version.acceptance_conditions[:200],
        data={
            "kind": "implementation",
            "code": implementation.code,
            "department": department.name,
            "region_code": implementation.region_id,
            "handling_kind": version.handling_kind,
            "promised_limit_days": version.promised_limit_days,
            "max_trips": version.max_trips,
            "service_objects": list(version.service_objects),
            "online": "online" in version.channels,
        },
    )


def index_life_event(event: LifeEvent) -> None:
    if event.status != LifeEventStatus.PUBLISHED:
        search.remove(SEARCH_SCOPE, f"event:{event.code}")
        return
    implementations = flatten(event)
    search.index(
        SEARCH_SCOPE,
        f"event:{event.code}",
        title=event.name,
        keywords=[_("一件事")],
        body=" ".join([event.description, *(i.current.name for i in implementations if i.current)]),
        filters={
            "kind": ["life_event"],
            "region": region_prefixes(event.region_id),
            "department": [str(event.department_id)],
            "object": list(event.service_objects),
            "theme": list(event.themes),
        },
        url=reverse("catalog:life-event", args=[event.code]),
        summary=event.description[:200],
        data={
            "kind": "life_event",
            "code": event.code,
            "department": event.department.name,
            "region_code": event.region_id,
            "items": len(implementations),
            "promised_limit_days": event.promised_limit_days,
            "service_objects": list(event.service_objects),
        },
    )


# --- consistency (三级四同) ---------------------------------------------------------------


def consistency_report(*, actor: Any) -> list[dict[str, Any]]:
    """Every implementation (in the actor's scope) whose latest version states a name, type,
    legal basis or code other than its master item's."""
    implementations = (
        ItemImplementation.objects.for_user(actor, permissions.VIEW)
        .select_related("item", "department")
        .prefetch_related(
            Prefetch("versions", queryset=ImplementationVersion.objects.order_by("-number"))
        )
        .order_by("code")
    )
    rows = []
    for implementation in implementations:
        versions = list(implementation.versions.all())
        version = next((v for v in versions if v.status == VersionStatus.PUBLISHED), None)
        version = version or (versions[0] if versions else None)
        if version is None:
            continue
        for local_field, master_field in COMMON_ELEMENTS.items():
            local = str(getattr(version, local_field))
            master = str(getattr(implementation.item, master_field))
            if local != master:
                rows.append(
                    {
                        "implementation_code": implementation.code,
                        "department_name": implementation.department.name,
                        "region_code": implementation.region_id,
                        "version": version.number,
                        "field": local_field,
                        "local_value": local,
                        "master_value": master,
                    }
                )
    return rows


# --- life events --------------------------------------------------------------------------


def _resolve_members(codes: list[str]) -> list[tuple[ItemImplementation | None, LifeEvent | None]]:
    members: list[tuple[ItemImplementation | None, LifeEvent | None]] = []
    errors = []
    for i, code in enumerate(codes):
        if code.startswith("event:"):
            child = LifeEvent.objects.filter(code=code.removeprefix("event:")).first()
            if child is None:
                errors.append(
                    field_error(
                        f"members[{i}]",
                        "member_unknown",
                        _("一件事 %(code)s 不存在。") % {"code": code},
                    )
                )
            members.append((None, child))
        else:
            implementation = ItemImplementation.objects.filter(code=code).first()
            if implementation is None:
                errors.append(
                    field_error(
                        f"members[{i}]",
                        "member_unknown",
                        _("实施清单 %(code)s 不存在。") % {"code": code},
                    )
                )
            members.append((implementation, None))
        if code in codes[:i]:
            errors.append(
                field_error(
                    f"members[{i}]", "duplicate", _("成员 %(code)s 重复。") % {"code": code}
                )
            )
    if errors:
        raise FieldErrors(ErrorCode.LIFE_EVENT_INVALID, errors)
    return members


def _check_no_cycle(event_code: str, children: list[LifeEvent]) -> None:
    """Refuse a life event that would contain itself, directly or through its members."""
    path: list[str] = [event_code]

    def visit(event: LifeEvent) -> None:
        if event.code in path:
            cycle = [*path[path.index(event.code) :], event.code]
            raise FieldErrors(
                ErrorCode.LIFE_EVENT_CIRCULAR,
                [
                    field_error(
                        "members",
                        "life_event_circular",
                        _("一件事之间形成循环:%(cycle)s") % {"cycle": " → ".join(cycle)},
                        cycle=cycle,
                    )
                ],
            )
        path.append(event.code)
        for member in event.members.select_related("child"):
            if member.child is not None:
                visit(member.child)
        path.pop()

    for child in children:
        visit(child)


@transaction.atomic
def save_life_event(*, actor: Any, data: LifeEventIn, event: LifeEvent | None = None) -> LifeEvent:
    department = department_by_code(data.department_code)
    require(actor, permissions.MANAGE_LIFE_EVENTS, department)
    if event is not None:
        event = LifeEvent.objects.select_for_update().get(pk=event.pk)
        require(actor, permissions.MANAGE_LIFE_EVENTS, event.department)
        if data.code != event.code:
            raise FieldErrors(
                ErrorCode.LIFE_EVENT_INVALID,
                [field_error("code", "code_fixed", _("编码不能修改。"))],
            )
    elif LifeEvent.objects.filter(code=data.code).exists():
        raise FieldErrors(
            ErrorCode.LIFE_EVENT_INVALID,
            [field_error("code", "code_taken", _("编码 %(code)s 已存在。") % {"code": data.code})],
            status=409,
        )
    if not data.members:
        raise FieldErrors(
            ErrorCode.LIFE_EVENT_EMPTY,
            [field_error("members", "life_event_empty", _("一件事至少要包含一个事项。"))],
        )
    if f"event:{data.code}" in data.members:  # itself, even before it exists: a cycle
        _check_no_cycle(data.code, [LifeEvent(code=data.code)])
    members = _resolve_members(data.members)
    _check_no_cycle(data.code, [child for _impl, child in members if child is not None])
    fields = {
        "name": data.name,
        "description": data.description,
        "department": department,
        "region": department.region,
        "service_objects": data.service_objects,
        "themes": data.themes,
        "promised_limit_days": data.promised_limit_days,
    }
    created = event is None
    if event is None:
        event = LifeEvent.objects.create(code=data.code, **fields)
    else:
        for key, value in fields.items():
            setattr(event, key, value)
        event.save()
        event.members.all().delete()
    LifeEventMember.objects.bulk_create(
        LifeEventMember(life_event=event, position=i, implementation=impl, child=child)
        for i, (impl, child) in enumerate(members)
    )
    if event.status == LifeEventStatus.PUBLISHED:
        _check_publishable(event)
        index_life_event(event)
    audit.record(
        "catalog.life_event_created" if created else "catalog.life_event_updated",
        actor=actor,
        target=event,
        details={"code": event.code, "members": data.members},
    )
    return event


def flatten(event: LifeEvent) -> list[ItemImplementation]:
    """The distinct implementations of a life event, its sub-events expanded, in order."""
    found: dict[int, ItemImplementation] = {}
    stack: list[str] = []

    def walk(current: LifeEvent) -> None:
        if current.code in stack:  # stored data can't hold a cycle, but never loop forever
            raise FieldErrors(
                ErrorCode.LIFE_EVENT_CIRCULAR,
                [
                    field_error(
                        "members",
                        "life_event_circular",
                        _("一件事之间形成循环:%(cycle)s")
                        % {"cycle": " → ".join([*stack, current.code])},
                    )
                ],
            )
        stack.append(current.code)
        for member in current.members.select_related(
            "implementation__current", "implementation__department", "child"
        ):
            if member.implementation is not None:
                found.setdefault(member.implementation.pk, member.implementation)
            elif member.child is not None:
                walk(member.child)
        stack.pop()

    walk(event)
    return list(found.values())


def _check_publishable(event: LifeEvent) -> list[ItemImplementation]:
    implementations = flatten(event)
    unpublished = [i.code for i in implementations if i.current is None]
    if not implementations:
        raise FieldErrors(
            ErrorCode.LIFE_EVENT_EMPTY,
            [field_error("members", "life_event_empty", _("一件事至少要包含一个事项。"))],
        )
    if unpublished:
        raise FieldErrors(
            ErrorCode.LIFE_EVENT_INVALID,
            [
                field_error(
                    "members",
                    "member_unpublished",
                    _("以下实施清单尚未发布:%(codes)s") % {"codes": ", ".join(unpublished)},
                )
            ],
            status=409,
        )
    merged(event)  # a conflicting form refuses publication
    return implementations


@transaction.atomic
def set_life_event_status(*, actor: Any, event: LifeEvent, status: str) -> LifeEvent:
    event = LifeEvent.objects.select_for_update().select_related("department").get(pk=event.pk)
    require(
        actor,
        permissions.REVIEW
        if status == LifeEventStatus.PUBLISHED
        else permissions.MANAGE_LIFE_EVENTS,
        event.department,
    )
    if status == LifeEventStatus.PUBLISHED:
        _check_publishable(event)
    elif status != LifeEventStatus.WITHDRAWN:
        raise DomainError(ErrorCode.STATUS_TRANSITION, _("不支持的状态。"), status=422)
    if event.status == status:
        return event
    event.status = status
    event.save(update_fields=["status", "updated_at"])
    index_life_event(event)
    audit.record(
        f"catalog.life_event_{status}", actor=actor, target=event, details={"code": event.code}
    )
    return event


@dataclass
class MergedLifeEvent:
    event: LifeEvent
    implementations: list[ItemImplementation]
    form: forms.MergedForm
    materials: list[dict[str, Any]]


def merged(event: LifeEvent) -> MergedLifeEvent:
    """One form and one material list for the whole life event, from the members'
    published (or, before publication, latest) versions."""
    implementations = flatten(event)
    versions = []
    for implementation in implementations:
        version = implementation.current or implementation.versions.order_by("-number").first()
        if version is not None:
            versions.append((implementation.code, version))
    bundle = merge_versions(versions)
    return MergedLifeEvent(
        event=event, implementations=implementations, form=bundle.form, materials=bundle.materials
    )


@dataclass
class MergedVersions:
    form: forms.MergedForm
    #: each material meaning once: meaning, name, required, exempt_possible, copies, sources
    materials: list[dict[str, Any]]
    #: source code → {its own form field → the field's name in the merged form}
    field_keys: dict[str, dict[str, str]]


def merge_versions(versions: list[tuple[str, ImplementationVersion]]) -> MergedVersions:
    """Merge the forms and materials of ``(source code, version)`` pairs: each field meaning
    and each material meaning asked once (a life event, or the child cases of an
    application for one)."""
    form = forms.merge(
        [(source, version.form_schema, version.form_ui) for source, version in versions]
    )
    field_keys = {
        source: {
            name: forms.merged_key(name, prop)
            for name, prop in ((version.form_schema or {}).get("properties") or {}).items()
        }
        for source, version in versions
    }
    materials: dict[str, dict[str, Any]] = {}
    for source, version in versions:
        for material in version.materials.all():
            key = material.meaning_key
            entry = materials.get(key)
            if entry is None:
                materials[key] = {
                    "meaning": key,
                    "name": material.name,
                    "required": material.required,
                    "exempt_possible": material.exempt_possible,
                    "copies": material.copies,
                    "sources": [source],
                }
            else:
                entry["required"] = entry["required"] or material.required
                entry["exempt_possible"] = entry["exempt_possible"] and material.exempt_possible
                entry["copies"] = max(entry["copies"], material.copies)
                if source not in entry["sources"]:
                    entry["sources"].append(source)
    return MergedVersions(form=form, materials=list(materials.values()), field_keys=field_keys)


# --- portal search ------------------------------------------------------------------------


def search_catalog(
    q: str = "",
    *,
    region: str = "",
    department: int | str | None = None,
    service_object: str = "",
    theme: str = "",
    kind: str = "",
    limit: int = 20,
    offset: int = 0,
) -> search.SearchPage:
    """Published implementations and life events matching ``q`` (Chinese words, pinyin or
    initials) and the filters; ``region`` includes everything below it."""
    filters = {
        "region": region,
        "department": str(department or ""),
        "object": service_object,
        "theme": theme,
        "kind": kind,
    }
    return search.search(SEARCH_SCOPE, q, filters=filters, limit=limit, offset=offset)


# --- for other modules ----------------------------------------------------------------------


def published_life_event(code: str) -> MergedLifeEvent:
    """A published life event, for applying: its lead department and region, its members
    (sub-events flattened) each with its published version (``implementation.current``),
    and its merged form and materials; 404 when it is not published."""
    event: LifeEvent | None = (
        LifeEvent.objects.select_related("department", "region")
        .filter(code=code, status=LifeEventStatus.PUBLISHED)
        .first()
    )
    bundle = merged(event) if event is not None else None
    if bundle is None or any(i.current is None for i in bundle.implementations):
        raise DomainError(
            KernelCode.NOT_FOUND,
            _("未找到已发布的一件事 %(code)s。") % {"code": code},
            status=404,
        )
    return bundle


def published_version(code: str) -> ImplementationVersion:
    """The published version of implementation ``code`` with what a case needs (materials,
    department, region); 404 when it is not published."""
    version: ImplementationVersion | None = (
        ImplementationVersion.objects.filter(
            implementation__code=code, status=VersionStatus.PUBLISHED
        )
        .select_related("implementation__department", "implementation__region")
        .prefetch_related("materials")
        .first()
    )
    if version is None:
        raise DomainError(
            KernelCode.NOT_FOUND,
            _("未找到已发布的实施清单 %(code)s。") % {"code": code},
            status=404,
        )
    return version
