"""Messages, replies, read marks, the feed and the live routes, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import os

import pytest

from envelope.constants import Kind
from server.services import operators
from tests.support.api import create_upload, envelope, new_id, put_item
from tests.support.mailbox import login, receipt_keys, registration, work

PASSWORD = "correct horse battery staple"


@pytest.fixture
def settings_overrides():
    return {"messages_per_hour": 3, "events_fallback_wait_seconds": 1}


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


def reply(client, police, case_id, keys, test_keys, *, kind=Kind.REPLY, part=0, content=b"quelle entree ?"):
    item_id, data, _ = envelope(case_id, [keys.x25519_public, *test_keys.public_keys], kind=kind, part=part,
                                content=content)
    return item_id, data, client.put(f"/api/operator/v1/cases/{case_id}/items/{item_id}", data=data,
                                     headers={**police, "Content-Type": "application/octet-stream"})


def message(client, case_id, keys, test_keys, *, part=0, content=b"la porte B", kind=Kind.MESSAGE):
    item_id, data, _ = envelope(case_id, [keys.x25519_public, *test_keys.public_keys], kind=kind, part=part,
                                content=content)
    return item_id, data, put_item(client, case_id, item_id, data)


def test_a_conversation_both_ways(client, police, conversation, keys, test_keys):
    case_id, citizen = conversation
    start = client.get("/api/v1/mailbox", headers=citizen).json
    assert start["status"] == "new" and start["read_by_police_up_to"] is None
    reply_id, reply_data, r = reply(client, police, case_id, keys, test_keys)
    assert r.status_code == 201 and r.json["kind"] == "reply"
    attach_id, _, r = reply(client, police, case_id, keys, test_keys, kind=Kind.ATTACHMENT, part=1024 + 77)
    assert r.status_code == 201
    msg_id, _, r = message(client, case_id, keys, test_keys)
    assert r.status_code == 201 and r.json["kind"] == "message"
    photo_id, _, r = message(client, case_id, keys, test_keys, kind=Kind.ATTACHMENT, part=5000)
    assert r.status_code == 201
    box = client.get("/api/v1/mailbox", headers=citizen).json
    assert [(i["seq"], i["kind"], i["sender"]) for i in box["items"]] == [
        (1, "report", "citizen"), (2, "reply", "police"), (3, "attachment", "police"),
        (4, "message", "citizen"), (5, "attachment", "citizen")]
    assert box["revision"] > start["revision"]
    assert client.get(f"/api/v1/mailbox/items/{reply_id}", headers=citizen).data == reply_data
    # the case id alone (what the outbox keeps) shows the citizen's own items, not the replies
    own = client.get(f"/api/v1/cases/{case_id}").json["items"]
    assert [i["kind"] for i in own] == ["report", "message", "attachment"]
    # the same reply again is a no-op; other bytes under its id a conflict
    headers = {**police, "Content-Type": "application/octet-stream"}
    r = client.put(f"/api/operator/v1/cases/{case_id}/items/{reply_id}", data=reply_data, headers=headers)
    assert r.status_code == 200
    _, other, _ = envelope(case_id, [keys.x25519_public], kind=Kind.REPLY, item_id=reply_id)
    r = client.put(f"/api/operator/v1/cases/{case_id}/items/{reply_id}", data=other, headers=headers)
    assert r.status_code == 409 and r.json["error"] == "item_conflict"
    assert reply(client, police, case_id, keys, test_keys)[2].status_code == 201  # a second reply
    detail = client.get(f"/api/operator/v1/cases/{case_id}", headers=police).json
    assert detail["has_mailbox"] is True and detail["unread_messages"] == 1
    assert [i["position"] for i in detail["items"]] == list(range(1, 7))
    assert {i["sender"] for i in detail["items"] if i["kind"] == "reply"} == {"police"}
    # each reply stored (not the repeat) is in the audit trail, with who sent it
    trail = client.get(f"/api/operator/v1/cases/{case_id}/audit", headers=police).json["entries"]
    sent = [(e["actor"], e["item_id"], e["detail"]["kind"]) for e in trail if e["action"] == "reply_sent"]
    assert sent[:2] == [("agent", reply_id, "reply"), ("agent", attach_id, "attachment")] and len(sent) == 3


def test_kinds_and_parts_each_side_may_send(client, police, conversation, keys, test_keys):
    case_id, _ = conversation
    # the citizen cannot send a reply, the police cannot send a message or a report
    _, _, r = message(client, case_id, keys, test_keys, kind=Kind.REPLY)
    assert r.status_code == 422 and r.json["error"] == "wrong_kind"
    for kind, part in ((Kind.MESSAGE, 0), (Kind.REPORT, 0)):
        _, _, r = reply(client, police, case_id, keys, test_keys, kind=kind, part=part)
        assert r.status_code == 422 and r.json["error"] == "wrong_kind"
    # a reply's attachment uses parts 1024 and up; messages and replies are part 0
    _, _, r = reply(client, police, case_id, keys, test_keys, kind=Kind.ATTACHMENT, part=3)
    assert r.status_code == 422 and r.json["error"] == "wrong_part"
    _, _, r = reply(client, police, case_id, keys, test_keys, part=1)
    assert r.status_code == 422 and r.json["details"]["reason"] == "bad_part_index"
    _, _, r = message(client, case_id, keys, test_keys, part=2)
    assert r.status_code == 422 and r.json["details"]["reason"] == "bad_part_index"
    # a reply whose header names another case, or another id
    item_id, data, _ = envelope(new_id(), [keys.x25519_public], kind=Kind.REPLY)
    r = client.put(f"/api/operator/v1/cases/{case_id}/items/{item_id}", data=data,
                   headers={**police, "Content-Type": "application/octet-stream"})
    assert r.status_code == 422 and r.json["error"] == "wrong_case"
    item_id, data, _ = envelope(case_id, [keys.x25519_public], kind=Kind.REPLY)
    r = client.put(f"/api/operator/v1/cases/{case_id}/items/{new_id()}", data=data,
                   headers={**police, "Content-Type": "application/octet-stream"})
    assert r.status_code == 422 and r.json["error"] == "id_mismatch"
    # replies need an operator, and a case with a mailbox
    r = client.put(f"/api/operator/v1/cases/{case_id}/items/{item_id}", data=data,
                   headers={"Content-Type": "application/octet-stream"})
    assert r.status_code == 401
    bare = new_id()
    assert client.put(f"/api/v1/cases/{bare}", headers=work(client)).status_code == 201
    _, _, r = reply(client, police, bare, keys, test_keys)
    assert r.status_code == 409 and r.json["error"] == "no_mailbox"
    assert client.get(f"/api/operator/v1/cases/{bare}", headers=police).json["has_mailbox"] is False


def test_message_size_limit(client, conversation, keys, test_keys):
    case_id, _ = conversation
    _, _, r = message(client, case_id, keys, test_keys, content=os.urandom(60_000))
    assert r.status_code == 201
    _, _, r = message(client, case_id, keys, test_keys, content=os.urandom(70_000))
    assert r.status_code == 413 and r.json["error"] == "message_too_large"
    # through the resumable upload route too
    item_id, data, result = envelope(case_id, [keys.x25519_public], kind=Kind.MESSAGE, content=os.urandom(70_000))
    r = create_upload(client, case_id, item_id, data, result.header.size, 64 * 1024)
    assert r.status_code == 413 and r.json["error"] == "message_too_large"


def test_messages_per_hour(client, conversation, keys, test_keys):
    case_id, _ = conversation
    sent = [message(client, case_id, keys, test_keys) for _ in range(3)]
    assert [r.status_code for _, _, r in sent] == [201, 201, 201]
    _, _, r = message(client, case_id, keys, test_keys)
    assert r.status_code == 429 and r.json["error"] == "rate_limited"
    assert 0 < int(r.headers["Retry-After"]) <= 3601 and r.json["details"]["retry_after"] == int(r.headers["Retry-After"])
    # a phone retrying a message it already delivered still hears "stored"
    item_id, data, _ = sent[0]
    assert put_item(client, case_id, item_id, data).status_code == 200
    # attachments and other cases are not held back
    assert message(client, case_id, keys, test_keys, kind=Kind.ATTACHMENT, part=4242)[2].status_code == 201
    other = new_id()
    assert client.put(f"/api/v1/cases/{other}", json=registration(receipt_keys(2)), headers=work(client)).status_code == 201
    assert message(client, other, keys, test_keys)[2].status_code == 201
    # and the upload route counts too
    item_id, data, result = envelope(case_id, [keys.x25519_public], kind=Kind.MESSAGE)
    r = create_upload(client, case_id, item_id, data, result.header.size, 64 * 1024)
    assert r.status_code == 429 and r.json["error"] == "rate_limited"


def test_read_marks_in_the_feed_and_the_mailbox(client, police, conversation, keys, test_keys):
    case_id, citizen = conversation
    cursor = client.get("/api/operator/v1/changes?limit=1000", headers=police).json["cursor"]
    reply_id, _, _ = reply(client, police, case_id, keys, test_keys)
    m1, _, _ = message(client, case_id, keys, test_keys)
    m2, _, _ = message(client, case_id, keys, test_keys)
    detail = client.get(f"/api/operator/v1/cases/{case_id}", headers=police).json
    seq = {i["item_id"]: i["seq"] for i in detail["items"]}
    assert detail["unread_messages"] == 2
    # the citizen read the reply (its seq in the mailbox is 2)
    r = client.post("/api/v1/mailbox/read", headers=citizen, json={"up_to": 2})
    assert r.status_code == 200 and r.json == {"read_by_citizen_up_to": 2}
    # the police read the first message
    r = client.post(f"/api/operator/v1/cases/{case_id}/read", headers=police, json={"up_to": seq[m1]})
    assert r.status_code == 200 and r.json == {"case_id": case_id, "read_by_police_up_to": seq[m1],
                                               "unread_messages": 1}
    page = client.get(f"/api/operator/v1/changes?since={cursor}", headers=police).json
    assert [(x["case_id"], x["by"], x["up_to"]) for x in page["reads"]] == [
        (case_id, "citizen", seq[reply_id]), (case_id, "police", seq[m1])]
    assert [i["item_id"] for i in page["items"]] == [reply_id, m1, m2]
    feed_order = sorted([(x["seq"], "read") for x in page["reads"]] + [(i["seq"], "item") for i in page["items"]])
    assert [kind for _, kind in feed_order] == ["item", "item", "item", "read", "read"]
    box = client.get("/api/v1/mailbox", headers=citizen).json
    assert box["read_by_police_up_to"] == 3 and box["read_by_citizen_up_to"] == 2
    # marks never go back, and a mark that does not move adds nothing to the feed
    cursor = page["cursor"]
    assert client.post("/api/v1/mailbox/read", headers=citizen, json={"up_to": 1}).json == {"read_by_citizen_up_to": 2}
    r = client.post(f"/api/operator/v1/cases/{case_id}/read", headers=police, json={"up_to": seq[m1]})
    assert r.json["unread_messages"] == 1
    assert client.get(f"/api/operator/v1/changes?since={cursor}", headers=police).json["reads"] == []
    # the case listing in the feed counts unread messages
    r = client.post(f"/api/operator/v1/cases/{case_id}/read", headers=police, json={"up_to": seq[m2]})
    assert r.json["unread_messages"] == 0
    cases = client.get("/api/operator/v1/changes?limit=1000", headers=police).json["cases"]
    assert [c["unread_messages"] for c in cases if c["case_id"] == case_id] == [0]
    # an item of another case is no read mark
    r = client.post(f"/api/operator/v1/cases/{case_id}/read", headers=police, json={"up_to": 10**9})
    assert r.status_code == 422 and r.json["error"] == "bad_read_mark"
    for body in ({"up_to": 0}, {"up_to": "2"}, {}):
        assert client.post("/api/v1/mailbox/read", headers=citizen, json=body).status_code == 400


def test_the_citizen_sees_positions_never_the_feed_counter(client, police, conversation, keys, test_keys):
    case_id, citizen = conversation
    # other people's cases move the feed; this mailbox's numbers do not move with it
    for _ in range(3):
        other = new_id()
        client.put(f"/api/v1/cases/{other}", headers=work(client))
        item_id, data, _ = envelope(other, test_keys.public_keys)
        put_item(client, other, item_id, data)
    before = client.get("/api/v1/mailbox", headers=citizen).json
    reply(client, police, case_id, keys, test_keys)
    after = client.get("/api/v1/mailbox", headers=citizen).json
    assert [i["seq"] for i in after["items"]] == [1, 2]
    assert after["revision"] == before["revision"] + 1


def test_live_routes_answer_at_once_on_news_and_after_a_bounded_wait_without(client, police, conversation, keys,
                                                                            test_keys):
    case_id, citizen = conversation
    revision = client.get("/api/v1/mailbox", headers=citizen).json["revision"]
    seq = client.get("/api/operator/v1/events/operator?after=0", headers=police).json["seq"]
    assert seq > 0
    # nothing new: the same numbers after the (1 s in this test) wait
    assert client.get(f"/api/v1/events/mailbox?after={revision}", headers=citizen).json == {"revision": revision}
    assert client.get(f"/api/operator/v1/events/operator?after={seq}", headers=police).json == {"seq": seq}
    # a status change and a reply move both
    client.put(f"/api/operator/v1/cases/{case_id}/status", headers=police, json={"status": "in_progress"})
    r = client.get(f"/api/v1/events/mailbox?after={revision}", headers=citizen).json
    assert r["revision"] == revision + 1
    assert client.get("/api/v1/mailbox", headers=citizen).json["status"] == "in_progress"
    reply(client, police, case_id, keys, test_keys)
    assert client.get(f"/api/v1/events/mailbox?after={revision + 1}", headers=citizen).json["revision"] == revision + 2
    assert client.get(f"/api/operator/v1/events/operator?after={seq}", headers=police).json["seq"] == seq + 2
    assert client.get("/api/v1/events/mailbox?after=-1", headers=citizen).status_code == 400
    assert client.get("/api/v1/events/mailbox?after=0").status_code == 401


def test_nothing_readable_is_stored(app, client, police, conversation, keys, test_keys, db_kind, request):
    """The canary text of a message and a reply is nowhere in the database or the blob store."""
    case_id, citizen = conversation
    canary = b"CANARY-" + os.urandom(8).hex().encode()
    message(client, case_id, keys, test_keys, content=canary)
    reply(client, police, case_id, keys, test_keys, content=canary)
    svc = app.extensions["tipline"]
    for path in svc.blobs.root.rglob("*"):
        if path.is_file():
            assert canary not in path.read_bytes()
    if db_kind == "sqlite":
        from server.db import sqlite_path

        svc.engine.dispose()
        path = sqlite_path(svc.settings.database_url)
        dump = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    else:
        dump = request.getfixturevalue("postgres").dump(svc.settings.database_url.rsplit("/", 1)[1])
    assert canary not in dump and hashlib.sha256(canary).hexdigest().encode() not in dump
