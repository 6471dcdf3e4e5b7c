"""Previous and Next through an S3 listing, with the continuation tokens kept server-side.

S3 pages with opaque tokens that only go forward. The console keeps, per browser session, a
small stack of the tokens of the pages seen for one listing (role session + bucket + prefix +
search + versions), so that a URL names only a page number (`page=3`) and never carries a token.
A page number the stack does not know (a bookmark, another browser, an evicted listing) starts
again at the first page.
"""

from __future__ import annotations

import hashlib

from django.http import HttpRequest

SESSION_KEY = "s3_pages"
MAX_LISTINGS = 20  # listings remembered per browser session (the oldest is forgotten)
MAX_PAGES = 1000  # pages remembered per listing (100,000 keys at 100 a page)


def listing_id(role_session_id: int, bucket: str, prefix: str, versions: bool) -> str:
    raw = f"{role_session_id}\0{bucket}\0{prefix}\0{int(versions)}"
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:24]


def _store(request: HttpRequest) -> dict:
    store = request.session.get(SESSION_KEY)
    return store if isinstance(store, dict) else {}


def token(request: HttpRequest, listing: str, page: int) -> tuple[int, str | None]:
    """(page, token to fetch it): page 0 needs no token; an unknown page falls back to 0."""
    stack = _store(request).get(listing) or [""]
    if page <= 0 or page >= len(stack) or not isinstance(stack[page], str) or not stack[page]:
        return 0, None
    return page, stack[page]


def remember(request: HttpRequest, listing: str, page: int, next_token: str | None) -> None:
    """Page `page` was shown; its next page needs `next_token` (None: it was the last)."""
    store = _store(request)
    stack = list(store.get(listing) or [""])[: page + 1]
    if next_token and page + 1 < MAX_PAGES:
        stack.append(next_token)
    if store.get(listing) == stack:
        return  # nothing new: no session write
    store.pop(listing, None)
    store[listing] = stack  # insertion order: the most recently used listing is last
    while len(store) > MAX_LISTINGS:
        store.pop(next(iter(store)))
    request.session[SESSION_KEY] = store
