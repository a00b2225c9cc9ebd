"""The CKAN-compatible Action API's registry: every action is a function registered here by
name, ``fn(ctx, params) -> result``, where ``params`` is the call's dictionary (query string
for GET, JSON body for POST) and ``result`` what goes under ``"result"`` in CKAN's envelope.

Actions live beside what they act on (``actions_core``, ``actions_datastore``,
``actions_participation``); :mod:`yiwang.opendata.views_api` dispatches
``/opendata/api/3/action/<name>`` to them and wraps results and errors in the envelope::

    {"help": "<url>/opendata/api/3/action/help_show?name=<name>", "success": true,
     "result": ...}
    {"help": ..., "success": false, "error": {"__type": "Not Found Error", "message": ...}}

Errors are raised as :class:`ActionError` (or one of its kinds below), whose ``type`` and HTTP
status are CKAN's: ``Validation Error`` 409 (with the per-field messages in ``fields``),
``Not Found Error`` 404, ``Authorization Error`` 403, ``Search Query Error`` 400, ``Bad
request`` 400. A :class:`~yiwang.kernel.errors.DomainError` escaping an action is translated by
its status (see :func:`from_domain_error`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _

from yiwang.kernel.errors import DomainError


@dataclass
class Context:
    """Who calls: ``user`` is the token's (or the session's) user, None when anonymous."""

    request: HttpRequest | None
    user: Any = None
    #: True when the user came from an API token (``Authorization`` / ``X-CKAN-API-Key``).
    by_token: bool = False

    @property
    def authenticated(self) -> bool:
        return self.user is not None and bool(getattr(self.user, "is_authenticated", False))


ActionFn = Callable[[Context, dict[str, Any]], Any]


@dataclass(frozen=True)
class Action:
    name: str
    fn: ActionFn
    #: ``False`` for actions that change something: they must be POSTed (CKAN's rule).
    side_effect_free: bool
    #: One line for ``help_show`` and the OpenAPI description.
    summary: str


_registry: dict[str, Action] = {}


def action(
    name: str, *, side_effect_free: bool = True, summary: str = ""
) -> Callable[[ActionFn], ActionFn]:
    """Register ``fn`` as the action ``name``."""

    def register(fn: ActionFn) -> ActionFn:
        if name in _registry and _registry[name].fn is not fn:
            raise RuntimeError(f"action {name!r} registered twice")
        doc = (fn.__doc__ or "").strip().splitlines()
        _registry[name] = Action(name, fn, side_effect_free, summary or (doc[0] if doc else ""))
        return fn

    return register


def get(name: str) -> Action | None:
    return _registry.get(name)


def registered() -> Mapping[str, Action]:
    return dict(_registry)


@dataclass
class ActionError(Exception):
    """An action's refusal, reported in CKAN's envelope."""

    message: str
    type: str = "Validation Error"
    status: int = 409
    #: For validation errors: {field: [message, ...]}, merged into ``error`` as CKAN does.
    fields: dict[str, list[str]] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.message

    def envelope_error(self) -> dict[str, Any]:
        error: dict[str, Any] = {"__type": self.type, "message": self.message}
        error.update(self.fields)
        return error


def validation_error(fields: dict[str, list[str]], message: str = "") -> ActionError:
    return ActionError(message or _("数据校验未通过。"), "Validation Error", 409, fields)


def not_found(message: str = "") -> ActionError:
    return ActionError(message or _("未找到。"), "Not Found Error", 404)


def not_authorized(message: str = "") -> ActionError:
    return ActionError(message or _("无权执行此操作。"), "Authorization Error", 403)


def search_error(message: str) -> ActionError:
    return ActionError(message, "Search Query Error", 400)


def bad_request(message: str) -> ActionError:
    return ActionError(message, "Bad request", 400)


def from_domain_error(error: DomainError) -> ActionError:
    """A service's DomainError in CKAN's terms, chosen by its HTTP status."""
    message = str(error.message)
    details = getattr(error, "details", None) or {}
    if error.status == 404:
        return not_found(message)
    if error.status in (401, 403):
        return not_authorized(message)
    if error.status == 429:
        return ActionError(message, "Rate Limit Error", 429)
    if error.status == 400:
        return bad_request(message)
    errors = details.get("errors") if isinstance(details, dict) else None
    fields = (
        {str(k): [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in errors.items()}
        if isinstance(errors, dict)
        else {}
    )
    return ActionError(message, "Validation Error", 409, fields)


# --- parameter helpers: a wrong type is a validation error naming the parameter -------------


def text(params: Mapping[str, Any], name: str, default: str = "", *, max_length: int = 0) -> str:
    value = params.get(name, default)
    if value is None:
        return default
    if not isinstance(value, str):
        raise validation_error({name: [_("应为字符串。")]})
    if max_length and len(value) > max_length:
        raise validation_error({name: [_("长度不能超过 %(n)s 个字符。") % {"n": max_length}]})
    return value


def integer(
    params: Mapping[str, Any],
    name: str,
    default: int,
    *,
    minimum: int = 0,
    maximum: int | None = None,
) -> int:
    """An integer parameter (a numeric string from a query string is accepted). Values out of
    ``minimum``..``maximum`` are refused, not clamped: a caller asking for more rows than allowed
    hears so."""
    value = params.get(name, default)
    if isinstance(value, bool):
        raise validation_error({name: [_("应为整数。")]})
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise validation_error({name: [_("应为整数。")]}) from None
    if number < minimum or (maximum is not None and number > maximum):
        bound = _("应在 %(lo)s 到 %(hi)s 之间。") % {"lo": minimum, "hi": maximum}
        raise validation_error(
            {name: [bound if maximum is not None else _("不能小于 %(lo)s。") % {"lo": minimum}]}
        )
    return number


def boolean(params: Mapping[str, Any], name: str, default: bool = False) -> bool:
    value = params.get(name, default)
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in {"true", "1", "yes", "on"}:
        return True
    if isinstance(value, str) and value.lower() in {"false", "0", "no", "off", ""}:
        return False
    raise validation_error({name: [_("应为布尔值（true/false）。")]})


def string_list(params: Mapping[str, Any], name: str) -> list[str]:
    """A list of strings: a JSON list, or (from a query string) a JSON-encoded list or a
    comma-separated string, as CKAN accepts ``facet.field`` and ``fields``."""
    import json

    value = params.get(name)
    if value in (None, ""):
        return []
    if isinstance(value, str):
        stripped = value.strip()
        if stripped.startswith("["):
            try:
                value = json.loads(stripped)
            except ValueError:
                raise validation_error({name: [_("应为 JSON 列表。")]}) from None
        else:
            return [part.strip() for part in stripped.split(",") if part.strip()]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise validation_error({name: [_("应为字符串列表。")]})
    return [str(item) for item in value]


def required(params: Mapping[str, Any], name: str) -> Any:
    value = params.get(name)
    if value in (None, ""):
        raise validation_error({name: [_("缺少必填值。")]})
    return value
