"""Run a command with TEST_DATABASE_URL pointing at a PostgreSQL server (`make test`'s second pass).

    python scripts/with_postgres.py COMMAND [ARGS...]

TEST_POSTGRES_URL, when set, names a server to use (CI: postgres://postgres@127.0.0.1:5432/postgres;
the tests create and drop their own database on it, named per checkout and process). Otherwise a
throwaway cluster is made from Debian's postgresql package (`make test` installs it when missing)
in a temporary folder, on a free loopback port, and removed afterwards. initdb refuses to run as
root, so as root the cluster runs as the `postgres` user the package creates.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager


def _bindir() -> str:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if not found:
        sys.exit("PostgreSQL is not installed: set TEST_POSTGRES_URL, or apt-get install postgresql (make test does).")
    return os.path.dirname(found[-1])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def throwaway_cluster() -> Iterator[str]:
    bindir = _bindir()
    folder = tempfile.mkdtemp(prefix="console-pg-")
    as_user: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    data, port = os.path.join(folder, "data"), _free_port()

    def run(*args: str) -> None:
        subprocess.run([*as_user, *args], check=True, stdout=subprocess.DEVNULL)

    try:
        # Throwaway: no fsync, trust on loopback only, sockets in the folder (not /run/postgresql).
        run(f"{bindir}/initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync")
        options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
        run(f"{bindir}/pg_ctl", "-D", data, "-o", options, "-l", os.path.join(folder, "server.log"), "-w", "start")
        print(f"Started a throwaway PostgreSQL cluster on 127.0.0.1:{port} ({folder})", flush=True)
        try:
            yield f"postgres://postgres@127.0.0.1:{port}/postgres"
        finally:
            run(f"{bindir}/pg_ctl", "-D", data, "-m", "fast", "-w", "stop")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main(command: list[str]) -> int:
    if not command:
        sys.exit(__doc__)
    given = os.environ.get("TEST_POSTGRES_URL")
    if given:
        return subprocess.call(command, env={**os.environ, "TEST_DATABASE_URL": given})
    with throwaway_cluster() as url:
        return subprocess.call(command, env={**os.environ, "TEST_DATABASE_URL": url})


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
