"""Open-data services: publishers, datasets, resources, versions, API tokens. The only code that
changes these; pages and the Action API call in here.

Every write is ``@transaction.atomic`` with a keyword-only ``actor``, audited in the same
transaction (refusals as ``<action>_refused``), makes a new :class:`DatasetVersion` holding the
whole ``package_show`` dictionary, and re-indexes the dataset for search in the same
transaction, so a change is searchable as soon as it commits and an update never takes a
dataset out of search. An update that changes nothing makes no version.

Payloads are CKAN's: ``create_dataset(data=...)`` takes what ``package_create`` takes,
``update_dataset`` what ``package_update`` takes (a full replace: fields and resources not
given are removed), ``patch_dataset`` only the keys given.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import re
import secrets
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, timedelta
from typing import IO, Any, BinaryIO, cast

from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.kernel import audit, files
from yiwang.kernel import permissions as gate
from yiwang.kernel.errors import DomainError
from yiwang.kernel.models import Department, Region, StoredFile
from yiwang.opendata import datastore, search
from yiwang.opendata.errors import ErrorCode
from yiwang.opendata.models import (
    AccessApplication,
    ApiToken,
    ApplicationStatus,
    Dataset,
    DatasetState,
    DatasetVersion,
    Licence,
    OpenType,
    Publisher,
    Resource,
    ResourceFormat,
    Tag,
    Theme,
    UpdateFrequency,
)
from yiwang.opendata.permissions import PUBLISH

NAME_RE = re.compile(r"^[a-z0-9_-]{2,100}$")
TOKEN_PREFIX = "ywod_"  # noqa: S105 (the public part of a token's format)
TAG_MAX = 100

#: package_dict keys that say when or how often a dataset changed, not what it holds.
_BOOKKEEPING = {"version", "metadata_modified"}

#: Upload formats by file-name extension, with the media type they are served as.
UPLOAD_FORMATS: dict[str, tuple[str, str]] = {
    ".csv": (ResourceFormat.CSV, "text/csv"),
    ".xlsx": (
        ResourceFormat.XLSX,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    ".json": (ResourceFormat.JSON, "application/json"),
}
_TABULAR = {ResourceFormat.CSV, ResourceFormat.XLSX}


def _index(dataset: Dataset) -> None:
    search.index(dataset)


# --- publishers -----------------------------------------------------------------------------


def publisher_name(department: Department) -> str:
    """The CKAN organization name of a department: its code, lower-cased, CKAN-safe."""
    name = re.sub(r"[^a-z0-9_-]+", "-", department.code.lower()).strip("-")
    return (name or f"dept-{department.pk}")[:100].ljust(2, "0")


@transaction.atomic
def ensure_publisher(department: Department, *, actor: Any) -> Publisher:
    """The department's publisher, made on first use."""
    publisher = Publisher.objects.filter(department=department).first()
    if publisher is not None:
        return publisher
    name = publisher_name(department)
    if Publisher.objects.filter(name=name).exists():
        name = f"{name[:90]}-{department.pk}"
    publisher = Publisher.objects.create(department=department, name=name)
    audit.record(
        "opendata.publisher_created",
        actor=actor,
        target=publisher,
        details={"name": name, "department": department.code},
    )
    return publisher


def publisher_title(publisher: Publisher) -> str:
    return str(publisher.department.name)


def publishers_for_user(user: Any) -> QuerySet[Publisher]:
    """The publishers ``user`` may publish for."""
    return gate.restrict(
        Publisher.objects.select_related("department"),
        user,
        PUBLISH,
        region_field="department__region__code",
        department_field="department_id",
    )


def publisher_for_user(user: Any) -> Publisher | None:
    """The publisher ``user`` publishes for by default: their own department's (the first one
    their ``opendata.publish`` roles name), else the first they may publish for."""
    scope = gate.scope_for(user, PUBLISH)
    if scope.department_ids:
        own = (
            Publisher.objects.select_related("department")
            .filter(department_id__in=scope.department_ids)
            .order_by("name")
            .first()
        )
        if own is not None:
            return own
    return publishers_for_user(user).order_by("name").first()


def can_publish(user: Any, publisher: Publisher) -> bool:
    return gate.can(user, PUBLISH, department=publisher.department)


def get_publisher(id_or_name: Any) -> Publisher:
    """A publisher by name or id (CKAN's ``id`` parameter takes either)."""
    value = str(id_or_name or "").strip()
    query = Q(name=value)
    if value.isdigit():
        query |= Q(pk=int(value))
    publisher = Publisher.objects.select_related("department").filter(query).first()
    if publisher is None:
        raise DomainError(ErrorCode.NOT_FOUND, _("未找到该开放机构。"), status=404)
    return publisher


# --- reading datasets -----------------------------------------------------------------------


def _dataset_queryset() -> QuerySet[Dataset]:
    return Dataset.objects.select_related(
        "publisher__department", "licence", "region"
    ).prefetch_related("tags", "resources")


def find_dataset(id_or_name: Any) -> Dataset | None:
    value = str(id_or_name or "").strip()
    if not value:
        return None
    query = Q(name=value)
    with contextlib.suppress(ValueError):
        query |= Q(pk=uuid.UUID(value))
    return _dataset_queryset().filter(query).first()


def dataset_for_user(user: Any, id_or_name: Any) -> Dataset:
    """A dataset ``user`` may see: active ones for everyone, drafts and deleted ones for its
    publisher's staff only; anything else is "not found"."""
    dataset = find_dataset(id_or_name)
    if dataset is None or (
        dataset.state != DatasetState.ACTIVE and not can_publish(user, dataset.publisher)
    ):
        raise DomainError(ErrorCode.NOT_FOUND, _("未找到该数据集。"), status=404)
    return dataset


def dataset_for_editor(user: Any, id_or_name: Any) -> Dataset:
    """A dataset ``user`` may change (someone who may not sees a refusal, not a 404, when the
    dataset is public: CKAN answers 403 there)."""
    dataset = dataset_for_user(user, id_or_name)
    if not can_publish(user, dataset.publisher):
        raise DomainError(ErrorCode.NOT_PERMITTED, _("您无权修改该数据集。"), status=403)
    return dataset


def resource_for_user(user: Any, resource_id: Any) -> Resource:
    try:
        key = uuid.UUID(str(resource_id))
    except ValueError:
        key = None
    resource = (
        Resource.objects.select_related("dataset__publisher__department", "file")
        .filter(pk=key)
        .first()
        if key
        else None
    )
    if resource is None:
        raise DomainError(ErrorCode.NOT_FOUND, _("未找到该数据资源。"), status=404)
    dataset_for_user(user, resource.dataset_id)
    return resource


def active_datasets() -> QuerySet[Dataset]:
    return Dataset.objects.filter(state=DatasetState.ACTIVE)


def may_access(user: Any, dataset: Dataset) -> bool:
    """May ``user`` fetch the data of ``dataset``? Unconditional datasets: everyone.
    Conditional ones: their publisher's staff and holders of an approved, unexpired access
    application."""
    if dataset.open_type != OpenType.CONDITIONAL:
        return True
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if can_publish(user, dataset.publisher):
        return True
    return (
        AccessApplication.objects.filter(
            dataset=dataset, applicant=user, status=ApplicationStatus.APPROVED
        )
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()))
        .exists()
    )


def require_access(user: Any, dataset: Dataset) -> None:
    if not may_access(user, dataset):
        raise DomainError(
            ErrorCode.ACCESS_REQUIRED,
            _("该数据集为有条件开放,请先提交开放申请并获得同意。"),
            status=403,
        )


# --- CKAN dictionaries ----------------------------------------------------------------------


def _iso(moment: Any) -> str | None:
    # CKAN's timestamps: naive ISO 8601 in UTC with microseconds.
    if moment is None:
        return None
    return str(timezone.localtime(moment, UTC).replace(tzinfo=None).isoformat())


iso = _iso


def region_names(codes: Iterable[str]) -> dict[str, str]:
    return dict(Region.objects.filter(code__in=list(codes)).values_list("code", "name"))


def datasets_by_ids(ids: Iterable[Any]) -> list[Dataset]:
    """The datasets of ``ids``, in that order (for a search result's page)."""
    wanted = list(ids)
    found = {d.pk: d for d in _dataset_queryset().filter(pk__in=wanted)}
    return [found[i] for i in wanted if i in found]


def download_url(resource: Resource) -> str:
    filename = resource.file.name if resource.file_id and resource.file else "data"
    path = reverse(
        "opendata:resource_download",
        kwargs={
            "dataset_id": resource.dataset_id,
            "resource_id": resource.pk,
            "filename": filename,
        },
    )
    return f"{settings.YIWANG_PUBLIC_URL}{path}"


def resource_dict(resource: Resource) -> dict[str, Any]:
    uploaded = bool(resource.file_id)
    return {
        "id": str(resource.pk),
        "package_id": str(resource.dataset_id),
        "name": resource.name,
        "description": resource.description,
        "format": resource.format,
        "url": download_url(resource) if uploaded else resource.url,
        "url_type": "upload" if uploaded else None,
        "size": resource.size,
        "mimetype": resource.mimetype or None,
        "hash": resource.hash,
        "encoding": resource.encoding or None,
        "created": _iso(resource.created),
        "last_modified": _iso(resource.last_modified),
        "position": resource.position,
        "datastore_active": resource.datastore_active,
        "state": "active",
    }


def organization_dict(publisher: Publisher, *, package_count: int | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": str(publisher.pk),
        "name": publisher.name,
        "title": publisher_title(publisher),
        "display_name": publisher_title(publisher),
        "description": publisher.description,
        "type": "organization",
        "is_organization": True,
        "state": "active",
        "created": _iso(publisher.created_at),
        "region": publisher.department.region_id,
    }
    if package_count is not None:
        data["package_count"] = package_count
    return data


def package_dict(dataset: Dataset) -> dict[str, Any]:
    """CKAN's ``package_show`` dictionary of ``dataset`` (plus our own fields)."""
    publisher = dataset.publisher
    tags = sorted(tag.name for tag in dataset.tags.all())
    resources = sorted(dataset.resources.all(), key=lambda r: (r.position, r.created))
    return {
        "id": str(dataset.pk),
        "name": dataset.name,
        "title": dataset.title,
        "notes": dataset.notes,
        "type": "dataset",
        "state": dataset.state,
        "private": False,
        "owner_org": str(publisher.pk),
        "organization": {
            "id": str(publisher.pk),
            "name": publisher.name,
            "title": publisher_title(publisher),
            "description": publisher.description,
        },
        "tags": [{"name": name, "display_name": name} for name in tags],
        "num_tags": len(tags),
        "resources": [resource_dict(r) for r in resources],
        "num_resources": len(resources),
        "license_id": dataset.licence_id,
        "license_title": dataset.licence.title,
        "license_url": dataset.licence.url,
        "author": dataset.author,
        "maintainer": dataset.maintainer,
        "maintainer_email": dataset.maintainer_email,
        "extras": list(dataset.extras or []),
        "metadata_created": _iso(dataset.metadata_created),
        "metadata_modified": _iso(dataset.metadata_modified),
        "version": dataset.version,
        "theme": dataset.theme,
        "region": dataset.region_id,
        "region_name": dataset.region.name,
        "open_type": dataset.open_type,
        "open_conditions": dataset.open_conditions,
        "update_frequency": dataset.update_frequency,
        "exchange_resource_code": dataset.exchange_resource_code,
    }


# --- validation -----------------------------------------------------------------------------


class _Errors:
    """Per-field messages collected while validating; raised together."""

    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}

    def add(self, name: str, message: str) -> None:
        self.fields.setdefault(name, []).append(message)

    def raise_if_any(self, code: ErrorCode = ErrorCode.DATASET_INVALID) -> None:
        if self.fields:
            first = next(iter(self.fields.items()))
            raise DomainError(
                code,
                _("%(field)s:%(message)s") % {"field": first[0], "message": first[1][0]},
                status=409,
                errors=self.fields,
            )


def _text(data: Mapping[str, Any], key: str, errors: _Errors, *, max_length: int = 0) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        errors.add(key, _("应为字符串。"))
        return ""
    value = value.strip()
    if max_length and len(value) > max_length:
        errors.add(key, _("长度不能超过 %(n)s 个字符。") % {"n": max_length})
    return value


def _choice(
    data: Mapping[str, Any],
    key: str,
    choices: Iterable[str],
    errors: _Errors,
    default: str = "",
) -> str:
    value = _text(data, key, errors) or default
    if not value:
        errors.add(key, _("缺少必填值。"))
    elif value not in set(choices):
        errors.add(key, _("未知的取值:%(value)s。") % {"value": value})
    return value


def _tag_names(data: Mapping[str, Any], errors: _Errors) -> list[str]:
    raw = data.get("tags") or []
    if isinstance(raw, str):  # a comma-separated string (forms, query strings)
        raw = raw.split(",")
    if not isinstance(raw, list):
        errors.add("tags", _("应为标签列表。"))
        return []
    names: list[str] = []
    for item in raw:
        name = item.get("name") if isinstance(item, dict) else item
        if not isinstance(name, str):
            errors.add("tags", _("标签应为字符串。"))
            continue
        name = name.strip()
        if not name:
            continue
        if len(name) > TAG_MAX:
            errors.add("tags", _("标签“%(tag)s”超过 100 个字符。") % {"tag": name[:20]})
            continue
        if name not in names:
            names.append(name)
    return names


def _extras(data: Mapping[str, Any], errors: _Errors) -> list[dict[str, str]]:
    raw = data.get("extras") or []
    if not isinstance(raw, list):
        errors.add("extras", _("应为键值对列表。"))
        return []
    extras: list[dict[str, str]] = []
    for item in raw:
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("key"), str)
            or not item["key"].strip()
            or not isinstance(item.get("value", ""), str | int | float | bool)
        ):
            errors.add("extras", _('每一项应为 {"key": ..., "value": ...}。'))
            continue
        extras.append({"key": item["key"].strip(), "value": str(item.get("value", ""))})
    return extras


def _owner(data: Mapping[str, Any], actor: Any, errors: _Errors) -> Publisher | None:
    value = data.get("owner_org")
    if value in (None, ""):
        raise DomainError(
            ErrorCode.ORGANIZATION_REQUIRED,
            _("数据集必须指定所属开放机构(owner_org)。"),
            status=409,
            errors={"owner_org": [_("缺少必填值。")]},
        )
    if not isinstance(value, str | int):
        errors.add("owner_org", _("应为开放机构的标识或编号。"))
        return None
    try:
        publisher = get_publisher(value)
    except DomainError:
        errors.add("owner_org", _("未找到该开放机构:%(value)s。") % {"value": value})
        return None
    if not can_publish(actor, publisher):
        raise DomainError(
            ErrorCode.NOT_PERMITTED,
            _("您无权为该开放机构发布数据集。"),
            status=403,
        )
    return publisher


def _clean_dataset(
    data: Mapping[str, Any], *, actor: Any, current: Dataset | None
) -> tuple[dict[str, Any], list[str] | None, list[Any] | None]:
    """Validate a full package dictionary; returns (model values, tag names, resources)."""
    if not isinstance(data, Mapping):
        raise DomainError(ErrorCode.DATASET_INVALID, _("数据集应为 JSON 对象。"), status=409)
    errors = _Errors()
    values: dict[str, Any] = {}

    name = _text(data, "name", errors)
    if not name:
        errors.add("name", _("缺少必填值。"))
    elif not NAME_RE.match(name):
        errors.add("name", _("标识须为 2 到 100 个小写字母、数字、“-”或“_”。"))
    values["name"] = name
    title = _text(data, "title", errors, max_length=300)
    if not title and "title" not in errors.fields:
        errors.add("title", _("缺少必填值。"))
    values["title"] = title
    values["notes"] = _text(data, "notes", errors)

    publisher = _owner(data, actor, errors)
    values["publisher"] = publisher

    values["theme"] = _choice(data, "theme", Theme.values, errors)
    values["update_frequency"] = _choice(
        data, "update_frequency", UpdateFrequency.values, errors, UpdateFrequency.IRREGULAR
    )
    values["open_type"] = _choice(
        data, "open_type", OpenType.values, errors, OpenType.UNCONDITIONAL
    )
    values["open_conditions"] = _text(data, "open_conditions", errors)

    region_code = _text(data, "region", errors)
    if not region_code and publisher is not None:
        region_code = publisher.department.region_id
    region = Region.objects.filter(code=region_code).first() if region_code else None
    if region is None and "region" not in errors.fields:
        errors.add("region", _("未知的行政区划:%(value)s。") % {"value": region_code or "-"})
    values["region"] = region

    licence_id = _text(data, "license_id", errors)
    licence = (
        Licence.objects.filter(id=licence_id).first()
        if licence_id
        else Licence.objects.order_by("position", "id").first()
    )
    if licence is None and "license_id" not in errors.fields:
        errors.add("license_id", _("未知的开放许可协议:%(value)s。") % {"value": licence_id})
    values["licence"] = licence

    state = _text(data, "state", errors) or (
        current.state
        if current is not None and current.state != DatasetState.DELETED
        else DatasetState.ACTIVE
    )
    if state not in (DatasetState.ACTIVE, DatasetState.DRAFT):
        errors.add("state", _("状态只能是 active 或 draft。"))
    values["state"] = state

    values["author"] = _text(data, "author", errors, max_length=200)
    values["maintainer"] = _text(data, "maintainer", errors, max_length=200)
    email = _text(data, "maintainer_email", errors)
    if email and not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", email):
        errors.add("maintainer_email", _("邮箱格式不正确。"))
    values["maintainer_email"] = email
    values["exchange_resource_code"] = _text(data, "exchange_resource_code", errors, max_length=64)
    values["extras"] = _extras(data, errors)
    tags = _tag_names(data, errors)

    resources = data.get("resources")
    if resources is not None and not isinstance(resources, list):
        errors.add("resources", _("应为资源列表。"))
        resources = None
    if isinstance(resources, list) and not all(isinstance(r, dict) for r in resources):
        errors.add("resources", _("每个资源应为 JSON 对象。"))
        resources = None

    if name and "name" not in errors.fields:
        taken = Dataset.objects.filter(name=name)
        if current is not None:
            taken = taken.exclude(pk=current.pk)
        if taken.exists():
            raise DomainError(
                ErrorCode.NAME_TAKEN,
                _("标识“%(name)s”已被其他数据集使用。") % {"name": name},
                status=409,
                errors={"name": [_("该标识已被使用。")]},
            )
    errors.raise_if_any()
    return values, tags, resources


# --- writing datasets -----------------------------------------------------------------------


def _set_tags(dataset: Dataset, names: list[str]) -> None:
    tags = []
    for name in names:
        tag, _created = Tag.objects.get_or_create(name=name)
        tags.append(tag)
    dataset.tags.set(tags)


def _snapshot(dataset: Dataset) -> dict[str, Any]:
    fresh = _dataset_queryset().get(pk=dataset.pk)
    return package_dict(fresh)


def _content(package: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in package.items() if k not in _BOOKKEEPING}


def _new_version(dataset: Dataset, *, actor: Any, note: str) -> dict[str, Any]:
    snapshot = _snapshot(dataset)
    DatasetVersion.objects.create(
        dataset=dataset,
        version=dataset.version,
        snapshot=snapshot,
        note=note[:500],
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    _index(dataset)
    return snapshot


class _NoChange(Exception):
    """Raised inside a savepoint to undo an update that changed nothing."""


@audit.refusals_recorded("opendata.dataset_create")
@transaction.atomic
def create_dataset(*, actor: Any, data: Mapping[str, Any]) -> Dataset:
    """``package_create``: a new dataset (with the http(s) resources listed in it)."""
    values, tags, resources = _clean_dataset(data, actor=actor, current=None)
    dataset = Dataset(
        **values,
        metadata_modified=timezone.now(),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    wanted_id = data.get("id")
    if wanted_id:
        try:
            dataset.id = uuid.UUID(str(wanted_id))
        except ValueError:
            raise DomainError(
                ErrorCode.DATASET_INVALID,
                _("id 应为 UUID。"),
                status=409,
                errors={"id": [_("应为 UUID。")]},
            ) from None
        if Dataset.objects.filter(pk=dataset.id).exists():
            raise DomainError(
                ErrorCode.NAME_TAKEN,
                _("该 id 已被其他数据集使用。"),
                status=409,
                errors={"id": [_("该 id 已被使用。")]},
            )
    dataset.save(force_insert=True)
    _set_tags(dataset, tags or [])
    for position, item in enumerate(resources or []):
        _add_resource(dataset, item, position=position, actor=actor)
    _new_version(dataset, actor=actor, note=_("创建"))
    audit.record(
        "opendata.dataset_created",
        actor=actor,
        target=dataset,
        details={"name": dataset.name, "publisher": dataset.publisher.name},
    )
    return dataset


def _apply(
    dataset: Dataset,
    data: Mapping[str, Any],
    *,
    actor: Any,
    replace_resources: bool,
    action: str,
) -> Dataset:
    """Validate ``data`` as the dataset's whole new dictionary and write it; one new version,
    unless nothing changed."""
    before = _content(_snapshot(dataset))
    values, tags, resources = _clean_dataset(data, actor=actor, current=dataset)
    try:
        with transaction.atomic():
            for key, value in values.items():
                setattr(dataset, key, value)
            dataset.metadata_modified = timezone.now()
            dataset.version = F("version") + 1
            dataset.save()
            dataset.refresh_from_db(fields=["version"])
            _set_tags(dataset, tags or [])
            if replace_resources:
                _replace_resources(dataset, resources or [], actor=actor)
            if _content(_snapshot(dataset)) == before:
                raise _NoChange
    except _NoChange:
        dataset.refresh_from_db()
        return _dataset_queryset().get(pk=dataset.pk)
    snapshot = _new_version(dataset, actor=actor, note=_("更新"))
    changed = sorted(k for k in before if before.get(k) != snapshot.get(k))
    audit.record(
        action,
        actor=actor,
        target=dataset,
        details={"name": dataset.name, "version": dataset.version, "changed": changed},
    )
    return _dataset_queryset().get(pk=dataset.pk)


@audit.refusals_recorded("opendata.dataset_update")
@transaction.atomic
def update_dataset(*, actor: Any, dataset: Dataset, data: Mapping[str, Any]) -> Dataset:
    """``package_update``: replace the dataset's metadata and resources with ``data``
    (resources not listed are removed; a listed resource with its ``id`` is kept and
    updated)."""
    dataset = _lock(dataset)
    _require_editor(actor, dataset)
    full = dict(data)
    full.setdefault("name", dataset.name)
    return _apply(
        dataset, full, actor=actor, replace_resources=True, action="opendata.dataset_updated"
    )


@audit.refusals_recorded("opendata.dataset_patch")
@transaction.atomic
def patch_dataset(*, actor: Any, dataset: Dataset, data: Mapping[str, Any]) -> Dataset:
    """``package_patch``: change only the keys given (``resources``, when given, replaces the
    list as in ``package_update``)."""
    dataset = _lock(dataset)
    _require_editor(actor, dataset)
    current = _snapshot(dataset)
    merged = {**current, "owner_org": current["owner_org"], **dict(data)}
    return _apply(
        dataset,
        merged,
        actor=actor,
        replace_resources="resources" in data,
        action="opendata.dataset_updated",
    )


@audit.refusals_recorded("opendata.dataset_delete")
@transaction.atomic
def delete_dataset(*, actor: Any, dataset: Dataset) -> Dataset:
    """``package_delete``: the dataset's state becomes ``deleted``; it leaves search and the
    public pages, and its name stays taken (as in CKAN, until purged)."""
    dataset = _lock(dataset)
    _require_editor(actor, dataset)
    if dataset.state == DatasetState.DELETED:
        return dataset
    dataset.state = DatasetState.DELETED
    dataset.metadata_modified = timezone.now()
    dataset.version = F("version") + 1
    dataset.save(update_fields=["state", "metadata_modified", "version"])
    dataset.refresh_from_db(fields=["version"])
    _new_version(dataset, actor=actor, note=_("删除"))
    search.remove(dataset)
    audit.record(
        "opendata.dataset_deleted", actor=actor, target=dataset, details={"name": dataset.name}
    )
    return dataset


def _lock(dataset: Dataset) -> Dataset:
    locked = Dataset.objects.select_for_update().filter(pk=dataset.pk).first()
    if locked is None:
        raise DomainError(ErrorCode.NOT_FOUND, _("未找到该数据集。"), status=404)
    return _dataset_queryset().get(pk=locked.pk)


def _require_editor(actor: Any, dataset: Dataset) -> None:
    if not can_publish(actor, dataset.publisher):
        raise DomainError(ErrorCode.NOT_PERMITTED, _("您无权修改该数据集。"), status=403)


def versions(dataset: Dataset) -> QuerySet[DatasetVersion]:
    return DatasetVersion.objects.filter(dataset=dataset).order_by("-version")


# --- resources ------------------------------------------------------------------------------


def max_upload_bytes() -> int:
    return int(getattr(settings, "YIWANG_OPENDATA_MAX_UPLOAD_BYTES", 200 * 1024 * 1024))


def _resource_errors(fields: dict[str, list[str]], code: ErrorCode) -> DomainError:
    first_field, messages = next(iter(fields.items()))
    return DomainError(
        code,
        _("%(field)s:%(message)s") % {"field": first_field, "message": messages[0]},
        status=409,
        errors=fields,
    )


def _check_url(url: Any) -> str:
    if not isinstance(url, str) or not url.strip():
        raise _resource_errors({"url": [_("缺少链接或上传文件。")]}, ErrorCode.RESOURCE_INVALID)
    cleaned = str(url).strip()
    if not re.match(r"^https?://[^\s/?#]+[^\s]*$", cleaned, re.IGNORECASE) or len(cleaned) > 1000:
        raise DomainError(
            ErrorCode.URL_INVALID,
            _("资源链接须为 http 或 https 地址。"),
            status=409,
            errors={"url": [_("资源链接须为 http 或 https 地址。")]},
        )
    return cleaned


def _resource_values(data: Mapping[str, Any], *, url_format: bool) -> dict[str, Any]:
    """Name, description and (for a link) format of a resource dictionary."""
    errors = _Errors()
    values: dict[str, Any] = {
        "name": _text(data, "name", errors, max_length=300),
        "description": _text(data, "description", errors),
    }
    if url_format:
        fmt = _text(data, "format", errors).upper().lstrip(".")
        if not fmt:
            url = str(data.get("url") or "").lower().split("?", 1)[0]
            fmt = next(
                (f for ext, (f, _m) in UPLOAD_FORMATS.items() if url.endswith(ext)),
                ResourceFormat.API,
            )
        if fmt not in ResourceFormat.values:
            errors.add(
                "format",
                _("格式只能是 %(formats)s。") % {"formats": "、".join(ResourceFormat.values)},
            )
        values["format"] = fmt
    if errors.fields:
        raise _resource_errors(errors.fields, ErrorCode.RESOURCE_INVALID)
    return values


def _add_resource(
    dataset: Dataset, data: Mapping[str, Any], *, position: int, actor: Any
) -> Resource:
    """A link resource from a dictionary (``package_create``'s ``resources``)."""
    url = _check_url(data.get("url"))
    values = _resource_values(data, url_format=True)
    resource = Resource(
        dataset=dataset,
        url=url,
        position=position,
        last_modified=timezone.now(),
        **values,
    )
    if not resource.name:
        resource.name = url.rsplit("/", 1)[-1][:300] or url[:300]
    wanted_id = data.get("id")
    if wanted_id:
        try:
            candidate = uuid.UUID(str(wanted_id))
        except ValueError:
            candidate = None
        if candidate is not None and not Resource.objects.filter(pk=candidate).exists():
            resource.id = candidate
    resource.save(force_insert=True)
    return resource


def _replace_resources(dataset: Dataset, items: list[Any], *, actor: Any) -> None:
    """Make the dataset's resources what ``items`` lists, in that order."""
    existing = {str(r.pk): r for r in dataset.resources.select_related("file")}
    kept: set[str] = set()
    for position, item in enumerate(items):
        current = existing.get(str(item.get("id") or ""))
        if current is None:
            _add_resource(dataset, item, position=position, actor=actor)
            continue
        kept.add(str(current.pk))
        _change_resource(current, item, position=position)
    for key, resource in existing.items():
        if key not in kept:
            _drop_resource(resource)


def _change_resource(resource: Resource, data: Mapping[str, Any], *, position: int) -> None:
    """Apply a resource dictionary to an existing resource. An uploaded file stays while
    ``url`` is absent or still its download URL; another URL makes it a link."""
    url = data.get("url")
    keeps_file = bool(resource.file_id) and (url in (None, "") or url == download_url(resource))
    values = _resource_values(data, url_format=not keeps_file)
    before = (resource.name, resource.description, resource.format, resource.url, resource.position)
    if not keeps_file:
        new_url = _check_url(url)
        if resource.file_id:
            _drop_datastore(resource)
            resource.file = None
            resource.size = None
            resource.hash = ""
            resource.mimetype = ""
            resource.encoding = ""
        resource.url = new_url
        resource.format = values["format"]
    resource.name = values["name"] or resource.name
    resource.description = values["description"]
    resource.position = position
    after = (resource.name, resource.description, resource.format, resource.url, resource.position)
    if after != before:
        resource.last_modified = timezone.now()
    resource.save()


def _drop_datastore(resource: Resource) -> None:
    if resource.datastore_active or resource.datastore_table:
        datastore.drop(resource)
    resource.datastore_active = False


def _drop_resource(resource: Resource) -> None:
    _drop_datastore(resource)
    resource.delete()


def _touch(dataset: Dataset, *, actor: Any, note: str) -> None:
    """A resource of ``dataset`` changed: a new version of the dataset."""
    dataset.metadata_modified = timezone.now()
    dataset.version = F("version") + 1
    dataset.save(update_fields=["metadata_modified", "version"])
    dataset.refresh_from_db(fields=["version"])
    _new_version(dataset, actor=actor, note=note)


def _store_upload(
    upload: Any, *, actor: Any, declared_format: str = ""
) -> tuple[StoredFile, str, str]:
    """Keep an uploaded CSV, XLSX or JSON file; returns (record, format, media type). The
    kind comes from the file name's extension, else from the ``format`` the caller declared.
    The size limit is checked while reading, so an oversized upload is never kept."""
    name = str(getattr(upload, "name", "") or "data").replace("\\", "/").rsplit("/", 1)[-1]
    suffix = name[name.rfind(".") :].lower() if "." in name else ""
    if suffix not in UPLOAD_FORMATS:
        declared = f".{declared_format.strip().lower().lstrip('.')}"
        if declared in UPLOAD_FORMATS:
            suffix = declared
            name = f"{name}{declared}"
    if suffix not in UPLOAD_FORMATS:
        raise _resource_errors(
            {"upload": [_("只能上传 CSV、XLSX 或 JSON 文件。")]}, ErrorCode.RESOURCE_INVALID
        )
    fmt, media_type = UPLOAD_FORMATS[suffix]
    limit = max_upload_bytes()
    claimed_size = getattr(upload, "size", None)
    if isinstance(claimed_size, int) and claimed_size > limit:
        raise _too_large(limit)
    upload.seek(0)
    head = upload.read(16)
    if not head:
        raise _file_invalid(_("文件是空的。"))
    sniffed = files.sniff_type(head, name)
    if fmt == ResourceFormat.XLSX and sniffed != media_type:
        raise _file_invalid(_("该文件不是有效的 XLSX 文件。"))
    if fmt != ResourceFormat.XLSX and sniffed is not None:
        raise _file_invalid(_("文件内容与扩展名 %(ext)s 不符。") % {"ext": suffix})
    if fmt == ResourceFormat.JSON and head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] not in (b"{", b"["):
        raise _file_invalid(_("该文件不是有效的 JSON 文件。"))
    digest = hashlib.sha256(head)
    size = len(head)
    for chunk in iter(lambda: upload.read(64 * 1024), b""):
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        digest.update(chunk)
    sha256 = digest.hexdigest()
    upload.seek(0)
    record = StoredFile(
        name=name[:255],
        content_type=media_type,
        size=size,
        sha256=sha256,
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    record.storage_path = default_storage.save(f"{sha256[:2]}/{record.id.hex}", File(upload))
    record.save()
    audit.record(
        "kernel.file_stored",
        actor=actor,
        target=record,
        details={"name": record.name, "size": size, "sha256": sha256, "content_type": media_type},
    )
    return record, fmt, media_type


def _file_invalid(message: str) -> DomainError:
    return DomainError(ErrorCode.FILE_INVALID, message, status=422, errors={"upload": [message]})


def _too_large(limit: int) -> DomainError:
    return DomainError(
        ErrorCode.FILE_TOO_LARGE,
        _("文件超过大小上限 %(limit)s 字节。") % {"limit": limit},
        status=413,
        limit=limit,
        errors={"upload": [_("文件超过大小上限 %(limit)s 字节。") % {"limit": limit}]},
    )


def _attach_upload(
    resource: Resource, upload: Any, *, actor: Any, kept: list[str], declared_format: Any = ""
) -> None:
    """Make ``upload`` the resource's file (its data-store table loaded again for CSV and
    XLSX). ``kept`` collects the stored path, to be removed if the transaction fails."""
    record, fmt, media_type = _store_upload(
        upload,
        actor=actor,
        declared_format=declared_format if isinstance(declared_format, str) else "",
    )
    kept.append(record.storage_path)
    _drop_datastore(resource)
    resource.file = record
    resource.url = ""
    resource.format = fmt
    resource.size = record.size
    resource.mimetype = media_type
    resource.hash = f"sha256:{record.sha256}"
    resource.encoding = ""
    resource.last_modified = timezone.now()
    if not resource.name:
        resource.name = record.name
    resource.save()
    if fmt in _TABULAR:
        with default_storage.open(record.storage_path, "rb") as stream:
            datastore.load(resource, cast(BinaryIO, stream), filename=record.name)
        resource.refresh_from_db()


def _removing_stored_on_failure(function: Any) -> Any:
    """Run ``function(kept=[...])``; if it fails, delete the files it stored (their rows went
    with the rolled-back transaction)."""
    kept: list[str] = []
    try:
        return function(kept)
    except BaseException:
        for path in kept:
            default_storage.delete(path)
        raise


@audit.refusals_recorded("opendata.resource_create")
def create_resource(
    *, actor: Any, dataset: Dataset, data: Mapping[str, Any], upload: Any = None
) -> Resource:
    """``resource_create``: an uploaded file (CSV, XLSX or JSON; tabular files are loaded into
    the data store in the same transaction, so a bad file leaves nothing) or an http(s)
    link."""
    return cast(
        Resource,
        _removing_stored_on_failure(
            lambda kept: _create_resource(
                actor=actor, dataset=dataset, data=data, upload=upload, kept=kept
            )
        ),
    )


@transaction.atomic
def _create_resource(
    *, actor: Any, dataset: Dataset, data: Mapping[str, Any], upload: Any, kept: list[str]
) -> Resource:
    if not isinstance(data, Mapping):
        raise _resource_errors({"resource": [_("应为 JSON 对象。")]}, ErrorCode.RESOURCE_INVALID)
    dataset = _lock(dataset)
    _require_editor(actor, dataset)
    if dataset.state == DatasetState.DELETED:
        raise DomainError(ErrorCode.NOT_FOUND, _("未找到该数据集。"), status=404)
    position = dataset.resources.count()
    if upload is None:
        resource = _add_resource(dataset, data, position=position, actor=actor)
    else:
        values = _resource_values(data, url_format=False)
        resource = Resource(
            dataset=dataset,
            name=values["name"],
            description=values["description"],
            position=position,
        )
        _attach_upload(resource, upload, actor=actor, kept=kept, declared_format=data.get("format"))
    _touch(dataset, actor=actor, note=_("新增资源:%(name)s") % {"name": resource.name})
    audit.record(
        "opendata.resource_created",
        actor=actor,
        target=resource,
        details={
            "dataset": dataset.name,
            "name": resource.name,
            "format": resource.format,
            "uploaded": bool(resource.file_id),
            "size": resource.size,
        },
    )
    return resource


@audit.refusals_recorded("opendata.resource_update")
def update_resource(
    *, actor: Any, resource: Resource, data: Mapping[str, Any], upload: Any = None
) -> Resource:
    """``resource_update`` / ``resource_patch``: change a resource's name, description and
    (for a link) URL and format, fields not given keeping their values; an ``upload``
    replaces its file (and its data-store table)."""
    return cast(
        Resource,
        _removing_stored_on_failure(
            lambda kept: _update_resource(
                actor=actor, resource=resource, data=data, upload=upload, kept=kept
            )
        ),
    )


@transaction.atomic
def _update_resource(
    *, actor: Any, resource: Resource, data: Mapping[str, Any], upload: Any, kept: list[str]
) -> Resource:
    if not isinstance(data, Mapping):
        raise _resource_errors({"resource": [_("应为 JSON 对象。")]}, ErrorCode.RESOURCE_INVALID)
    dataset = _lock(resource.dataset)
    _require_editor(actor, dataset)
    resource = Resource.objects.select_related("file").get(pk=resource.pk)
    given = {k: v for k, v in dict(data).items() if k in {"name", "description", "url", "format"}}
    if upload is not None:
        values = _resource_values(given, url_format=False)
        if values["name"]:
            resource.name = values["name"]
        if "description" in given:
            resource.description = values["description"]
        _attach_upload(
            resource, upload, actor=actor, kept=kept, declared_format=given.get("format")
        )
    else:
        merged = {
            "name": resource.name,
            "description": resource.description,
            "format": resource.format,
            **given,
        }
        if "url" not in given and not resource.file_id:
            merged["url"] = resource.url
        _change_resource(resource, merged, position=resource.position)
    _touch(dataset, actor=actor, note=_("更新资源:%(name)s") % {"name": resource.name})
    audit.record(
        "opendata.resource_updated",
        actor=actor,
        target=resource,
        details={
            "dataset": dataset.name,
            "name": resource.name,
            "replaced_file": upload is not None,
        },
    )
    return Resource.objects.select_related("file").get(pk=resource.pk)


@audit.refusals_recorded("opendata.resource_delete")
@transaction.atomic
def delete_resource(*, actor: Any, resource: Resource) -> None:
    """``resource_delete``: the resource, its data-store table with it."""
    dataset = _lock(resource.dataset)
    _require_editor(actor, dataset)
    name, key = resource.name, str(resource.pk)
    _drop_resource(resource)
    for position, other in enumerate(dataset.resources.order_by("position", "created")):
        if other.position != position:
            Resource.objects.filter(pk=other.pk).update(position=position)
    _touch(dataset, actor=actor, note=_("删除资源:%(name)s") % {"name": name})
    audit.record(
        "opendata.resource_deleted",
        actor=actor,
        target_type="opendata.resource",
        target_id=key,
        details={"dataset": dataset.name, "name": name},
    )


def open_resource_file(user: Any, resource: Resource) -> IO[bytes]:
    """The uploaded file of ``resource``, for someone who may have it; counts the download."""
    dataset = dataset_for_user(user, resource.dataset_id)
    require_access(user, dataset)
    if not resource.file_id or resource.file is None:
        raise DomainError(ErrorCode.NOT_FOUND, _("该资源没有可下载的文件。"), status=404)
    handle = files.open_file(resource.file)
    count_download(resource)
    return handle


def count_download(resource: Resource) -> None:
    Resource.objects.filter(pk=resource.pk).update(download_count=F("download_count") + 1)
    Dataset.objects.filter(pk=resource.dataset_id).update(download_count=F("download_count") + 1)


def count_api_call(dataset_id: Any) -> None:
    if dataset_id:
        Dataset.objects.filter(pk=dataset_id).update(api_call_count=F("api_call_count") + 1)


def count_resource_api_call(resource_id: Any) -> None:
    try:
        key = uuid.UUID(str(resource_id))
    except ValueError:
        return
    dataset_id = Resource.objects.filter(pk=key).values_list("dataset_id", flat=True).first()
    count_api_call(dataset_id)


# --- API tokens -----------------------------------------------------------------------------


def _secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def create_token(
    *, actor: Any, user: Any, name: str, expires_in_days: int | None = None
) -> tuple[ApiToken, str]:
    """A new API token for ``user``; returns the row and the token, shown once (only its
    SHA-256 is kept)."""
    name = (name or "").strip()[:100] or _("API 令牌")
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=prefix,
        secret_hash=_secret_hash(secret),
        expires_at=timezone.now() + timedelta(days=expires_in_days) if expires_in_days else None,
    )
    audit.record(
        "opendata.token_created",
        actor=actor,
        target=token,
        details={"user": user.get_username(), "name": name, "prefix": prefix},
    )
    return token, f"{TOKEN_PREFIX}{prefix}_{secret}"


@transaction.atomic
def revoke_token(*, actor: Any, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(
            "opendata.token_revoked", actor=actor, target=token, details={"prefix": token.prefix}
        )
    return token


def user_for_token(raw: str) -> tuple[Any, ApiToken]:
    """The user of an API token; refuses an unknown, revoked or expired one."""
    refused = DomainError(ErrorCode.TOKEN_INVALID, _("API 令牌无效、已撤销或已过期。"), status=403)
    raw = (raw or "").strip()
    if raw.lower().startswith("bearer "):
        raw = raw[7:].strip()
    if not raw.startswith(TOKEN_PREFIX):
        raise refused
    prefix, _sep, secret = raw[len(TOKEN_PREFIX) :].partition("_")
    if not prefix or not secret:
        raise refused
    token = ApiToken.objects.select_related("user").filter(prefix=prefix).first()
    if token is None or not hmac.compare_digest(token.secret_hash, _secret_hash(secret)):
        raise refused
    now = timezone.now()
    if token.revoked_at is not None or (token.expires_at is not None and token.expires_at <= now):
        raise refused
    if not token.user.is_active:
        raise refused
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    user: Any = token.user
    return user, token
