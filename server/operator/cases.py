from flask import g, request
from sqlalchemy import select

from ..context import services, session
from ..http import json_body, respond
from ..models import Case, Mailbox
from ..schemas.operator import (AssigneeUpdateSchema, CaseDetailSchema, ChangesQuerySchema, ChangesSchema,
                                StatusUpdateSchema)
from ..services import conversation, feed, triage
from ..services.cases import get_case
from . import bp, require_operator

changes_query = ChangesQuerySchema()
changes_schema = ChangesSchema()
detail_schema = CaseDetailSchema()
status_schema = StatusUpdateSchema()
assignee_schema = AssigneeUpdateSchema()


@bp.get("/changes")
@require_operator
def changes():
    """Cases changed and items stored since a cursor, oldest first; resume with ``since=cursor``."""
    args = changes_query.load(request.args.to_dict())
    s = session()
    with s.begin():
        page = feed.page_since(s, args["since"], args["limit"])
        unread = conversation.unread_messages(s, [c.id for c in page.cases])
    return respond(changes_schema, {"cases": [_summary(c, unread[c.id]) for c in page.cases], "items": page.items,
                                    "deleted": page.deleted, "reads": page.reads, "cursor": page.cursor,
                                    "more": page.more})


@bp.get("/cases/<id:case_id>")
@require_operator
def case_detail(case_id: str):
    s = session()
    with s.begin():
        case = get_case(s, case_id)
        detail = _detail(s, case)
    return respond(detail_schema, detail)


@bp.put("/cases/<id:case_id>/status")
@require_operator
def set_status(case_id: str):
    """Set the triage status (new, in_progress, useful, not_actionable, closed)."""
    settings = services().settings
    data = json_body(status_schema, settings.max_json_bytes)
    triage.set_status(session(), settings, case_id, data["status"], actor=g.operator.username)
    s = session()
    with s.begin():
        detail = _detail(s, get_case(s, case_id))
    return respond(detail_schema, detail)


@bp.put("/cases/<id:case_id>/assignee")
@require_operator
def set_assignee(case_id: str):
    """Assign the case to an officer (``null``: to nobody); every desk sees it in the change feed."""
    settings = services().settings
    data = json_body(assignee_schema, settings.max_json_bytes)
    triage.set_assignee(session(), settings, case_id, data["assignee"], actor=g.operator.username)
    s = session()
    with s.begin():
        detail = _detail(s, get_case(s, case_id))
    return respond(detail_schema, detail)


def _summary(case: Case, unread: int) -> dict:
    return {
        "id": case.id,
        "created_at": case.created_at,
        "status": case.status,
        "status_changed_at": case.status_changed_at,
        "change_seq": case.change_seq,
        "assignee": case.assignee,
        "unread_messages": unread,
    }


def _detail(s, case: Case) -> dict:
    marks = {reader: conversation.read_mark(s, case.id, reader) for reader in (conversation.CITIZEN,
                                                                                conversation.POLICE)}
    return {
        **_summary(case, conversation.unread_messages(s, [case.id])[case.id]),
        "items": list(case.items),
        "has_mailbox": s.scalar(select(Mailbox.id).where(Mailbox.case_id == case.id)) is not None,
        "read_by_police_up_to": marks["police"].up_to_seq if marks["police"] else None,
        "read_by_citizen_up_to": marks["citizen"].up_to_seq if marks["citizen"] else None,
    }
