"""Small helpers shared by the benchmarks: units, data sources and sinks, machine facts."""

from __future__ import annotations

import os
import platform
import re
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MB = 1_000_000  # throughputs are in MB/s (10^6 bytes per second)
MiB = 1 << 20
GiB = 1 << 30
PIECE = 64 * 1024  # the envelope's chunk size, and the baseline's piece size


def mb_per_s(nbytes: int, seconds: float) -> float:
    return nbytes / seconds / MB if seconds > 0 else float("inf")


def best(values: list[float]) -> float:
    """Best of several runs: on a noisy machine noise only ever slows a run down."""
    return max(values)


class RepeatingReader:
    """A read-only file-like object giving ``length`` bytes made of one random block repeated.

    It holds one block (1 MiB by default), never the whole content, so a 1 GiB plaintext
    costs 2 MiB of memory. ChaCha20-Poly1305's speed does not depend on the bytes.
    """

    def __init__(self, length: int, block_size: int = MiB):
        self.left = length
        self.block_size = block_size
        self._double = os.urandom(block_size) * 2  # any slice up to block_size without wrapping
        self._pos = 0

    def read(self, n: int = -1) -> bytes:
        if n is None or n < 0:
            n = self.left
        n = min(n, self.left)
        if n <= 0:
            return b""
        parts = []
        want = n
        while want:
            take = min(want, self.block_size)
            parts.append(self._double[self._pos : self._pos + take])
            self._pos = (self._pos + take) % self.block_size
            want -= take
        self.left -= n
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def readinto(self, buf) -> int:
        data = self.read(len(buf))
        buf[: len(data)] = data
        return len(data)


class DiscardSink:
    """A write-only file-like object that keeps nothing (it only counts)."""

    def __init__(self):
        self.written = 0

    def write(self, data) -> int:
        n = len(data)
        self.written += n
        return n

    def flush(self) -> None:
        pass


def write_random_file(path: Path, size: int, block: int = MiB) -> None:
    """``size`` random bytes into ``path``, written a block at a time."""
    with open(path, "wb") as f:
        left = size
        while left:
            n = min(block, left)
            f.write(os.urandom(n))
            left -= n


def fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Stopwatch:
    def __enter__(self):
        self.start = time.perf_counter()
        self.seconds = 0.0
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.start


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_total_mib() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) // 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def sodium_version() -> str:
    """libsodium's version string if PyNaCl exposes it; otherwise what PyNaCl says it bundles."""
    import nacl.bindings

    getter = getattr(nacl.bindings, "sodium_version_string", None)
    if getter is not None:
        value = getter()
        return value.decode() if isinstance(value, bytes) else str(value)
    try:  # PyNaCl's wheels link libsodium statically and hide the symbol: read PyNaCl's changelog
        from importlib import metadata

        text = metadata.metadata("pynacl").get_payload() or ""
        match = re.search(r"libsodium``\s+to\s+(\S+)", text)
        if match:
            return f"{match.group(1)} (bundled with PyNaCl {metadata.version('pynacl')}; "\
                   "sodium_version_string not exposed)"
    except Exception:  # noqa: BLE001 - machine facts are best effort
        pass
    return "unknown (sodium_version_string not exposed by PyNaCl)"


def machine_facts(tmp_dir: Path | None = None) -> dict:
    import nacl

    facts = {
        "nproc": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "cpu_model": _cpu_model(),
        "memory_total_mib": _memory_total_mib(),
        "kernel": platform.release(),
        "python": sys.version.split()[0],
        "python_implementation": platform.python_implementation(),
        "pynacl": getattr(nacl, "__version__", "unknown"),
        "libsodium": sodium_version(),
    }
    try:
        from importlib import metadata

        facts["gunicorn"] = metadata.version("gunicorn")
    except Exception:  # noqa: BLE001
        pass
    if tmp_dir is not None:
        facts["temp_dir"] = str(tmp_dir)
        facts["temp_fs"] = _filesystem_of(tmp_dir)
    return facts


def _filesystem_of(path: Path) -> str:
    """Device and type of the file system holding ``path`` (from /proc/mounts)."""
    try:
        best_mount, best_line = "", ""
        target = str(Path(path).resolve())
        for line in Path("/proc/mounts").read_text().splitlines():
            dev, mount, fstype, *_ = line.split()
            if (target == mount or target.startswith(mount.rstrip("/") + "/")) and len(mount) > len(best_mount):
                best_mount, best_line = mount, f"{dev} ({fstype}) on {mount}"
        return best_line or "unknown"
    except OSError:
        return "unknown"
