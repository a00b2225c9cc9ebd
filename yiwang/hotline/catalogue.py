"""The routing catalogue's upkeep: the topic taxonomy (诉求分类), the dispatch rules (派单目录)
and the time limits (办理时限) the engine reads.

Each ``save_*`` creates the row or brings it to the values given, writing (and auditing) only
what changes, so loading the same catalogue twice changes nothing. Returns the row and what
happened: ``"created"``, ``"updated"`` or ``"kept"``.

Who: a command or the demo (a string actor), or a platform administrator
(``hotline.catalogue``); a centre's supervisor (``hotline.supervise``) may also keep the
dispatch rules of its own regions."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db import models, transaction
from django.utils.translation import gettext as _

from yiwang.hotline import access, permissions
from yiwang.hotline.errors import ErrorCode
from yiwang.hotline.models import (
    Category,
    DeadlineRule,
    DeadlineUnit,
    DispatchRule,
    Topic,
    Urgency,
)
from yiwang.hotline.services_common import denied, invalid
from yiwang.kernel import audit
from yiwang.kernel.errors import DomainError
from yiwang.kernel.models import Department, Region, Role
from yiwang.kernel.permissions import can, register_action

CATALOGUE = "hotline.catalogue"


def register() -> None:
    """Declare ``hotline.catalogue`` (idempotent; also run when this module is imported)."""
    register_action(CATALOGUE, {Role.PLATFORM_ADMIN})


register()


def _require(actor: Any, region_code: str | None = None) -> None:
    if isinstance(actor, str) or can(actor, CATALOGUE):
        return
    if region_code is not None and access.covers(
        access.centre_regions(actor, permissions.SUPERVISE), region_code
    ):
        return
    raise denied()


def _department(code: str, field: str) -> Department:
    found: Department | None = Department.objects.filter(code=code, is_active=True).first()
    if found is None:
        raise invalid(field, _("部门 %(code)s 不存在。") % {"code": code})
    return found


_Row = TypeVar("_Row", bound=models.Model)


def _create_or_update(
    row: _Row | None, create: Callable[[], _Row], wanted: dict[str, Any]
) -> tuple[_Row, str]:
    """``row`` (locked by the caller) set to ``wanted``, or created when there is none: the
    row and "created", "updated" (only the fields that differed are saved) or "kept"."""
    if row is None:
        return create(), "created"
    changed = [f for f, value in wanted.items() if getattr(row, f) != value]
    if not changed:
        return row, "kept"
    for field in changed:
        setattr(row, field, wanted[field])
    row.save(update_fields=changed)
    return row, "updated"


@audit.refusals_recorded("hotline.topic_save")
@transaction.atomic
def save_topic(
    *,
    actor: Any,
    code: str,
    name: str,
    parent_code: str | None = None,
    keywords: Sequence[str] = (),
    is_active: bool = True,
) -> tuple[Topic, str]:
    """A topic of the taxonomy (a group when ``parent_code`` is None)."""
    _require(actor)
    code, name = (code or "").strip(), (name or "").strip()
    if not code or len(code) > 32:
        raise invalid("code", _("请填写分类编码（不超过 32 个字符）。"))
    if not name or len(name) > 100:
        raise invalid("name", _("请填写名称（不超过 100 个字）。"))
    parent = None
    if parent_code:
        parent = Topic.objects.filter(code=parent_code).first()
        if parent is None or parent.code == code:
            message = _("诉求分类 %(code)s 不存在。") % {"code": parent_code}
            raise DomainError(
                ErrorCode.UNKNOWN_TOPIC, message, status=422, errors={"parent_code": [message]}
            )
    words = list(dict.fromkeys(w.strip() for w in keywords if w.strip()))
    wanted = {"name": name, "parent": parent, "keywords": words, "is_active": is_active}
    topic, outcome = _create_or_update(
        Topic.objects.select_for_update().filter(code=code).first(),
        lambda: Topic.objects.create(code=code, **wanted),
        wanted,
    )
    if outcome == "kept":
        return topic, outcome
    audit.record(
        f"hotline.topic_{outcome}",
        actor=actor,
        target=topic,
        details={"code": code, "name": name, "parent": parent_code, "active": is_active},
    )
    return topic, outcome


@audit.refusals_recorded("hotline.dispatch_rule_save")
@transaction.atomic
def save_dispatch_rule(
    *,
    actor: Any,
    topic_code: str,
    region_code: str,
    lead_code: str,
    supporting_codes: Sequence[str] = (),
) -> tuple[DispatchRule, str]:
    """Orders on ``topic_code`` in ``region_code`` (and below) go to ``lead_code`` with the
    supporting departments (the lead is never its own supporter)."""
    _require(actor, region_code)
    topic = Topic.objects.filter(code=topic_code).first()
    if topic is None or topic.parent_id is None:
        message = _("诉求分类 %(code)s 不存在。") % {"code": topic_code}
        raise DomainError(
            ErrorCode.UNKNOWN_TOPIC, message, status=422, errors={"topic_code": [message]}
        )
    region = Region.objects.filter(code=region_code).first()
    if region is None:
        message = _("行政区划 %(code)s 不存在。") % {"code": region_code}
        raise DomainError(
            ErrorCode.UNKNOWN_REGION, message, status=422, errors={"region_code": [message]}
        )
    lead = _department(lead_code, "lead_code")
    supporting = [
        _department(c, "supporting_codes")
        for c in dict.fromkeys(supporting_codes)
        if c != lead.code
    ]
    rule = DispatchRule.objects.select_for_update().filter(topic=topic, region=region).first()
    if rule is None:
        rule = DispatchRule.objects.create(topic=topic, region=region, lead=lead)
        rule.supporting.set(supporting)
        outcome = "created"
    else:
        same_support = {d.pk for d in rule.supporting.all()} == {d.pk for d in supporting}
        if rule.lead_id == lead.pk and same_support:
            return rule, "kept"
        rule.lead = lead
        rule.save(update_fields=["lead"])
        rule.supporting.set(supporting)
        outcome = "updated"
    audit.record(
        f"hotline.dispatch_rule_{outcome}",
        actor=actor,
        target=rule,
        details={
            "topic": topic.code,
            "region": region.code,
            "lead": lead.code,
            "supporting": [d.code for d in supporting],
        },
    )
    return rule, outcome


@audit.refusals_recorded("hotline.deadline_rule_save")
@transaction.atomic
def save_deadline_rule(
    *,
    actor: Any,
    category: str,
    urgency: str,
    amount: int,
    unit: str,
    sign_hours: int = 2,
) -> tuple[DeadlineRule, str]:
    """How long departments have for orders of a category and urgency, and to sign for them."""
    _require(actor)
    if category not in Category.values:
        raise invalid("category", _("“%(value)s”不是有效的选项。") % {"value": category})
    if urgency not in Urgency.values:
        raise invalid("urgency", _("“%(value)s”不是有效的选项。") % {"value": urgency})
    if unit not in DeadlineUnit.values:
        raise invalid("unit", _("时限单位应为工作日或小时。"))
    for field, value in (("amount", amount), ("sign_hours", sign_hours)):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 1000:
            raise invalid(field, _("时限应为 1 至 1000 的整数。"))
    wanted = {"amount": amount, "unit": unit, "sign_hours": sign_hours}
    rule, outcome = _create_or_update(
        DeadlineRule.objects.select_for_update().filter(category=category, urgency=urgency).first(),
        lambda: DeadlineRule.objects.create(category=category, urgency=urgency, **wanted),
        wanted,
    )
    if outcome == "kept":
        return rule, outcome
    audit.record(
        f"hotline.deadline_rule_{outcome}",
        actor=actor,
        target=rule,
        details={"category": category, "urgency": urgency, **wanted},
    )
    return rule, outcome
