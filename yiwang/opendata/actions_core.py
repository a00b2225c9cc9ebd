"""CKAN's core actions: status, packages, resources, organizations, tags, licences, help.

Each reads and checks its parameters (a wrong type is a validation error naming the
parameter), calls one service and shapes the result as CKAN does. Writes need a caller who may
publish for the dataset's organization; the services decide and audit.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from yiwang.opendata import actions, search, services
from yiwang.opendata.actions import Context
from yiwang.opendata.models import (
    Dataset,
    DatasetState,
    Licence,
    OpenType,
    Publisher,
    Tag,
    Theme,
)

ROWS_MAX = 1000
LIST_MAX = 1000

#: Facet titles shown in ``search_facets``.
FACET_TITLES = {
    "organization": "开放机构",
    "tags": "标签",
    "theme": "数据领域",
    "res_format": "格式",
    "region": "行政区划",
    "open_type": "开放类型",
    "license_id": "开放许可协议",
}
DEFAULT_FACETS = ["organization", "tags", "theme", "res_format", "region", "open_type"]


def _require_user(ctx: Context) -> Any:
    if not ctx.authenticated:
        raise actions.not_authorized(_("请提供 API 令牌(Authorization 请求头)。"))
    return ctx.user


def _id(params: dict[str, Any], *names: str) -> str:
    """The first of ``names`` given (CKAN's ``id`` also takes a name)."""
    for name in names:
        value = params.get(name)
        if value not in (None, ""):
            if not isinstance(value, str | int):
                raise actions.validation_error({name: [_("应为字符串。")]})
            return str(value)
    raise actions.validation_error({names[0]: [_("缺少必填值。")]})


def _data(params: dict[str, Any]) -> dict[str, Any]:
    """The call's dictionary without what the API adds (the upload, ``callback``)."""
    return {k: v for k, v in params.items() if k not in {"upload", "callback"}}


# --- site -----------------------------------------------------------------------------------


@actions.action("status_show", summary="站点与 API 的状态(CKAN 版本兼容号、扩展)")
def status_show(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """The site's status: which CKAN API it speaks, its title and its extensions."""
    extensions = ["opendata_core", "opendata_search"]
    if actions.get("datastore_search") is not None:
        extensions.append("datastore")
    if actions.get("datarequest_list") is not None or actions.get("rating_show") is not None:
        extensions.append("participation")
    return {
        "ckan_version": "2.10.4",
        "api_version": 3,
        "site_title": _("公共数据开放平台"),
        "site_description": _("政府公共数据开放平台(兼容 CKAN Action API)"),
        "site_url": f"{settings.YIWANG_PUBLIC_URL}/opendata",
        "locale_default": "zh_Hans_CN",
        "error_emails_to": None,
        "extensions": extensions,
    }


@actions.action("help_show", summary="一个动作的说明")
def help_show(ctx: Context, params: dict[str, Any]) -> str:
    """The documentation of an action (``name``)."""
    name = actions.text(params, "name")
    action = actions.get(name) if name else None
    if action is None:
        raise actions.not_found(_("未知的动作:%(name)s") % {"name": name})
    return (action.fn.__doc__ or action.summary or name).strip()


# --- packages -------------------------------------------------------------------------------


@actions.action("package_list", summary="所有已发布数据集的标识")
def package_list(ctx: Context, params: dict[str, Any]) -> list[str]:
    """The names of the published datasets, by name (``limit``, ``offset`` page them)."""
    limit = actions.integer(params, "limit", 0, minimum=0) if "limit" in params else None
    offset = actions.integer(params, "offset", 0, minimum=0)
    names = (
        Dataset.objects.filter(state=DatasetState.ACTIVE)
        .order_by("name")
        .values_list("name", flat=True)
    )
    rows = names[offset : offset + limit] if limit is not None else names[offset:]
    return list(rows)


def _facet_items(field: str, counts: dict[str, int]) -> list[dict[str, Any]]:
    names = list(counts)
    display: dict[str, str] = {}
    if field == "organization":
        for publisher in Publisher.objects.select_related("department").filter(name__in=names):
            display[publisher.name] = services.publisher_title(publisher)
    elif field == "theme":
        display = {value: str(label) for value, label in Theme.choices}
    elif field == "open_type":
        display = {value: str(label) for value, label in OpenType.choices}
    elif field == "license_id":
        display = dict(Licence.objects.filter(id__in=names).values_list("id", "title"))
    elif field == "region":
        display = services.region_names(names)
    return [
        {"name": value, "display_name": display.get(value, value), "count": count}
        for value, count in counts.items()
    ]


@actions.action("package_search", summary="检索数据集(中文全文、筛选、排序、分面)")
def package_search(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Search datasets: ``q`` (Chinese full text), ``fq`` (``field:value`` filters on
    organization, tags, theme, res_format, region, open_type, license_id), ``sort``
    (``score desc``, ``metadata_modified desc|asc``, ``title_string asc|desc``, ``name
    asc|desc``), ``rows`` (at most 1000), ``start``, ``facet.field`` (a JSON list),
    ``facet.limit``, ``include_drafts``. Returns ``count``, ``results``, ``facets``,
    ``search_facets`` and ``sort``."""
    q = actions.text(params, "q", max_length=500)
    fq = actions.text(params, "fq", max_length=2000)
    sort = actions.text(params, "sort")
    rows = actions.integer(params, "rows", 10, minimum=0, maximum=ROWS_MAX)
    start = actions.integer(params, "start", 0, minimum=0)
    facet_fields = actions.string_list(params, "facet.field")
    facet_limit = actions.integer(params, "facet.limit", 50, minimum=-1)
    if facet_limit < 0:
        facet_limit = 1000
    include_drafts = actions.boolean(params, "include_drafts", False)
    drafts_of = (
        list(services.publishers_for_user(ctx.user).values_list("pk", flat=True))
        if include_drafts and ctx.authenticated
        else None
    )
    found = search.search(
        q=q,
        fq=fq,
        sort=sort,
        rows=rows,
        start=start,
        facet_fields=facet_fields,
        facet_limit=facet_limit,
        include_drafts_of=drafts_of,
    )
    datasets = services.datasets_by_ids(found.ids)
    return {
        "count": found.count,
        "sort": sort or ("score desc" if q.strip() else "metadata_modified desc"),
        "results": [services.package_dict(d) for d in datasets],
        "facets": found.facets,
        "search_facets": {
            field: {"title": FACET_TITLES.get(field, field), "items": _facet_items(field, counts)}
            for field, counts in found.facets.items()
        },
    }


@actions.action("package_show", summary="一个数据集的元数据和资源")
def package_show(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """One dataset's metadata and resources (``id``: its id or name)."""
    dataset = services.dataset_for_user(ctx.user, _id(params, "id", "name"))
    return services.package_dict(dataset)


@actions.action("package_create", side_effect_free=False, summary="创建数据集")
def package_create(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Create a dataset: ``name`` (2–100 lower-case letters, digits, ``-`` ``_``), ``title``,
    ``owner_org``, ``theme``, and optionally ``notes``, ``tags``, ``region``, ``license_id``,
    ``update_frequency``, ``open_type``, ``open_conditions``, ``resources`` (links),
    ``extras``, ``state`` (``active`` or ``draft``)."""
    user = _require_user(ctx)
    dataset = services.create_dataset(actor=user, data=_data(params))
    return services.package_dict(services.dataset_for_user(user, dataset.pk))


@actions.action("package_update", side_effect_free=False, summary="替换数据集的全部元数据")
def package_update(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Replace a dataset (``id`` or ``name``) with the dictionary given: fields and resources
    not given are removed, as in CKAN."""
    user = _require_user(ctx)
    dataset = services.dataset_for_editor(user, _id(params, "id", "name"))
    updated = services.update_dataset(actor=user, dataset=dataset, data=_data(params))
    return services.package_dict(updated)


@actions.action("package_patch", side_effect_free=False, summary="修改数据集的部分字段")
def package_patch(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Change only the fields given of a dataset (``id`` or ``name``)."""
    user = _require_user(ctx)
    dataset = services.dataset_for_editor(user, _id(params, "id", "name"))
    changes = {k: v for k, v in _data(params).items() if k != "id"}
    updated = services.patch_dataset(actor=user, dataset=dataset, data=changes)
    return services.package_dict(updated)


@actions.action("package_delete", side_effect_free=False, summary="删除数据集")
def package_delete(ctx: Context, params: dict[str, Any]) -> None:
    """Delete a dataset (``id`` or ``name``): it leaves search and the public pages."""
    user = _require_user(ctx)
    dataset = services.dataset_for_editor(user, _id(params, "id", "name"))
    services.delete_dataset(actor=user, dataset=dataset)
    return None


@actions.action("package_version_list", summary="数据集的版本历史")
def package_version_list(ctx: Context, params: dict[str, Any]) -> list[dict[str, Any]]:
    """A dataset's versions, newest first: ``version``, ``created``, ``note`` and, with
    ``include_snapshot=true``, the ``package_show`` dictionary as it then stood."""
    dataset = services.dataset_for_user(ctx.user, _id(params, "id", "name"))
    with_snapshot = actions.boolean(params, "include_snapshot", False)
    limit = actions.integer(params, "limit", 100, minimum=1, maximum=LIST_MAX)
    out = []
    for version in services.versions(dataset)[:limit]:
        item: dict[str, Any] = {
            "version": version.version,
            "created": services.iso(version.created_at),
            "note": version.note,
        }
        if with_snapshot:
            item["package"] = version.snapshot
        out.append(item)
    return out


# --- resources ------------------------------------------------------------------------------


@actions.action("resource_show", summary="一个数据资源")
def resource_show(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """One resource (``id``)."""
    resource = services.resource_for_user(ctx.user, _id(params, "id"))
    return services.resource_dict(resource)


@actions.action("resource_create", side_effect_free=False, summary="新增数据资源(上传或链接)")
def resource_create(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Add a resource to a dataset (``package_id``): an ``upload`` (multipart; CSV, XLSX or
    JSON; tabular files are loaded into the data store) or an http(s) ``url``; ``name``,
    ``description``, ``format``."""
    user = _require_user(ctx)
    dataset = services.dataset_for_editor(user, _id(params, "package_id"))
    upload = params.get("upload")
    if upload is not None and not hasattr(upload, "read"):
        if upload in ("", None):
            upload = None
        else:
            raise actions.validation_error({"upload": [_("应为上传的文件(multipart)。")]})
    resource = services.create_resource(
        actor=user, dataset=dataset, data=_data(params), upload=upload
    )
    return services.resource_dict(resource)


def _resource_change(ctx: Context, params: dict[str, Any], *, replace: bool) -> dict[str, Any]:
    user = _require_user(ctx)
    resource = services.resource_for_user(user, _id(params, "id"))
    services.dataset_for_editor(user, resource.dataset_id)
    upload = params.get("upload")
    if upload is not None and not hasattr(upload, "read"):
        upload = None
    data = _data(params)
    if replace and upload is None and "url" not in data and not resource.file_id:
        raise actions.validation_error({"url": [_("缺少必填值。")]})
    changed = services.update_resource(actor=user, resource=resource, data=data, upload=upload)
    return services.resource_dict(changed)


@actions.action("resource_update", side_effect_free=False, summary="修改数据资源")
def resource_update(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Change a resource (``id``): ``name``, ``description``, ``url`` and ``format`` of a
    link, or a new ``upload`` replacing its file."""
    return _resource_change(ctx, params, replace=True)


@actions.action("resource_patch", side_effect_free=False, summary="修改数据资源的部分字段")
def resource_patch(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Change only the given fields of a resource (``id``), or replace its file (``upload``)."""
    return _resource_change(ctx, params, replace=False)


@actions.action("resource_delete", side_effect_free=False, summary="删除数据资源")
def resource_delete(ctx: Context, params: dict[str, Any]) -> None:
    """Delete a resource (``id``) and its data-store table."""
    user = _require_user(ctx)
    resource = services.resource_for_user(user, _id(params, "id"))
    services.dataset_for_editor(user, resource.dataset_id)
    services.delete_resource(actor=user, resource=resource)
    return None


# --- organizations, tags, licences ----------------------------------------------------------


def _publishers_with_counts() -> Any:
    return Publisher.objects.select_related("department").annotate(
        package_count=Count("datasets", filter=Q(datasets__state=DatasetState.ACTIVE))
    )


@actions.action("organization_list", summary="开放机构列表")
def organization_list(ctx: Context, params: dict[str, Any]) -> list[Any]:
    """The publishing organizations: their names, or with ``all_fields=true`` their
    dictionaries (with ``package_count``); ``sort`` (``name asc`` or ``package_count desc``),
    ``limit``, ``offset``."""
    all_fields = actions.boolean(params, "all_fields", False)
    limit = actions.integer(params, "limit", LIST_MAX, minimum=1, maximum=LIST_MAX)
    offset = actions.integer(params, "offset", 0, minimum=0)
    sort = actions.text(params, "sort", "name asc").strip().lower() or "name asc"
    orders = {
        "name asc": ["name"],
        "name desc": ["-name"],
        "name": ["name"],
        "package_count desc": ["-package_count", "name"],
        "package_count": ["-package_count", "name"],
        "title asc": ["department__name"],
    }
    if sort not in orders:
        raise actions.validation_error({"sort": [_("只能按 name 或 package_count 排序。")]})
    rows = _publishers_with_counts().order_by(*orders[sort])[offset : offset + limit]
    if not all_fields:
        return [p.name for p in rows]
    return [services.organization_dict(p, package_count=p.package_count) for p in rows]


@actions.action("organization_show", summary="一个开放机构")
def organization_show(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """One organization (``id``: its id or name); ``include_datasets=true`` adds its
    published datasets (at most 1000)."""
    publisher = services.get_publisher(_id(params, "id"))
    include = actions.boolean(params, "include_datasets", False)
    count = Dataset.objects.filter(publisher=publisher, state=DatasetState.ACTIVE).count()
    data = services.organization_dict(publisher, package_count=count)
    if include:
        ids = (
            Dataset.objects.filter(publisher=publisher, state=DatasetState.ACTIVE)
            .order_by("-metadata_modified")
            .values_list("pk", flat=True)[:LIST_MAX]
        )
        data["packages"] = [services.package_dict(d) for d in services.datasets_by_ids(ids)]
    return data


@actions.action("tag_list", summary="标签列表")
def tag_list(ctx: Context, params: dict[str, Any]) -> list[Any]:
    """The tags of published datasets (``query`` filters them; ``all_fields=true`` gives
    ``{id, name, count}``)."""
    query = actions.text(params, "query", max_length=100).strip()
    all_fields = actions.boolean(params, "all_fields", False)
    tags = (
        Tag.objects.annotate(count=Count("datasets", filter=Q(datasets__state=DatasetState.ACTIVE)))
        .filter(count__gt=0)
        .order_by("name")
    )
    if query:
        tags = tags.filter(name__icontains=query)
    if not all_fields:
        return [t.name for t in tags[:LIST_MAX]]
    return [
        {"id": str(t.pk), "name": t.name, "display_name": t.name, "count": t.count}
        for t in tags[:LIST_MAX]
    ]


@actions.action("license_list", summary="开放许可协议列表")
def license_list(ctx: Context, params: dict[str, Any]) -> list[dict[str, Any]]:
    """The licences datasets may be published under."""
    return [
        {
            "id": licence.id,
            "title": licence.title,
            "url": licence.url,
            "od_conformance": licence.od_conformance,
            "osd_conformance": "not reviewed",
            "status": "active",
        }
        for licence in Licence.objects.all()
    ]
