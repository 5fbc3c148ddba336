"""Sending a stored envelope: Range support (an interrupted download resumes), its SHA-256 as
ETag and Repr-Digest, and no access-time update (a download time would say when a case moved)."""

from __future__ import annotations

import base64
import os

from flask import current_app, request
from werkzeug.wsgi import wrap_file

from .context import services


def envelope_response(item_id: str, blob_key: str, sha256: str):
    f = services().blobs.open(blob_key)
    size = os.fstat(f.fileno()).st_size
    response = current_app.response_class(wrap_file(request.environ, f), mimetype="application/octet-stream",
                                          direct_passthrough=True)
    response.call_on_close(f.close)  # also when a 304 or 416 drops the body
    response.content_length = size
    response.headers["Content-Disposition"] = f'attachment; filename="{item_id}.env"'
    response.set_etag(sha256)
    response = response.make_conditional(request.environ, accept_ranges=True, complete_length=size)
    response.headers["Repr-Digest"] = "sha-256=:" + base64.b64encode(bytes.fromhex(sha256)).decode() + ":"
    return response
