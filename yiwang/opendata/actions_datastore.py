"""CKAN's data-store actions: ``datastore_search`` and ``datastore_info``.

Parameters are CKAN's. ``filters`` and a per-field ``q`` may come as JSON objects or (from a
query string) JSON-encoded strings; ``fields`` as a list or a comma-separated string. Beyond
CKAN, ``cursor`` continues after the last row of a previous page (its ``next_cursor``): keyset
paging, as fast at any depth as on the first page. A conditional dataset's data is served only
to callers who may access it (an approved application, or its publisher's staff).
"""

from __future__ import annotations

import json
from typing import Any

from django.utils.translation import gettext as _

from yiwang.opendata import actions, datastore, services
from yiwang.opendata.actions import Context
from yiwang.opendata.models import Resource


def _resource(ctx: Context, params: dict[str, Any]) -> Resource:
    value = params.get("resource_id") or params.get("id")
    if value in (None, ""):
        raise actions.validation_error({"resource_id": [_("缺少必填值。")]})
    if not isinstance(value, str):
        raise actions.validation_error({"resource_id": [_("应为字符串。")]})
    resource = services.resource_for_user(ctx.user, value)
    services.require_access(ctx.user, resource.dataset)
    return resource


def json_object(params: dict[str, Any], name: str) -> dict[str, Any] | None:
    """A JSON object parameter, given as an object or as a JSON-encoded string."""
    value = params.get(name)
    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise actions.validation_error({name: [_("应为 JSON 对象。")]}) from None
    if not isinstance(value, dict):
        raise actions.validation_error({name: [_("应为 JSON 对象。")]})
    return value


def query_text(params: dict[str, Any]) -> str | dict[str, Any] | None:
    """``q``: a string, or an object {field: text} (also JSON-encoded, as CKAN accepts)."""
    value = params.get("q")
    if value in (None, ""):
        return None
    if isinstance(value, str) and value.lstrip().startswith("{"):
        return json_object(params, "q")
    if isinstance(value, dict):
        return value
    if not isinstance(value, str):
        raise actions.validation_error({"q": [_("应为字符串或 JSON 对象。")]})
    return value


@actions.action("datastore_search", summary="查询数据资源的数据表(筛选、检索、排序、分页)")
def datastore_search(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Rows of a resource's table (``resource_id``): ``filters`` {field: value or [values]},
    ``q`` (text in any field, or {field: text}), ``fields``, ``sort`` ("field asc, other
    desc"), ``limit`` (at most 32000), ``offset``, ``cursor`` (keyset paging: a previous
    result's ``next_cursor``), ``include_total``."""
    resource = _resource(ctx, params)
    cursor = params.get("cursor")
    if cursor is not None and not isinstance(cursor, str):
        raise actions.validation_error({"cursor": [_("应为字符串。")]})
    records_format = actions.text(params, "records_format", "objects")
    if records_format != "objects":
        raise actions.validation_error({"records_format": [_("仅支持 objects。")]})
    return datastore.search(
        resource,
        filters=json_object(params, "filters"),
        q=query_text(params),
        fields=actions.string_list(params, "fields") or None,
        sort=actions.text(params, "sort", max_length=1000) or None,
        limit=actions.integer(
            params, "limit", datastore.DEFAULT_LIMIT, maximum=datastore.MAX_LIMIT
        ),
        offset=actions.integer(params, "offset", 0),
        cursor=cursor,
        include_total=actions.boolean(params, "include_total", True),
    )


@actions.action("datastore_info", summary="数据资源的数据表说明(字段、行数)")
def datastore_info(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """The fields and the row count of a resource's table (``id`` or ``resource_id``)."""
    return datastore.info(_resource(ctx, params))
