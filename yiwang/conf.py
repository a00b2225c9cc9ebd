"""Strict readers for environment variables.

Every deployment knob of Yiwang is an environment variable read through one of these helpers.
A value that cannot be understood stops start-up with a message that names the variable,
instead of silently falling back to a default the operator did not choose.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class ConfigError(ImproperlyConfigured):
    """An environment variable holds a value Yiwang cannot use."""

    def __init__(self, name: str, problem: str) -> None:
        self.name = name
        super().__init__(f"{name}: {problem}")


class Env:
    """Reads typed values from a mapping of environment variables."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self.environ = os.environ if environ is None else environ

    def string(self, name: str, default: str) -> str:
        return self.environ.get(name, default)

    def boolean(self, name: str, default: bool) -> bool:
        raw = self.environ.get(name)
        if raw is None:
            return default
        value = raw.strip().lower()
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        raise ConfigError(
            name, f"expected a boolean (1/0, true/false, yes/no, on/off), got {raw!r}"
        )

    def integer(self, name: str, default: int, *, minimum: int | None = None) -> int:
        raw = self.environ.get(name)
        if raw is None or raw.strip() == "":
            return default
        try:
            value = int(raw.strip())
        except ValueError:
            raise ConfigError(name, f"expected an integer, got {raw!r}") from None
        if minimum is not None and value < minimum:
            raise ConfigError(name, f"must be at least {minimum}, got {value}")
        return value

    def strings(self, name: str, default: list[str]) -> list[str]:
        raw = self.environ.get(name)
        if raw is None:
            return list(default)
        return [part.strip() for part in raw.split(",") if part.strip()]

    def url(self, name: str, schemes: tuple[str, ...]) -> str | None:
        """An optional URL whose scheme must be one of ``schemes``."""
        raw = self.environ.get(name, "").strip()
        if not raw:
            return None
        scheme, sep, rest = raw.partition("://")
        if not sep or scheme not in schemes or not rest:
            allowed = ", ".join(f"{s}://" for s in schemes)
            raise ConfigError(name, f"expected a URL starting with {allowed}, got {raw!r}")
        return raw

    def database(self, name: str, default_sqlite: Path) -> dict[str, Any]:
        """Parse DATABASE_URL (sqlite:// or postgres://); default to SQLite in the data dir."""
        import dj_database_url

        raw = self.environ.get(name, "").strip()
        if not raw:
            raw = f"sqlite:///{default_sqlite}"
        scheme = raw.partition("://")[0]
        if scheme not in {"sqlite", "postgres", "postgresql", "pgsql"}:
            raise ConfigError(
                name, f"expected sqlite:///PATH or postgres://USER@HOST:PORT/NAME, got {raw!r}"
            )
        try:
            config: dict[str, Any] = dict(dj_database_url.parse(raw, conn_max_age=0))
        except Exception as exc:  # dj-database-url raises several exception types
            raise ConfigError(name, f"cannot parse {raw!r}: {exc}") from None
        if not config.get("NAME"):
            raise ConfigError(name, f"no database name in {raw!r}")
        return config


def data_dir(env: Env) -> Path:
    """The data directory: SQLite file, uploaded files, generated keys. Created if missing."""
    raw = env.string("YIWANG_DATA_DIR", "./var")
    path = Path(raw).expanduser().resolve()
    try:
        path.mkdir(parents=True, exist_ok=True)
        (path / "keys").mkdir(mode=0o700, exist_ok=True)
        (path / "static").mkdir(exist_ok=True)
    except OSError as exc:
        raise ConfigError("YIWANG_DATA_DIR", f"cannot create {path}: {exc.strerror}") from None
    if not os.access(path, os.W_OK):
        raise ConfigError("YIWANG_DATA_DIR", f"{path} is not writable")
    return path


def create_once(path: Path, make: Callable[[], bytes]) -> bytes:
    """Return the content of ``path``, first writing ``make()`` to it (mode 0600) if it does
    not exist. Safe when several processes start at once: exactly one file wins."""
    if not path.exists():
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(make())
        try:
            # link() fails if another process won the race; then its file stands.
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_bytes()


def secret_file(path: Path, nbytes: int = 50) -> str:
    """Return the secret stored at ``path``, generating it on first use."""
    return create_once(path, lambda: secrets.token_urlsafe(nbytes).encode()).decode().strip()
