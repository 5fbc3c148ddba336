"""ALTCHA challenges (v1 scheme, through the maintained ``altcha`` library): issued signed,
checked without any state. The salt's query carries what the work is for:
``<hex>?expires=<unix>&purpose=<case|upload>&size=<bytes>&``; it is part of the hashed text,
and the hash is what the HMAC signs, so none of it can be changed."""

from __future__ import annotations

import hmac
import urllib.parse
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import altcha

ALGORITHM = "SHA-256"
PURPOSES = ("case", "upload")
_SALT_KEYS = {"expires", "purpose", "size"}


class PowInvalid(Exception):
    """The work does not hold; ``reason`` says why (a word, for details.reason)."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Solved:
    """What a valid solution was for."""

    challenge: str
    purpose: str
    size: int
    expires: datetime


def issue(key: bytes, *, purpose: str, size: int, max_number: int, ttl: timedelta) -> dict:
    """A new challenge, as ALTCHA's widget and libraries read it."""
    challenge = altcha.create_challenge_v1(
        algorithm=ALGORITHM, max_number=max_number, hmac_key=key, expires=datetime.now(UTC) + ttl,
        params={"purpose": purpose, "size": str(size)},
    )
    return {"algorithm": challenge.algorithm, "challenge": challenge.challenge, "maxnumber": challenge.max_number,
            "salt": challenge.salt, "signature": challenge.signature}


def _salt_params(salt: str) -> dict[str, str]:
    _, sep, query = salt.partition("?")
    if not sep:
        raise PowInvalid("malformed", "the salt carries no parameters")
    pairs = urllib.parse.parse_qsl(query, keep_blank_values=True, strict_parsing=False)
    params = dict(pairs)
    # one of each, nothing else: a salt that says two things is not ours
    if len(params) != len(pairs) or set(params) != _SALT_KEYS:
        raise PowInvalid("malformed", "the salt's parameters are not expires, purpose and size")
    return params


def verify(key: bytes, payload: dict, *, now: datetime) -> Solved:
    """Check a solution (``{algorithm, challenge, number, salt, signature}``, already shaped by
    schemas.pow.PowPayloadSchema): the number hashes to the challenge, the challenge carries our
    signature, the salt has not expired. Uses the library's hash and HMAC, compared in constant time."""
    if payload["algorithm"] != ALGORITHM:
        raise PowInvalid("malformed", f"the algorithm must be {ALGORITHM}")
    salt = payload["salt"]
    signed_salt = salt if salt.endswith("&") else salt + "&"
    expected = altcha.hash_hex(ALGORITHM, f"{signed_salt}{payload['number']}".encode())
    if not hmac.compare_digest(expected, payload["challenge"]):
        raise PowInvalid("wrong_number", "the number does not solve the challenge")
    signature = altcha.hmac_hex(ALGORITHM, expected.encode(), key)
    if not hmac.compare_digest(signature, payload["signature"]):
        raise PowInvalid("signature", "the challenge was not issued by this server")
    params = _salt_params(signed_salt.rstrip("&"))
    try:
        expires = datetime.fromtimestamp(int(params["expires"]), UTC)
        size = int(params["size"])
    except (ValueError, OverflowError, OSError):
        raise PowInvalid("malformed", "the salt's expiry or size is not a number") from None
    if expires <= now:
        raise PowInvalid("expired", "the challenge has expired: ask for a new one")
    return Solved(challenge=expected, purpose=params["purpose"], size=size, expires=expires)
