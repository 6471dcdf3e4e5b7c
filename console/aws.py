"""Everything that talks to AWS (or the embedded emulator). The only module importing boto3.

Callers get plain dataclasses back and domain exceptions on failure, never botocore types.
Clients are built lazily from settings and cached; a settings change (tests) builds new ones.
Credentials are never logged or put in an exception message.
"""

from __future__ import annotations

import collections
import contextlib
import json
import logging
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import boto3
import botocore.exceptions
from botocore.config import Config
from django.conf import settings
from django.views.decorators.debug import sensitive_variables

log = logging.getLogger(__name__)
_session_lock = threading.Lock()
# Downloads are relayed in 256 KiB pieces (benchmarks/download.py): copies stay in the CPU's
# cache, and each piece stays below the 1 MiB mmap threshold that console/gunicorn.conf.py sets
# (1 MiB pieces were each mapped and unmapped: 15% slower). 32 downloads hold 8 MiB.
_CHUNK = 256 * 1024


# --- Domain errors -------------------------------------------------------------------------


class AwsError(Exception):
    """AWS refused or failed. `action` and `resource` say what was attempted."""

    def __init__(self, message: str, *, code: str = "", action: str = "", resource: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.action = action
        self.resource = resource


class AccessDenied(AwsError):
    pass


class NotFound(AwsError):
    pass


class CredentialsRejected(AwsError):
    """The backend does not accept the credentials (unknown key, bad or expired token): a role
    session using them cannot continue."""


class CredentialsExpired(CredentialsRejected):
    pass


class Unavailable(AwsError):
    """The endpoint could not be reached or timed out."""


_EXPIRED_CODES = {"ExpiredToken", "ExpiredTokenException", "TokenRefreshRequired"}
# e.g. after the emulator restarted (it forgets every key), or keys revoked in IAM.
_REJECTED_CODES = {"InvalidAccessKeyId", "InvalidToken", "InvalidClientTokenId", "UnrecognizedClientException"}
_NOT_FOUND_CODES = {"NoSuchBucket", "NoSuchKey", "NotFound", "404", "NoSuchEntity"}


def _translate(exc: Exception, action: str, resource: str) -> AwsError:
    """The domain error for a boto3/botocore failure, logged here: every AWS error the console
    meets passes through this one place."""
    error = _domain_error(exc, action, resource)
    _log_failure(exc, error)
    return error


def _log_failure(exc: Exception, error: AwsError) -> None:
    """One line per AWS failure: action, resource, error code, HTTP status, request ID. Never the
    message text or the exception (they can quote a request), never credentials."""
    response = exc.response if isinstance(exc, botocore.exceptions.ClientError) else {}
    metadata = response.get("ResponseMetadata", {})
    headers = metadata.get("HTTPHeaders", {})
    fields = {
        "aws_action": error.action,
        "aws_resource": error.resource,
        "aws_error_code": error.code or type(exc).__name__,
        "aws_status": metadata.get("HTTPStatusCode"),
        "aws_request_id": metadata.get("RequestId")
        or headers.get("x-amzn-requestid")
        or headers.get("x-amz-request-id"),
    }
    level = logging.INFO if isinstance(error, NotFound) else logging.WARNING
    log.log(
        level,
        "AWS %s on %s failed: %s (HTTP %s, request ID %s)",
        fields["aws_action"],
        fields["aws_resource"] or "-",
        fields["aws_error_code"],
        fields["aws_status"] or "-",
        fields["aws_request_id"] or "-",
        extra=fields,
    )


def _domain_error(exc: Exception, action: str, resource: str) -> AwsError:
    if isinstance(exc, botocore.exceptions.ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        message = str(error.get("Message", "")) or code
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        kwargs = {"code": code, "action": action, "resource": resource}
        if code in _EXPIRED_CODES:
            return CredentialsExpired(message, **kwargs)
        if code in _REJECTED_CODES:
            return CredentialsRejected(message, **kwargs)
        if code in ("AccessDenied", "AccessDeniedException", "Forbidden", "403") or status == 403:
            return AccessDenied(message, **kwargs)
        if code in _NOT_FOUND_CODES or status == 404:
            return NotFound(message, **kwargs)
        return AwsError(message, **kwargs)
    if isinstance(
        exc,
        (
            botocore.exceptions.EndpointConnectionError,
            botocore.exceptions.ConnectTimeoutError,
            botocore.exceptions.ReadTimeoutError,
            botocore.exceptions.ConnectionClosedError,
        ),
    ):
        return Unavailable("The AWS endpoint could not be reached.", action=action, resource=resource)
    if isinstance(exc, botocore.exceptions.NoCredentialsError):
        return AwsError("The console has no AWS credentials for its broker principal.", action=action)
    return AwsError(f"AWS call failed: {type(exc).__name__}", action=action, resource=resource)


# --- Credentials and clients ---------------------------------------------------------------


@dataclass(frozen=True)
class TemporaryCredentials:
    access_key_id: str = field(repr=False)
    secret_access_key: str = field(repr=False)
    session_token: str = field(repr=False)
    expiration: datetime
    assumed_role_arn: str = ""
    assumed_role_id: str = ""

    def as_dict(self) -> dict[str, str]:
        return {
            "access_key_id": self.access_key_id,
            "secret_access_key": self.secret_access_key,
            "session_token": self.session_token,
        }


def _config() -> Config:
    return Config(
        region_name=settings.AWS_REGION,
        connect_timeout=5,
        read_timeout=30,
        retries={"max_attempts": 3, "mode": "standard"},
        s3={"addressing_style": "path"} if settings.AWS_ENDPOINT_URL else {},
        # Downloads are relayed byte for byte to a browser that cannot check S3's CRC32, and the
        # hop to S3 is TLS (integrity-checked) on real AWS: validating CRC32 again here cost a
        # third of a download's throughput on a 2-core machine (benchmarks/download.py).
        # Uploads still send their checksums (request_checksum_calculation is unchanged).
        response_checksum_validation="when_required",
    )


@lru_cache(maxsize=1)
def _boto_session() -> boto3.session.Session:
    # One shared botocore session: its loaders and endpoint data are read once.
    return boto3.session.Session()


@sensitive_variables("key", "secret", "token")
def new_client(
    service: str,
    endpoint: str | None,
    region: str,
    key: str | None,
    secret: str | None,
    token: str | None,
):
    """A new, uncached boto3 client with the console's configuration (timeouts, retries). Code
    that registers its own event handlers on a client (console/emulator/seeding.py) builds one
    with this and caches it itself; everything else uses the cached `_client`."""
    with _session_lock:  # client creation on a shared session is not thread-safe
        return _boto_session().client(
            service,
            endpoint_url=endpoint,
            region_name=region,
            aws_access_key_id=key,
            aws_secret_access_key=secret,
            aws_session_token=token,
            config=_config(),
        )


@lru_cache(maxsize=128)
@sensitive_variables("key", "secret", "token")
def _client(
    service: str,
    endpoint: str | None,
    region: str,
    key: str | None,
    secret: str | None,
    token: str | None,
):
    return new_client(service, endpoint, region, key, secret, token)


@lru_cache(maxsize=16)
def _profile_client(profile: str, service: str, endpoint: str | None, region: str):
    with _session_lock:
        return boto3.session.Session(profile_name=profile).client(
            service, endpoint_url=endpoint, region_name=region, config=_config()
        )


def _as_document(value) -> dict | None:  # noqa: ANN001
    """boto3 decodes policy documents to dicts; some backends return JSON text."""
    if value is None or isinstance(value, dict):
        return value
    return json.loads(value)


_broker_file_cache: tuple[str, int, tuple[str | None, str | None, str | None]] | None = None


@sensitive_variables("data", "keys", "cached")
def _broker_keys() -> tuple[str | None, str | None, str | None]:
    """The broker's keys: from AWS_BROKER_CREDENTIALS_FILE when set (re-read whenever the file
    changes, so a re-seeded emulator's new keys are picked up without a restart), else from
    the settings (None: boto3's standard chain)."""
    global _broker_file_cache
    path = settings.AWS_BROKER_CREDENTIALS_FILE
    if not path:
        return settings.AWS_ACCESS_KEY_ID, settings.AWS_SECRET_ACCESS_KEY, settings.AWS_SESSION_TOKEN
    try:
        stamp = os.stat(path).st_mtime_ns
    except OSError:
        raise AwsError("The console's broker credentials file is missing.", action="sts:AssumeRole") from None
    cached = _broker_file_cache
    if cached is None or cached[0] != path or cached[1] != stamp:
        try:
            data = json.loads(Path(path).read_text())
        except (OSError, ValueError):
            raise AwsError("The console's broker credentials file cannot be read.", action="sts:AssumeRole") from None
        keys = (data.get("aws_access_key_id"), data.get("aws_secret_access_key"), data.get("aws_session_token"))
        _broker_file_cache = cached = (path, stamp, keys)
    return cached[2]


def _broker(service: str):
    key, secret, token = _broker_keys()
    return _client(service, settings.AWS_ENDPOINT_URL, settings.AWS_REGION, key, secret, token)


def _with(creds: TemporaryCredentials, service: str = "s3"):
    return _client(
        service,
        settings.AWS_ENDPOINT_URL,
        settings.AWS_REGION,
        creds.access_key_id,
        creds.secret_access_key,
        creds.session_token,
    )


# --- STS -----------------------------------------------------------------------------------


@sensitive_variables("response", "c")
def assume_role(role_arn: str, session_name: str, source_identity: str, duration_seconds: int) -> TemporaryCredentials:
    """AssumeRole with the broker's credentials. The person is named in the session name and
    the SourceIdentity, so CloudTrail shows who acted."""
    try:
        response = _broker("sts").assume_role(
            RoleArn=role_arn,
            RoleSessionName=session_name,
            SourceIdentity=source_identity,
            DurationSeconds=duration_seconds,
        )
    except Exception as exc:  # noqa: BLE001 - translated to a domain error
        raise _translate(exc, "sts:AssumeRole", role_arn) from None
    c = response["Credentials"]
    return TemporaryCredentials(
        c["AccessKeyId"],
        c["SecretAccessKey"],
        c["SessionToken"],
        c["Expiration"],
        response.get("AssumedRoleUser", {}).get("Arn", ""),
        response.get("AssumedRoleUser", {}).get("AssumedRoleId", ""),
    )


def caller_identity(creds: TemporaryCredentials | None = None) -> str:
    client = _with(creds, "sts") if creds else _broker("sts")
    try:
        return client.get_caller_identity()["Arn"]
    except Exception as exc:  # noqa: BLE001
        raise _translate(exc, "sts:GetCallerIdentity", "*") from None


# --- S3 with a role's credentials ----------------------------------------------------------


@dataclass(frozen=True)
class S3Object:
    key: str
    size: int
    last_modified: datetime
    storage_class: str = "STANDARD"
    etag: str = ""
    # Set in a listing of versions: the version's ID, whether it is the current one, and whether
    # it is a delete marker (no size, no body).
    version_id: str | None = None
    is_latest: bool = True
    is_delete_marker: bool = False

    @property
    def name(self) -> str:
        return self.key.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class ObjectPage:
    prefixes: list[str]
    objects: list[S3Object]
    next_token: str | None


@dataclass(frozen=True)
class ObjectDetails:
    key: str
    size: int
    last_modified: datetime | None
    etag: str
    storage_class: str
    content_type: str
    metadata: dict[str, str]
    version_id: str | None = None


@dataclass(frozen=True)
class DeleteFailure:
    key: str
    version_id: str | None
    code: str
    message: str


@dataclass
class DeleteResult:
    deleted: list[tuple[str, str | None]] = field(default_factory=list)  # (key, version ID or None)
    failed: list[DeleteFailure] = field(default_factory=list)
    delete_markers: int = 0  # deletes that only added a delete marker (versioned bucket)


@dataclass
class ObjectStream:
    content_length: int
    content_type: str
    chunks: Iterator[bytes]
    etag: str = ""
    last_modified: datetime | None = None
    content_range: str = ""  # set when S3 answered a Range request with part of the object
    not_modified: bool = False  # S3 said 304: the If-None-Match ETag is the object's


class RangeNotSatisfiable(AwsError):
    """The Range starts beyond the object's end. `object_size` when S3 said it."""

    def __init__(self, message: str, object_size: int | None, **kwargs) -> None:  # noqa: ANN003
        super().__init__(message, **kwargs)
        self.object_size = object_size


def bucket_arn(bucket: str, key: str | None = None) -> str:
    return f"arn:aws:s3:::{bucket}" + (f"/{key}" if key is not None else "")


def list_buckets(creds: TemporaryCredentials) -> list[str]:
    try:
        return [b["Name"] for b in _with(creds).list_buckets().get("Buckets", [])]
    except Exception as exc:  # noqa: BLE001
        raise _translate(exc, "s3:ListAllMyBuckets", "*") from None


def list_objects(
    creds: TemporaryCredentials, bucket: str, prefix: str, token: str | None = None, page_size: int = 1000
) -> ObjectPage:
    kwargs = {"Bucket": bucket, "Prefix": prefix, "Delimiter": "/", "MaxKeys": page_size}
    if token:
        kwargs["ContinuationToken"] = token
    try:
        response = _with(creds).list_objects_v2(**kwargs)
    except Exception as exc:  # noqa: BLE001
        raise _translate(exc, "s3:ListBucket", bucket_arn(bucket)) from None
    return ObjectPage(
        prefixes=[p["Prefix"] for p in response.get("CommonPrefixes", [])],
        objects=[
            S3Object(o["Key"], o["Size"], o["LastModified"], o.get("StorageClass") or "STANDARD", o.get("ETag", ""))
            for o in response.get("Contents", [])
            if o["Key"] != prefix
        ],
        next_token=response.get("NextContinuationToken") if response.get("IsTruncated") else None,
    )


def list_object_versions(
    creds: TemporaryCredentials,
    bucket: str,
    prefix: str,
    marker: tuple[str, str] | None = None,
    page_size: int = 1000,
) -> ObjectPage:
    """One page of versions and delete markers under `prefix` (folders as prefixes), newest
    first per key. `marker` is the (key, version ID) the previous page ended at; the page's
    `next_token` is the next one, joined as "key\0version ID"."""
    kwargs = {"Bucket": bucket, "Prefix": prefix, "Delimiter": "/", "MaxKeys": page_size}
    if marker:
        kwargs["KeyMarker"], kwargs["VersionIdMarker"] = marker
    try:
        response = _with(creds).list_object_versions(**kwargs)
    except Exception as exc:  # noqa: BLE001
        raise _translate(exc, "s3:ListBucketVersions", bucket_arn(bucket)) from None
    rows = [
        S3Object(
            v["Key"],
            v.get("Size", 0),
            v["LastModified"],
            v.get("StorageClass") or "STANDARD",
            v.get("ETag", ""),
            v.get("VersionId"),
            bool(v.get("IsLatest")),
        )
        for v in response.get("Versions", [])
    ] + [
        S3Object(m["Key"], 0, m["LastModified"], "", "", m.get("VersionId"), bool(m.get("IsLatest")), True)
        for m in response.get("DeleteMarkers", [])
    ]
    # S3 sends versions and delete markers in two lists; a person reads them per key, newest first.
    rows.sort(key=lambda o: (o.key, -o.last_modified.timestamp(), not o.is_latest))
    next_token = None
    if response.get("IsTruncated"):
        next_token = f"{response.get('NextKeyMarker', '')}\0{response.get('NextVersionIdMarker', '')}"
    return ObjectPage(
        prefixes=[p["Prefix"] for p in response.get("CommonPrefixes", [])],
        objects=[o for o in rows if o.key != prefix],
        next_token=next_token,
    )


def _delete_one_by_one(client, bucket: str, batch: list[tuple[str, str | None]], result: DeleteResult) -> None:  # noqa: ANN001
    for key, version_id in batch:
        kwargs = {"Bucket": bucket, "Key": key, **({"VersionId": version_id} if version_id else {})}
        try:
            response = client.delete_object(**kwargs)
        except Exception as exc:  # noqa: BLE001
            error = _translate(
                exc, "s3:DeleteObjectVersion" if version_id else "s3:DeleteObject", bucket_arn(bucket, key)
            )
            if isinstance(error, CredentialsRejected):
                raise error from None
            result.failed.append(DeleteFailure(key, version_id, error.code, error.message))
            continue
        result.deleted.append((key, version_id))
        if response.get("DeleteMarker") and not version_id:
            result.delete_markers += 1


def iter_keys(creds: TemporaryCredentials, bucket: str, prefix: str, page_size: int = 1000) -> Iterator[list[str]]:
    """Every key under `prefix` (no delimiter: the whole subtree), a page at a time."""
    token = None
    client = _with(creds)
    while True:
        kwargs = {"Bucket": bucket, "Prefix": prefix, "MaxKeys": page_size}
        if token:
            kwargs["ContinuationToken"] = token
        try:
            response = client.list_objects_v2(**kwargs)
        except Exception as exc:  # noqa: BLE001
            raise _translate(exc, "s3:ListBucket", bucket_arn(bucket)) from None
        yield [o["Key"] for o in response.get("Contents", [])]
        token = response.get("NextContinuationToken")
        if not response.get("IsTruncated") or not token:
            return


def object_details(creds: TemporaryCredentials, bucket: str, key: str, version_id: str | None = None) -> ObjectDetails:
    """HeadObject: what the details page shows."""
    kwargs = {"Bucket": bucket, "Key": key}
    if version_id:
        kwargs["VersionId"] = version_id
    try:
        response = _with(creds).head_object(**kwargs)
    except Exception as exc:  # noqa: BLE001
        action = "s3:GetObjectVersion" if version_id else "s3:GetObject"
        raise _translate(exc, action, bucket_arn(bucket, key)) from None
    return ObjectDetails(
        key=key,
        size=response.get("ContentLength", 0),
        last_modified=response.get("LastModified"),
        etag=response.get("ETag", ""),
        storage_class=response.get("StorageClass") or "STANDARD",
        content_type=response.get("ContentType") or "",
        metadata=dict(response.get("Metadata") or {}),
        version_id=response.get("VersionId") if response.get("VersionId") not in (None, "null") else None,
    )


def bucket_versioning(creds: TemporaryCredentials, bucket: str) -> str:
    """ "Enabled", "Suspended", or "" (never enabled, or the role may not ask)."""
    try:
        return _with(creds).get_bucket_versioning(Bucket=bucket).get("Status", "") or ""
    except Exception as exc:  # noqa: BLE001
        error = _translate(exc, "s3:GetBucketVersioning", bucket_arn(bucket))
    if isinstance(error, CredentialsRejected):
        raise error
    return ""


def create_folder(creds: TemporaryCredentials, bucket: str, key: str) -> None:
    """A folder as the AWS console makes one: a zero-byte object whose key ends in "/"."""
    try:
        _with(creds).put_object(Bucket=bucket, Key=key, Body=b"")
    except Exception as exc:  # noqa: BLE001
        raise _translate(exc, "s3:PutObject", bucket_arn(bucket, key)) from None


DELETE_BATCH = 1000  # DeleteObjects takes at most 1,000 keys


def delete_objects(creds: TemporaryCredentials, bucket: str, items: list[tuple[str, str | None]]) -> DeleteResult:
    """Delete (key, version ID) pairs with one DeleteObjects call per 1,000. Without a version ID
    a versioned bucket adds a delete marker; with one, that version is gone for good. S3's
    per-key refusals come back in `failed`, never as an exception."""
    result = DeleteResult()
    client = _with(creds)
    for start in range(0, len(items), DELETE_BATCH):
        batch = items[start : start + DELETE_BATCH]
        objects = [{"Key": k, "VersionId": v} if v else {"Key": k} for k, v in batch]
        try:
            response = client.delete_objects(Bucket=bucket, Delete={"Objects": objects, "Quiet": False})
        except Exception as exc:  # noqa: BLE001
            error = _translate(exc, "s3:DeleteObject", bucket_arn(bucket))
            if isinstance(error, AccessDenied):
                # S3 decides DeleteObjects key by key; some backends (moto: s3:DeleteObject on the
                # bucket's ARN) refuse the whole call instead. Ask key by key, as S3 would have.
                _delete_one_by_one(client, bucket, batch, result)
                continue
            if isinstance(error, CredentialsRejected) or (not result.deleted and not result.failed):
                raise error from None
            # Part of the work is done: report the rest of this batch as failed, and stop.
            result.failed += [DeleteFailure(k, v, error.code, error.message) for k, v in batch]
            return result
        for d in response.get("Deleted", []):
            result.deleted.append((d["Key"], d.get("VersionId")))
            if d.get("DeleteMarker") and not d.get("VersionId"):
                result.delete_markers += 1
        for e in response.get("Errors", []):
            result.failed.append(
                DeleteFailure(e.get("Key", ""), e.get("VersionId"), e.get("Code", ""), e.get("Message", ""))
            )
    return result


def open_object(
    creds: TemporaryCredentials,
    bucket: str,
    key: str,
    *,
    byte_range: str | None = None,
    if_none_match: str | None = None,
    head: bool = False,
    version_id: str | None = None,
) -> ObjectStream:
    """Start a download; the body is read in chunks as the response is sent. `byte_range` (an
    HTTP Range value) and `if_none_match` go to S3 as they are: S3 decides what to send.
    `head` asks for the metadata only (HeadObject; `chunks` is then empty)."""
    kwargs = {"Bucket": bucket, "Key": key}
    if version_id:
        kwargs["VersionId"] = version_id
    action = "s3:GetObjectVersion" if version_id else "s3:GetObject"
    if byte_range:
        kwargs["Range"] = byte_range
    if if_none_match:
        kwargs["IfNoneMatch"] = if_none_match
    client = _with(creds)
    try:
        response = client.head_object(**kwargs) if head else client.get_object(**kwargs)
    except botocore.exceptions.ClientError as exc:
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        error = exc.response.get("Error", {})
        if status == 304:
            return ObjectStream(0, "", iter(()), etag=if_none_match or "", not_modified=True)
        if status == 416 or error.get("Code") == "InvalidRange":
            size = str(error.get("ActualObjectSize", ""))
            raise RangeNotSatisfiable(
                "The requested range is not satisfiable.",
                int(size) if size.isdigit() else None,
                code="InvalidRange",
                action=action,
                resource=bucket_arn(bucket, key),
            ) from None
        raise _translate(exc, action, bucket_arn(bucket, key)) from None
    except Exception as exc:  # noqa: BLE001
        raise _translate(exc, action, bucket_arn(bucket, key)) from None
    body = response.get("Body")

    def chunks() -> Iterator[bytes]:
        try:
            yield from body.iter_chunks(_CHUNK)
        finally:
            body.close()

    return ObjectStream(
        response["ContentLength"],
        response.get("ContentType") or "application/octet-stream",
        chunks() if body is not None else iter(()),
        etag=response.get("ETag", ""),
        last_modified=response.get("LastModified"),
        content_range=response.get("ContentRange", ""),
    )


PART_SIZE = 8 * 1024 * 1024
MAX_PARTS = 10_000


_part_senders: ThreadPoolExecutor | None = None
_part_senders_lock = threading.Lock()


def _senders() -> ThreadPoolExecutor:
    """Threads that send parts to S3 while the next part arrives (one in flight per upload)."""
    global _part_senders
    with _part_senders_lock:
        if _part_senders is None:
            _part_senders = ThreadPoolExecutor(max_workers=32, thread_name_prefix="s3-part")
        return _part_senders


class StreamingUpload:
    """An upload written in pieces as they arrive, in 8 MiB parts. While a part fills from the
    request, up to `settings.UPLOAD_PARTS_IN_FLIGHT` earlier parts are on their way to S3 (sender
    threads): receiving and sending overlap, and S3 takes several parts at once, as it does from
    boto3's `upload_file` (benchmarks/s3.py). Memory is bounded: 1 + that many part buffers,
    reused, never the file.

    Parts go to an S3 multipart upload, which stays invisible until `complete()`; `abort()`
    discards it. A file that never fills a part is sent with one PutObject at `complete()`.
    A part S3 refuses surfaces at the next full part or at `complete()`, and aborts the upload.
    When S3 refuses the abort (the role lacks s3:AbortMultipartUpload), the parts stay behind:
    `left_behind` then holds the upload ID and the reason, for the audit log and the page.
    """

    def __init__(self, creds: TemporaryCredentials, bucket: str, key: str, content_type: str) -> None:
        self._client = _with(creds)
        self.bucket, self.key, self.content_type = bucket, key, content_type
        self._buffer: bytearray | None = None  # allocated on the first write
        self._spares: list[bytearray] = []  # buffers of parts S3 has, for the next parts
        self._filled = 0
        self._upload_id: str | None = None
        self._parts: list[dict] = []
        self._in_flight: collections.deque[tuple[Future, int, bytearray]] = collections.deque()
        self.size = 0
        self.left_behind: tuple[str, str] | None = None

    @property
    def upload_id(self) -> str | None:
        return self._upload_id

    def _fail(self, exc: Exception) -> AwsError:
        self.abort()
        return _translate(exc, "s3:PutObject", bucket_arn(self.bucket, self.key))

    def write(self, data: bytes) -> None:
        self.size += len(data)
        view = memoryview(data)
        while view:
            if self._buffer is None:
                self._buffer = self._spares.pop() if self._spares else bytearray(PART_SIZE)
            take = view[: PART_SIZE - self._filled]
            self._buffer[self._filled : self._filled + len(take)] = take  # same length: no resize
            self._filled += len(take)
            view = view[len(take) :]
            if self._filled == PART_SIZE:
                full, self._buffer, self._filled = self._buffer, None, 0
                self._send_part(full, wait=False)  # the whole object when it is exactly one part

    def _rest(self) -> bytearray:
        """What is buffered, without copying it (the buffer is not needed afterwards)."""
        rest = self._buffer if self._buffer is not None else bytearray()
        del rest[self._filled :]
        self._buffer, self._filled = None, 0
        return rest

    def _settle(self, keep: int = 0) -> None:
        """Wait until at most `keep` parts are in flight, oldest first; their buffers become
        spares. S3's refusal of a part is raised."""
        while len(self._in_flight) > keep:
            future, number, buffer = self._in_flight[0]
            response = future.result()  # raises what upload_part raised
            self._in_flight.popleft()
            self._parts.append({"ETag": response["ETag"], "PartNumber": number})
            if len(buffer) == PART_SIZE:
                self._spares.append(buffer)

    def _send_part(self, data: bytearray, wait: bool = True) -> None:
        try:
            self._settle(max(1, settings.UPLOAD_PARTS_IN_FLIGHT) - 1)
            if self._upload_id is None:
                self._upload_id = self._client.create_multipart_upload(
                    Bucket=self.bucket, Key=self.key, ContentType=self.content_type
                )["UploadId"]
            number = len(self._parts) + len(self._in_flight) + 1
            if number > MAX_PARTS:
                raise AwsError("The file is larger than S3 accepts in one upload.", action="s3:PutObject")
            future = _senders().submit(
                self._client.upload_part,
                Bucket=self.bucket,
                Key=self.key,
                UploadId=self._upload_id,
                PartNumber=number,
                Body=data,
            )
            self._in_flight.append((future, number, data))
            if wait:
                self._settle()
        except AwsError:
            self.abort()
            raise
        except Exception as exc:  # noqa: BLE001
            raise self._fail(exc) from None

    def complete(self) -> None:
        """Make the object exist. Only called once the request is known to be legitimate."""
        try:
            rest = self._rest()
            if self._upload_id is None:
                self._client.put_object(Bucket=self.bucket, Key=self.key, Body=rest, ContentType=self.content_type)
            else:
                if rest:
                    self._send_part(rest)  # the last part may be under 5 MiB
                else:
                    self._settle()
                self._spares.clear()
                self._client.complete_multipart_upload(
                    Bucket=self.bucket, Key=self.key, UploadId=self._upload_id, MultipartUpload={"Parts": self._parts}
                )
        except AwsError:
            raise
        except Exception as exc:  # noqa: BLE001
            raise self._fail(exc) from None

    def abort(self) -> None:
        """Discard the upload. A refusal is kept in `left_behind` (and logged), never swallowed."""
        self._buffer, self._filled = None, 0
        self._spares.clear()
        while self._in_flight:
            future = self._in_flight.popleft()[0]
            with contextlib.suppress(Exception):
                future.result()  # S3 must not receive a part after the abort
        if self._upload_id is None:
            return
        upload_id, self._upload_id = self._upload_id, None
        try:
            self._client.abort_multipart_upload(Bucket=self.bucket, Key=self.key, UploadId=upload_id)
        except Exception as exc:  # noqa: BLE001
            error = _translate(exc, "s3:AbortMultipartUpload", bucket_arn(self.bucket, self.key))
            self.left_behind = (upload_id, error.code or error.message)
            log.warning("S3 refused to abort multipart upload %s of %s: %s", upload_id, error.resource, error.code)


def delete_object(creds: TemporaryCredentials, bucket: str, key: str, version_id: str | None = None) -> None:
    kwargs = {"Bucket": bucket, "Key": key}
    if version_id:
        kwargs["VersionId"] = version_id
    try:
        _with(creds).delete_object(**kwargs)
    except Exception as exc:  # noqa: BLE001
        action = "s3:DeleteObjectVersion" if version_id else "s3:DeleteObject"
        raise _translate(exc, action, bucket_arn(bucket, key)) from None


def get_bucket_policy(creds: TemporaryCredentials, bucket: str) -> str | None:
    """The bucket policy as JSON text, or None when the bucket has none."""
    try:
        return _with(creds).get_bucket_policy(Bucket=bucket)["Policy"]
    except Exception as exc:  # noqa: BLE001
        error = _translate(exc, "s3:GetBucketPolicy", bucket_arn(bucket))
    if isinstance(error, NotFound) or error.code == "NoSuchBucketPolicy":
        return None
    raise error


def transport_is_secure() -> bool:
    """Does the console reach AWS over TLS? That, not the browser's connection, is what S3 sees
    as aws:SecureTransport on the console's calls (real AWS: always)."""
    endpoint = settings.AWS_ENDPOINT_URL
    return not endpoint or endpoint.lower().startswith("https://")


# --- Administration of an account (role drift, sync and revocation) -----------------------


@dataclass(frozen=True)
class RoleState:
    """A role as AWS has it."""

    trust_policy: dict
    permissions_policy: dict | None
    max_session_duration: int
    inline_policy_names: tuple[str, ...]


REVOKE_POLICY_NAME = "AWSRevokeOlderSessions"
PERMISSIONS_POLICY_NAME = "permissions"


class AccountAdmin:
    """IAM calls that manage an account: with that account's management keys, a boto3 `profile`
    (real AWS), or `clients`, a function from service name to client (the emulator's seeding,
    console/emulator/seeding.py)."""

    def __init__(
        self,
        key: str | None = None,
        secret: str | None = None,
        endpoint: str | None = None,
        profile: str | None = None,
        clients: Callable[[str], Any] | None = None,
    ) -> None:
        self._profile = profile
        self._clients = clients
        self._args = (endpoint or settings.AWS_ENDPOINT_URL, settings.AWS_REGION, key, secret, None)

    def _c(self, service: str):
        if self._clients:
            return self._clients(service)
        if self._profile:
            return _profile_client(self._profile, service, settings.AWS_ENDPOINT_URL, settings.AWS_REGION)
        return _client(service, *self._args)

    def role_state(self, name: str) -> RoleState | None:
        """The role as AWS holds it, or None when it does not exist there."""
        iam = self._c("iam")
        try:
            role = iam.get_role(RoleName=name)["Role"]
            names = tuple(iam.list_role_policies(RoleName=name)["PolicyNames"])
            permissions = None
            if PERMISSIONS_POLICY_NAME in names:
                permissions = iam.get_role_policy(RoleName=name, PolicyName=PERMISSIONS_POLICY_NAME)["PolicyDocument"]
        except iam.exceptions.NoSuchEntityException:
            return None
        except Exception as exc:  # noqa: BLE001
            raise _translate(exc, "iam:GetRole", name) from None
        return RoleState(
            _as_document(role["AssumeRolePolicyDocument"]),
            _as_document(permissions),
            role.get("MaxSessionDuration", 3600),
            names,
        )

    def revoke_older_sessions(self, name: str, before: datetime) -> None:
        """AWS's own mechanism: deny everything to credentials issued before `before`."""
        document = json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Deny",
                        "Action": "*",
                        "Resource": "*",
                        "Condition": {"DateLessThan": {"aws:TokenIssueTime": before.strftime("%Y-%m-%dT%H:%M:%SZ")}},
                    }
                ],
            }
        )
        try:
            self._c("iam").put_role_policy(RoleName=name, PolicyName=REVOKE_POLICY_NAME, PolicyDocument=document)
        except Exception as exc:  # noqa: BLE001
            raise _translate(exc, "iam:PutRolePolicy", name) from None

    def ensure_role(
        self,
        name: str,
        path: str,
        trust_policy: str,
        permissions_policy: str,
        max_session_duration: int,
        description: str = "",
    ) -> None:
        """Create the role, or bring trust policy, duration and inline permissions policy in line."""
        try:
            iam = self._c("iam")
            try:
                iam.create_role(
                    RoleName=name,
                    Path=path,
                    AssumeRolePolicyDocument=trust_policy,
                    MaxSessionDuration=max_session_duration,
                    Description=description,
                )
            except iam.exceptions.EntityAlreadyExistsException:
                iam.update_assume_role_policy(RoleName=name, PolicyDocument=trust_policy)
                iam.update_role(RoleName=name, MaxSessionDuration=max_session_duration, Description=description)
            iam.put_role_policy(RoleName=name, PolicyName=PERMISSIONS_POLICY_NAME, PolicyDocument=permissions_policy)
        except Exception as exc:  # noqa: BLE001
            raise _translate(exc, "iam:CreateRole", name) from None
