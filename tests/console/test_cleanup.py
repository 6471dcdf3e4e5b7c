"""Housekeeping: `manage.py cleanup` and the same work done periodically by the running server."""

from __future__ import annotations

import io
import threading

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.db import connection
from django.test import Client

from accounts import throttle
from accounts.models import Throttle
from console import maintenance
from console.models import MaintenanceSlot, RoleSession
from tests.conftest import SWITCH_TO_UPDATEAPP, sign_in, switch


def _in_role() -> Client:
    client = Client()
    sign_in(client, "alice")
    client.prefix = switch(client, SWITCH_TO_UPDATEAPP)
    return client


def test_cleanup_ends_expired_and_orphaned_stays_and_prunes(demo_world, clock) -> None:
    kept, orphan = _in_role(), _in_role()
    orphan_stay = RoleSession.objects.get(ended_at=None, browser_session_key=orphan.session.session_key)
    Session.objects.filter(session_key=orphan.session.session_key).delete()  # e.g. flushed elsewhere
    throttle.attempt((throttle.SIGNIN_USER, "someone"))
    out = io.StringIO()
    call_command("cleanup", stdout=out)
    assert "orphaned: 1" in out.getvalue() and "expired: 0" in out.getvalue()
    orphan_stay.refresh_from_db()
    assert orphan_stay.end_reason == "browser session ended" and orphan_stay.sealed_credentials == ""
    assert kept.get(kept.prefix + "/s3/buckets/productionapp/").status_code == 200  # a live stay is untouched

    clock.advance(3600 + 1)  # past the credentials' expiration, and every throttle window
    call_command("cleanup", stdout=out)
    stay = RoleSession.objects.get(browser_session_key=kept.session.session_key)
    assert stay.end_reason == "expired" and stay.sealed_credentials == ""
    assert not Throttle.objects.exists()


def test_expired_browser_sessions_are_deleted(demo_world, clock) -> None:
    _in_role()
    clock.advance(12 * 3600 + 1)
    report = maintenance.cleanup()
    assert report.browser_sessions >= 1 and report.orphaned == 0 and report.expired == 1
    assert not Session.objects.exists()


def test_the_server_runs_it_periodically(demo_world, clock, settings) -> None:
    settings.CLEANUP_INTERVAL_SECONDS = 300
    maintenance.reset_local_timer()
    orphan = _in_role()  # this request already claimed the first run
    Session.objects.filter(session_key=orphan.session.session_key).delete()
    Client().get("/signin")
    assert RoleSession.objects.get().ended_at is None  # not yet: the interval has not passed
    clock.advance(301)
    maintenance.reset_local_timer()  # as if this process's minute had passed too
    Client().get("/signin")  # any request, signed in or not
    assert RoleSession.objects.get().end_reason == "browser session ended"


@pytest.mark.django_db(transaction=True)
def test_one_claim_per_interval_however_many_threads_ask(demo_world) -> None:
    results: list[bool] = []
    start = threading.Barrier(8)

    def ask() -> None:
        start.wait()
        try:
            results.append(maintenance.claim(300))
        finally:
            connection.close()  # each thread has its own connection, as each server thread does

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count(True) == 1 and len(results) == 8
    assert MaintenanceSlot.objects.count() == 1
