from .. import pow
from ..context import services, session
from ..http import content_digest, octet_body, respond
from ..schemas.citizen import CitizenCaseSchema
from ..schemas.common import ItemReceiptSchema
from ..services import cases, conversation, items
from . import bp
from .mailbox import mailbox_registration

case_schema = CitizenCaseSchema()
receipt_schema = ItemReceiptSchema()


@bp.put("/cases/<id:case_id>")
def open_case(case_id: str):
    """Open a case by its client-made id; opening it again is harmless (200). An optional JSON
    body registers the case's mailbox (docs/conversation.md)."""
    pow.for_new_case(case_id)  # a new case costs a proof of work (server.pow)
    case, created = cases.open_case(session(), services().settings, case_id, mailbox=mailbox_registration())
    body = {"id": case.id, "items": []} if created else _with_items(case_id)
    return respond(case_schema, body, 201 if created else 200)


@bp.get("/cases/<id:case_id>")
def get_case(case_id: str):
    """What the server holds of this case: lets a phone reconcile its outbox."""
    return respond(case_schema, _with_items(case_id))


def _with_items(case_id: str) -> dict:
    """The citizen's own items only: the police's replies are behind the mailbox login, so the
    case id alone (kept by the phone's outbox) does not even tell that the police answered."""
    s = session()
    with s.begin():
        case = cases.get_case(s, case_id)
        return {"id": case.id, "items": [i for i in case.items
                                         if i.sender == conversation.CITIZEN and conversation.citizen_visible(i)]}


@bp.put("/cases/<id:case_id>/items/<id:item_id>")
def put_item(case_id: str, item_id: str):
    """Store a whole envelope (up to the direct-upload limit) under its client-made id."""
    svc = services()
    body, length = octet_body(svc.settings.max_direct_put_bytes, what="item")
    pow.for_new_item(case_id, item_id, length)
    item, created = items.put_item(session(), svc.settings, svc.blobs, case_id=case_id, item_id=item_id,
                                   body=body, length=length, digest=content_digest(required=False))
    return respond(receipt_schema, item, 201 if created else 200)
