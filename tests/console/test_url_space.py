"""URL spaces (/r/<slug>/) and redirect_uri: only pages of this console, nothing else."""

from __future__ import annotations

import html
import re

import pytest
from django.test import Client, RequestFactory
from django.urls import get_script_prefix, reverse

from console import url_space
from console.models import RoleSession
from tests.conftest import SWITCH_TO_UPDATEAPP, sign_in

pytestmark = pytest.mark.integration

LANDING = "/s3/buckets/productionapp/?prefix=config/"

HOSTILE_REDIRECTS = [
    "https://evil.example/",
    "//evil.example/s3/",
    "/\\evil.example",
    "\\\\evil.example",
    "/%2F%2Fevil.example/",
    "/%252F%252Fevil.example/",
    "/%5Cevil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(document.cookie)",
    "data:text/html,<script>alert(1)</script>",
    " /s3/",
    "/s3/\r\nLocation: https://evil.example",
    "/s3/%0d%0aSet-Cookie:x=1",
    "/s3/\t",
    "/\u202e/s3/",
    "http:/evil.example",
    "///evil.example",
    "/s3/../admin/",
    "/switchback",  # an action, not a page
    "/s3/buckets/productionapp/upload?prefix=x/",  # an action
    "/no/such/page",
    "s3/buckets/productionapp/",
    "/s3/#https://evil.example",
    "/" + "a" * 3000,
]


@pytest.mark.parametrize("value", HOSTILE_REDIRECTS)
def test_hostile_redirect_uri_is_not_a_console_path(db, value: str) -> None:
    assert url_space.console_path(value) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (LANDING, LANDING),
        ("/s3/", "/s3/"),
        ("/", "/"),
        ("/s3/buckets/productionapp/download?key=config/app.json", None),
        ("/r/abcdefghij/s3/buckets/productionapp/", "/s3/buckets/productionapp/"),  # another tab's prefix is dropped
        ("/s3/buckets/productionapp/?prefix=a%20b/", "/s3/buckets/productionapp/?prefix=a%20b/"),
        ("/security/", "/security/"),
    ],
)
def test_console_pages_are_accepted(db, value: str, expected: str | None) -> None:
    assert url_space.console_path(value) == (expected or value)


# (Surrounding whitespace is trimmed from what people paste, so " /s3/" is a fine link.)
@pytest.mark.parametrize("value", [v for v in HOSTILE_REDIRECTS if v == v.strip()])
def test_hostile_redirect_uri_in_a_link_is_ignored(alice_client: Client, value: str) -> None:
    page = alice_client.get("/switchrole", {**SWITCH_TO_UPDATEAPP, "redirect_uri": value}).content.decode()
    assert 'data-testid="redirect-ignored"' in page
    landing = re.search(r'<input[^>]*name="redirect_uri"[^>]*>', page).group(0)
    assert "value=" not in landing  # nothing carried into the form
    assert "evil.example" not in html.unescape(re.search(r'id="switch-link" value="([^"]*)"', page).group(1))
    # Posted anyway (a forged form): refused with the reason, no session, no redirect anywhere.
    response = alice_client.post("/switchrole", {**SWITCH_TO_UPDATEAPP, "redirect_uri": value})
    assert response.status_code == 400
    reason = "Ensure this value has at most" if len(value) > 2048 else "Enter a page of this console as a path"
    assert reason in response.content.decode()
    assert not RoleSession.objects.exists()


def test_a_link_lands_on_its_page_inside_the_new_session(alice_client: Client) -> None:
    page = alice_client.get("/switchrole", {**SWITCH_TO_UPDATEAPP, "redirect_uri": LANDING}).content.decode()
    assert f'value="{html.escape(LANDING)}"' in page.replace("&#x27;", "'")
    response = alice_client.post("/switchrole", {**SWITCH_TO_UPDATEAPP, "redirect_uri": LANDING})
    session = RoleSession.objects.get(ended_at=None)
    assert response.url == f"/r/{session.slug}{LANDING}"
    listing = alice_client.get(response.url).content.decode()
    assert "app.json" in listing and "limits.json" in listing


def test_redirect_uri_survives_sign_in(demo_world) -> None:
    client = Client()
    link = "/switchrole?account=example-prod&roleName=UpdateAPP&redirect_uri=" + LANDING.replace("?", "%3F").replace(
        "=", "%3D"
    )
    to_signin = client.get(link)
    assert to_signin.status_code == 302 and to_signin.url.startswith("/signin?next=")
    signed_in = sign_in(client, "alice", next_url=link)
    assert signed_in.url == link
    form = client.get(link).content.decode()
    fields = dict(re.findall(r'name="(account|roleName|redirect_uri)"[^>]*value="([^"]*)"', form))
    assert html.unescape(fields["redirect_uri"]) == LANDING
    response = client.post("/switchrole", {k: html.unescape(v) for k, v in fields.items()})
    assert re.fullmatch(r"/r/[a-z0-9]{10}" + re.escape(LANDING), response.url)


def test_script_prefix_is_the_tabs_session_only_during_the_request(alice_client: Client) -> None:
    alice_client.post("/switchrole", SWITCH_TO_UPDATEAPP)
    slug = RoleSession.objects.get().slug
    page = alice_client.get(f"/r/{slug}/").content.decode()
    assert f'href="/r/{slug}/s3/"' in page  # reverse() inside the request stays in the session
    assert 'href="/static/css/console.css"' in page  # static files never do
    assert get_script_prefix() == "/" and reverse("console:s3_buckets") == "/s3/"


def test_middleware_strips_only_a_well_formed_prefix() -> None:
    seen = {}

    def view(request):
        seen.update(path_info=request.path_info, path=request.path, slug=request.url_space_slug)
        seen["reversed"] = reverse("console:home")

    middleware = url_space.UrlSpaceMiddleware(view)
    rf = RequestFactory()
    middleware(rf.get("/r/abcdefghij/s3/buckets/x/"))
    assert seen == {
        "path_info": "/s3/buckets/x/",
        "path": "/r/abcdefghij/s3/buckets/x/",
        "slug": "abcdefghij",
        "reversed": "/r/abcdefghij/",
    }
    for path in ("/r/ABCDEFGHIJ/s3/", "/r/short/s3/", "/r/abcdefghijk/s3/", "/rr/abcdefghij/"):
        middleware(rf.get(path))
        assert seen["path_info"] == path and seen["slug"] is None
    assert get_script_prefix() == "/"


def test_copy_link_can_include_the_page_the_person_is_on(alice_in_role: Client, settings) -> None:
    page = alice_in_role.get(alice_in_role.prefix + LANDING).content.decode()
    plain = html.unescape(re.search(r'data-plain-link="([^"]*)"', page).group(1))
    with_page = html.unescape(re.search(r'data-page-link="([^"]*)"', page).group(1))
    assert "redirect_uri" not in plain
    assert with_page == plain + "&redirect_uri=%2Fs3%2Fbuckets%2Fproductionapp%2F%3Fprefix%3Dconfig%2F"
    assert 'data-link-page="role-link"' in page  # the "Open this page after switching" checkbox
    # A page that is not one to land on (the Switch Role form) offers only the plain link.
    assert "data-page-link" not in alice_in_role.get(alice_in_role.prefix + "/switchrole").content.decode()


def test_admin_emails_a_link_that_opens_a_chosen_page(demo_world, smtp_server, settings) -> None:
    from accounts.models import Role

    admin = Client()
    sign_in(admin, "admin")
    role = Role.objects.get(name="ViewAPP")
    url = f"/admin/accounts/role/{role.pk}/email-link/"
    fields = {"users": [], "groups": [], "addresses": "carol@example.com", "display_name": "", "color": ""}
    bad = admin.post(url, {**fields, "redirect_uri": "https://evil.example/"})
    assert bad.status_code == 200 and "Enter a page of this console as a path" in bad.content.decode()
    assert smtp_server.messages == []
    assert admin.post(url, {**fields, "redirect_uri": LANDING}).status_code == 302
    body = smtp_server.messages[0].get_body(("plain",)).get_content()
    assert "&redirect_uri=%2Fs3%2Fbuckets%2Fproductionapp%2F%3Fprefix%3Dconfig%2F" in body


def test_send_switch_link_command_takes_a_page(demo_world, smtp_server) -> None:
    from django.core.management import CommandError, call_command

    arn = "arn:aws:iam::123456789012:role/ViewAPP"
    with pytest.raises(CommandError, match="is not a page of this console"):
        call_command("send_switch_link", "--role", arn, "--to", "bob", "--redirect-uri", "//evil.example/")
    call_command("send_switch_link", "--role", arn, "--to", "bob", "--redirect-uri", "/s3/")
    assert "&redirect_uri=%2Fs3%2F" in smtp_server.messages[0].get_body(("plain",)).get_content()
