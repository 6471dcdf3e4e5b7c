"""Delete in the S3 browser: one object, a selection, folders, versions.

As in the AWS console, a confirmation page lists what will go and asks the person to type
`permanently delete`. Objects go with one DeleteObjects call per 1,000 keys; a folder is
everything under its prefix, counted first, then listed and deleted a page at a time. Without
versions shown, a versioned bucket keeps the data and adds a delete marker (as S3 does); a
selected version (or delete marker) is removed for good. S3's per-key refusals are reported
key by key, never as a failure of the whole."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from .. import audit, aws, permissions, text
from ..models import AuditEvent
from .s3 import _bad_request, _listing_url, _prefix, _session, listing_query, with_role

CONFIRMATION = "permanently delete"
FORMS_KEY = "s3_delete_forms"  # the confirmation forms shown and not yet sent (browser session)
MAX_FORMS = 20
COUNT_LIMIT = 100_000  # keys counted under a folder before the page says "at least"
MAX_SHOWN_FAILURES = 1000


@dataclass(frozen=True)
class Selected:
    key: str  # the object's key, or the folder's prefix
    version_id: str | None = None
    folder: bool = False
    count: int | None = None  # objects under a folder (None: not counted)
    more: bool = False  # the count stopped at COUNT_LIMIT
    verdict: permissions.Verdict | None = None

    @property
    def value(self) -> str:
        return f"{self.version_id} {self.key}" if self.version_id else self.key


def _selection(request: HttpRequest) -> list[Selected]:
    data = request.POST if request.method == "POST" else request.GET
    chosen = [Selected(k) for k in data.getlist("keys") if k]
    if request.method == "GET" and data.get("key"):
        chosen.append(Selected(data["key"], data.get("version") or None))
    for value in data.getlist("versions"):
        version_id, _, key = value.partition(" ")
        if version_id and key:
            chosen.append(Selected(key, version_id))
    chosen += [Selected(_prefix(p), folder=True) for p in data.getlist("prefixes") if p]
    seen, unique = set(), []
    for item in chosen:
        if (item.key, item.version_id, item.folder) not in seen:
            seen.add((item.key, item.version_id, item.folder))
            unique.append(item)
    return unique


def _with_verdicts(
    request: HttpRequest, creds: aws.TemporaryCredentials, bucket: str, chosen: list[Selected]
) -> list[Selected]:
    perms = permissions.RolePermissions(_session(request), creds)
    out = []
    for item in chosen:
        action = "s3:DeleteObjectVersion" if item.version_id else "s3:DeleteObject"
        verdict = perms.check(action, aws.bucket_arn(bucket, item.key + ("*" if item.folder else "")))
        out.append(Selected(item.key, item.version_id, item.folder, item.count, item.more, verdict))
    return out


def _count(creds: aws.TemporaryCredentials, bucket: str, item: Selected) -> Selected:
    total = 0
    for keys in aws.iter_keys(creds, bucket, item.key):
        total += len(keys)
        if total >= COUNT_LIMIT:
            return Selected(item.key, folder=True, count=total, more=True)
    return Selected(item.key, folder=True, count=total)


@with_role
@require_http_methods(["GET", "POST"])
def delete(request: HttpRequest, creds: aws.TemporaryCredentials, bucket: str) -> HttpResponse:
    if request.method == "POST" and _sent_before(request):
        messages.info(request, "That delete was sent already, or its page is too old: nothing more was deleted.")
        return redirect(_back(request, bucket, _prefix(request.POST.get("prefix", ""))))
    if request.method == "POST" and request.POST.get("key") and "confirmation" not in request.POST:
        return _delete_one(request, creds, bucket)  # the one-object form of earlier pages
    chosen = _selection(request)
    back = _prefix(request.POST.get("prefix", "")) if request.method == "POST" else ""
    if not chosen:
        if request.method == "GET":
            return _bad_request(request, "Nothing to delete", "No object key was given.")
        messages.error(request, "Select the objects or folders to delete first.")
        return redirect(_back(request, bucket, back))
    if request.method == "GET" and len(chosen) == 1 and not chosen[0].folder:
        key = chosen[0].key
        back = key.rsplit("/", 1)[0] + "/" if "/" in key else ""
    chosen = [_count(creds, bucket, c) if c.folder else c for c in chosen]
    chosen = _with_verdicts(request, creds, bucket, chosen)
    typed = request.POST.get("confirmation", "") if request.method == "POST" else ""
    error = ""
    if request.method == "POST" and "confirmation" in request.POST:
        if typed.strip() == CONFIRMATION:
            return _delete_selection(request, creds, bucket, chosen, back)
        error = f"To confirm, type “{CONFIRMATION}” in the field."
    return _confirm_page(request, creds, bucket, chosen, back, error)


def _form_token(request: HttpRequest) -> str:
    """A token for one confirmation form, spent when the form is sent (`_sent_before`)."""
    token = secrets.token_urlsafe(16)
    request.session[FORMS_KEY] = [*request.session.get(FORMS_KEY, [])[-(MAX_FORMS - 1) :], token]
    return token


def _sent_before(request: HttpRequest) -> bool:
    """Was this confirmation form sent already (Back to it and sent again, or a second click)?
    Its token is then spent; a form without one (an older page, a script) is taken as new."""
    token = request.POST.get("form_token", "")
    if not token:
        return False
    forms = list(request.session.get(FORMS_KEY, []))
    if token not in forms:
        return True
    forms.remove(token)
    request.session[FORMS_KEY] = forms
    return False


def _confirm_page(
    request: HttpRequest, creds: aws.TemporaryCredentials, bucket: str, chosen: list[Selected], back: str, error: str
) -> HttpResponse:
    """The page that shows what would be deleted (and what the role may not delete) and asks to
    confirm; a 400 with `error` when the typed confirmation was wrong."""
    versioned = any(c.version_id for c in chosen)
    single = len(chosen) == 1 and not chosen[0].folder
    simple = single and not versioned and request.method == "GET"
    return render(
        request,
        "console/s3_delete.html",
        {
            "bucket": bucket,
            "chosen": chosen,
            "objects": sum(1 for c in chosen if not c.folder),
            "folders": [c for c in chosen if c.folder],
            "under_folders": sum(c.count or 0 for c in chosen if c.folder),
            "versioned": versioned,
            "parent": back,
            "back_url": _back(request, bucket, back, versioned),
            "show_versions": request.POST.get("versions_shown") == "1" or versioned,
            "refused": [c for c in chosen if c.verdict and not c.verdict.allowed],
            "all_refused": all(c.verdict and not c.verdict.allowed for c in chosen),
            # A single object from its row or its details page: the page of earlier versions.
            "key": chosen[0].key if single else "",
            "verdict": chosen[0].verdict if single else None,
            "error": error,
            "confirmation": CONFIRMATION,
            # One current object from its row or details page: one click, as before (a version,
            # which cannot come back, asks for the typed confirmation like a selection).
            "simple": simple,
            "form_token": _form_token(request),
            # What deleting one current object does depends on the bucket ("" when unknown).
            "versioning": aws.bucket_versioning(creds, bucket) if simple else "",
        },
        status=400 if error else 200,
    )


def _back(request: HttpRequest, bucket: str, prefix: str, versioned: bool = False) -> str:
    """The listing to return to, with versions shown when they were."""
    shown = versioned or request.POST.get("versions_shown") == "1" or request.GET.get("versions") == "1"
    if not shown:
        return _listing_url(bucket, prefix)
    return reverse("console:s3_bucket", kwargs={"bucket": bucket}) + "?" + listing_query(prefix, versions=True)


def _delete_one(request: HttpRequest, creds: aws.TemporaryCredentials, bucket: str) -> HttpResponse:
    key = request.POST["key"]
    parent = key.rsplit("/", 1)[0] + "/" if "/" in key else ""
    role_arn = _session(request).role_arn
    with audit.action(request, AuditEvent.Kind.S3_DELETE, role_arn=role_arn, detail=aws.bucket_arn(bucket, key)):
        marker = aws.delete_object(creds, bucket, key)
    messages.success(request, f"Deleted {text.visible(key)}.{_marker_note(marker)}")
    return redirect(_listing_url(bucket, parent))


def _marker_note(marker: str | None) -> str:
    """What a delete marker left behind, as the confirmation page said it would."""
    if marker is None:
        return ""
    if marker == "null":  # versioning suspended: the marker took the null version's place
        return " S3 added a delete marker in place of its null version; earlier versions stay, under Show versions."
    return " S3 added a delete marker: its versions stay, under Show versions."


def _describe(bucket: str, chosen: list[Selected]) -> str:
    parts = []
    for c in chosen:
        arn = aws.bucket_arn(bucket, c.key + ("*" if c.folder else ""))
        parts.append(arn + (f" (version {c.version_id})" if c.version_id else ""))
    return ", ".join(parts)


def _delete_selection(
    request: HttpRequest, creds: aws.TemporaryCredentials, bucket: str, chosen: list[Selected], back: str
) -> HttpResponse:
    role_arn = _session(request).role_arn
    result = aws.DeleteResult()
    with audit.action(request, AuditEvent.Kind.S3_DELETE, role_arn=role_arn, detail=_describe(bucket, chosen)) as event:
        items = [(c.key, c.version_id) for c in chosen if not c.folder]
        if items:
            _merge(result, aws.delete_objects(creds, bucket, items))
        for folder in (c for c in chosen if c.folder):
            # A page of keys, then their deletion: never the whole folder in memory.
            for keys in aws.iter_keys(creds, bucket, folder.key):
                if keys:
                    _merge(result, aws.delete_objects(creds, bucket, [(k, None) for k in keys]))
                    if result.failed and not result.deleted:
                        break  # S3 refuses them all: do not walk a huge folder to hear it again
        event.detail = f"{event.detail}: {len(result.deleted)} deleted, {len(result.failed)} failed"
        if result.failed and not result.deleted:
            event.outcome = AuditEvent.Outcome.FAILED
    if not result.failed:
        markers = f" ({result.delete_markers:,} as delete markers)" if result.delete_markers else ""
        noun = "version" if all(c.version_id for c in chosen) else "object"  # a delete marker is a version
        count = len(result.deleted)
        messages.success(request, f"Deleted {count:,} {noun}{'s' if count != 1 else ''}{markers}.")
        return redirect(_back(request, bucket, back, any(c.version_id for c in chosen)))
    return render(
        request,
        "console/s3_delete_result.html",
        {
            "bucket": bucket,
            "result": result,
            "failed": result.failed[:MAX_SHOWN_FAILURES],
            "more_failed": max(0, len(result.failed) - MAX_SHOWN_FAILURES),
            "back_url": _back(request, bucket, back, any(c.version_id for c in chosen)),
        },
        status=200 if result.deleted else 403,
    )


def _merge(into: aws.DeleteResult, more: aws.DeleteResult) -> None:
    into.deleted += more.deleted
    into.failed += more.failed
    into.delete_markers += more.delete_markers
