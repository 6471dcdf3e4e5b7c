from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def time_left(seconds: int) -> str:
    """3541 -> '59:01', 7322 -> '2:02:02' (static/js/console.js counts down in the same format)."""
    seconds = max(0, int(seconds or 0))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
