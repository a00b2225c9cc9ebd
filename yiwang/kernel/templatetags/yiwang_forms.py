"""Template filters for the shared form partials (``templates/forms/``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template

register = template.Library()


@register.filter
def input_value(value: Any) -> Any:
    """A field's value as a text input shows it: nothing for None, and a date in ISO form
    (2026-01-31, what the date fields accept) rather than the page language's display form
    (2026年1月31日), which would not be accepted when the form comes back."""
    if value is None:
        return ""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()
    return value
