"""Registers the message log's subcommands with ``yiwang exchange``: ``export-log`` and
``verify-log``."""

from yiwang.exchange import msglog

msglog.register_commands()
