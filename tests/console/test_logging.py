"""Logging: AWS failures leave one line with what failed and where, never a credential; the
JSON format (LOG_FORMAT=json) is one object per line."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings

from console import aws, logs

ROOT = Path(__file__).resolve().parents[2]
UPDATEAPP = "arn:aws:iam::123456789012:role/UpdateAPP"


def _aws_records(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "console.aws"]


def _everything_logged(records: list[logging.LogRecord]) -> str:
    """Each record as text, as JSON, and every attribute: wherever a secret could hide."""
    text = logging.Formatter(logs.TEXT_FORMAT)
    as_json = logs.JsonFormatter()
    return "\n".join(f"{text.format(r)}\n{as_json.format(r)}\n{vars(r)!r}" for r in records)


@pytest.mark.integration
@pytest.mark.django_db
def test_an_s3_refusal_is_logged_with_action_resource_code_status_and_request_id(caplog) -> None:
    creds = aws.assume_role(UPDATEAPP, "alice", "alice", 900)
    with caplog.at_level(logging.INFO, logger="console.aws"), pytest.raises(aws.AccessDenied):
        aws.list_objects(creds, "finance-reports", "")
    [record] = _aws_records(caplog)
    assert record.levelname == "WARNING"
    assert record.aws_action == "s3:ListBucket"
    assert record.aws_resource == "arn:aws:s3:::finance-reports"
    assert record.aws_error_code == "AccessDenied"
    assert record.aws_status == 403
    assert record.aws_request_id
    line = json.loads(logs.JsonFormatter().format(record))
    assert {k: line[k] for k in ("aws_action", "aws_resource", "aws_error_code", "aws_status")} == {
        "aws_action": "s3:ListBucket",
        "aws_resource": "arn:aws:s3:::finance-reports",
        "aws_error_code": "AccessDenied",
        "aws_status": 403,
    }
    logged = _everything_logged(_aws_records(caplog))
    for secret in (creds.access_key_id, creds.secret_access_key, creds.session_token, settings.AWS_SECRET_ACCESS_KEY):
        assert secret not in logged


@pytest.mark.integration
@pytest.mark.django_db
def test_an_sts_call_with_rejected_keys_is_logged_without_them(caplog) -> None:
    bogus = aws.TemporaryCredentials(
        "ASIAEXAMPLEBOGUSKEY1",
        "bogus-secret-access-key-value-0123456789",
        "bogus-session-token-value-abcdefghijklmnop",
        datetime.now(UTC) + timedelta(hours=1),
    )
    with caplog.at_level(logging.INFO, logger="console.aws"), pytest.raises(aws.CredentialsRejected):
        aws.caller_identity(bogus)
    [record] = _aws_records(caplog)
    assert (record.aws_action, record.aws_resource) == ("sts:GetCallerIdentity", "*")
    assert record.aws_error_code == "InvalidClientTokenId" and record.aws_status == 403
    assert record.aws_request_id
    logged = _everything_logged(_aws_records(caplog))
    for secret in (bogus.access_key_id, bogus.secret_access_key, bogus.session_token):
        assert secret not in logged


def test_an_unreachable_endpoint_is_logged_with_the_failure_kind(caplog, settings) -> None:
    settings.AWS_ENDPOINT_URL = "http://127.0.0.1:9"  # discard: nothing listens
    settings.AWS_ACCESS_KEY_ID, settings.AWS_SECRET_ACCESS_KEY = "AKIAUNREACHABLE00001", "unreachable-secret-value"
    with caplog.at_level(logging.INFO, logger="console.aws"), pytest.raises(aws.Unavailable):
        aws.caller_identity()
    [record] = _aws_records(caplog)
    assert record.aws_error_code == "EndpointConnectionError" and record.aws_status is None
    assert "unreachable-secret-value" not in _everything_logged([record])


def test_the_json_format_is_one_object_per_line_with_extra_fields() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.getLogger("console.test").makeRecord(
            "console.test", logging.ERROR, __file__, 1, "switched %s", ("alice",), sys.exc_info(), extra={"role": "r"}
        )
    line = logs.JsonFormatter().format(record)
    assert "\n" not in line
    data = json.loads(line)
    assert data["level"] == "ERROR" and data["logger"] == "console.test" and data["message"] == "switched alice"
    assert data["role"] == "r" and "ValueError: boom" in data["exception"]
    assert datetime.fromisoformat(data["time"]).tzinfo is not None


def _run_with(**env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DJANGO_", "LOG_"))}
    clean.update(DJANGO_SETTINGS_MODULE="console.settings", SECRET_KEY="k" * 50, **env)
    code = "import django, logging; django.setup(); logging.getLogger('console.x').warning('hello', extra={'n': 1})"
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60)


def test_log_format_json_and_the_readable_default() -> None:
    as_json = _run_with(LOG_FORMAT="json")
    assert as_json.returncode == 0, as_json.stderr
    data = json.loads(as_json.stderr.strip())
    assert (data["level"], data["logger"], data["message"], data["n"]) == ("WARNING", "console.x", "hello", 1)
    text = _run_with()
    assert text.returncode == 0 and "WARNING console.x: hello" in text.stderr


@pytest.mark.parametrize(("name", "value"), [("LOG_FORMAT", "xml"), ("LOG_LEVEL", "LOUD")])
def test_an_unknown_log_setting_is_a_startup_error(name: str, value: str) -> None:
    result = _run_with(**{name: value})
    assert result.returncode != 0 and "ImproperlyConfigured" in result.stderr and f"{name}={value!r}" in result.stderr


@pytest.mark.integration
@pytest.mark.django_db
def test_switch_and_switch_back_are_logged_with_user_and_role_never_credentials(alice_client, caplog) -> None:
    from accounts import crypto
    from console.models import RoleSession
    from tests.conftest import SWITCH_TO_UPDATEAPP, switch

    with caplog.at_level(logging.INFO, logger="console"):
        prefix = switch(alice_client, SWITCH_TO_UPDATEAPP)
        session = RoleSession.objects.get(slug=prefix.rsplit("/", 1)[-1])
        creds = crypto.unseal(session.sealed_credentials)
        assert alice_client.post(prefix + "/switchback").status_code == 302
    messages = [r.getMessage() for r in caplog.records if r.name == "console.switching"]
    assert f"alice switched to {UPDATEAPP} (role session {session.slug})" in messages
    assert f"alice's role session {session.slug} in {UPDATEAPP} ended: switched back" in messages
    logged = _everything_logged(caplog.records)
    for secret in creds.values():
        assert secret not in logged
