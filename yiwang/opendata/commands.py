"""The subcommands of ``yiwang opendata <subcommand>``: a small registry, so each part of the
open-data module adds its own (list the module in :data:`MODULES`; one not yet written is
skipped).

``token <username> [--name N] [--days D]`` (core) prints a new API token for the user, once;
``revoke-token <prefix>`` revokes one.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError, CommandParser

from yiwang.kernel.subcommands import Registry

#: Modules whose import registers subcommands (add yours here).
MODULES = [
    "yiwang.opendata.commands",
    "yiwang.opendata.commands_search",
    "yiwang.opendata.commands_datastore",
    "yiwang.opendata.commands_demo",
]
registry = Registry(MODULES)
#: name → subcommand; filled by register().
SUBCOMMANDS = registry.subcommands
register = registry.register


def _configure_token(parser: CommandParser) -> None:
    parser.add_argument("username", help="the account the token acts as")
    parser.add_argument("--name", default="命令行创建", help="what the token is for")
    parser.add_argument("--days", type=int, default=0, help="expires after D days (0: never)")


def _run_token(options: dict[str, Any], out: Any) -> None:
    from yiwang.opendata import services

    user = get_user_model().objects.filter(username=options["username"]).first()
    if user is None:
        raise CommandError(f"no account named {options['username']!r}")
    if options["days"] < 0:
        raise CommandError("--days must be 0 or more")
    _token, secret = services.create_token(
        actor="cli", user=user, name=options["name"], expires_in_days=options["days"] or None
    )
    out.write(secret)


def _configure_revoke(parser: CommandParser) -> None:
    parser.add_argument("prefix", help="the token's prefix (the part after ywod_)")


def _run_revoke(options: dict[str, Any], out: Any) -> None:
    from yiwang.opendata import services
    from yiwang.opendata.models import ApiToken

    token = ApiToken.objects.filter(prefix=options["prefix"]).first()
    if token is None:
        raise CommandError(f"no token with prefix {options['prefix']!r}")
    services.revoke_token(actor="cli", token=token)
    out.write(f"revoked {token.prefix}")


register(
    "token",
    help="create an Action API token for an account (printed once)",
    configure=_configure_token,
    run=_run_token,
)
register(
    "revoke-token",
    help="revoke an Action API token by its prefix",
    configure=_configure_revoke,
    run=_run_revoke,
)
