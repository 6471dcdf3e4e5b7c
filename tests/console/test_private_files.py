"""Everything the console creates under var/ is its owner's only (folders 0700, files 0600),
whatever the umask it was started with."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from console import private_files

ROOT = Path(__file__).resolve().parents[2]
VAR = ROOT / "var"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def _exposed(folder: Path) -> list[str]:
    """Entries under `folder` (owned by us) that group or others may read, write or enter."""
    found = [] if _mode(folder) == 0o700 else [f"{folder} {_mode(folder):o}"]
    for path in folder.rglob("*"):
        if not path.is_symlink() and path.lstat().st_uid == os.geteuid() and _mode(path) & 0o077:
            found.append(f"{path} {_mode(path):o}")
    return found


def test_older_files_are_tightened_and_new_ones_born_private(tmp_path: Path) -> None:
    var = tmp_path / "var"
    (var / "mail").mkdir(parents=True, mode=0o755)
    old = var / "console.sqlite3"
    old.write_text("x")
    old.chmod(0o644)
    (var / "mail").chmod(0o755)
    umask = os.umask(0)
    try:
        private_files.secure(var)
        (var / "mail" / "new.eml").write_text("y")
        (var / "static").mkdir()
    finally:
        os.umask(umask)
    assert _mode(var) == 0o700 and _mode(var / "mail") == 0o700 and _mode(var / "static") == 0o700
    assert _mode(old) == 0o600 and _mode(var / "mail" / "new.eml") == 0o600


def test_a_console_started_with_umask_000_creates_only_private_files() -> None:
    """migrate (the SQLite database and its -wal/-shm files), the secret key, collected static
    files: run by a process whose umask would make everything world-writable."""
    name = f"test-modes-{os.getpid()}.sqlite3"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "TEST_"))}
    env.update(DATABASE_URL=f"sqlite:///{VAR / name}", DJANGO_SETTINGS_MODULE="console.settings")
    env.pop("SECRET_KEY", None)
    script = (
        "import os, django; os.umask(0); django.setup(); from django.core.management import call_command; "
        "call_command('migrate', verbosity=0); call_command('collectstatic', verbosity=0, interactive=False); "
        "from django.db import connection; connection.cursor().execute('CREATE TABLE t (x)')"
    )
    try:
        subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True, timeout=120)
        assert (VAR / name).exists() and (VAR / "secret_key").exists() and (VAR / "static").is_dir()
        assert _exposed(VAR) == []
    finally:
        for suffix in ("", "-wal", "-shm"):
            (VAR / f"{name}{suffix}").unlink(missing_ok=True)
