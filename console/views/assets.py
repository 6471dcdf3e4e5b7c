"""/favicon.ico: browsers ask for it on every site whatever the page links; send them to the
static icon (its URL may carry a content hash, so it is looked up per request)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseRedirect
from django.templatetags.static import static
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe


@require_safe
@cache_control(max_age=86400, public=True)
def favicon(request: HttpRequest) -> HttpResponseRedirect:
    return HttpResponseRedirect(static("favicon.svg"))
