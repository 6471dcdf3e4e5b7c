"""The access matrix: who may switch to which role, one cell per user and role.

Plain Python over the IAM engine's decisions (no Django, no database): the admin's page
(`switch_decision.access_matrix`, with users and roles from the database) and
`benchmarks/iam_engine.py` (thousands of synthetic users) call the same `access_matrix`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import NamedTuple, TypeVar

from .iam import AssumeRoleDecision

U = TypeVar("U")
R = TypeVar("R")

#: For one user (its policies read once): role, fresh_mfa -> the switch decision.
Decide = Callable[[R, bool], AssumeRoleDecision]


class Cell(NamedTuple):
    kind: str  # "allowed", "mfa" (allowed after an MFA check) or "refused": the cell's class
    mark: str  # what the cell shows
    why: str  # the deciding statements, or the reason it refuses


def cell(decide: Decide, role: R, explain: Callable[[AssumeRoleDecision], str]) -> Cell:
    decision = decide(role, False)
    if decision.allowed:
        return Cell("allowed", "✓", "Allowed by " + ", ".join(map(str, decision.matched)))
    if decide(role, True).allowed:
        return Cell("mfa", "MFA", "Allowed after an MFA check")
    return Cell("refused", "✗", explain(decision))


def access_matrix(
    users: Iterable[U],
    roles: Sequence[R],
    decider: Callable[[U], Decide],
    explain: Callable[[U, R, AssumeRoleDecision], str],
) -> list[tuple[U, list[Cell]]]:
    """One row per user: `decider(user)` loads what the user's decisions need once, and is then
    asked per role; `explain` words a refusal."""
    rows = []
    for user in users:
        decide = decider(user)
        rows.append((user, [cell(decide, role, partial(explain, user, role)) for role in roles]))
    return rows
