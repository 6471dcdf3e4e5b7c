"""var/ holds secrets (the database with live session keys, SECRET_KEY, the demo password): only
the console's own user may read anything in it, whatever the umask it was started with.

Imported by settings, so it cannot use Django. The process umask is what makes files that
other code creates (SQLite's database, -wal and -shm files, mail files, logs, collected static
files) private as they are born; `secure()` also repairs what an older version left readable.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

UMASK = 0o077  # new folders 0700, new files 0600
DIR_MODE = 0o700
FILE_MODE = 0o600


def secure(var_dir: Path) -> None:
    """Set the process umask, create `var_dir` (0700) and take group/other bits off everything in it."""
    os.umask(UMASK)
    var_dir.mkdir(mode=DIR_MODE, exist_ok=True)
    _tighten(var_dir, DIR_MODE)
    for root, dirs, files in os.walk(var_dir):
        for name in dirs:
            _tighten(Path(root, name), DIR_MODE)
        for name in files:
            _tighten(Path(root, name), FILE_MODE)


def _tighten(path: Path, mode: int) -> None:
    try:
        current = path.lstat()
        if stat.S_ISLNK(current.st_mode) or current.st_uid != os.geteuid():
            return  # never follow links out of var/, never touch someone else's file
        if stat.S_IMODE(current.st_mode) & 0o077:
            path.chmod(stat.S_IMODE(current.st_mode) & mode)
    except FileNotFoundError:
        pass  # removed meanwhile (SQLite's -shm/-wal files come and go)
