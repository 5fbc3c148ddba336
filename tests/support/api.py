"""Helpers for API tests: make envelopes and call the citizen API through Flask's test client."""

from __future__ import annotations

import base64
import hashlib
import os

from envelope.constants import Kind
from envelope.seal import encrypt_bytes

from .pow import flask_get, work_headers

OCTETS = "application/octet-stream"


def new_id() -> str:
    return os.urandom(16).hex()


def digest(data: bytes) -> str:
    return "sha-256=:" + base64.b64encode(hashlib.sha256(data).digest()).decode() + ":"


def envelope(case_id: str, recipients, *, kind=Kind.REPORT, part=0, content: bytes = b"{}", item_id: str | None = None):
    item_id = item_id or new_id()
    data, result = encrypt_bytes(content, kind=kind, case_id=bytes.fromhex(case_id), part_index=part,
                                 recipients=recipients, envelope_id=bytes.fromhex(item_id))
    return item_id, data, result


def open_case(client, case_id: str | None = None) -> str:
    case_id = case_id or new_id()
    r = client.put(f"/api/v1/cases/{case_id}", headers=work_headers(flask_get(client), "case"))
    assert r.status_code in (200, 201), r.json
    return case_id


def put_item(client, case_id: str, item_id: str, data: bytes, *, work: bool = True, **headers):
    """``work``: solve a proof of work for the item's size (the server reads it only when the
    case is past its free allowance)."""
    headers.setdefault("Content-Type", OCTETS)
    if work:
        headers = {**work_headers(flask_get(client), "upload", len(data) or 1), **headers}
    return client.put(f"/api/v1/cases/{case_id}/items/{item_id}", data=data, headers=headers)


def create_upload(client, case_id, item_id, data: bytes, header_size: int, chunk_size: int, *, work: bool = True,
                  **overrides):
    body = {"size": len(data), "chunk_size": chunk_size, "sha256": hashlib.sha256(data).hexdigest(),
            "header": base64.b64encode(data[:header_size]).decode(), **overrides}
    headers = work_headers(flask_get(client), "upload", body["size"]) if work and isinstance(body["size"], int) else {}
    return client.put(f"/api/v1/cases/{case_id}/uploads/{item_id}", json=body, headers=headers)


def put_chunk(client, case_id, item_id, index: int, chunk: bytes, *, claimed: bytes | None = None):
    return client.put(f"/api/v1/cases/{case_id}/uploads/{item_id}/chunks/{index}", data=chunk,
                      headers={"Content-Type": OCTETS, "Content-Digest": digest(chunk if claimed is None else claimed)})


def chunks_of(data: bytes, size: int) -> list[bytes]:
    return [data[i:i + size] for i in range(0, len(data), size)]
