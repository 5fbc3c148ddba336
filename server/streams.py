"""Reading exactly N bytes from a body stream, in bounded blocks. No Flask here: services use
it on whatever stream a route hands them (server/http.py reads requests)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from .errors import ApiError

# 64 KiB reads. 1 MiB reads would upload about a quarter faster over loopback (docs/benchmarks.md),
# far above any phone's bandwidth, but a read blocks until its block is full, so a slow phone's
# partial chunk would sit in memory instead of on disk, and per-request memory would grow 16-fold.
READ_BLOCK = 64 * 1024


def iter_exactly(stream: BinaryIO, size: int) -> Iterator[bytes]:
    """Yield exactly ``size`` bytes from the request, or fail with 400 if the client stops early."""
    left = size
    while left:
        block = stream.read(min(READ_BLOCK, left))
        if not block:
            raise ApiError("the body ended before its Content-Length", code="truncated_body")
        left -= len(block)
        yield block


def read_exactly(stream: BinaryIO, size: int) -> bytes:
    return b"".join(iter_exactly(stream, size))
