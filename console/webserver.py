"""The console's web server: gunicorn with console/gunicorn.conf.py. `make demo`, `make serve`
and the tests' server fixture all start it from here, so there is one stack to get right."""

from __future__ import annotations

import os
import sys

from django.conf import settings
from django.core.management import call_command

CONFIG = settings.BASE_DIR / "console" / "gunicorn.conf.py"


def prepare() -> None:
    """What must happen before the server starts: the schema, then the hashed static files."""
    call_command("migrate", verbosity=0, interactive=False)
    call_command("collectstatic", verbosity=0, interactive=False)


def command() -> list[str]:
    """The server's command line; host, port, workers and threads come from the environment."""
    return [sys.executable, "-m", "gunicorn", "--config", str(CONFIG)]


def environment(port: int, base: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ if base is None else base)
    env["PORT"] = str(port)
    return env
