"""accounts signals what happened; console's receivers write the audit log and end role sessions
(accounts/signals.py, console/receivers.py). Receivers run synchronously in the sender's request:
one that fails stops the request, as the direct call did."""

from __future__ import annotations

import pytest
from django.db import OperationalError
from django.test import Client

from accounts import signals
from console import receivers
from console.models import AuditEvent
from tests.conftest import sign_in

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("signal", [s for s in vars(signals).values() if isinstance(s, signals.Signal)])
def test_every_accounts_signal_has_a_console_receiver(signal: signals.Signal) -> None:
    assert signal.has_listeners()
    assert any(sent is signal for sent, _ in receivers.RECEIVERS)


def test_a_sign_in_the_audit_log_cannot_record_is_refused(demo_world, monkeypatch) -> None:
    def refusing_save(self, *args, **kwargs) -> None:
        raise OperationalError("attempt to write a readonly database")

    monkeypatch.setattr(AuditEvent, "save", refusing_save)
    client = Client(raise_request_exception=False)
    response = sign_in(client, "alice")
    assert response.status_code == 503


def test_signals_reach_the_audit_log_with_the_same_rows(demo_world) -> None:
    client = Client()
    sign_in(client, "alice", password="not the password")
    sign_in(client, "alice")
    kinds = list(AuditEvent.objects.filter(username="alice").order_by("pk").values_list("kind", "detail"))
    assert kinds == [("signin_failed", "account='example-dev'"), ("signin", "")]
