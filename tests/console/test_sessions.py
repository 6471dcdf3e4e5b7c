"""The session store reports a failing database as itself, not as a deleted session."""

from __future__ import annotations

import pytest
from django.contrib.sessions.backends.base import UpdateError
from django.db import OperationalError

from console.sessions import SessionStore

pytestmark = pytest.mark.integration


def test_a_deleted_session_is_still_djangos_update_error(db) -> None:
    session = SessionStore()
    session["x"] = 1
    session.save()
    SessionStore().delete(session.session_key)  # signed out in a concurrent request
    session["x"] = 2
    with pytest.raises(UpdateError):
        session.save()


def test_a_locked_database_is_not_reported_as_a_deleted_session(db, monkeypatch) -> None:
    session = SessionStore()
    session["x"] = 1
    session.save()
    model = session.model

    def locked(self, *args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(model, "save", locked)
    session["x"] = 2
    with pytest.raises(OperationalError, match="database is locked"):
        session.save()
