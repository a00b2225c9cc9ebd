"""``yiwang hotline mark-deadlines``: set the due-soon and overdue marks of running orders
(list this module in :data:`yiwang.hotline.commands.MODULES` to register it)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from yiwang.hotline import commands, deadlines


def _configure(parser: CommandParser) -> None:
    del parser  # no options


def _run(options: dict[str, Any], out: Any) -> None:
    del options
    changed = deadlines.mark_deadlines()
    out.write(f"deadline state changed on {changed} orders")


commands.register(
    "mark-deadlines",
    help="mark due-soon and overdue work orders (safe to run twice)",
    configure=_configure,
    run=_run,
)
