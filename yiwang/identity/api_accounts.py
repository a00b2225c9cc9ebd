"""Citizen registration, real-name verification, legal entities and their agents:
``/api/v1/identity/...``."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Router, Status
from ninja.errors import HttpError
from ninja.pagination import LimitOffsetPagination, paginate
from ninja.utils import check_csrf

from yiwang.identity import services
from yiwang.identity.models import Delegation, VerificationLevel
from yiwang.identity.schemas import (
    ActingForIn,
    ActingForOut,
    AgentIn,
    AgentOut,
    EntityIn,
    EntityOut,
    MeOut,
    MessageOut,
    RegisterIn,
    SendCodeIn,
    VerifyIn,
)
from yiwang.identity.services.enterprise import (
    agent_delegations,
    get_delegation,
    get_represented_entity,
    represented_entities,
)
from yiwang.kernel import ratelimit
from yiwang.kernel.fields import SensitiveKind, mask
from yiwang.kernel.schemas import ERRORS

router = Router(tags=["identity"])


def _public_post(request: HttpRequest, scope: str, limit: int, window_seconds: int) -> None:
    """Public POSTs still need the CSRF token (registration signs the browser in, so a
    forged one would be a login CSRF), and are limited per client address."""
    if check_csrf(request) is not None:
        raise HttpError(403, "CSRF check failed")
    ip = request.META.get("REMOTE_ADDR") or "unknown"
    ratelimit.hit(scope, ip, limit=limit, window_seconds=window_seconds)


@router.post(
    "/register/send-code", response={202: MessageOut, **ERRORS}, auth=None, url_name="send-code"
)
def send_code(request: HttpRequest, payload: SendCodeIn) -> Any:
    """Step 1 of registration. The answer is the same whether the number is registered."""
    _public_post(request, "identity-send-code-ip", limit=10, window_seconds=600)
    services.send_registration_code(payload.mobile)
    return Status(202, {"message": str(_("验证码已发送"))})


@router.post("/register", response={201: MeOut, **ERRORS}, auth=None)
def register(request: HttpRequest, payload: RegisterIn) -> Any:
    """Step 2: create the account and sign it in (an SMS code and a password were used)."""
    _public_post(request, "identity-register-ip", limit=20, window_seconds=3600)
    account = services.register_account(
        actor=None, mobile=payload.mobile, code=payload.code, password=payload.password
    )
    services.sign_in(request, account, ["sms", "password"])
    return Status(201, _me(account))


@router.post("/verify", response={200: MeOut, **ERRORS})
def verify(request: HttpRequest, payload: VerifyIn) -> Any:
    """Real-name verification of the signed-in account (step 3 of registration)."""
    account = services.verify_real_name(
        actor=request.user,
        account=request.user,  # type: ignore[arg-type]
        name=payload.name,
        id_number=payload.id_number,
    )
    return _me(account)


def _me(account: Any) -> dict[str, Any]:
    return {
        "username": account.username,
        "name": account.masked_name if account.display_name else "",
        "mobile": account.masked_mobile if account.mobile else "",
        "id_number": account.masked_id_number if account.id_number else "",
        "verification_level": account.verification_level,
        "verification_level_label": str(VerificationLevel(account.verification_level).label),
        "verified_at": account.verified_at,
    }


@router.get("/me", response={200: MeOut, **ERRORS})
def me(request: HttpRequest) -> Any:
    """The signed-in account, with every personal identifier masked."""
    return _me(request.user)


@router.get("/entities", response={200: list[EntityOut], **ERRORS})
@paginate(LimitOffsetPagination)
def list_entities(request: HttpRequest) -> Any:
    """Entities the caller represents or may act for as an agent."""
    represented = {e.credit_code for e in represented_entities(request.user)}
    return [
        {**entity, "role": "representative" if entity["credit_code"] in represented else "agent"}
        for entity in services.entities_for(request.user)
    ]


@router.post("/entities", response={201: EntityOut, **ERRORS})
def bind_entity(request: HttpRequest, payload: EntityIn) -> Any:
    """Bind a legal entity to the caller, its legal representative (needs real name)."""
    entity = services.bind_entity(
        actor=request.user,
        account=request.user,  # type: ignore[arg-type]
        credit_code=payload.credit_code,
    )
    return Status(
        201,
        {
            "credit_code": entity.credit_code,
            "name": entity.name,
            "role": "representative",
            "scope": ["*"],
        },
    )


def _agent_out(delegation: Delegation) -> dict[str, Any]:
    agent = delegation.agent
    return {
        "id": delegation.pk,
        "name": mask(agent.display_name, SensitiveKind.TEXT),
        "mobile": mask(agent.mobile, SensitiveKind.MOBILE),
        "scope": delegation.scope,
        "expires_at": delegation.expires_at,
        "created_at": delegation.created_at,
    }


@router.get("/entities/{credit_code}/agents", response={200: list[AgentOut], **ERRORS})
@paginate(LimitOffsetPagination)
def list_agents(request: HttpRequest, credit_code: str) -> Any:
    """The entity's active agents (its representative only; 404 for anyone else)."""
    entity = get_represented_entity(request.user, credit_code)
    return [_agent_out(d) for d in agent_delegations(entity)]


@router.post("/entities/{credit_code}/agents", response={201: AgentOut, **ERRORS})
def add_agent(request: HttpRequest, credit_code: str, payload: AgentIn) -> Any:
    """Delegate an agent, chosen by the mobile number of their real-name account."""
    entity = get_represented_entity(request.user, credit_code)
    delegation = services.delegate_agent(
        actor=request.user,
        entity=entity,
        agent_mobile=payload.mobile,
        scope=payload.scope,
        expires_on=payload.expires_on,
    )
    return Status(201, _agent_out(delegation))


@router.delete("/entities/{credit_code}/agents/{delegation_id}", response={204: None, **ERRORS})
def revoke_agent(request: HttpRequest, credit_code: str, delegation_id: int) -> Any:
    """Revoke a delegation; it ends at once."""
    entity = get_represented_entity(request.user, credit_code)
    services.revoke_delegation(actor=request.user, delegation=get_delegation(entity, delegation_id))
    return Status(204, None)


@router.post("/acting-for", response={200: ActingForOut, **ERRORS})
def acting_for(request: HttpRequest, payload: ActingForIn) -> Any:
    """Act for an entity ("以企业身份办事") or, with ``credit_code: null``, personally."""
    if payload.credit_code:
        acting = services.act_for_entity(
            request, actor=request.user, credit_code=payload.credit_code
        )
        return acting
    services.act_as_self(request, actor=request.user)
    return {"credit_code": None, "name": None, "scope": []}
