"""Identity events reach the operator's log: who, from where, never a secret or a typed name."""

from __future__ import annotations

import logging

import pytest
from django.test import Client

from accounts.models import User
from tests.conftest import PASSWORD, enrol, sign_in

LOGGER = "accounts.flow_log"


@pytest.fixture
def flow_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger=LOGGER)
    return caplog


def _lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == LOGGER]


def test_a_sign_in_is_logged_with_the_users_arn_and_address(demo_world, flow_log) -> None:
    sign_in(Client(), "alice")
    [line] = _lines(flow_log)
    assert line.levelname == "INFO"
    assert line.getMessage() == "Signed in: arn:aws:iam::111122223333:user/alice"
    assert line.user == "arn:aws:iam::111122223333:user/alice" and line.source_ip == "127.0.0.1"


def test_a_refused_sign_in_logs_the_address_but_not_what_was_typed(demo_world, flow_log) -> None:
    typed = "Hunter2-my-password"  # people do type passwords into the username box
    response = Client().post("/signin", {"account": "example-dev", "username": typed, "password": "wrong"})
    assert response.status_code == 200
    [line] = _lines(flow_log)
    assert line.levelname == "WARNING" and line.getMessage() == "Sign-in refused from 127.0.0.1"
    assert typed not in flow_log.text and "wrong" not in flow_log.text


def test_a_refused_mfa_code_is_logged_without_the_code(demo_world, flow_log, clock) -> None:
    phone = enrol(User.objects.get(username="alice"))
    clock.advance(30)
    client = Client()
    sign_in(client, "alice")
    wrong = str((int(phone.code()) + 1) % 1_000_000).zfill(6)
    client.post("/signin/mfa", {"code": wrong})
    refused = [r for r in _lines(flow_log) if r.levelname == "WARNING"]
    assert [r.getMessage() for r in refused] == ["MFA code refused for arn:aws:iam::111122223333:mfa/alice: wrong"]
    assert wrong not in flow_log.text and PASSWORD not in flow_log.text
