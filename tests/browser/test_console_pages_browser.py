"""The navbar and the Switch Role page as a person uses them, mouse and keyboard, at 1280 and
390 px: the role chip, Switch back, the user menu, the colour tiles, the link box, role history."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD

LONG_NAME = "Production application for the quarterly finance reporting team"


def sign_in(page: Page, username: str = "alice") -> None:
    page.goto(page.base_url + "/signin")
    page.get_by_label("Account ID or alias").fill("example-dev")
    page.get_by_label("IAM username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def box(page: Page, selector: str) -> dict:
    return page.locator(selector).first.bounding_box()


def test_role_chip_shows_the_account_ends_long_names_in_an_ellipsis_and_switch_back_is_one_click(page: Page) -> None:
    sign_in(page)
    page.goto(
        f"{page.base_url}/switchrole?account=example-prod&roleName=UpdateAPP&color=EFDA95&displayName={LONG_NAME}"
    )
    page.get_by_role("button", name="Switch Role").click()
    chip = page.get_by_test_id("identity")
    name = chip.get_by_test_id("role-name")
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 800})
        expect(chip.get_by_test_id("role-account")).to_be_visible()
        expect(chip.get_by_test_id("role-account")).to_have_text("in account 123456789012")  # "in account" for AT
        expect(name).to_have_text(LONG_NAME)
        # Cut with an ellipsis, not wrapped, not pushing the bar wider than the window.
        assert name.evaluate("el => el.scrollWidth > el.clientWidth")
        expect(name).to_have_css("text-overflow", "ellipsis")
        switch_back = page.get_by_test_id("switch-back").get_by_role("button", name="Switch back")
        expect(switch_back).to_be_visible()
        assert switch_back.bounding_box()["x"] + switch_back.bounding_box()["width"] <= width
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    # One click, no menu to open first.
    expect(page.locator("#identity-menu")).to_be_hidden()
    switch_back.click()
    expect(page.get_by_test_id("identity")).to_have_text("alice @ example-dev (111122223333)")
    expect(page.get_by_role("status").first).to_contain_text("back to your own identity")
    expect(page.get_by_test_id("switch-back")).to_have_count(0)  # nothing to switch back from


def test_user_menu_opens_closes_and_works_from_the_keyboard(page: Page) -> None:
    sign_in(page)
    for role, display in (("UpdateAPP", "First"), ("ViewAPP", "Second")):  # two role history entries
        page.goto(page.base_url + f"/switchrole?account=example-prod&roleName={role}&displayName={display}")
        page.get_by_role("button", name="Switch Role").click()
    page.goto(page.base_url + "/")
    summary = page.get_by_test_id("identity")
    menu = page.locator("#identity-menu")
    expect(summary).to_have_attribute("aria-expanded", "false")
    expect(summary).to_have_attribute("aria-controls", "identity-menu")

    # Mouse: opens on the button, closes on a click anywhere else.
    summary.click()
    expect(summary).to_have_attribute("aria-expanded", "true")
    expect(menu).to_be_visible()
    # Role history entries sit as close together as the other menu items (no form margins).
    entries = menu.get_by_test_id("role-history").get_by_role("button")
    first, second = entries.nth(0).bounding_box(), entries.nth(1).bounding_box()
    assert second["y"] - (first["y"] + first["height"]) < 4 and first["height"] < 40
    page.get_by_role("heading", name="Welcome, alice").click()
    expect(menu).to_be_hidden()
    expect(summary).to_have_attribute("aria-expanded", "false")

    # Keyboard: Enter opens, the arrow keys move through the items, Escape closes and returns focus.
    summary.focus()
    page.keyboard.press("Enter")
    expect(summary).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("ArrowDown")
    expect(menu.get_by_role("link", name="Second")).to_be_focused()  # the first role session
    page.keyboard.press("ArrowUp")
    expect(menu.get_by_role("button", name="Sign out")).to_be_focused()  # wraps round to the last
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    expect(summary).to_be_focused()
    expect(summary).to_have_attribute("aria-expanded", "false")
    # Tabbing out of the open menu closes it too.
    page.keyboard.press("Enter")
    menu.get_by_role("button", name="Sign out").focus()
    page.keyboard.press("Tab")
    expect(menu).to_be_hidden()
    # And it signs out from the keyboard alone.
    summary.focus()
    page.keyboard.press("Enter")
    menu.get_by_role("button", name="Sign out").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").first).to_have_text("You are signed out. Sign in again to continue.")


def test_switch_role_form_colour_tiles_link_box_and_history_columns(page: Page) -> None:
    sign_in(page)
    page.goto(page.base_url + "/switchrole")
    # An empty form offers no link; it appears once the form names an account and a role.
    link = page.get_by_label("Link", exact=True)
    expect(link).to_be_hidden()
    page.get_by_label("Account ID or alias").fill("example-prod")
    expect(link).to_be_hidden()
    page.get_by_label("IAM role name").fill("UpdateAPP")
    expect(link).to_be_visible()
    expect(link).to_have_value("http://127.0.0.1:8000/switchrole?account=example-prod&roleName=UpdateAPP")
    page.get_by_label("IAM role name").fill("")
    expect(link).to_be_hidden()
    page.get_by_label("IAM role name").fill("UpdateAPP")

    # The link box is as tall as its Copy link button.
    field, button = box(page, "#switch-link"), box(page, "[data-copy=switch-link]")
    assert abs(field["height"] - button["height"]) <= 1 and abs(field["y"] - button["y"]) <= 1

    # Colour: six tiles on one row at both widths; each is a radio without a visible radio circle.
    radios = page.get_by_role("radio")
    expect(radios).to_have_count(6)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 800})
        tiles = [page.locator("label.swatch").nth(i).bounding_box() for i in range(6)]
        assert len({round(t["y"]) for t in tiles}) == 1, tiles
        assert tiles[-1]["x"] + tiles[-1]["width"] <= width
        for i in range(6):
            expect(radios.nth(i)).to_have_css("opacity", "0")
    page.get_by_text("Blue", exact=True).click()
    expect(page.get_by_label("Blue")).to_be_checked()
    expect(link).to_have_value("http://127.0.0.1:8000/switchrole?account=example-prod&roleName=UpdateAPP&color=83D4E8")
    # The keyboard moves between colours as between any radio buttons, with a visible focus ring.
    page.get_by_label("Red").focus()
    page.keyboard.press("ArrowRight")
    expect(page.get_by_label("Orange")).to_be_checked()
    expect(page.locator("label.swatch.color-FBC8AA")).to_have_css("outline-style", "solid")

    # Role history: the columns say what they hold; alias and ID of one role are one entry.
    page.get_by_label("Display name").fill("By alias")
    page.get_by_role("button", name="Switch Role").click()
    page.goto(page.base_url + "/switchrole?account=123456789012&roleName=UpdateAPP&displayName=By%20ID")
    page.get_by_role("button", name="Switch Role").click()
    page.goto(page.base_url + "/switchrole")
    history = page.get_by_test_id("history-table")
    expect(history.get_by_role("columnheader")).to_have_text(["Display name", "Account", "Role", "Actions"])
    expect(history.locator("tbody tr")).to_have_count(1)
    expect(history.locator("tbody tr")).to_contain_text("By ID")
    expect(history.locator("tbody tr")).to_contain_text("example-prod 123456789012")
