"""accounts.access_matrix: the plain function behind the admin's Access matrix and the benchmark."""

from __future__ import annotations

from types import SimpleNamespace

from accounts.access_matrix import Cell, access_matrix


def _decision(allowed: bool) -> SimpleNamespace:
    return SimpleNamespace(allowed=allowed, matched=("Allow in G",) if allowed else ())


def test_each_cell_is_allowed_mfa_or_refused_with_its_reason() -> None:
    # alice may use A; B only with a fresh MFA check; C not at all. Policies are loaded once per user.
    loads = []

    def decider(user: str):
        loads.append(user)
        return lambda role, fresh_mfa: _decision(role == "A" or (role == "B" and fresh_mfa))

    rows = access_matrix(["alice"], ["A", "B", "C"], decider, lambda user, role, d: f"{user} refused {role}")
    assert rows == [
        (
            "alice",
            [
                Cell("allowed", "✓", "Allowed by Allow in G"),
                Cell("mfa", "MFA", "Allowed after an MFA check"),
                Cell("refused", "✗", "alice refused C"),
            ],
        )
    ]
    assert loads == ["alice"]
