"""The proof of work as a client does it (docs/api.md, "Proof of work"): ask for a challenge,
find the number, send the solution base64-encoded in X-Tipline-Pow. The search reuses the
hash state of the salt (what a serious client, or an attacker, does), so the tests' low
difficulty costs next to nothing and bench/pow_bench.py measures an attacker's real rate."""

from __future__ import annotations

import base64
import hashlib
import json

HEADER = "X-Tipline-Pow"
TEST_MAX_NUMBER = 1000  # the tests' difficulty (TIPLINE_POW_MAX_NUMBER): a millisecond of work


def solve_number(challenge: dict) -> int:
    """The number n in [0, maxnumber] with SHA-256(salt + n) == challenge."""
    assert challenge["algorithm"] == "SHA-256"
    salt = challenge["salt"]
    salt = salt if salt.endswith("&") else salt + "&"
    base = hashlib.sha256(salt.encode())
    target = bytes.fromhex(challenge["challenge"])
    for n in range(challenge["maxnumber"] + 1):
        h = base.copy()
        h.update(b"%d" % n)
        if h.digest() == target:
            return n
    raise ValueError("no number in range solves this challenge")


def header_value(challenge: dict, number: int) -> str:
    payload = {k: challenge[k] for k in ("algorithm", "challenge", "salt", "signature")}
    payload["number"] = number
    return base64.b64encode(json.dumps(payload).encode()).decode()


def solve(challenge: dict) -> dict:
    """Headers carrying the solution of ``challenge``."""
    return {HEADER: header_value(challenge, solve_number(challenge))}


def work_headers(get, purpose: str, size: int = 0) -> dict:
    """Ask for a challenge with ``get(path, params)`` (a Flask test client's or requests' get,
    answering an object with ``status_code`` and ``json``) and solve it. A server that asks for
    no work (404 pow_disabled) or refuses the size (400) gets no header: the request itself
    will then say what is wrong."""
    r = get("/api/v1/pow", {"purpose": purpose, "size": size})
    if r.status_code != 200:
        return {}
    body = r.json() if callable(r.json) else r.json
    return solve(body)


def flask_get(client):
    return lambda path, params: client.get(path, query_string=params)


def requests_get(http, base_url: str, timeout: float = 30):
    """``base_url`` is the server's root (…:port), without /api/v1."""
    return lambda path, params: http.get(base_url.rstrip("/") + path, params=params, timeout=timeout)
