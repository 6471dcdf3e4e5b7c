"""In a read-only role, the S3 page says what the role cannot do before S3 is asked."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD

VIEWAPP_LINK = "/switchrole?account=example-prod&roleName=ViewAPP&displayName=Production%20(read-only)&color=83D4E8"


def test_in_viewapp_upload_and_delete_are_disabled_with_the_reason(page: Page) -> None:
    base = page.base_url
    page.goto(base + "/signin")
    page.get_by_label("Account ID or alias").fill("example-dev")
    page.get_by_label("IAM username").fill("bob")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(base + VIEWAPP_LINK)
    page.get_by_role("button", name="Switch Role").click()
    identity = page.get_by_test_id("identity")
    expect(identity.get_by_test_id("role-name")).to_have_text("Production (read-only)")
    expect(identity).to_have_css("background-color", "rgb(131, 212, 232)")

    # ViewAPP may not list all buckets; the page offers the one its policy names.
    page.get_by_role("link", name="productionapp").click()
    page.get_by_role("link", name="config/").click()
    expect(page.get_by_test_id("objects")).to_contain_text("app.json")

    upload = page.get_by_role("button", name="Upload")
    expect(upload).to_be_disabled()
    expect(page.get_by_label("File")).to_be_disabled()
    reason = "ViewAPP's permissions policy does not allow s3:PutObject on arn:aws:s3:::productionapp/config/*."
    expect(page.get_by_test_id("upload-refused")).to_have_text(reason)
    expect(upload).to_have_accessible_description(reason)

    row = page.get_by_role("row").filter(has_text="app.json")
    delete = row.get_by_role("button", name="Delete")
    expect(delete).to_be_disabled()
    expect(delete).to_have_attribute(
        "title",
        "ViewAPP's permissions policy does not allow s3:DeleteObject on arn:aws:s3:::productionapp/config/app.json.",
    )
    expect(page.get_by_test_id("delete-refused")).to_contain_text(
        "ViewAPP's permissions policy does not allow s3:DeleteObject on arn:aws:s3:::productionapp/config/*."
    )
    # Reading stays possible.
    with page.expect_download() as download_info:
        row.get_by_role("link", name="Download").click()
    assert download_info.value.suggested_filename == "app.json"
