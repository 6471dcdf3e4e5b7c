"""Annotate the unannotated `request` parameters of Django code (issue 15: types, not `# noqa`).

    .venv/bin/python scripts/annotate_requests.py [--check] [PATH ...]   (default: accounts console)

Which type each one gets:

* a function, or a method of a class with no base class (the console's middleware), in `console/`:
  `console.http.AuthenticatedRequest` under `@login_required` / `@staff_member_required`,
  otherwise `console.http.ConsoleRequest` (they declare what the console's middleware attaches);
* everything else (methods overriding Django's: admin, forms, backends; and all of `accounts/`,
  which must not depend on `console`): `django.http.HttpRequest`, whose `user` django-stubs
  already types as the project's user model.

Skipped: `accounts/iam/` (its `request` is the IAM engine's own Request) and `console/aws/`
(the boto3 package: its `request` is botocore's, in event handlers). The script adds the
imports it needs at the end of the module's imports; `ruff check --fix` then sorts them and
drops the `# noqa: ANN001` comments that no longer suppress anything (RUF100), and
`ruff format` re-wraps lines. `--check` changes nothing and exits 1 when something would change.
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
AUTHENTICATED_DECORATORS = {"login_required", "staff_member_required"}
SKIPPED = {("accounts", "iam"), ("console", "aws")}
IMPORTS = {
    "ConsoleRequest": "from console.http import ConsoleRequest",
    "AuthenticatedRequest": "from console.http import AuthenticatedRequest",
    "HttpRequest": "from django.http import HttpRequest",
}


def _decorator_names(node: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    names = set()
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(target, ast.Name):
            names.add(target.id)
        elif isinstance(target, ast.Attribute):
            names.add(target.attr)
    return names


def _request_type(path: Path, node: ast.FunctionDef | ast.AsyncFunctionDef, owner: ast.AST | None) -> str:
    in_console = path.relative_to(ROOT).parts[0] == "console"
    overrides_django = isinstance(owner, ast.ClassDef) and bool(owner.bases)
    if not in_console or overrides_django:
        return "HttpRequest"
    if _decorator_names(node) & AUTHENTICATED_DECORATORS:
        return "AuthenticatedRequest"
    return "ConsoleRequest"


def _targets(path: Path, tree: ast.Module) -> list[tuple[int, int, str]]:
    """(line, column after the parameter's name, type) for each unannotated `request`."""
    owners: dict[ast.AST, ast.AST] = {}
    for parent in ast.walk(tree):
        for child in ast.iter_child_nodes(parent):
            owners[child] = parent
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        args = node.args
        for arg in args.posonlyargs + args.args + args.kwonlyargs:
            if arg.arg == "request" and arg.annotation is None and arg.end_col_offset is not None:
                found.append((arg.lineno, arg.end_col_offset, _request_type(path, node, owners.get(node))))
    return found


def _imported(tree: ast.Module, name: str) -> bool:
    return any(
        isinstance(node, ast.ImportFrom) and any((alias.asname or alias.name) == name for alias in node.names)
        for node in tree.body
    )


def _after_leading_imports(tree: ast.Module) -> int:
    """The line after the module's docstring and the imports that follow it (not a late import)."""
    after = 0
    for index, node in enumerate(tree.body):
        is_docstring = index == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
        if not (is_docstring or isinstance(node, ast.Import | ast.ImportFrom)):
            break
        after = node.end_lineno or after
    return after


def annotate(path: Path) -> str | None:
    """The module's new text, or None when it has nothing to annotate."""
    text = path.read_text()
    tree = ast.parse(text)
    targets = _targets(path, tree)
    if not targets:
        return None
    lines = text.splitlines(keepends=True)
    for line, column, kind in sorted(targets, reverse=True):
        # Columns are UTF-8 byte offsets; `request` is ASCII, so encode, insert, decode.
        raw = lines[line - 1].encode()
        lines[line - 1] = (raw[:column] + f": {kind}".encode() + raw[column:]).decode()
    needed = [IMPORTS[kind] for kind in sorted({kind for _, _, kind in targets}) if not _imported(tree, kind)]
    if needed:
        lines.insert(_after_leading_imports(tree), "".join(f"{statement}\n" for statement in needed))
    return "".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if something would change")
    parser.add_argument("paths", nargs="*", type=Path, default=[ROOT / "accounts", ROOT / "console"])
    options = parser.parse_args(argv)
    changed = []
    for root in options.paths:
        root = root.resolve()
        files = sorted(root.rglob("*.py")) if root.is_dir() else [root]
        for path in files:
            relative = path.relative_to(ROOT)
            if "migrations" in relative.parts or relative.parts[:2] in SKIPPED:
                continue
            new = annotate(path)
            if new is not None:
                changed.append(relative)
                if not options.check:
                    path.write_text(new)
    for relative in changed:
        print(f"{'would annotate' if options.check else 'annotated'} {relative}")
    return 1 if options.check and changed else 0


if __name__ == "__main__":
    sys.exit(main())
