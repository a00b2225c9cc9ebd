"""``yiwang exchange <subcommand>``: the exchange's command-line jobs. The subcommands live
in a registry (:mod:`yiwang.exchange.commands`) so each part of the exchange adds its own."""

from __future__ import annotations

import importlib
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from yiwang.exchange import commands


class Command(BaseCommand):
    help = "Data sharing and exchange jobs: " + ", ".join(sorted(commands.SUBCOMMANDS))

    def add_arguments(self, parser: CommandParser) -> None:
        for module in commands.MODULES:
            importlib.import_module(module)
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="subcommand")
        for name, spec in sorted(commands.SUBCOMMANDS.items()):
            spec.configure(sub.add_parser(name, help=spec.help, description=spec.help))

    def handle(self, *args: Any, **options: Any) -> None:
        commands.SUBCOMMANDS[options["subcommand"]].run(options, self.stdout)
