"""The roles a person may use: decided by the engine at each load, on the home page and /api/roles."""

from __future__ import annotations

import html
import json
import re

import pytest
from django.test import Client

from accounts.models import Group, User
from console.models import AuditEvent, RoleSession
from tests.accounts.test_admin import _group_form
from tests.conftest import enrol, in_new_session, sign_in

pytestmark = pytest.mark.integration

UPDATEAPP = "arn:aws:iam::123456789012:role/UpdateAPP"
UPDATEAPP_MFA = "arn:aws:iam::123456789012:role/UpdateAPP-MFA"
VIEWAPP = "arn:aws:iam::123456789012:role/ViewAPP"


def catalogue(client: Client) -> dict[str, dict]:
    """Role ARN -> its row on the home page (the HTML between its <li> tags, and what it offers)."""
    page = client.get("/").content.decode()
    section = page[page.index('data-testid="catalogue"') :]
    rows = {}
    for row in re.findall(r'<li class="role-row".*?</li>', section, re.S):
        arn = re.search(r'data-arn="([^"]+)"', row).group(1)
        rows[arn] = {
            "html": row,
            "switch": "<button" in row,
            "code": 'name="code"' in row,
            "mfa_badge": 'class="badge mfa"' in row,
            "missing": " ".join(html.unescape(re.sub(r"<[^>]+>", " ", m.group(1))).split())
            if (m := re.search(r'data-testid="missing">(.*?)</div>', row, re.S))
            else "",
        }
    return rows


def api(client: Client) -> dict[str, dict]:
    response = client.get("/api/roles")
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    data = response.json()
    return {role["arn"]: {**role, "account_id": a["account_id"]} for a in data["accounts"] for role in a["roles"]}


def test_alice_sees_her_roles_grouped_by_account(alice_client: Client) -> None:
    page = alice_client.get("/").content.decode()
    assert 'data-testid="account-123456789012"' in page
    assert re.search(r"<h3>example-prod <span class=\"mono muted\">123456789012</span>", page)
    rows = catalogue(alice_client)
    assert set(rows) == {UPDATEAPP, UPDATEAPP_MFA, VIEWAPP}  # BucketLister's trust allows, her policies do not
    assert list(rows) == [UPDATEAPP, UPDATEAPP_MFA, VIEWAPP]
    assert rows[UPDATEAPP]["switch"] and not rows[UPDATEAPP]["mfa_badge"] and not rows[UPDATEAPP]["missing"]
    mfa_role = rows[UPDATEAPP_MFA]
    assert mfa_role["mfa_badge"] and not mfa_role["switch"] and not mfa_role["code"]
    assert mfa_role["missing"] == "Needs MFA: assign an MFA device to your user, then sign in with it. Set up MFA"
    roles = api(alice_client)
    assert set(roles) == set(rows)
    assert roles[UPDATEAPP]["available"] is True and roles[UPDATEAPP]["requires_mfa"] is False
    assert roles[UPDATEAPP_MFA]["available"] is False and roles[UPDATEAPP_MFA]["requires_mfa"] is True
    assert roles[UPDATEAPP]["account_id"] == "123456789012" and roles[UPDATEAPP]["role_name"] == "UpdateAPP"
    assert "/switchrole?account=example-prod&roleName=UpdateAPP&displayName=" in roles[UPDATEAPP]["link"]
    assert roles[UPDATEAPP]["color"] == "F2B0A9" and roles[UPDATEAPP]["color_name"] == "Red"


def test_bob_sees_only_what_he_may_assume(bob_client: Client) -> None:
    rows = catalogue(bob_client)
    assert set(rows) == {VIEWAPP}
    assert "<strong>Production (read-only)</strong>" in rows[VIEWAPP]["html"] and rows[VIEWAPP]["switch"]
    assert "color-83D4E8" in rows[VIEWAPP]["html"]
    roles = api(bob_client)
    assert set(roles) == {VIEWAPP}
    assert roles[VIEWAPP]["display_name"] == "Production (read-only)" and roles[VIEWAPP]["color_name"] == "Blue"


def test_a_deny_added_in_the_admin_removes_the_role_at_the_next_load(alice_client: Client) -> None:
    assert UPDATEAPP in catalogue(alice_client)
    admin = Client()
    sign_in(admin, "admin")
    developers = Group.objects.get(name="Developers")
    data = _group_form(developers)
    count = int(data["inline_policies-TOTAL_FORMS"])
    deny = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": UPDATEAPP}],
    }
    data.update(
        {
            "inline_policies-TOTAL_FORMS": str(count + 1),
            f"inline_policies-{count}-name": "NoUpdateAPP",
            f"inline_policies-{count}-document": json.dumps(deny),
        }
    )
    assert admin.post(f"/admin/accounts/group/{developers.pk}/change/", data).status_code == 302
    rows = catalogue(alice_client)
    assert UPDATEAPP not in rows and UPDATEAPP_MFA in rows and VIEWAPP in rows
    assert UPDATEAPP not in api(alice_client)


def test_one_click_switch_is_a_post_into_a_new_session(alice_client: Client) -> None:
    row = catalogue(alice_client)[UPDATEAPP]["html"]
    form = re.search(r'<form method="post" action="/switchrole" class="role-switch">(.*?)</form>', row, re.S)
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', form.group(1)))
    assert fields["csrfmiddlewaretoken"] and fields["account"] == "example-prod" and fields["roleName"] == "UpdateAPP"
    assert alice_client.get("/switchrole", fields).status_code == 200 and not RoleSession.objects.exists()
    response = alice_client.post("/switchrole", fields)
    assert in_new_session(response.url)
    assert RoleSession.objects.get().role_arn == UPDATEAPP
    # The home page in that session offers to open it again.
    assert f'href="{response.url}"' in catalogue(alice_client)[UPDATEAPP]["html"]


@pytest.fixture
def alice_with_device(alice_client: Client, clock):
    """alice signed in with her password only; then an administrator gave her an MFA device."""
    phone = enrol(User.objects.get(username="alice"))
    clock.advance(30)
    return alice_client, phone


def test_mfa_only_role_offers_a_one_step_code(alice_with_device) -> None:
    client, phone = alice_with_device
    row = catalogue(client)[UPDATEAPP_MFA]
    assert row["code"] and row["switch"] and row["missing"] == "Needs an MFA code: you signed in without one."
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', row["html"]))
    response = client.post("/switchrole", {**fields, "code": phone.code()})
    assert in_new_session(response.url)
    assert RoleSession.objects.get().role_arn == UPDATEAPP_MFA
    assert AuditEvent.objects.filter(kind="mfa_step_up", role_arn=UPDATEAPP_MFA).exists()
    # Now the session has a fresh MFA check: the role is available without a code.
    row = catalogue(client)[UPDATEAPP_MFA]
    assert row["switch"] and not row["code"] and not row["missing"] and row["mfa_badge"]


def test_a_wrong_one_step_code_asks_again_for_the_same_switch(alice_with_device) -> None:
    client, phone = alice_with_device
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', catalogue(client)[UPDATEAPP_MFA]["html"]))
    wrong = "000000" if phone.code() != "000000" else "111111"
    response = client.post("/switchrole", {**fields, "code": wrong}, follow=True)
    assert response.redirect_chain[-1][0] == "/switchrole/mfa"
    assert "That code is not valid." in response.content.decode()
    assert not RoleSession.objects.exists()
    assert in_new_session(client.post("/switchrole/mfa", {"code": phone.code()}).url)


def test_an_old_mfa_check_is_named_as_missing(demo_world, clock) -> None:
    phone = enrol(User.objects.get(username="alice"))
    clock.advance(30)
    client = Client()
    sign_in(client, "alice")
    client.post("/signin/mfa", {"code": phone.code()})
    assert catalogue(client)[UPDATEAPP_MFA]["switch"] and not catalogue(client)[UPDATEAPP_MFA]["code"]
    clock.advance(3700)
    row = catalogue(client)[UPDATEAPP_MFA]
    assert row["code"] and row["missing"] == "Needs a fresh MFA code: your last one was 61 minutes ago."


def test_the_api_needs_a_signed_in_session(demo_world) -> None:
    response = Client().get("/api/roles")
    assert response.status_code == 401 and response["Cache-Control"] == "no-store"
    assert response.json() == {"error": "Sign in to the console first (this API uses its session)."}
    assert Client().post("/api/roles").status_code == 405


def test_a_device_assigned_in_this_session_offers_no_code(alice_client: Client, clock) -> None:
    """As in AWS (and the switch itself): assigning a device does not make the session MFA-checked."""
    from accounts import mfa
    from accounts.models import MFADevice
    from tests.conftest import PASSWORD, Authenticator

    assert alice_client.post("/security/mfa/start", {"current_password": PASSWORD}).status_code == 302
    phone = Authenticator(mfa.secret_of(MFADevice.objects.get(user__username="alice")))
    alice_client.post("/security/mfa/assign", {"code1": phone.code(-1), "code2": phone.code(0)})
    clock.advance(30)
    row = catalogue(alice_client)[UPDATEAPP_MFA]
    assert not row["code"] and not row["switch"]
    assert (
        row["missing"] == "Needs MFA: you assigned your device in this session; sign out, then sign in again with it."
    )
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', catalogue(alice_client)[UPDATEAPP]["html"]))
    forged = alice_client.post("/switchrole", {**fields, "roleName": "UpdateAPP-MFA", "code": phone.code()})
    assert forged.status_code == 403 and not RoleSession.objects.exists()
