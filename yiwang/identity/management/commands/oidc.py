"""``yiwang oidc``: the OpenID Connect provider's signing keys.

    yiwang oidc keys                 list the published keys (kid, active or inactive)
    yiwang oidc rotate-key           new active key; the old one stays published as inactive
    yiwang oidc rotate-key --retire  stop publishing the inactive keys

Running servers read the keys at start-up: restart them after a change. Retire an old key
only once the tokens it signed have expired (ID tokens live YIWANG_OIDC_ACCESS_TOKEN_TTL
seconds).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from jwcrypto import jwk  # type: ignore[import-untyped]

from yiwang.identity import oidc_keys
from yiwang.identity.services import record_signing_key_change


def kid(pem: str) -> str:
    """The key id DOT publishes: the RFC 7638 thumbprint."""
    return str(jwk.JWK.from_pem(pem.encode()).thumbprint())


class Command(BaseCommand):
    help = "OpenID Connect signing keys: list, rotate, retire."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["keys", "rotate-key"])
        parser.add_argument(
            "--retire",
            action="store_true",
            help="with rotate-key: stop publishing the inactive keys instead of rotating",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        keys_dir = Path(settings.DATA_DIR) / "keys"
        if options["action"] == "keys":
            self.stdout.write(f"active   {kid(oidc_keys.active_key(keys_dir))}")
            for pem in oidc_keys.inactive_keys(keys_dir):
                self.stdout.write(f"inactive {kid(pem)}")
            return
        if options["retire"]:
            kids = [kid(pem) for pem in oidc_keys.inactive_keys(keys_dir)]
            oidc_keys.retire(keys_dir)
            record_signing_key_change(actor="cli", change="retired", kids=kids)
            self.stdout.write(f"retired {len(kids)} inactive key(s): {', '.join(kids) or '-'}")
        else:
            old = kid(oidc_keys.active_key(keys_dir))
            oidc_keys.rotate(keys_dir)
            new = kid(oidc_keys.active_key(keys_dir))
            record_signing_key_change(actor="cli", change="rotated", kids=[old, new])
            self.stdout.write(f"new active key {new}; {old} stays published as inactive")
        self.stdout.write("restart the servers to publish the change")
