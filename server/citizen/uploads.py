from .. import pow
from ..context import services, session
from ..http import content_digest, json_body, octet_body, respond
from ..schemas.citizen import ChunkReceiptSchema, UploadCreateSchema, UploadStateSchema
from ..services import uploads
from . import bp

create_schema = UploadCreateSchema()
state_schema = UploadStateSchema()
chunk_schema = ChunkReceiptSchema()
BASE = "/cases/<id:case_id>/uploads/<id:item_id>"


@bp.put(BASE)
def create_upload(case_id: str, item_id: str):
    """Start (or find again) a resumable upload; the envelope header is checked now."""
    svc = services()
    data = json_body(create_schema, svc.settings.max_json_bytes)
    pow.for_new_item(case_id, item_id, data["size"])
    state, created = uploads.create(session(), svc.settings, case_id=case_id, item_id=item_id, size=data["size"],
                                    chunk_size=data["chunk_size"], sha256=data["sha256"], header_b64=data["header"])
    return respond(state_schema, state, 201 if created else 200)


@bp.get(BASE)
def upload_status(case_id: str, item_id: str):
    """Which chunks the server holds, so a client resumes with the rest."""
    return respond(state_schema, uploads.status(session(), case_id=case_id, item_id=item_id))


@bp.put(BASE + "/chunks/<index:index>")
def put_chunk(case_id: str, item_id: str, index: int):
    """Store chunk ``index`` (Content-Digest: sha-256 required). The same bytes again are a no-op."""
    svc = services()
    body, length = octet_body(svc.settings.max_chunk_bytes, what="chunk")
    digest = content_digest(required=True)
    created = uploads.put_chunk(session(), svc.settings, svc.blobs, case_id=case_id, item_id=item_id, index=index,
                                body=body, length=length, digest=digest)
    return respond(chunk_schema, {"index": index, "sha256": digest, "new": created}, 201 if created else 200)


@bp.post(BASE + "/complete")
def complete_upload(case_id: str, item_id: str):
    """Assemble the chunks into the stored item (idempotent)."""
    svc = services()
    state = uploads.complete(session(), svc.settings, svc.blobs, case_id=case_id, item_id=item_id)
    return respond(state_schema, state)


@bp.delete(BASE)
def abort_upload(case_id: str, item_id: str):
    """Give up an upload and free what it reserved."""
    uploads.abort(session(), services().blobs, case_id=case_id, item_id=item_id)
    return ("", 204)
