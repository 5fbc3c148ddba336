"""The folder of ciphertext blobs. Every write is temp file, fsync, rename, fsync of the
directory, so a crash leaves either nothing or a whole file, never half of one.

Final names carry the content's SHA-256, so two writers racing on the same id with
different bytes cannot overwrite each other: the database decides which one counts.

Layout (every folder exists from the first start, so no folder is ever created, and so
born, when a citizen writes; see server.filetimes for the times of files and folders):

    items/<case[:2]>/<case>.<item>.<sha256[:16]>      stored envelopes
    uploads/<item[:2]>/<item>.<index:08d>.<sha256>    chunks of uploads in progress
    tmp/.tmp-*                                        files being written (each locked by its writer)

Keys of items stored by earlier versions (``items/<case[:2]>/<case>/<item>.<sha>``) stay valid:
the database holds each item's key. Files and folders are the owner's only (0600, 0700).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import stat
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from .filetimes import Stamper, list_dir, log, open_noatime, walk, youngest_change

COPY_BLOCK = 256 * 1024
PREFIXES = [f"{i:02x}" for i in range(256)]
DIR_MODE, FILE_MODE = 0o700, 0o600


@dataclass
class Spooled:
    """A fully written, fsynced temporary file, not yet visible under a final name."""

    path: Path
    size: int
    sha256: str
    store: BlobStore
    lock_fd: int = -1

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)
        self.store.times.stamp(self.path.parent)
        self.release()

    def release(self) -> None:
        """Drop the writer's lock: from now on the file is either gone or under its final name."""
        if self.lock_fd >= 0:
            os.close(self.lock_fd)
            self.lock_fd = -1


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class BlobStore:
    def __init__(self, root: Path, *, time_resolution: int = 3600):
        self.root = Path(root)
        self.tmp_dir = self.root / "tmp"
        self.times = Stamper(time_resolution)
        self._prepare()

    def _prepare(self) -> None:
        """Make every folder a write may need, owner-only, and tighten ones made before."""
        self._make_dirs(self.root)
        for sub in ("items", "uploads"):
            self._make_dirs(self.root / sub)
            for prefix in PREFIXES:
                self._make_dirs(self.root / sub / prefix)
        self._make_dirs(self.tmp_dir)
        self.sweep_temp_files()

    def _make_dirs(self, path: Path) -> None:
        """mkdir -p (0700) whose new directories survive a power cut: each new entry's parent is
        fsynced (a renamed file is only durable if the directory holding it is reachable)."""
        missing = []
        while not path.exists():
            missing.append(path)
            path = path.parent
        if not missing and stat.S_IMODE(path.stat().st_mode) & 0o077:
            try:
                os.chmod(path, DIR_MODE)  # made by an earlier version, or by hand, with a wider mode
            except PermissionError:
                log.warning("%s is readable by others and not ours to change: make it 0700", path)
        for directory in reversed(missing):
            try:
                directory.mkdir(mode=DIR_MODE)
            except FileExistsError:
                continue  # another worker made it meanwhile
            os.chmod(directory, DIR_MODE)  # mkdir's mode goes through the umask
            _fsync_dir(directory.parent)
            self.times.stamp(directory, directory.parent)

    # --- names -----------------------------------------------------------------------
    @staticmethod
    def item_key(case_id: str, item_id: str, sha256: str) -> str:
        return f"items/{case_id[:2]}/{case_id}.{item_id}.{sha256[:16]}"

    def path(self, key: str) -> Path:
        return self.root / key

    def chunk_path(self, item_id: str, index: int, sha256: str) -> Path:
        return self.root / "uploads" / item_id[:2] / f"{item_id}.{index:08d}.{sha256}"

    def _legacy_upload_dir(self, item_id: str) -> Path:
        return self.root / "uploads" / item_id  # uploads started before the flat layout

    def _chunk_file(self, item_id: str, index: int, sha256: str) -> Path:
        path = self.chunk_path(item_id, index, sha256)
        if path.exists():
            return path
        legacy = self._legacy_upload_dir(item_id) / f"{index:08d}.{sha256}"
        return legacy if legacy.exists() else path

    def upload_files(self, item_id: str) -> list[Path]:
        """The chunk files held for an upload, in no particular order."""
        folder = self.root / "uploads" / item_id[:2]
        files = [folder / e.name for e in list_dir(folder) if e.name.startswith(item_id + ".")]
        legacy = self._legacy_upload_dir(item_id)
        if legacy.is_dir():
            files += [legacy / e.name for e in list_dir(legacy)]
        return files

    # --- writing -----------------------------------------------------------------------
    def spool(self, pieces: Iterable[bytes]) -> Spooled:
        """Write pieces to a temp file (fsynced, times made coarse), hashing as we go; the
        caller commits or discards."""
        self._make_dirs(self.tmp_dir)
        fd, name, lock_fd = self._locked_temp_file()
        self.times.stamp(self.tmp_dir)
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
                self.times.stamp_fd(f.fileno(), name)  # a rename keeps these times
        except BaseException:
            Path(name).unlink(missing_ok=True)
            os.close(lock_fd)
            self.times.stamp(self.tmp_dir)
            raise
        return Spooled(Path(name), size, digest.hexdigest(), self, lock_fd)

    def _locked_temp_file(self) -> tuple[int, str, int]:
        """A new temp file (0600) with an exclusive lock held for as long as it is being written:
        a writer that dies (SIGKILL, OOM, power) drops its lock, and ``sweep_temp_files`` removes
        its file at the next start. The lock is taken on a second descriptor of the same open file,
        so that it outlives the writing one."""
        while True:
            fd, name = tempfile.mkstemp(dir=self.tmp_dir, prefix=".tmp-")
            lock_fd = os.dup(fd)
            fcntl.flock(lock_fd, fcntl.LOCK_EX)
            try:
                same = os.stat(name).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if same:
                return fd, name, lock_fd
            os.close(fd)  # a sweep took it between mkstemp and flock: take another name
            os.close(lock_fd)

    def sweep_temp_files(self) -> int:
        """Remove the temp files of writers that are gone (no lock held). Safe at any time, with
        other workers writing: a file being written is locked."""
        removed = 0
        for entry in list_dir(self.tmp_dir):
            if not entry.name.startswith(".tmp-"):
                continue
            path = self.tmp_dir / entry.name
            try:
                fd = open_noatime(path)
            except (FileNotFoundError, IsADirectoryError):
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            try:
                path.unlink(missing_ok=True)
                removed += 1
            finally:
                os.close(fd)
        if removed:
            self.times.stamp(self.tmp_dir)
        return removed

    def commit(self, spooled: Spooled, final: Path) -> None:
        self._make_dirs(final.parent)
        try:
            os.replace(spooled.path, final)
        except BaseException:
            spooled.discard()
            raise
        spooled.release()
        _fsync_dir(final.parent)
        self.times.stamp(final.parent, spooled.path.parent)

    def commit_item(self, spooled: Spooled, key: str) -> None:
        self.commit(spooled, self.path(key))

    def commit_chunk(self, spooled: Spooled, item_id: str, index: int) -> None:
        self.commit(spooled, self.chunk_path(item_id, index, spooled.sha256))

    # --- reading (never moves an access time) ------------------------------------------
    def open(self, key: str) -> BinaryIO:
        return os.fdopen(open_noatime(self.path(key)), "rb")

    def read_chunk(self, item_id: str, index: int, sha256: str) -> Iterator[bytes]:
        with os.fdopen(open_noatime(self._chunk_file(item_id, index, sha256)), "rb") as f:
            while block := f.read(COPY_BLOCK):
                yield block

    # --- cleaning ----------------------------------------------------------------------
    def remove_upload(self, item_id: str) -> None:
        folder = self.root / "uploads" / item_id[:2]
        removed = False
        for entry in list_dir(folder):
            if entry.name.startswith(item_id + "."):
                (folder / entry.name).unlink(missing_ok=True)
                removed = True
        if removed:
            self.times.stamp(folder)
        legacy = self._legacy_upload_dir(item_id)
        if legacy.is_dir():
            shutil.rmtree(legacy, ignore_errors=True)
            self.times.stamp(legacy.parent)

    def remove(self, path: Path) -> None:
        path.unlink(missing_ok=True)
        self.times.stamp(path.parent)

    def stale_temp_files(self, older_than: float) -> Iterator[Path]:
        cutoff = time.time() - older_than
        for path, st in walk(self.root):
            if path.name.startswith(".tmp-") and stat.S_ISREG(st.st_mode) and youngest_change(st) < cutoff:
                yield path

    def item_keys(self) -> Iterator[tuple[str, os.stat_result]]:
        """Every stored item file (this layout's and the earlier one) with its lstat."""
        for path, st in walk(self.root / "items"):
            if stat.S_ISREG(st.st_mode) and not path.name.startswith(".tmp-"):
                yield path.relative_to(self.root).as_posix(), st

    def upload_ids(self) -> dict[str, float]:
        """Item ids that have chunk files, with the latest change among them."""
        found: dict[str, float] = {}
        uploads = self.root / "uploads"
        for path, st in walk(uploads):
            if path == uploads or not stat.S_ISREG(st.st_mode) or path.name.startswith(".tmp-"):
                continue
            rel = path.relative_to(uploads).parts
            if len(rel) != 2:
                continue
            item_id = rel[1].split(".")[0] if len(rel[0]) == 2 else rel[0]
            found[item_id] = max(found.get(item_id, 0.0), youngest_change(st))
        return found

    def restamp(self) -> dict[str, int]:
        """Make every time under the store coarse again, move fresh ctimes and replace files whose
        birth time tells when they came (see server.filetimes)."""
        return self.times.restamp_tree(self.root, recopy=self._recopy)

    def _recopy(self, path: Path, st: os.stat_result) -> bool:
        """Replace ``path`` by a copy of itself: same bytes, mode and times, a new inode. Blobs are
        never rewritten under a name (names carry the hash), so a reader sees the one or the other."""
        try:
            src = os.fdopen(open_noatime(path), "rb")
        except FileNotFoundError:
            return False
        with src:
            spooled = self.spool(iter(lambda: src.read(COPY_BLOCK), b""))
        if spooled.size != st.st_size or not path.exists():  # changed or removed meanwhile
            spooled.discard()
            return False
        times = (st.st_mtime_ns, st.st_mtime_ns)
        try:
            os.utime(spooled.path, ns=times)
            os.replace(spooled.path, path)
        except BaseException:
            spooled.discard()
            raise
        spooled.release()
        _fsync_dir(path.parent)
        os.utime(path, ns=times)  # unchanged by the rename, but the ctime moves to now as well
        self.times.stamp(self.tmp_dir, path.parent)
        return True
