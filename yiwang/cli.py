"""The ``yiwang`` command: Django management with Yiwang's settings.

``yiwang migrate``, ``yiwang demo``, ``yiwang serve [--port N]``, ``yiwang audit verify``,
``yiwang check``, ``yiwang events deliver|relay``, ``yiwang regions import FILE``,
``yiwang catalog import FILE`` / ``yiwang catalog export [--format xlsx|json] -o FILE`` and
every other Django command.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings")
    from yiwang.conf import ConfigError

    try:
        import django

        django.setup()
    except ConfigError as exc:
        print(f"yiwang: configuration error: {exc}", file=sys.stderr)
        print("Fix the environment variable named above and start again.", file=sys.stderr)
        return 2
    from django.core.management import execute_from_command_line

    execute_from_command_line(["yiwang", *args])
    return 0


if __name__ == "__main__":
    sys.exit(main())
