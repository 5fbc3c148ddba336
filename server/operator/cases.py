from flask import g, request

from ..context import services, session
from ..http import json_body, respond
from ..models import Case
from ..schemas.operator import CaseDetailSchema, ChangesQuerySchema, ChangesSchema, StatusUpdateSchema
from ..services import feed, triage
from ..services.cases import get_case
from . import bp, require_operator

changes_query = ChangesQuerySchema()
changes_schema = ChangesSchema()
detail_schema = CaseDetailSchema()
status_schema = StatusUpdateSchema()


@bp.get("/changes")
@require_operator
def changes():
    """Cases changed and items stored since a cursor, oldest first; resume with ``since=cursor``."""
    args = changes_query.load(request.args.to_dict())
    s = session()
    with s.begin():
        cases, items, deleted, cursor, more = feed.page_since(s, args["since"], args["limit"])
    return respond(changes_schema, {"cases": cases, "items": items, "deleted": deleted, "cursor": cursor,
                                    "more": more})


@bp.get("/cases/<id:case_id>")
@require_operator
def case_detail(case_id: str):
    s = session()
    with s.begin():
        case = get_case(s, case_id)
        items = list(case.items)
    return respond(detail_schema, _detail(case, items))


@bp.put("/cases/<id:case_id>/status")
@require_operator
def set_status(case_id: str):
    """Set the triage status (new, in_progress, useful, not_actionable, closed)."""
    settings = services().settings
    data = json_body(status_schema, settings.max_json_bytes)
    case, items = triage.set_status(session(), settings, case_id, data["status"], actor=g.operator.username)
    return respond(detail_schema, _detail(case, items))


def _detail(case: Case, items) -> dict:
    return {
        "id": case.id,
        "created_at": case.created_at,
        "status": case.status,
        "status_changed_at": case.status_changed_at,
        "change_seq": case.change_seq,
        "items": items,
    }
