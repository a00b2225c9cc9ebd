"""``yiwang hotline <subcommand>``: the hotline's command-line jobs, from the registry in
:mod:`yiwang.hotline.commands`."""

from yiwang.hotline.commands import registry
from yiwang.kernel.subcommands import command

Command = command(registry, help="12345 hotline jobs (yiwang hotline --help lists them)")
