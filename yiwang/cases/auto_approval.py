"""Auto-approval (秒批): a case whose version carries a DMN decision table is decided by the
table on verified data, right after submission, with no human step.

* The table may read only the inputs the catalogue knows (``catalog.decision.KNOWN_INPUTS``);
  :func:`verified_inputs` gives each one's value and source, taken from the applicant's
  account, the population and legal-entity base data — never from what the applicant typed
  into the form (a form field named ``applicant.age`` counts for nothing).
* When every input the table reads is there and the first matching rule says ``approve``,
  the platform (actor ``"system"``) accepts the case and completes it with decision
  approve: ``auto_approved`` is set, and the ``cases.auto_approved`` event and audit row
  hold the table, the matched rule and every input with its source.
* Otherwise the case stays in the intake queue as any other, with a
  ``cases.auto_approval_declined`` event saying why: an input is missing (e.g. the applicant
  has not verified their real name), no rule matched, or the rule did not approve.

Licences (``licence.<type>.valid``) are not inputs yet: they come with the e-licence module.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.cn import ric

from yiwang.cases import handling, services, workflow
from yiwang.cases.models import Case, CaseStatus, Decision
from yiwang.cases.services import SYSTEM, _event, _locked
from yiwang.catalog import decision
from yiwang.catalog.errors import FieldErrors
from yiwang.identity.services import enterprise
from yiwang.kernel import population
from yiwang.kernel.models import BaseLegalEntity

log = logging.getLogger(__name__)

#: identity's ``VerificationLevel.REAL_NAME``: name and ID number checked against the
#: population base data (docs/identity.md).
REAL_NAME_LEVEL = 1

SOURCE_ACCOUNT = "identity:account.verification_level"
SOURCE_ID_NUMBER = "identity:account.id_number (real-name verified)"
SOURCE_POPULATION = "base:population"
SOURCE_LEGAL_ENTITY = "base:legal_entity"


def _age(born: dt.date, today: dt.date) -> int:
    """Full years (周岁) on ``today``."""
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _gather(case: Case) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """The verified inputs of ``case`` (name → value and source) and, for each input that
    cannot be verified, why not."""
    applicant: Any = case.applicant
    present: dict[str, dict[str, Any]] = {}
    missing: dict[str, str] = {}

    def put(name: str, value: Any, source: str) -> None:
        present[name] = {"value": value, "source": source}

    level = int(getattr(applicant, "verification_level", 0) or 0)
    verified = level >= REAL_NAME_LEVEL and bool(applicant.id_number)
    put("applicant.verified", verified, SOURCE_ACCOUNT)
    put("applicant.verification_level", level, SOURCE_ACCOUNT)
    if verified:
        try:
            born = ric.get_birth_date(applicant.id_number)
        except ValueError:  # stdnum's errors are ValueErrors; verification checked it
            missing["applicant.age"] = _("身份证号码中的出生日期无法识别。")
        else:
            put("applicant.age", _age(born, timezone.localdate()), SOURCE_ID_NUMBER)
        put(
            "person.in_population",
            population.person_matches(applicant.display_name, applicant.id_number),
            SOURCE_POPULATION,
        )
    else:
        for name in ("applicant.age", "person.in_population"):
            missing[name] = _("申请人未完成实名认证。")
    code = case.entity_credit_code
    if not code:
        missing["entity.exists"] = _("本申请不是以单位名义提出。")
    else:
        scope = enterprise.agent_scope(applicant, code)
        item_code = case.version.item_code if case.version else ""
        if scope is None or not (enterprise.ALL_SERVICES in scope or item_code in scope):
            missing["entity.exists"] = _("申请人不是该单位的法定代表人或获授权的经办人。")
        else:
            put(
                "entity.exists",
                BaseLegalEntity.objects.filter(credit_code=code).exists(),
                SOURCE_LEGAL_ENTITY,
            )
    return present, missing


def verified_inputs(case: Case) -> dict[str, dict[str, Any]]:
    """The inputs a decision table may use for ``case``, each ``{"value", "source"}``; an
    input that cannot be verified (e.g. the age of an applicant without real-name
    verification) is absent."""
    return _gather(case)[0]


def _table_details(table: decision.Table) -> dict[str, Any]:
    return {
        "decision": table.decision_id,
        "name": table.decision_name,
        "table": table.table_id,
        "hit_policy": table.hit_policy,
    }


def _decline(case: Case, why: str, note: str, **details: Any) -> bool:
    _event(case, SYSTEM, "auto_approval_declined", note=note, why=why, **details)
    return False


@transaction.atomic
def try_auto_approve(case: Case, *, actor: Any) -> bool:
    """Decide a just-submitted case by its version's decision table (see the module
    docstring). Returns True when the case was approved. ``actor`` is who submitted it; the
    decision itself is the platform's (``"system"``). Never raises for a table that cannot
    decide: the case then simply goes to the intake queue."""
    source = case.version.decision_dmn if case.version is not None else ""
    if not source:
        return False
    locked = _locked(case)
    if locked.status != CaseStatus.SUBMITTED:
        return False
    trigger = {"triggered_by": getattr(actor, "pk", None) or str(actor)}
    try:
        table = decision.parse(source)
    except FieldErrors:
        log.exception("case %s: the decision table of its version does not validate", case.pk)
        return _decline(locked, "table_invalid", _("秒批规则无法使用,转人工办理。"), **trigger)
    present, missing = _gather(locked)
    inputs = {name: present[name] for name in sorted(table.reads) if name in present}
    details = {**trigger, "table": _table_details(table), "inputs": inputs}
    absent = {name: missing[name] for name in sorted(table.reads) if name in missing}
    if absent:
        return _decline(
            locked,
            "missing_inputs",
            _("秒批所需数据不全:%(why)s转人工办理。")
            % {"why": "".join(dict.fromkeys(absent.values()))},
            missing=absent,
            **details,
        )
    try:
        outcome = decision.evaluate(table, {k: v["value"] for k, v in inputs.items()})
    except Exception:  # a rule that fails on these values: a human decides instead
        log.exception("case %s: the decision table failed", case.pk)
        return _decline(locked, "evaluation_failed", _("秒批规则计算出错,转人工办理。"), **details)
    rule = {"id": outcome.rule_id, "row": outcome.row, "outputs": outcome.outputs}
    if not outcome.approve:
        why = "rule_declined" if outcome.rule_id else "no_rule_matched"
        note = outcome.reason or _("不符合秒批条件,转人工办理。")
        return _decline(locked, why, note, rule=rule, **details)
    reason = outcome.reason or _("符合秒批规则,自动准予。")
    try:
        with transaction.atomic():
            _approve(locked, reason=reason, rule=rule, details=details)
    except Exception:  # the approval is rolled back to here; the submission stands
        log.exception("case %s: auto-approval could not complete", case.pk)
        locked.refresh_from_db()
        return _decline(locked, "approval_failed", _("自动办结未能完成,转人工办理。"), **details)
    case.refresh_from_db()
    return True


def _approve(case: Case, *, reason: str, rule: dict[str, Any], details: dict[str, Any]) -> None:
    accepted = services.accept(actor=SYSTEM, case=case)
    _event(accepted, SYSTEM, "auto_approved", note=reason, rule=rule, **details)
    workflow.cancel(accepted)  # the process's human steps are not needed
    handling.finish(accepted, actor=SYSTEM, decision=Decision.APPROVE, reason=reason, auto=True)
