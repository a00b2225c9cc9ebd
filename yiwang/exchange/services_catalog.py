"""The resource catalogue (政务信息资源目录) and mounts (挂接).

A provider department's data officers register a resource with its whole field list in one
call, publish it (each publish after the first is a new version, kept as a JSON snapshot),
withdraw it, and mount it on a registered base table, an external API or a file. Published
resources are indexed for Chinese search (jieba, pinyin) and exported as JSON or Excel.

Editing a published resource changes the live entry at once (there is no separate draft
copy); the change becomes a new catalogue version when it is published again, and
:func:`has_unpublished_changes` tells whether it needs to be.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
from collections.abc import Iterable
from typing import IO, Any
from urllib.parse import urlsplit

from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.exchange import permissions
from yiwang.exchange.errors import ErrorCode
from yiwang.exchange.models import (
    CYCLE_DAYS,
    DataField,
    DataResource,
    FieldType,
    Mount,
    MountKind,
    OpenType,
    ResourceStatus,
    ResourceVersion,
    ShareMethod,
    ShareType,
    UpdateCycle,
)
from yiwang.exchange.services_common import (
    denied,
    error,
    file_max_bytes,
    invalid,
    is_user,
    not_found,
    reason_of,
    require,
    today,
    user_or_none,
)
from yiwang.kernel import audit, events, files, search
from yiwang.kernel.errors import DomainError
from yiwang.kernel.models import Department
from yiwang.kernel.permissions import can

log = logging.getLogger(__name__)

SEARCH_SCOPE = "exchange.resource"
#: Types a mounted file may have (the kernel tells them by their first bytes).
MOUNT_FILE_TYPES = [
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/zip",
    "application/pdf",
    "application/ofd",
]

_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$")
_FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")

#: The metadata a resource is created or edited with (all of it, every time).
META_FIELDS = (
    "classification",
    "name",
    "abstract",
    "format",
    "share_type",
    "share_conditions",
    "legal_basis",
    "share_methods",
    "open_type",
    "update_cycle",
)


# --- reading ----------------------------------------------------------------------------------


def get_resource(code: str) -> DataResource:
    found: DataResource | None = (
        DataResource.objects.select_related("provider").filter(code=code).first()
    )
    if found is None:
        raise not_found()
    return found


def visible_resources(user: Any) -> QuerySet[DataResource]:
    """What ``user`` sees in the catalogue: every published entry, and the drafts and
    withdrawn entries of the departments whose catalogue they keep."""
    own = Q(pk__in=[])
    if is_user(user):
        from yiwang.kernel.permissions import scope_for

        scope = scope_for(user, permissions.CATALOG)
        if scope.department_ids:
            own |= Q(provider_id__in=scope.department_ids)
        if scope.region_codes:
            own |= scope.region_q("provider__region__code")
    return DataResource.objects.select_related("provider").filter(
        Q(status=ResourceStatus.PUBLISHED) | own
    )


def resource_for_user(user: Any, code: str) -> DataResource:
    """A catalogue entry ``user`` may see; any other answers 404."""
    found: DataResource | None = visible_resources(user).filter(code=code).first()
    if found is None:
        raise not_found()
    return found


def resource_for_editor(user: Any, code: str) -> DataResource:
    """A resource of a department whose catalogue ``user`` keeps; published entries of other
    departments answer 403 (they can be seen), anything else 404."""
    found = resource_for_user(user, code)
    if not can(user, permissions.CATALOG, department=found.provider):
        raise denied()
    return found


def search_resources(
    q: str = "",
    *,
    provider: str = "",
    share_type: str = "",
    classification: str = "",
    user: Any = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[int, list[DataResource]]:
    """Published resources (and, for ``user``, their own department's others) matching the
    words of ``q`` (name, abstract, field titles; jieba words, pinyin, initials) and the
    filters. Returns (total, page)."""
    rows = (
        visible_resources(user)
        if user is not None
        else DataResource.objects.filter(status=ResourceStatus.PUBLISHED)
    )
    if provider:
        rows = rows.filter(provider__code=provider)
    if share_type:
        rows = rows.filter(share_type=share_type)
    if classification:
        rows = rows.filter(classification__startswith=classification)
    if not q.strip():
        rows = rows.order_by("code")
        return rows.count(), list(rows[offset : offset + limit])
    page = search.search(SEARCH_SCOPE, q, limit=1000)
    ranked = [hit.key for hit in page.hits]
    found = {r.code: r for r in rows.filter(code__in=ranked).select_related("provider")}
    ordered = [found[code] for code in ranked if code in found]
    return len(ordered), ordered[offset : offset + limit]


# --- validation ---------------------------------------------------------------------------------


def _choice_error(
    field: str, value: Any, choices: Iterable[str], message: str
) -> dict[str, Any] | None:
    if value not in set(choices):
        return error(field, "choice", message)
    return None


def _meta_errors(meta: dict[str, Any]) -> list[dict[str, Any]]:
    errors: list[dict[str, Any] | None] = []
    required = {
        "classification": _("请填写资源分类。"),
        "name": _("请填写资源名称。"),
        "abstract": _("请填写资源摘要。"),
        "format": _("请填写资源格式。"),
    }
    for name, message in required.items():
        if not str(meta.get(name) or "").strip():
            errors.append(error(name, "required", message))
    classification = str(meta.get("classification") or "").strip()
    if classification and not _CODE.match(classification):
        errors.append(
            error(
                "classification",
                "format",
                _("资源分类代码只能由字母、数字和 . _ / - 组成(不超过64位)。"),
            )
        )
    errors.append(
        _choice_error(
            "share_type", meta.get("share_type"), ShareType.values, _("请选择有效的共享类型。")
        )
    )
    errors.append(
        _choice_error(
            "open_type", meta.get("open_type"), OpenType.values, _("请选择有效的开放类型。")
        )
    )
    errors.append(
        _choice_error(
            "update_cycle",
            meta.get("update_cycle"),
            UpdateCycle.values,
            _("请选择有效的更新周期。"),
        )
    )
    methods = meta.get("share_methods")
    if meta.get("share_type") != ShareType.NOT_SHARED and (
        not isinstance(methods, list) or not methods
    ):
        errors.append(error("share_methods", "required", _("请选择至少一种共享方式。")))
    if isinstance(methods, list):
        for n, method in enumerate(methods):
            errors.append(
                _choice_error(
                    f"share_methods/{n}",
                    method,
                    ShareMethod.values,
                    _("共享方式无效:%(m)s") % {"m": method},
                )
            )
    elif methods is not None:
        errors.append(error("share_methods", "type", _("共享方式应为列表。")))
    if (
        meta.get("share_type") == ShareType.NOT_SHARED
        and not str(meta.get("legal_basis") or "").strip()
    ):
        errors.append(
            error("legal_basis", "required", _("不予共享的资源须填写不予共享的法律法规依据。"))
        )
    if (
        meta.get("share_type") == ShareType.CONDITIONAL
        and not str(meta.get("share_conditions") or "").strip()
    ):
        errors.append(error("share_conditions", "required", _("有条件共享的资源须填写共享条件。")))
    return [e for e in errors if e is not None]


def _field_errors(fields: list[dict[str, Any]]) -> list[dict[str, Any]]:
    errors: list[dict[str, Any]] = []
    if not fields:
        return [error("fields", "required", _("请至少登记一个信息项。"))]
    seen: dict[str, int] = {}
    sources = {str(f.get("authoritative_source") or "").strip() for f in fields}
    known = set(Department.objects.filter(code__in=sources).values_list("code", flat=True))
    for n, spec in enumerate(fields):
        where = f"fields/{n}"
        name = str(spec.get("name") or "").strip()
        if not name:
            errors.append(error(f"{where}/name", "required", _("请填写信息项标识。")))
        elif not _FIELD_NAME.match(name):
            errors.append(
                error(
                    f"{where}/name",
                    "format",
                    _("信息项标识“%(name)s”只能由小写字母、数字和下划线组成,以字母开头。")
                    % {"name": name},
                )
            )
        elif name in seen:
            errors.append(
                error(
                    f"{where}/name",
                    "duplicate",
                    _("信息项标识“%(name)s”重复(第 %(first)d 项已使用)。")
                    % {"name": name, "first": seen[name] + 1},
                )
            )
        else:
            seen[name] = n
        if not str(spec.get("title") or "").strip():
            errors.append(error(f"{where}/title", "required", _("请填写信息项名称。")))
        if spec.get("type", FieldType.STRING) not in FieldType.values:
            errors.append(error(f"{where}/type", "choice", _("信息项的数据类型无效:%(t)s") % spec))
        source = str(spec.get("authoritative_source") or "").strip()
        if not source:
            errors.append(
                error(f"{where}/authoritative_source", "required", _("请填写权威来源部门。"))
            )
        elif source not in known:
            errors.append(
                error(
                    f"{where}/authoritative_source",
                    "unknown_source",
                    _("权威来源部门不存在:%(code)s") % {"code": source},
                )
            )
    return errors


def _refusal(errors: list[dict[str, Any]]) -> DomainError:
    """The most specific code among the errors: a duplicate field, an unknown authoritative
    source, else a generally invalid entry; ``details.errors`` lists them all."""
    kinds = {e["code"] for e in errors}
    if "duplicate" in kinds:
        code = ErrorCode.DUPLICATE_FIELD
        first = next(e for e in errors if e["code"] == "duplicate")
    elif "unknown_source" in kinds:
        code = ErrorCode.UNKNOWN_SOURCE
        first = next(e for e in errors if e["code"] == "unknown_source")
    else:
        code = ErrorCode.RESOURCE_INVALID
        first = errors[0]
    return DomainError(code, first["message"], status=422, errors=errors)


def _clean_meta(meta: dict[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    for name in META_FIELDS:
        value = meta.get(name)
        if isinstance(value, str):
            value = value.strip()
        cleaned[name] = "" if value is None else value
    methods = cleaned["share_methods"] or []
    cleaned["share_methods"] = (
        list(dict.fromkeys(methods)) if isinstance(methods, list) else methods
    )
    return cleaned


def _write_fields(resource: DataResource, fields: list[dict[str, Any]]) -> None:
    resource.fields.all().delete()
    DataField.objects.bulk_create(
        DataField(
            resource=resource,
            name=str(spec["name"]).strip(),
            title=str(spec["title"]).strip(),
            type=spec.get("type") or FieldType.STRING,
            personal=bool(spec.get("personal", False)),
            authoritative_source=str(spec["authoritative_source"]).strip(),
            position=n,
        )
        for n, spec in enumerate(fields)
    )


# --- writing ----------------------------------------------------------------------------------


@audit.refusals_recorded("exchange.resource_create")
@transaction.atomic
def create_resource(
    *, actor: Any, code: str, provider_code: str, fields: list[dict[str, Any]], **meta: Any
) -> DataResource:
    """Register a draft resource of ``provider_code`` with its whole field list.

    ``meta``: classification, name, abstract, format, share_type, share_conditions,
    legal_basis, share_methods, open_type, update_cycle. Each field: name, title, type,
    personal, authoritative_source (a department code). Refusals point at each bad field
    (``details.errors[].field``, e.g. ``fields/2/name``)."""
    provider = Department.objects.filter(code=provider_code, is_active=True).first()
    if provider is None:
        raise invalid(
            ErrorCode.RESOURCE_INVALID,
            [error("provider_code", "unknown", _("提供方部门不存在:%(c)s") % {"c": provider_code})],
        )
    require(actor, permissions.CATALOG, provider)
    code = (code or "").strip()
    errors: list[dict[str, Any]] = []
    if not _CODE.match(code):
        errors.append(
            error("code", "format", _("资源代码只能由字母、数字和 . _ / - 组成(不超过64位)。"))
        )
    elif DataResource.objects.filter(code=code).exists():
        errors.append(error("code", "taken", _("资源代码已被使用:%(c)s") % {"c": code}))
    cleaned = _clean_meta(meta)
    errors += _meta_errors(cleaned) + _field_errors(fields)
    if errors:
        raise _refusal(errors)
    resource = DataResource.objects.create(code=code, provider=provider, **cleaned)
    _write_fields(resource, fields)
    audit.record(
        "exchange.resource_created",
        actor=actor,
        target=resource,
        details={"code": code, "provider": provider.code, "fields": len(fields)},
    )
    return resource


@audit.refusals_recorded("exchange.resource_update")
@transaction.atomic
def update_resource(
    *, actor: Any, resource: DataResource, fields: list[dict[str, Any]], **meta: Any
) -> DataResource:
    """Replace a resource's metadata and field list (all of them, as on creation). A
    published resource stays published; publish it again to make the change a version."""
    resource = DataResource.objects.select_for_update().get(pk=resource.pk)
    require(actor, permissions.CATALOG, resource.provider)
    _refuse_remote(resource)
    cleaned = _clean_meta(meta)
    errors = _meta_errors(cleaned) + _field_errors(fields)
    if errors:
        raise _refusal(errors)
    for name, value in cleaned.items():
        setattr(resource, name, value)
    resource.save()
    _write_fields(resource, fields)
    audit.record(
        "exchange.resource_updated",
        actor=actor,
        target=resource,
        details={"code": resource.code, "status": resource.status, "fields": len(fields)},
    )
    if resource.status == ResourceStatus.PUBLISHED:
        index_resource(resource)
    return resource


def snapshot(resource: DataResource) -> dict[str, Any]:
    """The resource and its fields as JSON (what a version keeps, what export gives)."""
    return {
        "code": resource.code,
        "classification": resource.classification,
        "name": resource.name,
        "provider_code": resource.provider.code,
        "provider_name": resource.provider.name,
        "abstract": resource.abstract,
        "format": resource.format,
        "share_type": resource.share_type,
        "share_conditions": resource.share_conditions,
        "legal_basis": resource.legal_basis,
        "share_methods": list(resource.share_methods),
        "open_type": resource.open_type,
        "update_cycle": resource.update_cycle,
        "fields": [
            {
                "name": f.name,
                "title": f.title,
                "type": f.type,
                "personal": f.personal,
                "authoritative_source": f.authoritative_source,
            }
            for f in resource.fields.all()
        ],
    }


def _content(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in ("version", "publish_date", "status")}


def has_unpublished_changes(resource: DataResource) -> bool:
    latest = resource.versions.order_by("-version").first()
    return latest is None or _content(latest.snapshot) != _content(snapshot(resource))


def _refuse_remote(resource: DataResource) -> None:
    """A peer node's entry (a read-only copy kept by the cascade) is changed only by the
    cascade's ``catalog.publish`` messages, never edited, published, withdrawn or mounted
    here."""
    if resource.origin_node:
        raise DomainError(
            ErrorCode.REMOTE_READ_ONLY,
            _("该资源来自节点 %(node)s,为只读副本,只能由其所属节点修改。")
            % {"node": resource.origin_node},
            status=409,
            node=resource.origin_node,
        )


def _transition_refused(resource: DataResource, verb: str) -> DomainError:
    return DomainError(
        ErrorCode.STATUS_TRANSITION,
        _("资源当前状态为“%(status)s”,不能%(verb)s。")
        % {"status": ResourceStatus(resource.status).label, "verb": verb},
        status=409,
        status_now=resource.status,
    )


@audit.refusals_recorded("exchange.resource_publish")
@transaction.atomic
def publish_resource(*, actor: Any, resource: DataResource) -> ResourceVersion:
    """Publish (or re-publish after an edit or a withdrawal): the first publish is version
    1, each later one the next number; the version keeps a snapshot."""
    resource = (
        DataResource.objects.select_for_update().select_related("provider").get(pk=resource.pk)
    )
    require(actor, permissions.CATALOG, resource.provider)
    _refuse_remote(resource)
    if resource.status == ResourceStatus.PUBLISHED and not has_unpublished_changes(resource):
        raise _transition_refused(resource, _("重复发布(内容未变更)"))
    last = resource.versions.aggregate(n=Max("version"))["n"]
    resource.version = (last or 0) + 1
    resource.status = ResourceStatus.PUBLISHED
    resource.publish_date = today()
    resource.save()
    data = snapshot(resource)
    data.update(version=resource.version, publish_date=resource.publish_date.isoformat())
    version = ResourceVersion.objects.create(
        resource=resource,
        version=resource.version,
        snapshot=data,
        published_at=timezone.now(),
        published_by=user_or_none(actor),
    )
    index_resource(resource)
    audit.record(
        "exchange.resource_published",
        actor=actor,
        target=resource,
        details={"code": resource.code, "version": resource.version},
    )
    events.emit(
        "exchange.resource_published",
        {
            "code": resource.code,
            "version": resource.version,
            "provider": resource.provider.code,
            "share_type": resource.share_type,
        },
    )
    return version


@audit.refusals_recorded("exchange.resource_withdraw")
@transaction.atomic
def withdraw_resource(*, actor: Any, resource: DataResource, reason: str) -> DataResource:
    """Take a published resource out of the catalogue (撤销); grants stay on record."""
    reason = reason_of(reason)
    resource = (
        DataResource.objects.select_for_update().select_related("provider").get(pk=resource.pk)
    )
    require(actor, permissions.CATALOG, resource.provider)
    _refuse_remote(resource)
    if resource.status != ResourceStatus.PUBLISHED:
        raise _transition_refused(resource, _("撤销"))
    resource.status = ResourceStatus.WITHDRAWN
    resource.save(update_fields=["status", "updated_at"])
    search.remove(SEARCH_SCOPE, resource.code)
    audit.record(
        "exchange.resource_withdrawn",
        actor=actor,
        target=resource,
        details={"code": resource.code, "reason": reason},
    )
    events.emit(
        "exchange.resource_withdrawn",
        {"code": resource.code, "provider": resource.provider.code, "reason": reason},
    )
    return resource


def index_resource(resource: DataResource) -> None:
    """(Re-)index a published resource: its name as title, abstract and field titles as
    body; ``search_text`` keeps the analysed words (for reading, not for the lookup)."""
    titles = [f.title for f in resource.fields.all()]
    search.index(
        SEARCH_SCOPE,
        resource.code,
        title=resource.name,
        keywords=[resource.code, resource.provider.name, *titles],
        body=" ".join([resource.abstract, resource.share_conditions]),
        filters={
            "provider": [resource.provider.code],
            "share_type": [resource.share_type],
        },
        summary=resource.abstract[:200],
        data={"code": resource.code, "provider": resource.provider.code},
    )
    text = " ".join(search.words(" ".join([resource.name, resource.abstract, *titles])))
    DataResource.objects.filter(pk=resource.pk).update(search_text=text)


# --- export -------------------------------------------------------------------------------------


def export_entries(rows: QuerySet[DataResource] | None = None) -> list[dict[str, Any]]:
    """Published entries with their fields, as JSON-ready dicts."""
    if rows is None:
        rows = DataResource.objects.filter(status=ResourceStatus.PUBLISHED)
    rows = rows.select_related("provider").prefetch_related("fields").order_by("code")
    out = []
    for resource in rows:
        data = snapshot(resource)
        data.update(
            version=resource.version,
            status=resource.status,
            publish_date=resource.publish_date.isoformat() if resource.publish_date else None,
        )
        out.append(data)
    return out


XLSX_RESOURCE_COLUMNS = [
    ("code", "资源代码"),
    ("classification", "资源分类"),
    ("name", "资源名称"),
    ("provider_code", "提供方代码"),
    ("provider_name", "提供方"),
    ("abstract", "资源摘要"),
    ("format", "资源格式"),
    ("share_type", "共享类型"),
    ("share_conditions", "共享条件"),
    ("legal_basis", "不予共享依据"),
    ("share_methods", "共享方式"),
    ("open_type", "开放类型"),
    ("update_cycle", "更新周期"),
    ("version", "版本"),
    ("publish_date", "发布日期"),
]
XLSX_FIELD_COLUMNS = [
    ("resource_code", "资源代码"),
    ("name", "信息项标识"),
    ("title", "信息项名称"),
    ("type", "数据类型"),
    ("personal", "个人信息"),
    ("authoritative_source", "权威来源"),
]


def export_xlsx(rows: QuerySet[DataResource] | None = None) -> bytes:
    """The same as an Excel workbook: a sheet of resources and a sheet of their fields."""
    from openpyxl import Workbook

    entries = export_entries(rows)
    book = Workbook()
    sheet = book.worksheets[0]
    sheet.title = "资源目录"
    sheet.append([title for _key, title in XLSX_RESOURCE_COLUMNS])
    for entry in entries:
        sheet.append(
            [
                "、".join(entry[key]) if key == "share_methods" else entry[key]
                for key, _title in XLSX_RESOURCE_COLUMNS
            ]
        )
    items = book.create_sheet("信息项")
    items.append([title for _key, title in XLSX_FIELD_COLUMNS])
    for entry in entries:
        for f in entry["fields"]:
            items.append(
                [
                    entry["code"],
                    f["name"],
                    f["title"],
                    f["type"],
                    "是" if f["personal"] else "否",
                    f["authoritative_source"],
                ]
            )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- mounts (挂接) ------------------------------------------------------------------------------


def _registry() -> dict[str, Any]:
    """The base tables that can back a resource (``exchange.sources``)."""
    from yiwang.exchange import sources

    return dict(sources.registered())


def _mount_refused(field: str, message: str) -> DomainError:
    return invalid(ErrorCode.MOUNT_INVALID, [error(field, "invalid", message)])


def _save_mount(actor: Any, resource: DataResource, **values: Any) -> Mount:
    values.setdefault("file", None)
    values.setdefault("key_field", "")
    values.setdefault("row_count", None)
    values.setdefault("data_updated_at", None)
    mount, _created = Mount.objects.update_or_create(
        resource=resource, defaults={**values, "mounted_by": user_or_none(actor)}
    )
    audit.record(
        "exchange.mounted",
        actor=actor,
        target=resource,
        details={
            "code": resource.code,
            "kind": mount.kind,
            "source": mount.source,
            "row_count": mount.row_count,
        },
    )
    return mount


def _editable(actor: Any, resource: DataResource) -> DataResource:
    resource = (
        DataResource.objects.select_for_update().select_related("provider").get(pk=resource.pk)
    )
    require(actor, permissions.CATALOG, resource.provider)
    _refuse_remote(resource)
    return resource


@audit.refusals_recorded("exchange.mount")
@transaction.atomic
def mount_table(*, actor: Any, resource: DataResource, source_name: str) -> Mount:
    """Back a resource with a registered base table (``exchange.sources``): every field of
    the resource must be a column of the table."""
    resource = _editable(actor, resource)
    registry = _registry()
    source = registry.get(source_name)
    if source is None:
        raise _mount_refused("source_name", _("数据源未登记:%(name)s") % {"name": source_name})
    missing = [f.name for f in resource.fields.all() if f.name not in set(source.field_names)]
    if missing:
        raise _mount_refused(
            "source_name",
            _("数据源 %(name)s 没有这些信息项:%(fields)s")
            % {"name": source_name, "fields": "、".join(missing)},
        )
    return _save_mount(
        actor,
        resource,
        kind=MountKind.TABLE,
        source=source_name,
        key_field=source.key_field,
        row_count=source.row_count(),
        data_updated_at=source.data_updated_at(),
    )


@audit.refusals_recorded("exchange.mount")
@transaction.atomic
def mount_api(*, actor: Any, resource: DataResource, url: str, key_field: str = "") -> Mount:
    """Back a resource with an external API (http or https)."""
    resource = _editable(actor, resource)
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > 200:
        raise _mount_refused("url", _("接口地址须为 http 或 https 网址(不超过200字符)。"))
    return _save_mount(actor, resource, kind=MountKind.API, source=url, key_field=key_field)


@audit.refusals_recorded("exchange.mount")
@transaction.atomic
def mount_file(*, actor: Any, resource: DataResource, stream: IO[bytes], name: str) -> Mount:
    """Back a resource with a file kept by the kernel (Excel, ZIP, PDF or OFD), at most
    ``YIWANG_EXCHANGE_FILE_MAX_BYTES`` (50 MB by default): a larger one is refused (413)."""
    resource = _editable(actor, resource)
    limit = file_max_bytes()
    try:
        stored = files.store_file(
            stream, name=name, actor=actor, max_bytes=limit, allowed_types=MOUNT_FILE_TYPES
        )
    except DomainError as refused:
        if refused.status == 413:
            raise DomainError(
                ErrorCode.FILE_TOO_LARGE,
                _("文件超过大小上限(%(mb)s MB)。") % {"mb": round(limit / 1024 / 1024, 1)},
                status=413,
                limit=limit,
            ) from refused
        raise DomainError(
            ErrorCode.MOUNT_INVALID,
            refused.message,
            status=422,
            errors=[error("file", str(refused.code), str(refused.message))],
        ) from refused
    return _save_mount(
        actor,
        resource,
        kind=MountKind.FILE,
        source=stored.name,
        file=stored,
        data_updated_at=timezone.now(),
    )


@transaction.atomic
def touch_mount(
    resource: DataResource,
    when: dt.datetime | None = None,
    *,
    actor: Any = "system",
    row_count: int | None = None,
) -> Mount:
    """The data behind a resource changed (at ``when``, now by default): keep the time for
    freshness and tell subscribers (event ``exchange.resource_changed``; with ``NATS_URL``
    set the kernel relay also publishes it to JetStream)."""
    when = when or timezone.now()
    mount: Mount | None = Mount.objects.select_for_update().filter(resource=resource).first()
    if mount is None:
        raise _mount_refused("resource", _("资源尚未挂接数据。"))
    mount.data_updated_at = when
    fields = ["data_updated_at"]
    if row_count is not None:
        mount.row_count = row_count
        fields.append("row_count")
    mount.save(update_fields=fields)
    audit.record(
        "exchange.data_updated",
        actor=actor,
        target=resource,
        details={"code": resource.code, "at": when.isoformat(), "row_count": row_count},
    )
    events.emit(
        "exchange.resource_changed",
        {"code": resource.code, "version": resource.version, "when": when.isoformat()},
    )
    return mount


def _table_row_count(mount: Mount) -> int | None:
    if mount.kind != MountKind.TABLE:
        return None
    source = _registry().get(mount.source)
    return source.row_count() if source is not None else None


@audit.refusals_recorded("exchange.touch")
@transaction.atomic
def touch_resource(*, actor: Any, resource: DataResource) -> Mount:
    """The provider says a resource's data changed now (a scheduled load job, an officer):
    :func:`touch_mount` with, for a table mount, the table's row count."""
    resource = _editable(actor, resource)
    mount = Mount.objects.filter(resource=resource).first()
    if mount is None:
        raise _mount_refused("resource", _("资源尚未挂接数据。"))
    return touch_mount(resource, actor=actor, row_count=_table_row_count(mount))


def touch_tables(source_names: Iterable[str], *, actor: Any = "system") -> list[Mount]:
    """The base tables ``source_names`` were written to (e.g. by ``yiwang exchange synth``):
    touch every local resource mounted on them, with the table's row count."""
    registry = _registry()
    touched: list[Mount] = []
    for name in source_names:
        source = registry.get(name)
        if source is None:
            continue
        rows = source.row_count()
        mounts = Mount.objects.filter(
            kind=MountKind.TABLE, source=name, resource__origin_node=""
        ).select_related("resource")
        for mount in mounts.order_by("resource__code"):
            touched.append(touch_mount(mount.resource, actor=actor, row_count=rows))
    return touched


def _published(department_code: str | None) -> QuerySet[DataResource]:
    rows = DataResource.objects.filter(status=ResourceStatus.PUBLISHED, origin_node="")
    if department_code:
        rows = rows.filter(provider__code=department_code)
    return rows


def mount_counts(department_code: str | None = None) -> tuple[int, int, int]:
    """(published, mounted, fresh) resources of a department (all when None)."""
    published = _published(department_code)
    mounted = published.filter(mount__isnull=False)
    now = timezone.now()
    fresh = 0
    for cycle, updated in mounted.values_list("update_cycle", "mount__data_updated_at"):
        days = CYCLE_DAYS.get(UpdateCycle(cycle), 366)
        if updated is not None and now - updated <= dt.timedelta(days=days):
            fresh += 1
    return published.count(), mounted.count(), fresh


def mount_rate(department_code: str | None = None) -> float:
    """挂接率: mounted published resources / published resources (0.0 when none)."""
    published, mounted, _fresh = mount_counts(department_code)
    return round(mounted / published, 4) if published else 0.0


def freshness_rate(department_code: str | None = None) -> float:
    """鲜活率: mounted published resources updated within their cycle (``CYCLE_DAYS``) /
    mounted published resources (0.0 when none)."""
    _published_count, mounted, fresh = mount_counts(department_code)
    return round(fresh / mounted, 4) if mounted else 0.0
