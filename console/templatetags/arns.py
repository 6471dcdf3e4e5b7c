"""`{{ value|arn }}`: an ARN, key or path that wraps only after `/` and `:`, never mid-word.

The text is escaped first, then a <wbr> (an optional line break) follows each `/` and `:`; the
`arn` class turns off the break-anywhere rule code elements have. Copying the text copies no
extra characters. `{{ sentence|breakable }}` does the same for prose that contains ARNs (a
refusal's reason), without the span.
"""

from __future__ import annotations

import re

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.filter(name="breakable", is_safe=True)
def breakable(value: object) -> SafeString:
    # Escaping never produces "/" or ":" (entities are &...;), so the breaks land only between
    # characters of the original text.
    escaped = str(conditional_escape(value))
    return mark_safe(re.sub(r"([/:]+)", r"\1<wbr>", escaped))  # noqa: S308 - escaped above


@register.filter(name="arn", is_safe=True)
def arn(value: object) -> SafeString:
    if value in (None, ""):
        return mark_safe("")
    return format_html('<span class="arn">{}</span>', breakable(value))
