from flask import jsonify

from ..context import services
from ..errors import ApiError
from ..keybundle import KeyBundleUnavailable
from . import bp


@bp.get("/key-bundle")
def key_bundle():
    """The signed key bundle: phones verify it against the root key built into the app."""
    try:
        document = services().key_bundle.document()
    except KeyBundleUnavailable as exc:
        raise ApiError(str(exc), code="no_key_bundle", status=503) from None
    response = jsonify(document)
    response.headers["Cache-Control"] = "no-cache"
    return response
