"""Licence error codes. Values are part of the public API: never rename one."""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    LICENSE_NOT_FOUND = "license_not_found"
    TYPE_NOT_FOUND = "license_type_not_found"
    TYPE_INACTIVE = "license_type_inactive"
    TYPE_INVALID = "license_type_invalid"  # details.errors points at each bad field
    TYPE_DUPLICATE = "license_type_duplicate"
    DATA_INVALID = "license_data_invalid"  # details.errors points at each bad field
    HOLDER_INVALID = "license_holder_invalid"  # details.errors points at each bad field
    ISSUER_UNKNOWN = "license_issuer_unknown"
    STATUS_TRANSITION = "license_status_transition_invalid"
    REASON_REQUIRED = "license_reason_required"
    IMPORT_REFUSED = "license_import_refused"  # details.errors lists every bad row
    IMPORT_FORMAT = "license_import_format"
    GRANT_EMPTY = "license_grant_empty"
    GRANT_NOT_FOUND = "license_grant_not_found"
    GRANT_EXPIRED = "license_grant_expired"
    GRANT_USED = "license_grant_used"
    GRANT_CODE_REQUIRED = "license_grant_code_required"
    DEPARTMENT_NOT_VERIFIED = "license_department_not_verified"
    NOT_DEPARTMENT_STAFF = "license_not_department_staff"
    NOT_USABLE = "license_not_usable"
    PDF_UNREADABLE = "license_pdf_unreadable"
