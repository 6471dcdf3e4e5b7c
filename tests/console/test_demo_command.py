"""`manage.py demo` (what `make demo` runs) as a real process: start, sign in, Ctrl-C, busy port."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from console import demo_env
from console.emulator.server import free_port

ROOT = Path(__file__).resolve().parents[2]


def _env(tmp_path: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DJANGO_"))}
    env.update(
        PORT=str(port),
        DATABASE_URL=f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        DEMO_PASSWORD="demo-password-123",
        PYTHONUNBUFFERED="1",
        # Its own settings file for second shells, not the checkout's var/demo.env.
        DEMO_ENV_FILE=str(tmp_path / "demo.env"),
    )
    return env


def _refused(url: str) -> bool:
    try:
        requests.get(url, timeout=2)
    except requests.ConnectionError:
        return True
    except requests.Timeout:
        return False  # accepted, then slow to answer (a loaded machine): it is listening
    return False


def test_demo_runs_both_processes_and_ctrl_c_stops_them(tmp_path: Path) -> None:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "demo"],
        cwd=ROOT,
        env=_env(tmp_path, port),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    output = []
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            output.append(line)
            if "Press Ctrl-C" in line or not line:
                break
        text = "".join(output)
        assert f"http://127.0.0.1:{port}/" in text, text
        assert "Password: demo-password-123" in text
        emulator_url = re.search(r"AWS emulator:\s+(\S+)", text).group(1)

        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # gunicorn's workers may still be starting
            try:
                requests.get(base + "/signin", timeout=10)
                break
            except requests.RequestException:
                time.sleep(0.1)
        session = requests.Session()
        page = session.get(base + "/signin")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        signed_in = session.post(
            base + "/signin",
            data={
                "csrfmiddlewaretoken": token,
                "account": "example-dev",
                "username": "alice",
                "password": "demo-password-123",
            },
        )
        assert "alice @ example-dev (111122223333)" in signed_in.text
        assert not _refused(emulator_url + "/moto-api/")

        # Ctrl-C in a terminal signals the whole foreground process group.
        os.killpg(proc.pid, signal.SIGINT)
        assert proc.wait(timeout=30) == 0
        assert _refused(base + "/signin") and _refused(emulator_url + "/moto-api/")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)


def test_busy_port_gives_one_line(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "manage.py", "demo"],
            cwd=ROOT,
            env=_env(tmp_path, port),
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines == [
        f"CommandError: Port {port} is already in use; run with another port, e.g. PORT={port + 1} make demo"
    ]
    assert "Traceback" not in result.stdout + result.stderr


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_text().replace("\0", " ")
    except OSError:
        return ""


def _csrf(session: requests.Session, url: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', session.get(url).text).group(1)


def _wait_for(predicate, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError("timed out")


def test_a_killed_emulator_comes_back_and_stale_role_sessions_end_cleanly(tmp_path: Path) -> None:
    port = free_port()
    env = _env(tmp_path, port)
    env["AWS_BROKER_CREDENTIALS_FILE"] = str(tmp_path / "broker.json")
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "demo"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        output = []
        while "Press Ctrl-C" not in "".join(output[-2:]):
            line = proc.stdout.readline()
            assert line, "".join(output)
            output.append(line)
        emulator_url = re.search(r"AWS emulator:\s+(\S+)", "".join(output)).group(1)
        assert oct((tmp_path / "broker.json").stat().st_mode & 0o777) == "0o600"
        base = f"http://127.0.0.1:{port}"
        _wait_for(lambda: not _refused(base + "/signin"))
        browser = requests.Session()
        token = _csrf(browser, base + "/signin")
        credentials = {"account": "example-dev", "username": "alice", "password": "demo-password-123"}
        browser.post(base + "/signin", data={"csrfmiddlewaretoken": token, **credentials})
        switch = {"account": "example-prod", "roleName": "UpdateAPP", "displayName": "Prod", "color": "F2B0A9"}
        token = _csrf(browser, base + "/switchrole")
        switched = browser.post(base + "/switchrole", data={"csrfmiddlewaretoken": token, **switch})
        tab = re.search(r"/r/[a-z0-9]{10}", switched.url).group(0)  # the role session's URL space
        assert "config/" in browser.get(base + tab + "/s3/buckets/productionapp/").text

        broker_file = tmp_path / "broker.json"
        first_keys = broker_file.read_text()
        [moto] = [pid for pid in _children(proc.pid) if "console.emulator.moto_server" in _cmdline(pid)]
        os.kill(moto, signal.SIGKILL)
        _wait_for(lambda: _refused(emulator_url + "/moto-api/"), timeout=10)
        assert browser.get(base + "/").status_code == 200  # the console keeps serving
        # The supervisor starts it again and seeds it: the broker's new keys land in the file last.
        _wait_for(lambda: broker_file.read_text() != first_keys, timeout=90)
        assert not _refused(emulator_url + "/moto-api/")
        # The new emulator does not know the old role credentials: the stay ends with a message.
        stale = browser.get(base + tab + "/s3/buckets/productionapp/", allow_redirects=False)
        assert stale.status_code == 302 and stale.headers["Location"].startswith("/switchrole?account=example-prod")
        form = browser.get(base + stale.headers["Location"]).text
        assert "AWS no longer accepts the credentials of Prod (InvalidAccessKeyId)" in form
        # Switching again works: the console picked up the re-seeded broker's keys without a restart.
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
        browser.post(base + "/switchrole", data={"csrfmiddlewaretoken": token, **switch})
        assert "config/" in browser.get(base + "/s3/buckets/productionapp/").text

        os.killpg(proc.pid, signal.SIGINT)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)


def test_ctrl_c_stops_the_demo_even_when_started_in_the_background(tmp_path: Path) -> None:
    """A shell starts background jobs with SIGINT ignored; Ctrl-C (SIGINT to the group) must still
    stop the console and the emulator, and never be mistaken for an emulator crash."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "demo"],
        cwd=ROOT,
        env=_env(tmp_path, port),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    try:
        output = []
        while "Press Ctrl-C" not in "".join(output[-2:]):
            line = proc.stdout.readline()
            assert line, "".join(output)
            output.append(line)
        emulator_url = re.search(r"AWS emulator:\s+(\S+)", "".join(output)).group(1)
        _wait_for(lambda: not _refused(f"http://127.0.0.1:{port}/signin"))
        os.killpg(proc.pid, signal.SIGINT)
        assert proc.wait(timeout=30) == 0
        rest = proc.stdout.read()
        assert "starting it again" not in rest and "Stopped the console and the AWS emulator." in rest
        assert _refused(f"http://127.0.0.1:{port}/signin") and _refused(emulator_url + "/moto-api/")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)


def _second_shell(tmp_path: Path, **extra: str) -> dict[str, str]:
    """Another terminal in the checkout: none of the demo's settings, only where its file is."""
    names = (*demo_env.SHARED, *demo_env.SECRETS)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DJANGO_")) and k not in names}
    return {**env, "DEMO_ENV_FILE": str(tmp_path / "demo.env"), **extra}


def _manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_commands_from_a_second_shell_use_the_running_demos_settings(tmp_path: Path) -> None:
    """send_switch_link and create_access_key, typed in another shell while make demo runs, use the
    demo's mail folder, CONSOLE_BASE_URL and database (var/demo.env); an explicit variable wins;
    once the demo stops, its settings are gone."""
    import boto3

    port = free_port()
    env = _env(tmp_path, port)
    mail = tmp_path / "mail"
    env["EMAIL_URL"] = f"filemail:///{mail}"
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "demo"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    send = ("send_switch_link", "--role", "arn:aws:iam::123456789012:role/UpdateAPP", "--to", "alice")
    try:
        output = []
        while "Press Ctrl-C" not in "".join(output[-2:]):
            line = proc.stdout.readline()
            assert line, "".join(output)
            output.append(line)
        shared = tmp_path / "demo.env"
        assert oct(shared.stat().st_mode & 0o777) == "0o600"
        assert "SECRET" not in shared.read_text() and "demo-password-123" not in shared.read_text()

        sent = _manage(_second_shell(tmp_path), *send)
        assert sent.returncode == 0, sent.stderr
        assert "Content-Type" not in sent.stdout  # not printed: written into the demo's mail folder
        [message] = list(mail.iterdir())
        assert f"{base}/switchrole?account=example-prod&roleName=UpdateAPP" in message.read_text()

        # A key made from the second shell is in the demo's database, sealed with its key.
        created = _manage(_second_shell(tmp_path), "create_access_key", "--user-name", "alice")
        assert created.returncode == 0, created.stderr
        key = json.loads(created.stdout)["AccessKey"]
        _wait_for(lambda: not _refused(base + "/signin"))
        sts = boto3.client(
            "sts",
            endpoint_url=base + "/sts/",
            region_name="us-east-1",
            aws_access_key_id=key["AccessKeyId"],
            aws_secret_access_key=key["SecretAccessKey"],
        )
        assert sts.get_caller_identity()["Arn"] == "arn:aws:iam::111122223333:user/alice"

        # What the shell sets itself wins.
        overridden = _manage(_second_shell(tmp_path, CONSOLE_BASE_URL="https://console.example.org"), *send)
        assert overridden.returncode == 0, overridden.stderr
        newest = max(mail.iterdir(), key=lambda p: p.stat().st_mtime_ns)
        assert "https://console.example.org/switchrole?account=example-prod" in newest.read_text()

        os.killpg(proc.pid, signal.SIGINT)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert not (tmp_path / "demo.env").exists()
    after = _manage(_second_shell(tmp_path, DATABASE_URL=env["DATABASE_URL"]), *send)
    assert after.returncode == 0, after.stderr
    assert "http://127.0.0.1:8000/switchrole?account=example-prod" in after.stdout  # the defaults again
