#!/usr/bin/env python3
"""A small AST mutation tester for the console's security modules (stdlib only).

For each module it injects one bug at a time (a mutant), runs only the fast tests that cover the
module, and counts the mutant *killed* when they fail, *survived* when they pass, *timeout* when
they hang. The score is (killed + timeout) / mutants, also with the mutants judged equivalent (no
test can tell them apart from the original) set aside: scripts/mutation_equivalents.txt, one
`<mutant id> <reason>` a line.

The mutants are applied in a private copy of the tree per worker (the checkout itself is never
written), so an interrupted run leaves nothing mutated behind.

    .venv/bin/python scripts/mutation.py                   # every module in MODULES
    .venv/bin/python scripts/mutation.py --module accounts/throttle.py --workers 1
    .venv/bin/python scripts/mutation.py --json report.json --list   # ids only, nothing run

Mutant ids are stable while the module's source does not change: `path:line:col:operator:index`.
"""

from __future__ import annotations

import argparse
import ast
import difflib
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EQUIVALENTS = ROOT / "scripts" / "mutation_equivalents.txt"

# Module -> the tests that cover it: fast ones only (no browser, no emulator), as pytest
# arguments. Update the paths here when a module is split or moved; a module that no longer
# exists is reported and skipped. Several modules may share test files.
MODULES: dict[str, list[str]] = {
    "accounts/throttle.py": ["tests/accounts/test_throttle_limits.py"],
    "accounts/mfa.py": ["tests/accounts/test_mfa_windows.py"],
    "console/links.py": ["tests/console/test_links_unit.py"],
    "accounts/iam/conditions.py": ["tests/accounts/iam/test_condition_operators.py"],
    "console/sigv4.py": ["tests/console/test_sigv4_verify.py", "tests/console/test_sigv4.py"],
}
PYTEST_ARGS = ["-x", "-q", "-p", "no:cacheprovider", "-m", "not browser and not emulator"]
COPY_IGNORE = shutil.ignore_patterns(".git", ".venv", "var", "__pycache__", "*.pyc", "test-artifacts", ".hypothesis")


# --- Mutants ------------------------------------------------------------------------------------

_COMPARE_SWAPS: dict[type, list[type]] = {
    ast.Lt: [ast.LtE],
    ast.LtE: [ast.Lt],
    ast.Gt: [ast.GtE],
    ast.GtE: [ast.Gt],
    ast.Eq: [ast.NotEq],
    ast.NotEq: [ast.Eq],
    ast.In: [ast.NotIn],
    ast.NotIn: [ast.In],
    ast.Is: [ast.IsNot],
    ast.IsNot: [ast.Is],
}
_BINOP_SWAPS: dict[type, list[type]] = {
    ast.Add: [ast.Sub],
    ast.Sub: [ast.Add],
    ast.Mult: [ast.Div],
    ast.Div: [ast.Mult],
    ast.FloorDiv: [ast.Mult],
    ast.Mod: [ast.FloorDiv],
}


@dataclass
class Mutant:
    id: str
    module: str
    line: int
    operator: str
    description: str
    replacement: str  # source text that replaces the node's span
    span: tuple[int, int]  # character offsets in the module's source
    status: str = "pending"
    seconds: float = 0.0
    diff: str = ""
    equivalent: str = ""  # the reason, when listed in the equivalents file


@dataclass
class _Candidate:
    node: ast.AST
    operator: str
    description: str
    new_node: ast.AST | None  # None: the replacement text is given
    text: str = ""
    statement: bool = False


def _is_docstring(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    parent = parents.get(node)
    if not isinstance(parent, ast.Expr):
        return False
    holder = parents.get(parent)
    body = getattr(holder, "body", None)
    return isinstance(holder, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and bool(
        body and body[0] is parent
    )


def _skipped(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    """Nodes not to mutate: inside f-strings (3.11 reports no reliable positions there), type
    annotations, and `__future__`/import lines."""
    child, parent = node, parents.get(node)
    while parent is not None:
        if isinstance(parent, ast.JoinedStr):
            return True
        if isinstance(parent, (ast.arg, ast.AnnAssign)) and child is getattr(parent, "annotation", None):
            return True
        if isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef)) and child is parent.returns:
            return True
        child, parent = parent, parents.get(parent)
    return False


def _copy_with(node: ast.AST, **changes: object) -> ast.AST:
    new = type(node)(**{f: getattr(node, f) for f in node._fields})
    for name, value in changes.items():
        setattr(new, name, value)
    return new


def _parents(tree: ast.Module) -> dict[ast.AST, ast.AST]:
    parents: dict[ast.AST, ast.AST] = {}
    for parent in ast.walk(tree):
        for child in ast.iter_child_nodes(parent):
            parents[child] = parent
    return parents


def _candidates(tree: ast.Module) -> list[_Candidate]:
    """Every mutation of the module, in a fixed order (mutant ids count on it)."""
    parents = _parents(tree)
    found: list[_Candidate] = []
    for node in ast.walk(tree):
        if not hasattr(node, "lineno") or _skipped(node, parents):
            continue
        found += _negation(node)
        found += _operator_candidates(node, parents)
        found += _statement_candidates(node)
    return found


def _negation(node: ast.AST) -> list[_Candidate]:
    if isinstance(node, (ast.If, ast.IfExp, ast.While)) and not isinstance(
        node.test, (ast.Compare, ast.BoolOp, ast.UnaryOp)
    ):
        test = node.test
        return [_Candidate(test, "negate", "negate the condition", ast.UnaryOp(ast.Not(), test))]
    return []


def _operator_candidates(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> list[_Candidate]:
    if isinstance(node, ast.Compare):
        return _compare_candidates(node)
    if isinstance(node, ast.BinOp):
        return [
            _Candidate(node, "arith", f"{type(node.op).__name__} -> {swap.__name__}", _copy_with(node, op=swap()))
            for swap in _BINOP_SWAPS.get(type(node.op), [])
        ]
    if isinstance(node, ast.BoolOp):
        other = ast.Or if isinstance(node.op, ast.And) else ast.And
        return [
            _Candidate(node, "boolop", f"{type(node.op).__name__} -> {other.__name__}", _copy_with(node, op=other()))
        ]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return [_Candidate(node, "not", "drop `not`", node.operand)]
    if isinstance(node, ast.Constant) and not _is_docstring(node, parents):
        return _constant_candidates(node)
    return []


def _compare_candidates(node: ast.Compare) -> list[_Candidate]:
    found = []
    for i, op in enumerate(node.ops):
        for swap in _COMPARE_SWAPS.get(type(op), []):
            ops = list(node.ops)
            ops[i] = swap()
            description = f"{type(op).__name__} -> {swap.__name__}"
            found.append(_Candidate(node, "compare", description, _copy_with(node, ops=ops)))
    return found


def _constant_candidates(node: ast.Constant) -> list[_Candidate]:
    value = node.value
    if isinstance(value, bool):
        return [_Candidate(node, "constant", f"{value} -> {not value}", ast.Constant(not value))]
    if isinstance(value, int):
        return [
            _Candidate(node, "constant", f"{value} -> {value + 1}", ast.Constant(value + 1)),
            _Candidate(node, "constant", f"{value} -> {value - 1}", ast.Constant(value - 1)),
        ]
    if isinstance(value, float):
        return [_Candidate(node, "constant", f"{value} -> {value + 1}", ast.Constant(value + 1))]
    return []


def _statement_candidates(node: ast.AST) -> list[_Candidate]:
    if isinstance(node, ast.Return) and node.value is not None:
        if isinstance(node.value, ast.Constant) and node.value.value is None:
            return []
        return [_Candidate(node, "return", "return None", None, text="return None", statement=True)]
    if isinstance(node, ast.Raise):
        return [_Candidate(node, "remove", "drop the raise", None, text="pass", statement=True)]
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
        return [_Candidate(node, "remove", "drop the call", None, text="pass", statement=True)]
    if isinstance(node, (ast.Continue, ast.Break)):
        return [_Candidate(node, "remove", f"drop `{type(node).__name__.lower()}`", None, text="pass")]
    return []


def _offsets(source: str) -> list[int]:
    """Character offset of each line's start (1-based lines)."""
    starts, total = [0, 0], 0
    for line in source.splitlines(keepends=True):
        total += len(line)
        starts.append(total)
    return starts


def _char_col(source_lines: list[str], line: int, byte_col: int) -> int:
    return len(source_lines[line - 1].encode()[:byte_col].decode())


def _position(node: ast.AST) -> tuple[int, int, int, int]:
    """(line, column, end line, end column) of an expression or statement; columns in UTF-8 bytes."""
    return (
        getattr(node, "lineno", 0),
        getattr(node, "col_offset", 0),
        getattr(node, "end_lineno", 0) or 0,
        getattr(node, "end_col_offset", 0) or 0,
    )


def mutants_of(module: str, source: str) -> list[Mutant]:
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    starts = _offsets(source)
    counters: dict[tuple[int, int, str], int] = {}
    result = []
    for cand in sorted(_candidates(tree), key=lambda c: (*_position(c.node)[:2], c.operator)):
        line, col, end_line, end_col = _position(cand.node)
        begin = starts[line] + _char_col(lines, line, col)
        end = starts[end_line] + _char_col(lines, end_line, end_col)
        if cand.new_node is not None:
            text = ast.unparse(ast.fix_missing_locations(cand.new_node))
            text = f"({text})"
        else:
            text = cand.text
        mutated = source[:begin] + text + source[end:]
        try:
            compile(mutated, module, "exec")
        except SyntaxError:
            continue
        key = (line, col, cand.operator)
        index = counters.get(key, 0)
        counters[key] = index + 1
        mid = f"{module}:{line}:{col}:{cand.operator}:{index}"
        diff = "".join(
            difflib.unified_diff(
                source.splitlines(keepends=True), mutated.splitlines(keepends=True), module, module, n=0
            )
        )
        result.append(Mutant(mid, module, line, cand.operator, cand.description, text, (begin, end), diff=diff))
    return result


def apply(source: str, mutant: Mutant) -> str:
    begin, end = mutant.span
    return source[:begin] + mutant.replacement + source[end:]


# --- Running ------------------------------------------------------------------------------------


def read_equivalents(path: Path = EQUIVALENTS) -> dict[str, str]:
    found: dict[str, str] = {}
    if not path.exists():
        return found
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        mid, _, reason = line.partition(" ")
        found[mid] = reason.strip() or "(no reason given)"
    return found


def run_tests(copy: Path, tests: list[str], timeout: float) -> tuple[str, float]:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0"}
    env.pop("TEST_DATABASE_URL", None)
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "pytest", *PYTEST_ARGS, *tests],
        cwd=copy,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: a timeout stops whatever it started
    )
    try:
        returncode = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        return "timeout", time.monotonic() - started
    seconds = time.monotonic() - started
    if returncode == 0:
        return "survived", seconds
    if returncode == 5:
        return "error: no tests collected", seconds
    return "killed", seconds


def make_copy(base: Path) -> Path:
    copy = base / "tree"
    shutil.copytree(ROOT, copy, ignore=COPY_IGNORE, symlinks=True)
    return copy


def _clean_times(copy: Path, modules: list[str]) -> dict[str, float]:
    """Each module's tests, unmutated: they must pass, or every mutant would look killed."""
    base_times: dict[str, float] = {}
    for module in modules:
        status, seconds = run_tests(copy, MODULES[module], timeout=600)
        if status != "survived":
            raise SystemExit(f"{module}: its tests fail without any mutant ({status}): fix them first")
        base_times[module] = seconds
    return base_times


@dataclass
class _Work:
    """What the worker threads share: the queue, the limits, and the progress count."""

    pending: queue.Queue[Mutant]
    base_times: dict[str, float]
    timeout: float | None
    total: int
    progress: bool
    lock: threading.Lock = field(default_factory=threading.Lock)
    done: int = 0

    def run_one(self, copy: Path, m: Mutant) -> None:
        target = copy / m.module
        original = target.read_text()
        limit = self.timeout or max(30.0, 4 * self.base_times[m.module] + 10)
        try:
            target.write_text(apply(original, m))
            m.status, m.seconds = run_tests(copy, MODULES[m.module], limit)
        finally:
            target.write_text(original)
        with self.lock:
            self.done += 1
            if self.progress:
                print(f"[{self.done}/{self.total}] {m.status:8} {m.id} {m.description}", file=sys.stderr)

    def worker(self, copy: Path) -> None:
        while True:
            try:
                m = self.pending.get_nowait()
            except queue.Empty:
                return
            self.run_one(copy, m)


def run(mutants: list[Mutant], workers: int, timeout: float | None, progress: bool) -> dict[str, float]:
    """Run every mutant; returns each module's unmutated test time."""
    with tempfile.TemporaryDirectory(prefix="mutation-") as tmp:
        copies = []
        for w in range(workers):
            (Path(tmp) / str(w)).mkdir()
            copies.append(make_copy(Path(tmp) / str(w)))
        base_times = _clean_times(copies[0], sorted({m.module for m in mutants}))
        work = _Work(queue.Queue(), base_times, timeout, len(mutants), progress)
        for m in mutants:
            work.pending.put(m)
        threads = [threading.Thread(target=work.worker, args=(c,)) for c in copies]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    return base_times


@dataclass
class Score:
    module: str
    mutants: int = 0
    killed: int = 0
    timeout: int = 0
    survived: int = 0
    equivalent: int = 0
    errors: int = 0
    survivors: list[dict] = field(default_factory=list)

    @property
    def score(self) -> float:
        return 100.0 * (self.killed + self.timeout) / self.mutants if self.mutants else 100.0

    @property
    def score_without_equivalents(self) -> float:
        judged = self.mutants - self.equivalent
        return 100.0 * (self.killed + self.timeout) / judged if judged else 100.0


def summarise(mutants: list[Mutant], equivalents: dict[str, str]) -> list[Score]:
    scores: dict[str, Score] = {}
    for m in mutants:
        s = scores.setdefault(m.module, Score(m.module))
        s.mutants += 1
        if m.status == "killed":
            s.killed += 1
        elif m.status == "timeout":
            s.timeout += 1
        elif m.status == "survived":
            s.survived += 1
            if m.id in equivalents:
                m.equivalent = equivalents[m.id]
                s.equivalent += 1
            else:
                s.survivors.append({"id": m.id, "line": m.line, "description": m.description, "diff": m.diff})
        else:
            s.errors += 1
    return [scores[k] for k in sorted(scores)]


def total(scores: list[Score]) -> Score:
    t = Score("TOTAL")
    for s in scores:
        for f in ("mutants", "killed", "timeout", "survived", "equivalent", "errors"):
            setattr(t, f, getattr(t, f) + getattr(s, f))
    return t


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--module", action="append", help="a module path from MODULES (repeatable); default all")
    parser.add_argument("--workers", type=int, default=2, help="parallel test runs (at most 2)")
    parser.add_argument("--timeout", type=float, help="seconds per mutant (default: 4x the clean run + 10)")
    parser.add_argument("--json", metavar="FILE", help="also write the full report as JSON ('-' for stdout)")
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    parser.add_argument("--only", action="append", help="run only this mutant id (repeatable)")
    parser.add_argument("--min-score", type=float, help="exit 1 when the score without equivalents is lower")
    parser.add_argument("-v", "--verbose", action="store_true", help="print each mutant's result as it ends")
    return parser


def _selected_mutants(parser: argparse.ArgumentParser, selected: list[str], only: list[str] | None) -> list[Mutant]:
    mutants: list[Mutant] = []
    for module in selected:
        if module not in MODULES:
            parser.error(f"{module}: not in MODULES ({', '.join(MODULES)})")
        path = ROOT / module
        if not path.exists():
            print(f"{module}: missing from the tree, skipped (update MODULES)", file=sys.stderr)
            continue
        mutants += mutants_of(module, path.read_text())
    if only:
        mutants = [m for m in mutants if m.id in set(only)]
    return mutants


def _print_scores(scores: list[Score], overall: Score) -> None:
    print(
        f"{'module':32} {'mutants':>7} {'killed':>6} {'timeout':>7} {'survived':>8} {'equiv':>5} "
        f"{'score':>6} {'w/o eq':>6}"
    )
    for s in [*scores, overall]:
        print(
            f"{s.module:32} {s.mutants:7} {s.killed:6} {s.timeout:7} {s.survived:8} {s.equivalent:5} "
            f"{s.score:5.1f}% {s.score_without_equivalents:5.1f}%"
        )
    for s in scores:
        for surv in s.survivors:
            print(f"\nSURVIVED {surv['id']} ({surv['description']})\n{surv['diff'].rstrip()}")
        if s.errors:
            print(f"\n{s.module}: {s.errors} mutant(s) could not be judged (see --json)")


def _print_equivalents(mutants: list[Mutant], equivalents: dict[str, str], selected: list[str], only: bool) -> None:
    set_aside = [m for m in mutants if m.equivalent]
    if set_aside:
        print(f"\nSet aside as equivalent ({len(set_aside)}, scripts/mutation_equivalents.txt):")
        for m in set_aside:
            print(f"  {m.id} ({m.description}): {m.equivalent}")
    stale = sorted(set(equivalents) - {m.id for m in mutants if m.status == "survived"})
    stale = [mid for mid in stale if any(mid.startswith(mod + ":") for mod in selected)]
    if stale and not only:
        print("\nEquivalents file entries that no longer survive or exist (remove them):")
        for mid in stale:
            print(f"  {mid}")


def _json_report(scores: list[Score], overall: Score, mutants: list[Mutant], base_times: dict[str, float]) -> str:
    def scored(s: Score) -> dict[str, object]:
        return {
            **asdict(s),
            "score": round(s.score, 1),
            "score_without_equivalents": round(s.score_without_equivalents, 1),
        }

    report = {
        "modules": [{**scored(s), "clean_seconds": round(base_times.get(s.module, 0), 1)} for s in scores],
        "total": scored(overall),
        "mutants": [{k: v for k, v in asdict(m).items() if k not in ("span", "replacement")} for m in mutants],
    }
    return json.dumps(report, indent=2)


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    selected = args.module or list(MODULES)
    mutants = _selected_mutants(parser, selected, args.only)
    if args.list:
        for m in mutants:
            print(f"{m.id}  {m.description}")
        return 0
    workers = max(1, min(2, args.workers))
    started = time.monotonic()
    base_times = run(mutants, workers, args.timeout, args.verbose)
    equivalents = read_equivalents()
    scores = summarise(mutants, equivalents)
    overall = total(scores)
    _print_scores(scores, overall)
    _print_equivalents(mutants, equivalents, selected, bool(args.only))
    print(f"\n{len(mutants)} mutants in {time.monotonic() - started:.0f} s with {workers} worker(s)")
    if args.json:
        text = _json_report(scores, overall, mutants, base_times)
        if args.json == "-":
            print(text)
        else:
            Path(args.json).write_text(text + "\n")
    if args.min_score is not None and overall.score_without_equivalents < args.min_score:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
