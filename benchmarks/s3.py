"""The S3 pages against direct boto3 on the same endpoint, in one run: upload, download, first page.

    .venv/bin/python benchmarks/s3.py [--mib 256] [--keys 100000] [--rounds 3] [--port 8710]

Starts its own moto server (in its own process) and the console's production stack (gunicorn,
console/gunicorn.conf.py) on a throwaway SQLite database, signs in as alice and switches to
UpdateAPP; the direct side uses the same role's credentials with a plain boto3 client.

* Upload: a --mib MiB file on disk, boto3 `upload_file` (its defaults: 8 MiB parts, 10 threads)
  vs. the same file POSTed to the console's upload URL as the upload panel sends it (the file as
  the body), streamed from disk. Target: console throughput >= 0.8x boto3; console RSS growth
  < 64 MiB. Also shown: the plain form's way (multipart/form-data, the page without script).
* Download: boto3 `get_object` read in 1 MiB chunks vs. the console's download, same object.
* First page: --keys keys under one prefix; `list_objects_v2(MaxKeys=100)` vs. the console's
  listing page (session, IAM engine advice for every row, rendering). Target: console <= 1.5x
  direct + 50 ms.

Each figure is the best of --rounds, the two sides alternating. The machine's load is printed:
on a busy shared machine the ratios move by a tenth or so between runs.
"""

from __future__ import annotations

import argparse
import http.client
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import requests  # noqa: E402
from bench_console import Console, plain_client, sign_in, start_console  # noqa: E402 (sets Django up)
from django.conf import settings  # noqa: E402
from load import RssSampler  # noqa: E402

from console import aws, webserver  # noqa: E402
from console.emulator import seeding, world  # noqa: E402
from console.emulator.server import Emulator, free_port  # noqa: E402

CHUNK = 1024 * 1024
PASSWORD = "s3-benchmark-password"
PREFIX = "bench/"
MANY = "many/"
BOUNDARY = "----console-s3-benchmark"

# moto in its own process, with a back door to fill a prefix with many keys quickly (100,000
# PutObject calls over HTTP would take minutes); everything else goes over HTTP as usual.
MOTO = """
import sys
from moto.moto_server.threaded_moto_server import ThreadedMotoServer
server = ThreadedMotoServer(ip_address="127.0.0.1", port=int(sys.argv[1]), verbose=False)
server.start()
print("ready", flush=True)
for line in sys.stdin:
    command, account, bucket, prefix, count = line.split()
    from moto.s3.models import s3_backends
    backend = s3_backends[account]["aws"]
    for i in range(int(count)):
        backend.put_object(bucket, f"{prefix}{i:06d}.txt", b"")
    print("filled", flush=True)
"""


class MotoProcess(Emulator):
    def start(self, timeout: float = 30.0) -> MotoProcess:
        self.moto = subprocess.Popen(
            [sys.executable, "-c", MOTO, str(self.port)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        self.process = self.moto
        self._answer("ready")
        return self

    def _answer(self, expected: str) -> None:
        line = self.moto.stdout.readline() if self.moto.stdout else ""
        if line.strip() != expected:
            raise RuntimeError(f"moto said {line!r}, not {expected!r}")

    def fill(self, account: str, bucket: str, prefix: str, count: int) -> None:
        if self.moto.stdin is None:
            raise RuntimeError("moto's stdin is closed")
        self.moto.stdin.write(f"fill {account} {bucket} {prefix} {count}\n")
        self.moto.stdin.flush()
        self._answer("filled")


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


_TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: set[int]) -> float:
    """User + system CPU time of these processes (all their threads) so far."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / _TICK


class CpuMeter:
    """CPU seconds each side spends on a step: this process (the client), moto, the console.
    On a busy machine wall time swings with the neighbours' load; CPU per byte does not."""

    def __init__(self, moto_pid: int, console_port: int | None) -> None:
        from load import _listening_pids, _tree

        self.moto = {moto_pid}
        self.console = _tree(_listening_pids(console_port)) if console_port else set()
        self.totals: dict[str, list[float]] = {}
        self.parts: dict[str, list[list[float]]] = {}

    def measure(self, name: str, fn) -> float:
        before = (time.process_time(), cpu_seconds(self.moto), cpu_seconds(self.console))
        seconds = timed(fn)
        after = (time.process_time(), cpu_seconds(self.moto), cpu_seconds(self.console))
        used = [b - a for a, b in zip(before, after, strict=True)]
        if not name.endswith("direct"):
            pass
        else:
            used[2] = 0.0  # the console idles meanwhile; its housekeeping is not the direct path's
        self.totals.setdefault(name, []).append(sum(used))
        self.parts.setdefault(name, []).append(used)
        return seconds


class MultipartFile:
    """A multipart/form-data body (the CSRF token, then the file) read from disk in pieces."""

    def __init__(self, path: Path, token: str) -> None:
        self.head = (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n{token}\r\n'
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{path.name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        self.tail = f"\r\n--{BOUNDARY}--\r\n".encode()
        self.path = path
        self.length = len(self.head) + path.stat().st_size + len(self.tail)

    def send(self, connection: http.client.HTTPConnection) -> None:
        connection.send(self.head)
        with open(self.path, "rb") as handle:
            while block := handle.read(CHUNK):
                connection.send(block)
        connection.send(self.tail)


class RawFile:
    """The file itself as the body, as the upload panel sends it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.length = path.stat().st_size

    def send(self, connection: http.client.HTTPConnection) -> None:
        with open(self.path, "rb") as handle:
            while block := handle.read(CHUNK):
                connection.send(block)


def console_upload(url: str, path: str, cookies: str, token: str, file: Path, way: str = "panel") -> None:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=300)
    body: RawFile | MultipartFile
    if way == "panel":
        body = RawFile(file)
        target = f"{path}/s3/buckets/productionapp/upload?prefix={PREFIX}&name={file.name}"
        headers = [("Content-Type", "application/octet-stream"), ("X-CSRFToken", token)]
    else:
        body = MultipartFile(file, token)
        target = f"{path}/s3/buckets/productionapp/upload?prefix={PREFIX}"
        headers = [("Content-Type", f"multipart/form-data; boundary={BOUNDARY}")]
    connection.putrequest("POST", target)
    for name, value in [
        ("Cookie", cookies),
        ("Content-Length", str(body.length)),
        ("Accept", "application/json"),
        *headers,
    ]:
        connection.putheader(name, value)
    connection.endheaders()
    body.send(connection)
    response = connection.getresponse()
    answer = response.read()
    connection.close()
    assert response.status == 201, (response.status, answer[:300])


def console_download(http_: requests.Session, url: str, size: int) -> None:
    with http_.get(f"{url}/s3/buckets/productionapp/download", params={"key": PREFIX + "up.bin"}, stream=True) as r:
        r.raise_for_status()
        assert sum(len(c) for c in r.iter_content(CHUNK)) == size


def direct_download(client, size: int) -> None:
    body = client.get_object(Bucket="productionapp", Key=PREFIX + "up.bin")["Body"]
    assert sum(len(c) for c in body.iter_chunks(CHUNK)) == size


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mib", type=int, default=256)
    parser.add_argument("--keys", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--port", type=int, default=8710, help="the console's port")
    parser.add_argument("--emulator-port", type=int, default=0)
    return parser.parse_args()


def _write_file(folder: Path, mib: int) -> Path:
    """The file to upload: `mib` MiB of random bytes (nothing compresses it)."""
    data = folder / "up.bin"
    with open(data, "wb") as handle:
        for _ in range(mib):
            handle.write(os.urandom(CHUNK))
    return data


def _prepare_emulator(emulator: MotoProcess, keys: int) -> tuple[str, str]:
    """The demo world in the emulator, `keys` keys under MANY, authentication on; this process
    talks to it as the console does. Returns the console's access key ID and secret."""
    key_id, secret = world.seed_emulator(emulator.url)
    # Overwritten objects are not kept as versions: the emulator holds everything in memory.
    seeding.client("s3", world.PROD_ACCOUNT, emulator.url).put_bucket_versioning(
        Bucket="productionapp", VersioningConfiguration={"Status": "Suspended"}
    )
    started = time.perf_counter()
    emulator.fill(world.PROD_ACCOUNT, "productionapp", MANY, keys)
    print(f"filled {MANY} with {keys:,} keys in {time.perf_counter() - started:.1f} s")
    emulator.enable_auth()
    settings.AWS_ENDPOINT_URL, settings.AWS_ACCESS_KEY_ID, settings.AWS_SECRET_ACCESS_KEY = (
        emulator.url,
        key_id,
        secret,
    )
    return key_id, secret


class Steps:
    """What is measured, each side's way: upload, download, the first page."""

    def __init__(self, console: Console, client, data: Path, size: int) -> None:
        self.console, self.client, self.data, self.size = console, client, data, size
        self.cookies, self.token = console.cookies, console.token

    def direct_upload(self) -> None:
        self.client.upload_file(str(self.data), "productionapp", PREFIX + "up.bin")

    def upload(self) -> None:
        console_upload(self.console.url, self.console.space, self.cookies, self.token, self.data)

    def upload_form(self) -> None:
        console_upload(self.console.url, self.console.space, self.cookies, self.token, self.data, way="form")

    def direct_download(self) -> None:
        direct_download(self.client, self.size)

    def download(self) -> None:
        console_download(self.console.browser, self.console.session_url, self.size)

    def direct_page(self) -> None:
        self.client.list_objects_v2(Bucket="productionapp", Prefix=MANY, Delimiter="/", MaxKeys=100)

    def page(self) -> None:
        r = self.console.browser.get(self.console.session_url + "/s3/buckets/productionapp/", params={"prefix": MANY})
        assert r.status_code == 200 and "000099.txt" in r.text, r.status_code


def _measure(
    steps: Steps, rounds: int, port: int, moto_pid: int
) -> tuple[dict[str, list[float]], CpuMeter, RssSampler]:
    """Each side's seconds per round (the two alternating), their CPU, the console's RSS."""
    results: dict[str, list[float]] = {k: [] for k in ("up-direct", "up-console", "up-form")}
    results |= {"down-direct": [], "down-console": []}
    results |= {"page-direct": [], "page-console": []}
    # Warm up both sides (connections, clients, the console's caches).
    steps.direct_upload()
    steps.upload()
    steps.upload_form()
    steps.direct_page()
    steps.page()
    sampler = RssSampler([port])
    sampler.start()
    meter = CpuMeter(moto_pid, port)
    for _ in range(rounds):
        results["up-direct"].append(meter.measure("up-direct", steps.direct_upload))
        results["up-console"].append(meter.measure("up-console", steps.upload))
    sampler.stop_event.set()
    sampler.join()
    for _ in range(rounds):
        results["up-form"].append(meter.measure("up-form", steps.upload_form))
    for _ in range(rounds):
        results["down-direct"].append(timed(steps.direct_download))
        results["down-console"].append(timed(steps.download))
    for _ in range(max(5, rounds)):
        results["page-direct"].append(timed(steps.direct_page))
        results["page-console"].append(timed(steps.page))
    return results, meter, sampler


def main() -> None:
    args = _arguments()
    webserver.prepare()
    world.seed_database(PASSWORD)
    emulator = MotoProcess(port=args.emulator_port or free_port()).start()
    web = None
    folder = Path(tempfile.mkdtemp(prefix="console-s3-bench-file-"))
    data = _write_file(folder, args.mib)
    url = f"http://127.0.0.1:{args.port}"
    try:
        key_id, secret = _prepare_emulator(emulator, args.keys)
        web = start_console(args.port, emulator.url, key_id, secret, GUNICORN_LOGLEVEL="warning")
        console = sign_in(url, PASSWORD)
        creds = aws.assume_role(f"arn:aws:iam::{world.PROD_ACCOUNT}:role/UpdateAPP", "alice", "alice", 3600)
        steps = Steps(console, plain_client(emulator.url, creds), data, args.mib * 2**20)
        results, meter, sampler = _measure(steps, args.rounds, args.port, emulator.moto.pid)
    finally:
        if web is not None:
            web.terminate()
            web.wait(timeout=30)
        emulator.stop()
        data.unlink(missing_ok=True)
        folder.rmdir()
    _report(args, url, results, meter, sampler)


def _report(
    args: argparse.Namespace, url: str, results: dict[str, list[float]], meter: CpuMeter, sampler: RssSampler
) -> None:
    best = {k: min(v) for k, v in results.items()}
    load = os.getloadavg()
    print(f"{args.mib} MiB file, {args.keys:,} keys, best of {args.rounds}; console (gunicorn) at {url}")
    print(f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on {os.cpu_count()} CPUs")
    for name in results:
        rounds = ", ".join(f"{s:.3f}" for s in results[name])
        print(f"  {name:<13} best {best[name]:.3f} s  (rounds: {rounds})")
    up = best["up-direct"] / best["up-console"]
    print(f"upload   throughput ratio console/boto3 upload_file: {up:.2f} (target >= 0.8; the upload panel's way)")
    print(f"         the plain form's way (multipart/form-data, no script): {best['up-direct'] / best['up-form']:.2f}")
    _report_cpu(meter)
    growth = (sampler.peak_kib - sampler.start_kib) / 1024
    print(f"         console RSS growth while uploading: {growth:.0f} MiB (target < 64)")
    print(f"download throughput ratio console/boto3 get_object:  {best['down-direct'] / best['down-console']:.2f}")
    limit = 1.5 * best["page-direct"] + 0.050
    print(
        f"first page: console {best['page-console'] * 1000:.0f} ms, direct {best['page-direct'] * 1000:.0f} ms, "
        f"ratio {best['page-console'] / best['page-direct']:.2f}; limit 1.5x direct + 50 ms = {limit * 1000:.0f} ms "
        f"({'met' if best['page-console'] <= limit else 'NOT met'})"
    )


def _report_cpu(meter: CpuMeter) -> None:
    cpu = {k: min(v) for k, v in meter.totals.items()}
    for name in ("up-direct", "up-console", "up-form"):
        parts = min(meter.parts[name], key=sum)
        where = f"client {parts[0]:.2f}, moto {parts[1]:.2f}, console {parts[2]:.2f}"
        print(f"         CPU {name:<10} {cpu[name]:.2f} s ({where})")
    print(
        f"         CPU-time ratio boto3/console (what the ratio would be with a CPU to spare): "
        f"{cpu['up-direct'] / cpu['up-console']:.2f} (panel), {cpu['up-direct'] / cpu['up-form']:.2f} (form)"
    )


if __name__ == "__main__":
    main()
