"""A small real file system for disk-full tests: a tmpfs of a given size, mounted for one test.

Mounting needs root (CI and the developers' machines run as root); elsewhere the test is skipped
and says why. The mount point lives under the test's temp dir and is unmounted afterwards."""

from __future__ import annotations

import contextlib
import os
import subprocess
from pathlib import Path

import pytest


@contextlib.contextmanager
def small_tmpfs(where: Path, size_bytes: int, *, owner: tuple[int, int] | None = None):
    where.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_bytes},mode=0700", "tmpfs", str(where)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip() or done.returncode}): run as root")
    try:
        if owner is not None:
            os.chown(where, *owner)
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def fill(folder: Path, leave: int) -> Path:
    """Write a filler file until only about ``leave`` bytes stay free on ``folder``'s file system."""
    st = os.statvfs(folder)
    free = st.f_bavail * st.f_frsize
    n = 0
    while (folder / f"filler-{n}").exists():
        n += 1
    filler = folder / f"filler-{n}"
    with open(filler, "ab") as f:
        left = max(0, free - leave)
        block = b"\0" * (1 << 20)
        while left > 0:
            n = min(len(block), left)
            try:
                f.write(block[:n])
                f.flush()
            except OSError:
                break
            left -= n
    return filler
