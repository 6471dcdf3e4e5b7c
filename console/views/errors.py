"""Error pages: 503 (with Retry-After) when the database or the audit log cannot take a write,
and the 500 page, which becomes that 503 when the failure was the database's."""

from __future__ import annotations

import logging
import sys

from django.db import DatabaseError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader

from ..audit import AuditUnavailable

log = logging.getLogger(__name__)
RETRY_AFTER = 30  # seconds: a locked database or a failover is usually over by then

# SQLite: "database is locked", "attempt to write a readonly database", "disk I/O error";
# PostgreSQL: "cannot execute ... in a read-only transaction", a lost connection. All are
# OperationalError (or the audit log refusing its intent); a bug is not, and stays a 500.
UNAVAILABLE = (OperationalError, AuditUnavailable)


def unavailable(request: HttpRequest, message: str, retry_after: int = RETRY_AFTER) -> HttpResponse:
    try:
        body = loader.render_to_string("console/unavailable.html", {"message": message}, request)
    except DatabaseError:  # the page's navbar reads the database too: fall back to a bare page
        body = loader.render_to_string("console/unavailable_bare.html", {"message": message})
    response = HttpResponse(body, status=503)
    response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    return response


def database_unavailable(request: HttpRequest, exc: Exception) -> HttpResponse:
    log.error("Refused %s %s: the database cannot take writes now: %s", request.method, request.path, exc)
    if isinstance(exc, AuditUnavailable):
        message = "The audit log cannot be written right now, so nothing was done. Try again in a moment."
    else:
        message = "The console's database is busy or read-only right now. Try again in a moment."
    return unavailable(request, message)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: errors raised outside views (e.g. saving the session after the response) land
    here; those the database caused are a 503 too."""
    exc = sys.exc_info()[1]
    if isinstance(exc, UNAVAILABLE):
        return database_unavailable(request, exc)
    body = loader.render_to_string("500.html")
    return HttpResponse(body, status=500)
