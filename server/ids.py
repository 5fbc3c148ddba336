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
