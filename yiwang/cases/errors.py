"""Case error codes. Values are part of the public API: never rename one."""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    NOT_PUBLISHED = "implementation_not_published"
    FORM_INVALID = "case_form_invalid"  # details.errors points at each bad field
    MATERIALS_MISSING = "case_materials_missing"
    STATUS_TRANSITION = "case_status_transition_invalid"
    REASON_REQUIRED = "case_reason_required"
    SUPPLEMENT_EMPTY = "case_supplement_empty"
    IDEMPOTENCY_MISMATCH = "idempotency_key_reused"
    IDEMPOTENCY_KEY_REQUIRED = "idempotency_key_required"
    CONFLICT = "case_conflict"
