"""Domain errors: a stable machine-readable code, a localised human message, details.

Every module defines its own ``ErrorCode`` enum in its ``errors.py`` and raises
:class:`DomainError`; the API turns it into the one error envelope
``{"code": ..., "message": ..., "details": {...}}``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class ErrorCode(StrEnum):
    """Kernel error codes. Values are part of the public API: never rename one."""

    VALIDATION_ERROR = "validation_error"
    BAD_REQUEST = "bad_request"
    NOT_AUTHENTICATED = "not_authenticated"
    NOT_FOUND = "not_found"
    PERMISSION_DENIED = "permission_denied"
    CSRF_FAILED = "csrf_failed"
    INTERNAL_ERROR = "internal_error"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    RATE_LIMITED = "rate_limited"
    ID_NUMBER_FORMAT = "id_number_format"
    ID_NUMBER_CHECKSUM = "id_number_checksum"
    ID_NUMBER_BIRTH_DATE = "id_number_birth_date"
    ID_NUMBER_REGION = "id_number_region"
    CREDIT_CODE_FORMAT = "credit_code_format"
    CREDIT_CODE_CHECKSUM = "credit_code_checksum"
    MOBILE_FORMAT = "mobile_format"
    REGION_CODE_FORMAT = "region_code_format"
    REGION_UNKNOWN = "region_unknown"
    REGION_PARENT_UNKNOWN = "region_parent_unknown"
    REGION_PARENT_MISMATCH = "region_parent_mismatch"
    REGION_DUPLICATE = "region_duplicate"
    REGION_LEVEL_MISMATCH = "region_level_mismatch"
    REGION_CSV_MALFORMED = "region_csv_malformed"
    DEPARTMENT_DUPLICATE = "department_duplicate"
    FILE_EMPTY = "file_empty"
    FILE_TOO_LARGE = "file_too_large"
    FILE_TYPE_NOT_ALLOWED = "file_type_not_allowed"
    CALENDAR_RANGE = "calendar_range"


class DomainError(Exception):
    """A refusal a person can act on. ``status`` is the HTTP status the API answers with."""

    status: int = 400

    def __init__(
        self,
        code: StrEnum,
        message: str | Promise,
        *,
        status: int | None = None,
        **details: Any,
    ) -> None:
        self.code = code
        self.message = message
        self.details = details
        if status is not None:
            self.status = status
        super().__init__(f"{code}: {message}")

    def as_dict(self) -> dict[str, Any]:
        return {"code": str(self.code), "message": str(self.message), "details": self.details}


class ImportRefused(DomainError):
    """An import was refused as a whole; ``details["errors"]`` lists every bad line."""

    def __init__(self, code: StrEnum, errors: list[dict[str, Any]]) -> None:
        first = errors[0]["message"] if errors else ""
        super().__init__(
            code,
            _("导入被拒绝,未写入任何数据:%(first)s") % {"first": first},
            errors=errors,
        )


_STATUS_ENVELOPES: dict[int, tuple[ErrorCode, str | Promise]] = {
    400: (ErrorCode.BAD_REQUEST, _("请求有误。")),
    401: (ErrorCode.NOT_AUTHENTICATED, _("请先登录。")),
    403: (ErrorCode.PERMISSION_DENIED, _("您没有执行此操作的权限。")),
    404: (ErrorCode.NOT_FOUND, _("未找到该资源。")),
    405: (ErrorCode.METHOD_NOT_ALLOWED, _("不支持该请求方法。")),
    413: (ErrorCode.FILE_TOO_LARGE, _("请求内容过大。")),
    429: (ErrorCode.RATE_LIMITED, _("请求过于频繁,请稍后再试。")),
}


def status_envelope(status: int) -> tuple[str, str | Promise]:
    """The code and message for a bare HTTP status (when no domain error says more)."""
    code, message = _STATUS_ENVELOPES.get(status, (ErrorCode.BAD_REQUEST, _("请求有误。")))
    return str(code), message


CSRF_MESSAGE = _("页面已过期或请求来源无法确认,请刷新页面后重试。")
