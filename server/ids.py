"""Client-made ids: 128 random bits as 32 lowercase hex digits, nothing else.

The URL converter refuses anything else (path traversal, non-ASCII, other lengths) with a
clear 400 before any view or file name sees it.
"""

from __future__ import annotations

import re

from werkzeug.exceptions import BadRequest
from werkzeug.routing import BaseConverter

ID_RE = re.compile(r"[0-9a-f]{32}")


class BadId(BadRequest):
    api_code = "bad_id"
    description = "ids are 32 lowercase hexadecimal digits"


class IdConverter(BaseConverter):
    regex = r"[^/]+"  # match anything, so a bad id is a 400 bad_id and not a 404

    def to_python(self, value: str) -> str:
        if not ID_RE.fullmatch(value):
            raise BadId()
        return value

    def to_url(self, value: str) -> str:
        return value


# Integers in paths and queries are bounded so that no number reaches the database out of its
# column's range (an overflow there was a 500 on SQLite and on PostgreSQL).
MAX_INT32 = 2**31 - 1
MAX_INT64 = 2**63 - 1
_UINT_RE = re.compile(r"[0-9]{1,10}")


class BadIndex(BadRequest):
    api_code = "bad_index"
    description = f"indexes are decimal integers from 0 to {MAX_INT32}"


class IndexConverter(BaseConverter):
    """A non-negative 32-bit integer; anything else is a 400 ``bad_index`` (not a 404)."""

    regex = r"[^/]+"

    def to_python(self, value: str) -> int:
        if not _UINT_RE.fullmatch(value) or int(value) > MAX_INT32:
            raise BadIndex()
        return int(value)

    def to_url(self, value: int) -> str:
        return str(int(value))
