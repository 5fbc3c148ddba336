"""Proof of work without identity (docs/api.md, "Proof of work").

Opening a case, and storing bytes beyond a small free allowance per case, costs the client a
few hundred thousand SHA-256 evaluations: nothing for a citizen's one report, a bill per case
and per megabyte for a flood. The challenge is ALTCHA's (its Python library, v1 scheme: find
the number n with SHA-256(salt + n) = challenge, the challenge HMAC-signed), stateless until
used; the salt carries its expiry, purpose and size; a used one is recorded until it expires.
Nothing here looks at who asks.
"""

from .guard import for_new_case, for_new_item

__all__ = ["for_new_case", "for_new_item"]
