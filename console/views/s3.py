"""The S3 browser. Every call uses the active role's temporary credentials: what the role may
do is enforced by S3 itself, and whatever it refuses is shown as a 403 naming action and resource."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden, JsonResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header, http_date, urlencode
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.iam import PolicyError

from .. import audit, aws, links, permissions, role_sessions, s3_names, s3_paging, s3_table, switching, text, uploads
from ..forms import OpenBucketForm
from ..http import ConsoleRequest
from ..models import AuditEvent, RoleSession
from . import errors


def with_role(view):
    """Requires the tab's role session (reached without one: see `role_sessions.open_in_recent`);
    turns AWS refusals into clear pages, never a 500. Credentials the backend rejects (expired,
    unknown after an emulator restart, revoked) end the role session, with a message and the
    Switch Role form filled in to switch again."""

    @login_required
    @functools.wraps(view)
    def wrapper(request: ConsoleRequest, *args, **kwargs) -> HttpResponse:
        if request.role_session is None:
            return role_sessions.open_in_recent(request)
        creds = switching.credentials(request.role_session)
        try:
            return view(request, creds, *args, **kwargs)
        except aws.CredentialsRejected as exc:
            if wants_json(request):
                return JsonResponse({"error": f"The role session ended ({exc.code})."}, status=401)
            return _credentials_rejected(request, exc)
        except aws.AwsError as exc:
            return aws_error_page(request, exc)

    return wrapper


def _session(request: HttpRequest) -> RoleSession:
    """The tab's role session (`with_role` let the request in only with one)."""
    session: RoleSession | None = getattr(request, "role_session", None)  # set by RoleSessionMiddleware
    if session is None:
        raise RuntimeError("S3 views run inside a role session")
    return session


def _credentials_rejected(request: HttpRequest, exc: aws.CredentialsRejected) -> HttpResponse:
    session = _session(request)
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


def wants_json(request: HttpRequest) -> bool:
    """The upload panel's script asks for JSON (one file per request, its own progress bar)."""
    return request.headers.get("Accept", "").startswith("application/json")


def _json_error(status: int, title: str, exc: aws.AwsError) -> JsonResponse:
    reason = exc.message
    if exc.action:
        reason = f"{title}: {exc.action} on {exc.resource} ({exc.code or exc.message})"
    return JsonResponse({"error": reason}, status=status)


def aws_error_page(request: HttpRequest, exc: aws.AwsError) -> HttpResponse:
    kind = ""
    if isinstance(exc, aws.AccessDenied):
        status, title, kind = 403, "Access denied", "denied"
    elif isinstance(exc, aws.NotFound):
        status, title, kind = 404, "Not found", "missing"  # not a refusal: say so
    elif isinstance(exc, aws.Unavailable):
        status, title = 503, "AWS is unreachable"
    else:
        status, title = 502, "AWS returned an error"
    if wants_json(request):
        return _json_error(status, title, exc)
    return render(request, "console/aws_error.html", {"title": title, "error": exc, "kind": kind}, status=status)


def _bad_request(request: HttpRequest, title: str, message: str) -> HttpResponse:
    if wants_json(request):
        return JsonResponse({"error": message}, status=400)
    return render(request, "console/aws_error.html", {"title": title, "error": aws.AwsError(message)}, status=400)


def _prefix(value: str) -> str:
    """A folder prefix ends with a slash (or is empty, the bucket's root)."""
    return value if not value or value.endswith("/") else value + "/"


def _buckets_named_in_policy(session: RoleSession) -> list[str]:
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
    form = OpenBucketForm(request.GET or None)
    context: dict[str, object] = {"open_form": form}
    if request.GET and form.is_valid():
        return redirect("console:s3_bucket", bucket=form.cleaned_data["bucket"])
    try:
        context["buckets"] = aws.list_buckets(creds)
    except aws.AccessDenied as exc:
        context["list_denied"] = exc
        context["buckets"] = _buckets_named_in_policy(_session(request))
    return render(request, "console/s3_buckets.html", context)


def _breadcrumbs(prefix: str) -> list[tuple[str, str]]:
    """(label, prefix) for each folder of `prefix`. A folder with an empty name (a key with "//"
    or a leading "/", written by another tool) keeps its crumb, so each one opens its own folder."""
    crumbs, acc = [], ""
    for part in prefix.split("/")[:-1]:
        acc += part + "/"
        crumbs.append((part or "(empty name)", acc))
    return crumbs


PAGE_SIZE = 100  # rows per listing page, as the AWS console
SORTS = {
    "name": lambda r: (r.name.lower(), r.name),
    "type": lambda r: (r.type.lower(), r.name.lower()),
    "size": lambda r: (r.size if r.size is not None else -1, r.name.lower()),
    "modified": lambda r: (r.last_modified.timestamp() if r.last_modified else 0.0, r.name.lower()),
    "class": lambda r: (r.storage_class, r.name.lower()),
}
COLUMNS = (
    ("name", "Name"),
    ("type", "Type"),
    ("size", "Size"),
    ("modified", "Last modified"),
    ("class", "Storage class"),
)


@dataclass(frozen=True)
class ObjectRow:
    """One line of the table: a folder (`object` None, `prefix` set) or an object (or a version
    of one), with what the engine says about its Download and Delete."""

    name: str
    object: aws.S3Object | None = None
    prefix: str = ""
    download: permissions.Verdict | None = None
    delete: permissions.Verdict | None = None

    @property
    def is_folder(self) -> bool:
        return self.object is None

    @property
    def type(self) -> str:
        if self.object is None:
            return "Folder"
        if self.object.is_delete_marker:
            return "Delete marker"
        base = self.name.rsplit("/", 1)[-1]
        return base.rsplit(".", 1)[-1].lower() if "." in base.strip(".") else "-"

    @property
    def size(self) -> int | None:
        return None if self.object is None or self.object.is_delete_marker else self.object.size

    @property
    def last_modified(self):
        return self.object.last_modified if self.object else None

    @property
    def storage_class(self) -> str:
        return self.object.storage_class if self.object and not self.object.is_delete_marker else ""

    @property
    def selection(self) -> str:
        """The checkbox's value: a version as "<version ID> <key>", else the key or prefix."""
        if self.object is None:
            return self.prefix
        if self.object.version_id:
            return f"{self.object.version_id} {self.object.key}"
        return self.object.key


def _writable(prefix: str) -> permissions.Verdict | None:
    """None when new keys may go under `prefix`; else why not (a folder that another tool named
    "..", say: it opens, but the console writes no such keys)."""
    try:
        s3_names.check_prefix(prefix)
    except s3_names.InvalidName as exc:
        return permissions.Verdict("s3:PutObject", prefix, False, f"Nothing can be uploaded or created here: {exc}")
    return None


def _listing_actions(
    request: HttpRequest,
    creds,
    bucket: str,
    prefix: str,
    page: aws.ObjectPage,
    versions: bool,
) -> dict:
    """What the page's buttons may do, asked of the engine: Upload and Create folder into the
    prefix, per object Download and Delete (of a version, when versions are shown), and
    `delete_here` for the prefix as a whole (the selection's Delete)."""
    perms = permissions.RolePermissions(_session(request), creds)
    here = aws.bucket_arn(bucket, prefix + "*")
    get_action = "s3:GetObjectVersion" if versions else "s3:GetObject"
    delete_action = "s3:DeleteObjectVersion" if versions else "s3:DeleteObject"
    rows = [ObjectRow(p[len(prefix) :], prefix=p) for p in page.prefixes]
    for o in page.objects:
        arn = aws.bucket_arn(bucket, o.key)
        rows.append(
            ObjectRow(
                o.key[len(prefix) :],
                o,
                download=perms.check(get_action, arn),
                delete=perms.check(delete_action, arn),
            )
        )
    return {
        "upload": _writable(prefix) or perms.check("s3:PutObject", here),
        "delete_here": perms.check(delete_action, here),
        "show_versions": perms.check("s3:ListBucketVersions", aws.bucket_arn(bucket)),
        "rows": rows,
    }


def _int(value: str | None, default: int = 0) -> int:
    return int(value) if value and value.isdigit() and len(value) < 7 else default


def listing_query(
    prefix: str, search: str = "", versions: bool = False, *, page: int = 0, sort: str = "", order: str = ""
) -> str:
    """The listing's query string (in the order people read it), without empty values. `page`
    counts from 0 here and from 1 in the URL (page=2 is the second page; the first has none)."""
    params = {"prefix": prefix, "search": search, "versions": "1" if versions else "", "page": page + 1 if page else 0}
    params |= {"sort": sort, "order": order}
    return urlencode({k: v for k, v in params.items() if v not in ("", None, 0)})


def _fetch_page(
    request: HttpRequest, creds: aws.TemporaryCredentials, bucket: str, prefix: str, versions: bool
) -> tuple[int, aws.ObjectPage]:
    """The listing's page the query asks for (its number, counted from 0), its S3 token remembered
    for the next one."""
    listing = s3_paging.listing_id(_session(request).pk, bucket, prefix, versions)
    number, token = s3_paging.token(request, listing, _int(request.GET.get("page"), default=1) - 1)
    if versions:
        key_marker, _, version_marker = (token or "").partition("\0")
        marker = (key_marker, version_marker) if token and "\0" in token else None
        page = aws.list_object_versions(creds, bucket, prefix, marker, PAGE_SIZE)
    else:
        page = aws.list_objects(creds, bucket, prefix, token, PAGE_SIZE)
    s3_paging.remember(request, listing, number, page.next_token)
    return number, page


def _columns(listing: tuple[str, str, bool], page: int, sort: str, descending: bool) -> list[dict[str, object]]:
    """The table's column headers: each one's sort link, and aria-sort on the sorted one."""
    columns: list[dict[str, object]] = []
    for name, label in COLUMNS:
        current = sort == name
        order = "asc" if not current or descending else "desc"
        columns.append(
            {
                "name": name,
                "label": label,
                "url": "?" + listing_query(*listing, page=page, sort=name, order=order),
                "aria_sort": ("descending" if descending else "ascending") if current else "",
                "numeric": name == "size",
            }
        )
    return columns


def _page_links(listing: tuple[str, str, bool], number: int, more: bool, sort: str, descending: bool) -> dict[str, str]:
    """The previous and next pages (sorted as this one) and the listing with versions toggled."""
    prefix, search, versions = listing
    sort, order = (sort, "desc" if descending else "") if sort in SORTS else ("", "")
    return {
        "previous_url": "?" + listing_query(*listing, page=number - 1, sort=sort, order=order) if number else "",
        "next_url": "?" + listing_query(*listing, page=number + 1, sort=sort, order=order) if more else "",
        "versions_url": "?" + listing_query(prefix, search, not versions),
    }


@with_role
@require_GET
def bucket(request: HttpRequest, creds: aws.TemporaryCredentials, bucket: str) -> HttpResponse:
    prefix = _prefix(request.GET.get("prefix", ""))
    search = request.GET.get("search", "")
    versions = request.GET.get("versions") == "1"
    try:
        s3_names.check_listing_prefix(prefix + search)
    except s3_names.InvalidName as exc:
        return _bad_request(request, "Not a folder or prefix", str(exc))
    number, page = _fetch_page(request, creds, bucket, prefix + search, versions)
    actions = _listing_actions(request, creds, bucket, prefix, page, versions)
    sort = request.GET.get("sort", "")
    descending = request.GET.get("order") == "desc"
    if sort in SORTS:
        actions["rows"].sort(key=SORTS[sort], reverse=descending)
    listing = (prefix, search, versions)
    urls = {name: reverse(f"console:s3_{name}", kwargs={"bucket": bucket}) for name in ("object", "download", "delete")}
    return render(
        request,
        "console/s3_bucket.html",
        {
            "bucket": bucket,
            "prefix": prefix,
            "search": search,
            "versions": versions,
            "page": page,
            "page_number": number + 1,
            **_page_links(listing, number, bool(page.next_token), sort, descending),
            "columns": _columns(listing, number, sort, descending),
            "row_html": s3_table.render_rows(actions["rows"], urls=urls, versions=versions),
            "breadcrumbs": _breadcrumbs(prefix),
            "folder_form_url": reverse("console:s3_create_folder", kwargs={"bucket": bucket})
            + "?"
            + urlencode({"prefix": prefix}),
            **actions,
        },
    )


@with_role
@require_GET
def object_details(request: HttpRequest, creds: aws.TemporaryCredentials, bucket: str) -> HttpResponse:
    """One object (or one version of it): key, S3 URI, ARN, size, ETag, storage class, content
    type, user metadata, and its Download and Delete."""
    key = request.GET.get("key", "")
    if not key:
        return _bad_request(request, "No object", "No object key was given.")
    version = request.GET.get("version") or None
    details = aws.object_details(creds, bucket, key, version)
    perms = permissions.RolePermissions(_session(request), creds)
    arn = aws.bucket_arn(bucket, key)
    query = {"key": key, **({"version": version} if version else {})}
    parent = key.rsplit("/", 1)[0] + "/" if "/" in key else ""
    return render(
        request,
        "console/s3_object.html",
        {
            "bucket": bucket,
            "key": key,
            "name": key.rsplit("/", 1)[-1],
            "version": version,
            "details": details,
            "s3_uri": f"s3://{bucket}/{key}",
            "arn": arn,
            "parent": parent,
            "breadcrumbs": _breadcrumbs(parent),
            "download": perms.check("s3:GetObjectVersion" if version else "s3:GetObject", arn),
            "delete": perms.check("s3:DeleteObjectVersion" if version else "s3:DeleteObject", arn),
            "download_url": reverse("console:s3_download", kwargs={"bucket": bucket}) + "?" + urlencode(query),
            "delete_url": reverse("console:s3_delete", kwargs={"bucket": bucket}) + "?" + urlencode(query),
            "listing_url": _listing_url(bucket, parent),
        },
    )


@with_role
@require_http_methods(["GET", "POST"])
def create_folder(request: HttpRequest, creds: aws.TemporaryCredentials, bucket: str) -> HttpResponse:
    """Create folder, as the AWS console does: a zero-byte object named `<prefix><name>/`."""
    prefix = _prefix(request.GET.get("prefix", ""))
    verdict = permissions.RolePermissions(_session(request), creds).check(
        "s3:PutObject", aws.bucket_arn(bucket, prefix + "*")
    )
    name = request.POST.get("name", "") if request.method == "POST" else ""
    error = ""
    if request.method == "POST":
        error = _new_folder(request, creds, bucket, prefix, name)
        if not error:
            messages.success(request, f"Created folder {text.visible(name)}.")
            return redirect(_listing_url(bucket, prefix))
    return render(
        request,
        "console/s3_create_folder.html",
        {
            "bucket": bucket,
            "prefix": prefix,
            "name": name,
            "error": error,
            "verdict": verdict,
            "breadcrumbs": _breadcrumbs(prefix),
            "listing_url": _listing_url(bucket, prefix),
        },
        status=400 if error else 200,
    )


def _new_folder(request: HttpRequest, creds: aws.TemporaryCredentials, bucket: str, prefix: str, name: str) -> str:
    """Create the folder; "" when done, else what the person should be told."""
    try:
        s3_names.check_prefix(prefix)
        key = s3_names.folder_key(prefix, name)
    except s3_names.InvalidName as exc:
        return str(exc)
    role_arn = _session(request).role_arn
    try:
        with audit.action(request, AuditEvent.Kind.S3_PUT, role_arn=role_arn, detail=aws.bucket_arn(bucket, key)):
            aws.create_folder(creds, bucket, key)
    except aws.PreconditionFailed:  # a folder object of that key is there: left as it is
        return f"A folder named {text.visible(name)} already exists here."
    return ""


# One range (bytes=first-last, first-, or -suffix); several ranges are served as the whole object,
# which HTTP allows.
SINGLE_RANGE = re.compile(r"^bytes=(\d+-\d*|-\d+)$")


@with_role
@require_http_methods(["GET", "HEAD"])
def download(request: HttpRequest, creds: aws.TemporaryCredentials, bucket: str) -> HttpResponseBase:
    """Stream an object from S3. A single Range and If-None-Match are passed to S3 (206 with
    Content-Range, or 304); HEAD answers with the headers only."""
    key = request.GET.get("key", "")
    if not key:
        return _bad_request(request, "Nothing to download", "No object key was given.")
    byte_range = request.headers.get("Range", "").strip()
    role_arn = _session(request).role_arn
    version = request.GET.get("version") or None
    detail = aws.bucket_arn(bucket, key) + (f" (version {version})" if version else "")
    try:
        with audit.action(request, AuditEvent.Kind.S3_GET, role_arn=role_arn, detail=detail):
            stream = aws.open_object(
                creds,
                bucket,
                key,
                byte_range=byte_range if SINGLE_RANGE.match(byte_range) else None,
                if_none_match=request.headers.get("If-None-Match", "").strip()[:1024] or None,
                head=request.method == "HEAD",
                version_id=version,
            )
    except aws.RangeNotSatisfiable as exc:
        response = HttpResponse(status=416)
        if exc.object_size is not None:
            response["Content-Range"] = f"bytes */{exc.object_size}"
        return _private(response, key)
    return _private(_download_response(request, stream), key)


def _download_response(request: HttpRequest, stream: aws.ObjectStream) -> HttpResponseBase:
    """The answer for an object S3 opened: 304, or its headers (HEAD) or body, whole or a range."""
    response: HttpResponseBase
    if stream.not_modified:
        response = HttpResponse(status=304)
        response["ETag"] = stream.etag
        return response
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
    return response


def _private(response: HttpResponseBase, key: str) -> HttpResponseBase:
    # The object is the user's content, not ours: never let the browser render it here.
    disposition = content_disposition_header(True, download_name(key))
    if disposition is None:  # Django gives None only for inline with no file name
        raise RuntimeError("An attachment always has a Content-Disposition header.")
    response["Content-Disposition"] = disposition
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
    raw = "name" in request.GET and not (request.content_type or "").startswith("multipart/")
    try:  # the prefix is checked with the file's name, as one key (uploads.object_key)
        with uploads.slot():  # bounded memory per process: a few parts per upload
            if raw:
                return _upload_raw(request, creds, bucket, prefix, request.GET["name"])
            return _upload(request, creds, bucket, prefix)
    except uploads.Busy:
        message = "Too many uploads are in progress on this server right now. Try again in a moment."
        if wants_json(request):
            return JsonResponse({"error": message}, status=503, headers={"Retry-After": "5"})
        return errors.unavailable(request, message)


def _csrf_refusal(request: HttpRequest) -> HttpResponseForbidden | None:
    """Django's CSRF check, run by hand: the upload views are csrf_exempt so that the body is
    read only after the streaming upload handler is installed."""
    return CsrfViewMiddleware(_not_called).process_view(request, _not_called, (), {})


def _not_called(request: HttpRequest) -> HttpResponse:
    """The middleware's `get_response` and the `callback` it inspects: never called."""
    raise RuntimeError("The CSRF check does not call the view.")


def _upload_raw(
    request: HttpRequest, creds: aws.TemporaryCredentials, bucket: str, prefix: str, name: str
) -> HttpResponse:
    """The upload panel's way: the file is the request body (`?prefix=&name=`, its type in
    Content-Type, the CSRF token in X-CSRFToken). The token is checked before the first byte is
    read, and the body goes straight into the part buffers: no multipart parsing, no boundary
    search, one copy less than the form's way (benchmarks/s3.py)."""
    if request.content_type == "application/x-www-form-urlencoded":
        # The CSRF check would parse such a body as a form (into memory): not a file's type.
        return _bad_request(request, "Upload refused", "Send the file as the request body with its own type.")
    rejected = _csrf_refusal(request)
    if rejected is not None:
        return rejected
    try:
        key = uploads.object_key(prefix, name)
    except uploads.InvalidUpload as exc:
        return _bad_request(request, "Upload refused", str(exc))
    content_type = request.META.get("CONTENT_TYPE") or "application/octet-stream"
    upload = aws.StreamingUpload(creds, bucket, key, content_type)
    role_arn = _session(request).role_arn
    try:
        with audit.action(
            request, AuditEvent.Kind.S3_PUT, role_arn=role_arn, detail=aws.bucket_arn(bucket, key)
        ) as event:
            cancelled = _receive_body(request, upload, event)
            if cancelled is not None:
                return cancelled
    finally:
        _report_left_behind_upload(request, upload, bucket)
    return _uploaded(request, bucket, prefix, key, upload.size)


def _receive_body(request: HttpRequest, upload: aws.StreamingUpload, event: AuditEvent) -> HttpResponse | None:
    """Copies the request body into the upload and completes it; the 400 when the browser stopped
    sending (the upload aborted, the audit row failed), None once the object is in S3."""
    try:
        received = uploads.copy_body(request, upload)
    except BaseException:
        upload.abort()
        raise
    if received < uploads.content_length(request):
        upload.abort()  # the browser stopped sending (Cancel, a closed tab)
        event.outcome, event.detail = AuditEvent.Outcome.FAILED, f"{event.detail}: cancelled"
        return _bad_request(request, "Upload cancelled", "The upload was cancelled before the file arrived.")
    upload.complete()
    return None


def _uploaded(request: HttpRequest, bucket: str, prefix: str, key: str, size: int) -> HttpResponse:
    message = f"Uploaded {text.visible(key)} ({size:,} byte{'' if size == 1 else 's'})."
    if wants_json(request):
        # The panel shows its batch's messages on the next page itself: it uploads two files at
        # once, and two responses saving messages at once keep only one of them.
        return JsonResponse({"key": key, "size": size, "message": message}, status=201)
    messages.success(request, message)
    return redirect(_listing_url(bucket, prefix))


def _upload(request: HttpRequest, creds: aws.TemporaryCredentials, bucket: str, prefix: str) -> HttpResponse:
    handler = uploads.S3UploadHandler(request, creds, bucket, prefix)
    request.upload_handlers = [handler]
    role_arn = _session(request).role_arn
    try:
        # The intent is on record before the first byte goes to S3.
        with audit.action(
            request, AuditEvent.Kind.S3_PUT, role_arn=role_arn, detail=aws.bucket_arn(bucket, prefix)
        ) as event:
            try:
                pending = _received_file(request, handler)
            except uploads.InvalidUpload as exc:
                event.outcome, event.detail = AuditEvent.Outcome.FAILED, f"{event.detail}: {exc}"
                return _bad_request(request, "Upload refused", str(exc))
            if pending is not None and uploads.body_cut_short(request):
                # The browser stopped sending (Cancel, a closed tab): never complete a partial file.
                handler.abort()
                event.outcome, event.detail = AuditEvent.Outcome.FAILED, f"{event.detail}: cancelled"
                return _bad_request(request, "Upload cancelled", "The upload was cancelled before the file arrived.")
            rejected = _csrf_refusal(request)
            if rejected is not None or pending is None:
                handler.abort()  # nothing becomes visible in S3 without a valid CSRF token
                return _refused_form_upload(request, event, rejected, _listing_url(bucket, prefix))
            pending.complete()
            key = pending.upload.key
            event.detail = aws.bucket_arn(bucket, key)
    finally:
        _report_left_behind(request, handler, bucket)
    return _uploaded(request, bucket, prefix, key, pending.size)


def _received_file(request: HttpRequest, handler: uploads.S3UploadHandler) -> uploads.PendingUpload | None:
    """Parses the form's body, streaming the file's parts into S3; on any error (InvalidUpload
    included) the parts are aborted and the error propagates."""
    try:
        pending = request.FILES.get("file")
        if pending is not None and not isinstance(pending, uploads.PendingUpload):
            raise RuntimeError("S3UploadHandler hands every file over as a PendingUpload.")
    except Exception:
        handler.abort()
        raise
    return pending


def _refused_form_upload(
    request: HttpRequest, event: AuditEvent, rejected: HttpResponse | None, listing_url: str
) -> HttpResponse:
    """The form's upload without a valid CSRF token (`rejected`, its 403) or without a file: the
    audit row says which."""
    event.outcome = AuditEvent.Outcome.FAILED
    event.detail += ": CSRF check failed" if rejected is not None else ": no file"
    if rejected is not None:
        return rejected
    if wants_json(request):
        return JsonResponse({"error": "The request carried no file."}, status=400)
    messages.error(request, "Choose a file to upload.")
    return redirect(listing_url)


def _report_left_behind(request: HttpRequest, handler: uploads.S3UploadHandler, bucket: str) -> None:
    _report_left_behind_upload(request, handler.upload, bucket)


def _report_left_behind_upload(request: HttpRequest, upload: aws.StreamingUpload | None, bucket: str) -> None:
    """S3 refused to abort the multipart upload: its parts stay (and cost) until someone aborts
    it. Put the upload ID on record and tell the person."""
    if upload is None or upload.left_behind is None:
        return
    upload_id, reason = upload.left_behind
    audit.record(
        request,
        AuditEvent.Kind.S3_UPLOAD_LEFT_BEHIND,
        role_arn=_session(request).role_arn,
        detail=f"upload ID {upload_id} of {aws.bucket_arn(bucket, upload.key)}: abort refused ({reason})",
    )
    messages.warning(
        request,
        f"The upload was stopped, but S3 refused to discard its parts ({reason}). Multipart upload {upload_id} "
        f"of {text.visible(upload.key)} is left in {bucket}; ask an administrator to abort it.",
    )
