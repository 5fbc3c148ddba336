"""Resumable chunked uploads for large envelopes.

create (the header is checked first) → put chunk i with its SHA-256, in any order, as many
times as needed → ask which chunks the server holds → complete. Each chunk is written to a
temp file, fsynced and renamed under a name carrying its hash, then recorded; completion
streams the chunks into one blob, checks the whole SHA-256 and the envelope's framing, and
commits the item. A crash at any point leaves a state the client can resume from.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from envelope.vocabulary import KIND_NAMES
from envelope.header import parse_header

from .. import envelopes
from ..blobs import BlobStore
from ..config import Settings
from ..errors import ApiError, Conflict, NotFound, Unprocessable
from ..filetimes import open_noatime
from ..streams import iter_exactly
from ..models import Item, ItemKind, Upload, UploadChunk
from . import conversation, storage
from .cases import check_room, check_slot, get_case, slot_for
from .clock import coarse_now
from .items import commit_item, same_or_conflict

MAX_CHUNKS = 1 << 20


@dataclass
class UploadState:
    item_id: str
    case_id: str
    size: int
    chunk_size: int
    chunk_count: int
    received: list[int]
    complete: bool
    item: Item | None = None


def chunk_count(size: int, chunk_size: int) -> int:
    return -(-size // chunk_size)


def expected_chunk_size(upload: Upload, index: int) -> int:
    n = chunk_count(upload.size, upload.chunk_size)
    return upload.chunk_size if index < n - 1 else upload.size - upload.chunk_size * (n - 1)


def state_of(upload: Upload, received: list[int]) -> UploadState:
    return UploadState(upload.item_id, upload.case_id, upload.size, upload.chunk_size,
                       chunk_count(upload.size, upload.chunk_size), received, False)


def completed_state(item: Item, chunk_size: int | None = None) -> UploadState:
    chunk_size = chunk_size or item.size
    n = chunk_count(item.size, chunk_size)
    return UploadState(item.id, item.case_id, item.size, chunk_size, n, list(range(n)), True, item)


def create(
    session: Session, settings: Settings, *, case_id: str, item_id: str, size: int, chunk_size: int, sha256: str,
    header_b64: str,
) -> tuple[UploadState, bool]:
    if chunk_size > settings.max_chunk_bytes:
        raise ApiError(f"chunk_size must be at most {settings.max_chunk_bytes} bytes", code="bad_chunk_size")
    if chunk_size < settings.min_chunk_bytes and chunk_size < size:
        raise ApiError(f"chunk_size must be at least {settings.min_chunk_bytes} bytes", code="bad_chunk_size")
    if size > settings.max_item_bytes:
        raise ApiError(f"envelopes are limited to {settings.max_item_bytes} bytes", code="item_too_large", status=413)
    if chunk_count(size, chunk_size) > MAX_CHUNKS:
        raise ApiError("too many chunks: use larger ones", code="bad_chunk_size")
    try:
        raw = base64.b64decode(header_b64, validate=True)
    except (binascii.Error, ValueError):
        raise ApiError("header must be base64", code="invalid_request") from None
    header = envelopes.check_header(raw, case_id=case_id, item_id=item_id, total_size=size,
                                    max_size=settings.max_item_bytes)
    conversation.check_incoming(header, settings, conversation.CITIZEN)
    if len(raw) != header.size:
        raise Unprocessable("header holds bytes beyond the envelope header", code="not_an_envelope",
                            details={"reason": "trailing_data"})
    params = dict(size=size, chunk_size=chunk_size, sha256=sha256, header_sha256=hashlib.sha256(raw).hexdigest())
    known = _existing(session, case_id, item_id, params, chunk_size)
    if known is not None:
        return known, False
    # Room for the chunks and for the assembled copy that complete() writes before it frees them.
    storage.check(session, settings, incoming=2 * size, reserve=size)
    try:
        with session.begin():
            get_case(session, case_id, lock=True)
            known = _existing(session, case_id, item_id, params, chunk_size)
            if known is not None:
                return known, False
            slot = slot_for(header.kind, header.part_index)
            check_slot(session, case_id, slot, item_id=item_id)
            check_room(session, settings, case_id, size=size, item_id=item_id, new_upload=True)
            conversation.check_rate(session, settings, case_id, header.kind, pending=_open_messages(session, case_id))
            upload = Upload(item_id=item_id, case_id=case_id, kind=KIND_NAMES[header.kind].value,
                            part_index=header.part_index, slot=slot, header_size=header.size,
                            created_at=coarse_now(settings.time_resolution), **params)
            session.add(upload)
    except IntegrityError:
        raise Conflict("another upload for this id or part started at the same moment; retry",
                       code="upload_conflict") from None
    return state_of(upload, []), True


def _open_messages(session: Session, case_id: str) -> int:
    return session.scalar(select(func.count(Upload.item_id)).where(Upload.case_id == case_id,
                                                                    Upload.kind == ItemKind.MESSAGE.value))


def _existing(session: Session, case_id: str, item_id: str, params: dict, chunk_size: int) -> UploadState | None:
    """The state of this very upload if it exists already (or became an item), else None."""
    with session.begin_nested() if session.in_transaction() else session.begin():
        get_case(session, case_id)
        item = session.get(Item, item_id)
        if item is not None:
            same_or_conflict(item, case_id, params["sha256"])
            return completed_state(item, chunk_size)
        upload = session.get(Upload, item_id)
        if upload is not None:
            if upload.case_id != case_id or any(getattr(upload, k) != v for k, v in params.items()):
                raise Conflict("an upload with this id exists with other parameters", code="upload_conflict")
            return state_of(upload, _received(session, item_id))
    return None


def _received(session: Session, item_id: str) -> list[int]:
    return list(session.scalars(select(UploadChunk.index).where(UploadChunk.item_id == item_id)
                                .order_by(UploadChunk.index)))


def _open_upload(session: Session, case_id: str, item_id: str) -> Upload:
    upload = session.get(Upload, item_id)
    if upload is None or upload.case_id != case_id:
        item = session.get(Item, item_id)
        if item is not None and item.case_id == case_id:
            raise Conflict("this upload is already complete", code="already_complete")
        raise NotFound("no such upload", code="upload_not_found")
    return upload


def _upload_or_item(session: Session, case_id: str, item_id: str) -> tuple[Upload | None, Item | None]:
    """The upload in progress, or the item it already became (a phone asking again after its
    `complete` answer was lost must hear "done", not "no such upload")."""
    get_case(session, case_id)
    upload = session.get(Upload, item_id)
    if upload is not None and upload.case_id == case_id:
        return upload, None
    item = session.get(Item, item_id)
    if item is not None and item.case_id == case_id:
        return None, item
    raise NotFound("no such upload", code="upload_not_found")


def status(session: Session, *, case_id: str, item_id: str) -> UploadState:
    with session.begin():
        upload, done = _upload_or_item(session, case_id, item_id)
        if done is not None:
            return completed_state(done)
        return state_of(upload, _received(session, item_id))


def put_chunk(
    session: Session, settings: Settings, blobs: BlobStore, *, case_id: str, item_id: str, index: int,
    body: BinaryIO, length: int, digest: str,
) -> bool:
    """Store chunk ``index``. Returns True if it was new, False if the same chunk was already held."""
    with session.begin():
        upload = _open_upload(session, case_id, item_id)
        n = chunk_count(upload.size, upload.chunk_size)
        if not 0 <= index < n:
            raise ApiError(f"chunk index must be from 0 to {n - 1}", code="bad_chunk_index", status=422)
        want = expected_chunk_size(upload, index)
        held = session.get(UploadChunk, (item_id, index))
        header_size, header_sha = upload.header_size, upload.header_sha256
    if length != want:
        raise ApiError(f"chunk {index} must be {want} bytes, not {length}", code="bad_chunk_length", status=422)
    if held is not None:
        if held.sha256 != digest:
            raise Conflict(f"chunk {index} is already held with other bytes", code="chunk_conflict")
        return False  # the same chunk again: nothing to do (the body is left unread)
    storage.check(session, settings, incoming=length)  # its bytes were reserved when the upload began
    pieces = iter_exactly(body, length)
    if index == 0:
        pieces = _check_first_chunk(pieces, header_size, header_sha)
    spooled = blobs.spool(pieces)
    if spooled.sha256 != digest:
        spooled.discard()
        raise ApiError("the chunk does not match its Content-Digest", code="digest_mismatch", status=422)
    # The file goes in place before its row (a row always has its file). If the row is not ours in
    # the end (a racing PUT of other bytes won, the upload was aborted or completed meanwhile, the
    # database failed), our file goes at once: no chunk file outlives the request that lost.
    try:
        blobs.commit_chunk(spooled, item_id, index)
        with session.begin():
            _open_upload(session, case_id, item_id)
            session.add(UploadChunk(item_id=item_id, index=index, size=length, sha256=spooled.sha256))
    except IntegrityError:
        with session.begin():
            held = session.get(UploadChunk, (item_id, index))
            same = held is not None and held.sha256 == spooled.sha256
        if not same:
            blobs.remove(blobs.chunk_path(item_id, index, spooled.sha256))
            raise Conflict(f"chunk {index} is already held with other bytes", code="chunk_conflict") from None
        return False  # the same bytes won the race: the file is theirs as well
    except BaseException:
        _forget_unlisted_chunk(session, blobs, item_id, index, spooled.sha256)
        raise
    return True


def _forget_unlisted_chunk(session: Session, blobs: BlobStore, item_id: str, index: int, sha256: str) -> None:
    """Remove a chunk file no row lists; when the database cannot say, leave it to gc."""
    try:
        with session.begin():
            held = session.get(UploadChunk, (item_id, index))
            listed = held is not None and held.sha256 == sha256
    except Exception:  # noqa: BLE001 - the database failed: gc removes the file once it can tell
        return
    if not listed:
        blobs.remove(blobs.chunk_path(item_id, index, sha256))


def _check_first_chunk(pieces: Iterator[bytes], header_size: int, header_sha: str) -> Iterator[bytes]:
    """The first chunk must begin with the very header checked at creation."""
    buf = b""
    for piece in pieces:
        if buf is not None:
            buf += piece
            if len(buf) < header_size:
                continue
            if hashlib.sha256(buf[:header_size]).hexdigest() != header_sha:
                raise Unprocessable("chunk 0 does not begin with the header given at creation",
                                    code="header_mismatch")
            piece, buf = buf, None
        yield piece
    if buf is not None:
        raise Unprocessable("chunk 0 is shorter than the envelope header", code="header_mismatch")


class _ChunkLost(Exception):
    def __init__(self, index: int):
        self.index = index


def complete(session: Session, settings: Settings, blobs: BlobStore, *, case_id: str, item_id: str) -> UploadState:
    with session.begin():
        upload, done = _upload_or_item(session, case_id, item_id)
        if done is not None:
            return completed_state(done)
        chunks = {c.index: c.sha256 for c in upload.chunks}
        n = chunk_count(upload.size, upload.chunk_size)
        missing = [i for i in range(n) if i not in chunks]
        if missing:
            raise Conflict(f"{len(missing)} of {n} chunks are missing", code="upload_incomplete",
                           details={"missing": missing[:1000]})
        declared, size, chunk_size = upload.sha256, upload.size, upload.chunk_size
    storage.check(session, settings, incoming=size)  # the assembled copy, before the chunks go
    try:
        spooled = blobs.spool(_concatenate(blobs, item_id, [chunks[i] for i in range(n)]))
    except _ChunkLost as lost:
        # The row said we held it but the file is gone or damaged: forget it so the client resends it.
        with session.begin():
            held = session.get(UploadChunk, (item_id, lost.index))
            if held is not None:
                session.delete(held)
        raise Conflict(f"chunk {lost.index} must be sent again", code="upload_incomplete",
                       details={"missing": [lost.index]}) from None
    if spooled.size != size or spooled.sha256 != declared:
        spooled.discard()
        raise Unprocessable("the chunks do not add up to the declared SHA-256; abort the upload and start again",
                            code="sha256_mismatch")
    try:
        with os.fdopen(open_noatime(spooled.path), "rb") as f:  # reading must not move its access time
            header = parse_header(f.read(4096))
    except BaseException:
        spooled.discard()  # the assembled file never outlives a failed completion
        raise
    item, _ = commit_item(session, settings, blobs, case_id=case_id, header=header, spooled=spooled,
                          from_upload=True)
    blobs.remove_upload(item_id)
    return completed_state(item, chunk_size)


def _concatenate(blobs: BlobStore, item_id: str, hashes: list[str]) -> Iterator[bytes]:
    """Stream the chunk files in order, re-checking each one's hash (disk faults are caught here)."""
    for index, expected in enumerate(hashes):
        digest = hashlib.sha256()
        try:
            for block in blobs.read_chunk(item_id, index, expected):
                digest.update(block)
                yield block
        except FileNotFoundError:
            raise _ChunkLost(index) from None
        if digest.hexdigest() != expected:
            raise _ChunkLost(index)


def abort(session: Session, blobs: BlobStore, *, case_id: str, item_id: str) -> None:
    with session.begin():
        upload = _open_upload(session, case_id, item_id)
        session.delete(upload)
    blobs.remove_upload(item_id)
