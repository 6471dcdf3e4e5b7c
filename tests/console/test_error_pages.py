"""Error pages in the console's layout, and the favicon (issue 14)."""

from __future__ import annotations

import pytest
from django.contrib.staticfiles import finders
from django.template import loader
from django.test import Client
from pytest_django.asserts import assertContains

from tests.conftest import sign_in
from tests.pages import page_text

LAYOUT = '<a class="brand" href="/">'  # the console's navbar brand


def test_unknown_urls_get_the_consoles_404_page(db) -> None:
    response = Client().get("/no/such/page")
    assertContains(response, "Page not found", status_code=404)
    assertContains(response, LAYOUT, status_code=404)
    assertContains(response, "The console has no page at <code>/no/such/page</code>.", status_code=404)
    assert "The requested resource was not found on this server." not in page_text(response)


def test_admin_404_uses_the_same_page(alice_client: Client, demo_world) -> None:
    admin = Client()
    sign_in(admin, "admin")
    assertContains(admin.get("/admin/no/such/page/"), LAYOUT, status_code=404)


@pytest.mark.urls("tests.console.error_urls")
def test_500_page_in_the_consoles_layout(db) -> None:
    response = Client(raise_request_exception=False).get("/boom/")
    assertContains(response, "Something went wrong", status_code=500)
    assertContains(response, LAYOUT, status_code=500)
    assert "a bug" not in page_text(response)  # nothing of the error reaches the page


def test_500_page_renders_without_a_request_or_the_database() -> None:
    # No `db` fixture: any database query here fails the test. Django renders 500.html with an
    # empty context and no request, as here.
    html = loader.get_template("500.html").render({})
    assert "Something went wrong" in html and LAYOUT in html and "/static/favicon.svg" in html


@pytest.mark.urls("tests.console.error_urls")
def test_403_page(alice_client: Client) -> None:
    response = alice_client.get("/forbidden/")
    assertContains(response, "Access denied", status_code=403)
    assertContains(response, LAYOUT, status_code=403)
    assert "alice @ example-dev" in page_text(response)  # the navbar knows who is signed in


def test_400_page_for_a_bad_host(db) -> None:
    response = Client().get("/", HTTP_HOST="evil.example")
    assertContains(response, "Bad request", status_code=400)
    assertContains(response, LAYOUT, status_code=400)


def test_csrf_failure_page(db) -> None:
    response = Client(enforce_csrf_checks=True).post("/signin", {"account": "x"})
    assertContains(response, "The form expired", status_code=403)
    assertContains(response, LAYOUT, status_code=403)


def test_favicon_is_served_from_static_and_linked(db) -> None:
    response = Client().get("/favicon.ico")
    assert response.status_code == 302 and response["Location"] == "/static/favicon.svg"
    assert finders.find("favicon.svg")
    assert (
        '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in Client().get("/signin").content.decode()
    )
