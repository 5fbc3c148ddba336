"""Resumable chunked uploads, on SQLite and PostgreSQL."""

import base64
import hashlib
import os

import pytest
from sqlalchemy import func, select

from envelope.constants import Kind
from server.models import Item, Upload, UploadChunk
from tests.support.api import chunks_of, create_upload, envelope, new_id, open_case, put_chunk, put_item

CHUNK = 64 * 1024


@pytest.fixture
def big(client, test_keys):
    """An opened case and a ~200 KiB attachment envelope (4 upload chunks)."""
    case_id = open_case(client)
    item_id, data, result = envelope(case_id, test_keys.public_keys, kind=Kind.ATTACHMENT, part=1,
                                     content=os.urandom(200_000))
    return case_id, item_id, data, result.header.size


def counts(app):
    svc = app.extensions["tipline"]
    with svc.sessions() as s:
        return (s.scalar(select(func.count(Item.id))), s.scalar(select(func.count(Upload.item_id))),
                s.scalar(select(func.count()).select_from(UploadChunk)))


def test_full_upload_out_of_order_with_resume(app, client, big):
    case_id, item_id, data, hsize = big
    r = create_upload(client, case_id, item_id, data, hsize, CHUNK)
    assert r.status_code == 201, r.json
    assert r.json["chunk_count"] == 4 and r.json["received"] == [] and r.json["complete"] is False
    assert create_upload(client, case_id, item_id, data, hsize, CHUNK).status_code == 200  # idempotent
    parts = chunks_of(data, CHUNK)
    for i in (3, 1):
        r = put_chunk(client, case_id, item_id, i, parts[i])
        assert r.status_code == 201 and r.json["new"] is True
    assert client.get(f"/api/v1/cases/{case_id}/uploads/{item_id}").json["received"] == [1, 3]
    r = put_chunk(client, case_id, item_id, 1, parts[1])  # replayed with the same bytes
    assert r.status_code == 200 and r.json["new"] is False
    r = client.post(f"/api/v1/cases/{case_id}/uploads/{item_id}/complete")
    assert r.status_code == 409 and r.json["error"] == "upload_incomplete"
    assert r.json["details"]["missing"] == [0, 2]
    assert counts(app)[0] == 0  # completed early: nothing listed
    for i in (0, 2):
        assert put_chunk(client, case_id, item_id, i, parts[i]).status_code == 201
    r = client.post(f"/api/v1/cases/{case_id}/uploads/{item_id}/complete")
    assert r.status_code == 200, r.json
    assert r.json["complete"] is True
    assert r.json["item"]["sha256"] == hashlib.sha256(data).hexdigest()
    assert r.json["item"]["kind"] == "attachment"
    assert counts(app) == (1, 0, 0)
    svc = app.extensions["tipline"]
    with svc.sessions() as s:
        key = s.get(Item, item_id).blob_key
    assert svc.blobs.path(key).read_bytes() == data
    assert svc.blobs.upload_files(item_id) == []
    # after completion: complete again is fine, a chunk is refused, the same whole PUT is fine
    assert client.post(f"/api/v1/cases/{case_id}/uploads/{item_id}/complete").status_code == 200
    r = put_chunk(client, case_id, item_id, 0, parts[0])
    assert r.status_code == 409 and r.json["error"] == "already_complete"
    assert client.get(f"/api/v1/cases/{case_id}/uploads/{item_id}").json["complete"] is True
    assert create_upload(client, case_id, item_id, data, hsize, CHUNK).json["complete"] is True


def test_chunk_replayed_with_other_bytes(client, big):
    case_id, item_id, data, hsize = big
    create_upload(client, case_id, item_id, data, hsize, CHUNK)
    parts = chunks_of(data, CHUNK)
    assert put_chunk(client, case_id, item_id, 1, parts[1]).status_code == 201
    r = put_chunk(client, case_id, item_id, 1, os.urandom(CHUNK))
    assert r.status_code == 409 and r.json["error"] == "chunk_conflict"


def test_chunk_checks(app, client, big):
    case_id, item_id, data, hsize = big
    create_upload(client, case_id, item_id, data, hsize, CHUNK)
    parts = chunks_of(data, CHUNK)
    r = put_chunk(client, case_id, item_id, 1, parts[1], claimed=b"something else")
    assert r.status_code == 422 and r.json["error"] == "digest_mismatch"
    r = put_chunk(client, case_id, item_id, 9, parts[1])
    assert r.status_code == 422 and r.json["error"] == "bad_chunk_index"
    r = put_chunk(client, case_id, item_id, 1, parts[1][:-1])
    assert r.status_code == 422 and r.json["error"] == "bad_chunk_length"
    r = client.put(f"/api/v1/cases/{case_id}/uploads/{item_id}/chunks/1", data=parts[1],
                   headers={"Content-Type": "application/octet-stream"})
    assert r.status_code == 400 and r.json["error"] == "digest_required"
    # chunk 0 must begin with the very header checked at creation
    forged = b"\x00" * hsize + parts[0][hsize:]
    r = put_chunk(client, case_id, item_id, 0, forged)
    assert r.status_code == 422 and r.json["error"] == "header_mismatch"
    assert counts(app) == (0, 1, 0)
    assert not [p for p in app.extensions["tipline"].blobs.root.rglob("*") if p.is_file()]


def test_create_is_checked_before_any_chunk(client, test_keys, big):
    case_id, item_id, data, hsize = big
    r = create_upload(client, case_id, item_id, data, hsize, CHUNK, header=base64.b64encode(b"GIF89a" * 20).decode())
    assert r.status_code == 422 and r.json["error"] == "not_an_envelope"
    r = create_upload(client, case_id, item_id, data[:-1], hsize, CHUNK)  # size does not fit the header
    assert r.status_code == 422 and r.json["details"]["reason"] == "truncated"
    r = create_upload(client, case_id, new_id(), data, hsize, CHUNK)
    assert r.status_code == 422 and r.json["error"] == "id_mismatch"
    r = create_upload(client, case_id, item_id, data, hsize, 1000)
    assert r.status_code == 400 and r.json["error"] == "bad_chunk_size"
    r = create_upload(client, case_id, item_id, data, hsize, 100 * 1024 * 1024)
    assert r.status_code == 400 and r.json["error"] == "bad_chunk_size"
    r = create_upload(client, case_id, item_id, data, hsize, CHUNK, sha256="zz")
    assert r.status_code == 400 and r.json["error"] == "invalid_request"
    assert create_upload(client, case_id, item_id, data, hsize, CHUNK).status_code == 201
    r = create_upload(client, case_id, item_id, data, hsize, 2 * CHUNK)
    assert r.status_code == 409 and r.json["error"] == "upload_conflict"
    # a whole PUT under an id whose upload is in progress
    r = put_item(client, case_id, item_id, data)
    assert r.status_code == 409 and r.json["error"] == "upload_in_progress"


def test_json_body_rules(client, big):
    case_id, item_id, data, hsize = big
    url = f"/api/v1/cases/{case_id}/uploads/{item_id}"
    r = client.put(url, data=b"{not json", content_type="application/json")
    assert r.status_code == 400 and r.json["error"] == "bad_json"
    r = client.put(url, data=b'{"size": 1}', content_type="text/plain")
    assert r.status_code == 415
    r = client.put(url, data=b'{"size": "' + b"9" * 100_000 + b'"}', content_type="application/json")
    assert r.status_code == 413 and r.json["error"] == "too_large"
    r = client.put(url, json={"size": 1, "chunk_size": 1, "sha256": "a" * 64, "header": "AA==", "extra": 1})
    assert r.status_code == 400 and "extra" in r.json["details"]
    r = client.put(url, json=[1, 2])
    assert r.status_code == 400 and r.json["error"] == "invalid_request"
    r = client.put(url, data="\ud800".encode("utf-8", "surrogatepass"), content_type="application/json")
    assert r.status_code == 400 and r.json["error"] == "bad_json"


def test_sha256_mismatch_and_abort(app, client, big):
    case_id, item_id, data, hsize = big
    create_upload(client, case_id, item_id, data, hsize, CHUNK, sha256="0" * 64)
    for i, part in enumerate(chunks_of(data, CHUNK)):
        put_chunk(client, case_id, item_id, i, part)
    r = client.post(f"/api/v1/cases/{case_id}/uploads/{item_id}/complete")
    assert r.status_code == 422 and r.json["error"] == "sha256_mismatch"
    assert counts(app)[0] == 0
    assert client.delete(f"/api/v1/cases/{case_id}/uploads/{item_id}").status_code == 204
    assert counts(app) == (0, 0, 0)
    assert app.extensions["tipline"].blobs.upload_files(item_id) == []
    assert client.get(f"/api/v1/cases/{case_id}/uploads/{item_id}").status_code == 404


def test_lost_chunk_file_is_asked_again(app, client, big):
    case_id, item_id, data, hsize = big
    create_upload(client, case_id, item_id, data, hsize, CHUNK)
    parts = chunks_of(data, CHUNK)
    for i, part in enumerate(parts):
        put_chunk(client, case_id, item_id, i, part)
    victim = sorted(app.extensions["tipline"].blobs.upload_files(item_id))[2]
    victim.write_bytes(b"bit rot")
    r = client.post(f"/api/v1/cases/{case_id}/uploads/{item_id}/complete")
    assert r.status_code == 409 and r.json["details"]["missing"] == [2]
    assert put_chunk(client, case_id, item_id, 2, parts[2]).status_code == 201
    assert client.post(f"/api/v1/cases/{case_id}/uploads/{item_id}/complete").json["complete"] is True


def test_slot_is_reserved_by_an_open_upload(client, test_keys, big):
    case_id, item_id, data, hsize = big
    assert create_upload(client, case_id, item_id, data, hsize, CHUNK).status_code == 201
    other, odata, _ = envelope(case_id, test_keys.public_keys, kind=Kind.ATTACHMENT, part=1)
    r = put_item(client, case_id, other, odata)
    assert r.status_code == 409 and r.json["error"] == "slot_taken"


def test_single_chunk_upload_smaller_than_min_chunk(client, test_keys):
    case_id = open_case(client)
    item_id, data, result = envelope(case_id, test_keys.public_keys, kind=Kind.ATTACHMENT, part=1)
    assert create_upload(client, case_id, item_id, data, result.header.size, len(data)).status_code == 201
    assert put_chunk(client, case_id, item_id, 0, data).status_code == 201
    assert client.post(f"/api/v1/cases/{case_id}/uploads/{item_id}/complete").json["complete"] is True
