"""Event handlers of the licence module.

``cases.completed``: an approved case whose result is an e-licence (the implementation's
``result_license_type`` names an active licence type) gets its licence issued to the
applicant: to the entity when the case was made for one, else to the person. Safe to run
twice: one licence per (type, case)."""

from __future__ import annotations

import logging

from django.db import transaction

from yiwang.kernel import audit, events
from yiwang.kernel.errors import DomainError
from yiwang.kernel.models import OutboxEvent

log = logging.getLogger(__name__)


@events.subscribe("cases.completed")
def issue_case_result(event: OutboxEvent) -> None:
    from yiwang.licenses import services

    payload = dict(event.payload)
    try:
        services.issue_for_case(payload)
    except DomainError as exc:
        # The case's data do not make a valid licence: retrying cannot help. The refusal is
        # recorded for the issuing department to issue by hand.
        log.warning("case %s: licence not issued: %s", payload.get("case_no"), exc)
        with transaction.atomic():
            audit.record(
                "licenses.case_issue_refused",
                actor="system",
                target_type="cases.case",
                target_id=str(payload.get("case_id") or ""),
                details={
                    "case_no": payload.get("case_no"),
                    "type_code": payload.get("result_license_type"),
                    "code": str(exc.code),
                    "errors": exc.details.get("errors", []),
                },
            )
