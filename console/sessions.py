"""Django's database session store, except that a database failure while saving a session is
reported as itself.

Django turns any database error during the session UPDATE into UpdateError, which the session
middleware answers with HTTP 400 "The request's session was deleted before the request
completed". Under load on SQLite that 400 was really "database is locked": the row was never
deleted. A session row that is really gone (signed out or rotated by a concurrent request)
still gives Django's 400; a failing database is a 500 with its real error in the log.
"""

from __future__ import annotations

from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import OperationalError


class SessionStore(DatabaseSessionStore):
    def save(self, must_create: bool = False) -> None:
        try:
            super().save(must_create=must_create)
        except UpdateError as exc:
            if isinstance(exc.__context__, OperationalError):
                raise exc.__context__ from None
            raise
