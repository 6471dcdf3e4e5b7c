"""What may become an S3 key or a folder name here, with the reason when not.

S3 itself takes almost any UTF-8 up to 1,024 bytes. The console is stricter where a key is made
from what a person typed or a browser sent (a folder name, a file's relative path): control
characters (CR, LF, NUL...) and "." or ".." as a path segment are refused, since they mislead
people and tools that map keys to paths, and so is a leading "/" (an empty first folder)."""

from __future__ import annotations

MAX_KEY_BYTES = 1024


class InvalidName(ValueError):
    """The message says what is wrong, for the person."""


def _control(value: str) -> str | None:
    for c in value:
        if ord(c) < 32 or ord(c) == 127:
            return f"U+{ord(c):04X}"
    return None


def _check_readable(value: str, what: str) -> None:
    """What any key or prefix the console sends must be: no control characters, S3's length."""
    control = _control(value)
    if control:
        raise InvalidName(f"{what} cannot contain control characters (it contains {control}).")
    size = len(value.encode("utf-8"))
    if size > MAX_KEY_BYTES:
        raise InvalidName(f"{what} is at most 1,024 bytes in UTF-8 (this one would be {size:,}).")


def check_key(key: str, what: str = "An object key") -> str:
    """`key` if it may be written as an object key, else InvalidName saying why."""
    if not key:
        raise InvalidName(f"{what} cannot be empty.")
    _check_readable(key, what)
    if key.startswith("/"):
        raise InvalidName(f'{what} cannot start with "/".')
    if key in (".", ".."):
        raise InvalidName(f'{what} cannot be "." or "..".')
    if any(segment in (".", "..") for segment in key.split("/")):
        raise InvalidName(f'{what} cannot have "." or ".." as a folder name.')
    return key


def check_prefix(prefix: str) -> str:
    """A folder prefix ("" or ending in "/") taken from a URL: the same rules, when not empty."""
    if prefix:
        check_key(prefix, "A folder path")
    return prefix


def check_listing_prefix(prefix: str) -> str:
    """A prefix to list or search (from a URL or the search box). Reading is not writing: S3
    holds what other tools wrote, "." and ".." folders and a leading "/" included, and the
    listing shows them, so they open like any folder. Control characters stay refused (no
    one can type them, and S3's XML answer cannot carry most of them)."""
    _check_readable(prefix, "A folder path")
    return prefix


def folder_key(prefix: str, name: str) -> str:
    """The key of a new folder `name` inside `prefix` (ending in "/")."""
    if not name:
        raise InvalidName("Enter a folder name.")
    if "/" in name:
        raise InvalidName('A folder name cannot contain "/". Create the folder, open it, then create the next one.')
    if name in (".", ".."):
        raise InvalidName('A folder cannot be named "." or "..".')
    if name != name.strip():
        raise InvalidName("A folder name cannot start or end with a space.")
    return check_key(prefix + name + "/", "The folder's key")
