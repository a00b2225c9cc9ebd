from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yiwang.kernel import services
from yiwang.kernel.errors import DomainError


class Command(BaseCommand):
    help = "Import regions from a CSV file (code,name[,level][,parent_code]); all or nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["import"])
        parser.add_argument("path", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        try:
            result = services.import_regions(path.read_bytes(), actor="cli")
        except DomainError as exc:
            lines = [
                f"line {e['line']}: [{e['code']}] {e['message']}"
                for e in exc.details.get("errors", [])
            ]
            raise CommandError("\n".join([str(exc.message), *lines])) from None
        self.stdout.write(
            f"regions: {result.created} created, {result.updated} updated, "
            f"{result.unchanged} unchanged"
        )
