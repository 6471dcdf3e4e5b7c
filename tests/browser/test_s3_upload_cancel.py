"""Cancel in the upload panel while a large file is on its way over a slow network, in Chromium:
the parts already in S3 are discarded (no object, no multipart upload left pending). The
server's side alone, with a raw socket: tests/console/test_s3_browser.py."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from accounts.models import User
from console.emulator import world
from tests.browser.s3_session import role_credentials, sign_in_and_switch
from tests.helpers import allow, role_s3

pytestmark = pytest.mark.browser
MIB = 1024 * 1024


def _in_s3_tester(page: Page) -> None:
    """S3Tester (tests/conftest.py) is UpdateAPP that may also list multipart uploads."""
    role = f"arn:aws:iam::{world.PROD_ACCOUNT}:role/S3Tester"
    alice = User.objects.get(username="alice")
    alice.inline_policies.create(name="S3Tester", document=json.dumps(allow("sts:AssumeRole", role)))
    sign_in_and_switch(page, "S3Tester", "Tester")


def _s3():
    return role_s3(role_credentials())


def _pending(s3, prefix: str) -> list[str]:
    uploads = s3.list_multipart_uploads(Bucket="productionapp", Prefix=prefix).get("Uploads", [])
    return [u["Key"] for u in uploads]


def _until(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


def test_cancel_midway_discards_the_parts_already_in_s3(page: Page, tmp_path: Path) -> None:
    _in_s3_tester(page)
    page.goto(page.base_url + "/s3/buckets/productionapp/?prefix=slow/&keep-panel")
    big = tmp_path / "big.bin"
    big.write_bytes(b"\0" * (24 * MIB))
    network = page.context.new_cdp_session(page)
    network.send("Network.enable")
    network.send(  # 3 MiB/s up: the first 8 MiB part reaches S3 while the rest is still coming
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": 3 * MIB},
    )
    page.locator("#id_file").set_input_files(str(big))
    page.get_by_role("button", name="Upload", exact=True).click()
    s3 = _s3()
    assert _until(lambda: _pending(s3, "slow/") == ["slow/big.bin"], 20), "no part reached S3"
    item = page.get_by_test_id("upload-item")
    item.get_by_role("button", name="Cancel big.bin").click()
    expect(item).to_contain_text("Cancelled")
    assert _until(lambda: _pending(s3, "slow/") == [], 20), _pending(s3, "slow/")
    assert s3.list_objects_v2(Bucket="productionapp", Prefix="slow/")["KeyCount"] == 0
