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
    """Exchange a username and password for a short-lived bearer token."""
    svc = services()
    data = json_body(login_schema, svc.settings.max_json_bytes)
    token, expires_at, op = operators.login(session(), svc.settings, data["username"], data["password"])
    return respond(token_schema, {"token": token, "expires_at": expires_at, "operator": op}, 201)


@bp.delete("/session")
@require_operator
def logout():
    """Revoke the token used for this request."""
    operators.logout(session(), request.headers["Authorization"])
    return ("", 204)


@bp.get("/whoami")
@require_operator
def whoami():
    return respond(operator_schema, g.operator)
