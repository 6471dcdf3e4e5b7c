from django import template

from console import text

register = template.Library()


@register.filter
def visible(value):  # noqa: ANN001, ANN201
    """{{ key|visible }}: escaped, with bidi and other invisible characters shown as \\u202e."""
    return text.visible_html(value)
