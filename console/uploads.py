"""Uploads streamed from the request body into S3, never spooled whole to memory or disk.

Django parses a multipart body before any view code can read the CSRF token in it, so the
handler only sends parts to an (invisible) S3 multipart upload; the view completes it after the
CSRF check passes, and aborts it otherwise. Memory stays at one part (8 MiB) per upload, and
`slot()` caps how many uploads one process runs at once.

One request uploads one object: a second file part is refused (400), never appended.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopFutureHandlers
from django.http import HttpRequest

from . import aws, s3_names

MAX_KEY_BYTES = s3_names.MAX_KEY_BYTES


class InvalidUpload(ValueError):
    """The request cannot become an object; the message says why, for the person."""


class InvalidKey(InvalidUpload):
    pass


class Busy(Exception):
    """This process already runs as many uploads as it may (settings.MAX_CONCURRENT_UPLOADS)."""


_slots_lock = threading.Lock()
_slots: tuple[int, threading.BoundedSemaphore] | None = None


@contextmanager
def slot() -> Iterator[None]:
    """Hold one of this process's upload slots, or raise Busy at once (the view answers 503)."""
    global _slots
    with _slots_lock:
        if _slots is None or _slots[0] != settings.MAX_CONCURRENT_UPLOADS:
            _slots = (settings.MAX_CONCURRENT_UPLOADS, threading.BoundedSemaphore(settings.MAX_CONCURRENT_UPLOADS))
        semaphore = _slots[1]
    if not semaphore.acquire(blocking=False):
        raise Busy()
    try:
        yield
    finally:
        semaphore.release()


def object_key(prefix: str, file_name: str) -> str:
    key = prefix + file_name
    try:
        s3_names.check_key(file_name, "A file name")
        s3_names.check_key(key)
    except s3_names.InvalidName as exc:
        raise InvalidKey(f"That file name cannot be an S3 key: {exc}") from None
    return key


# The body is read in 256 KiB pieces, as downloads are relayed (console/aws/transfers.py): below the 1 MiB
# mmap threshold of console/gunicorn.conf.py, so each piece reuses heap memory.
BODY_PIECE = 256 * 1024


def content_length(request: HttpRequest) -> int:
    value = request.META.get("CONTENT_LENGTH") or "0"
    return int(value) if value.isdigit() else 0


def copy_body(request: HttpRequest, upload: aws.StreamingUpload) -> int:
    """Send the request body (the file itself, the upload panel's way) into `upload` piece by
    piece; returns the bytes received (fewer than Content-Length: the browser stopped)."""
    length, received = content_length(request), 0
    while received < length:
        data = request.read(min(BODY_PIECE, length - received))
        if not data:
            break
        upload.write(data)
        received += len(data)
    return received


def body_cut_short(request: HttpRequest) -> bool:
    """Did the request body end before its Content-Length (the browser stopped sending)? Django's
    parser then hands over what arrived as if it were the whole file."""
    stream = getattr(request, "_stream", None)
    position, limit = getattr(stream, "_pos", None), getattr(stream, "limit", None)
    return isinstance(position, int) and isinstance(limit, int) and position < limit


class PendingUpload(UploadedFile):
    """What request.FILES holds: the parts are in S3, waiting for `complete()` or `abort()`."""

    size: int  # always known: the bytes already sent to S3

    def __init__(self, upload: aws.StreamingUpload, name: str) -> None:
        super().__init__(file=None, name=name, content_type=upload.content_type, size=upload.size)
        self.upload = upload

    def complete(self) -> None:
        self.upload.complete()

    def close(self) -> None:
        """Nothing to close: the bytes are in S3, not in a file (Django closes files on errors)."""

    def abort(self) -> None:
        self.upload.abort()


class S3UploadHandler(FileUploadHandler):
    """Streams the `file` field of a multipart request into S3 as it arrives."""

    # Django's parser reads the body in pieces of the smallest handler chunk size (64 KiB by
    # default): 1 MiB pieces cost a sixteenth of the Python overhead per byte, and at most one
    # piece is held beside the part buffers.
    chunk_size = 1024 * 1024

    def __init__(self, request: HttpRequest, creds: aws.TemporaryCredentials, bucket: str, prefix: str) -> None:
        super().__init__(request)
        self.creds, self.bucket, self.prefix = creds, bucket, prefix
        self.upload: aws.StreamingUpload | None = None
        self._receiving = False  # True while the current part is ours

    def new_file(
        self,
        field_name: str,
        file_name: str,
        content_type: str,
        content_length: int | None,
        charset: str | None = None,
        content_type_extra: dict[str, bytes] | None = None,
    ) -> None:
        super().new_file(field_name, file_name, content_type, content_length, charset, content_type_extra)
        self._receiving = False
        if field_name != "file":
            raise StopFutureHandlers()  # not ours and not spooled anywhere: its bytes are dropped
        if self.upload is not None:
            # Appending it would corrupt the first object; a second object is not what the form asks.
            raise InvalidUpload("Upload one file at a time: the request carried more than one file.")
        key = object_key(self.prefix, file_name)  # InvalidKey propagates to the view
        self.upload = aws.StreamingUpload(self.creds, self.bucket, key, content_type or "application/octet-stream")
        self._receiving = True
        raise StopFutureHandlers()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        if self._receiving and self.upload is not None:
            self.upload.write(raw_data)  # AwsError propagates: the view shows a 403/404/502 page
        return None

    def file_complete(self, file_size: int) -> PendingUpload | None:
        if not self._receiving or self.upload is None:
            return None
        self._receiving = False
        if self.file_name is None:  # new_file set it before the part's first byte
            raise RuntimeError("The upload's part ended without a file name.")
        return PendingUpload(self.upload, self.file_name)

    def upload_interrupted(self) -> None:
        self.abort()

    def abort(self) -> None:
        if self.upload is not None:
            self.upload.abort()
