"""Response headers: a strict Content-Security-Policy (only this console's own scripts, styles,
images and media; no inline script; no frames), no caching of decrypted content, no referrer,
and the rules for serving an attachment from an anonymous sender."""

from __future__ import annotations

from urllib.parse import quote

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; media-src 'self'; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
# An attachment response is never a document: if a browser were made to open one as a page,
# it would run in an opaque origin with nothing allowed.
ATTACHMENT_CSP = "default-src 'none'; sandbox"


def secure(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    response.headers["Cache-Control"] = "no-store"  # decrypted content never sits in a browser cache
    return response


def content_disposition(kind: str, name: str) -> str:
    """RFC 6266 with an ASCII fallback; ``name`` is already a sanitised file name."""
    ascii_name = "".join(c if 32 <= ord(c) < 127 and c not in '"\\;' else "_" for c in name) or "file"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"
