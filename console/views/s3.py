"""The S3 browser. Every call uses the active role's temporary credentials: what the role may
do is enforced by S3 itself, and whatever it refuses is shown as a 403 naming action and resource."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header, http_date, urlencode
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.iam import PolicyError

from .. import audit, aws, links, permissions, role_sessions, switching, text, uploads
from ..forms import OpenBucketForm
from ..models import AuditEvent
from . import errors


def with_role(view):  # noqa: ANN001, ANN201
    """Requires the tab's role session (reached without one: see `role_sessions.open_in_recent`);
    turns AWS refusals into clear pages, never a 500. Credentials the backend rejects (expired,
    unknown after an emulator restart, revoked) end the role session, with a message and the
    Switch Role form filled in to switch again."""

    @login_required
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.role_session is None:
            return role_sessions.open_in_recent(request)
        creds = switching.credentials(request.role_session)
        try:
            return view(request, creds, *args, **kwargs)
        except aws.CredentialsRejected as exc:
            return _credentials_rejected(request, exc)
        except aws.AwsError as exc:
            return aws_error_page(request, exc)

    return wrapper


def _credentials_rejected(request: HttpRequest, exc: aws.CredentialsRejected) -> HttpResponse:
    session = request.role_session
    if isinstance(exc, aws.CredentialsExpired):
        switching.end_expired(session, request)
        note = f"The credentials of {session.display_name} have expired, so the role session was ended."
    else:
        switching.end_rejected(session, request, exc.code)
        note = (
            f"AWS no longer accepts the credentials of {session.display_name} ({exc.code}), so the role session "
            "was ended. Switch again to get new ones."
        )
    messages.warning(request, f"{note} This tab is back to your own identity.")
    return redirect(links.switch_form_for_session(session))


def aws_error_page(request: HttpRequest, exc: aws.AwsError) -> HttpResponse:
    if isinstance(exc, aws.AccessDenied):
        status, title = 403, "Access denied"
    elif isinstance(exc, aws.NotFound):
        status, title = 404, "Not found"
    elif isinstance(exc, aws.Unavailable):
        status, title = 503, "AWS is unreachable"
    else:
        status, title = 502, "AWS returned an error"
    return render(request, "console/aws_error.html", {"title": title, "error": exc}, status=status)


def _bad_request(request: HttpRequest, title: str, message: str) -> HttpResponse:
    return render(request, "console/aws_error.html", {"title": title, "error": aws.AwsError(message)}, status=400)


def _prefix(value: str) -> str:
    """A folder prefix ends with a slash (or is empty, the bucket's root)."""
    return value if not value or value.endswith("/") else value + "/"


def _buckets_named_in_policy(session) -> list[str]:  # noqa: ANN001
    """Buckets the role's permissions policy allows by name (no wildcards in the name)."""
    try:
        policy = session.role.parsed_permissions_policy() if session.role else None
    except PolicyError:
        return []
    names = set()
    for statement in policy.statements if policy else ():
        if statement.effect != "Allow":
            continue
        for resource in statement.resources or ():
            if resource.startswith("arn:aws:s3:::"):
                name = resource[len("arn:aws:s3:::") :].split("/", 1)[0]
                if name and "*" not in name and "?" not in name:
                    names.add(name)
    return sorted(names)


@with_role
@require_GET
def buckets(request: HttpRequest, creds: aws.TemporaryCredentials) -> HttpResponse:
    context = {"open_form": OpenBucketForm(request.GET or None)}
    if request.GET and context["open_form"].is_valid():
        return redirect("console:s3_bucket", bucket=context["open_form"].cleaned_data["bucket"])
    try:
        context["buckets"] = aws.list_buckets(creds)
    except aws.AccessDenied as exc:
        context["list_denied"] = exc
        context["buckets"] = _buckets_named_in_policy(request.role_session)
    return render(request, "console/s3_buckets.html", context)


def _breadcrumbs(prefix: str) -> list[tuple[str, str]]:
    crumbs, acc = [], ""
    for part in [p for p in prefix.split("/") if p]:
        acc += part + "/"
        crumbs.append((part, acc))
    return crumbs


@dataclass(frozen=True)
class ObjectRow:
    object: aws.S3Object
    download: permissions.Verdict
    delete: permissions.Verdict


def _listing_actions(request: HttpRequest, creds, bucket: str, prefix: str, objects) -> dict:  # noqa: ANN001
    """What the page's buttons may do, asked of the engine: Upload into the prefix, and per
    object Download and Delete; `delete_here` answers for the prefix as a whole."""
    perms = permissions.for_session(request.role_session, creds)
    here = aws.bucket_arn(bucket, prefix + "*")
    return {
        "upload": perms.check("s3:PutObject", here),
        "delete_here": perms.check("s3:DeleteObject", here),
        "rows": [
            ObjectRow(
                o,
                perms.check("s3:GetObject", aws.bucket_arn(bucket, o.key)),
                perms.check("s3:DeleteObject", aws.bucket_arn(bucket, o.key)),
            )
            for o in objects
        ],
    }


@with_role
@require_GET
def bucket(request: HttpRequest, creds: aws.TemporaryCredentials, bucket: str) -> HttpResponse:
    prefix = _prefix(request.GET.get("prefix", ""))
    page = aws.list_objects(creds, bucket, prefix, request.GET.get("token") or None)
    return render(
        request,
        "console/s3_bucket.html",
        {
            "bucket": bucket,
            "prefix": prefix,
            "page": page,
            "folders": [(p[len(prefix) :], p) for p in page.prefixes],
            "breadcrumbs": _breadcrumbs(prefix),
            **_listing_actions(request, creds, bucket, prefix, page.objects),
        },
    )


# One range (bytes=first-last, first-, or -suffix); several ranges are served as the whole object,
# which HTTP allows.
SINGLE_RANGE = re.compile(r"^bytes=(\d+-\d*|-\d+)$")


@with_role
@require_http_methods(["GET", "HEAD"])
def download(request: HttpRequest, creds: aws.TemporaryCredentials, bucket: str) -> HttpResponse:
    """Stream an object from S3. A single Range and If-None-Match are passed to S3 (206 with
    Content-Range, or 304); HEAD answers with the headers only."""
    key = request.GET.get("key", "")
    if not key:
        return _bad_request(request, "Nothing to download", "No object key was given.")
    byte_range = request.headers.get("Range", "").strip()
    role_arn = request.role_session.role_arn
    try:
        with audit.action(request, AuditEvent.Kind.S3_GET, role_arn=role_arn, detail=aws.bucket_arn(bucket, key)):
            stream = aws.open_object(
                creds,
                bucket,
                key,
                byte_range=byte_range if SINGLE_RANGE.match(byte_range) else None,
                if_none_match=request.headers.get("If-None-Match", "").strip()[:1024] or None,
                head=request.method == "HEAD",
            )
    except aws.RangeNotSatisfiable as exc:
        response = HttpResponse(status=416)
        if exc.object_size is not None:
            response["Content-Range"] = f"bytes */{exc.object_size}"
        return _private(response, key)
    if stream.not_modified:
        response = HttpResponse(status=304)
        response["ETag"] = stream.etag
        return _private(response, key)
    if request.method == "HEAD":
        response = HttpResponse(content_type="application/octet-stream")
    else:
        response = StreamingHttpResponse(stream.chunks, content_type="application/octet-stream")
    if stream.content_range:
        response.status_code = 206
        response["Content-Range"] = stream.content_range
    response["Content-Length"] = str(stream.content_length)
    response["Accept-Ranges"] = "bytes"
    if stream.etag:
        response["ETag"] = stream.etag
    if stream.last_modified:
        response["Last-Modified"] = http_date(stream.last_modified.timestamp())
    return _private(response, key)


def _private(response: HttpResponse, key: str) -> HttpResponse:
    # The object is the user's content, not ours: never let the browser render it here.
    response["Content-Disposition"] = content_disposition_header(True, download_name(key))
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    # Role-scoped data: no shared or on-disk caches (a download manager may still revalidate
    # with If-None-Match).
    response["Cache-Control"] = "private, no-store"
    return response


def download_name(key: str) -> str:
    """The file name offered for a key: its last segment, control characters (CR, LF, bidi
    overrides...) replaced, since it goes into a header and a save dialog."""
    name = "".join("_" if text.is_invisible(c) else c for c in key.rsplit("/", 1)[-1])
    return name or "download"


def _listing_url(bucket: str, prefix: str) -> str:
    url = reverse("console:s3_bucket", kwargs={"bucket": bucket})
    return f"{url}?{urlencode({'prefix': prefix})}" if prefix else url


@csrf_exempt  # CSRF is checked below, after the streaming upload handler is installed
@require_POST
@with_role
def upload(request: HttpRequest, creds: aws.TemporaryCredentials, bucket: str) -> HttpResponse:
    """Upload into the prefix given in the query string (known before the body is read)."""
    prefix = _prefix(request.GET.get("prefix", ""))
    try:
        with uploads.slot():  # bounded memory per process: at most N uploads of one part each
            return _upload(request, creds, bucket, prefix)
    except uploads.Busy:
        return errors.unavailable(
            request, "Too many uploads are in progress on this server right now. Try again in a moment."
        )


def _upload(request: HttpRequest, creds: aws.TemporaryCredentials, bucket: str, prefix: str) -> HttpResponse:
    handler = uploads.S3UploadHandler(request, creds, bucket, prefix)
    request.upload_handlers = [handler]
    role_arn = request.role_session.role_arn
    try:
        # The intent is on record before the first byte goes to S3.
        with audit.action(
            request, AuditEvent.Kind.S3_PUT, role_arn=role_arn, detail=aws.bucket_arn(bucket, prefix)
        ) as event:
            try:
                pending = request.FILES.get("file")  # parses the body, streaming parts into S3
            except uploads.InvalidUpload as exc:
                handler.abort()
                event.outcome, event.detail = AuditEvent.Outcome.FAILED, f"{event.detail}: {exc}"
                return _bad_request(request, "Upload refused", str(exc))
            except Exception:
                handler.abort()
                raise
            rejected = CsrfViewMiddleware(lambda r: None).process_view(request, None, (), {})
            if rejected is not None or pending is None:
                handler.abort()  # nothing becomes visible in S3 without a valid CSRF token
                event.outcome = AuditEvent.Outcome.FAILED
                event.detail += ": CSRF check failed" if rejected is not None else ": no file"
                if rejected is not None:
                    return rejected
                messages.error(request, "Choose a file to upload.")
                return redirect(_listing_url(bucket, prefix))
            pending.complete()
            key = pending.upload.key
            event.detail = aws.bucket_arn(bucket, key)
    finally:
        _report_left_behind(request, handler, bucket)
    messages.success(request, f"Uploaded {text.visible(key)} ({pending.size:,} bytes).")
    return redirect(_listing_url(bucket, prefix))


def _report_left_behind(request: HttpRequest, handler: uploads.S3UploadHandler, bucket: str) -> None:
    """S3 refused to abort the multipart upload: its parts stay (and cost) until someone aborts
    it. Put the upload ID on record and tell the person."""
    upload = handler.upload
    if upload is None or upload.left_behind is None:
        return
    upload_id, reason = upload.left_behind
    audit.record(
        request,
        AuditEvent.Kind.S3_UPLOAD_LEFT_BEHIND,
        role_arn=request.role_session.role_arn,
        detail=f"upload ID {upload_id} of {aws.bucket_arn(bucket, upload.key)}: abort refused ({reason})",
    )
    messages.warning(
        request,
        f"The upload was stopped, but S3 refused to discard its parts ({reason}). Multipart upload {upload_id} "
        f"of {text.visible(upload.key)} is left in {bucket}; ask an administrator to abort it.",
    )


@with_role
@require_http_methods(["GET", "POST"])
def delete(request: HttpRequest, creds: aws.TemporaryCredentials, bucket: str) -> HttpResponse:
    key = request.POST.get("key") if request.method == "POST" else request.GET.get("key")
    if not key:
        return _bad_request(request, "Nothing to delete", "No object key was given.")
    parent = key.rsplit("/", 1)[0] + "/" if "/" in key else ""
    if request.method == "GET":
        verdict = permissions.for_session(request.role_session, creds).check(
            "s3:DeleteObject", aws.bucket_arn(bucket, key)
        )
        return render(
            request, "console/s3_delete.html", {"bucket": bucket, "key": key, "parent": parent, "verdict": verdict}
        )
    role_arn = request.role_session.role_arn
    with audit.action(request, AuditEvent.Kind.S3_DELETE, role_arn=role_arn, detail=aws.bucket_arn(bucket, key)):
        aws.delete_object(creds, bucket, key)
    messages.success(request, f"Deleted {text.visible(key)}.")
    return redirect(_listing_url(bucket, parent))
