"""Seal error codes. Values are part of the public API: never rename one."""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    NOT_FOUND = "seal_not_found"
    INVALID = "seal_invalid"  # details.errors points at each bad field
    IMAGE_INVALID = "seal_image_invalid"
    STATUS_TRANSITION = "seal_status_transition_invalid"
    REASON_REQUIRED = "seal_reason_required"
    NOT_PERMITTED = "seal_use_not_permitted"
    NOT_USABLE = "seal_not_usable"  # suspended, revoked, not yet valid or expired
    PDF_INVALID = "seal_pdf_invalid"  # not a PDF, or one that cannot be read
    PDF_TOO_LARGE = "seal_pdf_too_large"
    FORMAT_INVALID = "seal_format_invalid"
    KEY_UNAVAILABLE = "seal_key_unavailable"
