"""Every error leaves the server as JSON ``{"error": code, "message": text}`` with the right
status, never a stack trace or an HTML page."""

from __future__ import annotations

import errno
import logging

from flask import Flask, jsonify
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from .logs import safe_traceback

log = logging.getLogger("tipline.server")


class ApiError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None, details=None,
                 headers: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.code = code or self.code
        self.status = status or self.status
        self.details = details
        self.headers = headers or {}  # e.g. Retry-After


class NotFound(ApiError):
    status, code = 404, "not_found"


class Conflict(ApiError):
    status, code = 409, "conflict"


class TooLarge(ApiError):
    status, code = 413, "too_large"


class Unprocessable(ApiError):
    status, code = 422, "unprocessable"


class Unauthorized(ApiError):
    status, code = 401, "unauthorized"


def error_response(status: int, code: str, message: str, details=None):
    body = {"error": code, "message": message}
    if details is not None:
        body["details"] = details
    response = jsonify(body)
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="tipline-operators"'
    return response


_HTTP_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    411: "length_required",
    413: "too_large",
    415: "unsupported_media_type",
    416: "range_not_satisfiable",
}


def register(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(err: ApiError):
        response = error_response(err.status, err.code, err.message, err.details)
        response.headers.update(err.headers)
        return response

    @app.errorhandler(ValidationError)
    def _validation_error(err: ValidationError):
        return error_response(400, "invalid_request", "the request body does not match the schema", err.messages)

    @app.errorhandler(HTTPException)
    def _http_error(err: HTTPException):
        code = getattr(err, "api_code", None) or _HTTP_CODES.get(err.code or 500, "http_error")
        message = err.description if isinstance(err.description, str) else err.name
        response = error_response(err.code or 500, code, message)
        if err.code == 405 and err.valid_methods:
            response.headers["Allow"] = ", ".join(err.valid_methods)
        return response

    @app.errorhandler(Exception)
    def _unexpected(err: Exception):
        if type(err).__module__.startswith("gunicorn.http"):
            # The body's framing is broken (e.g. bad chunked encoding): the client's fault.
            return error_response(400, "bad_request", "the request body is malformed")
        known = resource_error(err)
        if known is not None:
            return _api_error(known)
        # The log gets code locations and exception types, never a message (a database error's
        # quotes the SQL and its values): server.logs.safe_traceback. The client gets no detail.
        log.error("unexpected error (%s)\n%s", type(err).__name__, safe_traceback(err))
        return error_response(500, "internal_error", "the server could not handle this request")


# A full disk is a state of the server, not a fault of the request: the client is told to come
# back later (507, the same answer as the watermark's), never a 500. Likewise a database that
# cannot be reached or stays locked is a 503. Anything else stays a 500.
_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
SQLITE_FULL, SQLITE_BUSY, SQLITE_LOCKED = 13, 5, 6
PG_DISK_FULL = "53100"
RETRY_AFTER_UNAVAILABLE = "30"


def _chain(err: BaseException):
    seen = set()
    while err is not None and id(err) not in seen:
        seen.add(id(err))
        yield err
        err = err.__cause__ or err.__context__ or getattr(err, "orig", None)


def resource_error(err: BaseException) -> ApiError | None:
    """The 507 or 503 an exception stands for, or None for a genuine server error."""
    from flask import current_app

    for e in _chain(err):
        sqlstate = getattr(e, "sqlstate", None)
        sqlite_code = getattr(e, "sqlite_errorcode", None)
        if (isinstance(e, OSError) and e.errno in _FULL_ERRNOS) or sqlstate == PG_DISK_FULL \
                or sqlite_code == SQLITE_FULL:
            settings = current_app.extensions["tipline"].settings
            from .services.storage import refusal

            return refusal(settings, "the disk is full")
        if sqlite_code in (SQLITE_BUSY, SQLITE_LOCKED) or _unreachable(e):
            return ApiError("the database is unreachable or busy; try again later", code="unavailable", status=503,
                            headers={"Retry-After": RETRY_AFTER_UNAVAILABLE})
    return None


def _unreachable(e: BaseException) -> bool:
    """A PostgreSQL connection that failed or broke (not a query the database refused)."""
    sqlstate = getattr(e, "sqlstate", None)
    if sqlstate:
        return sqlstate[:2] in ("08", "57")  # connection exception, operator intervention (shutdown)
    return type(e).__module__.startswith("psycopg") and type(e).__name__ == "OperationalError"
