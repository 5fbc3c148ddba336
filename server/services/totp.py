"""Second factor: RFC 6238 time-based one-time passwords (HMAC-SHA1, 30-second steps, 6 digits,
what every authenticator app reads from an ``otpauth://`` URI) and single-use recovery codes.

Written on the standard library's hmac rather than a dependency: RFC 6238 is a dozen lines, and
tests check it against the RFC's own vectors."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
from urllib.parse import quote

STEP_SECONDS = 30
DIGITS = 6
# codes of the previous and next step are accepted too: clocks drift, people type slowly
WINDOW = 1
RECOVERY_CODES = 10


def new_secret() -> str:
    """160 random bits (RFC 4226's recommended length) as unpadded base32."""
    return base64.b32encode(secrets.token_bytes(20)).decode("ascii").rstrip("=")


def _key(secret_b32: str) -> bytes:
    padded = secret_b32.upper() + "=" * (-len(secret_b32) % 8)
    return base64.b32decode(padded)


def hotp(key: bytes, counter: int, digits: int = DIGITS, digest=hashlib.sha1) -> str:
    mac = hmac.new(key, struct.pack(">Q", counter), digest).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10 ** digits).zfill(digits)


def step_of(unix_time: float) -> int:
    return int(unix_time // STEP_SECONDS)


def code_at(secret_b32: str, unix_time: float) -> str:
    return hotp(_key(secret_b32), step_of(unix_time))


def matching_step(secret_b32: str, code: str, unix_time: float, *, after_step: int | None) -> int | None:
    """The time step whose code this is (within the window), or None. A step at or before
    ``after_step`` (the last one used) is refused: a code works once."""
    code = code.strip().replace(" ", "")
    if len(code) != DIGITS or not code.isascii() or not code.isdigit():
        return None
    key, now_step = _key(secret_b32), step_of(unix_time)
    found = None
    for step in range(now_step - WINDOW, now_step + WINDOW + 1):
        # compare every candidate, so the time taken does not say which one matched
        if hmac.compare_digest(hotp(key, step), code) and (after_step is None or step > after_step):
            found = step
    return found


def provisioning_uri(secret_b32: str, username: str, issuer: str) -> str:
    return (f"otpauth://totp/{quote(issuer)}:{quote(username)}?secret={secret_b32}&issuer={quote(issuer)}"
            f"&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}")


def new_recovery_codes(n: int = RECOVERY_CODES) -> list[str]:
    """Codes of 50 random bits, as xxxxx-xxxxx in base32: high entropy, so a plain hash is enough."""
    out = []
    for _ in range(n):
        raw = base64.b32encode(secrets.token_bytes(10)).decode("ascii").lower()[:10]
        out.append(f"{raw[:5]}-{raw[5:]}")
    return out


def recovery_hash(code: str) -> str:
    normal = code.strip().lower().replace("-", "").replace(" ", "")
    return hashlib.sha256(b"tipline recovery code\n" + normal.encode("utf-8")).hexdigest()


def looks_like_recovery_code(code: str) -> bool:
    return len(code.strip().replace("-", "").replace(" ", "")) == 10
