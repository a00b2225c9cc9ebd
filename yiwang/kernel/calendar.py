"""Working days: the national holiday schedule (chinesecalendar) with local overrides.

Counting rule (the one statutory time limits use): the day of the triggering act is not
counted; ``add_working_days(d, n)`` is the n-th working day after ``d``, and
``working_days_between(a, b)`` counts the working days in the half-open interval (a, b].
For a year the holiday package does not know yet, weekends are rest days and weekdays are
working days, unless an override in the database says otherwise; ``yiwang check`` warns
before that happens.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging

import chinese_calendar

from yiwang.kernel.models import CalendarOverride

log = logging.getLogger(__name__)


@functools.cache
def _warn_unknown_year(year: int) -> None:
    log.warning("holiday schedule for %s unknown; counting weekdays only", year)


def _national_is_workday(day: dt.date) -> bool:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        _warn_unknown_year(day.year)  # once per year and process, not once per day
        return day.weekday() < 5


def known_years() -> range:
    """The years the installed holiday schedule covers."""
    years = sorted({d.year for d in chinese_calendar.holidays})
    return range(years[0], years[-1] + 1)


class WorkingCalendar:
    """A snapshot of the calendar: national schedule plus the overrides read once."""

    def __init__(self, overrides: dict[dt.date, bool] | None = None) -> None:
        self.overrides = (
            overrides
            if overrides is not None
            else dict(CalendarOverride.objects.values_list("date", "is_workday"))
        )

    def is_workday(self, day: dt.date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        return _national_is_workday(day)

    def add_working_days(self, start: dt.date, n: int) -> dt.date:
        if n < 0:
            raise ValueError("n must not be negative")
        day = start
        counted = 0
        while counted < n:
            day += dt.timedelta(days=1)
            if self.is_workday(day):
                counted += 1
        return day

    def working_days_between(self, a: dt.date, b: dt.date) -> int:
        if b < a:
            return -self.working_days_between(b, a)
        count = 0
        day = a
        while day < b:
            day += dt.timedelta(days=1)
            if self.is_workday(day):
                count += 1
        return count


def is_workday(day: dt.date) -> bool:
    return WorkingCalendar().is_workday(day)


def add_working_days(start: dt.date, n: int) -> dt.date:
    """The n-th working day after ``start`` (``start`` itself is not counted)."""
    return WorkingCalendar().add_working_days(start, n)


def working_days_between(a: dt.date, b: dt.date) -> int:
    """Working days in (a, b]; negative when b is before a."""
    return WorkingCalendar().working_days_between(a, b)
