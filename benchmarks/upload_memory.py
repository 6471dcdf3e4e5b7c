"""Peak memory and time of the console's streaming upload vs. boto3's upload_fileobj.

Both send the same 64 MiB in 8 MiB multipart parts to a moto server in its own process. The console's path is
fed 64 KiB chunks, as Django's multipart parser hands them to the upload handler. Peak memory is
Python's (tracemalloc), which is where a spooled or buffered upload would show.

Usage: .venv/bin/python benchmarks/upload_memory.py [MiB]
"""

from __future__ import annotations

import io
import os
import sys
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings")

import django

django.setup()

import boto3  # noqa: E402
from boto3.s3.transfer import TransferConfig  # noqa: E402
from django.conf import settings  # noqa: E402

from console import aws  # noqa: E402
from console.emulator.server import Emulator  # noqa: E402

CHUNK = 64 * 1024


class Zeros(io.RawIOBase):
    """A readable stream of `size` bytes that never holds more than one read in memory."""

    def __init__(self, size: int) -> None:
        self.left = size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = min(len(buffer), self.left)
        buffer[:n] = b"\x01" * n
        self.left -= n
        return n


def measure(fn) -> tuple[float, float]:
    tracemalloc.start()
    start = time.perf_counter()
    fn()
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20, seconds


def main() -> None:
    mib = int(sys.argv[1]) if len(sys.argv) > 1 else 64
    size = mib * 2**20
    # A separate process, as in the product: the server's own memory is not counted here.
    server = Emulator().start()
    url = server.url
    settings.AWS_ENDPOINT_URL = url
    # The upload path never reads the expiration; an hour covers any run.
    creds = aws.TemporaryCredentials("testing", "testing", "", datetime.now(UTC) + timedelta(hours=1))
    s3 = boto3.client(
        "s3", endpoint_url=url, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    s3.create_bucket(Bucket="bench")
    try:

        def direct() -> None:
            config = TransferConfig(
                multipart_threshold=aws.PART_SIZE, multipart_chunksize=aws.PART_SIZE, use_threads=False
            )
            s3.upload_fileobj(io.BufferedReader(Zeros(size)), "bench", "direct.bin", Config=config)

        def console() -> None:
            upload = aws.StreamingUpload(creds, "bench", "console.bin", "application/octet-stream")
            chunk = b"\x01" * CHUNK
            for _ in range(size // CHUNK):
                upload.write(chunk)
            upload.complete()

        direct()  # warm up clients and connections (building a client loads service models: megabytes)
        aws.StreamingUpload(creds, "bench", "warm.bin", "application/octet-stream").complete()
        direct_peak, direct_s = measure(direct)
        console_peak, console_s = measure(console)
        assert s3.head_object(Bucket="bench", Key="console.bin")["ContentLength"] == size
    finally:
        server.stop()
    print(f"upload of {mib} MiB in {aws.PART_SIZE // 2**20} MiB parts to a local moto server")
    print(f"direct boto3 upload_fileobj: peak {direct_peak:.1f} MiB Python memory, {direct_s:.2f} s")
    print(f"console streaming upload:    peak {console_peak:.1f} MiB Python memory, {console_s:.2f} s")
    print(f"ratio console/direct: memory {console_peak / direct_peak:.2f}x, time {console_s / direct_s:.2f}x")


if __name__ == "__main__":
    main()
