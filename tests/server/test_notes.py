"""Internal notes (kind 5, docs/envelope.md section 18): stored by an operator, carried in the
operators' change feed and audit trail, and never seen by a citizen on any route, on SQLite
and PostgreSQL."""

from __future__ import annotations

import pytest

from envelope.constants import Kind
from envelope.header import parse_header
from server.services import operators
from tests.support.api import create_upload, envelope, new_id, open_case, put_item
from tests.support.mailbox import login, receipt_keys, registration, work

PASSWORD = "correct horse battery staple"
OCTETS = {"Content-Type": "application/octet-stream"}
CANARY = b"NOTE-CANARY-plaque AB-123-CD"


@pytest.fixture
def keys():
    return receipt_keys(0)


@pytest.fixture
def police(app, client):
    operators.create_operator(app.extensions["tipline"].sessions(), "agent", PASSWORD)
    r = client.post("/api/operator/v1/session", json={"username": "agent", "password": PASSWORD})
    return {"Authorization": f"Bearer {r.json['token']}"}


@pytest.fixture
def conversation(client, keys, test_keys):
    """A case with its mailbox and report; the citizen logged in."""
    case_id = new_id()
    assert client.put(f"/api/v1/cases/{case_id}", json=registration(keys), headers=work(client)).status_code == 201
    item_id, data, _ = envelope(case_id, test_keys.public_keys, content=b'{"lieu": "ici"}')
    assert put_item(client, case_id, item_id, data).status_code == 201
    return case_id, login(client, keys)


def note(client, police, case_id, test_keys, *, part=0, content=b'{"v":1,"type":"note"}' + CANARY):
    item_id, data, _ = envelope(case_id, test_keys.public_keys, kind=Kind.NOTE, part=part, content=content)
    return item_id, data, client.put(f"/api/operator/v1/cases/{case_id}/items/{item_id}", data=data,
                                     headers={**police, **OCTETS})


def test_a_citizen_never_sees_a_note(client, police, conversation, keys, test_keys):
    case_id, citizen = conversation
    cursor = client.get("/api/operator/v1/changes?limit=1000", headers=police).json["cursor"]
    before = client.get("/api/v1/mailbox", headers=citizen).json
    note_id, note_data, r = note(client, police, case_id, test_keys)
    assert r.status_code == 201 and r.json["kind"] == "note"
    assert CANARY not in note_data  # sealed, as the server receives it
    assert parse_header(note_data).kind is Kind.NOTE
    # the operators get it: change feed, case detail, content, audit trail with who wrote it
    page = client.get(f"/api/operator/v1/changes?since={cursor}", headers=police).json
    assert [(i["item_id"], i["kind"], i["part_index"]) for i in page["items"]] == [(note_id, "note", 0)]
    detail = client.get(f"/api/operator/v1/cases/{case_id}", headers=police).json
    assert [i["kind"] for i in detail["items"]] == ["report", "note"]
    assert client.get(f"/api/operator/v1/items/{note_id}/content", headers=police).data == note_data
    trail = client.get(f"/api/operator/v1/cases/{case_id}/audit", headers=police).json["entries"]
    assert [(e["actor"], e["item_id"], e["detail"]["kind"]) for e in trail if e["action"] == "note_added"] == [
        ("agent", note_id, "note")]
    assert not [e for e in trail if e["action"] == "reply_sent"]
    # the citizen does not: not listed, not served, the mailbox did not even move
    after = client.get("/api/v1/mailbox", headers=citizen).json
    assert after == before
    assert client.get(f"/api/v1/mailbox/items/{note_id}", headers=citizen).status_code == 404
    assert [i["item_id"] for i in client.get(f"/api/v1/cases/{case_id}").json["items"]] == [before["items"][0]["id"]]
    # a reply after the note: the citizen's numbering has no gap where the note is
    reply_id, reply_data, _ = envelope(case_id, [keys.x25519_public, *test_keys.public_keys], kind=Kind.REPLY)
    r = client.put(f"/api/operator/v1/cases/{case_id}/items/{reply_id}", data=reply_data, headers={**police, **OCTETS})
    assert r.status_code == 201
    box = client.get("/api/v1/mailbox", headers=citizen).json
    assert [(i["seq"], i["kind"]) for i in box["items"]] == [(1, "report"), (2, "reply")]
    assert note_id not in {i["id"] for i in box["items"]}
    r = client.post("/api/v1/mailbox/read", json={"up_to": 2}, headers=citizen)
    assert r.status_code == 200 and r.json["read_by_citizen_up_to"] == 2
    assert client.post("/api/v1/mailbox/read", json={"up_to": 3}, headers=citizen).json["error"] == "bad_read_mark"
    # the police mark the case read up to the note (its feed seq): the citizen sees the report read
    note_seq = next(i["seq"] for i in detail["items"] if i["kind"] == "note")
    assert client.post(f"/api/operator/v1/cases/{case_id}/read", json={"up_to": note_seq},
                       headers=police).status_code == 200
    assert client.get("/api/v1/mailbox", headers=citizen).json["read_by_police_up_to"] == 1


def test_the_citizen_routes_refuse_a_note(client, conversation, test_keys):
    case_id, _ = conversation
    item_id, data, result = envelope(case_id, test_keys.public_keys, kind=Kind.NOTE)
    r = put_item(client, case_id, item_id, data)
    assert r.status_code == 422 and r.json["error"] == "wrong_kind"
    r = create_upload(client, case_id, item_id, data, result.header.size, 64 * 1024)
    assert r.status_code == 422 and r.json["error"] == "wrong_kind"


def test_a_note_needs_no_mailbox_and_keeps_its_limits(client, police, test_keys, keys):
    case_id = open_case(client)  # an older phone: no mailbox, so no reply, but notes all the same
    item_id, data, _ = envelope(case_id, test_keys.public_keys, content=b"{}")
    assert put_item(client, case_id, item_id, data).status_code == 201
    assert note(client, police, case_id, test_keys)[2].status_code == 201
    _, reply_data, _ = envelope(case_id, [keys.x25519_public], kind=Kind.REPLY)
    r = client.put(f"/api/operator/v1/cases/{case_id}/items/{parse_header(reply_data).envelope_id.hex()}",
                   data=reply_data, headers={**police, **OCTETS})
    assert r.status_code == 409 and r.json["error"] == "no_mailbox"
    r = note(client, police, case_id, test_keys, part=1)[2]
    assert r.status_code == 422 and r.json["details"]["reason"] == "bad_part_index"
    r = note(client, police, case_id, test_keys, content=bytes(70_000))[2]
    assert r.status_code == 413 and r.json["error"] == "note_too_large"
    r = note(client, police, new_id(), test_keys)[2]
    assert r.status_code == 404
    detail = client.get(f"/api/operator/v1/cases/{case_id}", headers=police).json
    assert [i["kind"] for i in detail["items"]] == ["report", "note"]  # nothing half-stored
