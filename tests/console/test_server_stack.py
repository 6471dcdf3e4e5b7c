"""The production stack (gunicorn + WhiteNoise, console/gunicorn.conf.py) as a real process:
static files with far-future caching, and downloads through it."""

from __future__ import annotations

import hashlib
import re

import pytest

from tests.conftest import SWITCH_TO_UPDATEAPP
from tests.servers import Browser

pytestmark = pytest.mark.integration


def test_static_files_are_hashed_compressed_and_cached_for_a_year(console_server) -> None:
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


def test_range_head_and_304_through_the_server(console_server) -> None:
    server = console_server()
    browser = Browser(server.url)
    assert browser.sign_in("alice").status_code == 302
    switched = browser.post("/switchrole", SWITCH_TO_UPDATEAPP)
    assert switched.status_code == 302
    tab = switched.headers["Location"].removesuffix("/s3/")  # the role session's URL space
    body = b"0123456789 served through gunicorn\n"  # its own object: other tests change the demo's
    upload = browser.post(tab + "/s3/buckets/productionapp/upload?prefix=stack/", files={"file": ("range.txt", body)})
    assert upload.status_code == 302
    url = tab + "/s3/buckets/productionapp/download?key=stack/range.txt"

    whole = browser.get(url)
    assert whole.status_code == 200 and whole.content == body
    part = browser.get(url, headers={"Range": "bytes=1-5"})
    assert (part.status_code, part.headers["Content-Range"], part.content) == (206, f"bytes 1-5/{len(body)}", body[1:6])
    head = browser.http.head(server.url + url, allow_redirects=False, timeout=30)
    assert head.status_code == 200 and head.headers["Content-Length"] == str(len(body)) and head.content == b""
    again = browser.get(url, headers={"If-None-Match": whole.headers["ETag"]})
    assert again.status_code == 304 and again.content == b""
