"""The embedded emulator's process: moto's server, with its S3 listing brought in line with AWS
where the console's pages show the difference.

    python -m console.emulator.moto_server -H 127.0.0.1 -p 5000   (moto.server's arguments)

moto 5.2 lists a folder (a common prefix) when any key under it exists in any state, so a folder
whose objects all carry a delete marker (the S3 browser deleted it, in a versioned bucket) stays
on the page. S3 lists a common prefix only for keys whose latest version is an object. Plain
Python over moto's models; no Django here (this module runs in the emulator's own process).
"""

from __future__ import annotations

import inspect
from typing import Any

# What the patch wraps; another moto may change it, and then the emulator must not start.
LIST_OBJECTS_PARAMETERS = ["self", "bucket", "prefix", "delimiter", "marker", "max_keys"]


def live_folders(keys: Any, prefix: str, delimiter: str) -> set[str]:
    """The common prefixes S3 lists under `prefix`: from keys whose latest version is an object
    (moto's bucket.keys maps each name to its latest version)."""
    from moto.s3.models import FakeDeleteMarker

    folders = set()
    for name, key in keys.items():
        if isinstance(key, FakeDeleteMarker) or not name.startswith(prefix):
            continue
        rest = name[len(prefix) :]
        if delimiter in rest:
            folders.add(prefix + rest.split(delimiter, 1)[0] + delimiter)
    return folders


def check_signature(list_objects: Any) -> None:
    """Refuse to start on a moto whose list_objects takes other arguments than the patch passes
    (a clear error at start instead of a TypeError on every listing)."""
    found = list(inspect.signature(list_objects).parameters)
    if found != LIST_OBJECTS_PARAMETERS:
        raise RuntimeError(f"moto's S3Backend.list_objects now takes {found}: update console/emulator/moto_server.py")


def patch_listing() -> None:
    """S3Backend.list_objects (which ListObjectsV2 uses too) drops deleted folders."""
    from moto.s3.models import S3Backend

    original = S3Backend.list_objects
    if getattr(original, "lists_live_folders_only", False):
        return
    check_signature(original)

    def list_objects(self, bucket, prefix, delimiter, marker, max_keys):  # moto's signature
        keys, folders, truncated, next_marker = original(self, bucket, prefix, delimiter, marker, max_keys)
        if not delimiter or not folders:
            return keys, folders, truncated, next_marker
        live = live_folders(bucket.keys, prefix or "", delimiter)
        return keys, [folder for folder in folders if folder in live], truncated, next_marker  # sorted, as moto's

    list_objects.lists_live_folders_only = True  # type: ignore[attr-defined]
    S3Backend.list_objects = list_objects  # type: ignore[method-assign]


def main() -> None:
    patch_listing()
    from moto.server import main as moto_main

    moto_main()


if __name__ == "__main__":
    main()
