"""Downloads are relayed from S3: Range (206 + Content-Range), HEAD, If-None-Match (304)."""

from __future__ import annotations

import pytest
from django.test import Client

from console import aws, switching
from console.models import RoleSession

pytestmark = pytest.mark.integration

URL = "/s3/buckets/productionapp/download"
KEY = "downloads/app.json"
BODY = b'{"feature_flags": {"new_checkout": true}, "version": "1.1.0"}\n'


@pytest.fixture
def alice_in_role(alice_in_role: Client) -> Client:
    """Alice in UpdateAPP, with an object of this module's own (other tests change the demo's)."""
    upload = aws.StreamingUpload(
        switching.credentials(RoleSession.objects.get(ended_at=None)), "productionapp", KEY, "application/json"
    )
    upload.write(BODY)
    upload.complete()
    return alice_in_role


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_a_single_range_is_passed_to_s3(alice_in_role: Client) -> None:
    whole = alice_in_role.get(alice_in_role.prefix + URL, {"key": KEY})
    assert whole.status_code == 200 and _body(whole) == BODY
    assert whole["Accept-Ranges"] == "bytes" and whole["ETag"].startswith('"')

    part = alice_in_role.get(alice_in_role.prefix + URL, {"key": KEY}, HTTP_RANGE="bytes=2-14")
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes 2-14/{len(BODY)}"
    assert part["Content-Length"] == "13" and _body(part) == BODY[2:15]
    assert part["Content-Disposition"] == 'attachment; filename="app.json"'  # still never rendered

    tail = alice_in_role.get(alice_in_role.prefix + URL, {"key": KEY}, HTTP_RANGE="bytes=-6")
    assert tail.status_code == 206 and _body(tail) == BODY[-6:]

    # Several ranges: the whole object (HTTP lets a server ignore Range).
    several = alice_in_role.get(alice_in_role.prefix + URL, {"key": KEY}, HTTP_RANGE="bytes=0-1,4-5")
    assert several.status_code == 200 and _body(several) == BODY

    beyond = alice_in_role.get(alice_in_role.prefix + URL, {"key": KEY}, HTTP_RANGE=f"bytes={len(BODY) + 10}-")
    assert beyond.status_code == 416 and beyond["Content-Range"] == f"bytes */{len(BODY)}"


def test_if_none_match_with_the_etag_is_304(alice_in_role: Client) -> None:
    etag = alice_in_role.get(alice_in_role.prefix + URL, {"key": KEY})["ETag"]
    same = alice_in_role.get(alice_in_role.prefix + URL, {"key": KEY}, HTTP_IF_NONE_MATCH=etag)
    assert same.status_code == 304 and same["ETag"] == etag and same.content == b""
    other = alice_in_role.get(alice_in_role.prefix + URL, {"key": KEY}, HTTP_IF_NONE_MATCH='"not-the-etag"')
    assert other.status_code == 200 and _body(other) == BODY


def test_head_gives_the_headers_of_the_download(alice_in_role: Client) -> None:
    head = alice_in_role.head(alice_in_role.prefix + URL, {"key": KEY})
    assert head.status_code == 200 and head.content == b""
    assert head["Content-Length"] == str(len(BODY))
    assert head["ETag"] == alice_in_role.get(alice_in_role.prefix + URL, {"key": KEY})["ETag"]
    assert head["Content-Disposition"] == 'attachment; filename="app.json"'
    assert alice_in_role.head(alice_in_role.prefix + URL, {"key": "downloads/missing.json"}).status_code == 404
    assert alice_in_role.post(alice_in_role.prefix + URL, {"key": KEY}).status_code == 405
