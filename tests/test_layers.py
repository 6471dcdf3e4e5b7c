"""The layers: `accounts <- console`, and nothing upward.

accounts/ (identity, MFA, the IAM engine, the switch decision, sealing, the clock) is the bottom
layer; console/ (broker, role sessions, S3, STS, the admin tools that touch AWS) sits on top.
Every module under accounts/ is read as source (not imported) and every import in it, at module
level or inside a function, absolute or relative, or through importlib, must stay out of console.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LOWER, HIGHER = "accounts", "console"


def _modules(package: str) -> list[Path]:
    return sorted(p for p in (ROOT / package).rglob("*.py") if "__pycache__" not in p.parts)


def _package_of(path: Path) -> list[str]:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return parts if parts[-1] == "__init__" and parts.pop() is not None else parts[:-1]


def imported_names(path: Path, text: str | None = None) -> list[tuple[int, str]]:
    """(line, dotted module) for every import in the file (or in `text`, read as if it were at
    `path`), relative ones resolved, sorted by line."""
    found = []
    for node in ast.walk(ast.parse(path.read_text() if text is None else text, str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = _package_of(path)
                package = package[: len(package) - (node.level - 1)] if node.level > 1 else package
                base = ".".join([*package, base] if base else package)
            if base:
                found.append((node.lineno, base))
            found += [(node.lineno, f"{base}.{alias.name}" if base else alias.name) for alias in node.names]
        elif isinstance(node, ast.Call) and _is_import_module(node.func) and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.append((node.lineno, first.value))
    return sorted(found)


def _is_import_module(func: ast.expr) -> bool:
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return name in {"import_module", "__import__"}


def _is_higher(module: str) -> bool:
    return module == HIGHER or module.startswith(HIGHER + ".")


@pytest.mark.parametrize("path", _modules(LOWER), ids=lambda p: str(p.relative_to(ROOT)))
def test_accounts_imports_nothing_from_console(path: Path) -> None:
    upward = [
        f"{path.relative_to(ROOT)}:{line} imports {name}" for line, name in imported_names(path) if _is_higher(name)
    ]
    assert not upward, f"{LOWER}/ is the lower layer and must not import {HIGHER}/: " + "; ".join(upward)


def test_the_check_sees_every_kind_of_import() -> None:
    source = (
        "import console.aws\n"
        "from console import audit\n"
        "def f():\n    from console.models import AuditEvent\n"
        "import importlib\nimportlib.import_module('console.switching')\n"
        "from .. import console\n"
        "from . import clock\n"
    )
    names = [name for _, name in imported_names(ROOT / LOWER / "probe.py", source)]
    lines = {line for line, name in imported_names(ROOT / LOWER / "probe.py", source) if _is_higher(name)}
    assert lines == {1, 2, 4, 6, 7}  # every import of console, the function-local one too
    assert "accounts.clock" in names and not any(n.startswith("accounts.console") for n in names)
