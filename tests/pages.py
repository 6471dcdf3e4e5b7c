"""Reading pages the way a person does: text without markup, one space between words."""

from __future__ import annotations

import html
import re

from django.http import HttpResponse


def page_text(response: HttpResponse | str) -> str:
    """The page's visible text (tags dropped, entities decoded, whitespace collapsed). An ARN
    broken for wrapping (`arn:<wbr>aws:...`) reads as one word again."""
    raw = response if isinstance(response, str) else response.content.decode()
    raw = re.sub(r"<(script|style)\b.*?</\1>", " ", raw, flags=re.S)
    raw = re.sub(r"<wbr>", "", raw)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", raw))).strip()
