"""``yiwang exchange <subcommand>``: the exchange's command-line jobs, from the registry in
:mod:`yiwang.exchange.commands`."""

from yiwang.exchange.commands import registry
from yiwang.kernel.subcommands import command

Command = command(
    registry, help="Data sharing and exchange jobs (yiwang exchange --help lists them)"
)
