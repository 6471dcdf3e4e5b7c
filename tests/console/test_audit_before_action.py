"""Audit before action: with a database that refuses writes, nothing happens in AWS and the
person gets a 503 with Retry-After, never a 500.

The database really refuses: `PRAGMA query_only` makes SQLite answer every write on the
connection the views use with "attempt to write a readonly database" (transactional tests, so
the connection is in autocommit as in production, not inside a test transaction)."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client

from console import aws, switching
from console.models import AuditEvent, RoleSession
from tests.conftest import SWITCH_TO_UPDATEAPP

pytestmark = pytest.mark.django_db(transaction=True)


@contextmanager
def read_only_database():
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA query_only = ON")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA query_only = OFF")


def _creds() -> aws.TemporaryCredentials:
    return switching.credentials(RoleSession.objects.get(ended_at=None))


def _keys(prefix: str) -> list[str]:
    return [o.key for o in aws.list_objects(_creds(), "productionapp", prefix).objects]


def _assert_unavailable(response) -> None:
    assert response.status_code == 503, response.content[:300]
    assert int(response["Retry-After"]) > 0
    assert "nothing was done" in response.content.decode()


def test_upload_and_delete_leave_s3_untouched_when_the_audit_log_refuses(alice_in_role: Client) -> None:
    events = AuditEvent.objects.count()
    with read_only_database():
        upload = alice_in_role.post(
            alice_in_role.prefix + "/s3/buckets/productionapp/upload?prefix=ro/",
            {"file": SimpleUploadedFile("x.txt", b"x" * 100)},
        )
        _assert_unavailable(upload)
        delete = alice_in_role.post(
            alice_in_role.prefix + "/s3/buckets/productionapp/delete", {"key": "config/app.json"}
        )
        _assert_unavailable(delete)
        download = alice_in_role.get(
            alice_in_role.prefix + "/s3/buckets/productionapp/download", {"key": "config/app.json"}
        )
        _assert_unavailable(download)
    assert _keys("ro/") == []
    assert "config/app.json" in _keys("config/")
    assert AuditEvent.objects.count() == events
    # Writable again: the same actions go through, each with its intent and outcome on record.
    assert (
        alice_in_role.post(
            alice_in_role.prefix + "/s3/buckets/productionapp/delete", {"key": "config/limits.json"}
        ).status_code
        == 302
    )
    event = AuditEvent.objects.filter(kind="s3_delete").latest("time")
    assert event.outcome == "succeeded" and event.detail == "arn:aws:s3:::productionapp/config/limits.json"
    aws.StreamingUpload(_creds(), "productionapp", "config/limits.json", "application/json").complete()


def test_no_assume_role_without_the_intent_on_record(alice_client: Client, monkeypatch) -> None:
    calls = []
    monkeypatch.setattr(aws, "assume_role", lambda *a, **k: calls.append(a))  # a spy; never reached
    with read_only_database():
        _assert_unavailable(alice_client.post("/switchrole", SWITCH_TO_UPDATEAPP))
    assert calls == [] and not RoleSession.objects.exists()


def test_a_failed_action_is_recorded_as_failed(alice_in_role: Client) -> None:
    refused = alice_in_role.post(
        alice_in_role.prefix + "/s3/buckets/finance-reports/delete", {"key": "2026/q1-revenue.csv"}
    )
    assert refused.status_code == 403
    event = AuditEvent.objects.filter(kind="s3_delete").latest("time")
    assert event.outcome == "failed" and "AccessDenied" in event.detail


def test_the_sts_api_calls_no_assume_role_without_the_intent_on_record(demo_world, monkeypatch) -> None:
    from django.db import DatabaseError
    from django.test import RequestFactory

    from accounts.models import User
    from console import audit, sts_api

    calls = []
    monkeypatch.setattr(aws, "assume_role", lambda *a, **k: calls.append(a))  # a spy; never reached
    real_save = AuditEvent.save

    def refuse_intents(event, *args, **kwargs) -> None:
        if event.outcome == AuditEvent.Outcome.PENDING:
            raise DatabaseError("attempt to write a readonly database")
        real_save(event, *args, **kwargs)

    monkeypatch.setattr(AuditEvent, "save", refuse_intents)
    request = RequestFactory().post("/sts/")
    req = sts_api.AssumeRoleRequest.parse(
        {"RoleArn": "arn:aws:iam::123456789012:role/UpdateAPP", "RoleSessionName": "alice-cli"}
    )
    with pytest.raises(audit.AuditUnavailable):
        sts_api.assume_role(request, User.objects.get(username="alice"), req)
    assert calls == []
