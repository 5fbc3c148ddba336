"""Nothing that identifies a citizen is logged or kept: no address, no user agent, no cookie.

The request log names the route *template* (never the path with its ids), the status and
the duration. Citizen requests are logged at DEBUG only, errors included (a refused chunk is
as much part of a report's timeline as a stored one), so the default log holds no line per
citizen request; a server error (5xx) is logged at ERROR with its data-free traceback
(server.errors, server.logs). Operator requests are logged at INFO.
"""

from __future__ import annotations

import logging
import time

from flask import Flask, g, request

log = logging.getLogger("tipline.requests")

CITIZEN_PREFIX = "/api/v1/"
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "geolocation=(self), camera=(self), microphone=(self), interest-cohort=()",
}


def register(app: Flask) -> None:
    @app.before_request
    def _start_clock():
        g.started = time.perf_counter()

    @app.after_request
    def _scrub(response):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if request.path.startswith("/api/"):
            response.headers["Cache-Control"] = "no-store"
        # The app never sets a cookie; make sure no extension ever does either.
        response.headers.remove("Set-Cookie")
        _log(response.status_code)
        return response


def _log(status: int) -> None:
    rule = request.url_rule.rule if request.url_rule is not None else "<no route>"
    elapsed = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
    citizen = request.path.startswith(CITIZEN_PREFIX) or not request.path.startswith("/api/")
    if citizen:
        # 503 and 507 are states of the server (busy, full), said once elsewhere, not per request
        level = logging.ERROR if status >= 500 and status not in (503, 507) else logging.DEBUG
    else:
        level = logging.INFO
    log.log(level, "%s %s %d %.0fms", request.method, rule, status, elapsed)
