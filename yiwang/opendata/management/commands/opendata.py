"""``yiwang opendata <subcommand>``: the open-data portal's command-line jobs, from the registry in
:mod:`yiwang.opendata.commands`."""

from yiwang.kernel.subcommands import command
from yiwang.opendata.commands import registry

Command = command(registry, help="Open-data portal jobs (yiwang opendata --help lists them)")
