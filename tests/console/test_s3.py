"""The S3 browser with the role's credentials; S3 (the emulator) enforces the role's policy."""

from __future__ import annotations

import base64
import json
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import StreamingHttpResponse
from django.test import Client

from accounts.models import User
from console import aws, switching
from console.models import AuditEvent, RoleSession
from tests.conftest import SWITCH_TO_UPDATEAPP, switch
from tests.helpers import role_s3
from tests.pages import page_text

pytestmark = pytest.mark.integration

FOLDER = '<span class="icon folder" aria-hidden="true"></span>'
FILE = '<span class="icon file" aria-hidden="true"></span>'


def _creds() -> aws.TemporaryCredentials:
    return switching.credentials(RoleSession.objects.get(ended_at=None))


def test_list_denied_offers_the_buckets_the_policy_names(alice_in_role: Client) -> None:
    html = alice_in_role.get(alice_in_role.prefix + "/s3/").content.decode()
    assert 'data-testid="list-denied"' in html
    assert "s3:ListAllMyBuckets" in html
    assert f'href="{alice_in_role.prefix}/s3/buckets/productionapp/"' in html
    assert "finance-reports" not in html
    assert 'name="bucket"' in html  # open-by-name field


def test_role_allowed_to_list_sees_all_buckets(alice_client: Client) -> None:
    # alice may assume any production role for this test.
    User.objects.get(username="alice").inline_policies.create(
        name="Lister",
        document=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "sts:AssumeRole",
                        "Resource": "arn:aws:iam::123456789012:role/BucketLister",
                    }
                ],
            }
        ),
    )
    prefix = switch(alice_client, {**SWITCH_TO_UPDATEAPP, "roleName": "BucketLister"})
    html = alice_client.get(prefix + "/s3/").content.decode()
    assert 'data-testid="list-denied"' not in html
    assert (
        f'href="{prefix}/s3/buckets/productionapp/"' in html and f'href="{prefix}/s3/buckets/finance-reports/"' in html
    )


def test_open_bucket_by_name(alice_in_role: Client) -> None:
    response = alice_in_role.get(alice_in_role.prefix + "/s3/", {"bucket": "productionapp"})
    assert response.status_code == 302 and response.url == alice_in_role.prefix + "/s3/buckets/productionapp/"
    bad = alice_in_role.get(alice_in_role.prefix + "/s3/", {"bucket": "Not_A_Bucket"})
    assert bad.status_code == 200
    assert "A bucket name is 3-63 lowercase letters, digits, dots and hyphens." in bad.content.decode()


def test_folders_and_breadcrumb(alice_in_role: Client) -> None:
    root = alice_in_role.get(alice_in_role.prefix + "/s3/buckets/productionapp/").content.decode()
    assert FOLDER + "config/" in root and FOLDER + "releases/" in root and FILE + "index.html" in root
    nested = alice_in_role.get(
        alice_in_role.prefix + "/s3/buckets/productionapp/", {"prefix": "releases/"}
    ).content.decode()
    assert FOLDER + "v1.0.0/" in nested and FOLDER + "v1.1.0/" in nested
    assert f'href="{alice_in_role.prefix}/s3/buckets/productionapp/?prefix=releases%2F">releases</a>' in nested
    assert FILE + "index.html" not in nested


def test_upload_download_delete_round_trip(alice_in_role: Client) -> None:
    payload = b"release notes\x00\xff binary-safe"
    upload = SimpleUploadedFile("notes.bin", payload, content_type="application/octet-stream")
    response = alice_in_role.post(
        alice_in_role.prefix + "/s3/buckets/productionapp/upload?prefix=releases/", {"file": upload}
    )
    assert (
        response.status_code == 302
        and response.url == alice_in_role.prefix + "/s3/buckets/productionapp/?prefix=releases%2F"
    )
    listing = alice_in_role.get(response.url).content.decode()
    assert FILE + "notes.bin" in listing
    assert AuditEvent.objects.filter(kind="s3_put", detail="arn:aws:s3:::productionapp/releases/notes.bin").exists()

    download = alice_in_role.get(
        alice_in_role.prefix + "/s3/buckets/productionapp/download", {"key": "releases/notes.bin"}
    )
    assert isinstance(download, StreamingHttpResponse)
    assert b"".join(download.streaming_content) == payload
    assert download["Content-Length"] == str(len(payload))
    assert download["Content-Disposition"] == 'attachment; filename="notes.bin"'
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in download["Content-Security-Policy"]

    confirm = alice_in_role.get(
        alice_in_role.prefix + "/s3/buckets/productionapp/delete", {"key": "releases/notes.bin"}
    )
    assert confirm.status_code == 200 and "s3://productionapp/releases/notes.bin" in confirm.content.decode()
    assert "notes.bin" in [o.name for o in aws.list_objects(_creds(), "productionapp", "releases/").objects]

    deleted = alice_in_role.post(
        alice_in_role.prefix + "/s3/buckets/productionapp/delete", {"key": "releases/notes.bin"}
    )
    assert deleted.status_code == 302
    assert "notes.bin" not in [o.name for o in aws.list_objects(_creds(), "productionapp", "releases/").objects]
    assert AuditEvent.objects.filter(kind="s3_delete").exists()


def test_finance_reports_is_refused_with_action_and_resource(alice_in_role: Client) -> None:
    listing = alice_in_role.get(alice_in_role.prefix + "/s3/buckets/finance-reports/")
    assert listing.status_code == 403
    assert "may not perform s3:ListBucket on arn:aws:s3:::finance-reports." in page_text(listing)

    download = alice_in_role.get(
        alice_in_role.prefix + "/s3/buckets/finance-reports/download", {"key": "2026/q1-revenue.csv"}
    )
    assert download.status_code == 403
    assert "may not perform s3:GetObject on arn:aws:s3:::finance-reports/2026/q1-revenue.csv." in page_text(download)

    upload = SimpleUploadedFile("x.txt", b"x")
    put = alice_in_role.post(alice_in_role.prefix + "/s3/buckets/finance-reports/upload", {"file": upload})
    assert put.status_code == 403 and "s3:PutObject" in put.content.decode()

    delete = alice_in_role.post(
        alice_in_role.prefix + "/s3/buckets/finance-reports/delete", {"key": "2026/q1-revenue.csv"}
    )
    assert delete.status_code == 403 and "s3:DeleteObject" in delete.content.decode()


def test_missing_object_is_404_not_500(alice_in_role: Client) -> None:
    response = alice_in_role.get(alice_in_role.prefix + "/s3/buckets/productionapp/download", {"key": "no/such/key"})
    assert response.status_code == 404


def test_hostile_object_key_renders_as_text(alice_in_role: Client) -> None:
    name = '"><img src=x onerror=alert(1)>.txt'
    alice_in_role.post(
        alice_in_role.prefix + "/s3/buckets/productionapp/upload?prefix=xss/", {"file": SimpleUploadedFile(name, b"x")}
    )
    html = alice_in_role.get(alice_in_role.prefix + "/s3/buckets/productionapp/", {"prefix": "xss/"}).content.decode()
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;.txt" in html
    aws.delete_object(_creds(), "productionapp", "xss/" + name)


def test_listing_pages_with_continuation_tokens(alice_in_role: Client) -> None:
    first = aws.list_objects(_creds(), "productionapp", "config/", page_size=1)
    assert len(first.objects) == 1 and first.next_token
    second = aws.list_objects(_creds(), "productionapp", "config/", first.next_token, page_size=1)
    assert {first.objects[0].key, second.objects[0].key} == {"config/app.json", "config/limits.json"}


def test_s3_needs_a_role(alice_client: Client) -> None:
    response = alice_client.get("/s3/buckets/productionapp/", follow=True)
    assert response.redirect_chain[-1][0] == "/switchrole"
    assert "Switch to a role first." in response.content.decode()


def test_s3_needs_sign_in(demo_world) -> None:
    response = Client().get("/s3/")
    assert response.status_code == 302 and response.url.startswith("/signin?next=/s3/")


def test_large_upload_streams_as_multipart_and_round_trips(alice_in_role: Client, monkeypatch) -> None:
    from django.core.files import uploadhandler

    def spooled(*args, **kwargs):
        raise AssertionError("the upload was spooled by Django's default handlers")

    for handler in (uploadhandler.MemoryFileUploadHandler, uploadhandler.TemporaryFileUploadHandler):
        monkeypatch.setattr(handler, "receive_data_chunk", spooled)
    payload = bytes(range(256)) * (70 * 1024)  # 17.5 MiB: two full 8 MiB parts and a short last part
    response = alice_in_role.post(
        alice_in_role.prefix + "/s3/buckets/productionapp/upload?prefix=big/",
        {"file": SimpleUploadedFile("blob.bin", payload)},
    )
    assert response.status_code == 302
    creds = _creds()
    s3 = role_s3(creds)
    assert s3.get_object(Bucket="productionapp", Key="big/blob.bin")["ETag"].endswith('-3"')  # three parts
    # Declared CRC32, each part with its own CRC32, as boto3's upload_file does: S3's checksum of
    # the object is then the CRC32 of the parts' CRC32s (without a declared algorithm, S3 would
    # compute a full-object CRC64NVME over the whole object at completion).
    head = s3.head_object(Bucket="productionapp", Key="big/blob.bin", ChecksumMode="ENABLED")
    assert "ChecksumCRC64NVME" not in head
    assert head["ChecksumCRC32"].split("-")[0] == _composite_crc32(payload, aws.PART_SIZE)  # S3 adds -3, moto not
    download = alice_in_role.get(alice_in_role.prefix + "/s3/buckets/productionapp/download", {"key": "big/blob.bin"})
    assert b"".join(download.streaming_content) == payload
    aws.delete_object(creds, "productionapp", "big/blob.bin")


def _composite_crc32(payload: bytes, part_size: int) -> str:
    """S3's checksum of a CRC32 multipart object: the CRC32 of its parts' CRC32s (base64)."""
    parts = [payload[i : i + part_size] for i in range(0, len(payload), part_size)]
    crcs = b"".join(zlib.crc32(part).to_bytes(4, "big") for part in parts)
    return base64.b64encode(zlib.crc32(crcs).to_bytes(4, "big")).decode()


def test_upload_without_csrf_leaves_nothing_in_s3(demo_world, monkeypatch) -> None:
    from tests.conftest import PASSWORD, csrf_token

    csrf_client = Client(enforce_csrf_checks=True)
    page = csrf_client.get("/signin").content.decode()

    csrf_client.post(
        "/signin",
        {"account": "example-dev", "username": "alice", "password": PASSWORD, "csrfmiddlewaretoken": csrf_token(page)},
    )
    form = csrf_client.get("/switchrole").content.decode()
    switched = csrf_client.post("/switchrole", {**SWITCH_TO_UPDATEAPP, "csrfmiddlewaretoken": csrf_token(form)})
    prefix = switched.url.removesuffix("/s3/")
    aborted = []
    real_abort = aws.StreamingUpload.abort

    def spy_abort(upload) -> None:
        aborted.append(upload._upload_id)
        real_abort(upload)

    monkeypatch.setattr(aws.StreamingUpload, "abort", spy_abort)
    for size in (10, 9 * 1024 * 1024):  # a small file and one big enough to start a multipart upload
        forged = csrf_client.post(
            prefix + "/s3/buckets/productionapp/upload?prefix=forged/",
            {"file": SimpleUploadedFile("x.bin", b"x" * size)},
        )
        assert forged.status_code == 403
    assert aws.list_objects(_creds(), "productionapp", "forged/").objects == []
    assert len(aborted) == 2 and aborted[0] is None and aborted[1]  # the multipart upload was discarded
    listing = csrf_client.get(prefix + "/s3/buckets/productionapp/?prefix=").content.decode()
    ok = csrf_client.post(
        prefix + "/s3/buckets/productionapp/upload?prefix=forged/",
        {"file": SimpleUploadedFile("x.bin", b"ok"), "csrfmiddlewaretoken": csrf_token(listing)},
    )
    assert ok.status_code == 302
    assert [o.key for o in aws.list_objects(_creds(), "productionapp", "forged/").objects] == ["forged/x.bin"]
    aws.delete_object(_creds(), "productionapp", "forged/x.bin")


def test_upload_with_an_unusable_name_is_refused(alice_in_role: Client) -> None:
    response = alice_in_role.post(
        alice_in_role.prefix + "/s3/buckets/productionapp/upload?prefix=" + "p" * 1100 + "/",
        {"file": SimpleUploadedFile("x.txt", b"x")},
        follow=True,
    )
    assert "That file name cannot be an S3 key" in response.content.decode()


def test_invalid_bucket_names_never_reach_a_view(alice_in_role: Client) -> None:
    for url in (
        alice_in_role.prefix + "/s3/buckets/Bad_Bucket/",
        alice_in_role.prefix + "/s3/buckets/a/download?key=x",
        alice_in_role.prefix + "/s3/buckets/UP/delete?key=x",
    ):
        assert alice_in_role.get(url).status_code == 404


def test_several_file_parts_are_refused_never_concatenated(alice_in_role: Client) -> None:
    first = SimpleUploadedFile("a.bin", b"A" * (9 * 1024 * 1024))  # big enough to start a multipart upload
    second = SimpleUploadedFile("b.bin", b"B" * 10)
    response = alice_in_role.post(
        alice_in_role.prefix + "/s3/buckets/productionapp/upload?prefix=multi/", {"file": [first, second]}
    )
    assert response.status_code == 400
    assert "Upload one file at a time" in response.content.decode()
    assert aws.list_objects(_creds(), "productionapp", "multi/").objects == []
    event = AuditEvent.objects.filter(kind="s3_put").latest("time")
    assert event.outcome == "failed"
    assert not AuditEvent.objects.filter(kind="s3_upload_left_behind").exists()  # the demo role may abort
    # Other form fields (and files under other names) are no part of the object.
    extra = SimpleUploadedFile("c.bin", b"C" * 10)
    ok = alice_in_role.post(
        alice_in_role.prefix + "/s3/buckets/productionapp/upload?prefix=multi/",
        {"note": "x" * 100, "other": extra, "file": SimpleUploadedFile("d.bin", b"D" * 10)},
        follow=True,
    )
    assert "Uploaded multi/d.bin (10 bytes)." in ok.content.decode()
    download = alice_in_role.get(alice_in_role.prefix + "/s3/buckets/productionapp/download", {"key": "multi/d.bin"})
    assert b"".join(download.streaming_content) == b"D" * 10
    aws.delete_object(_creds(), "productionapp", "multi/d.bin")


def test_a_refused_abort_is_audited_with_the_upload_id_and_the_page_warns(alice_client: Client) -> None:
    User.objects.get(username="alice").inline_policies.create(
        name="NoAbort",
        document=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "sts:AssumeRole",
                        "Resource": "arn:aws:iam::123456789012:role/NoAbort",
                    }
                ],
            }
        ),
    )
    prefix = switch(alice_client, {**SWITCH_TO_UPDATEAPP, "roleName": "NoAbort"})
    first = SimpleUploadedFile("a.bin", b"A" * (9 * 1024 * 1024))
    response = alice_client.post(
        prefix + "/s3/buckets/productionapp/upload?prefix=left/", {"file": [first, SimpleUploadedFile("b.bin", b"B")]}
    )
    assert response.status_code == 400
    event = AuditEvent.objects.get(kind="s3_upload_left_behind")
    assert "arn:aws:s3:::productionapp/left/a.bin" in event.detail and "AccessDenied" in event.detail
    upload_id = event.detail.split("upload ID ", 1)[1].split(" ", 1)[0]
    assert len(upload_id) > 10
    page = alice_client.get(prefix + "/s3/buckets/productionapp/?prefix=left/").content.decode()
    assert f"Multipart upload {upload_id} of left/a.bin is left in productionapp" in page


def test_uploads_beyond_the_per_process_cap_get_503(alice_in_role: Client, settings) -> None:
    from console import uploads

    settings.MAX_CONCURRENT_UPLOADS = 1
    with uploads.slot():  # another upload is in progress in this process
        busy = alice_in_role.post(
            alice_in_role.prefix + "/s3/buckets/productionapp/upload", {"file": SimpleUploadedFile("x.txt", b"x")}
        )
    assert busy.status_code == 503 and int(busy["Retry-After"]) > 0
    assert "Too many uploads" in busy.content.decode()
    assert aws.list_objects(_creds(), "productionapp", "x.txt").objects == []


def test_bidi_and_invisible_characters_in_keys_are_shown_escaped(alice_in_role: Client) -> None:
    name = "\u202egnp.exe"  # displays as "exe.png" when shown raw; written by another S3 client
    aws.StreamingUpload(_creds(), "productionapp", "bidi/" + name, "application/octet-stream").complete()
    html = alice_in_role.get(alice_in_role.prefix + "/s3/buckets/productionapp/", {"prefix": "bidi/"}).content.decode()
    assert "\u202e" not in html
    assert '<span class="escaped" title="invisible character">\\u202e</span>gnp.exe' in html
    download = alice_in_role.get(alice_in_role.prefix + "/s3/buckets/productionapp/download", {"key": "bidi/" + name})
    assert download["Content-Disposition"] == 'attachment; filename="_gnp.exe"'
    aws.delete_object(_creds(), "productionapp", "bidi/" + name)


def test_credentials_the_backend_rejects_end_the_role_session(alice_in_role: Client) -> None:
    from accounts import crypto

    # What an emulator restart does: the backend no longer knows the role session's key.
    stay = RoleSession.objects.get(ended_at=None)
    creds = switching.credentials(stay)
    stay.sealed_credentials = crypto.seal({**creds.as_dict(), "access_key_id": "ASIAUNKNOWNKEY000000"})
    stay.save()
    response = alice_in_role.get(alice_in_role.prefix + "/s3/buckets/productionapp/")
    assert response.status_code == 302
    assert response.url == "/switchrole?account=example-prod&roleName=UpdateAPP&displayName=Prod&color=F2B0A9"
    stay.refresh_from_db()
    assert stay.ended_at is not None and stay.end_reason == "credentials rejected" and stay.sealed_credentials == ""
    page = alice_in_role.get(response.url).content.decode()
    assert "AWS no longer accepts the credentials of Prod (InvalidAccessKeyId)" in page
    assert 'value="UpdateAPP"' in page  # the form is filled in: one click to switch again
    assert AuditEvent.objects.filter(kind="session_ended", detail__contains="InvalidAccessKeyId").exists()
