"""What the transfer benchmarks (download.py, s3.py) share: a throwaway database for Django, the
console's production stack started against an emulator, a browser signed in and switched, and a
boto3 S3 client made as anyone would make it (the direct side of every ratio).

Importing this module sets Django up on a fresh SQLite file in a temporary folder, so import it
before anything that reads settings.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp(prefix='console-bench-')}/bench.sqlite3"
os.environ["DJANGO_SETTINGS_MODULE"] = "console.settings"

import django  # noqa: E402

django.setup()

import requests  # noqa: E402
from django.conf import settings  # noqa: E402

from console import aws, webserver  # noqa: E402


def plain_client(endpoint: str, creds: aws.TemporaryCredentials) -> Any:
    """A boto3 S3 client as anyone would make it: boto3's defaults (CRC32 response validation
    included), path-style addressing for the emulator's IP endpoint. Not the console's config."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=creds.access_key_id,
        aws_secret_access_key=creds.secret_access_key,
        aws_session_token=creds.session_token,
        config=Config(s3={"addressing_style": "path"}),
    )


def start_console(port: int, endpoint: str, key_id: str, secret: str, **extra: str) -> subprocess.Popen:
    """The console's production stack (gunicorn) against the emulator, plain HTTP on loopback."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ENDPOINT_URL=endpoint,
        AWS_ACCESS_KEY_ID=key_id,
        AWS_SECRET_ACCESS_KEY=secret,
        SECRET_KEY=settings.SECRET_KEY,
        SECURE_COOKIES="false",
        HOST="127.0.0.1",
        **extra,
    )
    return subprocess.Popen(webserver.command(), env=webserver.environment(port, env), cwd=ROOT)


@dataclass
class Console:
    """A browser's session with the console: signed in as alice, switched to UpdateAPP."""

    url: str
    space: str  # the role session's path, /r/<id>
    browser: requests.Session

    @property
    def session_url(self) -> str:
        return self.url + self.space

    @property
    def cookies(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.browser.cookies.items())

    @property
    def token(self) -> str:
        return str(self.browser.cookies["csrftoken"])


def sign_in(url: str, password: str) -> Console:
    """Waits for the console to answer, signs in as alice and switches to UpdateAPP."""
    browser = requests.Session()
    for _ in range(600):
        try:
            browser.get(url + "/signin", timeout=5)
            break
        except requests.RequestException:
            time.sleep(0.1)
    form = {"account": "example-dev", "username": "alice", "password": password}
    browser.post(url + "/signin", data={**form, "csrfmiddlewaretoken": browser.cookies["csrftoken"]}).raise_for_status()
    switch = {"account": "example-prod", "roleName": "UpdateAPP", "csrfmiddlewaretoken": browser.cookies["csrftoken"]}
    switched = browser.post(url + "/switchrole", data=switch, allow_redirects=False)
    found = re.match(r"^(/r/[a-z0-9]+)/", switched.headers.get("Location", "")) if switched.status_code == 302 else None
    if found is None:
        raise RuntimeError(f"the switch answered {switched.status_code} {switched.headers.get('Location', '')}")
    return Console(url, found.group(1), browser)
