"""Reading request bodies safely: content types, size limits, JSON through schemas, digests."""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import BinaryIO

from flask import jsonify, request
from marshmallow import Schema

from .errors import ApiError
from .streams import READ_BLOCK, iter_exactly, read_exactly  # noqa: F401  (re-exported for the routes)

_DIGEST = re.compile(r"(?:^|,)\s*sha-256\s*=\s*:([A-Za-z0-9+/=]+):\s*(?:,|$)")
# No body of this API nests deeper than 3; the parser's own limit (the recursion limit) would be
# a RecursionError, hence a 500, and a deep tree costs every later walk over it.
MAX_JSON_DEPTH = 32


def json_depth(value) -> int:
    """How deep a parsed JSON value nests (a scalar is 0), without recursion."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            node = node.values()
        elif not isinstance(node, list):
            deepest = max(deepest, depth)
            continue
        deepest = max(deepest, depth + 1)
        stack.extend((child, depth + 1) for child in node)
    return deepest


def json_body(schema: Schema, max_bytes: int) -> dict:
    if request.mimetype != "application/json":
        raise ApiError("send application/json", code="unsupported_media_type", status=415)
    length = request.content_length
    if length is not None and length > max_bytes:
        raise ApiError(f"JSON bodies are limited to {max_bytes} bytes", code="too_large", status=413)
    raw = request.stream.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise ApiError(f"JSON bodies are limited to {max_bytes} bytes", code="too_large", status=413)
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ApiError("the body is not valid JSON", code="bad_json") from None
    except RecursionError:
        raise _too_deep() from None
    if json_depth(data) > MAX_JSON_DEPTH:
        raise _too_deep()
    return schema.load(data)


def _too_deep() -> ApiError:
    return ApiError(f"JSON bodies nest at most {MAX_JSON_DEPTH} levels deep", code="json_too_deep")


def octet_body(max_bytes: int, *, what: str = "body") -> tuple[BinaryIO, int]:
    if request.mimetype != "application/octet-stream":
        raise ApiError("send application/octet-stream", code="unsupported_media_type", status=415)
    length = request.content_length
    if length is None:
        raise ApiError("a Content-Length header is required", code="length_required", status=411)
    if length > max_bytes:
        raise ApiError(f"the {what} is {length} bytes, the limit is {max_bytes}", code=f"{what}_too_large", status=413)
    return request.stream, length


def content_digest(required: bool) -> str | None:
    """The SHA-256 of RFC 9530's ``Content-Digest: sha-256=:<base64>:`` as hex."""
    header = request.headers.get("Content-Digest")
    if header is None:
        if required:
            raise ApiError("a Content-Digest header with sha-256 is required", code="digest_required")
        return None
    match = _DIGEST.search(header)
    if not match:
        raise ApiError("Content-Digest must carry sha-256=:<base64>:", code="bad_digest_header")
    try:
        raw = base64.b64decode(match.group(1), validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise ApiError("the sha-256 digest must be 32 bytes of base64", code="bad_digest_header")
    return raw.hex()


def respond(schema: Schema, obj, status: int = 200):
    response = jsonify(schema.dump(obj))
    response.status_code = status
    return response
