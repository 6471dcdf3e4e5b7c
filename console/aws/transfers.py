"""Object bodies: downloads relayed in pieces as S3 sends them (`open_object`), uploads sent
in parts as the request brings them (`StreamingUpload`, its sender threads)."""

from __future__ import annotations

import base64
import collections
import contextlib
import logging
import threading
import zlib
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import botocore.exceptions
from django.conf import settings

from console.aws.clients import _with
from console.aws.errors import AwsError, _translate
from console.aws.s3 import bucket_arn
from console.aws.sts import TemporaryCredentials

log = logging.getLogger("console.aws")  # the package's logger, as before the split
# Downloads are relayed in 256 KiB pieces (benchmarks/download.py): copies stay in the CPU's
# cache, and each piece stays below the 1 MiB mmap threshold that console/gunicorn.conf.py sets
# (1 MiB pieces were each mapped and unmapped: 15% slower). 32 downloads hold 8 MiB.
_CHUNK = 256 * 1024


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

    def __init__(self, message: str, object_size: int | None, **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.object_size = object_size


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
    kwargs = _object_request(bucket, key, byte_range, if_none_match, version_id)
    action = "s3:GetObjectVersion" if version_id else "s3:GetObject"
    client = _with(creds)
    try:
        response = client.head_object(**kwargs) if head else client.get_object(**kwargs)
    except botocore.exceptions.ClientError as exc:
        return _not_modified_or_raise(exc, action, bucket_arn(bucket, key), if_none_match)
    except Exception as exc:
        raise _translate(exc, action, bucket_arn(bucket, key)) from None
    return _stream(response)


def _object_request(
    bucket: str, key: str, byte_range: str | None, if_none_match: str | None, version_id: str | None
) -> dict[str, str]:
    """GetObject's (or HeadObject's) arguments: the optional ones only when the download asks."""
    kwargs = {"Bucket": bucket, "Key": key}
    if version_id:
        kwargs["VersionId"] = version_id
    if byte_range:
        kwargs["Range"] = byte_range
    if if_none_match:
        kwargs["IfNoneMatch"] = if_none_match
    return kwargs


def _not_modified_or_raise(
    exc: botocore.exceptions.ClientError, action: str, resource: str, if_none_match: str | None
) -> ObjectStream:
    """S3 answered with an error status: 304 (the If-None-Match ETag is the object's) is an answer,
    an empty stream marked `not_modified`; 416 raises RangeNotSatisfiable; anything else raises
    the domain error (logged by `_translate`)."""
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
            resource=resource,
        ) from None
    raise _translate(exc, action, resource) from None


def _stream(response: dict[str, Any]) -> ObjectStream:
    """The download's metadata, and its body read in _CHUNK pieces and closed when done."""
    body: Any = response.get("Body")  # botocore StreamingBody, None in a HeadObject answer

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
# The multipart upload is declared CRC32 and each part carries its CRC32, computed here and sent
# back at CompleteMultipartUpload (which S3 requires of a CRC32 upload): what boto3's upload_file
# does, so objects uploaded either way carry the same kind of checksum. Declared without an
# algorithm, S3 falls back to a full-object CRC64NVME; moto computes that at completion with a
# copy of the whole object and a second pass over it, a third of the emulator's upload throughput.
CHECKSUM = "CRC32"


def part_checksum(data: bytes | bytearray) -> str:
    """A part's CRC32 as S3 writes it: the 4 bytes, big-endian, in base64."""
    return base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()


_part_senders: ThreadPoolExecutor | None = None
_part_senders_lock = threading.Lock()


def _senders() -> ThreadPoolExecutor:
    """Threads that send parts to S3 while the next part arrives (settings.UPLOAD_PARTS_IN_FLIGHT
    per upload; 32 cover MAX_CONCURRENT_UPLOADS uploads at the default of each)."""
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
        self._in_flight: collections.deque[tuple[Future, bytearray]] = collections.deque()
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
            future, buffer = self._in_flight[0]
            self._parts.append(future.result())  # raises what upload_part raised
            self._in_flight.popleft()
            if len(buffer) == PART_SIZE:
                self._spares.append(buffer)

    def _send_part(self, data: bytearray, wait: bool = True) -> None:
        try:
            self._settle(max(1, settings.UPLOAD_PARTS_IN_FLIGHT) - 1)
            if self._upload_id is None:
                self._upload_id = self._client.create_multipart_upload(
                    Bucket=self.bucket, Key=self.key, ContentType=self.content_type, ChecksumAlgorithm=CHECKSUM
                )["UploadId"]
            number = len(self._parts) + len(self._in_flight) + 1
            if number > MAX_PARTS:
                raise AwsError("The file is larger than S3 accepts in one upload.", action="s3:PutObject")
            future = _senders().submit(self._upload_part, self._upload_id, number, data)
            self._in_flight.append((future, data))
            if wait:
                self._settle()
        except AwsError:
            self.abort()
            raise
        except Exception as exc:
            raise self._fail(exc) from None

    def _upload_part(self, upload_id: str, number: int, data: bytearray) -> dict[str, Any]:
        """One part (on a sender thread), with the CRC32 computed here; what
        CompleteMultipartUpload needs of it."""
        checksum = part_checksum(data)
        response = self._client.upload_part(
            Bucket=self.bucket,
            Key=self.key,
            UploadId=upload_id,
            PartNumber=number,
            Body=data,
            ChecksumAlgorithm=CHECKSUM,
            ChecksumCRC32=checksum,  # given: botocore does not compute it again
        )
        return {"ETag": response["ETag"], "PartNumber": number, "ChecksumCRC32": checksum}

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
        except Exception as exc:
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
        except Exception as exc:
            error = _translate(exc, "s3:AbortMultipartUpload", bucket_arn(self.bucket, self.key))
            self.left_behind = (upload_id, error.code or error.message)
            log.warning("S3 refused to abort multipart upload %s of %s: %s", upload_id, error.resource, error.code)
