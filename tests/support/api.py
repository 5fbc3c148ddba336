"""Helpers for API tests: make envelopes and call the citizen API through Flask's test client."""

from __future__ import annotations

import base64
import hashlib
import os

from envelope.constants import Kind
from envelope.seal import encrypt_bytes

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
    r = client.put(f"/api/v1/cases/{case_id}")
    assert r.status_code in (200, 201), r.json
    return case_id


def put_item(client, case_id: str, item_id: str, data: bytes, **headers):
    headers.setdefault("Content-Type", OCTETS)
    return client.put(f"/api/v1/cases/{case_id}/items/{item_id}", data=data, headers=headers)


def create_upload(client, case_id, item_id, data: bytes, header_size: int, chunk_size: int, **overrides):
    body = {"size": len(data), "chunk_size": chunk_size, "sha256": hashlib.sha256(data).hexdigest(),
            "header": base64.b64encode(data[:header_size]).decode(), **overrides}
    return client.put(f"/api/v1/cases/{case_id}/uploads/{item_id}", json=body)


def put_chunk(client, case_id, item_id, index: int, chunk: bytes, *, claimed: bytes | None = None):
    return client.put(f"/api/v1/cases/{case_id}/uploads/{item_id}/chunks/{index}", data=chunk,
                      headers={"Content-Type": OCTETS, "Content-Digest": digest(chunk if claimed is None else claimed)})


def chunks_of(data: bytes, size: int) -> list[bytes]:
    return [data[i:i + size] for i in range(0, len(data), size)]
