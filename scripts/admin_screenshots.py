"""Screenshots of every admin page and the error pages, at 1280 and 390 px wide.

Usage: with `make demo` running (DEMO_PASSWORD set), run
    .venv/bin/python scripts/admin_screenshots.py [base-url] [password] [out-dir]
The error pages that cannot be reached on purpose (400, 403, 500) are rendered from their
templates, as Django renders them, and shown at the demo's address so their styles load.
"""

import os
import re
import sys
from pathlib import Path

import django
from playwright.sync_api import sync_playwright

base = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
password = sys.argv[2] if len(sys.argv) > 2 else "demo-password"
out = Path(sys.argv[3] if len(sys.argv) > 3 else "test-artifacts/admin-screens")
out.mkdir(parents=True, exist_ok=True)

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings")
django.setup()
from django.template import loader  # noqa: E402


def admin_pages(page) -> list[tuple[str, str]]:
    """Every admin page an administrator reaches: index, each list, its first object, the tools."""
    page.goto(base + "/admin/")
    lists = sorted(
        {
            a
            for a in page.eval_on_selector_all("#content-main a", "els => els.map(e => e.pathname)")
            if re.fullmatch(r"/admin/\w+/\w+/", a)
        }
    )
    pages = [("admin-index", "/admin/")]
    for url in lists:
        name = url.strip("/").replace("/", "-")
        pages.append((name, url))
        page.goto(base + url)
        first = page.query_selector("#result_list tbody tr th a, #result_list tbody tr td a")
        if first:
            pages.append((name + "-change", first.get_attribute("href")))
        if page.query_selector(".object-tools a.addlink"):
            pages.append((name + "-add", url + "add/"))
    page.goto(base + "/admin/accounts/role/")
    roles = dict(
        page.eval_on_selector_all("#result_list tbody th a", "els => els.map(e => [e.textContent, e.pathname])")
    )
    mfa = roles["UpdateAPP-MFA"].split("/")[-3]
    pages += [
        ("role-who-can-switch", f"/admin/accounts/role/{mfa}/who-can-switch/"),
        ("role-email-link", f"/admin/accounts/role/{mfa}/email-link/"),
        ("role-change-mfa", f"/admin/accounts/role/{mfa}/change/"),
        ("access-matrix", "/admin/accounts/role/access-matrix/"),
        ("policy-simulator", "/admin/accounts/role/simulator/"),
    ]
    return pages


def sign_in(page, user: str, secret: str) -> None:
    page.goto(base + "/signin")
    page.get_by_label("Account ID or alias").fill("example-dev")
    page.get_by_label("IAM username").fill(user)
    page.get_by_label("Password").fill(secret)
    page.get_by_role("button", name="Sign in").click()


def activity(browser) -> None:
    """Something for the audit log and the role sessions list to show."""
    page = browser.new_page()
    sign_in(page, "bob", "wrong-password")
    sign_in(page, "bob", password)
    page.goto(base + "/switchrole?account=example-prod&roleName=UpdateAPP")
    page.get_by_role("button", name="Switch Role").click()
    page.context.clear_cookies()
    sign_in(page, "alice", password)
    page.goto(base + "/switchrole?account=example-prod&roleName=UpdateAPP&displayName=Production&color=F2B0A9")
    page.get_by_role("button", name="Switch Role").click()
    page.close()


with sync_playwright() as p:
    browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
    activity(browser)
    for width in (1280, 390):
        page = browser.new_page(viewport={"width": width, "height": 800})

        def shot(name: str) -> None:
            page.screenshot(path=str(out / f"{width}-{name}.png"), full_page=True)  # noqa: B023

        sign_in(page, "admin", password)
        for name, url in admin_pages(page):
            page.goto(base + url)
            shot(name)
        # Forms with answers: the simulator's results, the email form's errors and warnings.
        page.goto(base + "/admin/accounts/role/simulator/")
        page.locator("#id_user").select_option(label="alice")
        page.get_by_label("Actions").fill("sts:AssumeRole")
        page.get_by_label("Resources").fill(
            "arn:aws:iam::123456789012:role/UpdateAPP\narn:aws:iam::123456789012:role/UpdateAPP-MFA"
        )
        page.get_by_role("button", name="Run simulation").click()
        shot("policy-simulator-results")
        for name, url in admin_pages(page):
            if name == "role-email-link":
                page.goto(base + url)
                page.get_by_label("Other email addresses").fill("not-an-email")
                page.get_by_role("button", name="Send").click()
                shot("role-email-link-errors")
                page.goto(base + url)
                page.get_by_label("bob").check()
                page.get_by_role("button", name="Send").click()
                shot("role-email-link-warning")
        page.goto(base + "/no/such/page")
        shot("error-404")
        page.goto(base + "/admin/no/such/page/")
        shot("error-404-admin")
        for code in ("400", "403", "500"):
            page.goto(base + "/no/such/page")  # an HTML page at the demo address
            page.set_content(loader.get_template(f"{code}.html").render({}))
            shot(f"error-{code}")
        page.close()
    browser.close()
print(f"screenshots in {out}")
