"""The external API behind an API-mounted resource (挂接接口), as the gateway calls it.

The gateway has already checked the consumer's grant and the fields; this module only makes
the one outgoing request and reads its answer, with the standard library:

* ``GET <registered URL>?key=<key>&fields=<a,b,...>`` (the registered URL's own query is
  kept), with the consumer department's code in ``X-Yiwang-Consumer-Department``;
* ``http``/``https`` only, redirects not followed (a 3xx is an error status);
* at most ``YIWANG_EXCHANGE_UPSTREAM_TIMEOUT`` seconds for the whole exchange (connect, each
  read and the total), and at most :data:`MAX_BYTES` of answer;
* a JSON answer only (``Content-Type: application/json`` or ``+json``) holding records: a
  list of objects, ``{"records": [objects]}``, or one object (one record).

Anything else is a :class:`~yiwang.kernel.errors.DomainError` the gateway logs and returns:
``exchange_upstream_unavailable`` (502: refused, unreachable, an error status),
``exchange_upstream_timeout`` (504) or ``exchange_upstream_invalid`` (502: not JSON records,
or too big). What the upstream answered is never passed through as is: the gateway keeps the
granted fields and masks personal ones.
"""

from __future__ import annotations

import http.client
import json
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from yiwang.exchange.errors import ErrorCode
from yiwang.kernel.errors import DomainError

#: The largest answer read from an upstream, in bytes (more is ``exchange_upstream_invalid``):
#: a data call answers the records of one key, not a bulk export.
MAX_BYTES = 2 * 1024 * 1024
#: The header naming the consumer department (its code) on every proxied call.
CONSUMER_HEADER = "X-Yiwang-Consumer-Department"
_CHUNK = 64 * 1024


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is answered as the error status it is, never followed (it could lead
    anywhere, including to a scheme or host nobody registered)."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect())


def timeout_seconds() -> float:
    return float(getattr(settings, "YIWANG_EXCHANGE_UPSTREAM_TIMEOUT", 5))


def _unavailable(reason: str, **details: Any) -> DomainError:
    return DomainError(
        ErrorCode.UPSTREAM_UNAVAILABLE,
        _("资源提供方的数据接口暂时无法访问,请稍后再试。"),
        status=502,
        reason=reason,
        **details,
    )


def _timed_out() -> DomainError:
    return DomainError(
        ErrorCode.UPSTREAM_TIMEOUT,
        _("资源提供方的数据接口响应超时(%(seconds)s 秒),请稍后再试。")
        % {"seconds": int(timeout_seconds())},
        status=504,
    )


def _invalid(reason: str) -> DomainError:
    return DomainError(
        ErrorCode.UPSTREAM_INVALID,
        _("资源提供方的数据接口返回了无法识别的内容。"),
        status=502,
        reason=reason,
    )


def request_url(url: str, *, key: str, fields: list[str]) -> str:
    """The registered URL with ``key`` and ``fields`` added to its own query."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise _unavailable("scheme")
    query = [(name, value) for name, value in parse_qsl(parts.query, keep_blank_values=True)]
    query = [(name, value) for name, value in query if name not in ("key", "fields")]
    query += [("key", key), ("fields", ",".join(fields))]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def _read(response: Any, deadline: float) -> bytes:
    length = response.headers.get("Content-Length")
    if length and length.isdigit() and int(length) > MAX_BYTES:
        raise _invalid("too_large")
    chunks: list[bytes] = []
    size = 0
    while True:
        if time.monotonic() > deadline:
            raise _timed_out()
        chunk = response.read(_CHUNK)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > MAX_BYTES:
            raise _invalid("too_large")
        chunks.append(chunk)


def _records(body: bytes) -> list[dict[str, Any]]:
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise _invalid("not_json") from None
    if isinstance(data, dict) and "records" in data:
        data = data["records"]
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list) or not all(isinstance(row, dict) for row in data):
        raise _invalid("not_records")
    return data


def fetch(url: str, *, key: str, fields: list[str], consumer_code: str) -> list[dict[str, Any]]:
    """Ask the upstream for the records of ``key`` (see the module's docstring)."""
    timeout = timeout_seconds()
    deadline = time.monotonic() + timeout
    request = urllib.request.Request(  # noqa: S310  (http/https checked by request_url)
        request_url(url, key=key, fields=fields),
        headers={
            "Accept": "application/json",
            "User-Agent": "yiwang-exchange-gateway",
            CONSUMER_HEADER: consumer_code,
        },
        method="GET",
    )
    try:
        with _opener.open(request, timeout=timeout) as response:
            content_type = str(response.headers.get("Content-Type", "")).split(";")[0]
            content_type = content_type.strip().lower()
            if content_type != "application/json" and not content_type.endswith("+json"):
                raise _invalid("not_json")
            body = _read(response, deadline)
    except urllib.error.HTTPError as error:
        error.close()
        raise _unavailable("status", upstream_status=error.code) from None
    except urllib.error.URLError as error:
        if isinstance(error.reason, TimeoutError):
            raise _timed_out() from None
        raise _unavailable("unreachable") from None
    except TimeoutError:
        raise _timed_out() from None
    except (OSError, ValueError, http.client.HTTPException):
        raise _unavailable("unreachable") from None
    return _records(body)
