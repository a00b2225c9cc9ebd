"""System checks run by ``yiwang check``: things an operator must fix before users notice."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

from yiwang.kernel.calendar import known_years


@register(Tags.compatibility)
def calendar_covers_next_year(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Deadlines need next year's holiday schedule from December on."""
    today = dt.date.today()  # noqa: DTZ011 (a calendar date is what matters here)
    needed = today.year + 1 if today.month == 12 else today.year
    if needed in known_years():
        return []
    return [
        Warning(
            f"The holiday schedule for {needed} is not installed; working days in {needed} will "
            "count weekdays only.",
            hint="Upgrade the chinesecalendar package, or add CalendarOverride rows for that year.",
            id="yiwang.W001",
        )
    ]


@register(Tags.security, deploy=True)
def secure_deployment(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    problems: list[CheckMessage] = []
    if settings.DEBUG:
        problems.append(Error("YIWANG_DEBUG is on in a deployment.", id="yiwang.E001"))
    return problems
