"""Coarse file times: nothing the server writes says, to the second, when a citizen's request came.

Every file and folder the server writes gets its access and modification times set, right
after the write, to the current time rounded down to ``TIPLINE_TIME_RESOLUTION`` (an hour by
default). A folder's times move whenever an entry is created, renamed or removed in it, so
each such change is followed by a stamp of the folder too. Reads never update an access time
(``O_NOATIME``, which the owner of a file may always use on Linux).

The change time (ctime) cannot be set: the kernel sets it to the exact time of any change,
our own stamps included. ``restamp_tree`` (run by ``tipline-server gc``) stamps again
everything whose ctime still lies in the granule of its modification time, which moves the
ctime to the time of that gc run: afterwards it tells when gc ran, not when the citizen wrote.
The birth time (statx btime, kept by ext4, XFS, Btrfs) cannot be changed at all: once a
file's granule is over, gc replaces it by a copy (a new inode, born at the gc run). What
remains is said in docs/operations.md ("Times on disk").
"""

from __future__ import annotations

import logging
import os
import stat
import time
from collections.abc import Iterator
from pathlib import Path

NOATIME = getattr(os, "O_NOATIME", 0)
log = logging.getLogger("tipline.server")
_warned: set[str] = set()


def _cannot_stamp(path, exc: OSError) -> None:
    """Only the owner may set a file's times: say so once per folder (never a file's name, which
    may hold ids), and never fail a request for it."""
    folder = str(Path(path).parent)
    if folder not in _warned:
        _warned.add(folder)
        log.warning("cannot make file times coarse in %s (%s): run the server as the owner of its data",
                    folder, type(exc).__name__)


def coarse(seconds: float, resolution: int) -> int:
    """``seconds`` (since the epoch) rounded down to a multiple of ``resolution``."""
    whole = int(seconds)
    return whole - whole % resolution


def is_coarse(ns: int, resolution: int) -> bool:
    return ns % (resolution * 1_000_000_000) == 0


def open_noatime(path, flags: int = os.O_RDONLY) -> int:
    """os.open without touching the access time (falls back to a plain open where not allowed)."""
    try:
        return os.open(path, flags | NOATIME)
    except PermissionError:
        if not NOATIME:
            raise
        return os.open(path, flags)  # not the owner: the caller stamps the times back


def list_dir(path) -> list[os.DirEntry]:
    """The entries of a folder, read without moving the folder's access time."""
    fd = open_noatime(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        with os.scandir(fd) as entries:
            return list(entries)
    finally:
        os.close(fd)


def walk(root: Path) -> Iterator[tuple[Path, os.stat_result]]:
    """Every folder and file under ``root`` (root first), with its lstat, without moving an atime."""
    root = Path(root)
    try:
        yield root, root.lstat()
    except FileNotFoundError:
        return
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            entries = list_dir(folder)
        except (FileNotFoundError, NotADirectoryError):
            continue
        for entry in entries:
            path = folder / entry.name
            try:
                st = path.lstat()
            except FileNotFoundError:
                continue
            yield path, st
            if stat.S_ISDIR(st.st_mode):
                stack.append(path)


class Stamper:
    """Sets the times of what the server writes to the current time, rounded down."""

    def __init__(self, resolution: int):
        if resolution < 1:
            raise ValueError("the time resolution is at least one second")
        self.resolution = resolution

    def now(self) -> int:
        return coarse(time.time(), self.resolution)

    def stamp(self, *paths, at: int | None = None) -> None:
        """Set atime and mtime of each path (a missing one is skipped) to ``at`` or now, rounded."""
        t = self.now() if at is None else at
        for path in paths:
            try:
                os.utime(path, (t, t), follow_symlinks=False)
            except FileNotFoundError:
                continue
            except PermissionError as exc:
                _cannot_stamp(path, exc)

    def stamp_fd(self, fd: int, path) -> None:
        t = self.now()
        try:
            os.utime(fd, (t, t))
        except PermissionError as exc:
            _cannot_stamp(path, exc)

    def needs_restamp(self, st: os.stat_result) -> bool:
        """Times not coarse, or a ctime still inside the granule of the modification time."""
        m = coarse(st.st_mtime_ns // 1_000_000_000, self.resolution)
        m_ns = m * 1_000_000_000
        return st.st_atime_ns != m_ns or st.st_mtime_ns != m_ns or st.st_ctime_ns < m_ns + self.resolution * 10**9

    def restamp(self, path: Path, st: os.stat_result) -> bool:
        """Coarsen one path's times (keeping its granule); True if it was changed."""
        if stat.S_ISLNK(st.st_mode) or not self.needs_restamp(st):
            return False
        m = coarse(st.st_mtime_ns // 1_000_000_000, self.resolution)
        try:
            os.utime(path, (m, m), follow_symlinks=False)
        except FileNotFoundError:
            return False
        except PermissionError as exc:
            _cannot_stamp(path, exc)
            return False
        return True

    def needs_recopy(self, path: Path, st: os.stat_result) -> bool:
        """A file born (statx btime) before the end of its modification granule, once that
        granule is over: its birth time is exact and only a new inode replaces it."""
        m = coarse(st.st_mtime_ns // 1_000_000_000, self.resolution)
        if time.time() < m + self.resolution:
            return False  # not yet: a copy now would be born inside the granule again
        born = birth_time(path)
        return born is not None and born < m + self.resolution

    def restamp_tree(self, root: Path, *, recopy=None, skip_prefix: str = ".tmp-") -> dict[str, int]:
        """Restamp every folder and file under ``root`` but files being written (``skip_prefix``);
        ``recopy(path, st)``, if given, replaces each file whose birth time still tells its
        arrival by a fresh copy (new inode, born now, same content and times)."""
        counts = {"restamped": 0, "recopied": 0}
        for path, st in walk(root):
            if not stat.S_ISDIR(st.st_mode):
                if path.name.startswith(skip_prefix) or not stat.S_ISREG(st.st_mode):
                    continue
                if recopy is not None and self.needs_recopy(path, st):
                    counts["recopied"] += bool(recopy(path, st))
                    continue
            counts["restamped"] += self.restamp(path, st)
        return counts


def youngest_change(st: os.stat_result) -> float:
    """The latest of mtime and ctime: a lower bound of "how recently was this written", which
    coarse mtimes alone no longer give (ctime is never earlier than the last real change)."""
    return max(st.st_mtime, st.st_ctime)


def birth_time(path) -> float | None:
    """A file's birth (creation) time from statx(2), or None where the system does not say.
    Nothing can set it; ext4, XFS and Btrfs keep it to the nanosecond."""
    global _statx
    if _statx is None:
        _statx = _load_statx()
    if not _statx:
        return None
    import ctypes

    buf = ctypes.create_string_buffer(256)
    if _statx(-100, os.fsencode(path), 0x100, 0x800, buf) != 0:  # AT_FDCWD, AT_SYMLINK_NOFOLLOW, STATX_BTIME
        raise FileNotFoundError(path) if ctypes.get_errno() == 2 else OSError(ctypes.get_errno(), "statx", path)
    mask = int.from_bytes(buf.raw[0:4], "little")
    if not mask & 0x800:
        return None
    seconds = int.from_bytes(buf.raw[80:88], "little", signed=True)
    nanos = int.from_bytes(buf.raw[88:92], "little")
    return seconds + nanos / 1e9


_statx = None


def _load_statx():
    try:
        import ctypes
        import ctypes.util

        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        fn = libc.statx
        fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_uint, ctypes.c_char_p]
        fn.restype = ctypes.c_int
        return fn
    except (OSError, AttributeError):
        return False
