"""The S3 pages' finish, measured in Chromium (acceptance walk of the S3 browser): the Size
header aligned with its numbers, hidden things hidden without script, invisible characters in
the upload panel written out, failed uploads that look failed, long names and keys that stay in
their cell, and sorting and "select all" at a phone's width."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Literal

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from console import aws
from tests.browser import layout
from tests.browser.s3_session import role_credentials, sign_in_and_switch

pytestmark = pytest.mark.browser
BUCKET = "/s3/buckets/productionapp/"
LONG_NAME = "L" * 900 + ".txt"


def _in_updateapp(page: Page) -> None:
    sign_in_and_switch(page)


def _creds() -> aws.TemporaryCredentials:
    return role_credentials()


@pytest.fixture
def nojs_page(browser: Browser, live_server, demo_world) -> Iterator[Page]:
    """A page of a browser with JavaScript turned off."""
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 860})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.base_url = live_server.url
    yield page
    context.close()


@pytest.fixture
def long_key(page: Page) -> Iterator[str]:
    """alice in UpdateAPP, with one object under wide/ whose name is 900 characters without "/"."""
    _in_updateapp(page)
    key = "wide/" + LONG_NAME
    aws.create_folder(_creds(), "productionapp", key)  # a zero-byte object
    yield key
    aws.delete_object(_creds(), "productionapp", key)


def _text_align(page: Page, selector: str) -> str:
    return page.eval_on_selector(selector, "el => getComputedStyle(el).textAlign")


def _right(page: Page, selector: str) -> float:
    return page.eval_on_selector(selector, "el => el.getBoundingClientRect().right")


# --- 1. Size right-aligned, header too -------------------------------------------------------


def test_size_header_is_right_aligned_like_its_numbers(page: Page) -> None:
    _in_updateapp(page)
    for query in ("?prefix=config/", "?prefix=config/&versions=1"):
        page.goto(page.base_url + BUCKET + query)
        assert _text_align(page, "th.num") == "right", query
        assert _text_align(page, "td.num") == "right", query
        # The header's link ends where the sizes end (the cell's padding apart).
        assert abs(_right(page, "th.num a.sort") - _right(page, "td.num")) < 24, query


# --- 2. Without script, what needs script stays hidden ----------------------------------------


def test_without_javascript_the_folder_picker_and_drop_hint_stay_hidden(nojs_page: Page) -> None:
    page = nojs_page
    _in_updateapp(page)
    page.goto(page.base_url + BUCKET + "?prefix=config/")
    expect(page.locator("#id_file")).to_be_visible()
    expect(page.get_by_role("button", name="Upload", exact=True)).to_be_visible()
    expect(page.locator("#id_folder")).to_be_hidden()
    expect(page.get_by_text("Folder", exact=True)).to_be_hidden()
    expect(page.get_by_text("Or drop files and folders anywhere on this page.")).to_be_hidden()
    expect(page.get_by_text("Loading…")).to_be_hidden()


# --- 3 and 4. The upload panel ----------------------------------------------------------------

_DROP = """(names) => {
  const dt = new DataTransfer();
  for (const name of names) dt.items.add(new File(["abc"], name, {type: "text/plain"}));
  return dt;
}"""


def _drop(page: Page, names: list[str]) -> None:
    transfer = page.evaluate_handle(_DROP, names)
    target = page.locator("[data-drop-target]")
    for event in ("dragenter", "dragover", "drop"):
        target.dispatch_event(event, {"dataTransfer": transfer})


def _hold_uploads(page: Page) -> list[Route]:
    """Uploads that never reach the server (held until the test aborts them)."""
    held: list[Route] = []
    page.route("**/upload?*", lambda route: held.append(route))
    return held


def _release(page: Page, held: list[Route]) -> None:
    for route in held:
        route.abort()
    page.unroute_all(behavior="ignoreErrors")


def test_the_panel_writes_out_invisible_characters_in_file_names(page: Page) -> None:
    _in_updateapp(page)
    page.goto(page.base_url + BUCKET + "?prefix=odd/&keep-panel")
    held = _hold_uploads(page)
    _drop(page, ["\u202egnp.exe", "a\x01b.txt", "zero\u200bwidth.txt"])
    names = page.locator("[data-testid=upload-item] .upload-name")
    expect(names).to_have_count(3)
    expect(names.nth(0)).to_have_text("\\u202egnp.exe")
    expect(names.nth(1)).to_have_text("a\\u0001b.txt")
    expect(names.nth(2)).to_have_text("zero\\u200bwidth.txt")
    expect(names.nth(0).locator(".escaped")).to_have_text("\\u202e")
    # Nothing the panel shows or announces carries the raw characters.
    panel = page.locator("[data-upload-panel]")
    html = panel.evaluate("el => el.outerHTML")
    assert "\u202e" not in html and "\x01" not in html and "\u200b" not in html
    expect(page.get_by_role("button", name="Cancel \\u202egnp.exe")).to_be_visible()
    _release(page, held)


def test_a_cancelled_upload_shows_an_empty_bar_and_is_counted_apart(page: Page) -> None:
    _in_updateapp(page)
    page.goto(page.base_url + BUCKET + "?prefix=cancelled/&keep-panel")

    def answer(route: Route) -> None:
        if "name=kept.txt" in route.request.url:
            route.fulfill(status=201, content_type="application/json", body=json.dumps({"key": "cancelled/kept.txt"}))
        else:
            held.append(route)

    held: list[Route] = []
    page.route("**/upload?*", answer)
    _drop(page, ["slow.bin", "kept.txt"])
    # Under way, the bar well along (a held request reports no progress of its own).
    page.get_by_test_id("upload-item").first.locator("progress").evaluate("bar => { bar.value = 90; }")
    page.get_by_role("button", name="Cancel slow.bin").click()
    expect(page.get_by_test_id("upload-summary")).to_have_text("Upload finished: 1 succeeded, 0 failed. (1 cancelled)")
    cancelled = page.get_by_test_id("upload-item").filter(has_text="slow.bin")
    expect(cancelled).to_have_class("upload-item failed")
    expect(cancelled.locator("progress")).to_have_js_property("value", 0)
    _release(page, held)


def test_a_very_long_file_name_keeps_to_one_line_with_the_full_name_in_its_title(page: Page) -> None:
    _in_updateapp(page)
    page.goto(page.base_url + BUCKET + "?prefix=upbad/&keep-panel")
    name = "L" * 1096 + ".txt"  # the server refuses it (over 1,024 bytes), with a long reason
    # The other one (a long folder) is answered here, leaving nothing in the bucket.
    page.route("**/upload?*name=n.txt", lambda route: route.fulfill(status=201, json={}))
    _drop(page, [name, "folder/" + "M" * 300 + "/n.txt"])
    expect(page.get_by_test_id("upload-summary")).to_contain_text("failed.", timeout=30_000)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 860})
        item = page.get_by_test_id("upload-item").first
        box = item.bounding_box()
        label = item.locator(".upload-name")
        expect(label).to_have_attribute("title", name)
        assert label.bounding_box()["height"] < 50, width  # one line, not a tall column
        assert label.bounding_box()["width"] > box["width"] * 0.4, width
        assert layout.sideways_overflow(page, width) == []
    # A long path wraps at its "/" only: each folder is a piece of its own.
    second = page.get_by_test_id("upload-item").nth(1).locator(".upload-name")
    assert second.locator(".seg").all_inner_texts()[0] == "folder/"


# --- 5. A 900-character key stays inside its cell --------------------------------------------


def _row_in_view(page: Page, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 860})
    row = page.locator("tr").filter(has=page.get_by_label("Select " + LONG_NAME))
    for cell in (row.locator("td.num"), row.get_by_role("link", name="Delete")):
        box = cell.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, (width, box)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # The name was not broken mid-word: it scrolls inside its own cell.
    name = row.locator("td.name a")
    assert name.evaluate("el => el.scrollWidth > el.clientWidth + 100")
    # One line, the icon beside the name rather than on a line of its own.
    assert name.bounding_box()["height"] < 30, (width, name.bounding_box())


def test_a_900_character_key_keeps_the_row_and_page_in_view(page: Page, long_key: str) -> None:
    page.goto(page.base_url + BUCKET + "?prefix=wide/")
    _row_in_view(page, 1280)
    # Last modified stays on one line.
    time = page.locator("td[data-label='Last modified'] time").first
    assert time.evaluate("el => el.getClientRects().length") == 1
    assert time.bounding_box()["height"] < 30
    _row_in_view(page, 390)


def test_a_900_character_delete_marker_keeps_the_versions_table_in_view(page: Page, long_key: str) -> None:
    aws.delete_object(_creds(), "productionapp", long_key)  # the key's latest version: a delete marker
    page.goto(page.base_url + BUCKET + "?prefix=wide/&versions=1")
    marker = page.locator("tr.delete-marker td.name .marker-name").first  # (other tests leave markers too)
    expect(marker).to_be_visible()
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 860})
        assert page.evaluate("document.documentElement.scrollWidth") <= width, width
        assert marker.evaluate("el => el.scrollWidth > el.clientWidth + 100")  # scrolls, not broken mid-word
        size = page.locator("tr.delete-marker td.num").first.bounding_box()
        assert size is not None and size["x"] + size["width"] <= width, (width, size)


def test_a_900_character_key_keeps_the_details_page_in_view(page: Page, long_key: str) -> None:
    page.goto(page.base_url + BUCKET + "object?key=" + long_key)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 860})
        assert page.evaluate("document.documentElement.scrollWidth") <= width, width
        for label in ("Copy S3 URI", "Copy ARN", "Download", "Delete"):
            box = page.get_by_role(_role(label), name=label, exact=True).bounding_box()
            assert box is not None and box["x"] + box["width"] <= width, (width, label)
    assert layout.unbreakable_arns(page) == []
    # Key, S3 URI and ARN were not broken mid-word: each scrolls inside its own box.
    boxes = page.locator("[data-testid=object-details] dd > code.arn, [data-testid=object-details] dd > .mono")
    assert boxes.evaluate_all("els => els.map(el => el.scrollWidth > el.clientWidth + 100)") == [True] * 3
    # The heading is one line ending in "…", the whole name in its title.
    title = page.get_by_role("heading", level=1)
    expect(title).to_have_attribute("title", LONG_NAME)
    assert title.bounding_box()["height"] < 50


def _role(label: str) -> Literal["button", "link"]:
    return "button" if label.startswith("Copy") else "link"


# --- 6 and 7. Sorting and "select all" at a phone's width; sorting is within the page ----------


def test_at_390_px_sort_by_and_select_all_work(page: Page) -> None:
    _in_updateapp(page)
    page.goto(page.base_url + BUCKET + "?prefix=config/")
    sort = page.get_by_label("Sort by", exact=True)
    select_all = page.get_by_label("Select all", exact=True)
    expect(sort).to_be_hidden()  # the column headers do it at 1280 px
    expect(select_all).to_be_hidden()
    page.set_viewport_size({"width": 390, "height": 860})
    expect(sort).to_be_visible()
    sort.select_option(label="Size, largest first")
    expect(page).to_have_url(re.compile(r"sort=size&order=desc"))
    names = [n.strip() for n in page.locator("td.name").all_inner_texts()]
    assert names == ["app.json", "limits.json"]  # 62 bytes, then 22
    expect(page.get_by_label("Sort by", exact=True).locator("option:checked")).to_have_text("Size, largest first")
    page.get_by_label("Select all", exact=True).check()
    expect(page.get_by_text("2 selected")).to_be_visible()
    expect(page.get_by_label("Select app.json")).to_be_checked()
    expect(page.get_by_test_id("delete-selected")).to_be_enabled()
    assert layout.sideways_overflow(page, 390) == []


def test_at_390_px_without_javascript_sort_links_sort(nojs_page: Page) -> None:
    page = nojs_page
    _in_updateapp(page)
    page.set_viewport_size({"width": 390, "height": 860})
    page.goto(page.base_url + BUCKET + "?prefix=config/")
    links = page.get_by_role("navigation", name="Sort by column")
    expect(links).to_be_visible()
    links.get_by_role("link", name="Size").click()
    names = [n.strip() for n in page.locator("td.name").all_inner_texts()]
    assert names == ["limits.json", "app.json"]  # 22 bytes, then 62
    expect(page.get_by_role("navigation", name="Sort by column").get_by_role("link", name="Size")).to_have_attribute(
        "aria-current", "true"
    )
