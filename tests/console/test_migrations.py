"""Data migrations run on rows written by the code before them (migrate back, write, migrate)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

BEFORE = [("console", "0004_role_session_url_spaces")]
AFTER = [("console", "0006_role_history_unique_arn")]


def _migrate(targets: list[tuple[str, str]]):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


def test_role_history_typed_two_ways_becomes_one_entry_per_role_arn() -> None:
    apps = _migrate(BEFORE)
    try:
        Account = apps.get_model("accounts", "Account")
        User = apps.get_model("accounts", "User")
        Entry = apps.get_model("console", "RoleHistoryEntry")  # noqa: N806
        Account.objects.get_or_create(account_id="123456789012", defaults={"alias": "example-prod"})
        home, _ = Account.objects.get_or_create(account_id="111122223333", defaults={"alias": "example-dev"})
        alice = User.objects.create(username="history-alice", account=home, unique_id="AIDAHISTORYALICE")
        bob = User.objects.create(username="history-bob", account=home, unique_id="AIDAHISTORYBOB")

        def entry(user, account: str, role: str, display: str, day: int, pinned: bool = False) -> None:
            used = datetime(2026, 1, day, tzinfo=UTC)
            Entry.objects.create(
                user=user, account=account, role_name=role, display_name=display, last_used_at=used, pinned=pinned
            )

        entry(alice, "example-prod", "UpdateAPP", "Typed by alias", 1, pinned=True)
        entry(alice, "123456789012", "UpdateAPP", "Typed by ID", 3)
        entry(alice, "EXAMPLE-PROD", "/UpdateAPP/", "With slashes", 2)
        entry(alice, "example-prod", "team/ViewAPP", "With a path", 2)
        entry(alice, "no-longer-known", "UpdateAPP", "Unknown account", 4)
        entry(bob, "example-prod", "UpdateAPP", "Bob's own", 1)
    finally:
        apps = _migrate(AFTER)
    Entry = apps.get_model("console", "RoleHistoryEntry")  # noqa: N806
    rows = {
        (e.user.username, e.role_arn): (e.account, e.role_name, e.display_name, e.pinned)
        for e in Entry.objects.select_related("user").filter(user__username__startswith="history-")
    }
    assert rows == {
        # Three spellings of one role: the newest wins, pinned because one of them was.
        ("history-alice", "arn:aws:iam::123456789012:role/UpdateAPP"): (
            "123456789012",
            "UpdateAPP",
            "Typed by ID",
            True,
        ),
        ("history-alice", "arn:aws:iam::123456789012:role/team/ViewAPP"): (
            "123456789012",
            "team/ViewAPP",
            "With a path",
            False,
        ),
        ("history-bob", "arn:aws:iam::123456789012:role/UpdateAPP"): ("123456789012", "UpdateAPP", "Bob's own", False),
    }
