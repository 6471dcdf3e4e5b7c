"""What the screenshot scripts share (no Django here): each page at 1280 and 390 px wide, numbered
in the order taken (<width>-<nn>-<name>.png), and signing in through the sign-in form."""

from __future__ import annotations

import itertools
from pathlib import Path

from playwright.sync_api import Page

WIDTHS = (1280, 390)


class Camera:
    def __init__(self, out: Path) -> None:
        self.out = out
        out.mkdir(parents=True, exist_ok=True)
        self._numbers = itertools.count(1)

    def shot(self, page: Page, name: str) -> None:
        """The page at both widths (an open menu stays open), then back to the wide one."""
        number = next(self._numbers)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 800})
            page.wait_for_timeout(150)  # the layout settles after the resize
            page.screenshot(path=str(self.out / f"{width}-{number:02d}-{name}.png"), full_page=True)
        page.set_viewport_size({"width": WIDTHS[0], "height": 800})


def sign_in(page: Page, base: str, user: str, password: str, account: str = "example-dev") -> None:
    page.goto(base + "/signin")
    page.get_by_label("Account ID or alias").fill(account)
    page.get_by_label("IAM username").fill(user)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
