"""The citizen's mailbox (docs/conversation.md): log in with the receipt's key, read the
conversation, mark replies read, wait for news.

No cookie, no account, nothing about the requester is read or kept: the bearer token is the
only thing that ties requests together, and it opens one mailbox for a quarter of an hour.
"""

from __future__ import annotations

from flask import g, request
from sqlalchemy import select

from ..context import services, session
from ..downloads import envelope_response
from ..errors import NotFound, Unprocessable
from ..events import fallback
from ..http import json_body, respond
from ..models import Case, Item, Mailbox
from ..schemas import mailbox as schemas
from ..services import conversation, mailbox as mailboxes
from . import bp

open_case_schema = schemas.OpenCaseSchema()
challenge_request = schemas.ChallengeRequestSchema()
challenge_schema = schemas.ChallengeSchema()
session_request = schemas.SessionRequestSchema()
token_schema = schemas.MailboxTokenSchema()
mailbox_schema = schemas.MailboxSchema()
read_request = schemas.ReadRequestSchema()
read_schema = schemas.CitizenReadSchema()
events_query = schemas.EventsQuerySchema()
event_schema = schemas.MailboxEventSchema()


def mailbox_registration() -> tuple[str, bytes] | None:
    """The mailbox in PUT /cases/{id}'s optional JSON body, or None (older phones send none)."""
    if not request.content_length and "Transfer-Encoding" not in request.headers:
        return None
    data = json_body(open_case_schema, services().settings.max_json_bytes)
    if "mailbox" not in data:
        return None
    box = data["mailbox"]
    return box["id"], mailboxes.decode_verify_key(box["verify_key"])


@bp.post("/mailbox/challenge")
def challenge():
    """A fresh challenge to sign; the same answer whether or not the mailbox exists."""
    svc = services()
    data = json_body(challenge_request, svc.settings.max_json_bytes)
    secret = mailboxes.challenge_secret(session())
    ttl = svc.settings.mailbox_challenge_seconds
    return respond(challenge_schema, {"challenge": mailboxes.make_challenge(secret, data["mailbox"], ttl),
                                      "expires_in": ttl})


@bp.post("/mailbox/session")
def open_session():
    """Exchange a signed challenge for a short-lived token for this mailbox."""
    svc = services()
    data = json_body(session_request, svc.settings.max_json_bytes)
    token, expires_in, case_id = mailboxes.open_session(session(), svc.settings, data["mailbox"], data["challenge"],
                                                        data["signature"])
    return respond(token_schema, {"token": token, "expires_in": expires_in, "case_id": case_id}, 201)


@bp.delete("/mailbox/session")
def close_session():
    """Revoke this token (the phone's quick exit); the next request needs a new login."""
    _mailbox()
    mailboxes.logout(session(), request.headers.get("Authorization"))
    return ("", 204)


def _mailbox() -> Mailbox:
    g.mailbox = mailboxes.authenticate(session(), request.headers.get("Authorization"))
    return g.mailbox


def _visible(s, case_id: str) -> list[Item]:
    """The case's items a citizen may see, in the case's order: everything but the police's
    internal notes (docs/envelope.md section 18), which are neither listed nor counted."""
    items = s.scalars(select(Item).where(Item.case_id == case_id).order_by(Item.position)).all()
    return [i for i in items if conversation.citizen_visible(i)]


def _rank_of_mark(items: list[Item], up_to_seq: int | None) -> int | None:
    """A read mark (a feed seq) as the citizen counts: how many visible items it covers. The
    citizen's ``seq`` of an item is its rank among visible items (1, 2, 3…), so a note leaves no
    gap that would tell it was written."""
    if up_to_seq is None:
        return None
    covered = sum(1 for i in items if i.seq <= up_to_seq)
    return covered or None


@bp.get("/mailbox")
def view():
    """The case's items as the citizen sees them (report, attachments, messages, replies)."""
    box = _mailbox()
    s = session()
    with s.begin():
        case = s.get(Case, box.case_id)
        mailbox = s.get(Mailbox, box.id)  # read again in this transaction: revision and items agree
        items = _visible(s, case.id)
        marks = {r: conversation.read_mark(s, case.id, r) for r in (conversation.CITIZEN, conversation.POLICE)}
        body = {
            "case_id": case.id,
            "status": case.status,
            "revision": mailbox.revision,
            "items": [{"id": i.id, "kind": i.kind, "part_index": i.part_index, "size": i.size, "sha256": i.sha256,
                       "received_at": i.received_at, "seq": rank, "sender": i.sender}
                      for rank, i in enumerate(items, 1)],
            "read_by_police_up_to": _rank_of_mark(items, marks["police"] and marks["police"].up_to_seq),
            "read_by_citizen_up_to": _rank_of_mark(items, marks["citizen"] and marks["citizen"].up_to_seq),
        }
    return respond(mailbox_schema, body)


@bp.get("/mailbox/items/<id:item_id>")
def item(item_id: str):
    """The ciphertext of one item of this mailbox's case (Range requests resume a download)."""
    box = _mailbox()
    s = session()
    with s.begin():
        found = s.get(Item, item_id)
        if found is None or found.case_id != box.case_id or not conversation.citizen_visible(found):
            raise NotFound("no such item in this mailbox", code="item_not_found")
        key, sha256 = found.blob_key, found.sha256
    return envelope_response(item_id, key, sha256)


@bp.post("/mailbox/read")
def mark_read():
    """The citizen has read the conversation up to the item ``up_to`` (its seq); never goes back."""
    box = _mailbox()
    data = json_body(read_request, services().settings.max_json_bytes)
    s = session()
    with s.begin():
        items = _visible(s, box.case_id)
        if not 1 <= data["up_to"] <= len(items):
            raise Unprocessable("up_to must name an item of this case", code="bad_read_mark")
        mark = conversation.mark_read(s, box.case_id, conversation.CITIZEN, items[data["up_to"] - 1].seq)
        up_to = _rank_of_mark(items, mark.up_to_seq)
    return respond(read_schema, {"read_by_citizen_up_to": up_to})


@bp.get("/events/mailbox")
def events():
    """Live: answers as soon as the mailbox's revision differs from ``after``, or after a short
    wait with the same revision. In the served topology the events process answers this route
    (server.events.service) and holds it much longer for far less."""
    box = _mailbox()
    after = events_query.load(request.args.to_dict())["after"]
    revision = fallback.wait_for_mailbox(services(), box.id, after)
    return respond(event_schema, {"revision": revision})
