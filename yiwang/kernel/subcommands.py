"""``yiwang <module> <subcommand>``: one management command per module whose subcommands live
in a registry, so each part of a module adds its own from its own file.

A module keeps a :class:`Registry` in its ``commands.py`` listing the modules whose import
registers subcommands, and its management command is made by :func:`command`::

    # yiwang/<module>/commands.py
    registry = Registry(["yiwang.<module>.commands", "yiwang.<module>.commands_more"])
    register = registry.register

    # yiwang/<module>/management/commands/<module>.py
    Command = subcommands.command(registry, help="...")

``configure`` adds a subcommand's arguments to its ``argparse`` sub-parser; ``run(options,
out)`` does the work, writing to ``out`` and raising ``CommandError`` for a refusal.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

Configure = Callable[[CommandParser], None]
#: run(options, out): ``out`` has ``write(str)`` (the command's stdout wrapper).
Run = Callable[[dict[str, Any], Any], None]


@dataclass(frozen=True)
class Subcommand:
    name: str
    help: str
    configure: Configure
    run: Run


@dataclass
class Registry:
    #: Modules whose import registers subcommands. One listed before its file exists is
    #: skipped (a part of the module not written yet); any other import error is raised.
    modules: list[str]
    subcommands: dict[str, Subcommand] = field(default_factory=dict)

    def register(self, name: str, *, help: str, configure: Configure, run: Run) -> None:
        self.subcommands[name] = Subcommand(name, help, configure, run)

    def load(self) -> None:
        for module in self.modules:
            try:
                importlib.import_module(module)
            except ModuleNotFoundError as error:
                if error.name != module:
                    raise


def command(registry: Registry, *, help: str) -> type[BaseCommand]:
    """The management command running ``registry``'s subcommands."""

    class Command(BaseCommand):
        def add_arguments(self, parser: CommandParser) -> None:
            registry.load()
            sub = parser.add_subparsers(dest="subcommand", required=True, metavar="subcommand")
            for name, spec in sorted(registry.subcommands.items()):
                spec.configure(sub.add_parser(name, help=spec.help, description=spec.help))

        def handle(self, *args: Any, **options: Any) -> None:
            registry.subcommands[options["subcommand"]].run(options, self.stdout)

    Command.help = help
    return Command
