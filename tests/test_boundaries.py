"""Module boundaries: the kernel imports no module; a module never imports another module's
models (it uses that module's services or events)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "yiwang"
#: Project-level files that wire modules together and may import them all.
PROJECT_FILES = {
    "settings.py",
    "urls.py",
    "api.py",
    "asgi.py",
    "wsgi.py",
    "cli.py",
    "__main__.py",
    "conf.py",
    "__init__.py",
}


def _modules(package: Path = PACKAGE) -> list[str]:
    return sorted(p.name for p in package.iterdir() if p.is_dir() and (p / "__init__.py").exists())


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
            names.extend(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _violations(package: Path = PACKAGE) -> list[str]:
    found: list[str] = []
    modules = _modules(package)
    for module in modules:
        for path in (package / module).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for name in _imports(path):
                parts = name.split(".")
                if parts[0] != "yiwang" or len(parts) < 2 or parts[1] == module:
                    continue
                other = parts[1]
                if other not in modules:
                    continue
                where = path.relative_to(package.parent)
                if module == "kernel":
                    found.append(f"{where}: the kernel imports module {other} ({name})")
                elif other != "kernel" and len(parts) > 2 and parts[2] == "models":
                    found.append(f"{where}: imports {other}'s models ({name})")
    return found


def test_module_boundaries_hold() -> None:
    assert _violations() == []


def test_the_checker_sees_a_violation(tmp_path: Path) -> None:
    # A package of its own: writing a probe into the real one would race with the test
    # above when the suite runs in parallel.
    package = tmp_path / "yiwang"
    for module in ("identity", "portal"):
        (package / module).mkdir(parents=True)
        (package / module / "__init__.py").write_text("", encoding="utf-8")
    (package / "identity" / "probe.py").write_text(
        "from yiwang.portal.models import Something\n", encoding="utf-8"
    )
    assert any("portal's models" in v for v in _violations(package))
