"""The embedded AWS emulator: a moto server process on loopback."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


class EmulatorError(RuntimeError):
    pass


class Emulator:
    """Starts moto's server (console/emulator/moto_server.py) as a child process and waits until
    it answers."""

    def __init__(self, port: int | None = None, host: str = "127.0.0.1", log_path: Path | None = None) -> None:
        self.host = host
        self.port = port or free_port(host)
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 30.0) -> Emulator:
        if not port_is_free(self.port, self.host):
            raise EmulatorError(f"Port {self.port} for the AWS emulator is in use.")
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        self.process = subprocess.Popen(
            # moto's server with its S3 listing brought in line with AWS (moto_server.py)
            [sys.executable, "-m", "console.emulator.moto_server", "-H", self.host, "-p", str(self.port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=PROJECT_ROOT,  # `-m console...` imports from the working directory, whatever the caller's
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise EmulatorError(f"The AWS emulator exited with status {self.process.returncode}.")
            try:
                urllib.request.urlopen(f"{self.url}/moto-api/", timeout=1).close()  # noqa: S310 - http://127.0.0.1 only
                return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.1)
        self.stop()
        raise EmulatorError(f"The AWS emulator did not answer within {timeout:.0f} s.")

    def enable_auth(self) -> None:
        """From now on every request must be signed by a known key and pass IAM policies.

        The body is the number of unauthenticated requests still allowed; it must not be sent
        as a form, or the server does not see it.
        """
        request = urllib.request.Request(  # noqa: S310 - http://127.0.0.1 only
            f"{self.url}/moto-api/reset-auth", data=b"0", method="POST", headers={"Content-Type": "text/plain"}
        )
        urllib.request.urlopen(request, timeout=10).close()  # noqa: S310 - http://127.0.0.1 only

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
