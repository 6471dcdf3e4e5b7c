"""The database settings that let many requests write at once (console/settings.py)."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections, transaction

from console.models import AuditEvent

pytestmark = pytest.mark.concurrency


def _read_then_write(label: str, pause: float, started: threading.Event | None, errors: list) -> None:
    try:
        with transaction.atomic():
            AuditEvent.objects.count()  # read first, as the switch and the session store do
            if started:
                started.set()
            time.sleep(pause)
            AuditEvent.objects.create(kind=AuditEvent.Kind.SIGNIN, username=label)
    except Exception as exc:
        errors.append(f"{label}: {exc}")
    finally:
        connections.close_all()


def test_overlapping_read_then_write_transactions_both_succeed(transactional_db) -> None:
    """On SQLite a transaction that read and then writes after another writer committed fails
    at once ("database is locked": waiting could deadlock). IMMEDIATE transactions take the
    write lock at BEGIN, so the second one waits instead. PostgreSQL needs nothing for this."""
    errors: list[str] = []
    first_read = threading.Event()
    first = threading.Thread(target=_read_then_write, args=("first", 0.5, first_read, errors))
    second = threading.Thread(target=_read_then_write, args=("second", 0, None, errors))
    first.start()
    assert first_read.wait(10)
    second.start()
    first.join(30)
    second.join(30)
    assert errors == []
    assert sorted(AuditEvent.objects.values_list("username", flat=True)) == ["first", "second"]


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(db) -> None:
    if connection.vendor != "sqlite":
        assert connection.vendor == "postgresql"
        return
    with connection.cursor() as cursor:
        assert cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal"  # readers beside a writer
        assert cursor.execute("PRAGMA busy_timeout").fetchone()[0] == 20_000  # writers queue, up to 20 s
