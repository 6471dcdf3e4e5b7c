"""Secrets stay out of error reports: functions that hold a password, a SigV4 secret or a new
access key's secret are marked sensitive, so Django's reporter shows stars instead."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

import pytest
from django.views.debug import ExceptionReporter

from accounts import access_keys
from accounts.models import User
from console import sigv4


def _report(fn) -> str:
    """What an error report (the admins' email, the debug page) shows: each frame's local variables."""
    try:
        fn()
    except Exception:
        data = ExceptionReporter(None, *sys.exc_info()).get_traceback_data()
        lines = [str(data["exception_value"])]
        # The test's own frames (its lambdas and stand-ins hold the secret) are no part of the console.
        frames = [frame for frame in data["frames"] if "/tests/" not in frame["filename"]]
        assert frames
        lines += [f"{name} = {value}" for frame in frames for name, value in frame["vars"]]
        return "\n".join(lines)
    raise AssertionError("expected an error")


def test_a_sigv4_secret_is_not_in_the_report(monkeypatch) -> None:
    secret = "wJalrXUtnFEMI-the-secret-access-key"
    headers = {
        "authorization": "AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20260101/us-east-1/sts/aws4_request, "
        "SignedHeaders=host;x-amz-date, Signature=" + "0" * 64,
        "x-amz-date": "20260101T000000Z",
        "host": "console",
    }

    def boom(*args):
        raise RuntimeError("failure while signing")

    monkeypatch.setattr(sigv4, "_sha256", boom)
    text = _report(
        lambda: sigv4.verify(
            method="POST",
            path="/sts/",
            query_string="",
            headers=headers,
            body=b"",
            secret_for=lambda key: secret,
            now=datetime(2026, 1, 1, tzinfo=UTC),
            region="us-east-1",
        )
    )
    assert "failure while signing" in text and "secret" in text
    assert secret not in text


@pytest.mark.django_db
def test_a_password_is_not_in_the_report(demo_world, monkeypatch) -> None:
    from django.test import RequestFactory

    from accounts import forms

    password = "my-very-own-password-123"

    def boom(*args, **kwargs):
        raise RuntimeError("backend down")

    monkeypatch.setattr(forms, "authenticate", boom)
    request = RequestFactory().post("/signin")
    form = forms.SignInForm(request, data={"account": "example-dev", "username": "alice", "password": password})
    text = _report(form.is_valid)
    assert "backend down" in text and password not in text


@pytest.mark.django_db
def test_a_new_access_key_secret_is_not_in_the_report(demo_world, monkeypatch) -> None:
    from accounts import crypto

    seen = []

    def boom(data):
        seen.append(data["secret"])
        raise RuntimeError("cannot seal")

    monkeypatch.setattr(crypto, "seal", boom)
    text = _report(lambda: access_keys.create(User.objects.get(username="alice")))
    assert "cannot seal" in text and seen and seen[0] not in text


def test_a_client_factory_failure_does_not_show_the_keys(monkeypatch) -> None:
    from console.aws import clients

    secret = "client-factory-secret-access-key"

    def boom() -> None:
        raise RuntimeError("no session")

    monkeypatch.setattr(clients, "_boto_session", boom)
    text = _report(lambda: clients._client("s3", None, "us-east-1", "AKIAFACTORYKEY", secret, "a-session-token"))
    assert "no session" in text
    assert secret not in text and "a-session-token" not in text
