"""The subcommands of ``yiwang exchange <subcommand>``, in a registry
(:mod:`yiwang.kernel.subcommands`) so each part of the exchange adds its own: call
:func:`register` with a ``configure(parser)`` and a ``run(options, out)`` function, and list the
module in :data:`MODULES` (imported when the command starts)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from yiwang.kernel.subcommands import Registry

#: Modules whose import registers subcommands (add yours here).
MODULES = [
    "yiwang.exchange.commands",
    "yiwang.exchange.commands_log",
    "yiwang.exchange.commands_sharing",
    "yiwang.exchange.cascade_commands",
]
registry = Registry(MODULES)
#: name → subcommand; filled by register().
SUBCOMMANDS = registry.subcommands
register = registry.register


# --- synth -----------------------------------------------------------------------------------


def _configure_synth(parser: CommandParser) -> None:
    parser.add_argument("--people", type=int, default=0, help="人口 rows to generate")
    parser.add_argument("--entities", type=int, default=0, help="法人 rows to generate")
    parser.add_argument("--credit", type=int, default=0, help="信用记录 rows to generate")
    parser.add_argument("--seed", type=int, default=1, help="same seed, same data")
    parser.add_argument(
        "--region", default="42", help="division code the data lives in (42, 4201, 420106)"
    )
    parser.add_argument("--append", action="store_true", help="add to non-empty tables")
    parser.add_argument(
        "--jobs", type=int, default=1, help="worker processes generating rows (encryption)"
    )
    parser.add_argument("--batch-size", type=int, default=50_000, help="rows per transaction")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def _run_synth(options: dict[str, Any], out: Any) -> None:
    from yiwang.exchange import synth

    counts = [options["people"], options["entities"], options["credit"]]
    if any(n < 0 for n in counts) or not any(counts):
        raise CommandError("give at least one of --people N, --entities M, --credit K (N > 0)")
    try:
        result = synth.synthesize(
            people=options["people"],
            entities=options["entities"],
            credit=options["credit"],
            seed=options["seed"],
            region=options["region"],
            append=options["append"],
            jobs=max(1, options["jobs"]),
            batch_size=max(1, options["batch_size"]),
            progress=not options["no_progress"],
        )
    except synth.AlreadyFilled as exc:
        raise CommandError(str(exc)) from None
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    for kind in ("people", "entities", "credit"):
        count = getattr(result, kind)
        if count:
            out.write(
                f"{kind}: {count} rows in {result.seconds[kind]:.1f} s "
                f"({result.rate(kind):,.0f} rows/s)\n"
            )
    _touch_written(result, out)


#: synth's kinds → the base sources (table mounts) they write.
SYNTH_SOURCES = {"people": "population", "entities": "legal_entities", "credit": "credit_records"}


def _touch_written(result: Any, out: Any) -> None:
    """The tables synth wrote changed: every resource mounted on them is touched (freshness,
    row count, ``exchange.resource_changed`` for subscribers)."""
    from yiwang.exchange import services

    written = [source for kind, source in SYNTH_SOURCES.items() if getattr(result, kind)]
    for mount in services.touch_tables(written, actor="yiwang exchange synth"):
        out.write(f"touched {mount.resource.code} ({mount.source}: {mount.row_count} rows)\n")


register(
    "synth",
    help="Generate synthetic base data: people, legal entities, credit records.",
    configure=_configure_synth,
    run=_run_synth,
)


# --- touch -----------------------------------------------------------------------------------


def _configure_touch(parser: CommandParser) -> None:
    parser.add_argument("code", help="the resource code whose data just changed")


def _run_touch(options: dict[str, Any], out: Any) -> None:
    from yiwang.exchange import services
    from yiwang.kernel.errors import DomainError

    try:
        resource = services.get_resource(options["code"])
        mount = services.touch_resource(actor="yiwang exchange touch", resource=resource)
    except DomainError as exc:
        raise CommandError(f"{options['code']}: {exc.message}") from None
    rows = "" if mount.row_count is None else f" ({mount.row_count} rows)"
    out.write(f"touched {resource.code}{rows} at {mount.data_updated_at}\n")


register(
    "touch",
    help="Record that a resource's data changed now (freshness, subscribers); "
    "for a provider's scheduled load job.",
    configure=_configure_touch,
    run=_run_touch,
)
