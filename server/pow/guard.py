"""Where routes ask for work: a new case, and an item past its case's free allowance. A request
that needs work and carries none gets ``428 pow_required``; one whose work does not hold (bad,
expired, used, for something else or something smaller) gets ``403 pow_invalid`` with
``details.reason``. Both tell the client what to ask ``GET /api/v1/pow`` for."""

from __future__ import annotations

import base64
import binascii
import json

from flask import request
from marshmallow import ValidationError

from ..context import services, session
from ..errors import ApiError
from ..models import Case, Item, Upload
from ..schemas.pow import PowPayloadSchema
from ..services import storage
from ..services.clock import now
from . import policy, store
from .scheme import PowInvalid, verify

HEADER = "X-Tipline-Pow"
MAX_HEADER = 1024
_payload = PowPayloadSchema()


class PowRequired(ApiError):
    status, code = 428, "pow_required"


class PowRefused(ApiError):
    status, code = 403, "pow_invalid"


def _bounded_header() -> None:
    """The header's length is bounded (OpenAPI: maxLength) on every request that may carry it,
    also when no work is needed and it would be ignored: malformed input is refused alike."""
    raw = request.headers.get(HEADER)
    if raw is not None and len(raw) > MAX_HEADER:
        raise PowRefused(f"the {HEADER} header is longer than {MAX_HEADER} characters",
                         details={"reason": "malformed"})


def for_new_case(case_id: str) -> None:
    """Opening a case that does not exist yet costs work; opening it again is free."""
    _bounded_header()
    settings = services().settings
    if not policy.enabled(settings):
        return
    s = session()
    with s.begin():
        if s.get(Case, case_id) is not None:
            return
    storage.check(s, settings, reserve=0)  # a full server says so (507) before asking for work
    require("case", 0)


def for_new_item(case_id: str, item_id: str, size: int) -> None:
    """Storing an item (a direct PUT or the start of an upload) past the case's free allowance
    costs work scaled to its size; the same item again (a resumed upload) is free."""
    _bounded_header()
    settings = services().settings
    if not policy.enabled(settings) or size > settings.max_item_bytes:
        return  # an item over the limit is refused for its size, with nothing stored: no work for that
    s = session()
    with s.begin():
        if s.get(Case, case_id) is None or s.get(Item, item_id) is not None or s.get(Upload, item_id) is not None:
            return  # no case: the route answers 404; a known item: nothing new is stored
    if policy.item_needs_work(s, settings, case_id=case_id, item_id=item_id, size=size):
        storage.check(s, settings, incoming=size, reserve=size)  # 507 first: no work for bytes it cannot take
        require("upload", size)


def _decode(raw: str) -> dict:
    if len(raw) > MAX_HEADER:
        raise PowInvalid("malformed", f"the {HEADER} header is longer than {MAX_HEADER} characters")
    try:
        data = json.loads(base64.b64decode(raw.strip(), validate=True).decode("utf-8"))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise PowInvalid("malformed", f"{HEADER} must be base64 of ALTCHA's JSON payload") from None
    if not isinstance(data, dict):
        raise PowInvalid("malformed", f"{HEADER} must be base64 of a JSON object")
    try:
        return _payload.load(data)
    except ValidationError:
        raise PowInvalid("malformed", f"{HEADER} lacks a field or has one of the wrong shape") from None


def require(purpose: str, size: int) -> None:
    """Check and spend the work this request carries for ``purpose`` and ``size``."""
    wanted = {"purpose": purpose, "size": size}
    raw = request.headers.get(HEADER)
    if raw is None:
        raise PowRequired(f"this request needs a proof of work: GET /api/v1/pow?purpose={purpose}&size={size}, "
                          f"solve it, send the solution in {HEADER}", details=wanted)
    svc = services()
    s = session()
    try:
        solved = verify(store.hmac_key(s), _decode(raw), now=now())
        if solved.purpose != purpose:
            raise PowInvalid("purpose", f"this work was done for {solved.purpose!r}, this request needs {purpose!r}")
        if solved.size < size:
            raise PowInvalid("size", f"this work covers {solved.size} bytes, this item has {size}")
        if not store.spend(s, challenge=solved.challenge, purpose=purpose, expires=solved.expires,
                           resolution=svc.settings.time_resolution):
            raise PowInvalid("spent", "this solution was used already: solve a new challenge")
    except PowInvalid as exc:
        raise PowRefused(str(exc), details={"reason": exc.reason, **wanted}) from None
