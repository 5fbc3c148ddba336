"""The real app for gunicorn, with chunk reads slowed during ``complete`` so that a test can kill
the server while the assembled temp file is being written (tests/e2e/test_keepalive_and_kill.py)."""

import time

from server.blobs import BlobStore
from server.wsgi import app

_read_chunk = BlobStore.read_chunk


def _slow_read_chunk(self, item_id, index, sha256):
    time.sleep(0.3)
    yield from _read_chunk(self, item_id, index, sha256)


BlobStore.read_chunk = _slow_read_chunk
__all__ = ["app"]
