"""What the server's log may hold: no client address, no request data, ever.

Three layers, each enough for what it covers:

- ``safe_traceback`` formats an unexpected error for the log as code locations and exception
  types only. Exception messages are left out: a database error's message carries the SQL,
  its parameters and, on PostgreSQL, the values of a violated key; other messages can quote
  request data too. Useful, data-free details are kept (an OSError's errno name, a database
  error's SQLSTATE and constraint name).
- ``PrivateGunicornLogger`` (gunicorn's ``logger_class``) rewrites gunicorn's own lines that
  quote the client: "Invalid request from ip=…: <the request line or header>" becomes
  "invalid request refused (<kind of error>)", "Error handling request <uri>" loses the URI,
  and the access log is never written, whatever the configuration says.
- ``ScrubbingFormatter``, used by every handler, removes from each finished line (message,
  exception and stack included) anything shaped like an IPv4 or IPv6 address, a 32-digit
  hex id, SQLAlchemy's ``[SQL: …]`` / ``[parameters: …]`` sections and PostgreSQL's
  ``DETAIL:`` lines.
"""

from __future__ import annotations

import errno
import ipaddress
import logging
import re
import traceback

from gunicorn.glogging import Logger as GunicornLogger

ADDRESS = "<address>"
ID = "<id>"
_IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w]|\.\d)")
# Candidates only (at least two colons); ipaddress decides. Times such as 12:30:45 are not addresses.
_IPV6 = re.compile(r"(?<![\w:.%])[0-9A-Fa-f:.]*:[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*(?:%[\w.-]+)?(?![\w])")
_HEX_ID = re.compile(r"(?<![0-9A-Za-z])[0-9a-f]{32}(?![0-9A-Za-z])")
_SQL = re.compile(r"\[SQL: .*?(?=\n\(Background on this error|\n\n|\Z)", re.S)
_PARAMETERS = re.compile(r"\[(?:SQL )?parameters[: ].*?\]", re.S)
_PG_DETAIL = re.compile(r"^(DETAIL|HINT|CONTEXT|WHERE|STATEMENT):.*$", re.M)  # PostgreSQL quotes key values


def _address_or_same(match: re.Match) -> str:
    text = match.group(0)
    core = text.rstrip(":.")  # "ip=::1: error": the colon after the address is punctuation
    try:
        ipaddress.ip_address(core.split("%", 1)[0])
    except ValueError:
        return text
    return ADDRESS + text[len(core):]


def scrub(text: str) -> str:
    """``text`` without addresses, ids or SQL sections."""
    text = _SQL.sub("[SQL and parameters removed]", text)
    text = _PARAMETERS.sub("[parameters removed]", text)
    text = _PG_DETAIL.sub(r"\1: [removed]", text)
    text = _IPV6.sub(_address_or_same, text)
    text = _IPV4.sub(_address_or_same, text)
    return _HEX_ID.sub(ID, text)


class ScrubbingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return scrub(super().format(record))


def _describe(exc: BaseException) -> str:
    """An exception's type and data-free details, never its message."""
    kind = type(exc)
    name = kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
    details = []
    orig = getattr(exc, "orig", None)  # SQLAlchemy's DBAPIError wraps the driver's error
    for err in (exc, orig) if orig is not None else (exc,):
        if err is orig:
            details.append(f"driver error {type(orig).__module__}.{type(orig).__qualname__}")
        sqlstate = getattr(err, "sqlstate", None) or getattr(err, "pgcode", None)
        if isinstance(sqlstate, str) and sqlstate.isalnum():
            details.append(f"SQLSTATE {sqlstate}")
        diag = getattr(err, "diag", None)
        constraint = getattr(diag, "constraint_name", None)
        if isinstance(constraint, str) and constraint.isidentifier():
            details.append(f"constraint {constraint}")
        sqlite_name = getattr(err, "sqlite_errorname", None)
        if isinstance(sqlite_name, str) and sqlite_name.isidentifier():
            details.append(sqlite_name)
    if isinstance(exc, OSError) and exc.errno in errno.errorcode:
        details.append(errno.errorcode[exc.errno])
    return name + (f" ({', '.join(details)})" if details else "")


def safe_traceback(exc: BaseException) -> str:
    """The chain of exceptions as code locations and types, innermost cause first."""
    chain = []
    seen = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append(current)
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
    lines = []
    for i, err in enumerate(reversed(chain)):
        if i:
            lines.append("which led to:")
        lines.append("Traceback (most recent call last):")
        for frame in traceback.extract_tb(err.__traceback__):
            lines.append(f'  File "{frame.filename}", line {frame.lineno}, in {frame.name}')
            if frame.line:
                lines.append(f"    {frame.line.strip()}")
        lines.append(_describe(err))
    return "\n".join(lines)


def _gunicorn_message(msg, args) -> str:
    """gunicorn's line without what the client sent or where from."""
    text = str(msg)
    if args:
        try:
            text = text % args
        except (TypeError, ValueError):
            text = f"{text} {args!r}"
    if text.startswith("Invalid request from ip="):
        # "Invalid request from ip=ADDR: DETAIL": the detail quotes the request line or a header.
        detail = text.split(": ", 1)[1] if ": " in text else ""
        kind = re.match(r"[A-Za-z][A-Za-z ]{0,40}", detail)
        return "invalid request refused" + (f" ({kind.group(0).strip()})" if kind else "")
    if text.startswith("Error handling request"):
        return "Error handling request"
    return text


class PrivateGunicornLogger(GunicornLogger):
    """gunicorn's logger, minus client addresses and request data (see the module docstring)."""

    def setup(self, cfg):
        super().setup(cfg)
        for handler in self.error_log.handlers:  # also when no logconfig_dict is given
            if not isinstance(handler.formatter, ScrubbingFormatter):
                fmt = handler.formatter
                handler.setFormatter(ScrubbingFormatter(fmt._fmt if fmt else None, fmt.datefmt if fmt else None))

    def critical(self, msg, *args, **kwargs):
        self.error_log.critical(_gunicorn_message(msg, args), **kwargs)

    def error(self, msg, *args, **kwargs):
        self.error_log.error(_gunicorn_message(msg, args), **kwargs)

    def warning(self, msg, *args, **kwargs):
        self.error_log.warning(_gunicorn_message(msg, args), **kwargs)

    def info(self, msg, *args, **kwargs):
        self.error_log.info(_gunicorn_message(msg, args), **kwargs)

    def debug(self, msg, *args, **kwargs):
        self.error_log.debug(_gunicorn_message(msg, args), **kwargs)

    def exception(self, msg, *args, **kwargs):
        self.error_log.exception(_gunicorn_message(msg, args), **kwargs)

    def log(self, lvl, msg, *args, **kwargs):
        if isinstance(lvl, str):
            lvl = self.LOG_LEVELS.get(lvl.lower(), logging.INFO)
        self.error_log.log(lvl, _gunicorn_message(msg, args), **kwargs)

    def access(self, resp, req, environ, request_time):
        """Never: an access line holds the client's address and user agent."""
