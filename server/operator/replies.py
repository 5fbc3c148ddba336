"""The police's side of the conversation: replies (kind 4) and their attachments, read marks,
and the live feed event (docs/conversation.md)."""

from __future__ import annotations

from flask import g, request

from ..context import services, session
from ..events import fallback
from ..http import content_digest, json_body, octet_body, respond
from ..schemas.common import ItemReceiptSchema
from ..schemas.mailbox import EventsQuerySchema, OperatorEventSchema, OperatorReadSchema, ReadRequestSchema
from ..services import conversation, items
from ..services.cases import get_case
from . import bp, require_operator

receipt_schema = ItemReceiptSchema()
read_request = ReadRequestSchema()
read_schema = OperatorReadSchema()
events_query = EventsQuerySchema()
event_schema = OperatorEventSchema()


@bp.put("/cases/<id:case_id>/items/<id:item_id>")
@require_operator
def put_reply(case_id: str, item_id: str):
    """Store a reply (kind 4, part 0) or a reply's attachment (kind 2, part 1024 and up), sealed
    on the desk to the citizen's mailbox key and the bundle's keys. The case needs a mailbox."""
    svc = services()
    body, length = octet_body(svc.settings.max_direct_put_bytes, what="item")
    item, created = items.put_item(session(), svc.settings, svc.blobs, case_id=case_id, item_id=item_id, body=body,
                                   length=length, digest=content_digest(required=False),
                                   sender=conversation.POLICE, actor=g.operator.username)
    return respond(receipt_schema, item, 201 if created else 200)


@bp.post("/cases/<id:case_id>/read")
@require_operator
def mark_read(case_id: str):
    """The police have read the citizen's messages up to the item whose feed seq is ``up_to``."""
    data = json_body(read_request, services().settings.max_json_bytes)
    s = session()
    with s.begin():
        case = get_case(s, case_id, lock=True)
        target = conversation.item_of_case(s, case.id, seq=data["up_to"])
        mark = conversation.mark_read(s, case.id, conversation.POLICE, target.seq)
        unread = conversation.unread_messages(s, [case.id])[case.id]
        body = {"case_id": case.id, "read_by_police_up_to": mark.up_to_seq, "unread_messages": unread}
    return respond(read_schema, body)


@bp.get("/events/operator")
@require_operator
def events():
    """Live: answers as soon as the change feed moves past ``after`` (or differs from it), or
    after a short wait. The events process answers this route in the served topology."""
    after = events_query.load(request.args.to_dict())["after"]
    return respond(event_schema, {"seq": fallback.wait_for_feed(services(), after)})
