"""The citizen app's files, the health check and the OpenAPI document.

The app is served from the same origin as the API, under a strict Content-Security-Policy:
no inline script, no eval, no other origin (no CDN, font, map tile or analytics).
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from flask import Blueprint, Response, jsonify, request, send_from_directory
from sqlalchemy import text
from werkzeug.routing import PathConverter

from .context import services, session
from .errors import ApiError
from .openapi import render
from .services import storage

bp = Blueprint("web", __name__)

CSP = (
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' blob: data:; "
    "media-src 'self' blob:; connect-src 'self'; worker-src 'self'; manifest-src 'self'; font-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


@bp.get("/api/healthz")
def healthz():
    try:
        s = session()
        with s.begin():
            s.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any database failure means "not healthy"
        raise ApiError("the database is unreachable", code="unhealthy", status=503) from None
    # Degraded: up, but citizen uploads get 507 until room is made (server.services.storage).
    room = storage.room(s, services().settings)
    reasons = [name for name, on in (("low_disk", room.low_disk), ("storage_budget", room.over_budget)) if on]
    return jsonify({"status": "degraded" if reasons else "ok", "reasons": reasons})


@bp.get("/api/openapi.json")
def openapi():
    return Response(render(), mimetype="application/json")


@bp.get("/")
def index():
    return _static("index.html")


@bp.get("/<static:filename>")
def static_file(filename: str):
    return _static(filename)


class StaticPathConverter(PathConverter):
    """A file of the app: any path but /api/…, so that an unknown API path is a 404 and a known
    one asked with another method is a 405 whose Allow lists that route's methods only."""

    regex = r"(?!api/)[^/].*?"


# Hashed assets never change under their name; everything else is revalidated on each load
# (the service worker keeps the app available offline, not the HTTP cache).
IMMUTABLE_PREFIX = "assets/"
ENCODINGS = (("br", ".br"), ("gzip", ".gz"))
MIMETYPES = {".webmanifest": "application/manifest+json", ".js": "text/javascript", ".mjs": "text/javascript"}


def _static(filename: str):
    if filename.endswith((".br", ".gz")) or filename == "build.json":
        raise ApiError("no such file", code="not_found", status=404)
    root = services().settings.pwa_dir
    if root is None:  # the app shell is served from elsewhere (docs/operations.md)
        raise ApiError("no such file", code="not_found", status=404)
    served, encoding = filename, None
    accepted = request.headers.get("Accept-Encoding", "")
    for name, suffix in ENCODINGS:
        if name in accepted and (root / (filename + suffix)).is_file():
            served, encoding = filename + suffix, name
            break
    mimetype = MIMETYPES.get(Path(filename).suffix) or mimetypes.guess_type(filename)[0] or "application/octet-stream"
    response = send_from_directory(root, served, mimetype=mimetype, max_age=0, etag=True)
    if encoding:
        response.headers["Content-Encoding"] = encoding
    response.vary.add("Accept-Encoding")
    if filename.startswith(IMMUTABLE_PREFIX):
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    else:
        response.headers["Cache-Control"] = "no-cache"
    response.headers["Content-Security-Policy"] = CSP
    return response
