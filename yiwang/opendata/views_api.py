"""The CKAN-compatible Action API: ``/opendata/api/3/action/<name>`` (and ``/opendata/api/
action/<name>``), dispatched to the actions registered in :mod:`yiwang.opendata.actions`.

Plain Django views (CKAN's envelope and URL shape are not django-ninja's), CSRF-exempt: a call
that changes something is authenticated by an API token in ``Authorization`` (or
``X-CKAN-API-Key``) only, never by a session cookie; a side-effect-free call may also use the
visitor's session. Side-effect-free actions take GET (query string) or POST (JSON body); the
others POST only (JSON, form-encoded or multipart with an ``upload`` file, as ``ckanapi``
sends it).

Callers are rate-limited: anonymous ones per client IP (``YIWANG_OPENDATA_ANON_PER_MINUTE``),
token callers per token (``YIWANG_OPENDATA_TOKEN_PER_MINUTE``).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from yiwang.kernel import context, ratelimit
from yiwang.kernel.errors import DomainError
from yiwang.opendata import actions, services
from yiwang.opendata.actions import ActionError, Context
from yiwang.opendata.errors import ErrorCode

log = logging.getLogger(__name__)

CONTENT_TYPE = "application/json;charset=utf-8"

#: Actions whose calls count as API use of a dataset (Dataset.api_call_count).
_COUNTED = {"package_show", "resource_show", "datastore_search"}


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> HttpResponse:
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False, default=str),
        status=status,
        content_type=CONTENT_TYPE,
    )
    for key, value in (headers or {}).items():
        response[key] = value
    return response


def help_url(request: HttpRequest, name: str) -> str:
    path = reverse("opendata:action", kwargs={"name": "help_show"})
    return f"{request.build_absolute_uri(path)}?name={name}"


def _failure(
    request: HttpRequest, name: str, error: ActionError, headers: dict[str, str] | None = None
) -> HttpResponse:
    body = {"help": help_url(request, name), "success": False, "error": error.envelope_error()}
    return _json(error.status, body, headers)


def _bad_request(request: HttpRequest, name: str, message: str) -> HttpResponse:
    # CKAN answers these with the bare string "Bad request - <message>"; we keep its words
    # inside the envelope, so every answer of the API has ``success`` and ``error``.
    return _failure(request, name, actions.bad_request(f"Bad request - {message}"))


def _params(request: HttpRequest, *, from_query: bool) -> dict[str, Any]:
    """The call's dictionary, read as CKAN reads it (``_get_request_data``)."""

    def mixed(multi: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key in multi:
            values = multi.getlist(key)
            out[key] = values[0] if len(values) == 1 else values
        return out

    if request.method == "GET":
        return mixed(request.GET) if from_query else {}
    content_type = (request.content_type or "").lower()
    data: Any
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = request.POST
        values = [v for k in form for v in form.getlist(k)]
        if len(form) == 1 and len(values) == 1 and values[0] in ("1", ""):
            # old clients post the JSON dictionary as the form's only key
            try:
                data = json.loads(next(iter(form.keys())))
            except ValueError as error:
                raise ValueError(f"JSON Error: {error}") from None
        else:
            data = mixed(form)
        if isinstance(data, dict):
            for field_name in request.FILES:
                data[field_name] = request.FILES[field_name]
    else:
        body = request.body
        if not body.strip():
            data = {}
        else:
            try:
                data = json.loads(body)
            except (ValueError, UnicodeDecodeError) as error:
                raise ValueError(f"JSON Error: {error}") from None
    if not isinstance(data, dict):
        raise ValueError(
            f"Bad request data: Request data JSON decoded to {data!r} but it needs to be a "
            "dictionary."
        )
    return data


def _token_of(request: HttpRequest) -> str:
    return (
        request.headers.get("Authorization", "") or request.headers.get("X-CKAN-API-Key", "")
    ).strip()


def authenticate(request: HttpRequest, *, allow_session: bool) -> Context:
    """Who calls: the token's user, else (for reads) the session's, else anonymous. An
    invalid token raises a DomainError (403)."""
    raw = _token_of(request)
    if raw:
        user, _token = services.user_for_token(raw)
        return Context(request=request, user=user, by_token=True)
    user = getattr(request, "user", None)
    if allow_session and user is not None and user.is_authenticated:
        return Context(request=request, user=user)
    return Context(request=request, user=None)


def _limit(request: HttpRequest, ctx: Context) -> None:
    if ctx.by_token:
        ratelimit.hit(
            "opendata.api.token",
            _token_of(request),
            limit=settings.YIWANG_OPENDATA_TOKEN_PER_MINUTE,
            window_seconds=60,
        )
    else:
        ip = context.current().source_ip or request.META.get("REMOTE_ADDR") or "unknown"
        ratelimit.hit(
            "opendata.api.anon",
            str(ip),
            limit=settings.YIWANG_OPENDATA_ANON_PER_MINUTE,
            window_seconds=60,
        )


def _count(name: str, params: dict[str, Any], result: Any) -> None:
    if name not in _COUNTED or not isinstance(result, dict):
        return
    if name == "package_show":
        services.count_api_call(result.get("id"))
    elif name == "resource_show":
        services.count_api_call(result.get("package_id"))
    else:
        services.count_resource_api_call(result.get("resource_id") or params.get("resource_id"))


@csrf_exempt
def action_view(request: HttpRequest, name: str) -> HttpResponse:
    action = actions.get(name)
    if action is None:
        return _bad_request(request, name, f"Action name not known: {name}")
    if request.method not in ("GET", "POST"):
        return _bad_request(request, name, "Invalid request. Please use POST method")
    if request.method == "GET" and not action.side_effect_free:
        return _bad_request(
            request, name, "JSON Error: Invalid request. Please use POST method for your request"
        )
    try:
        params = _params(request, from_query=action.side_effect_free)
    except ValueError as error:
        return _bad_request(request, name, str(error))
    params.pop("callback", None)

    headers: dict[str, str] = {}
    try:
        try:
            ctx = authenticate(request, allow_session=action.side_effect_free)
        except DomainError:
            # a wrong token counts against the client's anonymous limit (no guessing spree)
            _limit(request, Context(request=request))
            raise
        _limit(request, ctx)
        result = action.fn(ctx, params)
    except ActionError as error:
        return _failure(request, name, error)
    except DomainError as error:
        retry = error.details.get("retry_after") if isinstance(error.details, dict) else None
        if retry is not None:
            headers["Retry-After"] = str(retry)
        return _failure(request, name, actions.from_domain_error(error), headers)
    except Exception:
        log.exception("open-data action %s failed", name)
        failure = ActionError("Internal Server Error", "Internal Server Error", 500)
        return _failure(request, name, failure)
    try:
        _count(name, params, result)
    except Exception:  # a counter never fails a call
        log.exception("counting the call of %s failed", name)
    return _json(200, {"help": help_url(request, name), "success": True, "result": result})


# --- OpenAPI --------------------------------------------------------------------------------


def openapi_document(request: HttpRequest) -> dict[str, Any]:
    """An OpenAPI 3 description of the Action API, generated from the registry."""
    base = request.build_absolute_uri("/").rstrip("/")
    paths: dict[str, Any] = {}
    for name, action in sorted(actions.registered().items()):
        envelope = {"$ref": "#/components/responses/Envelope"}
        responses = {
            "200": envelope,
            "400": envelope,
            "403": envelope,
            "404": envelope,
            "409": envelope,
            "429": envelope,
        }
        operations: dict[str, Any] = {
            "post": {
                "operationId": name,
                "summary": action.summary or name,
                "tags": [_tag(name)],
                "requestBody": {
                    "required": False,
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Params"}},
                        "multipart/form-data": {"schema": {"$ref": "#/components/schemas/Params"}},
                    },
                },
                "responses": responses,
            }
        }
        if action.side_effect_free:
            operations["get"] = {
                "operationId": f"{name}_get",
                "summary": action.summary or name,
                "tags": [_tag(name)],
                "parameters": [
                    {
                        "name": "params",
                        "in": "query",
                        "style": "form",
                        "explode": True,
                        "schema": {"$ref": "#/components/schemas/Params"},
                    }
                ],
                "responses": responses,
            }
        else:
            operations["post"]["security"] = [{"ApiToken": []}, {"CkanApiKey": []}]
        paths[f"/opendata/api/3/action/{name}"] = operations
    return {
        "openapi": "3.0.3",
        "info": {
            "title": _("公共数据开放平台 Action API(兼容 CKAN)"),
            "version": "3",
            "description": _(
                "与 CKAN Action API 兼容的接口。每个回答都是 CKAN 的信封:"
                "success 为 true 时结果在 result 中,否则错误在 error 中(__type、message)。"
            ),
        },
        "servers": [{"url": base}],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "ApiToken": {"type": "apiKey", "in": "header", "name": "Authorization"},
                "CkanApiKey": {"type": "apiKey", "in": "header", "name": "X-CKAN-API-Key"},
            },
            "schemas": {
                "Params": {
                    "type": "object",
                    "additionalProperties": True,
                    "description": _("动作的参数(见 help_show)。"),
                },
                "Error": {
                    "type": "object",
                    "required": ["__type"],
                    "properties": {
                        "__type": {
                            "type": "string",
                            "enum": [
                                "Validation Error",
                                "Not Found Error",
                                "Authorization Error",
                                "Search Query Error",
                                "Bad request",
                                "Rate Limit Error",
                                "Internal Server Error",
                            ],
                        },
                        "message": {"type": "string"},
                    },
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
                "Envelope": {
                    "type": "object",
                    "required": ["help", "success"],
                    "properties": {
                        "help": {"type": "string", "format": "uri"},
                        "success": {"type": "boolean"},
                        "result": {},
                        "error": {"$ref": "#/components/schemas/Error"},
                    },
                },
            },
            "responses": {
                "Envelope": {
                    "description": _("CKAN 信封"),
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Envelope"}}
                    },
                }
            },
        },
    }


def _tag(name: str) -> str:
    return name.split("_", 1)[0]


def openapi_view(request: HttpRequest) -> HttpResponse:
    return _json(200, openapi_document(request))


# --- downloads ------------------------------------------------------------------------------


def resource_download(
    request: HttpRequest, dataset_id: Any, resource_id: Any, filename: str
) -> HttpResponseBase:
    """An uploaded file of a resource (counted as a download). Conditional datasets' files
    go only to holders of an approved application (and the publisher's staff)."""
    try:
        ctx = authenticate(request, allow_session=True)
        resource = services.resource_for_user(ctx.user, resource_id)
        if resource.dataset_id != dataset_id:
            raise DomainError(ErrorCode.NOT_FOUND, _("未找到该数据资源。"), status=404)
        handle = services.open_resource_file(ctx.user, resource)
    except DomainError as error:
        return HttpResponse(
            str(error.message), status=error.status, content_type="text/plain; charset=utf-8"
        )
    name = resource.file.name if resource.file else filename
    return FileResponse(
        handle,
        as_attachment=True,
        filename=name,
        content_type=resource.mimetype or "application/octet-stream",
    )
