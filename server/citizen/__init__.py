"""The citizen API (/api/v1): key bundle, cases, items and resumable uploads.

Nothing here reads who is asking: no address, no user agent, no cookie (see server.privacy).
"""

from flask import Blueprint

bp = Blueprint("citizen", __name__)

from . import bundle, cases, mailbox, pow, uploads  # noqa: E402,F401  (routes register on bp)
