"""What the console's pages say and offer (issue 14): the navbar's role chip and Switch back, the
Switch Role form's link and history table, banners, and ARNs that wrap only at / and :. How they
look and behave in a browser: tests/browser/test_console_pages_browser.py."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from accounts.models import User
from tests.conftest import SWITCH_TO_UPDATEAPP, enrol, sign_in, switch
from tests.pages import page_text

pytestmark = pytest.mark.integration

UPDATEAPP_ARN_BROKEN = "arn:<wbr>aws:<wbr>iam::<wbr>123456789012:<wbr>role/<wbr>UpdateAPP"


def header(response) -> str:
    html = response.content.decode()
    return html[html.index("<header") : html.index("</header>")]


def test_the_role_chip_shows_the_account_id_and_switch_back_sits_beside_it(alice_client: Client) -> None:
    tab = switch(alice_client, SWITCH_TO_UPDATEAPP)
    bar = header(alice_client.get(tab + "/"))
    chip = bar[bar.index("<summary") : bar.index("</summary>")]
    assert re.search(r'data-testid="role-account">.*123456789012</span>', chip)
    assert 'aria-controls="identity-menu"' in chip
    # Switch back: a POST form in the bar itself, after the menu (one click), not inside it.
    menu_end = bar.index("</details>")
    form = re.search(rf'<form method="post" action="{tab}/switchback"[^>]*data-testid="switch-back"', bar)
    assert form and form.start() > menu_end
    assert bar.count("/switchback") == 1
    # Without a role session there is nothing to switch back from.
    assertNotContains(alice_client.get(reverse("console:home")), 'data-testid="switch-back"')


def test_an_empty_switch_role_form_shows_no_link(alice_client: Client) -> None:
    empty = alice_client.get(reverse("console:switchrole"))
    assertContains(empty, 'data-testid="switch-link-field" hidden>')
    assertContains(empty, 'id="switch-link" value=""')
    half = alice_client.get(reverse("console:switchrole"), {"account": "example-prod"})
    assertContains(half, 'data-testid="switch-link-field" hidden>')
    full = alice_client.get(reverse("console:switchrole"), {"account": "example-prod", "roleName": "UpdateAPP"})
    assertNotContains(full, 'data-testid="switch-link-field" hidden')
    assertContains(full, 'value="http://127.0.0.1:8000/switchrole?account=example-prod&amp;roleName=UpdateAPP"')


def test_the_role_history_table_says_what_each_column_holds(alice_client: Client) -> None:
    switch(alice_client, {**SWITCH_TO_UPDATEAPP, "roleName": "UpdateAPP"})
    page = alice_client.get(reverse("console:switchrole"))
    html = page.content.decode()
    table = html[html.index('data-testid="history-table"') : html.index("</table>")]
    headers = [page_text(h) for h in re.findall(r'<th scope="col"[^>]*>(.*?)</th>', table)]
    assert headers == ["Display name", "Account", "Role", "Actions"]
    row = page_text(table[table.index("<tbody>") :])
    assert "Prod example-prod 123456789012 UpdateAPP Pin Prod Remove Prod" in row
    assertContains(page, '<td data-label="Role" class="mono"><span class="arn">UpdateAPP</span></td>')


def test_arns_on_the_console_pages_wrap_only_at_slashes_and_colons(bob_client: Client, demo_world) -> None:
    refused = bob_client.post(reverse("console:switchrole"), SWITCH_TO_UPDATEAPP)
    # In the refusal only the ARN breaks; sts:AssumeRole stays whole.
    assertContains(refused, f"do not allow sts:AssumeRole on {UPDATEAPP_ARN_BROKEN}.", status_code=403)
    # The MFA device's serial on the security page and on the MFA code page.
    alice = User.objects.get(username="alice")
    enrol(alice)
    client = Client()
    sign_in(client, "alice")
    serial = '<span class="arn">arn:<wbr>aws:<wbr>iam::<wbr>111122223333:<wbr>mfa/<wbr>alice</span>'
    assertContains(client.get(reverse("accounts:signin_mfa")), serial)
    signed_in = Client()
    signed_in.force_login(alice)
    assertContains(signed_in.get(reverse("accounts:security")), serial)


def test_the_success_banner_names_the_role_with_a_breakable_arn(alice_client: Client) -> None:
    landed = alice_client.post(reverse("console:switchrole"), SWITCH_TO_UPDATEAPP, follow=True)
    banner = f"You are now in Prod ({UPDATEAPP_ARN_BROKEN}).</p>"
    assertContains(landed, f'<p class="message success" role="status">{banner}')
