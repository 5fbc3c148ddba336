from flask import g

from ..context import services, session
from ..http import json_body, respond
from ..schemas.audit import AuditEntrySchema, AuditTrailSchema, DeskActionSchema
from ..services import audit
from ..services.cases import get_case
from . import bp, require_operator

trail_schema = AuditTrailSchema()
entry_schema = AuditEntrySchema()
desk_action_schema = DeskActionSchema()


@bp.get("/cases/<id:case_id>/audit")
@require_operator
def case_audit(case_id: str):
    """Who did what to this case, oldest first (the case's part of the hash-chained trail)."""
    s = session()
    with s.begin():
        get_case(s, case_id)
        entries = audit.for_case(s, case_id)
        return respond(trail_schema, {"entries": entries})


@bp.post("/cases/<id:case_id>/audit")
@require_operator
def record_desk_action(case_id: str):
    """Record what a desk did out of the server's sight (an export), under the caller's name."""
    settings = services().settings
    data = json_body(desk_action_schema, settings.max_json_bytes)
    s = session()
    with s.begin():
        get_case(s, case_id)
        entry = audit.record(s, settings.time_resolution, data["action"], actor=g.operator.username,
                             case_id=case_id, detail={"what": data["what"]})
        return respond(entry_schema, entry, 201)
