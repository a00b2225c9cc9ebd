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
    PROCESS_ERROR = "case_process_error"
    RETURN_TARGET_INVALID = "case_return_target_invalid"
    OUTCOME_INVALID = "case_task_outcome_invalid"
    TASK_DATA_INVALID = "case_task_data_invalid"
    SUSPENDED = "case_suspended"
    NOT_INSTANT = "case_not_instant"
    ENTITY_NOT_AUTHORISED = "case_entity_not_authorised"
    DELIVERY_INVALID = "case_delivery_invalid"  # details.errors points at each bad field
    DELIVERY_STATUS = "case_delivery_status_invalid"
    CARRIER_UNAVAILABLE = "case_carrier_unavailable"
    DOCUMENT_NOT_ISSUED = "case_document_not_issued"
    LICENCE_UNAVAILABLE = "case_licence_unavailable"
