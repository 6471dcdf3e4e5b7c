"""Switch Role links (console/links.py) at their edges: the 64-character display name, colours,
landing pages, role paths, and links rebuilt from a role session. Roles come from the factories
of tests/helpers.py; no demo world, no emulator."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from console import links
from console.models import RoleSession
from tests.helpers import make_account, make_role, make_user

BASE = "https://console.example"


@pytest.fixture(autouse=True)
def base_url(settings) -> None:
    settings.CONSOLE_BASE_URL = BASE


def query(link: str) -> dict[str, str]:
    parts = urlsplit(link)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == BASE + reverse("console:switchrole")
    return {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}


def test_a_plain_link_has_the_account_and_role_only() -> None:
    assert (
        links.switch_link("123456789012", "UpdateAPP") == f"{BASE}/switchrole?account=123456789012&roleName=UpdateAPP"
    )


def test_a_full_link_in_the_aws_consoles_parameter_order() -> None:
    link = links.switch_link("example-prod", "team/App", "Prod app", "f2b0a9", "/s3/")
    assert link == (
        f"{BASE}/switchrole?account=example-prod&roleName=team%2FApp&displayName=Prod+app&color=F2B0A9&redirect_uri=%2Fs3%2F"
    )


@pytest.mark.parametrize(
    ("display_name", "expected"),
    [
        ("x" * 63, "x" * 63),
        ("x" * 64, "x" * 64),  # exactly the limit: kept whole
        ("x" * 65, "x" * 64),  # one past: cut
        ("y" * 63 + " z", "y" * 63),  # cut after a space: the space goes too
        ("  padded  ", "padded"),
    ],
    ids=["63", "64", "65", "cut-at-space", "padded"],
)
def test_display_names_are_trimmed_to_64_characters(display_name: str, expected: str) -> None:
    assert query(links.switch_link("1", "R", display_name))["displayName"] == expected


def test_no_display_name_no_colour_and_no_landing_page_leave_no_parameter() -> None:
    assert set(query(links.switch_link("1", "R", "", "", ""))) == {"account", "roleName"}


@pytest.mark.parametrize(
    ("color", "kept"), [("F2B0A9", "F2B0A9"), ("#83d4e8", "83D4E8"), ("FF0000", None), ("red", None)]
)
def test_only_the_five_console_colours_are_kept(color: str, kept: str | None) -> None:
    assert query(links.switch_link("1", "R", color=color)).get("color") == kept


@pytest.mark.parametrize(
    ("landing", "kept"),
    [
        ("/s3/buckets/app/?prefix=config/", "/s3/buckets/app/?prefix=config/"),
        ("https://evil.example/", None),
        ("//evil.example/", None),
        ("/%2F%2Fevil.example", None),
    ],
)
def test_only_console_pages_are_kept_as_landing_pages(landing: str, kept: str | None) -> None:
    assert query(links.switch_link("1", "R", redirect_uri=landing)).get("redirect_uri") == kept


@pytest.mark.parametrize(
    ("path", "name", "expected"),
    [("/", "App", "App"), ("/team/", "App", "team/App"), ("/a/b/", "App", "a/b/App"), ("", "App", "App")],
)
def test_role_name_with_path(path: str, name: str, expected: str) -> None:
    assert links.role_name_with_path(path, name) == expected


@pytest.mark.django_db
@pytest.mark.no_emulator
class TestFromRows:
    def test_a_role_link_uses_the_alias_and_the_roles_own_name_and_colour(self) -> None:
        account = make_account("210987654321", alias="links-prod")
        role = make_role("App", account=account, path="/team/", display_name="Team app", color="B7CA9D")
        assert query(links.for_role(role)) == {
            "account": "links-prod",
            "roleName": "team/App",
            "displayName": "Team app",
            "color": "B7CA9D",
        }

    def test_a_role_link_without_alias_uses_the_account_id_and_explicit_values_win(self) -> None:
        role = make_role("App", account=make_account("210987654322"), display_name="Team app", color="B7CA9D")
        assert query(links.for_role(role, display_name="", color="")) == {"account": "210987654322", "roleName": "App"}
        assert query(links.for_role(role, "Mine", "83D4E8", "/s3/")) == {
            "account": "210987654322",
            "roleName": "App",
            "displayName": "Mine",
            "color": "83D4E8",
            "redirect_uri": "/s3/",
        }

    def _session(self, role, role_arn: str) -> RoleSession:
        return RoleSession.objects.create(
            user=make_user(),
            role=role,
            role_arn=role_arn,
            account_id="210987654323",
            display_name="Stay",
            color="EFDA95",
            expiration=datetime(2026, 1, 1, tzinfo=UTC),
        )

    @pytest.mark.parametrize(
        ("role_arn", "role_name"),
        [
            ("arn:aws:iam::210987654323:role/App", "App"),
            ("arn:aws:iam::210987654323:role/team/App", "team/App"),
            ("arn:aws:iam::210987654323:role/a/b/App", "a/b/App"),
            ("arn:aws:iam::210987654323:role/x:role/App", "x:role/App"),  # IAM paths may hold ':'
        ],
    )
    def test_a_session_link_rebuilds_the_role_name_from_its_arn(self, role_arn: str, role_name: str) -> None:
        session = self._session(None, role_arn)  # the role was deleted since
        assert query(links.for_session(session)) == {
            "account": "210987654323",
            "roleName": role_name,
            "displayName": "Stay",
            "color": "EFDA95",
        }

    def test_a_session_link_names_the_account_by_its_alias_while_the_role_exists(self) -> None:
        role = make_role("App", account=make_account("210987654324", alias="links-alias"))
        session = self._session(role, "arn:aws:iam::210987654324:role/App")
        assert query(links.for_session(session, "/s3/"))["account"] == "links-alias"
        assert query(links.for_session(session, "/s3/"))["redirect_uri"] == "/s3/"
        bare = make_role("Bare", account=make_account("210987654325"))
        assert query(links.for_session(self._session(bare, bare.arn)))["account"] == "210987654325"

    def test_the_switch_form_link_is_on_this_site(self) -> None:
        session = self._session(None, "arn:aws:iam::210987654323:role/team/App")
        assert links.switch_form_for_session(session) == (
            reverse("console:switchrole") + "?account=210987654323&roleName=team%2FApp&displayName=Stay&color=EFDA95"
        )
