"""The citizen app's files, the health check and the OpenAPI document.

The app is served from the same origin as the API, under a strict Content-Security-Policy:
no inline script, no eval, no other origin (no CDN, font, map tile or analytics).
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, send_from_directory
from sqlalchemy import text

from .context import services, session
from .errors import ApiError
from .openapi import render

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
    return jsonify({"status": "ok"})


@bp.get("/api/openapi.json")
def openapi():
    return Response(render(), mimetype="application/json")


@bp.get("/")
def index():
    return _static("index.html")


@bp.get("/<path:filename>")
def static_file(filename: str):
    return _static(filename)


def _static(filename: str):
    if filename.startswith("api/"):  # an unknown API path is a JSON 404, never a file lookup
        raise ApiError("no such API endpoint", code="not_found", status=404)
    response = send_from_directory(services().settings.pwa_dir, filename, max_age=0)
    response.headers["Content-Security-Policy"] = CSP
    return response
