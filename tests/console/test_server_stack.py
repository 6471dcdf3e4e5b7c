"""The production stack (gunicorn + WhiteNoise, console/gunicorn.conf.py) as a real process:
static files with far-future caching, and downloads through it."""

from __future__ import annotations

import hashlib
import re

import pytest

from tests.servers import Browser

pytestmark = pytest.mark.integration


def test_static_files_are_hashed_compressed_and_cached_for_a_year(console_server) -> None:  # noqa: ANN001
    server = console_server()
    browser = Browser(server.url)
    page = browser.get("/signin")
    assert page.headers["Server"].startswith("gunicorn")
    css = re.search(r'href="(/static/css/console\.([0-9a-f]{12})\.css)"', page.text)
    assert css, "pages link the content-hashed name under the absolute /static/"

    hashed = browser.get(css.group(1), headers={"Accept-Encoding": "gzip"})
    assert hashed.status_code == 200
    assert hashed.headers["Content-Type"].startswith("text/css")
    assert hashed.headers["Content-Encoding"] == "gzip"  # pre-compressed by collectstatic
    assert hashed.headers["Cache-Control"] == "max-age=315360000, public, immutable"
    # The name's hash is the content's: a changed file gets a new name, so caching forever is safe.
    assert hashlib.md5(hashed.content).hexdigest()[:12] == css.group(2)

    plain = browser.get("/static/css/console.css")
    assert plain.status_code == 200 and "immutable" not in plain.headers["Cache-Control"]
    assert browser.get("/static/css/missing.css").status_code == 404
