"""WSGI wrapper for the browser tests: keeps a copy of every request the server receives
(method, path, headers, body) in TIPLINE_TEST_CAPTURE_DIR, so a test can prove that no
plaintext, no EXIF marker and no client detail ever reached the server. Test use only."""

import io
import itertools
import os
from pathlib import Path

from server.wsgi import app as _app

_DIR = Path(os.environ["TIPLINE_TEST_CAPTURE_DIR"])
_DIR.mkdir(parents=True, exist_ok=True)
_COUNTER = itertools.count()


def app(environ, start_response):
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    headers = "".join(f"{k}: {v}\n" for k, v in environ.items() if k.startswith("HTTP_"))
    head = f"{environ['REQUEST_METHOD']} {environ.get('PATH_INFO', '')}\n{headers}\n".encode()
    (_DIR / f"{os.getpid()}-{next(_COUNTER):06d}.req").write_bytes(head + body)
    environ["wsgi.input"] = io.BytesIO(body)
    return _app(environ, start_response)
