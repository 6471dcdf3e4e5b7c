"""Layout checks for any page a browser test reaches: ARNs that wrap only at / and :, and no
sideways scrolling on a phone-sized screen."""

from __future__ import annotations

from playwright.sync_api import Page

# Every text node that holds part of an ARN must end at a separator followed by <wbr> (the |arn
# and |breakable filters), so that the browser can break the line there and nowhere else.
_UNBREAKABLE_ARNS = """() => {
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.nodeValue;
    if (!/arn:(aws|$)/.test(text)) continue;
    if (node.parentElement.closest("script, style, textarea")) continue;
    const next = node.nextSibling;
    if (!/[\\/:]$/.test(text) || !next || next.nodeName !== "WBR") found.push(text.trim());
  }
  return found;
}"""


def unbreakable_arns(page: Page) -> list[str]:
    """Text on the page that holds an ARN the browser could only break mid-word (or not at all)."""
    return page.evaluate(_UNBREAKABLE_ARNS)


def sideways_overflow(page: Page, width: int = 390) -> list[str]:
    """At `width` px: the elements that stick out to the right of the window (empty: none)."""
    size = page.viewport_size
    page.set_viewport_size({"width": width, "height": size["height"]})
    try:
        return page.evaluate(
            """(width) => {
              if (document.documentElement.scrollWidth <= width) return [];
              return [...document.querySelectorAll("body *")]
                .filter(el => el.getBoundingClientRect().right > width + 1 && el.getClientRects().length)
                .slice(0, 5)
                .map(el => el.tagName.toLowerCase() + "." + String(el.className).replace(/ /g, "."));
            }""",
            width,
        )
    finally:
        page.set_viewport_size(size)
