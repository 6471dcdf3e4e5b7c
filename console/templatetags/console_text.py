from django import template
from django.utils.safestring import SafeString

from console import text

register = template.Library()


@register.filter
def visible(value: object) -> SafeString:
    """{{ key|visible }}: escaped, with bidi and other invisible characters shown as \\u202e."""
    return text.visible_html(value)
