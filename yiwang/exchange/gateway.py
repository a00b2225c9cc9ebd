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

Verification (多源核验) answers a yes/no question through the same checks, against a grant on
the resource mounted on the matching base source, without disclosing any data.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NoReturn

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.exchange import msglog, services
from yiwang.exchange.errors import ErrorCode
from yiwang.exchange.models import (
    ConsumerApp,
    DataField,
    DataResource,
    MountKind,
    ResourceStatus,
    ShareGrant,
)
from yiwang.kernel import ratelimit
from yiwang.kernel.errors import DomainError
from yiwang.kernel.errors import ErrorCode as KernelErrorCode
from yiwang.kernel.fields import SensitiveKind, mask

API_KEY_HEADER = "X-Api-Key"

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


def authenticate(headers: Any) -> ConsumerApp | None:
    """The calling application from ``X-Api-Key`` or ``Authorization: Bearer``, or None."""
    api_key = headers.get(API_KEY_HEADER, "")
    if api_key:
        return services.app_for_api_key(api_key.strip())
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


@dataclass
class Call:
    """What is known of a call so far: what the log entry of its outcome will say."""

    app: ConsumerApp
    resource_code: str
    purpose: str = ""
    query: dict[str, Any] = field(default_factory=dict)
    grant: ShareGrant | None = None

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
            consumer_code=self.app.department.code,
            grant=self.grant,
            purpose=self.purpose,
            query=self.query,
            record_ids=record_ids or [],
            response=response,
        )
        return entry.seq, body


def _logged(call: Call, work: Callable[[], tuple[int, bytes]]) -> tuple[int, bytes]:
    """Run ``work``; a refusal is logged with its code and raised again."""
    try:
        return work()
    except DomainError as error:
        call.log(str(error.code))
        raise


def _grant_for(call: Call, resource_codes: list[str]) -> ShareGrant:
    """The department's active grant on one of the resources, or the refusal that says why
    there is none (revoked before expired before none)."""
    now = timezone.now()
    grants = list(
        ShareGrant.objects.select_related("resource", "resource__mount")
        .filter(consumer_id=call.app.department_id, resource__code__in=resource_codes)
        .order_by("-granted_at", "-id")
    )
    for grant in grants:
        if grant.revoked_at is None and (grant.expires_at is None or grant.expires_at > now):
            call.grant = grant
            call.resource_code = grant.resource.code
            return grant
    if grants:
        call.grant = grants[0]
        if grants[0].revoked_at is not None:
            raise DomainError(ErrorCode.GRANT_REVOKED, _("该资源的共享授权已被撤销。"), status=403)
        raise DomainError(ErrorCode.GRANT_EXPIRED, _("该资源的共享授权已过期。"), status=403)
    raise DomainError(ErrorCode.NO_GRANT, _("本部门没有该资源的共享授权。"), status=403)


def _registry() -> dict[str, Any]:
    from yiwang.exchange import sources  # the base sources' registry

    return dict(sources.registered())


def _invalid_key_errors() -> tuple[type[Exception], ...]:
    try:
        from yiwang.exchange.sources import InvalidKey
    except ImportError:
        return (ValueError,)
    return (InvalidKey, ValueError)


def _source_of(resource: DataResource) -> Any:
    if resource.status != ResourceStatus.PUBLISHED:
        raise DomainError(ErrorCode.NOT_FOUND, _("该资源未发布。"), status=404)
    mount = getattr(resource, "mount", None)
    source = _registry().get(mount.source) if mount and mount.kind == MountKind.TABLE else None
    if source is None:
        raise DomainError(ErrorCode.MOUNT_INVALID, _("该资源未挂接可查询的数据源。"), status=409)
    return source


def _count(grant: ShareGrant) -> None:
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


def query(
    app: ConsumerApp,
    resource_code: str,
    *,
    key: str,
    fields: list[str] | None,
    purpose: str = "",
) -> bytes:
    """Answer one data call; return the exact JSON bytes (their SM3 is in the log)."""
    call = Call(app=app, resource_code=resource_code, purpose=purpose)
    call.query = {"fields": fields or [], "key_index": msglog.query_index(key) if key else ""}

    def work() -> tuple[int, bytes]:
        grant = _grant_for(call, [resource_code])
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
        personal = set(
            DataField.objects.filter(
                resource_id=grant.resource_id, name__in=wanted, personal=True
            ).values_list("name", flat=True)
        )
        unmasked = grant.personal_unmasked
        record_ids: list[Any] = []
        records: list[dict[str, Any]] = []
        for row in rows:
            record_ids.append(row.get("_id", row.get("id")))
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

    return _logged(call, work)[1]


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
    "authenticate",
    "query",
    "refuse_unauthenticated",
    "verify_entity",
    "verify_licence",
    "verify_name_id",
]
