"""The data API gateway: consumer applications call the exchange with their own credentials,
and each call is checked against their department's grant, answered with only the granted
fields (personal ones masked unless the grant covers them) and written to the message log —
refusals too, with their code.

A call goes: authenticate the application (an API key, or a bearer token of the identity
module's OAuth server issued by the client-credentials grant) → find the department's grant
for the resource (none, expired or revoked: refused) → check the fields asked for are granted →
the resource is published and mounted on a registered source → count the call against the
grant's rate limit → fetch by key from the source (which validates the key) → mask → log →
answer ``{"resource", "records", "call"}`` where ``call`` is the log entry's sequence number.

A resource mounted on an external API is answered the same way, the fetch being a call to its
URL (:func:`_proxy`, :mod:`yiwang.exchange.upstream`); one mounted on a file is not queried by
key but downloaded whole (:func:`download`), the grant alone being the permission.

The same call has two other callers: a peer node's department (:func:`query_for_department`,
the province answering a city's ``data.query``: the grant is the one made to that node, the
entry's ``node`` is the city), and — the other way round — a resource that is a copy of a
peer's (``origin_node`` set), whose call is checked here and then forwarded to its node
(:func:`_forward`), the entry's ``node`` being the owner.

Verification (多源核验) answers a yes/no question through the same checks, against a grant on
the resource mounted on the matching base source, without disclosing any data.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NoReturn

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.exchange import msglog, services
from yiwang.exchange.errors import ErrorCode
from yiwang.exchange.models import (
    ConsumerApp,
    DataField,
    DataResource,
    Mount,
    MountKind,
    ResourceStatus,
    ShareGrant,
)
from yiwang.kernel import ratelimit
from yiwang.kernel.errors import DomainError
from yiwang.kernel.errors import ErrorCode as KernelErrorCode
from yiwang.kernel.fields import SensitiveKind, mask

API_KEY_HEADER = "X-Api-Key"
#: Where the data calls are answered (for the path named in refusals).
DATA_PATH = "/api/v1/exchange/data/"

#: Base sources the verification questions are asked of.
POPULATION = "population"
LICENCE_INDEX = "licence_index"
LEGAL_ENTITIES = "legal_entities"


# --- Authentication ------------------------------------------------------------------------


def app_for_bearer(token: str) -> ConsumerApp | None:
    """The application behind an unexpired access token issued to its OAuth client."""
    from oauth2_provider.models import get_access_token_model

    checksum = hashlib.sha256(token.encode()).hexdigest()
    access = (
        get_access_token_model()
        .objects.select_related("application")
        .filter(token_checksum=checksum)
        .first()
    )
    if access is None or access.application is None or access.is_expired():
        return None
    return services.app_for_client_id(access.application.client_id)


#: A grant's columns as the gateway reads them (see :class:`GrantView`); the one parameter
#: is the time of the call, for the state.
_GRANT_COLUMNS = (
    "g.id, g.fields, g.personal_unmasked, g.rate_limit_per_minute, "
    "CASE WHEN g.revoked_at IS NOT NULL THEN 'revoked' "
    "WHEN g.expires_at IS NOT NULL AND g.expires_at <= %s THEN 'expired' "
    "ELSE 'active' END, "
    "r.id, r.code, r.status, r.updated_at, m.kind, m.source, r.origin_node"
)


def _now() -> Any:
    return connection.ops.adapt_datetimefield_value(timezone.now())


#: The application behind an API key prefix, with its department: one statement in plain SQL
#: (every call asks it; building the ORM query cost more than running it). Never cached: a
#: deactivated application is refused from the next call on. The other columns of both load
#: on first use (deferred), as ``only()`` would.
_APP_SQL = (
    "SELECT a.id, a.department_id, a.name, a.oauth_client_id, a.api_key_prefix, "
    "a.api_key_hash, d.code, d.name, d.region_id "
    "FROM exchange_consumerapp a JOIN kernel_department d ON d.id = a.department_id "
    "WHERE a.api_key_prefix = %s AND a.is_active ORDER BY a.id LIMIT 1"
)
_APP_FIELDS = ["id", "department_id", "name", "oauth_client_id", "api_key_prefix", "api_key_hash"]
_DEPARTMENT_FIELDS = ["id", "code", "name", "region_id"]


#: The same, with the department's grants on one resource (as :data:`_GRANTS_SQL` reads
#: them), so a data call's authentication and grant check are one round trip.
_APP_GRANTS_SQL = (
    "SELECT a.id, a.department_id, a.name, a.oauth_client_id, a.api_key_prefix, "
    "a.api_key_hash, d.code, d.name, d.region_id, " + _GRANT_COLUMNS + " "
    "FROM exchange_consumerapp a JOIN kernel_department d ON d.id = a.department_id "
    "LEFT JOIN (exchange_sharegrant g "
    "JOIN exchange_dataresource r ON r.id = g.resource_id AND r.code = %s "
    "LEFT JOIN exchange_mount m ON m.resource_id = r.id) ON g.consumer_id = a.department_id "
    "WHERE a.api_key_prefix = %s AND a.is_active "
    "ORDER BY a.id, g.granted_at DESC, g.id DESC"
)
#: Where :func:`app_for_api_key` leaves the grants it read with the application.
_PREFETCHED = "_gateway_grants"


def app_for_api_key(key: str, *, resource_code: str = "") -> ConsumerApp | None:
    """The active application an API key belongs to, or None (constant-time comparison):
    :func:`services.app_for_api_key <yiwang.exchange.services_sharing.app_for_api_key>` in
    one plain statement. With ``resource_code``, the same statement reads the department's
    grants on that resource, for :func:`_grant_for` to use in this call."""
    from yiwang.exchange.services_sharing import API_KEY_PREFIX, _key_hash
    from yiwang.kernel.models import Department

    if not key.startswith(API_KEY_PREFIX):
        return None
    prefix = key[len(API_KEY_PREFIX) :].split("_", 1)[0]
    with connection.cursor() as cursor:
        if resource_code:
            cursor.execute(_APP_GRANTS_SQL, [_now(), resource_code, prefix])
            rows = cursor.fetchall()
        else:
            cursor.execute(_APP_SQL, [prefix])
            rows = cursor.fetchall()
    if not rows:
        return None
    row = rows[0]
    if not hmac.compare_digest(str(row[5]), _key_hash(key)):
        return None
    app = ConsumerApp.from_db(connection.alias, [*_APP_FIELDS, "is_active"], [*row[:6], True])
    department = Department.from_db(connection.alias, _DEPARTMENT_FIELDS, [row[1], *row[6:9]])
    ConsumerApp.department.field.set_cached_value(app, department)
    if resource_code:
        grants = [_grant_view(r[9:]) for r in rows if r[0] == row[0] and r[9] is not None]
        setattr(app, _PREFETCHED, (resource_code, grants))
    return app


def authenticate(headers: Any, *, resource_code: str = "") -> ConsumerApp | None:
    """The calling application from ``X-Api-Key`` or ``Authorization: Bearer``, or None.
    ``resource_code`` (a data call's resource): read the grants on it with the key."""
    api_key = headers.get(API_KEY_HEADER, "")
    if api_key:
        return app_for_api_key(api_key.strip(), resource_code=resource_code)
    scheme, _sep, token = headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return app_for_bearer(token.strip())
    return None


def refuse_unauthenticated(*, resource_code: str, purpose: str = "") -> DomainError:
    """Log an unauthenticated call and return the refusal to raise."""
    error = DomainError(
        ErrorCode.UNAUTHENTICATED,
        _("应用身份认证失败:请提供有效的 API 密钥或访问令牌。"),
        status=401,
    )
    msglog.append(outcome=str(error.code), resource_code=resource_code, purpose=purpose)
    return error


# --- The call ------------------------------------------------------------------------------


@dataclass(frozen=True)
class MountView:
    kind: str
    source: str


@dataclass(frozen=True)
class ResourceView:
    """The resource of a grant as the gateway reads it: its state now (not cached)."""

    id: int
    code: str
    status: str
    updated_at: Any
    mount: MountView | None
    #: The node that owns the resource ('' = this node; else a read-only copy of a peer's).
    origin_node: str = ""


@dataclass(frozen=True)
class GrantView:
    """A grant as the gateway reads it, with its resource and mount, in one statement; ``state``
    is ``active``, ``expired`` or ``revoked`` as of the call."""

    pk: int
    fields: list[str]
    personal_unmasked: bool
    rate_limit_per_minute: int
    state: str
    resource: ResourceView

    @property
    def resource_id(self) -> int:
        return self.resource.id


@dataclass
class Call:
    """What is known of a call so far: what the log entry of its outcome will say. The
    caller is an application (``app``) or, for a peer node's call, a department of that
    node (``consumer_code``, ``node``)."""

    app: ConsumerApp | None
    resource_code: str
    purpose: str = ""
    query: dict[str, Any] = field(default_factory=dict)
    grant: ShareGrant | GrantView | None = None
    consumer_code: str = ""
    #: The peer node on the other end of the call: the caller's (a department's call) or
    #: the resource owner's (an application's call forwarded there).
    node: str = ""

    def log(
        self,
        outcome: str,
        *,
        record_ids: list[Any] | None = None,
        response: Callable[[int], bytes] | None = None,
    ) -> tuple[int, bytes]:
        entry, body = msglog.append(
            outcome=outcome,
            resource_code=self.resource_code,
            app=self.app,
            consumer_code=self.app.department.code if self.app else self.consumer_code,
            grant=self.grant,
            purpose=self.purpose,
            query=self.query,
            record_ids=record_ids or [],
            response=response,
            node=self.node,
        )
        return entry.seq, body


def _logged(
    call: Call, work: Callable[[], tuple[int, bytes]], *, defer: bool = False
) -> tuple[int, bytes]:
    """Run ``work``; a refusal is logged with its code and raised again. ``defer``: leave
    the refusal's log entry to the caller as ``error.after_rollback`` (for a call inside a
    transaction the refusal rolls back, which would take the entry with it)."""
    try:
        return work()
    except DomainError as error:
        code = str(error.code)
        if defer:
            error.after_rollback = lambda: call.log(code)  # type: ignore[attr-defined]
        else:
            call.log(code)
        raise


#: A department's grants on some resources, newest first, with each one's state as of the
#: call and its resource's state and mount: plain SQL, one round trip (no caching: a revoked or
#: expired grant, a withdrawn resource or a new mount counts from the next call on).
_GRANTS_SQL = (
    "SELECT " + _GRANT_COLUMNS + " FROM exchange_sharegrant g "  # noqa: S608  (constants)
    "JOIN exchange_dataresource r ON r.id = g.resource_id "
    "LEFT JOIN exchange_mount m ON m.resource_id = r.id "
    "WHERE g.consumer_id = %s AND r.code IN ({codes}) "
    "ORDER BY g.granted_at DESC, g.id DESC"
)
#: The same for a peer node's department (by its code) on one resource: the grants made to
#: that node (``origin_node``), not to a department of this node's own.
_DEPARTMENT_GRANTS_SQL = (
    "SELECT " + _GRANT_COLUMNS + " FROM exchange_sharegrant g "  # noqa: S608  (constants)
    "JOIN kernel_department d ON d.id = g.consumer_id "
    "JOIN exchange_dataresource r ON r.id = g.resource_id "
    "LEFT JOIN exchange_mount m ON m.resource_id = r.id "
    "WHERE d.code = %s AND g.origin_node = %s AND r.code = %s "
    "ORDER BY g.granted_at DESC, g.id DESC"
)


def _json_value(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


def _grant_view(row: Any) -> GrantView:
    return GrantView(
        pk=int(row[0]),
        fields=[str(name) for name in _json_value(row[1]) or []],
        personal_unmasked=bool(row[2]),
        rate_limit_per_minute=int(row[3]),
        state=str(row[4]),
        resource=ResourceView(
            id=int(row[5]),
            code=str(row[6]),
            status=str(row[7]),
            updated_at=row[8],
            mount=MountView(str(row[9]), str(row[10])) if row[9] is not None else None,
            origin_node=str(row[11] or ""),
        ),
    )


def _grants(call: Call, resource_codes: list[str]) -> list[GrantView]:
    app = call.app
    if app is None:  # a peer node's department
        if len(resource_codes) != 1:
            return []
        params = [_now(), call.consumer_code, call.node, resource_codes[0]]
        with connection.cursor() as cursor:
            cursor.execute(_DEPARTMENT_GRANTS_SQL, params)
            return [_grant_view(row) for row in cursor.fetchall()]
    prefetched = getattr(app, _PREFETCHED, None)
    if prefetched is not None and [prefetched[0]] == resource_codes:
        grants: list[GrantView] = prefetched[1]
        return grants
    if not resource_codes:
        return []
    sql = _GRANTS_SQL.format(codes=", ".join(["%s"] * len(resource_codes)))
    with connection.cursor() as cursor:
        cursor.execute(sql, [_now(), app.department_id, *resource_codes])
        return [_grant_view(row) for row in cursor.fetchall()]


def _grant_for(call: Call, resource_codes: list[str]) -> GrantView:
    """The department's active grant on one of the resources, or the refusal that says why
    there is none (revoked before expired before none)."""
    grants = _grants(call, resource_codes)
    for grant in grants:
        if grant.state == "active":
            call.grant = grant
            call.resource_code = grant.resource.code
            return grant
    if grants:
        call.grant = grants[0]
        if grants[0].state == "revoked":
            raise DomainError(ErrorCode.GRANT_REVOKED, _("该资源的共享授权已被撤销。"), status=403)
        raise DomainError(ErrorCode.GRANT_EXPIRED, _("该资源的共享授权已过期。"), status=403)
    raise DomainError(ErrorCode.NO_GRANT, _("本部门没有该资源的共享授权。"), status=403)


_registry_cache: tuple[Any, dict[str, Any]] | None = None


def _registry() -> dict[str, Any]:
    """The base sources' registry (code, not data: built once per process, again only if
    ``sources.registered`` itself is replaced)."""
    global _registry_cache
    from yiwang.exchange import sources

    cached = _registry_cache
    if cached is None or cached[0] is not sources.registered:
        cached = _registry_cache = (sources.registered, dict(sources.registered()))
    return cached[1]


#: Seconds a resource's personal field names stay cached in a process. The cache is also keyed
#: by the resource's ``updated_at``, which every change of its fields moves (create, update and
#: publish save the resource), so a change is seen at the next call; the TTL bounds anything
#: that writes fields behind the services' back. Grants, applications and the resource's
#: status and mount are never cached.
PERSONAL_FIELDS_TTL = 30.0
_personal_cache: dict[tuple[int, str], tuple[float, frozenset[str]]] = {}


def _personal_fields(resource: Any) -> frozenset[str]:
    key = (int(resource.id), str(resource.updated_at))
    now = time.monotonic()
    hit = _personal_cache.get(key)
    if hit is not None and hit[0] > now:
        return hit[1]
    names = frozenset(
        DataField.objects.filter(resource_id=resource.id, personal=True).values_list(
            "name", flat=True
        )
    )
    if len(_personal_cache) > 1024:
        _personal_cache.clear()
    _personal_cache[key] = (now + PERSONAL_FIELDS_TTL, names)
    return names


def clear_caches() -> None:
    """Forget the per-process caches (the sources registry, personal field names)."""
    global _registry_cache
    _registry_cache = None
    _personal_cache.clear()


def _invalid_key_errors() -> tuple[type[Exception], ...]:
    try:
        from yiwang.exchange.sources import InvalidKey
    except ImportError:
        return (ValueError,)
    return (InvalidKey, ValueError)


def _published(resource: DataResource | ResourceView) -> None:
    if resource.status != ResourceStatus.PUBLISHED:
        raise DomainError(ErrorCode.NOT_FOUND, _("该资源未发布。"), status=404)


def _source_of(resource: DataResource | ResourceView) -> Any:
    _published(resource)
    mount = getattr(resource, "mount", None)
    source = _registry().get(mount.source) if mount and mount.kind == MountKind.TABLE else None
    if source is None:
        raise DomainError(ErrorCode.MOUNT_INVALID, _("该资源未挂接可查询的数据源。"), status=409)
    return source


def _count(grant: ShareGrant | GrantView) -> None:
    try:
        ratelimit.hit(
            "exchange.grant", str(grant.pk), limit=grant.rate_limit_per_minute, window_seconds=60
        )
    except DomainError as error:
        if error.code != KernelErrorCode.RATE_LIMITED:
            raise
        raise DomainError(
            ErrorCode.RATE_LIMITED,
            _("调用过于频繁:已超过该授权每分钟 %(limit)s 次的限额。")
            % {"limit": grant.rate_limit_per_minute},
            status=429,
            **error.details,
        ) from None


def _mask_kind(name: str) -> SensitiveKind:
    if "id_number" in name or name.endswith("_id_no"):
        return SensitiveKind.ID_NUMBER
    if "mobile" in name or "phone" in name:
        return SensitiveKind.MOBILE
    return SensitiveKind.TEXT


def _dump(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def _query_entry(key: str, fields: list[str] | None) -> dict[str, Any]:
    return {"fields": fields or [], "key_index": msglog.query_index(key) if key else ""}


def _answer(call: Call, key: str, fields: list[str] | None) -> tuple[int, bytes]:
    """The checks, the fetch, masking and the log entry of one data call (see the module's
    docstring); a peer's resource goes to :func:`_forward` after the grant and field checks.
    ``(log seq, answer bytes)``."""
    grant = _grant_for(call, [call.resource_code])
    mount = grant.resource.mount
    if mount is not None and mount.kind == MountKind.FILE:
        _published(grant.resource)
        code = grant.resource.code
        raise DomainError(
            ErrorCode.FILE_NOT_QUERYABLE,
            _("该资源挂接的是文件,不能按查询键查询,请通过 %(path)s 下载。")
            % {"path": f"{DATA_PATH}{code}/file"},
            status=409,
            download=f"{DATA_PATH}{code}/file",
        )
    granted = [str(name) for name in grant.fields]
    wanted = fields or granted
    missing = [name for name in wanted if name not in granted]
    if missing:
        raise DomainError(
            ErrorCode.FIELDS_NOT_GRANTED,
            _("以下信息项未获授权:%(fields)s") % {"fields": "、".join(missing)},
            status=403,
            fields=missing,
        )
    if grant.resource.origin_node and call.app is not None:
        return _forward(call, call.app, grant, key, wanted)
    if mount is not None and mount.kind == MountKind.API:
        return _proxy(call, grant, mount.source, key, wanted)
    source = _source_of(grant.resource)
    if not key:
        raise DomainError(ErrorCode.QUERY_INVALID, _("请提供查询键。"), status=422)
    _count(grant)
    try:
        rows = source.fetch(key, wanted)
    except _invalid_key_errors() as error:
        raise DomainError(
            ErrorCode.QUERY_INVALID,
            _("查询键格式不正确:%(reason)s") % {"reason": str(error)},
            status=422,
        ) from None
    return _answered(call, grant, rows, wanted)


def _answered(
    call: Call, grant: GrantView, rows: list[dict[str, Any]], wanted: list[str]
) -> tuple[int, bytes]:
    """Rows from a table or an upstream API, answered: the wanted (granted) fields only,
    personal ones masked unless the grant is unmasked, and logged with their record ids
    (``_id``, else ``id``, when the row has one)."""
    personal = _personal_fields(grant.resource)
    unmasked = grant.personal_unmasked
    record_ids: list[Any] = []
    records: list[dict[str, Any]] = []
    for row in rows:
        record_id = row.get("_id", row.get("id"))
        if record_id is not None:
            record_ids.append(record_id)
        record: dict[str, Any] = {}
        for name in wanted:
            value = row.get(name)
            if name in personal and not unmasked and value not in (None, ""):
                value = mask(str(value), _mask_kind(name))
            record[name] = value
        records.append(record)
    code = grant.resource.code
    return call.log(
        "ok",
        record_ids=record_ids,
        response=lambda seq: _dump({"resource": code, "records": records, "call": seq}),
    )


def _proxy(
    call: Call, grant: GrantView, url: str, key: str, wanted: list[str]
) -> tuple[int, bytes]:
    """A call on an API-mounted resource: forwarded to the registered URL
    (:mod:`yiwang.exchange.upstream`) after the same checks and count as a table call, its
    answer treated like a table's rows. An upstream failure is refused (502/504) and
    logged with its code."""
    from yiwang.exchange import upstream

    _published(grant.resource)
    if not key:
        raise DomainError(ErrorCode.QUERY_INVALID, _("请提供查询键。"), status=422)
    _count(grant)
    consumer_code = call.app.department.code if call.app else call.consumer_code
    rows = upstream.fetch(url, key=key, fields=wanted, consumer_code=consumer_code)
    return _answered(call, grant, rows, wanted)


def _forward(
    call: Call, app: ConsumerApp, grant: GrantView, key: str, wanted: list[str]
) -> tuple[int, bytes]:
    """An application's call on a peer's resource (this node holds a read-only copy and the
    department's grant on it): checked here like a local call, then sent signed to the
    owning node (``data.query``), which checks its own grant, masks and logs; logged here
    too, with ``node`` = the owner and the owner's entry as the record id."""
    from yiwang.exchange import cascade_kinds

    resource = grant.resource
    call.node = resource.origin_node
    if resource.status != ResourceStatus.PUBLISHED:
        raise DomainError(ErrorCode.NOT_FOUND, _("该资源未发布。"), status=404)
    if not key:
        raise DomainError(ErrorCode.QUERY_INVALID, _("请提供查询键。"), status=422)
    _count(grant)
    reply = cascade_kinds.query_remote(
        resource.origin_node,
        resource_code=resource.code,
        consumer_code=app.department.code,
        app_name=app.name,
        key=key,
        fields=wanted,
        purpose=call.purpose,
    )
    records = reply.get("records", [])
    code = resource.code
    return call.log(
        "ok",
        record_ids=[f"{resource.origin_node}:{reply.get('call')}"],
        response=lambda seq: _dump({"resource": code, "records": records, "call": seq}),
    )


def query(
    app: ConsumerApp,
    resource_code: str,
    *,
    key: str,
    fields: list[str] | None,
    purpose: str = "",
) -> bytes:
    """Answer one application's data call; return the exact JSON bytes (their SM3 is in the
    log). A peer's resource (a copy, ``origin_node`` set) is answered by its node."""
    call = Call(
        app=app, resource_code=resource_code, purpose=purpose, query=_query_entry(key, fields)
    )
    return _logged(call, lambda: _answer(call, key, fields))[1]


@dataclass(frozen=True)
class Answer:
    """A data call's answer: the exact JSON bytes (``{"resource", "records", "call"}``, their
    SM3 in the log) and the log entry's sequence number."""

    body: bytes
    seq: int

    def json(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.body)
        return data


def query_for_department(
    *,
    resource_code: str,
    consumer_code: str,
    key: str,
    fields: list[str] | None,
    purpose: str = "",
    node: str = "",
) -> Answer:
    """Answer a data call of a peer node's department (``node`` = that node; the province
    serving a city's ``data.query``) with the same checks, masking and log entry as an
    application's call; the grant is the one made to that node's department. A refusal is
    raised as a DomainError and logged; inside a transaction (the inbox's, which a refusal
    rolls back), its log entry is left to ``error.after_rollback``, which
    :func:`cascade.receive <yiwang.exchange.cascade.receive>` runs after the rollback."""
    call = Call(
        app=None,
        resource_code=resource_code,
        purpose=purpose[:200],
        query=_query_entry(key, fields),
        consumer_code=consumer_code,
        node=node,
    )
    defer = connection.in_atomic_block
    seq, body = _logged(call, lambda: _answer(call, key, fields), defer=defer)
    return Answer(body=body, seq=seq)


# --- File downloads (file mounts) ----------------------------------------------------------


@dataclass(frozen=True)
class FileAnswer:
    """A downloaded file: its name, type and exact bytes (their SM3 in the log entry
    ``seq``)."""

    name: str
    content_type: str
    body: bytes
    seq: int


def _mounted_file(resource: ResourceView) -> Any:
    """The kernel's record of the file a published resource is mounted on."""
    _published(resource)
    mount = None
    if resource.mount is not None and resource.mount.kind == MountKind.FILE:
        mount = Mount.objects.select_related("file").filter(resource_id=resource.id).first()
    if mount is None or mount.file is None:
        raise DomainError(ErrorCode.MOUNT_INVALID, _("该资源未挂接文件。"), status=409)
    return mount.file


def _file_bytes(stored: Any) -> bytes:
    from yiwang.kernel import files

    try:
        with files.open_file(stored) as handle:
            return bytes(handle.read())
    except OSError:
        raise DomainError(
            ErrorCode.MOUNT_INVALID,
            _("该资源挂接的文件无法读取或已损坏,请联系提供方重新挂接。"),
            status=409,
        ) from None


def _download(call: Call) -> FileAnswer:
    found: dict[str, Any] = {}

    def work() -> tuple[int, bytes]:
        grant = _grant_for(call, [call.resource_code])
        stored = _mounted_file(grant.resource)
        _count(grant)
        # Read before the log's append: the chain's head stays locked only for the hash.
        body = _file_bytes(stored)
        found.update(name=stored.name, content_type=stored.content_type)
        return call.log("ok", record_ids=[str(stored.pk)], response=lambda _seq: body)

    seq, body = _logged(call, work)
    return FileAnswer(
        name=str(found["name"]), content_type=str(found["content_type"]), body=body, seq=seq
    )


def download(app: ConsumerApp, resource_code: str, *, purpose: str = "") -> FileAnswer:
    """The file a resource is mounted on, for an application whose department holds a live
    grant on it (a file has no fields or keys: the grant is the permission). Counted against
    the grant's rate limit and logged with the file's SM3 as the response hash; refusals as
    for a query."""
    call = Call(app=app, resource_code=resource_code, purpose=purpose, query={"download": "file"})
    return _download(call)


def download_for_staff(*, actor: Any, grant: ShareGrant) -> FileAnswer:
    """The same download for a data officer of the consumer department, from the grant's
    page (the caller has checked the officer sees the grant). Logged without an application:
    the consumer department's code, and the officer's username as the purpose."""
    call = Call(
        app=None,
        resource_code=grant.resource.code,
        purpose=f"工作人员下载:{getattr(actor, 'username', actor)}"[:200],
        query={"download": "file"},
        consumer_code=grant.consumer.code,
        node=grant.origin_node,
    )
    return _download(call)


# --- Verification (多源核验) -----------------------------------------------------------------


def _verifier(name: str) -> Callable[..., Any]:
    from yiwang.exchange import verify

    return getattr(verify, name)  # type: ignore[no-any-return]


def _verification(
    app: ConsumerApp,
    *,
    source_name: str,
    label: str,
    query: dict[str, Any],
    ask: Callable[[], dict[str, Any]],
    purpose: str = "",
) -> bytes:
    codes = list(
        DataResource.objects.filter(
            mount__source=source_name, mount__kind=MountKind.TABLE
        ).values_list("code", flat=True)
    )
    call = Call(app=app, resource_code=codes[0] if codes else label, purpose=purpose, query=query)

    def work() -> tuple[int, bytes]:
        grant = _grant_for(call, codes)
        _source_of(grant.resource)
        _count(grant)
        try:
            answer = ask()
        except _invalid_key_errors() as error:
            raise DomainError(
                ErrorCode.QUERY_INVALID,
                _("核验参数格式不正确:%(reason)s") % {"reason": str(error)},
                status=422,
            ) from None
        return call.log("ok", response=lambda _seq: _dump(answer))

    return _logged(call, work)[1]


def _invalid(
    call_label: str, app: ConsumerApp, query: dict[str, Any], error: DomainError
) -> NoReturn:
    refusal = DomainError(
        ErrorCode.QUERY_INVALID, error.message, status=422, reason=str(error.code)
    )
    Call(app=app, resource_code=call_label, query=query).log(str(refusal.code))
    raise refusal


def verify_name_id(app: ConsumerApp, *, name: str, id_number: str, purpose: str = "") -> bytes:
    """Does this name go with this ID number? ``{"match": bool}``."""
    from yiwang.kernel.validators import validate_id_number

    query = {
        "name_index": msglog.query_index(name),
        "id_number_index": msglog.query_index(id_number),
    }
    try:
        number = validate_id_number(id_number)
    except DomainError as error:
        _invalid("verify:name-id", app, query, error)
    return _verification(
        app,
        source_name=POPULATION,
        label="verify:name-id",
        query=query,
        ask=lambda: {"match": bool(_verifier("name_matches_id")(name, number))},
        purpose=purpose,
    )


def verify_licence(app: ConsumerApp, *, identifier: str, purpose: str = "") -> bytes:
    """Is this e-licence valid now? ``{"valid": bool}``."""
    query = {"identifier_index": msglog.query_index(identifier)}
    if not identifier.strip() or len(identifier) > 64:
        _invalid(
            "verify:licence",
            app,
            query,
            DomainError(ErrorCode.QUERY_INVALID, _("证照标识格式不正确。")),
        )
    return _verification(
        app,
        source_name=LICENCE_INDEX,
        label="verify:licence",
        query=query,
        ask=lambda: {"valid": bool(_verifier("licence_valid")(identifier.strip()))},
        purpose=purpose,
    )


def verify_entity(app: ConsumerApp, *, credit_code: str, purpose: str = "") -> bytes:
    """Is this entity in good standing? ``{"good_standing": bool, "reason": code}``."""
    from yiwang.kernel.validators import validate_credit_code

    query = {"credit_code": credit_code[:32]}
    try:
        code = validate_credit_code(credit_code)
    except DomainError as error:
        _invalid("verify:entity", app, query, error)

    def ask() -> dict[str, Any]:
        answer = _verifier("entity_in_good_standing")(code)
        if isinstance(answer, tuple):
            good, reason = answer
        else:
            good, reason = bool(answer), ""
        return {"good_standing": bool(good), "reason": str(reason or "")}

    return _verification(
        app,
        source_name=LEGAL_ENTITIES,
        label="verify:entity",
        query={"credit_code": code},
        ask=ask,
        purpose=purpose,
    )


__all__ = [
    "API_KEY_HEADER",
    "Answer",
    "FileAnswer",
    "authenticate",
    "download",
    "download_for_staff",
    "query",
    "query_for_department",
    "refuse_unauthenticated",
    "verify_entity",
    "verify_licence",
    "verify_name_id",
]
