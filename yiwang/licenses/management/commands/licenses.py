"""``yiwang licenses expire``: mark licences past their validity as expired (safe to run
again; run daily)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "E-licence jobs: `expire` marks licences past their validity as expired."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("job", choices=["expire"])

    def handle(self, *args: Any, **options: Any) -> None:
        from yiwang.licenses import services

        count = services.expire_due(actor="cli")
        self.stdout.write(f"licences expired: {count}")
