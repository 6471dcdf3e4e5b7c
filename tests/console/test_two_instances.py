"""Two console server processes on one database are one console: a person moves between them
request by request (a load balancer without sticky sessions), an administrator's revocation on
one ends the session on the other, and the sign-in throttle counts failures from both."""

from __future__ import annotations

import re

import pytest

from accounts.models import Account, Role
from console.emulator import world
from tests.conftest import SWITCH_TO_UPDATEAPP
from tests.servers import Browser

pytestmark = pytest.mark.integration


@pytest.fixture
def updateapp_unmanaged() -> Role:
    """UpdateAPP, with the console not managing its account in AWS: revoking then ends console
    sessions only. (In AWS it also attaches a Deny, which moto would apply to every later
    session of the role in this run's emulator.)"""
    Account.objects.filter(account_id=world.PROD_ACCOUNT).update(credentials_source=Account.CredentialsSource.NONE)
    return Role.objects.get(name="UpdateAPP")


def test_one_person_across_two_instances_and_a_revocation(console_server, updateapp_unmanaged: Role) -> None:
    a, b = console_server(), console_server()
    alice = Browser(a.url)  # cookies are per host, so this browser is signed in on both
    assert alice.sign_in("alice", at=a.url).status_code == 302
    switch = alice.post("/switchrole", {**SWITCH_TO_UPDATEAPP, "displayName": "Two instances"}, at=b.url)
    assert switch.status_code == 302 and re.fullmatch(r"/r/[a-z0-9]{10}/s3/", switch.headers["Location"])
    tab = switch.headers["Location"].removesuffix("/s3/")  # the role session's URL space, on both instances
    listing = alice.get(tab + "/s3/buckets/productionapp/?prefix=config/", at=a.url)
    assert listing.status_code == 200 and "limits.json" in listing.text and "Two instances" in listing.text

    admin = Browser(b.url)
    assert admin.sign_in("admin").status_code == 302
    revoked = admin.post(f"/admin/accounts/role/{updateapp_unmanaged.pk}/revoke/")
    assert revoked.status_code == 302

    after = alice.get(tab + "/s3/buckets/productionapp/?prefix=config/", at=a.url)
    assert after.status_code == 302 and after.headers["Location"] == "/"
    page = alice.get("/", at=a.url).text
    assert "Your session in Two instances was ended (revoked by an administrator)" in page
    assert alice.identity(at=a.url) == alice.identity(at=b.url) == "alice @ example-dev (111122223333)"


def test_the_sign_in_throttle_counts_failures_on_both_instances(console_server, settings) -> None:
    a, b = console_server(), console_server()
    limit = settings.THROTTLE_RULES["signin_user"][0]
    guesser = Browser(a.url)
    for attempt in range(limit):  # half on each: neither alone reaches the limit
        failed = guesser.sign_in("bob", password=f"guess-{attempt}", at=(a.url, b.url)[attempt % 2])
        assert "Sign-in failed" in failed.text
    for url in (a.url, b.url):
        refused = Browser(url).sign_in("bob")  # the right password, on either instance
        assert refused.status_code == 429 and "Too many failed sign-in attempts" in refused.text
