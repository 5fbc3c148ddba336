"""The operator API (/api/operator/v1): authenticated with short-lived bearer tokens.

Operators fetch ciphertext and set triage statuses; decryption happens on their own machine
(the desk), never here.
"""

from functools import wraps

from flask import Blueprint, g, request

from ..context import session
from ..services import operators

bp = Blueprint("operator", __name__)


def require_operator(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        g.operator = operators.authenticate(session(), request.headers.get("Authorization"))
        return view(*args, **kwargs)

    return wrapper


from . import audit, cases, content, login, replies  # noqa: E402,F401  (routes register on bp)
