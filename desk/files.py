"""Private files: owner-only permissions, atomic replacement."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path


def private_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path, 0o700)
    return path


def write_private(path: Path, data: bytes, *, exclusive: bool = False) -> None:
    """Write ``data`` to ``path`` (mode 0600) atomically: temp file, fsync, rename."""
    private_dir(path.parent)
    if exclusive and path.exists():
        raise FileExistsError(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path: Path, obj, **kwargs) -> None:
    write_private(path, (json.dumps(obj, indent=2, ensure_ascii=False, sort_keys=True) + "\n").encode(), **kwargs)


def read_json(path: Path, default=None):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return default


def private_tempfile(directory: Path):
    """An open, owner-only temp file in ``directory`` (for decrypted output before its checks pass)."""
    private_dir(directory)
    fd, name = tempfile.mkstemp(dir=directory, prefix=".tmp-")
    os.fchmod(fd, 0o600)
    return os.fdopen(fd, "w+b"), Path(name)


def file_in(folder: Path, name: str) -> Path:
    """``folder / name`` for a name that must stay a single entry of ``folder`` (sanitised
    names always do: this is the last line of defence, not the sanitising)."""
    if not name or name in (".", "..") or "/" in name or "\\" in name or "\0" in name:
        raise ValueError(f"not a plain file name: {name!r}")
    return folder / name
