"""`{{ value|arn }}`: an ARN, key or path that wraps only after `/` and `:`, never mid-word.

The text is escaped first, then a <wbr> (an optional line break) follows each `/` and `:`; the
`arn` class turns off the break-anywhere rule code elements have. Copying the text copies no
extra characters. `{{ sentence|breakable }}` does the same for prose that contains ARNs (a
refusal's reason), without the span. `{{ sentence|breakable_arns }}` breaks only inside the ARNs
of a sentence and leaves the rest as written (`sts:AssumeRole`, `config/app.json`): for
messages and refusals on the console's pages.
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
    # django-stubs types the argument as text; Django's conditional_escape str()s any object.
    escaped = str(conditional_escape(value))  # type: ignore[arg-type]
    return mark_safe(re.sub(r"([/:]+)", r"\1<wbr>", escaped))  # noqa: S308 - escaped above


# An ARN inside escaped text: "arn:partition:" then ARN characters (no spaces, quotes or "&", which
# starts an entity). Trailing sentence punctuation that may end an ARN stays inside it harmlessly.
_ARN_IN_TEXT = re.compile(r"arn:[a-z-]+:[\w:/.*?${},=+@-]*")


@register.filter(name="breakable_arns", is_safe=True)
def breakable_arns(value: object) -> SafeString:
    # django-stubs types the argument as text; Django's conditional_escape str()s any object.
    escaped = str(conditional_escape(value))  # type: ignore[arg-type]
    return mark_safe(  # noqa: S308 - escaped above; only <wbr> is added, inside ARNs
        _ARN_IN_TEXT.sub(lambda m: re.sub(r"([/:]+)", r"\1<wbr>", m.group(0)), escaped)
    )


@register.filter(name="arn", is_safe=True)
def arn(value: object) -> SafeString:
    if value in (None, ""):
        return mark_safe("")
    return format_html('<span class="arn">{}</span>', breakable(value))
