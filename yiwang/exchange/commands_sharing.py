"""``yiwang exchange overdue``: share requests and error reports past their deadline
(registered through ``commands.MODULES``)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from yiwang.exchange.commands import register


def _configure(parser: CommandParser) -> None:
    parser.add_argument("--on", default="", help="as of this date (YYYY-MM-DD; default today)")


def _run(options: dict[str, Any], out: Any) -> None:
    import datetime as dt

    from yiwang.exchange import services

    on = dt.date.fromisoformat(options["on"]) if options.get("on") else None
    requests = list(services.overdue_requests(on))
    reports = list(services.overdue_reports(on))
    out.write(f"overdue share requests: {len(requests)}\n")
    for r in requests:
        out.write(
            f"  request {r.pk}  due {r.due_on}  {r.resource.provider.code} ← {r.consumer.code}"
            f"  {r.resource.code} {r.resource.name}\n"
        )
    out.write(f"overdue error reports: {len(reports)}\n")
    for e in reports:
        out.write(
            f"  report {e.pk}  due {e.due_on}  {e.resource.provider.code} ← {e.reporter.code}"
            f"  {e.resource.code}.{e.field_name}\n"
        )


register(
    "overdue",
    help="List share requests and error reports past their deadline (working days).",
    configure=_configure,
    run=_run,
)
