"""Showing untrusted text (object keys, display names) so that what you see is what it is.

Bidirectional controls (U+202E RIGHT-TO-LEFT OVERRIDE makes "‮gnp.exe" display as "exe.png"),
zero-width characters and other invisible or control characters are shown escaped, as
\\u202e, in a visibly marked span; everything else is HTML-escaped as usual.
"""

from __future__ import annotations

import unicodedata

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Categories that draw nothing (or reorder what follows): controls, format characters (bidi
# marks and overrides, zero-width joiners), separators other than the plain space, and
# unassigned/private-use code points.
_INVISIBLE = {"Cc", "Cf", "Zl", "Zp", "Co", "Cn", "Cs"}


def is_invisible(char: str) -> bool:
    category = unicodedata.category(char)
    return category in _INVISIBLE or (category == "Zs" and char != " ")


def _escaped(char: str) -> str:
    code = ord(char)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def visible(value: object) -> str:
    """Plain text with invisible characters written out (for messages and logs)."""
    value = str(value)
    if value.isascii() and value.isprintable():
        return value
    return "".join(_escaped(c) if is_invisible(c) else c for c in value)


def visible_html(value: object) -> SafeString:
    """HTML: escaped text, invisible characters written out in <span class="escaped">."""
    value = str(value)
    if (value.isascii() and value.isprintable()) or not any(is_invisible(c) for c in value):
        return escape(value)
    out = []
    for char in value:
        if is_invisible(char):
            out.append(f'<span class="escaped" title="invisible character">{_escaped(char)}</span>')
        else:
            out.append(escape(char))
    return mark_safe("".join(out))  # noqa: S308 - every piece is escaped above
