"""Download throughput through the console vs. boto3 get_object on the same endpoint.

    .venv/bin/python benchmarks/download.py [--mib 256] [--rounds 3] [--port 8210]

Starts its own moto server and the console's production stack (gunicorn, console/gunicorn.conf.py)
on a throwaway SQLite database, puts one object of --mib MiB into `productionapp`, signs in as
alice and switches to UpdateAPP. Then, alternating, reads the object with boto3 get_object in
1 MiB chunks using UpdateAPP's credentials and a plain boto3 client (boto3's defaults, CRC32
validation included), and downloads it through the console with requests in 1 MiB chunks.
Prints the best time of each, the ratio of the console's throughput to boto3's (target >= 0.8)
and the console's RSS growth while serving (target < 64 MiB).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import requests  # noqa: E402
from bench_console import plain_client, sign_in, start_console  # noqa: E402 (sets Django up)
from django.conf import settings  # noqa: E402
from load import RssSampler  # noqa: E402

from console import aws, webserver  # noqa: E402
from console.emulator import seeding, world  # noqa: E402
from console.emulator.server import Emulator  # noqa: E402

CHUNK = 1024 * 1024
PASSWORD = "download-benchmark-password"
KEY = "bench/big.bin"


def direct_read(client, size: int) -> float:
    """boto3 get_object read in 1 MiB chunks."""
    started = time.perf_counter()
    body = client.get_object(Bucket="productionapp", Key=KEY)["Body"]
    got = sum(len(chunk) for chunk in body.iter_chunks(CHUNK))
    seconds = time.perf_counter() - started
    assert got == size, got
    return seconds


def console_read(http: requests.Session, url: str, size: int) -> float:
    started = time.perf_counter()
    with http.get(f"{url}/s3/buckets/productionapp/download", params={"key": KEY}, stream=True, timeout=300) as r:
        r.raise_for_status()
        got = sum(len(chunk) for chunk in r.iter_content(CHUNK))
    seconds = time.perf_counter() - started
    assert got == size, got
    return seconds


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mib", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--port", type=int, default=8210, help="the console's port")
    parser.add_argument("--emulator-port", type=int, default=8211)
    return parser.parse_args()


def seed(emulator: Emulator, size: int) -> tuple[str, str]:
    """The demo world plus the benchmark's object; IAM auth on; this process as the broker."""
    key_id, secret = world.seed_emulator(emulator.url)
    seeding.ensure_bucket(world.PROD_ACCOUNT, emulator.url, "productionapp", {KEY: os.urandom(1024) * (size // 1024)})
    emulator.enable_auth()
    settings.AWS_ENDPOINT_URL, settings.AWS_ACCESS_KEY_ID, settings.AWS_SECRET_ACCESS_KEY = emulator.url, key_id, secret
    return key_id, secret


def measure(args: argparse.Namespace, emulator: Emulator, http: requests.Session, url: str):
    """Alternating rounds of boto3 and console reads, after one warm-up each: (direct, console, sampler)."""
    size = args.mib * 2**20
    creds = aws.assume_role(f"arn:aws:iam::{world.PROD_ACCOUNT}:role/UpdateAPP", "alice", "alice", 900)
    direct_client = plain_client(emulator.url, creds)
    direct_read(direct_client, size)  # warm: connection and client set up, as for the console
    console_read(http, url, size)
    sampler = RssSampler([args.port])
    sampler.start()
    direct, console = [], []
    for _ in range(args.rounds):
        direct.append(direct_read(direct_client, size))
        console.append(console_read(http, url, size))
    sampler.stop_event.set()
    sampler.join()
    return direct, console, sampler


def report(args: argparse.Namespace, emulator: Emulator, url: str, direct: list, console: list, sampler) -> None:
    best_direct, best_console = min(direct), min(console)
    print(f"{args.mib} MiB object, {args.rounds} rounds, moto at {emulator.url}, console at {url} (gunicorn)")
    for name, best, all_ in (("boto3 get_object", best_direct, direct), ("console download", best_console, console)):
        rounds = ", ".join(f"{s:.2f}" for s in all_)
        print(f"{name:<17} 1 MiB chunks: best {best:.2f} s ({args.mib / best:.0f} MiB/s); rounds {rounds} s")
    print(f"throughput ratio console/boto3: {best_direct / best_console:.2f} (target >= 0.8)")
    growth = (sampler.peak_kib - sampler.start_kib) / 1024
    print(f"console RSS: {sampler.start_kib / 1024:.0f} MiB before, peak {sampler.peak_kib / 1024:.0f} MiB, ", end="")
    print(f"growth {growth:.0f} MiB (target < 64)")


def main() -> None:
    args = parse_args()
    webserver.prepare()  # migrate the throwaway database, collect static files
    world.seed_database(PASSWORD)
    emulator = Emulator(port=args.emulator_port).start()
    web = None
    url = f"http://127.0.0.1:{args.port}"
    try:
        key_id, secret = seed(emulator, args.mib * 2**20)
        web = start_console(args.port, emulator.url, key_id, secret)
        http = sign_in(url, PASSWORD).browser
        direct, console, sampler = measure(args, emulator, http, url)
    finally:
        if web is not None:
            web.terminate()
            web.wait(timeout=30)
        emulator.stop()
    report(args, emulator, url, direct, console, sampler)


if __name__ == "__main__":
    main()
