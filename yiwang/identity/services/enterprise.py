"""Enterprise accounts: a legal entity bound to its legal representative, the agents (经办人)
the representative delegates, and acting for an entity ("以企业身份办事").

Whether someone may act for an entity is decided when asked (:func:`agent_scope`), from the
active, unexpired, unrevoked delegation, so a revocation takes effect at once.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, TypedDict

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.identity.errors import ErrorCode
from yiwang.identity.models import Account, Delegation, EntityBinding, VerificationLevel
from yiwang.identity.services.verification import require_level
from yiwang.kernel import audit
from yiwang.kernel.errors import DomainError
from yiwang.kernel.fields import lookup
from yiwang.kernel.population import entity_representative_matches
from yiwang.kernel.validators import validate_credit_code, validate_mobile

#: Session key read by the OpenID Connect provider for enterprise claims.
ACTING_FOR_KEY = "yiwang_acting_for"
#: The longest a delegation may run.
MAX_DELEGATION_DAYS = 3 * 366
ALL_SERVICES = "*"
_SERVICE_CODE = re.compile(r"^[a-z0-9][a-z0-9_.:-]{0,63}$")


class ActingFor(TypedDict):
    credit_code: str
    name: str
    scope: list[str]


# ---- Reading ------------------------------------------------------------------------------


def active_delegations() -> QuerySet[Delegation]:
    return Delegation.objects.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


def represented_entities(account: Any) -> QuerySet[EntityBinding]:
    return EntityBinding.objects.filter(representative=account).order_by("bound_at")


def get_represented_entity(account: Any, credit_code: str) -> EntityBinding:
    """The entity ``account`` represents; 404 for any other, as if it did not exist."""
    entity = EntityBinding.objects.filter(
        representative=account, credit_code=(credit_code or "").strip().upper()
    ).first()
    if entity is None:
        raise Http404
    return entity


def agent_delegations(entity: EntityBinding) -> QuerySet[Delegation]:
    return active_delegations().filter(entity=entity).select_related("agent").order_by("created_at")


def agent_scope(agent: Any, credit_code: str) -> list[str] | None:
    """The services ``agent`` may handle for the entity now (``["*"]`` for all), or None.

    The representative may handle everything; anyone else needs an active delegation.
    """
    if not getattr(agent, "is_authenticated", False):
        return None
    if agent.verification_level < VerificationLevel.REAL_NAME:
        return None
    code = (credit_code or "").strip().upper()
    if EntityBinding.objects.filter(credit_code=code, representative=agent).exists():
        return [ALL_SERVICES]
    delegation = (
        active_delegations().filter(entity__credit_code=code, agent=agent).only("scope").first()
    )
    if delegation is None:
        return None
    return list(delegation.scope)


def entities_for(account: Any) -> list[ActingFor]:
    """Every entity ``account`` may act for now, with the scope it may act in."""
    result: list[ActingFor] = [
        {"credit_code": e.credit_code, "name": e.name, "scope": [ALL_SERVICES]}
        for e in represented_entities(account)
    ]
    for delegation in (
        active_delegations().filter(agent=account).select_related("entity").order_by("created_at")
    ):
        result.append(
            {
                "credit_code": delegation.entity.credit_code,
                "name": delegation.entity.name,
                "scope": list(delegation.scope),
            }
        )
    return result


def current_acting_for(request: HttpRequest) -> ActingFor | None:
    """What the session acts for, checked again now: a revoked or expired delegation ends it
    (and is dropped from the session)."""
    stored = request.session.get(ACTING_FOR_KEY)
    if not stored:
        return None
    scope = agent_scope(request.user, stored.get("credit_code", ""))
    if scope is None:
        request.session.pop(ACTING_FOR_KEY, None)
        return None
    return {"credit_code": stored["credit_code"], "name": stored["name"], "scope": scope}


# ---- Binding ------------------------------------------------------------------------------


@transaction.atomic
def _record_refusal(account: Any, action: str, credit_code: str, reason: str) -> None:
    audit.record(
        action,
        actor=account,
        target_type="identity.entitybinding",
        details={"credit_code": credit_code, "reason": reason},
    )


def bind_entity(*, actor: Any, account: Account, credit_code: str) -> EntityBinding:
    """Bind the entity to ``account`` if the legal-entity base data names the account's
    verified holder as its legal representative."""
    require_level(account, VerificationLevel.REAL_NAME)
    credit_code = validate_credit_code(credit_code)
    name = entity_representative_matches(credit_code, account.id_number)
    if name is None:
        _record_refusal(account, "identity.entity_binding_refused", credit_code, "mismatch")
        raise DomainError(
            ErrorCode.ENTITY_MISMATCH,
            _("登记信息中该企业的法定代表人不是您。请核对统一社会信用代码。"),
        )
    already = DomainError(
        ErrorCode.ENTITY_ALREADY_BOUND, _("该企业已绑定法定代表人账号。"), status=409
    )
    if EntityBinding.objects.filter(credit_code=credit_code).exists():
        _record_refusal(account, "identity.entity_binding_refused", credit_code, "already_bound")
        raise already
    try:
        with transaction.atomic():
            entity = EntityBinding.objects.create(
                credit_code=credit_code, name=name, representative=account
            )
            audit.record(
                "identity.entity_bound",
                actor=actor,
                target=entity,
                details={"credit_code": credit_code, "name": name},
            )
    except IntegrityError:  # bound concurrently
        _record_refusal(account, "identity.entity_binding_refused", credit_code, "already_bound")
        raise already from None
    return entity


# ---- Delegating ---------------------------------------------------------------------------


def clean_scope(scope: list[str]) -> list[str]:
    """``["*"]`` or a list of distinct service codes (lower-case letters, digits, ``_.:-``)."""
    codes = [str(code).strip() for code in scope or []]
    codes = list(dict.fromkeys(code for code in codes if code))
    if codes == [ALL_SERVICES]:
        return codes
    if not codes or ALL_SERVICES in codes or not all(_SERVICE_CODE.match(c) for c in codes):
        raise DomainError(
            ErrorCode.DELEGATION_INVALID,
            _("请选择授权范围:全部事项,或填写事项编码(小写字母、数字)。"),
            field="scope",
        )
    return codes


def _expiry(expires_on: dt.date) -> dt.datetime:
    """The end of ``expires_on`` in the platform's time zone (the delegation runs through the
    whole last day)."""
    today = timezone.localdate()
    if expires_on <= today or expires_on > today + dt.timedelta(days=MAX_DELEGATION_DAYS):
        raise DomainError(
            ErrorCode.DELEGATION_INVALID,
            _("到期日期应在今天之后,最长三年。"),
            field="expires_on",
        )
    next_day = dt.datetime.combine(expires_on + dt.timedelta(days=1), dt.time())
    return timezone.make_aware(next_day)


def delegate_agent(
    *,
    actor: Any,
    entity: EntityBinding,
    agent_mobile: str,
    scope: list[str],
    expires_on: dt.date,
) -> Delegation:
    """Let the real-name account holding ``agent_mobile`` act for ``entity``."""
    require_level(actor, VerificationLevel.REAL_NAME)
    scope = clean_scope(scope)
    expires_at = _expiry(expires_on)
    try:
        mobile = validate_mobile(agent_mobile)
    except DomainError:
        raise DomainError(
            ErrorCode.DELEGATION_INVALID, _("请输入正确的11位手机号码。"), field="agent_mobile"
        ) from None
    agent = Account.objects.filter(**lookup(Account, "mobile", mobile), is_active=True).first()
    if (
        agent is None
        or agent.verification_level < VerificationLevel.REAL_NAME
        or agent.pk == entity.representative_id
    ):
        _record_refusal(actor, "identity.delegation_refused", entity.credit_code, "agent")
        raise DomainError(
            ErrorCode.DELEGATION_INVALID,
            _("该手机号未注册或未完成实名认证。请经办人先注册并完成实名认证。"),
            field="agent_mobile",
        )
    exists = DomainError(
        ErrorCode.DELEGATION_EXISTS,
        _("该经办人已获授权。如需修改,请先撤销原授权。"),
        status=409,
        field="agent_mobile",
    )
    if active_delegations().filter(entity=entity, agent=agent).exists():
        raise exists
    try:
        return _create_delegation(
            actor=actor, entity=entity, agent=agent, scope=scope, expires_at=expires_at
        )
    except IntegrityError:  # delegated concurrently
        raise exists from None


@transaction.atomic
def _create_delegation(
    *,
    actor: Any,
    entity: EntityBinding,
    agent: Account,
    scope: list[str],
    expires_at: dt.datetime,
) -> Delegation:
    # An expired delegation still counts as "not revoked" for the uniqueness constraint;
    # close it so the new one can take its place.
    Delegation.objects.filter(
        entity=entity, agent=agent, revoked_at__isnull=True, expires_at__lte=timezone.now()
    ).update(revoked_at=timezone.now())
    delegation = Delegation.objects.create(
        entity=entity, agent=agent, scope=scope, expires_at=expires_at
    )
    audit.record(
        "identity.agent_delegated",
        actor=actor,
        target=delegation,
        details={
            "credit_code": entity.credit_code,
            "agent": agent.username,
            "scope": scope,
            "expires_at": expires_at.isoformat(),
        },
    )
    return delegation


def get_delegation(entity: EntityBinding, delegation_id: int) -> Delegation:
    delegation = agent_delegations(entity).filter(pk=delegation_id).first()
    if delegation is None:
        raise Http404
    return delegation


@transaction.atomic
def revoke_delegation(*, actor: Any, delegation: Delegation) -> Delegation:
    """End a delegation now; the agent's next request no longer acts for the entity."""
    updated = Delegation.objects.filter(pk=delegation.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if not updated:
        raise Http404
    delegation.refresh_from_db()
    audit.record(
        "identity.delegation_revoked",
        actor=actor,
        target=delegation,
        details={"credit_code": delegation.entity.credit_code, "agent": delegation.agent.username},
    )
    return delegation


# ---- Acting for an entity -----------------------------------------------------------------


@transaction.atomic
def act_for_entity(request: HttpRequest, *, actor: Any, credit_code: str) -> ActingFor:
    """Make this session act for the entity, if ``actor`` may now; 404 otherwise."""
    require_level(actor, VerificationLevel.REAL_NAME)
    code = (credit_code or "").strip().upper()
    scope = agent_scope(actor, code)
    if scope is None:
        raise Http404
    entity = EntityBinding.objects.get(credit_code=code)
    acting: ActingFor = {"credit_code": entity.credit_code, "name": entity.name, "scope": scope}
    request.session[ACTING_FOR_KEY] = dict(acting)
    audit.record(
        "identity.acting_for",
        actor=actor,
        target=entity,
        details={"credit_code": entity.credit_code, "scope": scope},
    )
    return acting


@transaction.atomic
def act_as_self(request: HttpRequest, *, actor: Any) -> None:
    """Back to acting personally."""
    previous = request.session.pop(ACTING_FOR_KEY, None)
    if previous:
        audit.record(
            "identity.acting_personally",
            actor=actor,
            target=actor,
            details={"credit_code": previous.get("credit_code", "")},
        )
