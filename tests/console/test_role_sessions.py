"""Several role sessions at once, one URL space each, against the real moto server."""

from __future__ import annotations

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.models import Role, User
from console import aws, role_sessions, switching
from console.models import AuditEvent, RoleSession
from tests.conftest import SWITCH_TO_UPDATEAPP, sign_in, switch
from tests.pages import page_text

pytestmark = pytest.mark.integration

LISTER = {"account": "example-prod", "roleName": "BucketLister", "displayName": "Lister", "color": "83D4E8"}


def allow(username: str, role_name: str) -> None:
    User.objects.get(username=username).inline_policies.create(
        name=f"Allow{role_name}",
        document=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "sts:AssumeRole",
                        "Resource": f"arn:aws:iam::123456789012:role/{role_name}",
                    }
                ],
            }
        ),
    )


def session_of(prefix: str) -> RoleSession:
    return RoleSession.objects.get(slug=prefix.rsplit("/", 1)[-1])


def navbar(html: str) -> str:
    return html[html.index('<header class="navbar">') : html.index("</header>")]


# --- Two tabs, two roles ----------------------------------------------------------------------


def test_two_tabs_work_in_two_roles_at_once(alice_client: Client) -> None:
    allow("alice", "BucketLister")
    tab_a = switch(alice_client, SWITCH_TO_UPDATEAPP)
    tab_b = switch(alice_client, LISTER)
    assert tab_a != tab_b
    # Switching in tab B left tab A's session alone: each URL space keeps its own role.
    page_a = alice_client.get(tab_a + "/s3/").content.decode()
    page_b = alice_client.get(tab_b + "/s3/").content.decode()
    assert 'data-testid="list-denied"' in page_a  # UpdateAPP may not list all buckets
    assert 'data-testid="list-denied"' not in page_b and "finance-reports" in page_b  # BucketLister may
    assert "color-F2B0A9" in navbar(page_a) and ">Prod</span>" in navbar(page_a)
    assert "color-83D4E8" in navbar(page_b) and ">Lister</span>" in navbar(page_b)
    # Links on each page stay in that tab's space.
    assert f'href="{tab_a}/s3/buckets/productionapp/"' in page_a
    assert f'href="{tab_b}/s3/buckets/finance-reports/"' in page_b
    # The backend sees two different roles.
    assert aws.caller_identity(switching.credentials(session_of(tab_a))).endswith("assumed-role/UpdateAPP/alice")
    assert aws.caller_identity(switching.credentials(session_of(tab_b))).endswith("assumed-role/BucketLister/alice")
    # Actions in each tab are done, and audited, as that tab's role.
    upload = SimpleUploadedFile("tab-a.txt", b"from tab A")
    assert (
        alice_client.post(tab_a + "/s3/buckets/productionapp/upload?prefix=tabs/", {"file": upload}).status_code == 302
    )
    alice_client.post(tab_b + "/s3/buckets/productionapp/delete", {"key": "tabs/tab-a.txt"})
    assert AuditEvent.objects.get(kind="s3_put").role_arn == "arn:aws:iam::123456789012:role/UpdateAPP"
    assert AuditEvent.objects.get(kind="s3_delete").role_arn == "arn:aws:iam::123456789012:role/BucketLister"


def test_navbar_shows_the_tabs_role_and_lists_every_session(alice_client: Client) -> None:
    allow("alice", "BucketLister")
    tab_a = switch(alice_client, SWITCH_TO_UPDATEAPP)
    tab_b = switch(alice_client, LISTER)
    bar = navbar(alice_client.get(tab_a + "/").content.decode())
    summary = bar[bar.index("<summary") : bar.index("</summary>")]
    assert ">Prod</span>" in summary and "123456789012" in summary
    seconds = int(re.search(r'data-seconds-left="(\d+)"', summary).group(1))
    assert 3500 < seconds <= 3600 and re.search(r">(59|60):\d\d</span>", summary)
    sessions = bar[bar.index('data-testid="role-sessions"') :]
    assert f'href="{tab_a}/"' in sessions and f'href="{tab_b}/"' in sessions
    assert 'Prod <span class="muted">(this tab)</span>' in sessions
    assert 'href="/" data-testid="own-identity"' in bar  # the person's own identity, outside any session
    # Without a session in the URL, the navbar is the person's own identity, still listing both.
    own = navbar(alice_client.get("/").content.decode())
    assert "alice @ example-dev (111122223333)" in page_text(own[own.index("<summary") : own.index("</summary>")])
    assert f'href="{tab_a}/"' in own and f'href="{tab_b}/"' in own


def test_switch_back_ends_only_the_tabs_session(alice_client: Client) -> None:
    allow("alice", "BucketLister")
    tab_a = switch(alice_client, SWITCH_TO_UPDATEAPP)
    tab_b = switch(alice_client, LISTER)
    response = alice_client.post(tab_a + "/switchback", follow=True)
    assert response.redirect_chain[-1][0] == "/"
    assert "You left Prod" in response.content.decode()
    assert session_of(tab_a).end_reason == "switched back" and session_of(tab_a).sealed_credentials == ""
    assert session_of(tab_b).ended_at is None
    assert alice_client.get(tab_b + "/s3/").status_code == 200
    # Tab A's URLs never fall through to tab B's role.
    gone = alice_client.get(tab_a + "/s3/buckets/productionapp/", follow=True)
    assert gone.redirect_chain == [("/", 302)]
    assert "Your session in Prod was ended (switched back)" in gone.content.decode()
    deleted = alice_client.post(tab_a + "/s3/buckets/productionapp/delete", {"key": "tabs/nothing"})
    assert deleted.status_code == 302 and deleted.url == "/"
    assert not AuditEvent.objects.filter(kind="s3_delete").exists()
    assert AuditEvent.objects.filter(kind="switch_back", role_arn=session_of(tab_a).role_arn).count() == 1


def test_unknown_and_other_peoples_sessions_are_never_used(alice_client: Client, bob_client: Client) -> None:
    tab = switch(alice_client, SWITCH_TO_UPDATEAPP)
    for client, url in ((alice_client, "/r/zzzzzzzzzz/s3/"), (bob_client, tab + "/s3/")):
        response = client.get(url, follow=True)
        assert response.redirect_chain == [("/", 302)]
        assert "The role session in this page&#x27;s address is not one of yours." in response.content.decode()
    # alice in another browser: her own session, but bound to the browser sign-in that started it.
    elsewhere = Client()
    sign_in(elsewhere, "alice")
    response = elsewhere.get(tab + "/s3/", follow=True)
    assert response.redirect_chain == [("/", 302)]
    assert "Your session in Prod belongs to another browser sign-in" in response.content.decode()
    # Signed out, the prefix means nothing: the same page without it, then sign-in.
    assert Client().get(tab + "/s3/?x=1").url == "/s3/?x=1"


def test_sessionless_urls_open_in_the_most_recently_used_session(alice_client: Client, clock) -> None:
    allow("alice", "BucketLister")
    tab_a = switch(alice_client, SWITCH_TO_UPDATEAPP)
    clock.advance(5)
    tab_b = switch(alice_client, LISTER)
    old = alice_client.get("/s3/buckets/productionapp/?prefix=config/")
    assert old.status_code == 302 and old.url == tab_b + "/s3/buckets/productionapp/?prefix=config/"
    # Using tab A makes it the most recent (recorded at most about once a minute).
    clock.advance(61)
    alice_client.get(tab_a + "/s3/buckets/productionapp/")
    assert alice_client.get("/s3/").url == tab_a + "/s3/"
    # An action without a session, with two open: nothing is done.
    refused = alice_client.post("/s3/buckets/productionapp/delete", {"key": "tabs/nothing"}, follow=True)
    assert refused.redirect_chain == [("/", 303)]
    assert "Nothing was done" in refused.content.decode()
    assert not AuditEvent.objects.filter(kind="s3_delete").exists()


def test_a_sessionless_action_with_one_session_goes_to_it(alice_in_role: Client) -> None:
    response = alice_in_role.post("/s3/buckets/productionapp/delete", {"key": "no/such/key"})
    assert response.status_code == 307 and response.url == alice_in_role.prefix + "/s3/buckets/productionapp/delete"


def test_last_use_is_written_at_most_once_a_minute(alice_in_role: Client, clock) -> None:
    session = RoleSession.objects.get()
    first = session.last_used_at
    clock.advance(30)
    alice_in_role.get(alice_in_role.prefix + "/")
    assert RoleSession.objects.get().last_used_at == first
    clock.advance(31)
    alice_in_role.get(alice_in_role.prefix + "/")
    assert RoleSession.objects.get().last_used_at == first + (clock.now() - first)


def test_signing_out_ends_every_session_of_the_browser(alice_client: Client) -> None:
    allow("alice", "BucketLister")
    switch(alice_client, SWITCH_TO_UPDATEAPP)
    tab_b = switch(alice_client, LISTER)
    other = Client()
    sign_in(other, "alice")
    kept = switch(other, SWITCH_TO_UPDATEAPP)
    alice_client.post(tab_b + "/signout")
    assert set(RoleSession.objects.filter(ended_at=None).values_list("slug", flat=True)) == {kept.split("/")[-1]}
    assert set(RoleSession.objects.exclude(ended_at=None).values_list("end_reason", flat=True)) == {"signed out"}


# --- The limit --------------------------------------------------------------------------------


def test_five_sessions_and_the_sixth_asks_which_to_end(alice_client: Client, settings) -> None:
    assert settings.MAX_ROLE_SESSIONS == 5
    prefixes = [switch(alice_client, {**SWITCH_TO_UPDATEAPP, "displayName": f"Prod {i}"}) for i in range(5)]
    assert RoleSession.objects.filter(ended_at=None).count() == 5
    sixth = alice_client.post(prefixes[2] + "/switchrole", {**SWITCH_TO_UPDATEAPP, "displayName": "Prod 6"})
    assert sixth.status_code == 302 and sixth.url == "/switchrole/limit"
    assert RoleSession.objects.filter(ended_at=None).count() == 5  # nothing brokered, nothing ended
    page = alice_client.get("/switchrole/limit").content.decode()
    assert page.count('name="end"') == 5 and "Prod 6" in page
    chosen = session_of(prefixes[1])
    done = alice_client.post("/switchrole/limit", {"end": chosen.slug})
    chosen.refresh_from_db()
    assert chosen.ended_at is not None and chosen.end_reason == "ended for a new switch"
    new = RoleSession.objects.get(display_name="Prod 6")
    assert done.url == f"/r/{new.slug}/s3/"
    assert RoleSession.objects.filter(ended_at=None).count() == 5
    assert {s.slug for s in RoleSession.objects.filter(ended_at=None)} == {
        p.split("/")[-1] for p in prefixes if p != prefixes[1]
    } | {new.slug}


def test_the_limit_page_refuses_a_session_that_is_not_yours(alice_client: Client, settings) -> None:
    settings.MAX_ROLE_SESSIONS = 1
    switch(alice_client, SWITCH_TO_UPDATEAPP)
    other = Client()
    sign_in(other, "alice")
    foreign = session_of(switch(other, SWITCH_TO_UPDATEAPP))
    assert alice_client.post("/switchrole", SWITCH_TO_UPDATEAPP).url == "/switchrole/limit"
    response = alice_client.post("/switchrole/limit", {"end": foreign.slug})
    assert response.status_code == 400 and "not open any more" in response.content.decode()
    foreign.refresh_from_db()
    assert foreign.ended_at is None
    assert alice_client.post("/switchrole/limit", {}).status_code == 400  # still at the limit: choose one


def test_the_limit_holds_when_two_switches_race(alice_client: Client, settings) -> None:
    settings.MAX_ROLE_SESSIONS = 1
    request = alice_client.get("/").wsgi_request
    creds = aws.assume_role("arn:aws:iam::123456789012:role/UpdateAPP", "alice", "alice", 900)
    role = Role.objects.get(name="UpdateAPP")
    fields = {"role": role, "account_id": "123456789012", "display_name": "A", "color": "", "creds": creds}
    role_sessions.ensure_room(request)  # both requests passed the early check...
    role_sessions.start(request, **fields)
    with pytest.raises(role_sessions.LimitReached):  # ...the second write is refused under the lock
        role_sessions.start(request, **fields)
    assert RoleSession.objects.count() == 1


# --- Renewal on the frozen clock --------------------------------------------------------------


def _to_renewal_window(clock, session: RoleSession, before: int = 200) -> None:
    clock.advance((session.expiration - clock.now()).total_seconds() - before)


def test_a_session_in_use_renews_near_expiry(alice_in_role: Client, clock) -> None:
    session = RoleSession.objects.get()
    old_key = switching.credentials(session).access_key_id
    old_expiration = session.expiration
    clock.advance(60)
    alice_in_role.get(alice_in_role.prefix + "/")
    assert RoleSession.objects.get().expiration == old_expiration  # not yet: more than 5 minutes left
    _to_renewal_window(clock, session)
    response = alice_in_role.get(alice_in_role.prefix + "/s3/buckets/productionapp/")
    assert response.status_code == 200  # the person was not interrupted
    session.refresh_from_db()
    assert session.ended_at is None
    assert (session.expiration - clock.now()).total_seconds() > 3500
    creds = switching.credentials(session)
    assert creds.access_key_id != old_key
    assert aws.caller_identity(creds).endswith("assumed-role/UpdateAPP/alice")
    event = AuditEvent.objects.get(kind="session_renewed")
    assert event.username == "alice" and event.outcome == "succeeded" and "Allowed by Developers/" in event.detail
    # Past the old expiry, the session is still usable (it was renewed, not just remembered).
    clock.advance(400)
    assert alice_in_role.get(alice_in_role.prefix + "/s3/").status_code == 200


def test_renewal_refused_ends_the_session_with_the_reason(alice_in_role: Client, clock) -> None:
    session = RoleSession.objects.get()
    User.objects.get(username="alice").inline_policies.create(
        name="NoProduction",
        document=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Sid": "DenyProd", "Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "*"}],
            }
        ),
    )
    clock.advance(60)
    assert alice_in_role.get(alice_in_role.prefix + "/s3/").status_code == 200  # no re-decision before the window
    _to_renewal_window(clock, session)
    response = alice_in_role.get(alice_in_role.prefix + "/s3/", follow=True)
    assert response.redirect_chain == [("/", 302)]
    text = response.content.decode()
    assert "Your session in Prod was ended: it could not be renewed." in text
    assert "An explicit Deny in alice/NoProduction (DenyProd) refuses sts:AssumeRole" in text
    session.refresh_from_db()
    assert session.end_reason == "renewal refused" and session.sealed_credentials == ""
    event = AuditEvent.objects.get(kind="session_renewal_refused")
    assert "DenyProd" in event.detail


def test_renewal_asks_for_a_code_when_mfa_is_too_old(demo_world, clock) -> None:
    from tests.conftest import enrol

    phone = enrol(User.objects.get(username="alice"))
    clock.advance(30)
    client = Client()
    sign_in(client, "alice")
    client.post("/signin/mfa", {"code": phone.code()})
    clock.advance(600)  # the switch comes ten minutes after the MFA check
    prefix = switch(client, {"account": "example-prod", "roleName": "UpdateAPP-MFA", "displayName": "Prod MFA"})
    session = session_of(prefix)
    _to_renewal_window(clock, session)  # now the MFA check is 65 minutes old; the trust wants < 60
    page = client.get(prefix + "/s3/buckets/productionapp/?prefix=config/")
    assert page.status_code == 200  # still working until the expiry
    html = page.content.decode()
    assert 'data-testid="renew-mfa"' in html and "needs a recent MFA code to renew it" in html
    assert 'name="next" value="/s3/buckets/productionapp/?prefix=config/"' in html
    assert not AuditEvent.objects.filter(kind__in=["session_renewed", "session_renewal_refused"]).exists()
    clock.advance(30)
    renewed = client.post(
        prefix + "/renew", {"code": phone.code(), "next": "/s3/buckets/productionapp/?prefix=config/"}
    )
    assert renewed.url == prefix + "/s3/buckets/productionapp/?prefix=config/"
    session.refresh_from_db()
    assert session.ended_at is None and (session.expiration - clock.now()).total_seconds() > 3500
    assert AuditEvent.objects.filter(kind="session_renewed").count() == 1
    assert 'data-testid="renew-mfa"' not in client.get(prefix + "/").content.decode()


def test_renewal_can_be_turned_off(alice_in_role: Client, clock, settings) -> None:
    settings.ROLE_SESSION_RENEW = False
    session = RoleSession.objects.get()
    _to_renewal_window(clock, session)
    alice_in_role.get(alice_in_role.prefix + "/s3/")
    session.refresh_from_db()
    assert not AuditEvent.objects.filter(kind="session_renewed").exists()
    clock.advance(201)
    response = alice_in_role.get(alice_in_role.prefix + "/s3/", follow=True)
    assert "Your session in Prod expired at" in response.content.decode()


def test_concurrent_requests_renew_once(alice_in_role: Client, clock, monkeypatch) -> None:
    request = alice_in_role.get(alice_in_role.prefix + "/").wsgi_request  # for its user and browser session
    session = RoleSession.objects.get()
    _to_renewal_window(clock, session)
    calls = []
    real_broker = switching.broker

    def counting_broker(role, user):
        calls.append(role.arn)
        # A second request arrives while AWS answers the first: it finds the claim taken.
        assert role_sessions.renew(request, stale).outcome is role_sessions.Outcome.NOT_NOW
        return real_broker(role, user)

    monkeypatch.setattr(switching, "broker", counting_broker)
    stale = RoleSession.objects.get()
    assert role_sessions.renew(request, RoleSession.objects.get()).outcome is role_sessions.Outcome.RENEWED
    # And one that read the session before the swap cannot swap again (its expiration is stale).
    assert role_sessions.renew(request, stale).outcome is role_sessions.Outcome.NOT_NOW
    assert len(calls) == 1 and AuditEvent.objects.filter(kind="session_renewed").count() == 1


def test_switch_back_without_a_session_in_the_url_acts_only_when_unambiguous(alice_client: Client) -> None:
    allow("alice", "BucketLister")
    tab_a = switch(alice_client, SWITCH_TO_UPDATEAPP)
    tab_b = switch(alice_client, LISTER)
    response = alice_client.post("/switchback", follow=True)
    assert "Several role sessions are open" in response.content.decode()
    assert RoleSession.objects.filter(ended_at=None).count() == 2
    alice_client.post(tab_a + "/switchback")
    alice_client.post("/switchback")  # one left: no doubt which
    assert session_of(tab_b).end_reason == "switched back"


def test_a_password_change_keeps_this_browsers_sessions(alice_in_role: Client) -> None:
    from tests.conftest import PASSWORD

    key = alice_in_role.cookies["sessionid"].value
    response = alice_in_role.post(
        alice_in_role.prefix + "/password",
        {
            "current_password": PASSWORD,
            "new_password1": "another-long-secret-9",
            "new_password2": "another-long-secret-9",
        },
    )
    assert response.status_code == 302
    assert alice_in_role.cookies["sessionid"].value != key  # Django cycled the key
    assert alice_in_role.get(alice_in_role.prefix + "/s3/").status_code == 200  # the tab still works


def test_no_renewal_assume_role_without_the_intent_on_record(alice_in_role: Client, clock, monkeypatch) -> None:
    from django.db import DatabaseError

    from console import audit

    request = alice_in_role.get(alice_in_role.prefix + "/").wsgi_request
    session = RoleSession.objects.get()
    _to_renewal_window(clock, session)
    brokered = []
    monkeypatch.setattr(switching, "broker", lambda role, user: brokered.append(role))
    real_save = AuditEvent.save

    def refusing_save(event, *args, **kwargs):
        if event.kind == "session_renewed":
            raise DatabaseError("attempt to write a readonly database")
        return real_save(event, *args, **kwargs)

    monkeypatch.setattr(AuditEvent, "save", refusing_save)
    with pytest.raises(audit.AuditUnavailable):
        role_sessions.renew(request, RoleSession.objects.get())
    assert brokered == []
    assert RoleSession.objects.get().expiration == session.expiration
