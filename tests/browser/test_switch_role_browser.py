"""The seed scenario as a person does it, in headless Chromium."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD

LINK = "/switchrole?account=example-prod&roleName=UpdateAPP&displayName=Production%20app&color=B7CA9D"


def test_signin_switch_by_link_list_upload_download_switch_back(page: Page, tmp_path) -> None:
    base = page.base_url
    # A prefilled link opened while signed out: sign in first, then land on the prefilled form.
    page.goto(base + LINK)
    expect(page).to_have_url(
        base
        + "/signin?next="
        + LINK.replace("?", "%3F").replace("&", "%26").replace("=", "%3D").replace("%20", "%2520")
    )
    page.get_by_label("Account ID or alias").fill("example-dev")
    page.get_by_label("IAM username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_label("Account ID or alias")).to_have_value("example-prod")
    expect(page.get_by_label("IAM role name")).to_have_value("UpdateAPP")
    expect(page.get_by_label("Display name")).to_have_value("Production app")
    expect(page.get_by_label("Green")).to_be_checked()
    expect(page.get_by_test_id("identity")).to_have_text("alice @ example-dev (111122223333)")
    page.get_by_role("button", name="Switch Role").click()

    # Inside the role: the navbar shows the display name on the role's colour.
    identity = page.get_by_test_id("identity")
    expect(identity.get_by_test_id("role-name")).to_have_text("Production app")
    expect(identity).to_contain_text("123456789012")
    expect(identity).to_have_css("background-color", "rgb(183, 202, 157)")
    expect(page).to_have_url(re.compile(re.escape(base) + r"/r/[a-z0-9]{10}/s3/$"))
    page.get_by_role("link", name="productionapp").click()
    expect(page.get_by_test_id("objects")).to_contain_text("config/")
    page.get_by_role("link", name="config/").click()
    expect(page.get_by_test_id("objects")).to_contain_text("app.json")

    # Upload into the current prefix.
    upload = tmp_path / "browser-upload.txt"
    upload.write_bytes(b"uploaded from chromium\n")
    page.get_by_label("File").set_input_files(str(upload))
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("status").first).to_contain_text("Uploaded config/browser-upload.txt")
    row = page.get_by_role("row").filter(has_text="browser-upload.txt")
    expect(row).to_be_visible()

    # Download it back through the console.
    with page.expect_download() as download_info:
        row.get_by_role("link", name="Download").click()
    download = download_info.value
    assert download.suggested_filename == "browser-upload.txt"
    assert download.path().read_bytes() == b"uploaded from chromium\n"

    # Delete with confirmation, then switch back.
    row.get_by_role("link", name="Delete").click()
    page.get_by_role("button", name="Delete").click()
    expect(page.get_by_test_id("objects")).not_to_contain_text("browser-upload.txt")

    identity.click()
    page.get_by_role("button", name="Switch back").click()
    expect(page.get_by_test_id("identity")).to_have_text("alice @ example-dev (111122223333)")
    expect(page.get_by_role("status").first).to_contain_text("back to your own identity")


def test_bob_sees_why_he_cannot_switch(page: Page) -> None:
    base = page.base_url
    page.goto(base + "/signin")
    page.get_by_label("Account ID or alias").fill("111122223333")
    page.get_by_label("IAM username").fill("bob")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_test_id("identity").click()
    page.get_by_role("group").get_by_role("link", name="Switch role").click()  # the navbar menu
    page.get_by_label("Account ID or alias").fill("123456789012")
    page.get_by_label("IAM role name").fill("UpdateAPP")
    page.get_by_role("button", name="Switch Role").click()
    expect(page.get_by_test_id("refusal")).to_contain_text(
        "Your groups' policies do not allow sts:AssumeRole on arn:aws:iam::123456789012:role/UpdateAPP"
    )
    expect(page.get_by_test_id("identity")).to_have_text("bob @ example-dev (111122223333)")
