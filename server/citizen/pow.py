from flask import request

from ..context import services, session
from ..errors import ApiError
from ..http import respond
from ..pow import policy, scheme, store
from ..schemas.pow import PowChallengeSchema, PowQuerySchema
from . import bp

query_schema = PowQuerySchema()
challenge_schema = PowChallengeSchema()


@bp.get("/pow")
def pow_challenge():
    """A fresh proof-of-work challenge for opening a case or storing an item of ``size`` bytes."""
    svc = services()
    settings = svc.settings
    if not policy.enabled(settings):
        raise ApiError("this server asks for no proof of work", code="pow_disabled", status=404)
    query = query_schema.load(request.args.to_dict())
    purpose, size = query["purpose"], query["size"]
    if purpose == "upload" and not 1 <= size <= settings.max_item_bytes:
        raise ApiError(f"size must be between 1 and {settings.max_item_bytes}", code="invalid_request")
    if purpose == "case":
        size = 0
    s = session()
    factor = policy.load_factor(s, settings)
    challenge = scheme.issue(store.hmac_key(s), purpose=purpose, size=size,
                             max_number=policy.max_number(settings, purpose, size, factor),
                             ttl=policy.ttl(settings, purpose, size, factor))
    response = respond(challenge_schema, challenge)
    response.headers["Cache-Control"] = "no-store"
    return response
