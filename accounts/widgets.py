"""The policy JSON editor: a monospace textarea as tall as its document, with a status line."""

from __future__ import annotations

from django import forms

MIN_ROWS, MAX_ROWS = 8, 40


class PolicyEditor(forms.Textarea):
    """Sized on the server (so it fits without JavaScript too); static/js/admin.js keeps it
    sized while typing and says in the status line, right under the field, whether the text is
    JSON. The IAM engine's own errors come from the form, next to the field."""

    template_name = "accounts/widgets/policy_editor.html"  # an app template: the form renderer reads those

    def __init__(self, attrs: dict | None = None) -> None:
        base = {"class": "policy-editor", "spellcheck": "false", "autocapitalize": "off", "autocomplete": "off"}
        super().__init__({**base, **(attrs or {})})

    def get_context(self, name: str, value: object, attrs: dict | None) -> dict:
        context = super().get_context(name, value, attrs)
        lines = (str(value) if value else "").count("\n") + 2
        context["widget"]["attrs"]["rows"] = max(MIN_ROWS, min(MAX_ROWS, lines))
        return context
