"""S3 with a role's credentials: buckets, listings (objects and versions), an object's details,
versioning, folders, deletes, the bucket policy. Downloads and uploads are in transfers.py."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from console.aws.clients import _with
from console.aws.errors import AccessDenied, CredentialsRejected, NotFound, _translate
from console.aws.sts import TemporaryCredentials


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


def bucket_arn(bucket: str, key: str | None = None) -> str:
    return f"arn:aws:s3:::{bucket}" + (f"/{key}" if key is not None else "")


def list_buckets(creds: TemporaryCredentials) -> list[str]:
    try:
        return [b["Name"] for b in _with(creds).list_buckets().get("Buckets", [])]
    except Exception as exc:
        raise _translate(exc, "s3:ListAllMyBuckets", "*") from None


def list_objects(
    creds: TemporaryCredentials, bucket: str, prefix: str, token: str | None = None, page_size: int = 1000
) -> ObjectPage:
    kwargs = {"Bucket": bucket, "Prefix": prefix, "Delimiter": "/", "MaxKeys": page_size}
    if token:
        kwargs["ContinuationToken"] = token
    try:
        response = _with(creds).list_objects_v2(**kwargs)
    except Exception as exc:
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
    except Exception as exc:
        raise _translate(exc, "s3:ListBucketVersions", bucket_arn(bucket)) from None
    rows = _version_rows(response)
    next_token = None
    if response.get("IsTruncated"):
        next_token = f"{response.get('NextKeyMarker', '')}\0{response.get('NextVersionIdMarker', '')}"
    return ObjectPage(
        prefixes=[p["Prefix"] for p in response.get("CommonPrefixes", [])],
        objects=[o for o in rows if o.key != prefix],
        next_token=next_token,
    )


def _version_rows(response: dict[str, Any]) -> list[S3Object]:
    """ListObjectVersions' versions and delete markers as one list of rows, per key newest first."""
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
    return rows


def _delete_one_by_one(client, bucket: str, batch: list[tuple[str, str | None]], result: DeleteResult) -> None:
    for key, version_id in batch:
        kwargs = {"Bucket": bucket, "Key": key, **({"VersionId": version_id} if version_id else {})}
        try:
            response = client.delete_object(**kwargs)
        except Exception as exc:
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
        except Exception as exc:
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
    except Exception as exc:
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
    except Exception as exc:
        # Only the wording of the delete page depends on it: a role that may not ask is normal.
        error = _translate(exc, "s3:GetBucketVersioning", bucket_arn(bucket), expected=True)
    if isinstance(error, CredentialsRejected):
        raise error
    return ""


def create_folder(creds: TemporaryCredentials, bucket: str, key: str) -> None:
    """A folder as the AWS console makes one: a zero-byte object whose key ends in "/". Written
    only if no object has that key (If-None-Match: *): an existing folder is not overwritten (in
    a versioned bucket, not given a new version); S3 then refuses with PreconditionFailed."""
    try:
        _with(creds).put_object(Bucket=bucket, Key=key, Body=b"", IfNoneMatch="*")
    except Exception as exc:
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
        except Exception as exc:
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


def delete_object(creds: TemporaryCredentials, bucket: str, key: str, version_id: str | None = None) -> str | None:
    """Delete the object (or one version of it). When S3 only added a delete marker (a versioned
    bucket keeps the versions), the marker's version ID: "null" when versioning is suspended
    (the marker then replaced the object's null version for good)."""
    kwargs = {"Bucket": bucket, "Key": key}
    if version_id:
        kwargs["VersionId"] = version_id
    try:
        response = _with(creds).delete_object(**kwargs)
        if version_id or not response.get("DeleteMarker"):
            return None
        return str(response.get("VersionId") or "null")
    except Exception as exc:
        action = "s3:DeleteObjectVersion" if version_id else "s3:DeleteObject"
        raise _translate(exc, action, bucket_arn(bucket, key)) from None


def get_bucket_policy(creds: TemporaryCredentials, bucket: str) -> str | None:
    """The bucket policy as JSON text, or None when the bucket has none."""
    try:
        return _with(creds).get_bucket_policy(Bucket=bucket)["Policy"]
    except Exception as exc:
        error = _translate(exc, "s3:GetBucketPolicy", bucket_arn(bucket))
    if isinstance(error, NotFound) or error.code == "NoSuchBucketPolicy":
        return None
    raise error
