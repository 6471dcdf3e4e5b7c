"""`make serve`: the console in production (no emulator): migrate, collect static files, start
gunicorn. Settings come from the environment (README: Settings); PORT, HOST, WEB_CONCURRENCY
and WEB_THREADS size the server."""

from __future__ import annotations

import os

from django.core.management.base import BaseCommand, CommandError

from console import webserver
from console.emulator.server import port_is_free


class Command(BaseCommand):
    help = "Migrate, collect static files and run the console under gunicorn (no emulator)."

    def handle(self, *args, **options) -> None:
        port = int(os.environ.get("PORT") or 8000)
        host = os.environ.get("HOST") or "127.0.0.1"
        if not port_is_free(port, host):
            raise CommandError(f"Port {port} is already in use; run with another port, e.g. PORT={port + 1} make serve")
        webserver.prepare()
        self.stdout.write(f"Switchrole Console: http://{host}:{port}/ (gunicorn; Ctrl-C stops it)")
        self.stdout.flush()
        # Replace this process: gunicorn receives the signals a service manager sends.
        cmd = webserver.command()
        os.execve(cmd[0], cmd, webserver.environment(port))
