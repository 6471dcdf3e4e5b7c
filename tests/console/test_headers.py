"""Security headers: no-store on every signed-in HTML page, a CSP on every HTML page, and no
inline script, handler or style attribute for that policy to forbid."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.conftest import sign_in

PAGES = ["/", "/switchrole", "/security/", "/password", "/s3/", "/s3/buckets/productionapp/"]
INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=|\sstyle\s*=|<style", re.I)


def _policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.strip() for part in header.split(";") if part.strip()}


def _assert_csp(response) -> None:
    policy = _policy(response)
    assert policy["script-src"] == "script-src 'self'"
    assert policy["style-src"] == "style-src 'self'"
    assert policy["frame-ancestors"] == "frame-ancestors 'none'"
    assert policy["object-src"] == "object-src 'none'"


@pytest.mark.parametrize("path", PAGES)
def test_signed_in_pages_are_not_stored_and_carry_the_policy(alice_in_role: Client, path: str) -> None:
    response = alice_in_role.get(alice_in_role.prefix + path)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    _assert_csp(response)
    assert INLINE.findall(response.content.decode()) == []


def test_admin_pages_carry_the_policy_and_have_no_inline_handlers(demo_world) -> None:
    from accounts.models import Role

    admin = Client()
    sign_in(admin, "admin")
    role = Role.objects.get(name="UpdateAPP")
    for path in ("/admin/", f"/admin/accounts/role/{role.pk}/change/", "/admin/accounts/role/access-matrix/"):
        response = admin.get(path)
        assert response.status_code == 200 and "no-store" in response["Cache-Control"]
        _assert_csp(response)
        html = response.content.decode()
        assert not re.search(r"\son[a-z]+\s*=|<style", html, re.I), path
    assert (
        'data-confirm="End every console session'
        in admin.get(f"/admin/accounts/role/{role.pk}/change/").content.decode()
    )


def test_signed_out_pages_carry_the_policy(demo_world) -> None:
    response = Client().get("/signin")
    _assert_csp(response)
    assert INLINE.findall(response.content.decode()) == []


def test_downloads_keep_their_own_stricter_policy(alice_in_role: Client) -> None:
    download = alice_in_role.get(
        alice_in_role.prefix + "/s3/buckets/productionapp/download", {"key": "config/app.json"}
    )
    assert download["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert download["Cache-Control"] == "private, no-store"
