from datetime import datetime

from django import template
from django.utils.safestring import SafeString

from console import text

register = template.Library()


@register.filter
def visible(value: object) -> SafeString:
    """{{ key|visible }}: escaped, with bidi and other invisible characters shown as \\u202e."""
    return text.visible_html(value)


@register.filter
def visible_path(value: object) -> SafeString:
    """{{ key|visible_path }}: like |visible, with a line break allowed after each "/" only (a
    key wraps between its folders, never mid-name)."""
    from django.utils.safestring import mark_safe

    parts = str(value).split("/")
    return mark_safe("/<wbr>".join(str(text.visible_html(p)) for p in parts))  # noqa: S308 - each part escaped


@register.filter
def s3_time(value: datetime | None) -> str:
    """Last modified, the same on every S3 page: 2026-11-29 09:41:07 UTC (the console's zone)."""
    from django.utils import timezone

    if not value:
        return "-"
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S %Z")


@register.filter
def key_attr(value: object) -> SafeString:
    """A key in an attribute value (a checkbox, a hidden field): escaped, with invisible
    characters as numeric references, so the page's source never carries a raw bidi override
    while the browser still submits the key exactly."""
    from django.utils.html import escape
    from django.utils.safestring import mark_safe

    value = str(value)
    if value.isascii() and value.isprintable():  # the common case: nothing invisible
        return escape(value)
    return mark_safe(  # noqa: S308 - escaped first; only character references are added
        "".join(f"&#x{ord(c):x};" if text.is_invisible(c) else c for c in str(escape(value)))
    )


@register.filter
def visible_text(value: object) -> str:
    """Plain text with invisible characters written out (\\u202e): for aria-label and title."""
    return text.visible(str(value))
