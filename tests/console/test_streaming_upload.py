"""StreamingUpload's part pipeline against a recording S3 client: how many parts are in flight,
how many buffers exist, which checksums go where. (The real thing against moto: test_s3.py.)"""

from __future__ import annotations

import base64
import threading
import time
import zlib
from datetime import UTC, datetime

import pytest

from console import aws


class RecordingS3:
    """Answers like S3, slowly enough that parts pile up if the upload lets them."""

    def __init__(self, refuse_part: int | None = None) -> None:
        self.lock = threading.Lock()
        self.in_flight = self.most_in_flight = 0
        self.bodies: dict[int, bytes] = {}
        self.part_calls: dict[int, dict] = {}
        self.buffers: set[int] = set()
        self.calls: list[tuple[str, dict]] = []
        self.refuse_part = refuse_part

    def create_multipart_upload(self, **kwargs) -> dict:
        self.calls.append(("create", kwargs))
        return {"UploadId": "upload-1"}

    def upload_part(self, **kwargs) -> dict:
        with self.lock:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
            self.buffers.add(id(kwargs["Body"]))
        try:
            time.sleep(0.02)
            if kwargs["PartNumber"] == self.refuse_part:
                raise RuntimeError("part refused")
            body = bytes(kwargs["Body"])
            self.bodies[kwargs["PartNumber"]] = body
            self.part_calls[kwargs["PartNumber"]] = {k: v for k, v in kwargs.items() if k != "Body"}
            return {"ETag": f'"etag-{kwargs["PartNumber"]}"'}  # a store that sends no checksum back
        finally:
            with self.lock:
                self.in_flight -= 1

    def complete_multipart_upload(self, **kwargs) -> dict:
        self.calls.append(("complete", kwargs))
        return {}

    def abort_multipart_upload(self, **kwargs) -> dict:
        self.calls.append(("abort", kwargs))
        return {}

    def put_object(self, **kwargs) -> dict:
        self.calls.append(("put", kwargs))
        return {}


def _upload(s3: RecordingS3) -> aws.StreamingUpload:
    creds = aws.TemporaryCredentials("AKIA", "secret", "token", datetime.now(UTC))
    upload = aws.StreamingUpload(creds, "productionapp", "big/file.bin", "application/octet-stream")
    upload._client = s3
    return upload


def _payload(parts: float) -> bytes:
    return bytes(range(256)) * int(parts * aws.PART_SIZE / 256)


@pytest.mark.parametrize("in_flight", [1, 2, 3])
def test_parts_in_flight_and_buffers_are_bounded(settings, in_flight: int) -> None:
    settings.UPLOAD_PARTS_IN_FLIGHT = in_flight
    s3, payload = RecordingS3(), _payload(6.5)
    upload = _upload(s3)
    for start in range(0, len(payload), 256 * 1024):
        upload.write(payload[start : start + 256 * 1024])
    upload.complete()
    assert s3.most_in_flight == in_flight  # the pipeline fills, and never beyond the setting
    assert len(s3.buffers) <= in_flight + 1  # full-size buffers are reused (plus the short last part)
    assert b"".join(s3.bodies[n] for n in sorted(s3.bodies)) == payload
    assert sorted(s3.bodies) == list(range(1, 8))


def test_the_upload_is_declared_crc32_and_each_part_checksum_goes_back(settings) -> None:
    settings.UPLOAD_PARTS_IN_FLIGHT = 2
    s3, payload = RecordingS3(), _payload(2.5)
    upload = _upload(s3)
    upload.write(payload)
    upload.complete()
    (_, create), (_, complete) = s3.calls
    assert create["ChecksumAlgorithm"] == "CRC32"
    expected = [base64.b64encode(zlib.crc32(s3.bodies[n]).to_bytes(4, "big")).decode() for n in (1, 2, 3)]
    # Each part is sent with its CRC32 (computed by the console, not left to the answer) ...
    assert [s3.part_calls[n]["ChecksumAlgorithm"] for n in (1, 2, 3)] == ["CRC32"] * 3
    assert [s3.part_calls[n]["ChecksumCRC32"] for n in (1, 2, 3)] == expected
    # ... and given back at completion, which S3 requires of a CRC32 multipart upload.
    parts = complete["MultipartUpload"]["Parts"]
    assert [p["PartNumber"] for p in parts] == [1, 2, 3]
    assert [p["ChecksumCRC32"] for p in parts] == expected
    assert [p["ETag"] for p in parts] == ['"etag-1"', '"etag-2"', '"etag-3"']


def test_a_refused_part_aborts_the_upload_and_nothing_is_completed(settings) -> None:
    settings.UPLOAD_PARTS_IN_FLIGHT = 2
    s3 = RecordingS3(refuse_part=2)
    upload = _upload(s3)
    with pytest.raises(aws.AwsError):
        upload.write(_payload(5))
        upload.complete()
    assert [name for name, _ in s3.calls] == ["create", "abort"]
    assert s3.in_flight == 0  # no part is still on its way after the abort
    assert upload.upload_id is None


def test_a_small_file_is_one_put_object() -> None:
    s3 = RecordingS3()
    upload = _upload(s3)
    upload.write(b"hello")
    upload.complete()
    assert [name for name, _ in s3.calls] == ["put"]
    assert bytes(s3.calls[0][1]["Body"]) == b"hello" and not s3.buffers
