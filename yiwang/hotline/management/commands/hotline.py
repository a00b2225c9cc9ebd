"""``yiwang hotline <subcommand>``: the hotline's command-line jobs. The subcommands live in a
registry (:mod:`yiwang.hotline.commands`) so each part of the hotline adds its own."""

from __future__ import annotations

import importlib
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from yiwang.hotline import commands


def _load_modules() -> None:
    for module in commands.MODULES:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as error:
            if error.name != module:  # a module listed before its file landed is skipped
                raise


class Command(BaseCommand):
    help = "12345 hotline jobs (yiwang hotline --help lists them)"

    def add_arguments(self, parser: CommandParser) -> None:
        _load_modules()
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="subcommand")
        for name, spec in sorted(commands.SUBCOMMANDS.items()):
            spec.configure(sub.add_parser(name, help=spec.help, description=spec.help))

    def handle(self, *args: Any, **options: Any) -> None:
        commands.SUBCOMMANDS[options["subcommand"]].run(options, self.stdout)
