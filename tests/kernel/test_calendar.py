"""Working days against the real 2025 and 2026 national holiday schedules."""

from __future__ import annotations

import datetime as dt

import pytest

from yiwang.kernel import calendar, services
from yiwang.kernel.calendar import WorkingCalendar

D = dt.date

# Published by the General Office of the State Council (国务院办公厅).
HOLIDAYS_2025 = [
    D(2025, 1, 1),
    D(2025, 1, 28),
    D(2025, 2, 4),
    D(2025, 4, 4),
    D(2025, 5, 5),
    D(2025, 5, 31),
    D(2025, 6, 2),
    D(2025, 10, 1),
    D(2025, 10, 8),
]
MAKEUP_2025 = [D(2025, 1, 26), D(2025, 2, 8), D(2025, 4, 27), D(2025, 9, 28), D(2025, 10, 11)]
HOLIDAYS_2026 = [
    D(2026, 1, 1),
    D(2026, 1, 2),
    D(2026, 2, 16),
    D(2026, 2, 23),
    D(2026, 4, 6),
    D(2026, 5, 1),
    D(2026, 5, 5),
    D(2026, 6, 19),
    D(2026, 9, 25),
    D(2026, 10, 1),
    D(2026, 10, 7),
]
MAKEUP_2026 = [
    D(2026, 1, 4),
    D(2026, 2, 14),
    D(2026, 2, 28),
    D(2026, 5, 9),
    D(2026, 9, 20),
    D(2026, 10, 10),
]

cal = WorkingCalendar(overrides={})


@pytest.mark.parametrize("day", HOLIDAYS_2025 + HOLIDAYS_2026)
def test_public_holidays_are_not_working_days(day: dt.date) -> None:
    assert not cal.is_workday(day)


@pytest.mark.parametrize("day", MAKEUP_2025 + MAKEUP_2026)
def test_makeup_weekend_days_are_working_days(day: dt.date) -> None:
    assert day.weekday() >= 5
    assert cal.is_workday(day)


def test_add_working_days_skips_the_national_day_week() -> None:
    # Sept 30 2025 (Tue) + 1 working day: Oct 1–8 are holidays, Oct 9 (Thu) is next.
    assert cal.add_working_days(D(2025, 9, 30), 1) == D(2025, 10, 9)
    # Oct 10 (Fri) and the make-up Saturday Oct 11 are working days.
    assert cal.add_working_days(D(2025, 9, 30), 3) == D(2025, 10, 11)


def test_add_working_days_across_spring_festival_2026() -> None:
    # Fri Feb 13 2026 → Sat Feb 14 is a make-up day, then Feb 15–23 rest, Feb 24 (Tue).
    assert cal.add_working_days(D(2026, 2, 13), 1) == D(2026, 2, 14)
    assert cal.add_working_days(D(2026, 2, 13), 2) == D(2026, 2, 24)


def test_add_zero_days_is_the_same_day() -> None:
    assert cal.add_working_days(D(2026, 3, 2), 0) == D(2026, 3, 2)


def test_twenty_working_days_in_may_2026() -> None:
    # Apr 30 (Thu) + 20: May 1–5 rest, May 9 (Sat) works.
    assert cal.add_working_days(D(2026, 4, 30), 20) == D(2026, 6, 1)


def test_working_days_between_counts_the_half_open_interval() -> None:
    # (Sep 30, Oct 10]: Oct 1–7 rest; Oct 8, Oct 9 and the make-up Saturday Oct 10 work.
    assert cal.working_days_between(D(2026, 9, 30), D(2026, 10, 10)) == 3
    assert cal.working_days_between(D(2026, 3, 2), D(2026, 3, 9)) == 5
    assert cal.working_days_between(D(2026, 3, 9), D(2026, 3, 2)) == -5
    assert cal.working_days_between(D(2026, 3, 2), D(2026, 3, 2)) == 0


def test_between_inverts_add() -> None:
    start = D(2025, 12, 20)
    for n in (1, 5, 13, 30, 60):
        assert cal.working_days_between(start, cal.add_working_days(start, n)) == n


@pytest.mark.django_db
def test_override_turns_a_day_into_a_holiday() -> None:
    services.set_calendar_override(
        actor="test", date=D(2026, 3, 3), is_workday=False, reason="地方性假日"
    )
    assert not calendar.is_workday(D(2026, 3, 3))
    assert calendar.add_working_days(D(2026, 3, 2), 1) == D(2026, 3, 4)


@pytest.mark.django_db
def test_unknown_year_counts_weekdays_until_overridden() -> None:
    year = max(calendar.known_years()) + 1
    monday = D(year, 3, 1)
    while monday.weekday() != 0:
        monday += dt.timedelta(days=1)
    assert calendar.is_workday(monday)
    assert not calendar.is_workday(monday + dt.timedelta(days=5))
    services.set_calendar_override(actor="test", date=monday, is_workday=False, reason="节假日")
    assert not calendar.is_workday(monday)
