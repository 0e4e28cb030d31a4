"""Atomic file and folder writes: readers never see a half-written file or folder."""
from __future__ import annotations

import json
import os
import shutil
import tempfile


def write_json(path: str, value: object) -> None:
    """Writes pretty JSON atomically (a temporary file in the same folder, renamed over ``path``)."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            json.dump(value, f, ensure_ascii=False, indent=2)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def temp_dir_beside(folder: str) -> str:
    """A new temporary folder next to ``folder`` (same file system, so a rename moves it)."""
    folder = os.path.abspath(folder)
    parent = os.path.dirname(folder)
    os.makedirs(parent, exist_ok=True)
    return tempfile.mkdtemp(prefix="." + os.path.basename(folder) + ".", suffix=".tmp", dir=parent)


def replace_dir(tmp: str, folder: str) -> None:
    """Renames ``tmp`` to ``folder``; an existing folder is renamed aside first, then removed."""
    if os.path.exists(folder):
        old = f"{folder}.old-{os.getpid()}"
        os.rename(folder, old)
        os.rename(tmp, folder)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.rename(tmp, folder)
