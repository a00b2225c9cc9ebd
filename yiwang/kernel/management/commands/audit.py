from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yiwang.kernel import audit


class Command(BaseCommand):
    help = "Audit trail tools. 'verify' walks the hash chain and names the first broken row."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args: Any, **options: Any) -> None:
        result = audit.verify()
        if not result.ok:
            raise CommandError(
                f"BROKEN at row #{result.broken_seq}: {result.reason} "
                f"({result.checked} rows verified before it)"
            )
        guard = "database trigger on" if audit.is_guarded() else "ORM guard only"
        self.stdout.write(f"OK: {result.checked} rows, chain intact ({guard})")
