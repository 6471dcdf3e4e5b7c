"""Issue 15: no function outside the IAM validator is longer than about 40 lines (decorators
not counted, its docstring counted). A long function is split into steps with one job each."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ("accounts", "console", "benchmarks", "scripts")
EXEMPT = {"accounts/iam/validate.py"}  # the IAM validator: one rule after another, exempt by the issue
LIMIT = 40


def _sources() -> list[Path]:
    return sorted(
        path
        for folder in FOLDERS
        for path in (ROOT / folder).rglob("*.py")
        if "migrations" not in path.parts and path.relative_to(ROOT).as_posix() not in EXEMPT
    )


def _too_long(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    name = path.relative_to(ROOT).as_posix()
    return [
        f"{name}:{node.name}:{node.end_lineno - node.lineno + 1}"
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > LIMIT
    ]


def test_sources_are_found() -> None:
    assert len(_sources()) > 20


def test_no_function_is_longer_than_40_lines() -> None:
    too_long = [entry for path in _sources() for entry in _too_long(path)]
    assert not too_long, "split into steps (file:function:lines): " + ", ".join(too_long)
