"""Reading pages the way a person does: text without markup, one space between words."""

from __future__ import annotations

import html
import re

from django.http import HttpResponse

# Elements that separate words; other tags (code, span, a, strong) sit inside a sentence.
BLOCKS = (
    "address|article|aside|br|button|caption|dd|details|div|dl|dt|fieldset|footer|form|h[1-6]|header|hr"
    "|input|label|legend|li|main|nav|ol|option|p|section|select|summary|table|tbody|td|textarea|tfoot|th"
    "|thead|title|tr|ul"
)


def page_text(response: HttpResponse | str) -> str:
    """The page's visible text (tags dropped, entities decoded, whitespace collapsed). An ARN
    broken for wrapping (`arn:<wbr>aws:...`) reads as one word again."""
    raw = response if isinstance(response, str) else response.content.decode()
    raw = re.sub(r"<(script|style)\b.*?</\1>", " ", raw, flags=re.S)
    raw = re.sub(r"<wbr>", "", raw)
    raw = re.sub(rf"</?(?:{BLOCKS})\b[^>]*>", " ", raw)  # blocks separate words, inline tags do not
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", raw))).strip()


def table_rows(response: HttpResponse | str, table_id: str) -> list[list[str]]:
    """The body rows of the table with that id, each a list of its cells' text."""
    raw = response if isinstance(response, str) else response.content.decode()
    table = re.search(rf'<table[^>]*\bid="{table_id}"[^>]*>(.*?)</table>', raw, re.S)
    assert table, f"no table #{table_id}"
    body = re.search(r"<tbody>(.*?)</tbody>", table.group(1), re.S)
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body.group(1) if body else "", re.S)
    return [[page_text(cell) for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)] for row in rows]
