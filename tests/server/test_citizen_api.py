"""The citizen API on SQLite and PostgreSQL: whole-envelope PUTs, idempotency, refusals."""

import hashlib
import json
import os

import pytest
from sqlalchemy import func, select

from envelope.constants import Kind
from server.models import Case, Item
from tests.support.api import OCTETS, digest, envelope, new_id, open_case, put_item
from tests.support.pow import flask_get, work_headers


def store_state(app):
    """(items in the database, files in the blob store's items/ and tmp/ folders)."""
    svc = app.extensions["tipline"]
    with svc.sessions() as s:
        n = s.scalar(select(func.count(Item.id)))
    files = [p for p in (svc.blobs.root / "items").rglob("*") if p.is_file()]
    temps = [p for p in svc.blobs.root.rglob(".tmp-*")]
    return n, len(files), len(temps)


def test_key_bundle_is_served_verbatim(client, test_keys):
    r = client.get("/api/v1/key-bundle")
    assert r.status_code == 200
    assert r.json == json.loads((test_keys.dir / "bundle.json").read_text())


def test_open_case_is_idempotent(client):
    case_id = new_id()
    r = client.put(f"/api/v1/cases/{case_id}", headers=work_headers(flask_get(client), "case"))
    assert r.status_code == 201 and r.json == {"case_id": case_id, "items": []}
    r = client.put(f"/api/v1/cases/{case_id}")
    assert r.status_code == 200 and r.json["case_id"] == case_id


def test_put_item_then_same_bytes_then_other_bytes(app, client, test_keys):
    case_id = open_case(client)
    item_id, data, _ = envelope(case_id, test_keys.public_keys, content=b'{"lieu": "ici"}')
    r = put_item(client, case_id, item_id, data, **{"Content-Digest": digest(data)})
    assert r.status_code == 201, r.json
    assert r.json == {"item_id": item_id, "case_id": case_id, "kind": "report", "part_index": 0, "size": len(data),
                      "sha256": hashlib.sha256(data).hexdigest()}
    assert put_item(client, case_id, item_id, data).status_code == 200
    _, other, _ = envelope(case_id, test_keys.public_keys, item_id=item_id)
    r = put_item(client, case_id, item_id, other)
    assert r.status_code == 409 and r.json["error"] == "item_conflict"
    assert store_state(app) == (1, 1, 0)
    stored = client.get(f"/api/v1/cases/{case_id}").json
    assert [i["item_id"] for i in stored["items"]] == [item_id]


def test_plaintext_is_refused_and_nothing_is_stored(app, client):
    case_id = open_case(client)
    jpeg = b"\xff\xd8\xff\xe1\x00\x10Exif\x00\x00MM" + os.urandom(5000)
    r = put_item(client, case_id, new_id(), jpeg)
    assert r.status_code == 422
    assert r.json["error"] == "not_an_envelope" and r.json["details"]["reason"] == "bad_magic"
    r = put_item(client, case_id, new_id(), b'{"lieu": "place de l\'Europe"}')
    assert r.status_code == 422
    assert store_state(app) == (0, 0, 0)


@pytest.mark.parametrize("mutate, code", [
    (lambda d: d[:-1], "truncated"),
    (lambda d: d + b"\x00", "trailing_data"),
    (lambda d: d[:7] + b"\x02" + d[8:], "unsupported_version"),
    (lambda d: d[:9] + b"\x00" + d[10:], "no_recipients"),
    (lambda d: d[:9] + b"\x11" + d[10:], "too_many_recipients"),
    (lambda d: d[:30], "truncated"),
])
def test_malformed_envelopes_are_refused(app, client, test_keys, mutate, code):
    case_id = open_case(client)
    item_id, data, _ = envelope(case_id, test_keys.public_keys)
    r = put_item(client, case_id, item_id, mutate(data))
    assert r.status_code == 422, r.json
    assert r.json["details"]["reason"] == code
    assert store_state(app) == (0, 0, 0)


def test_envelope_must_match_case_id_and_kind(app, client, test_keys):
    case_id, other_case = open_case(client), open_case(client)
    item_id, data, _ = envelope(other_case, test_keys.public_keys)
    assert put_item(client, case_id, item_id, data).json["error"] == "wrong_case"
    item_id, data, _ = envelope(case_id, test_keys.public_keys)
    assert put_item(client, case_id, new_id(), data).json["error"] == "id_mismatch"
    item_id, data, _ = envelope(case_id, test_keys.public_keys, kind=Kind.REPLY, part=1)
    r = put_item(client, case_id, item_id, data)
    assert r.status_code == 422 and r.json["error"] == "wrong_kind"
    assert store_state(app) == (0, 0, 0)


def test_one_report_and_one_envelope_per_attachment_part(client, test_keys):
    case_id = open_case(client)
    item_id, data, _ = envelope(case_id, test_keys.public_keys)
    assert put_item(client, case_id, item_id, data).status_code == 201
    item_id, data, _ = envelope(case_id, test_keys.public_keys)
    r = put_item(client, case_id, item_id, data)
    assert r.status_code == 409 and r.json["error"] == "slot_taken"
    a1, d1, _ = envelope(case_id, test_keys.public_keys, kind=Kind.ATTACHMENT, part=1)
    a2, d2, _ = envelope(case_id, test_keys.public_keys, kind=Kind.ATTACHMENT, part=1)
    assert put_item(client, case_id, a1, d1).status_code == 201
    assert put_item(client, case_id, a2, d2).json["error"] == "slot_taken"
    # messages (part 0) and their attachments (parts 1024 and up) have no slot: as many as the limits allow
    for part in (0, 0, 1024, 1024):
        m, dm, _ = envelope(case_id, test_keys.public_keys, kind=Kind.MESSAGE if part == 0 else Kind.ATTACHMENT,
                            part=part)
        assert put_item(client, case_id, m, dm).status_code == 201


def test_item_into_unknown_case(client, test_keys):
    case_id = new_id()
    item_id, data, _ = envelope(case_id, test_keys.public_keys)
    r = put_item(client, case_id, item_id, data)
    assert r.status_code == 404 and r.json["error"] == "case_not_found"


@pytest.mark.parametrize("bad", ["..%2F..%2Fetc", "%2E%2E", "ABCDEF0123456789ABCDEF0123456789", "abc",
                                 "0123456789abcdef0123456789abcdeff", "%C3%A9" * 16,
                                 "0123456789abcdef0123456789abcde%00", "0123456789abcdef0123456789abcdef%0A",
                                 "g123456789abcdef0123456789abcdef"])
def test_bad_ids_are_a_clear_400(client, bad):
    for method, url in (("put", f"/api/v1/cases/{bad}"), ("get", f"/api/v1/cases/{bad}"),
                        ("put", f"/api/v1/cases/{new_id()}/items/{bad}")):
        r = getattr(client, method)(url, data=b"x", content_type=OCTETS)
        if "%2F" in bad:  # an encoded slash makes another path: no route, a JSON 404 or 405
            assert r.status_code in (404, 405) and r.json["error"] in ("not_found", "method_not_allowed")
            continue
        assert r.status_code == 400, (url, r.status_code)
        assert r.json["error"] == "bad_id"


def test_content_type_and_length_rules(app, client, test_keys):
    case_id = open_case(client)
    item_id, data, _ = envelope(case_id, test_keys.public_keys)
    r = client.put(f"/api/v1/cases/{case_id}/items/{item_id}", data=data, content_type="text/plain")
    assert r.status_code == 415 and r.json["error"] == "unsupported_media_type"
    r = client.put(f"/api/v1/cases/{case_id}/items/{item_id}", data=data, content_type="application/json")
    assert r.status_code == 415
    r = put_item(client, case_id, item_id, data, **{"Content-Digest": digest(b"other")})
    assert r.status_code == 422 and r.json["error"] == "digest_mismatch"
    r = put_item(client, case_id, item_id, data, **{"Content-Digest": "md5=:xyz:"})
    assert r.status_code == 400 and r.json["error"] == "bad_digest_header"
    assert store_state(app) == (0, 0, 0)


def test_no_cookie_no_client_detail_in_responses(client, test_keys):
    case_id = open_case(client)
    item_id, data, _ = envelope(case_id, test_keys.public_keys)
    for r in (client.get("/api/v1/key-bundle"), put_item(client, case_id, item_id, data), client.get("/"),
              client.get(f"/api/v1/cases/{case_id}")):
        assert "Set-Cookie" not in r.headers
        assert r.headers["Referrer-Policy"] == "no-referrer"


def test_case_timestamps_are_coarse(app, client):
    case_id = open_case(client)
    svc = app.extensions["tipline"]
    with svc.sessions() as s:
        created = s.get(Case, case_id).created_at
    assert created.minute == 0 and created.second == 0 and created.microsecond == 0


def test_errors_are_json_without_traces(client):
    r = client.get("/api/v1/nowhere")
    assert r.status_code == 404 and r.json["error"] == "not_found"
    r = client.post("/api/v1/key-bundle")
    assert r.status_code == 405 and r.json["error"] == "method_not_allowed"
