"""The S3 browser a person would rather use than the AWS console's (issue 12): prefix search,
Previous/Next, Create folder, details, selection delete, folders, versions, several uploads,
cancel. Against the moto server with IAM authorization on, as the role's own credentials."""

from __future__ import annotations

import json
import re
import socket
import time
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.models import User
from console import aws, s3_paging, switching
from console.aws import s3 as aws_s3
from console.emulator import world
from console.models import AuditEvent, RoleSession
from tests.conftest import SWITCH_TO_UPDATEAPP, switch
from tests.helpers import allow, deny, role_s3
from tests.pages import page_text

pytestmark = pytest.mark.integration
BUCKET_URL = "/s3/buckets/productionapp/"


def _creds() -> aws.TemporaryCredentials:
    return switching.credentials(RoleSession.objects.get(ended_at=None))


def _s3(creds: aws.TemporaryCredentials | None = None):
    return role_s3(creds or _creds())


def _clean(prefix: str, bucket: str = "productionapp") -> None:
    """Remove every version and delete marker under `prefix` (productionapp is versioned)."""
    s3 = _s3()
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=prefix):
        items = [{"Key": v["Key"], "VersionId": v["VersionId"]} for v in page.get("Versions", [])]
        items += [{"Key": m["Key"], "VersionId": m["VersionId"]} for m in page.get("DeleteMarkers", [])]
        if items:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": items})


def _names(html: str) -> list[str]:
    """The Name column: the text of each row's name cell."""
    cells = re.findall(r'<td data-label="Name" class="name">(.*?)</td>', html, flags=re.S)
    return [page_text(c).split(" ")[0] for c in cells]


def _get(client: Client, **params):
    return client.get(client.prefix + BUCKET_URL, params)


# --- Browsing --------------------------------------------------------------------------------


def test_find_objects_by_prefix_asks_s3_not_the_page(alice_in_role: Client, monkeypatch) -> None:
    s3 = _s3()
    for key in ("find/alpha-1.txt", "find/alpha-2.txt", "find/beta-1.txt", "find/alpine/readme.md"):
        s3.put_object(Bucket="productionapp", Key=key, Body=b"x")
    calls = []
    real = aws.list_objects

    def spy(*args, **kwargs):
        calls.append(args[2])
        return real(*args, **kwargs)

    monkeypatch.setattr(aws, "list_objects", spy)
    try:
        html = _get(alice_in_role, prefix="find/", search="alp").content.decode()
        assert calls == ["find/alp"]  # the prefix went to S3
        assert _names(html) == ["alpine/", "alpha-1.txt", "alpha-2.txt"]
        assert 'name="search" id="id_search" value="alp"' in html
        assert "Keys starting with" in page_text(html) and "Clear search" in html
        none = _get(alice_in_role, prefix="find/", search="zzz")
        assert "No keys in this folder start with “zzz”." in page_text(none)
        bad = _get(alice_in_role, prefix="find/", search="x\x07")
        assert bad.status_code == 400 and "cannot contain control characters (it contains U+0007)" in page_text(bad)
        long = _get(alice_in_role, prefix="find/", search="x" * 1020)
        assert long.status_code == 400 and "at most 1,024 bytes" in page_text(long)
    finally:
        _clean("find/")


def test_folders_that_other_tools_wrote_open_like_any_other(alice_in_role: Client) -> None:
    """S3 holds what other tools wrote: "." and ".." folders, a leading "/". The console refuses
    to write such keys, but lists and opens them."""
    s3 = _s3()
    for key in ("odd/../escape.txt", "odd/./here.txt", "odd//empty-name.txt"):
        s3.put_object(Bucket="productionapp", Key=key, Body=b"x")
    try:
        assert _names(_get(alice_in_role, prefix="odd/").content.decode()) == ["../", "./", "/"]  # S3 order
        for folder, name in (("odd/../", "escape.txt"), ("odd/./", "here.txt"), ("odd//", "empty-name.txt")):
            page = _get(alice_in_role, prefix=folder)
            assert page.status_code == 200 and _names(page.content.decode()) == [name], folder
        found = _get(alice_in_role, prefix="odd/", search="../esc")
        assert found.status_code == 200 and _names(found.content.decode()) == ["../escape.txt"]
        # Each breadcrumb opens its own folder, the empty-named one included.
        html = _get(alice_in_role, prefix="odd//").content.decode()
        crumbs = re.findall(r'href="[^"]*/s3/buckets/productionapp/\?prefix=([^"]*)">([^<]*)</a>', html)
        assert crumbs == [("odd%2F", "odd"), ("odd%2F%2F", "(empty name)")]
        # They open, but the console writes no such keys: Upload and Create folder say why.
        text = page_text(_get(alice_in_role, prefix="odd/../"))
        assert 'Nothing can be uploaded or created here: A folder path cannot have "." or ".."' in text
    finally:
        _clean("odd/")


def test_previous_and_next_keep_tokens_on_the_server(alice_in_role: Client) -> None:
    s3 = _s3()
    keys = [f"paging/{i:04d}.txt" for i in range(205)]
    for key in keys:
        s3.put_object(Bucket="productionapp", Key=key, Body=b"")
    try:
        first = _get(alice_in_role, prefix="paging/").content.decode()
        assert _names(first) == [k.split("/")[1] for k in keys[:100]]
        assert "token" not in first.lower().replace("csrfmiddlewaretoken", "").replace("csrf_token", "")
        next_url = re.search(r'<a class="btn" href="\?([^"]+)" rel="next"', first).group(1)
        assert next_url == "prefix=paging%2F&amp;page=2"
        assert 'rel="prev"' not in first
        second = alice_in_role.get(alice_in_role.prefix + BUCKET_URL + "?prefix=paging%2F&page=2").content.decode()
        assert _names(second) == [k.split("/")[1] for k in keys[100:200]]
        assert 'href="?prefix=paging%2F" rel="prev"' in second
        assert "Page 2 · up to 100 per page" in page_text(second)  # page=2 in the URL is the page called 2
        third = alice_in_role.get(alice_in_role.prefix + BUCKET_URL + "?prefix=paging%2F&page=3").content.decode()
        assert _names(third) == [k.split("/")[1] for k in keys[200:]] and 'rel="next"' not in third
        back = alice_in_role.get(alice_in_role.prefix + BUCKET_URL + "?prefix=paging%2F&page=2").content.decode()
        assert _names(back) == _names(second)
        # The tokens are in the browser's session, one small stack per listing.
        stacks = alice_in_role.session[s3_paging.SESSION_KEY]
        assert [len(s) for s in stacks.values()] == [3]
        # A page the session does not know (a bookmark, another browser) starts at the first.
        fresh = alice_in_role.get(alice_in_role.prefix + BUCKET_URL + "?prefix=paging%2F&page=9").content.decode()
        assert _names(fresh) == _names(first)
        # Sorting is within the page, and paging keeps it.
        by_name_desc = _get(alice_in_role, prefix="paging/", sort="name", order="desc").content.decode()
        assert _names(by_name_desc) == [k.split("/")[1] for k in reversed(keys[:100])]
        assert 'aria-sort="descending"' in by_name_desc
        assert 'href="?prefix=paging%2F&amp;page=2&amp;sort=name&amp;order=desc" rel="next"' in by_name_desc
    finally:
        _clean("paging/")


def test_page_size_is_100_and_never_a_full_listing(alice_in_role: Client, monkeypatch) -> None:
    sizes = []
    real = aws.list_objects

    def spy(*args, **kwargs):
        sizes.append(args[4] if len(args) > 4 else kwargs.get("page_size"))
        return real(*args, **kwargs)

    monkeypatch.setattr(aws, "list_objects", spy)
    _get(alice_in_role)
    assert sizes == [100]


def test_columns_sort_and_show_time_zone(alice_in_role: Client) -> None:
    html = _get(alice_in_role, prefix="config/", sort="size").content.decode()
    assert _names(html) == ["limits.json", "app.json"]  # 22 bytes, then 62
    text = page_text(html)
    for header in ("Name", "Type", "Size", "Last modified", "Storage class"):
        assert f">{header}</a></th>" in html, header
    assert '<th class="num"><a class="sort"' in html or '<th class="num" aria-sort' in html
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", text)
    assert "STANDARD" in text and " json " in text


def test_create_folder_as_a_zero_byte_object(alice_in_role: Client) -> None:
    url = alice_in_role.prefix + "/s3/buckets/productionapp/folder?prefix=releases/"
    form = alice_in_role.get(url)
    assert form.status_code == 200 and "Folder name" in page_text(form)
    try:
        made = alice_in_role.post(url, {"name": "v2.0.0"})
        assert made.status_code == 302 and made.url.endswith("?prefix=releases%2F")
        head = _s3().head_object(Bucket="productionapp", Key="releases/v2.0.0/")
        assert head["ContentLength"] == 0
        listing = alice_in_role.get(made.url).content.decode()
        assert "Created folder v2.0.0." in page_text(listing)
        assert "v2.0.0/" in _names(listing)
        inside = _get(alice_in_role, prefix="releases/v2.0.0/")
        assert "This folder is empty." in page_text(inside)  # its own zero-byte object is not listed
        assert AuditEvent.objects.filter(kind="s3_put", detail="arn:aws:s3:::productionapp/releases/v2.0.0/").exists()
        for name, message in (
            ("", "Enter a folder name."),
            ("a/b", 'A folder name cannot contain "/".'),
            ("..", 'A folder cannot be named "." or "..".'),
            ("bad\x07bell", "cannot contain control characters (it contains U+0007)"),
            ("x" * 1100, "is at most 1,024 bytes in UTF-8"),
        ):
            refused = alice_in_role.post(url, {"name": name})
            assert refused.status_code == 400 and message in page_text(refused), name
    finally:
        _clean("releases/v2.0.0/")


def test_create_folder_leaves_an_existing_one_alone(alice_in_role: Client) -> None:
    """Creating a folder that is there already says so, and writes nothing (the bucket is
    versioned: an overwrite would add a version)."""
    url = alice_in_role.prefix + "/s3/buckets/productionapp/folder?prefix=again/"
    try:
        assert alice_in_role.post(url, {"name": "twice"}).status_code == 302
        again = alice_in_role.post(url, {"name": "twice"})
        assert again.status_code == 400
        assert "A folder named twice already exists here." in page_text(again)
        versions = _s3().list_object_versions(Bucket="productionapp", Prefix="again/twice/")["Versions"]
        assert len(versions) == 1
        puts = AuditEvent.objects.filter(kind="s3_put", detail__startswith="arn:aws:s3:::productionapp/again/")
        assert puts.latest("time").outcome == "failed"
        # Objects under a name, without a folder object: the folder object can still be made.
        _s3().put_object(Bucket="productionapp", Key="again/implied/file.txt", Body=b"x")
        assert alice_in_role.post(url, {"name": "implied"}).status_code == 302
    finally:
        _clean("again/")


def test_a_missing_object_is_not_found_not_refused(alice_in_role: Client) -> None:
    page = alice_in_role.get(alice_in_role.prefix + "/s3/buckets/productionapp/object", {"key": "config/nope.txt"})
    text = page_text(page)
    assert page.status_code == 404
    assert "There is nothing at arn:aws:s3:::productionapp/config/nope.txt (s3:GetObject)" in text
    assert "may not perform" not in text


def test_object_details(alice_in_role: Client) -> None:
    _s3().put_object(
        Bucket="productionapp",
        Key="details/report.csv",
        Body=b"a,b\n1,2\n",
        ContentType="text/csv",
        Metadata={"owner": "alice"},
    )
    try:
        listing = _get(alice_in_role, prefix="details/").content.decode()
        link = f'href="{alice_in_role.prefix}/s3/buckets/productionapp/object?key=details%2Freport.csv"'
        assert link in listing
        page = alice_in_role.get(
            alice_in_role.prefix + "/s3/buckets/productionapp/object", {"key": "details/report.csv"}
        )
        text = page_text(page)
        html = page.content.decode()
        assert 'value="s3://productionapp/details/report.csv"' in html and "Copy S3 URI" in text
        assert "S3 URI s3://productionapp/details/report.csv" in text  # shown, not only in the copy field
        assert 'value="arn:aws:s3:::productionapp/details/report.csv"' in html and "Copy ARN" in text
        assert "(8 bytes)" not in text  # the exact count is shown only when the size is rounded
        for expected in ("8 bytes", "text/csv", "STANDARD", "x-amz-meta-owner alice", "UTC"):
            assert expected in text, expected
        etag = _s3().head_object(Bucket="productionapp", Key="details/report.csv")["ETag"]
        assert etag in html.replace("&quot;", '"')
        assert ">Download</a>" in html and ">Delete</a>" in html
        missing = alice_in_role.get(alice_in_role.prefix + "/s3/buckets/productionapp/object", {"key": "details/no"})
        assert missing.status_code == 404
    finally:
        _clean("details/")


# --- Delete ----------------------------------------------------------------------------------


def test_delete_a_selection_with_the_typed_confirmation(alice_in_role: Client) -> None:
    s3 = _s3()
    for key in ("sel/a.txt", "sel/b.txt", "sel/keep.txt"):
        s3.put_object(Bucket="productionapp", Key=key, Body=b"x")
    url = alice_in_role.prefix + "/s3/buckets/productionapp/delete"
    try:
        selection = {"prefix": "sel/", "keys": ["sel/a.txt", "sel/b.txt"]}
        confirm = alice_in_role.post(url, selection)
        assert confirm.status_code == 200
        text = page_text(confirm)
        assert "Delete objects?" in text and "2 objects in productionapp" in text
        assert "sel/a.txt" in text and "sel/b.txt" in text and "type permanently delete" in text
        wrong = alice_in_role.post(url, {**selection, "confirmation": "delete"})
        assert wrong.status_code == 400 and "To confirm, type “permanently delete”" in page_text(wrong)
        assert len(aws.list_objects(_creds(), "productionapp", "sel/").objects) == 3
        done = alice_in_role.post(url, {**selection, "confirmation": "permanently delete"})
        assert done.status_code == 302 and done.url.endswith("?prefix=sel%2F")
        assert [o.key for o in aws.list_objects(_creds(), "productionapp", "sel/").objects] == ["sel/keep.txt"]
        assert "Deleted 2 objects (2 as delete markers)." in page_text(alice_in_role.get(done.url))
        event = AuditEvent.objects.filter(kind="s3_delete").latest("time")
        assert event.outcome == "succeeded" and "sel/a.txt" in event.detail and "2 deleted, 0 failed" in event.detail
        nothing = alice_in_role.post(url, {"prefix": "sel/"}, follow=True)
        assert "Select the objects or folders to delete first." in page_text(nothing)
    finally:
        _clean("sel/")


def test_one_delete_objects_call_per_thousand_keys(alice_in_role: Client, monkeypatch) -> None:
    batches = []

    class FakeClient:
        def delete_objects(self, Bucket, Delete):  # noqa: N803
            batches.append(len(Delete["Objects"]))
            return {"Deleted": [{"Key": o["Key"]} for o in Delete["Objects"]]}

    monkeypatch.setattr(aws_s3, "_with", lambda creds, service="s3": FakeClient())
    result = aws.delete_objects(_creds(), "productionapp", [(f"k{i}", None) for i in range(2500)])
    assert batches == [1000, 1000, 500] and len(result.deleted) == 2500


BUCKET = "issue12-refusals"  # S3Tester may do anything in issue12-* buckets


def test_multi_delete_reports_a_refused_key(alice_client: Client) -> None:
    """A bucket policy denies deleting under locked/: S3 refuses that key only, the rest go."""
    prefix = _as_s3_tester(alice_client)
    s3 = _s3()
    s3.create_bucket(Bucket=BUCKET)
    keys = ["open/a.txt", "locked/contract.pdf", "open/b.txt"]
    try:
        for key in keys:
            s3.put_object(Bucket=BUCKET, Key=key, Body=b"x")
        policy = deny("s3:DeleteObject", f"arn:aws:s3:::{BUCKET}/locked/*", "ProtectLocked")
        s3.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(policy))
        confirm = alice_client.post(prefix + f"/s3/buckets/{BUCKET}/delete", {"keys": keys})
        assert "An explicit Deny in issue12-refusals bucket policy (ProtectLocked)" in page_text(confirm)
        result = alice_client.post(
            prefix + f"/s3/buckets/{BUCKET}/delete", {"keys": keys, "confirmation": "permanently delete"}
        )
        assert result.status_code == 200
        text = page_text(result)
        assert "Deleted 2 Failed 1" in text
        assert "locked/contract.pdf AccessDenied" in text
        remaining = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
        assert remaining == ["locked/contract.pdf"]
        event = AuditEvent.objects.filter(kind="s3_delete").latest("time")
        assert "2 deleted, 1 failed" in event.detail
    finally:
        s3.delete_bucket_policy(Bucket=BUCKET)
        for key in keys:
            s3.delete_object(Bucket=BUCKET, Key=key)
        s3.delete_bucket(Bucket=BUCKET)


def test_deleting_a_folder_deletes_what_is_under_it(alice_in_role: Client, monkeypatch) -> None:
    s3 = _s3()
    keys = ["tree/", "tree/a.txt", "tree/sub/b.txt", "tree/sub/deeper/c.txt", "treehouse.txt"]
    for key in keys:
        s3.put_object(Bucket="productionapp", Key=key, Body=b"")
    url = alice_in_role.prefix + "/s3/buckets/productionapp/delete"
    try:
        listing = _get(alice_in_role).content.decode()
        assert 'name="prefixes" value="tree/"' in listing
        confirm = alice_in_role.post(url, {"prefixes": ["tree/"]})
        assert "0 objects and 1 folder holding 4 objects" in page_text(confirm)
        assert "folder: 4 objects" in page_text(confirm)
        monkeypatch.setattr(aws_s3, "DELETE_BATCH", 2)  # shows the paging without thousands of keys
        pages = []
        real = aws.iter_keys

        def small_pages(creds, bucket, prefix, page_size=1000):
            for keys in real(creds, bucket, prefix, 3):
                pages.append(keys)
                yield keys

        monkeypatch.setattr(aws, "iter_keys", small_pages)
        done = alice_in_role.post(url, {"prefixes": ["tree/"], "confirmation": "permanently delete"})
        assert done.status_code == 302
        assert len(pages) >= 2  # listed and deleted a page at a time
        left = [o["Key"] for o in s3.list_objects_v2(Bucket="productionapp", Prefix="tree").get("Contents", [])]
        assert left == ["treehouse.txt"]
        # Gone from the page too, as in S3: only delete markers are left under tree/ (the
        # emulator's listing is brought in line with S3's, console/emulator/moto_server.py).
        after = _names(alice_in_role.get(done.url).content.decode())
        assert "tree/" not in after and "treehouse.txt" in after
        assert "sub/" not in _names(_get(alice_in_role, prefix="tree/").content.decode())
    finally:
        _clean("tree")


def test_versions_and_delete_markers(alice_in_role: Client) -> None:
    s3 = _s3()
    first = s3.put_object(Bucket="productionapp", Key="ver/doc.txt", Body=b"first")["VersionId"]
    second = s3.put_object(Bucket="productionapp", Key="ver/doc.txt", Body=b"second")["VersionId"]
    url = alice_in_role.prefix + "/s3/buckets/productionapp/delete"
    try:
        plain = _get(alice_in_role, prefix="ver/").content.decode()
        assert 'role="switch" aria-checked="false"' in plain and "Show versions" in plain
        shown = _get(alice_in_role, prefix="ver/", versions="1").content.decode()
        assert 'aria-checked="true"' in shown
        assert shown.count('type="checkbox" name="versions"') == 2
        assert first in shown and second in shown and "current" in page_text(shown)
        # Download the older version.
        old = alice_in_role.get(
            alice_in_role.prefix + "/s3/buckets/productionapp/download", {"key": "ver/doc.txt", "version": first}
        )
        assert b"".join(old.streaming_content) == b"first"
        details = alice_in_role.get(
            alice_in_role.prefix + "/s3/buckets/productionapp/object", {"key": "ver/doc.txt", "version": first}
        )
        assert first in page_text(details) and "5 bytes" in page_text(details)

        # Delete without versions shown: a delete marker, the versions stay.
        done = alice_in_role.post(
            url, {"prefix": "ver/", "keys": ["ver/doc.txt"], "confirmation": "permanently delete"}
        )
        assert done.status_code == 302
        assert aws.list_objects(_creds(), "productionapp", "ver/").objects == []
        shown = _get(alice_in_role, prefix="ver/", versions="1").content.decode()
        assert "Delete marker" in page_text(shown)
        marker = s3.list_object_versions(Bucket="productionapp", Prefix="ver/")["DeleteMarkers"][0]["VersionId"]
        assert f'value="{marker} ver/doc.txt"' in shown

        # A version deleted for good; then the delete marker, and the object is back.
        confirm = alice_in_role.post(
            url, {"prefix": "ver/", "versions_shown": "1", "versions": [f"{first} ver/doc.txt"]}
        )
        assert "Deleting a version or a delete marker cannot be undone." in page_text(confirm)
        gone = alice_in_role.post(
            url,
            {
                "prefix": "ver/",
                "versions_shown": "1",
                "versions": [f"{first} ver/doc.txt"],
                "confirmation": "permanently delete",
            },
        )
        assert gone.status_code == 302 and "versions=1" in gone.url
        assert "Deleted 1 version." in page_text(alice_in_role.get(gone.url))
        ids = [v["VersionId"] for v in s3.list_object_versions(Bucket="productionapp", Prefix="ver/")["Versions"]]
        assert ids == [second]
        alice_in_role.post(
            url, {"prefix": "ver/", "versions": [f"{marker} ver/doc.txt"], "confirmation": "permanently delete"}
        )
        assert [o.key for o in aws.list_objects(_creds(), "productionapp", "ver/").objects] == ["ver/doc.txt"]
        assert AuditEvent.objects.filter(kind="s3_delete", detail__contains=f"(version {first})").exists()
    finally:
        _clean("ver/")


def test_deleting_one_object_in_a_versioned_bucket_says_it_adds_a_delete_marker(alice_in_role: Client) -> None:
    """productionapp has versioning on: the one-object page and its message say what S3 does."""
    _s3().put_object(Bucket="productionapp", Key="marker/doc.txt", Body=b"x")
    url = alice_in_role.prefix + "/s3/buckets/productionapp/delete"
    try:
        confirm = page_text(alice_in_role.get(url, {"key": "marker/doc.txt"}))
        assert "this adds a delete marker to s3://productionapp/marker/doc.txt" in confirm
        assert "permanently" not in confirm
        done = alice_in_role.post(url, {"key": "marker/doc.txt"}, follow=True)
        assert "Deleted marker/doc.txt. S3 added a delete marker: its versions stay" in page_text(done)
        versions = _s3().list_object_versions(Bucket="productionapp", Prefix="marker/")
        assert len(versions["Versions"]) == 1 and len(versions["DeleteMarkers"]) == 1
    finally:
        _clean("marker/")


def test_a_delete_form_sent_again_deletes_nothing_more(alice_in_role: Client) -> None:
    """Back to the confirmation page and sent again (or a second click): in a versioned bucket
    each DeleteObject adds a delete marker, so a resent form is refused, once spent."""
    s3 = _s3()
    for key in ("again-delete/one.txt", "again-delete/two.txt"):
        s3.put_object(Bucket="productionapp", Key=key, Body=b"x")
    url = alice_in_role.prefix + "/s3/buckets/productionapp/delete"

    def token(page) -> str:
        return re.search(r'name="form_token" value="([^"]+)"', page.content.decode()).group(1)

    try:
        one = {"key": "again-delete/one.txt", "prefix": "again-delete/"}
        one["form_token"] = token(alice_in_role.get(url, {"key": one["key"]}))
        assert alice_in_role.post(url, one).status_code == 302
        resent = alice_in_role.post(url, one, follow=True)
        assert "That delete was sent already, or its page is too old: nothing more was deleted." in page_text(resent)
        selection = {"keys": ["again-delete/two.txt"], "prefix": "again-delete/"}
        confirm = alice_in_role.post(url, selection)
        selection |= {"confirmation": "permanently delete", "form_token": token(confirm)}
        assert alice_in_role.post(url, selection).status_code == 302
        assert "nothing more was deleted" in page_text(alice_in_role.post(url, selection, follow=True))
        markers = s3.list_object_versions(Bucket="productionapp", Prefix="again-delete/")["DeleteMarkers"]
        assert sorted(m["Key"] for m in markers) == ["again-delete/one.txt", "again-delete/two.txt"]  # one each
    finally:
        _clean("again-delete/")


def test_viewapp_sees_versions_but_may_not_delete_or_create(bob_client: Client) -> None:
    from tests.console.test_s3_permissions import SWITCH_TO_VIEWAPP

    bob_client.prefix = switch(bob_client, SWITCH_TO_VIEWAPP)
    shown = _get(bob_client, prefix="config/", versions="1").content.decode()
    assert 'aria-checked="true"' in shown and "Download</a>" in shown
    assert "s3:DeleteObjectVersion on arn:aws:s3:::productionapp/config/*" in page_text(shown)
    assert 'type="button" disabled title="ViewAPP&#x27;s permissions policy does not allow s3:PutObject' in shown
    assert 'aria-describedby="upload-refused">Create folder</button>' in shown
    folder = bob_client.get(bob_client.prefix + "/s3/buckets/productionapp/folder?prefix=config/")
    assert 'type="submit" disabled aria-describedby="folder-refused"' in folder.content.decode()
    refused = bob_client.post(bob_client.prefix + "/s3/buckets/productionapp/folder?prefix=config/", {"name": "x"})
    assert refused.status_code == 403 and "s3:PutObject" in page_text(refused)


# --- Uploads ---------------------------------------------------------------------------------


def test_the_upload_panel_sends_the_file_as_the_body(demo_world) -> None:
    """The panel's way: `?prefix=&name=`, the file as the body, the CSRF token in a header,
    checked before anything is read or sent."""
    from tests.conftest import PASSWORD, csrf_token

    client = Client(enforce_csrf_checks=True)
    page = client.get("/signin").content.decode()
    form = {"account": "example-dev", "username": "alice", "password": PASSWORD}
    client.post("/signin", {**form, "csrfmiddlewaretoken": csrf_token(page)})
    switch_form = client.get("/switchrole").content.decode()
    switched = client.post("/switchrole", {**SWITCH_TO_UPDATEAPP, "csrfmiddlewaretoken": csrf_token(switch_form)})
    space = switched.url.removesuffix("/s3/")
    token = csrf_token(client.get(space + BUCKET_URL).content.decode())
    url = space + "/s3/buckets/productionapp/upload?prefix=panel/sub/&name=data.json"
    body = b'{"a": 1}' * 200_000  # 1.6 MB
    try:
        forged = client.post(url, body, content_type="application/json", HTTP_ACCEPT="application/json")
        assert forged.status_code == 403
        assert aws.list_objects(_creds(), "productionapp", "panel/sub/").objects == []
        sent = client.post(
            url, body, content_type="application/json", HTTP_ACCEPT="application/json", HTTP_X_CSRFTOKEN=token
        )
        assert sent.status_code == 201
        assert sent.json() == {
            "key": "panel/sub/data.json",
            "size": len(body),
            "message": f"Uploaded panel/sub/data.json ({len(body):,} bytes).",
        }
        # The panel shows that message itself: none is left in the session for the next page.
        assert "Uploaded panel/sub/data.json" not in page_text(client.get(space + BUCKET_URL + "?prefix=panel/sub/"))
        head = _s3().head_object(Bucket="productionapp", Key="panel/sub/data.json")
        assert head["ContentLength"] == len(body) and head["ContentType"] == "application/json"
        assert AuditEvent.objects.filter(
            kind="s3_put", detail="arn:aws:s3:::productionapp/panel/sub/data.json"
        ).exists()
        for name, message in (
            ("..", 'A file name cannot be "." or "..".'),
            ("a/../b", 'cannot have "." or ".." as a folder name'),
            ("a\x00b", "control characters"),
        ):
            bad = client.post(
                space + "/s3/buckets/productionapp/upload?" + f"prefix=panel/&name={name}",
                b"x",
                content_type="application/octet-stream",
                HTTP_ACCEPT="application/json",
                HTTP_X_CSRFTOKEN=token,
            )
            assert bad.status_code == 400 and message in bad.json()["error"], name
    finally:
        _clean("panel/")


def test_several_files_and_a_folder_upload_one_request_each(alice_in_role: Client) -> None:
    url = alice_in_role.prefix + "/s3/buckets/productionapp/upload"
    try:
        for prefix, name, body in (
            ("multi/", "one.txt", b"1"),
            ("multi/", "two.txt", b"22"),
            ("multi/photos/2026/", "beach.jpg", b"333"),  # a folder's file keeps its relative path
        ):
            response = alice_in_role.post(
                f"{url}?prefix={prefix}", {"file": SimpleUploadedFile(name, body)}, HTTP_ACCEPT="application/json"
            )
            assert response.status_code == 201, response.content
            assert response.json()["key"] == prefix + name and response.json()["size"] == len(body)
        keys = sorted(k for page in aws.iter_keys(_creds(), "productionapp", "multi/") for k in page)
        assert keys == ["multi/one.txt", "multi/photos/2026/beach.jpg", "multi/two.txt"]
        bad = alice_in_role.post(
            f"{url}?prefix=multi/../", {"file": SimpleUploadedFile("x.txt", b"x")}, HTTP_ACCEPT="application/json"
        )
        assert bad.status_code == 400 and 'cannot have "." or ".." as a folder name' in bad.json()["error"]
        denied = alice_in_role.post(
            alice_in_role.prefix + "/s3/buckets/finance-reports/upload",
            {"file": SimpleUploadedFile("x.txt", b"x")},
            HTTP_ACCEPT="application/json",
        )
        assert denied.status_code == 403 and "s3:PutObject" in denied.json()["error"]
    finally:
        _clean("multi/")


def _as_s3_tester(client: Client) -> str:
    """Switch to S3Tester (tests/conftest.py): UpdateAPP, and may list multipart uploads in
    productionapp and do anything in issue12-* buckets."""
    role = f"arn:aws:iam::{world.PROD_ACCOUNT}:role/S3Tester"
    User.objects.get(username="alice").inline_policies.create(
        name="S3Tester", document=json.dumps(allow("sts:AssumeRole", role))
    )
    return switch(client, {**SWITCH_TO_UPDATEAPP, "roleName": "S3Tester"})


@pytest.mark.parametrize("way", ["form", "panel"])
def test_cancel_leaves_no_object_and_no_multipart_upload(alice_client: Client, live_server, monkeypatch, way) -> None:
    """The browser stops sending midway (Cancel): the parts already in S3 are discarded. The
    plain form sends multipart/form-data; the upload panel sends the file as the body."""
    from django.conf import settings as dj_settings

    alice_in_role = alice_client
    alice_in_role.prefix = _as_s3_tester(alice_client)
    aborted = []
    real_abort = aws.StreamingUpload.abort

    def spy(upload) -> None:
        aborted.append(upload.upload_id)
        real_abort(upload)

    listing = alice_in_role.get(alice_in_role.prefix + BUCKET_URL).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', listing).group(1)
    boundary = "----cancelboundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n{token}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    total = len(head) + 20 * 1024 * 1024 + len(f"\r\n--{boundary}--\r\n")
    cookies = "; ".join(f"{k}={v.value}" for k, v in alice_in_role.cookies.items())
    host = urlsplit(live_server.url)
    path = alice_in_role.prefix + "/s3/buckets/productionapp/upload?prefix=cancel/"
    if way == "form":
        headers = f"Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {total}\r\n"
    else:
        path += "&name=big.bin"
        headers = (
            f"Content-Type: application/octet-stream\r\nContent-Length: {20 * 1024 * 1024}\r\nX-CSRFToken: {token}\r\n"
        )
        head = b""
    request = (
        f"POST {path} HTTP/1.1\r\nHost: {host.netloc}\r\nCookie: {cookies}\r\n"
        f"Referer: {live_server.url}/\r\n{headers}Accept: application/json\r\n\r\n"
    ).encode()
    assert dj_settings.AWS_ENDPOINT_URL
    monkeypatch.setattr(aws.StreamingUpload, "abort", spy)
    _send_and_cancel(live_server, host, request + head)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        event = AuditEvent.objects.filter(kind="s3_put", detail__contains="productionapp/cancel/").first()
        if event and event.outcome != "pending":
            break
        time.sleep(0.2)
    assert aborted and aborted[0]  # a multipart upload had started, and was aborted
    s3 = _s3()
    assert s3.list_multipart_uploads(Bucket="productionapp", Prefix="cancel/").get("Uploads", []) == []
    assert s3.list_objects_v2(Bucket="productionapp", Prefix="cancel/").get("KeyCount") == 0
    event = AuditEvent.objects.filter(kind="s3_put", detail__contains="productionapp/cancel/").latest("time")
    assert event.outcome == "failed"


def _send_and_cancel(live_server, host, start: bytes) -> None:
    with socket.create_connection((host.hostname, host.port)) as sock:
        sock.sendall(start + b"x" * (12 * 1024 * 1024))  # one 8 MiB part reaches S3, then Cancel
        time.sleep(1.0)
        sock.shutdown(socket.SHUT_WR)
        sock.settimeout(30)
        try:
            answer = sock.recv(4096)
        except OSError:
            answer = b""
    assert not answer.startswith(b"HTTP/1.1 201")


# --- Sorting within the page, said and reachable without the table's header -------------------


def test_sorting_within_the_page_is_said_when_there_are_more_pages(alice_in_role: Client, monkeypatch) -> None:
    from console.views import s3 as s3_views

    single = _get(alice_in_role, prefix="config/").content.decode()
    assert "Sorted within this page." not in page_text(single)
    monkeypatch.setattr(s3_views, "PAGE_SIZE", 1)
    first = _get(alice_in_role, prefix="config/").content.decode()
    assert 'rel="next"' in first and "Sorted within this page." in page_text(first)
    second = _get(alice_in_role, prefix="config/", page="2").content.decode()
    assert 'rel="prev"' in second and "Sorted within this page." in page_text(second)


def test_sort_links_for_narrow_screens_reuse_the_column_sort(alice_in_role: Client) -> None:
    html = _get(alice_in_role, prefix="config/", sort="size").content.decode()
    nav = re.search(r'<nav class="s3-sort-links"[^>]*aria-label="Sort by column"[^>]*>(.*?)</nav>', html, flags=re.S)
    assert nav, "no Sort by links"
    links = dict((label, href) for href, label in re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', nav.group(1)))
    assert list(links) == ["Name", "Type", "Size", "Last modified", "Storage class"]
    # The same links as the column headers (Size, sorted ascending now, turns descending).
    assert links["Size"] == "?prefix=config%2F&amp;sort=size&amp;order=desc"
    assert f'<a class="sort" href="{links["Size"]}" data-sort-link>Size</a>' in html
    assert 'aria-current="true">Size' in nav.group(1)
