"""The emulator's S3 listing fix (console/emulator/moto_server.py), without a server: which
folders S3 lists, and the guard against a moto whose listing changed shape. (Through the S3
pages against the real emulator: tests/console/test_s3_browser.py, deleting a folder.)"""

from __future__ import annotations

import pytest
from moto.s3.models import FakeDeleteMarker, S3Backend

from console.emulator import moto_server


def _marker() -> FakeDeleteMarker:
    return object.__new__(FakeDeleteMarker)  # only its type matters here


def test_a_folder_is_listed_while_anything_under_it_is_not_deleted() -> None:
    keys = {
        "logs/2026/a.txt": object(),  # live
        "logs/2026/b.txt": _marker(),  # deleted, but a.txt keeps logs/2026/ listed
        "logs/old/c.txt": _marker(),  # everything under logs/old/ deleted
        "logs/top.txt": object(),  # an object, not a folder
        "other/d.txt": object(),  # outside the prefix
    }
    assert moto_server.live_folders(keys, "logs/", "/") == {"logs/2026/"}
    assert moto_server.live_folders(keys, "", "/") == {"logs/", "other/"}
    assert moto_server.live_folders({"x/y": _marker()}, "", "/") == set()


def test_the_patch_fits_this_moto_and_refuses_another() -> None:
    moto_server.check_signature(S3Backend.list_objects)  # the installed moto: no error

    def changed(self, bucket, prefix, delimiter, marker, max_keys, encoding_type):
        raise AssertionError("never called")

    with pytest.raises(RuntimeError, match="list_objects now takes"):
        moto_server.check_signature(changed)
