"""Storing envelopes: a whole envelope in one PUT, and the commit shared with chunked uploads.

Idempotent by client-made id: the same bytes again are a success (200), other bytes under
the same id a conflict (409). The blob is renamed into place before the row is committed,
so a listed item always has its bytes; a crash in between leaves an unlisted file that
``tipline-server gc`` removes.
"""

from __future__ import annotations

from itertools import chain
from typing import BinaryIO

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from envelope.vocabulary import KIND_NAMES
from envelope.constants import FIXED_HEADER_SIZE, Kind
from envelope.header import Header

from .. import envelopes
from ..blobs import BlobStore, Spooled
from ..config import Settings
from ..errors import ApiError, Conflict
from ..streams import iter_exactly, read_exactly
from ..models import Item, Upload
from . import audit, conversation, storage
from .cases import check_room, check_slot, get_case, slot_for
from .clock import coarse_now
from .feed import next_seq


def put_item(
    session: Session,
    settings: Settings,
    blobs: BlobStore,
    *,
    case_id: str,
    item_id: str,
    body: BinaryIO,
    length: int,
    digest: str | None,
    sender: str = conversation.CITIZEN,
    actor: str | None = None,
) -> tuple[Item, bool]:
    with session.begin():
        get_case(session, case_id)  # 404 before reading the body
    storage.check(session, settings, incoming=length, reserve=length)  # 507 before reading it
    # Read and check the header before writing anything: plaintext never reaches the disk.
    prefix = read_exactly(body, min(FIXED_HEADER_SIZE, length))
    size = envelopes.header_length(prefix)
    raw_header = prefix + read_exactly(body, max(0, min(size, length) - len(prefix)))
    header = envelopes.check_header(
        raw_header, case_id=case_id, item_id=item_id, total_size=length, max_size=settings.max_direct_put_bytes,
        kinds=conversation.POLICE_KINDS if sender == conversation.POLICE else conversation.CITIZEN_KINDS,
    )
    conversation.check_incoming(header, settings, sender)
    if sender == conversation.POLICE and header.kind is not Kind.NOTE:
        with session.begin():  # a note needs no mailbox; a reply and its files do
            conversation.require_mailbox(session, case_id)
    if sender == conversation.CITIZEN:
        with session.begin():  # refused before the body is read (a retry of a stored one passes)
            if session.get(Item, item_id) is None:
                conversation.check_rate(session, settings, case_id, header.kind)
    spooled = blobs.spool(chain([raw_header], iter_exactly(body, length - len(raw_header))))
    if digest is not None and digest != spooled.sha256:
        spooled.discard()
        raise ApiError("the body does not match its Content-Digest", code="digest_mismatch", status=422)
    return commit_item(session, settings, blobs, case_id=case_id, header=header, spooled=spooled, from_upload=False,
                       sender=sender, actor=actor)


def commit_item(
    session: Session,
    settings: Settings,
    blobs: BlobStore,
    *,
    case_id: str,
    header: Header,
    spooled: Spooled,
    from_upload: bool,
    sender: str = conversation.CITIZEN,
    actor: str | None = None,  # the operator who sent a reply: recorded in the audit trail
) -> tuple[Item, bool]:
    item_id = header.envelope_id.hex()
    key = None  # set once the blob is under its final name
    try:
        with session.begin():
            get_case(session, case_id, lock=True)
            existing = session.get(Item, item_id)
            if existing is not None:
                spooled.discard()
                return same_or_conflict(existing, case_id, spooled.sha256), False
            if not from_upload and session.get(Upload, item_id) is not None:
                spooled.discard()
                raise Conflict("a chunked upload with this id is in progress", code="upload_in_progress")
            slot = slot_for(header.kind, header.part_index)
            check_slot(session, case_id, slot, item_id=item_id)
            if sender == conversation.CITIZEN:  # the limits hold anonymous senders back, not operators
                check_room(session, settings, case_id, size=spooled.size, item_id=item_id, new_upload=False)
                conversation.check_rate(session, settings, case_id, header.kind)
            key = blobs.item_key(case_id, item_id, spooled.sha256)
            blobs.commit_item(spooled, key)
            item = Item(
                id=item_id,
                case_id=case_id,
                kind=KIND_NAMES[header.kind].value,
                part_index=header.part_index,
                slot=slot,
                size=spooled.size,
                sha256=spooled.sha256,
                blob_key=key,
                received_at=coarse_now(settings.time_resolution),
                seq=next_seq(session),
                position=conversation.next_position(session, case_id),
                sender=sender,
            )
            session.add(item)
            if header.kind is not Kind.NOTE:
                # a note never moves the citizen's mailbox: its revision would tell them one was written
                conversation.touch_mailbox(session, case_id)
            if actor is not None:
                audit.record(session, settings.time_resolution,
                             "note_added" if header.kind is Kind.NOTE else "reply_sent", actor=actor,
                             case_id=case_id, item_id=item_id, detail={"kind": item.kind, "part": item.part_index})
            if from_upload:
                # chunk rows go with it (ON DELETE CASCADE)
                session.execute(delete(Upload).where(Upload.item_id == item_id))
    except IntegrityError:
        # Another worker stored the same id or slot at the same moment: answer as if we came second.
        spooled.discard()
        with session.begin():
            existing = session.get(Item, item_id)
        if existing is None or existing.blob_key != key:
            _forget_unlisted_blob(session, blobs, key)
        if existing is None:
            raise Conflict("the case already holds another envelope for this part", code="slot_taken") from None
        return same_or_conflict(existing, case_id, spooled.sha256), False
    except BaseException:
        spooled.discard()
        _forget_unlisted_blob(session, blobs, key)
        raise
    return item, True


def _forget_unlisted_blob(session: Session, blobs: BlobStore, key: str | None) -> None:
    """Remove a blob renamed into place whose row did not commit (nothing half-stored stays);
    when the database cannot tell whether a row lists it, gc decides later."""
    if key is None:
        return
    try:
        with session.begin():
            listed = session.scalars(select(Item.id).where(Item.blob_key == key)).first() is not None
    except Exception:  # noqa: BLE001
        return
    if not listed:
        blobs.remove(blobs.path(key))


def same_or_conflict(existing: Item, case_id: str, sha256: str) -> Item:
    if existing.case_id != case_id or existing.sha256 != sha256:
        raise Conflict("an item with this id already exists with other bytes", code="item_conflict")
    return existing
