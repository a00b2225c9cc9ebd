"""Identity error codes. Values are part of the public API: never rename one."""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    CODE_INVALID = "code_invalid"  # wrong, expired, used up or never sent: one answer for all
    CREDENTIALS_INVALID = "credentials_invalid"  # unknown account or wrong password: identical
    ACCOUNT_LOCKED = "account_locked"
    MOBILE_TAKEN = "mobile_taken"
    ID_NUMBER_TAKEN = "id_number_taken"
    PASSWORD_REJECTED = "password_rejected"  # noqa: S105  (an error code, not a secret)
    REAL_NAME_MISMATCH = "real_name_mismatch"
    ALREADY_VERIFIED = "already_verified"
    VERIFICATION_REQUIRED = "verification_required"
    SECOND_FACTOR_REQUIRED = "second_factor_required"
    SECOND_FACTOR_INVALID = "second_factor_invalid"
    REAUTHENTICATION_REQUIRED = "reauthentication_required"
    ENTITY_MISMATCH = "entity_mismatch"
    ENTITY_ALREADY_BOUND = "entity_already_bound"
    DELEGATION_INVALID = "delegation_invalid"
    DELEGATION_EXISTS = "delegation_exists"
    LAST_SECOND_FACTOR = "last_second_factor"
    PASSKEY_INVALID = "passkey_invalid"
