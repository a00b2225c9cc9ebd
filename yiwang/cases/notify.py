"""Telling the applicant: a site message (站内消息, ``Notice``) in the same transaction as the
change, and the same text by SMS through the kernel's adapter after commit (a rolled-back
change sends nothing; a failing gateway never undoes the change)."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from yiwang.cases.models import Case, Notice
from yiwang.kernel import sms

log = logging.getLogger(__name__)


def _send_sms(mobile: str, body: str) -> None:
    try:
        sms.send_sms(mobile, body)
    except Exception:  # the gateway is outside our control; the site message stands
        log.exception("case notice SMS failed")


def notify(case: Case, kind: str, body: str, *, actor: Any = None) -> Notice:
    """A site message to the applicant of ``case`` and an SMS to their mobile number.
    ``actor``: who made the change — when it is the applicant, no need to read them again."""
    applicant: Any = actor if getattr(actor, "pk", None) == case.applicant_id else case.applicant
    notice = Notice.objects.create(recipient=applicant, case=case, kind=kind, body=body)
    mobile = getattr(applicant, "mobile", "") or ""
    if mobile:
        text = _("【一网通办】您的办件%(no)s:%(body)s") % {"no": case.case_no or "", "body": body}
        transaction.on_commit(lambda: _send_sms(mobile, text))
    return notice
