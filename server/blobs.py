"""The folder of ciphertext blobs. Every write is temp file, fsync, rename, fsync of the
directory, so a crash leaves either nothing or a whole file, never half of one.

Final names carry the content's SHA-256, so two writers racing on the same id with
different bytes cannot overwrite each other: the database decides which one counts.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

COPY_BLOCK = 256 * 1024


@dataclass
class Spooled:
    """A fully written, fsynced temporary file, not yet visible under a final name."""

    path: Path
    size: int
    sha256: str

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _make_dirs(path: Path) -> None:
    """mkdir -p whose new directories survive a power cut: each new entry's parent is fsynced
    (a renamed file is only durable if the directory holding it is reachable after a crash)."""
    missing = []
    while not path.exists():
        missing.append(path)
        path = path.parent
    for directory in reversed(missing):
        try:
            directory.mkdir()
        except FileExistsError:
            continue  # another worker made it meanwhile
        _fsync_dir(directory.parent)


class BlobStore:
    def __init__(self, root: Path):
        self.root = Path(root)
        self.tmp_dir = self.root / "tmp"
        for sub in ("items", "uploads", "tmp"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)

    # --- names -----------------------------------------------------------------------
    @staticmethod
    def item_key(case_id: str, item_id: str, sha256: str) -> str:
        return f"items/{case_id[:2]}/{case_id}/{item_id}.{sha256[:16]}"

    def path(self, key: str) -> Path:
        return self.root / key

    def upload_dir(self, item_id: str) -> Path:
        return self.root / "uploads" / item_id

    def chunk_path(self, item_id: str, index: int, sha256: str) -> Path:
        return self.upload_dir(item_id) / f"{index:08d}.{sha256}"

    # --- writing -----------------------------------------------------------------------
    def spool(self, pieces: Iterable[bytes], *, directory: Path | None = None) -> Spooled:
        """Write pieces to a temp file (fsynced), hashing as we go; the caller commits or discards."""
        directory = directory or self.tmp_dir
        _make_dirs(directory)
        fd, name = tempfile.mkstemp(dir=directory, prefix=".tmp-")
        digest = hashlib.sha256()
        size = 0
        try:
            with os.fdopen(fd, "wb") as f:
                for piece in pieces:
                    f.write(piece)
                    digest.update(piece)
                    size += len(piece)
                f.flush()
                os.fsync(f.fileno())
        except BaseException:
            Path(name).unlink(missing_ok=True)
            raise
        return Spooled(Path(name), size, digest.hexdigest())

    def commit(self, spooled: Spooled, final: Path) -> None:
        _make_dirs(final.parent)
        os.replace(spooled.path, final)
        _fsync_dir(final.parent)

    def commit_item(self, spooled: Spooled, key: str) -> None:
        self.commit(spooled, self.path(key))

    # --- reading -----------------------------------------------------------------------
    def open(self, key: str) -> BinaryIO:
        return open(self.path(key), "rb")

    @staticmethod
    def read_file(path: Path) -> Iterator[bytes]:
        with open(path, "rb") as f:
            while block := f.read(COPY_BLOCK):
                yield block

    # --- cleaning ----------------------------------------------------------------------
    def remove_upload(self, item_id: str) -> None:
        shutil.rmtree(self.upload_dir(item_id), ignore_errors=True)

    def stale_temp_files(self, older_than: float) -> Iterator[Path]:
        cutoff = time.time() - older_than
        for path in self.root.rglob(".tmp-*"):
            try:
                if path.stat().st_mtime < cutoff:
                    yield path
            except FileNotFoundError:
                continue

    def item_keys(self) -> Iterator[str]:
        items = self.root / "items"
        for path in items.rglob("*"):
            if path.is_file() and not path.name.startswith(".tmp-"):
                yield path.relative_to(self.root).as_posix()

    def upload_dirs(self) -> Iterator[str]:
        for path in (self.root / "uploads").iterdir():
            if path.is_dir():
                yield path.name
