"""The OpenID Connect signing keys, kept as PEM files in ``<data dir>/keys/oidc/``.

``active.pem`` signs new ID tokens; every ``inactive-*.pem`` is still published in the JWKS so
that tokens signed before a rotation keep verifying until the key is retired. The active key
is generated on first use. This module is read by settings.py, so it imports nothing of
Django's models.

Rotation (``yiwang oidc rotate-key``) first copies the active key to an inactive file and
then atomically replaces ``active.pem``: at no moment is there no active key. Running
processes read the keys at start-up; restart them after a rotation.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from yiwang.conf import create_once

ACTIVE = "active.pem"
INACTIVE_PREFIX = "inactive-"


def key_dir(keys_dir: Path) -> Path:
    path = keys_dir / "oidc"
    path.mkdir(mode=0o700, exist_ok=True)
    return path


def _new_private_key_pem() -> bytes:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def active_key(keys_dir: Path) -> str:
    """The PEM of the active signing key, generated on first use."""
    return create_once(key_dir(keys_dir) / ACTIVE, _new_private_key_pem).decode()


def inactive_files(keys_dir: Path) -> list[Path]:
    """The inactive keys' files, newest first."""
    return sorted(key_dir(keys_dir).glob(f"{INACTIVE_PREFIX}*.pem"), reverse=True)


def inactive_keys(keys_dir: Path) -> list[str]:
    """The PEMs of the keys still published for verification, newest first."""
    return [path.read_text() for path in inactive_files(keys_dir)]


def _write_private(path: Path, content: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)


def rotate(keys_dir: Path) -> Path:
    """Make a new active key; keep the old one as inactive. Returns the inactive file."""
    directory = key_dir(keys_dir)
    old = active_key(keys_dir).encode()
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    inactive = directory / f"{INACTIVE_PREFIX}{stamp}.pem"
    _write_private(inactive, old)
    tmp = directory / f".{ACTIVE}.{os.getpid()}.tmp"
    _write_private(tmp, _new_private_key_pem())
    os.replace(tmp, directory / ACTIVE)
    return inactive


def retire(keys_dir: Path) -> list[Path]:
    """Stop publishing every inactive key (tokens they signed no longer verify)."""
    removed = inactive_files(keys_dir)
    for path in removed:
        path.unlink()
    return removed
