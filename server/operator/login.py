from flask import g, request

from ..context import services, session
from ..http import json_body, respond
from ..schemas.operator import LoginSchema, OperatorSchema, TokenSchema
from ..services import operators
from . import bp, require_operator

login_schema = LoginSchema()
token_schema = TokenSchema()
operator_schema = OperatorSchema()


@bp.post("/session")
def login():
    """Exchange a username, password and second-factor code for a short-lived bearer token."""
    svc = services()
    data = json_body(login_schema, svc.settings.max_json_bytes)
    result = operators.login(session(), svc.settings, data["username"], data["password"], code=data["code"],
                             device=data["device"])
    return respond(token_schema, {"token": result.token, "expires_at": result.expires_at,
                                  "operator": result.operator, "device": result.device}, 201)


@bp.delete("/session")
@require_operator
def logout():
    """Revoke the token used for this request."""
    token = request.headers["Authorization"][len("Bearer "):].strip()
    operators.logout(session(), services().settings, token, g.operator.username)
    return ("", 204)


@bp.get("/whoami")
@require_operator
def whoami():
    return respond(operator_schema, g.operator)
