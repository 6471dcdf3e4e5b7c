"""The running demo's settings, for management commands typed in a second shell.

`make demo` starts its web server with settings of its own: CONSOLE_BASE_URL with its port, mail
written as files into var/mail, the emulator's address. A command run from another shell while
it runs (`manage.py send_switch_link`, `create_access_key`) would otherwise get the defaults:
mail printed to stdout with links to port 8000, perhaps another database. So the demo writes
those settings to var/demo.env (mode 0600) while it runs, and manage.py reads them:

* only while the demo process that wrote the file is alive (a stale file is ignored; the demo
  removes it when it stops);
* only for variables the shell does not set itself (an explicit variable always wins);
* never for `demo` or `serve` (a second demo, or production, takes nothing from a demo) and only
  with the console's own settings module (the tests use theirs);
* never a secret: values with a password in them (a DATABASE_URL or EMAIL_URL with credentials)
  and SECRET_KEY are not written; manage.py says which ones to set in the second shell.

Why manage.py and not settings.py: the web server (gunicorn, `make serve`) never reads the file,
so a demo left running cannot leak its settings into production on the same checkout.

Imported by manage.py before Django is set up: no Django imports here.
"""

from __future__ import annotations

import os
import sys
from collections.abc import MutableMapping
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "var" / "demo.env"
# What a command needs to act on the demo's world: its links, mail, database and emulator.
SHARED = (
    "CONSOLE_BASE_URL",
    "EMAIL_URL",
    "DEFAULT_FROM_EMAIL",
    "DATABASE_URL",
    "AWS_ENDPOINT_URL",
    "AWS_REGION",
    "AWS_BROKER_CREDENTIALS_FILE",  # a path; the file itself (0600) is already in var/
    "CONSOLE_HOME_ACCOUNT_ID",
    "ROLE_SESSION_SECONDS",
    "ROLE_HISTORY_LENGTH",
    "MAX_ROLE_SESSIONS",
    "SECRET_KEY_FILE",  # a path, not the key
)
SECRETS = ("SECRET_KEY",)
NOT_FOR = {"demo", "serve"}
CONSOLE_SETTINGS = "console.settings"


def path(environ: MutableMapping[str, str] | None = None) -> Path:
    """var/demo.env, or DEMO_ENV_FILE (tests give each demo its own)."""
    given = (environ if environ is not None else os.environ).get("DEMO_ENV_FILE", "").strip()
    return Path(given) if given else DEFAULT_PATH


def _has_password(value: str) -> bool:
    try:
        return urlsplit(value).password is not None
    except ValueError:
        return False


def write(file: Path, environ: MutableMapping[str, str], pid: int) -> list[str]:
    """Write the demo's shared settings (from the environment it gives its web server). Returns
    the names that were set but not written because they hold a secret."""
    lines = [
        "# Settings of the running `make demo`, for manage.py commands in another shell",
        "# (console/demo_env.py). Removed when the demo stops; ignored once its process is gone.",
        f"DEMO_PID={pid}",
    ]
    withheld = [name for name in SECRETS if environ.get(name)]
    for name in SHARED:
        value = environ.get(name)
        if not value or "\n" in value or "\r" in value:
            continue
        if _has_password(value):
            withheld.append(name)
            continue
        lines.append(f"{name}={value}")
    if withheld:
        lines.append(f"DEMO_WITHHELD={','.join(withheld)}")
    file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    partial = file.with_name(file.name + f".{pid}.tmp")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as out:
        out.write("\n".join(lines) + "\n")
    os.replace(partial, file)  # readers never see half a file
    return withheld


def read(file: Path) -> dict[str, str] | None:
    """The settings in `file`, or None when there is none or the demo that wrote it is gone."""
    try:
        text = file.read_text()
    except (FileNotFoundError, NotADirectoryError, PermissionError):
        return None
    values = {}
    for line in text.splitlines():
        name, sep, value = line.partition("=")
        if sep and not line.startswith("#"):
            values[name.strip()] = value
    pid = values.pop("DEMO_PID", "")
    if not pid.isascii() or not pid.isdigit() or not _demo_running(int(pid)):
        return None
    return values


def remove(file: Path, pid: int) -> None:
    """Remove the file if this demo wrote it (a later demo may have written its own since)."""
    try:
        if f"DEMO_PID={pid}\n" in file.read_text():
            file.unlink()
    except FileNotFoundError:
        pass


def _demo_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # alive, someone else's
    try:  # a recycled PID is some other program
        return b"demo" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True  # no /proc: trust the PID


def apply(environ: MutableMapping[str, str], argv: list[str]) -> list[str]:
    """manage.py's step: take the running demo's settings for this command. Returns the names
    taken. Says on stderr which secrets the demo has that this shell must set itself."""
    command = argv[1] if len(argv) > 1 else ""
    if command in NOT_FOR or environ.get("DJANGO_SETTINGS_MODULE", CONSOLE_SETTINGS) != CONSOLE_SETTINGS:
        return []
    values = read(path(environ))
    if values is None:
        return []
    withheld = [name for name in values.pop("DEMO_WITHHELD", "").split(",") if name and not environ.get(name)]
    taken = []
    for name, value in values.items():
        if name in SHARED and name not in environ:
            environ[name] = value
            taken.append(name)
    if withheld:
        sys.stderr.write(
            f"make demo is running with {', '.join(withheld)} from its environment; var/demo.env does not hold "
            "secrets, so set the same value in this shell for this command to use the demo's.\n"
        )
    return taken
