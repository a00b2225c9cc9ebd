from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yiwang.catalog import transfer
from yiwang.kernel.errors import DomainError


class Command(BaseCommand):
    help = (
        "Service catalogue transfer. 'import FILE' reads an Excel workbook (.xlsx) or JSON, "
        "all or nothing; 'export --format xlsx|json -o FILE' writes the whole catalogue."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["import", "export"])
        parser.add_argument("path", type=Path, nargs="?", help="the file to import")
        parser.add_argument(
            "--format",
            choices=["xlsx", "json"],
            help="export format (default: from the output file's extension, else xlsx)",
        )
        parser.add_argument("-o", "--output", type=Path, help="the file to export to")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "import":
            self.import_file(options["path"])
        else:
            self.export(options["output"], options["format"])

    def import_file(self, path: Path | None) -> None:
        if path is None:
            raise CommandError("usage: yiwang catalog import FILE")
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        try:
            result = transfer.import_file(actor="cli", data=path.read_bytes(), filename=path.name)
        except DomainError as exc:
            lines = [
                f"{e['location']}: [{e['code']}] {e['message']}"
                for e in exc.details.get("errors", [])
            ]
            raise CommandError("\n".join([str(exc.message), *lines])) from None
        self.stdout.write(
            f"items: {result.items_created} created, {result.items_updated} updated, "
            f"{result.items_unchanged} unchanged ({result.materials} materials); "
            f"implementations: {result.implementations_created} created, "
            f"{result.implementations_updated} updated, "
            f"{result.implementations_unchanged} unchanged"
        )

    def export(self, output: Path | None, format_: str | None) -> None:
        if output is None:
            raise CommandError("usage: yiwang catalog export [--format xlsx|json] -o FILE")
        format_ = format_ or ("json" if output.suffix.lower() == ".json" else "xlsx")
        if format_ == "json":
            document = transfer.export_json("cli")
            output.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n")
        else:
            output.write_bytes(transfer.export_workbook("cli"))
        self.stdout.write(f"exported the catalogue as {format_} to {output}")
