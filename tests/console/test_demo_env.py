"""var/demo.env: the running demo's settings for commands in a second shell (console/demo_env.py)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from console import demo_env


@pytest.fixture
def demo_process() -> Iterator[int]:
    """A live process that looks like `manage.py demo` (its command line names demo)."""
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)", "demo"])
    cmdline = Path(f"/proc/{proc.pid}/cmdline")
    deadline = time.monotonic() + 10
    while b"sleep(120)" not in cmdline.read_bytes() and time.monotonic() < deadline:
        time.sleep(0.01)  # until exec has replaced the forked copy of this process
    yield proc.pid
    proc.kill()
    proc.wait()


DEMO = {
    "CONSOLE_BASE_URL": "http://127.0.0.1:8123",
    "EMAIL_URL": "filemail:///var/mail",
    "DATABASE_URL": "sqlite:////srv/demo.sqlite3",
    "AWS_ENDPOINT_URL": "http://127.0.0.1:5123",
    "AWS_SECRET_ACCESS_KEY": "never-written",
    "DEMO_PASSWORD": "never-written",
    "HOST": "127.0.0.1",
}


def test_the_demo_writes_only_what_commands_need_and_no_secret(tmp_path: Path, demo_process: int) -> None:
    file = tmp_path / "var" / "demo.env"
    withheld = demo_env.write(
        file,
        {**DEMO, "SECRET_KEY": "k" * 50, "DATABASE_URL": "postgres://console:pw@db:5432/console"},
        demo_process,
    )
    assert withheld == ["SECRET_KEY", "DATABASE_URL"]
    assert oct(file.stat().st_mode & 0o777) == "0o600"
    text = file.read_text()
    assert "never-written" not in text and "pw@" not in text and "k" * 50 not in text and "HOST" not in text
    assert demo_env.read(file) == {
        "CONSOLE_BASE_URL": "http://127.0.0.1:8123",
        "EMAIL_URL": "filemail:///var/mail",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:5123",
        "DEMO_WITHHELD": "SECRET_KEY,DATABASE_URL",
    }


def test_a_command_takes_the_demos_settings_unless_the_shell_sets_them(
    tmp_path: Path, demo_process: int, capsys
) -> None:
    file = tmp_path / "demo.env"
    demo_env.write(file, {**DEMO, "SECRET_KEY": "k" * 50}, demo_process)
    shell = {"DEMO_ENV_FILE": str(file), "EMAIL_URL": "smtp://mail.example.org:25"}
    taken = demo_env.apply(shell, ["manage.py", "send_switch_link"])
    assert sorted(taken) == ["AWS_ENDPOINT_URL", "CONSOLE_BASE_URL", "DATABASE_URL"]
    assert shell["CONSOLE_BASE_URL"] == "http://127.0.0.1:8123"
    assert shell["EMAIL_URL"] == "smtp://mail.example.org:25"  # the shell's own value wins
    assert "SECRET_KEY" not in shell
    assert "make demo is running with SECRET_KEY from its environment" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "settings_module"),
    [
        (["manage.py", "demo"], None),  # a second demo starts from its own settings
        (["manage.py", "serve"], None),  # production never takes a demo's
        (["manage.py", "send_switch_link"], "tests.settings"),  # the tests use theirs
    ],
)
def test_some_commands_never_take_the_demos_settings(
    tmp_path: Path, demo_process: int, argv: list[str], settings_module: str | None
) -> None:
    file = tmp_path / "demo.env"
    demo_env.write(file, DEMO, demo_process)
    shell = {"DEMO_ENV_FILE": str(file)}
    if settings_module:
        shell["DJANGO_SETTINGS_MODULE"] = settings_module
    assert demo_env.apply(shell, argv) == [] and "CONSOLE_BASE_URL" not in shell


def test_a_file_left_by_a_demo_that_is_gone_is_ignored(tmp_path: Path) -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass", "demo"])
    gone.wait()
    file = tmp_path / "demo.env"
    demo_env.write(file, DEMO, gone.pid)
    assert demo_env.read(file) is None
    shell = {"DEMO_ENV_FILE": str(file)}
    assert demo_env.apply(shell, ["manage.py", "send_switch_link"]) == [] and "CONSOLE_BASE_URL" not in shell


def test_a_demo_removes_only_its_own_file(tmp_path: Path, demo_process: int) -> None:
    file = tmp_path / "demo.env"
    demo_env.write(file, DEMO, demo_process)
    demo_env.remove(file, demo_process + 1)  # another demo's stop
    assert file.exists()
    demo_env.remove(file, demo_process)
    assert not file.exists()
