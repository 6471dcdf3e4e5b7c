"""Screenshots of the main pages, for looking at the UI after a change.

Usage: with `make demo` running (DEMO_PASSWORD set), run
    .venv/bin/python scripts/screenshots.py [base-url] [password] [out-dir]
"""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

base = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
password = sys.argv[2] if len(sys.argv) > 2 else "demo-password"
out = Path(sys.argv[3] if len(sys.argv) > 3 else "test-artifacts/screens")
out.mkdir(parents=True, exist_ok=True)

with sync_playwright() as p:
    browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
    page = browser.new_page(viewport={"width": 1280, "height": 800})

    def shot(name: str) -> None:
        page.screenshot(path=str(out / f"{name}.png"), full_page=True)

    def sign_in(user: str) -> None:
        page.goto(base + "/signin")
        page.get_by_label("Account ID or alias").fill("example-dev")
        page.get_by_label("IAM username").fill(user)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()

    page.goto(base + "/signin")
    page.get_by_label("Account ID or alias").fill("example-dev")
    page.get_by_label("IAM username").fill("alice")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    shot("01-signin-error")
    sign_in("alice")
    shot("02-home")
    page.goto(base + "/switchrole?account=example-prod&roleName=UpdateAPP&displayName=Production%20app&color=F2B0A9")
    shot("03-switchrole-prefilled")
    page.get_by_role("button", name="Switch Role").click()
    shot("04-s3-buckets")
    page.goto(base + "/s3/buckets/productionapp/?prefix=releases/")
    shot("05-bucket")
    page.get_by_test_id("identity").click()
    shot("06-menu-in-role")
    page.goto(base + "/s3/buckets/finance-reports/")
    shot("07-403")
    page.goto(base + "/s3/buckets/productionapp/delete?key=config/app.json")
    shot("08-delete-confirm")
    # A second role session from the catalogue: the menu lists both; then the limit page.
    page.goto(base + "/")
    page.get_by_role("button", name="Switch to Production (read-only)", exact=True).click()
    page.get_by_test_id("identity").click()
    shot("10-menu-two-sessions")
    for i in range(4):
        page.goto(base + f"/switchrole?account=example-prod&roleName=ViewAPP&displayName=Extra%20{i}")
        page.get_by_role("button", name="Switch Role").click()
    shot("11-session-limit")
    page.context.clear_cookies()
    sign_in("bob")
    page.goto(base + "/switchrole?account=example-prod&roleName=UpdateAPP")
    page.get_by_role("button", name="Switch Role").click()
    shot("09-refused")
    browser.close()
print(f"screenshots in {out}")
