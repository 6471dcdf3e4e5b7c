"""Real console server processes for tests: gunicorn with console/gunicorn.conf.py (the stack of
`make demo` and `make serve`) on the test database and the test emulator.

Use the `console_server` fixture (tests/conftest.py): `server = console_server()` starts one
(`workers=`, `threads=`), and every server it started is stopped after the test. Several servers
on one database are several instances of one deployment. The test must use the database the
way a server sees it, i.e. committed: the fixture makes the test transactional. `Browser` is a
cookie-keeping HTTP client that sends CSRF tokens like a browser form would.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import requests
from django.conf import settings
from django.db import connection

from console.emulator.server import free_port

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "correct-horse-battery-staple"


def database_url() -> str:
    """The test database as a DATABASE_URL, for a server process to open."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    auth = quote(db["USER"] or "", safe="") + (f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def collect_static(folder: Path) -> None:
    """collectstatic with the production storage (hashed, compressed) into `folder`."""
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=_environment(folder, {}),
        check=True,
    )


def _environment(static_root: Path, extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DJANGO_", "TEST_", "WEB_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="tests.server_settings",
        CONSOLE_TEST_STATIC_ROOT=str(static_root),
        SECRET_KEY=settings.SECRET_KEY,  # sealed credentials are shared between instances
        DATABASE_URL=database_url(),
        SECURE_COOKIES="false",
        PYTHONUNBUFFERED="1",
    )
    if settings.AWS_ENDPOINT_URL:
        env.update(
            AWS_ENDPOINT_URL=settings.AWS_ENDPOINT_URL,
            AWS_ACCESS_KEY_ID=settings.AWS_ACCESS_KEY_ID,
            AWS_SECRET_ACCESS_KEY=settings.AWS_SECRET_ACCESS_KEY,
        )
    env.update(extra)
    return env


@dataclass
class ConsoleServer:
    process: subprocess.Popen
    port: int
    log_path: Path
    stopped: bool = field(default=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # gunicorn: graceful stop of master and workers
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.stopped = True


def start(static_root: Path, log_path: Path, *, workers: int = 1, threads: int = 8, **env: str) -> ConsoleServer:
    port = free_port()
    extra = {"PORT": str(port), "HOST": "127.0.0.1", "WEB_CONCURRENCY": str(workers), "WEB_THREADS": str(threads)}
    extra |= {"CONSOLE_BASE_URL": f"http://127.0.0.1:{port}"} | env
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", str(ROOT / "console" / "gunicorn.conf.py")],
            cwd=ROOT,
            env=_environment(static_root, extra),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = ConsoleServer(process, port, log_path)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"The console server exited with status {process.returncode}:\n{server.log()}")
        try:
            if requests.get(server.url + "/signin", timeout=5).status_code == 200:
                return server
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"The console server did not answer within 60 s:\n{server.log()}")


class Browser:
    """One person's browser: keeps cookies (they are per host, not per port, so one Browser
    spans several instances on 127.0.0.1) and posts forms with the CSRF token."""

    def __init__(self, base_url: str, timeout: float = 60) -> None:
        self.base_url = base_url
        self.http = requests.Session()
        self.timeout = timeout

    def _url(self, path: str, at: str | None) -> str:
        return (at or self.base_url) + path

    def get(self, path: str, *, at: str | None = None, **kwargs) -> requests.Response:
        return self.http.get(self._url(path, at), timeout=self.timeout, allow_redirects=False, **kwargs)

    def post(self, path: str, data: dict | None = None, *, at: str | None = None, **kwargs) -> requests.Response:
        if "csrftoken" not in self.http.cookies:
            self.get("/signin", at=at)
        data = {**(data or {}), "csrfmiddlewaretoken": self.http.cookies["csrftoken"]}
        return self.http.post(self._url(path, at), data=data, timeout=self.timeout, allow_redirects=False, **kwargs)

    def sign_in(
        self, username: str, password: str = PASSWORD, account: str = "example-dev", *, at: str | None = None
    ) -> requests.Response:
        return self.post("/signin", {"account": account, "username": username, "password": password}, at=at)

    def identity(self, *, at: str | None = None) -> str:
        """Who the navbar says this browser is ('' when signed out)."""
        page = self.get("/", at=at)
        found = re.search(r"(\w+ @ example-dev \(\d{12}\))", page.text) if page.status_code == 200 else None
        return found.group(1) if found else ""
