"""Every error leaves the server as JSON ``{"error": code, "message": text}`` with the right
status, never a stack trace or an HTML page."""

from __future__ import annotations

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
        # The log gets code locations and exception types, never a message (a database error's
        # quotes the SQL and its values): server.logs.safe_traceback. The client gets no detail.
        log.error("unexpected error (%s)\n%s", type(err).__name__, safe_traceback(err))
        return error_response(500, "internal_error", "the server could not handle this request")
