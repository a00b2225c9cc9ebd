from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yiwang.cases import clock


class Command(BaseCommand):
    help = (
        "Case jobs. 'mark-deadlines' marks every running accepted case on time, due soon or "
        "overdue by its promised due date (run it daily; a second run changes nothing)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["mark-deadlines"])
        parser.add_argument("--date", help="the day to judge by, YYYY-MM-DD (default: today)")
        parser.add_argument(
            "--due-soon-days",
            type=int,
            default=2,
            help="working days before the due date that count as due soon (default: 2)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        today = None
        if options["date"]:
            try:
                today = dt.date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError(f"not a date (YYYY-MM-DD): {options['date']}") from None
        if options["due_soon_days"] < 0:
            raise CommandError("--due-soon-days must not be negative")
        counts = clock.mark_deadlines(today=today, due_soon_days=options["due_soon_days"])
        self.stdout.write(
            f"checked {counts['checked']} cases; now overdue: {counts['overdue']}, "
            f"due soon: {counts['due_soon']}, on time: {counts['on_time']}"
        )
