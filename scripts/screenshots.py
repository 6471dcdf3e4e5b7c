"""Screenshots of every console page a person reaches, each at 1280 and 390 px wide.

Usage: with `make demo` running (DEMO_PASSWORD set), from the same checkout, run
    .venv/bin/python scripts/screenshots.py [base-url] [password] [out-dir]
Files are named <width>-<nn>-<page>.png. The MFA pages need alice to have a device: the script
gives her one in the demo's database (as an administrator could) and removes it at the end.
The error pages that cannot be reached on purpose (400, 403, 500) are rendered from their
templates, as Django renders them, and shown at the demo's address so their styles load.
"""

import os
import sys
import time
from pathlib import Path

import django
import pyotp
import shots
from playwright.sync_api import Page, sync_playwright

base = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
password = sys.argv[2] if len(sys.argv) > 2 else "demo-password"
out = Path(sys.argv[3] if len(sys.argv) > 3 else "test-artifacts/screens")

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings")
# The database calls below run between Playwright's (sync) calls, which Django takes for async.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
django.setup()
from django.template import loader  # noqa: E402

from accounts import mfa  # noqa: E402
from accounts.models import User  # noqa: E402

shot = shots.Camera(out).shot


def sign_in(page: Page, user: str, secret: str = password) -> None:
    shots.sign_in(page, base, user, secret)


def open_menu(page: Page) -> None:
    page.get_by_test_id("identity").click()


def switch(page: Page, query: str) -> None:
    page.goto(base + "/switchrole?" + query)
    page.get_by_role("button", name="Switch Role").click()


def give_alice_a_device() -> pyotp.TOTP:
    alice = User.objects.get(username="alice", account__alias="example-dev")
    mfa.deactivate(alice)
    device = mfa.start_enrollment(alice)
    totp = pyotp.TOTP(mfa.secret_of(device))
    step = mfa.current_step()
    assert mfa.activate(device, totp.at((step - 1) * 30), totp.at(step * 30))
    return totp


with sync_playwright() as p:
    browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
    page = browser.new_page(viewport={"width": 1280, "height": 800})

    page.goto(base + "/signin")
    shot(page, "signin")
    sign_in(page, "alice", "wrong")
    shot(page, "signin-error")
    sign_in(page, "alice")
    shot(page, "home")
    open_menu(page)
    shot(page, "menu")
    page.goto(base + "/switchrole")
    shot(page, "switchrole-empty")
    page.goto(base + "/switchrole?account=example-prod&roleName=UpdateAPP&displayName=Production%20app&color=F2B0A9")
    shot(page, "switchrole-prefilled")
    switch(page, "account=999999999999&roleName=UpdateAPP")
    shot(page, "switchrole-unknown-account")
    switch(page, "account=example-prod&roleName=UpdateAPP-MFA")
    shot(page, "switchrole-refused-mfa-missing")
    page.goto(base + "/security/")
    shot(page, "security")
    page.get_by_role("button", name="Assign MFA device").click()
    shot(page, "security-reauth-error")
    page.get_by_label("Current password").fill(password)
    page.get_by_role("button", name="Assign MFA device").click()
    shot(page, "mfa-assign")
    page.goto(base + "/password")
    shot(page, "change-password")
    page.get_by_role("button", name="Set new password").click()
    shot(page, "change-password-errors")
    switch(page, "account=example-prod&roleName=UpdateAPP&displayName=Production%20app&color=F2B0A9")
    shot(page, "s3-buckets")
    page.goto(base + "/s3/buckets/productionapp/?prefix=releases/")
    shot(page, "s3-bucket")
    open_menu(page)
    shot(page, "menu-in-role")
    page.goto(base + "/s3/buckets/finance-reports/")
    shot(page, "s3-403")
    page.goto(base + "/s3/buckets/productionapp/delete?key=config/app.json")
    shot(page, "s3-delete-confirm")
    page.goto(base + "/")
    shot(page, "home-in-role")
    page.get_by_role("button", name="Switch to Production (read-only)", exact=True).click()
    page.goto(base + "/")
    open_menu(page)
    shot(page, "menu-two-sessions")
    long_name = "Production application for the quarterly finance reporting team (EU)"[:64]
    switch(page, "account=example-prod&roleName=ViewAPP&color=EFDA95&displayName=" + long_name.replace(" ", "%20"))
    shot(page, "navbar-long-display-name")
    for i in range(3):
        switch(page, f"account=example-prod&roleName=ViewAPP&displayName=A%20long%20display%20name%20number%20{i}")
    shot(page, "session-limit")

    # MFA: a device given while this browser is signed in without it, then a sign-in with it.
    totp = give_alice_a_device()
    try:
        switch(page, "account=example-prod&roleName=UpdateAPP-MFA")
        shot(page, "switchrole-mfa-step-up")
        other = browser.new_page(viewport={"width": 1280, "height": 800})
        sign_in(other, "alice")
        shot(other, "signin-mfa")
        time.sleep(1)
        other.get_by_label("MFA code").fill(totp.at(int(time.time()) + 30))  # the next code: not used yet
        other.get_by_role("button", name="Sign in").click()
        other.goto(base + "/security/")
        shot(other, "security-with-device")
        if not other.get_by_role("button", name="Create access key").count():  # at the limit: make room
            other.get_by_test_id("access-keys").get_by_role("button", name="Delete").first.click()
        other.get_by_role("button", name="Create access key").click()
        shot(other, "security-new-access-key")
        open_menu(other)
        other.get_by_role("button", name="Sign out").click()
        shot(other, "signed-out")
        other.close()
    finally:
        mfa.deactivate(User.objects.get(username="alice", account__alias="example-dev"))

    page.context.clear_cookies()
    sign_in(page, "bob")
    switch(page, "account=example-prod&roleName=UpdateAPP")
    shot(page, "switchrole-refused")
    page.goto(base + "/no/such/page")
    shot(page, "error-404")
    for code in ("400", "403", "403_csrf", "500"):
        page.goto(base + "/no/such/page")  # an HTML page at the demo address
        page.set_content(loader.get_template(f"{code}.html").render({}))
        shot(page, f"error-{code}")
    browser.close()
print(f"screenshots in {out}")
