"""Keep-alive connections survive an answer given without reading the body.

A view may answer before reading what the client sends (a chunk the server already holds, an
early 4xx). gunicorn then drains at most 64 KiB of the rest and, past that, closes the
connection although its answer said ``keep-alive``: the client's next request on it is reset.
So after every request the app reads and discards what is left of the body, up to the largest
body any route accepts; a body larger than that is not read, and the connection is marked to
close instead, so the answer says ``Connection: close`` (a hop-by-hop header a WSGI app cannot
set itself: gunicorn's ``pre_request`` hook hands us its request, server/gunicorn_conf.py).
"""

from __future__ import annotations

import threading

from flask import Flask, request

DRAIN_BLOCK = 64 * 1024
_current = threading.local()


def bind(gunicorn_request) -> None:
    """Called by gunicorn's pre_request hook, in the thread that runs the app for that request."""
    _current.request = gunicorn_request


def close_connection() -> None:
    """Ask the HTTP server to close this connection after the answer (a no-op elsewhere)."""
    req = getattr(_current, "request", None)
    if req is not None:
        req.must_close = True


def drain(environ, limit: int) -> bool:
    """Read and discard the rest of the body, at most ``limit`` bytes. False if more remained."""
    stream = environ.get("wsgi.input")
    if stream is None:
        return True
    left = limit
    while True:
        block = stream.read(min(DRAIN_BLOCK, left + 1))
        if not block:
            return True
        left -= len(block)
        if left < 0:
            return False


def register(app: Flask, limit: int) -> None:
    @app.after_request
    def _finish_body(response):
        length = request.content_length
        chunked = "chunked" in request.headers.get("Transfer-Encoding", "").lower()
        if not length and not chunked:
            return response
        try:
            whole = length is None or length <= limit
            if not (whole and drain(request.environ, limit)):
                close_connection()
        except Exception:  # noqa: BLE001 - a client that stops mid-body: nothing left to keep alive
            close_connection()
        return response
