"""Catalogue error codes. Values are part of the public API: never rename one."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.utils.translation import gettext_lazy as _

from yiwang.kernel.errors import DomainError


class ErrorCode(StrEnum):
    ITEM_CODE_TAKEN = "item_code_taken"
    ITEM_INVALID = "item_invalid"
    IMPLEMENTATION_EXISTS = "implementation_exists"
    VERSION_INVALID = "version_invalid"  # details.errors points at each bad field
    VERSION_IMMUTABLE = "version_immutable"
    STATUS_TRANSITION = "status_transition_invalid"
    OWN_SUBMISSION = "own_submission"
    FORM_SCHEMA_INVALID = "form_schema_invalid"
    BPMN_INVALID = "bpmn_invalid"
    DMN_INVALID = "dmn_invalid"  # 秒批 decision table; details.errors name element and line
    LIFE_EVENT_INVALID = "life_event_invalid"
    LIFE_EVENT_EMPTY = "life_event_empty"
    LIFE_EVENT_CIRCULAR = "life_event_circular"
    LIFE_EVENT_CONFLICT = "life_event_form_conflict"
    DEPARTMENT_UNKNOWN = "department_unknown"
    IMPORT_REFUSED = "catalog_import_refused"


class FieldErrors(DomainError):
    """A refusal naming every bad field: ``details["errors"]`` is a list of
    ``{"field": ..., "code": ..., "message": ...}`` (plus ``element``/``line`` for BPMN,
    ``sheet``/``row`` for imports)."""

    def __init__(self, code: StrEnum, errors: list[dict[str, Any]], *, status: int = 422) -> None:
        first = str(errors[0]["message"]) if errors else ""
        super().__init__(
            code,
            _("内容未通过校验:%(first)s") % {"first": first},
            status=status,
            errors=[{k: str(v) if k == "message" else v for k, v in e.items()} for e in errors],
        )


def field_error(field: str, code: str, message: Any, **extra: Any) -> dict[str, Any]:
    return {"field": field, "code": code, "message": str(message), **extra}
