"""The layout the guide promises, checked: boto3 and botocore live in the console/aws/ package only
(boto3 in its clients.py), and what exists only because the AWS side is the emulator lives under
console/emulator/."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APP_CODE = [
    p for folder in ("console", "accounts") for p in (ROOT / folder).rglob("*.py") if "migrations" not in p.parts
]


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_only_console_aws_imports_boto3_or_botocore() -> None:
    importers = {p.relative_to(ROOT).as_posix() for p in APP_CODE if _imports(p) & {"boto3", "botocore"}}
    assert importers and all(i.startswith("console/aws/") for i in importers), importers
    boto3_importers = {p.relative_to(ROOT).as_posix() for p in APP_CODE if "boto3" in _imports(p)}
    assert boto3_importers == {"console/aws/clients.py"}


def test_emulator_only_code_lives_under_console_emulator() -> None:
    for marker in ("x-moto-account-id", "emulator-seeding", "moto-api"):
        holders = {str(p.relative_to(ROOT)) for p in APP_CODE if marker in p.read_text()}
        assert holders and all(h.startswith("console/emulator/") for h in holders), (marker, holders)
