"""Bad input gets a specific 400, never a 500: non-ASCII digits, line breaks in header-bound text."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from accounts.models import Role, User
from console.models import RoleSession
from tests.conftest import SWITCH_TO_UPDATEAPP, enrol, sign_in

NOT_ASCII_DIGITS = ["１２３４５６", "٠١٢٣٤٥", "²²²²²²", "۱۲۳ ۴۵۶"]


@pytest.mark.parametrize("code", NOT_ASCII_DIGITS)
def test_mfa_codes_take_ascii_digits_only(demo_world, clock, code: str) -> None:
    enrol(User.objects.get(username="alice"))
    client = Client()
    sign_in(client, "alice")
    response = client.post("/signin/mfa", {"code": code})
    assert response.status_code == 400
    assert "Enter the 6-digit code from your MFA device, digits 0-9 only." in response.content.decode()
    assert client.get("/").status_code == 302


@pytest.mark.parametrize("code", NOT_ASCII_DIGITS[:2])
def test_step_up_and_re_authentication_codes_take_ascii_digits_only(alice_client: Client, clock, code: str) -> None:
    from tests.conftest import PASSWORD

    enrol(User.objects.get(username="alice"))
    assert alice_client.post("/switchrole", {**SWITCH_TO_UPDATEAPP, "roleName": "UpdateAPP-MFA"}).status_code == 302
    assert alice_client.post("/switchrole/mfa", {"code": code}).status_code == 400
    removal = alice_client.post("/security/mfa/remove", {"current_password": PASSWORD, "mfa_code": code})
    assert removal.status_code == 400 and "digits 0-9 only" in removal.content.decode()


def test_an_account_id_in_other_digits_is_just_unknown(alice_client: Client) -> None:
    response = alice_client.post("/switchrole", {**SWITCH_TO_UPDATEAPP, "account": "١٢٣٤٥٦٧٨٩٠١٢"})
    assert response.status_code == 400
    assert "The console knows no account with that ID or alias." in response.content.decode()
    assert sign_in(Client(), "alice", account="١١١١٢٢٢٢٣٣٣٣").status_code == 200  # a failed sign-in, not a 500


def test_display_names_are_one_line(alice_client: Client) -> None:
    response = alice_client.post("/switchrole", {**SWITCH_TO_UPDATEAPP, "displayName": "Prod\r\nBcc: x@evil.example"})
    assert response.status_code == 400
    assert "Use a single line of text" in response.content.decode()
    assert not RoleSession.objects.exists()
    # A prefilled link cannot smuggle one in either.
    page = alice_client.get("/switchrole", {"displayName": "Prod\nX"}).content.decode()
    assert 'value="ProdX"' in page


def test_the_admins_email_link_refuses_a_display_name_with_a_newline(demo_world) -> None:
    admin = Client()
    sign_in(admin, "admin")
    role = Role.objects.get(name="UpdateAPP")
    alice = User.objects.get(username="alice")
    response = admin.post(
        f"/admin/accounts/role/{role.pk}/email-link/",
        {"users": [alice.pk], "display_name": "Prod\nBcc: x@evil.example", "color": ""},
    )
    assert response.status_code == 200
    assert "Use a single line of text" in response.content.decode()
    assert mail.outbox == []
