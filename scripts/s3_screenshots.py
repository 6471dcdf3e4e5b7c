"""Screenshots of every S3 page, each at 1280 and 390 px wide, from a running demo.

Usage: with `make demo` running (DEMO_PASSWORD set), run
    .venv/bin/python scripts/s3_screenshots.py [base-url] [password] [out-dir]
Files are named <width>-<nn>-<page>.png (default out-dir test-artifacts/s3-screens). Everything the
script needs is made through the console itself, as alice in UpdateAPP (folders, uploads), and
removed again at the end; bob shows the read-only ViewAPP.
"""

import re
import sys
from pathlib import Path

import shots
from playwright.sync_api import FilePayload, Page, expect, sync_playwright

base = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
password = sys.argv[2] if len(sys.argv) > 2 else "demo-password"
out = Path(sys.argv[3] if len(sys.argv) > 3 else "test-artifacts/s3-screens")
shot = shots.Camera(out).shot
BUCKET = "/s3/buckets/productionapp/"


def sign_in(page: Page, user: str) -> None:
    shots.sign_in(page, base, user, password)


def switch(page: Page, query: str) -> str:
    page.goto(base + "/switchrole?" + query)
    page.get_by_role("button", name="Switch Role").click()
    found = re.match(r"^(https?://[^/]+/r/[a-z0-9]+)/", page.url)
    if found is None:
        raise RuntimeError(f"not in a role session: {page.url}")
    return found.group(1)


def create_folders(page: Page, space: str, prefix: str, names: list[str]) -> None:
    page.goto(f"{space}/s3/buckets/productionapp/folder?prefix={prefix}")
    token = page.locator("input[name=csrfmiddlewaretoken]").first.get_attribute("value") or ""
    for name in names:
        page.request.post(
            f"{space}/s3/buckets/productionapp/folder?prefix={prefix}",
            form={"name": name, "csrfmiddlewaretoken": token},
            headers={"Referer": page.url},
        )


with sync_playwright() as p:
    browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    sign_in(page, "alice")
    space = switch(page, "account=example-prod&roleName=UpdateAPP&displayName=Production%20app&color=F2B0A9")
    shot(page, "s3-buckets")
    page.goto(space + BUCKET)
    shot(page, "s3-bucket-root")
    page.goto(space + BUCKET + "?prefix=config/")
    page.get_by_label("Select app.json").check()
    page.get_by_label("Select limits.json").check()
    shot(page, "s3-folder-two-selected")
    page.get_by_test_id("delete-selected").click()
    shot(page, "s3-delete-selection-confirm")
    page.get_by_label("To confirm deletion, type permanently delete in the field.").fill("delete")
    page.get_by_role("button", name="Delete").click()
    shot(page, "s3-delete-selection-wrong-text")
    page.goto(space + BUCKET + "?prefix=config/&search=app")
    shot(page, "s3-search")
    page.goto(space + BUCKET + "?prefix=config/&search=nothing-like-this")
    shot(page, "s3-search-empty")
    page.goto(space + BUCKET + "?prefix=config/&versions=1")
    shot(page, "s3-versions")
    page.goto(space + BUCKET + "?prefix=releases/&sort=modified&order=desc")
    shot(page, "s3-sorted")
    page.goto(space + "/s3/buckets/productionapp/object?key=config/app.json")
    shot(page, "s3-object-details")
    page.goto(space + "/s3/buckets/productionapp/folder?prefix=releases/")
    shot(page, "s3-create-folder")
    page.get_by_label("Folder name").fill("a/b")
    page.get_by_role("button", name="Create folder").click()
    shot(page, "s3-create-folder-error")
    create_folders(page, space, "screens-paging/", [f"folder-{i:03d}" for i in range(105)])
    page.goto(space + BUCKET + "?prefix=screens-paging/")
    shot(page, "s3-page-1")
    page.get_by_role("link", name="Next").click()
    shot(page, "s3-page-2")
    page.goto(space + BUCKET + "?prefix=screens-upload/&keep-panel")
    shot(page, "s3-empty-folder")
    files: list[FilePayload] = [
        {"name": "report-2026-q3.csv", "mimeType": "text/csv", "buffer": b"month,revenue\n" * 40000},
        {"name": "a-rather-long-file-name-for-the-phone-layout.json", "mimeType": "text/plain", "buffer": b"{}"},
    ]
    page.locator("#id_file").set_input_files(files)
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.get_by_test_id("upload-summary")).to_be_visible(timeout=60_000)
    shot(page, "s3-upload-summary")
    page.goto(space + BUCKET)
    page.get_by_label("Select folder screens-paging/").check()
    page.get_by_test_id("delete-selected").click()
    shot(page, "s3-delete-folder-confirm")
    page.get_by_label("To confirm deletion, type permanently delete in the field.").fill("permanently delete")
    page.get_by_role("button", name="Delete").click()
    shot(page, "s3-after-delete")
    page.goto(space + BUCKET)
    page.get_by_label("Select folder screens-upload/").check()
    page.get_by_test_id("delete-selected").click()
    page.get_by_label("To confirm deletion, type permanently delete in the field.").fill("permanently delete")
    page.get_by_role("button", name="Delete").click()
    page.goto(space + "/s3/buckets/finance-reports/")
    shot(page, "s3-403")

    viewer = browser.new_page(viewport={"width": 1280, "height": 800})
    sign_in(viewer, "bob")
    space = switch(viewer, "account=example-prod&roleName=ViewAPP&displayName=Production%20(read-only)&color=83D4E8")
    shot(viewer, "s3-viewapp-buckets")
    viewer.goto(space + BUCKET + "?prefix=config/")
    shot(viewer, "s3-viewapp-folder")
    viewer.goto(space + "/s3/buckets/productionapp/object?key=config/app.json")
    shot(viewer, "s3-viewapp-details")
    browser.close()
print(f"screenshots in {out}")
