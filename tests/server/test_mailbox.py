"""The mailbox on SQLite and PostgreSQL: registration at case open, login with a real Ed25519
signature from a receipt's keys, what a token opens, and every way a login must fail alike."""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select

from server.models import Mailbox, MailboxToken, UsedChallenge
from server.services import mailbox as mailbox_service
from server.services.clock import now
from tests.support.api import envelope, new_id, put_item
from tests.support.mailbox import challenge, login, receipt_keys, registration, sign, work


@pytest.fixture
def keys():
    return receipt_keys(0)


@pytest.fixture
def other_keys():
    return receipt_keys(1)


def open_with_mailbox(client, keys, case_id=None):
    case_id = case_id or new_id()
    r = client.put(f"/api/v1/cases/{case_id}", json=registration(keys), headers=work(client))
    assert r.status_code == 201, r.json
    return case_id


def attempt(client, keys, mailbox_id=None, challenge_text=None, signature=None):
    mailbox_id = mailbox_id or keys.mailbox_id
    c = challenge_text or challenge(client, mailbox_id)
    return client.post("/api/v1/mailbox/session", json={"mailbox": mailbox_id, "challenge": c,
                                                         "signature": signature or sign(keys, c)})


# --- registration ---------------------------------------------------------------------------------
def test_registration_is_idempotent_and_conflicts_are_409(app, client, keys, other_keys):
    case_id = open_with_mailbox(client, keys)
    r = client.put(f"/api/v1/cases/{case_id}", json=registration(keys), headers=work(client))
    assert r.status_code == 200 and r.json == {"case_id": case_id, "items": []}
    # another key, or another mailbox, for this case
    other = registration(keys)
    other["mailbox"]["verify_key"] = base64.b64encode(other_keys.ed25519_public).decode()
    for body in (other, registration(other_keys)):
        r = client.put(f"/api/v1/cases/{case_id}", json=body)
        assert r.status_code == 409 and r.json["error"] == "mailbox_conflict"
    # the same mailbox for another case: refused, and that case is not created either
    second = new_id()
    r = client.put(f"/api/v1/cases/{second}", json=registration(keys), headers=work(client))
    assert r.status_code == 409 and r.json["error"] == "mailbox_conflict"
    assert client.get(f"/api/v1/cases/{second}").status_code == 404
    with app.extensions["tipline"].sessions() as s:
        assert s.scalars(select(Mailbox.case_id)).all() == [case_id]


def test_old_phones_and_late_registration(client, keys):
    case_id = new_id()
    assert client.put(f"/api/v1/cases/{case_id}", headers=work(client)).status_code == 201  # no body: no mailbox
    r = client.put(f"/api/v1/cases/{case_id}", json={})
    assert r.status_code == 200
    assert attempt(client, keys).status_code == 401
    # a phone that registers on a later open of the same case
    assert client.put(f"/api/v1/cases/{case_id}", json=registration(keys), headers=work(client)).status_code == 200
    assert attempt(client, keys).status_code == 201


@pytest.mark.parametrize("body", [
    {"mailbox": {"id": "A" * 32, "verify_key": base64.b64encode(b"k" * 32).decode()}},
    {"mailbox": {"id": "a" * 32, "verify_key": base64.b64encode(b"k" * 31).decode()}},
    {"mailbox": {"id": "a" * 32, "verify_key": "!" * 44}},
    {"mailbox": {"id": "a" * 32}},
    {"mailbox": "a" * 32},
    {"other": 1},
])
def test_bad_registrations_are_400_and_open_nothing(client, body):
    case_id = new_id()
    r = client.put(f"/api/v1/cases/{case_id}", json=body, headers=work(client))
    assert r.status_code == 400 and r.json["error"] == "invalid_request", r.json
    assert client.get(f"/api/v1/cases/{case_id}").status_code == 404
    r = client.put(f"/api/v1/cases/{case_id}", data="{", headers={**work(client), "Content-Type": "application/json"})
    assert r.status_code == 400 and r.json["error"] == "bad_json"
    r = client.put(f"/api/v1/cases/{case_id}", data="x", headers={**work(client), "Content-Type": "text/plain"})
    assert r.status_code == 415


# --- login ----------------------------------------------------------------------------------------
def test_login_opens_this_mailbox_only(app, client, keys, other_keys, test_keys):
    mine, theirs = open_with_mailbox(client, keys), open_with_mailbox(client, other_keys)
    stored = {}
    for case_id in (mine, theirs):
        item_id, data, _ = envelope(case_id, test_keys.public_keys)
        assert put_item(client, case_id, item_id, data).status_code == 201
        stored[case_id] = (item_id, data)
    r = attempt(client, keys)
    assert r.status_code == 201 and r.json["case_id"] == mine and 0 < r.json["expires_in"] <= 900
    auth = {"Authorization": f"Bearer {r.json['token']}"}
    box = client.get("/api/v1/mailbox", headers=auth).json
    assert box["case_id"] == mine and [i["id"] for i in box["items"]] == [stored[mine][0]]
    item_id, data = stored[mine]
    r = client.get(f"/api/v1/mailbox/items/{item_id}", headers=auth)
    assert r.status_code == 200 and r.data == data
    r = client.get(f"/api/v1/mailbox/items/{item_id}", headers={**auth, "Range": "bytes=100-"})
    assert r.status_code == 206 and r.data == data[100:]
    # the token opens nothing of another case, not even by the other case's item id
    r = client.get(f"/api/v1/mailbox/items/{stored[theirs][0]}", headers=auth)
    assert r.status_code == 404 and r.json["error"] == "item_not_found"
    r = client.post("/api/v1/mailbox/read", headers=auth, json={"up_to": 2})
    assert r.status_code == 422 and r.json["error"] == "bad_read_mark"
    # the token is stored hashed only
    with app.extensions["tipline"].sessions() as s:
        hashes = s.scalars(select(MailboxToken.token_hash)).all()
    token = auth["Authorization"].split()[1]
    assert hashes == [hashlib.sha256(token.encode()).hexdigest()]


def test_every_failed_login_gets_the_same_answer(client, keys, other_keys, monkeypatch):
    open_with_mailbox(client, keys)
    answers = []

    def refused(r):
        assert r.status_code == 401, r.json
        answers.append((r.json, r.headers.get("WWW-Authenticate")))

    # signed by another key (a forged signature)
    c = challenge(client, keys.mailbox_id)
    refused(attempt(client, keys, challenge_text=c, signature=sign(other_keys, c)))
    # garbage signatures
    refused(attempt(client, keys, challenge_text=c, signature=base64.b64encode(b"x" * 64).decode()))
    refused(attempt(client, keys, challenge_text=c, signature="not base64!"))
    # an unknown mailbox, properly signed by its own key
    refused(attempt(client, other_keys))
    # a challenge made for another mailbox, a tampered one, one not made by this server
    refused(attempt(client, keys, challenge_text=challenge(client, other_keys.mailbox_id)))
    tampered = c[:-2] + ("AA" if not c.endswith("AA") else "BB")
    refused(attempt(client, keys, challenge_text=tampered))
    foreign = mailbox_service.make_challenge(b"s" * 32, keys.mailbox_id, 60)
    refused(attempt(client, keys, challenge_text=foreign))
    # a replayed challenge: the first use works, the second does not
    c = challenge(client, keys.mailbox_id)
    assert attempt(client, keys, challenge_text=c).status_code == 201
    refused(attempt(client, keys, challenge_text=c))
    # an expired challenge
    c = challenge(client, keys.mailbox_id)
    later = now() + timedelta(seconds=61)
    monkeypatch.setattr(mailbox_service, "now", lambda: later)
    refused(attempt(client, keys, challenge_text=c))
    assert all(a == answers[0] for a in answers), answers
    body, realm = answers[0]
    assert body["error"] == "mailbox_denied" and realm.startswith("Bearer")


def test_challenges_look_alike_for_any_mailbox(client, keys):
    open_with_mailbox(client, keys)
    known = client.post("/api/v1/mailbox/challenge", json={"mailbox": keys.mailbox_id}).json
    unknown = client.post("/api/v1/mailbox/challenge", json={"mailbox": new_id()}).json
    assert known.keys() == unknown.keys() and len(known["challenge"]) == len(unknown["challenge"])
    assert known["expires_in"] == unknown["expires_in"] == 60
    assert client.post("/api/v1/mailbox/challenge", json={"mailbox": "x"}).status_code == 400


def test_expired_and_bad_tokens(app, client, keys, monkeypatch):
    open_with_mailbox(client, keys)
    auth = login(client, keys)
    assert client.get("/api/v1/mailbox", headers=auth).status_code == 200
    bad = [{}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic eDp4"},
           {"Authorization": auth["Authorization"] + "x"},
           {"Authorization": auth["Authorization"].rsplit(".", 1)[0] + ".99999999999"}]
    for headers in bad:
        r = client.get("/api/v1/mailbox", headers=headers)
        assert r.status_code == 401 and r.json["error"] == "invalid_token", headers
    # an operator's token opens no mailbox, a mailbox token no operator route
    r = client.get("/api/operator/v1/whoami", headers=auth)
    assert r.status_code == 401
    later = now() + timedelta(seconds=901)
    monkeypatch.setattr(mailbox_service, "now", lambda: later)
    for route in ("/api/v1/mailbox", "/api/v1/events/mailbox"):
        r = client.get(route, headers=auth)
        assert r.status_code == 401 and r.json["error"] == "invalid_token"


def test_what_a_login_stores_is_coarse(app, client, keys):
    open_with_mailbox(client, keys)
    login(client, keys)
    resolution = app.extensions["tipline"].settings.time_resolution
    with app.extensions["tipline"].sessions() as s:
        times = [t.expires_at for t in s.scalars(select(MailboxToken))]
        times += [u.expires_at for u in s.scalars(select(UsedChallenge))]
    assert len(times) == 2 and all(int(t.timestamp()) % resolution == 0 and t.microsecond == 0 for t in times)


def test_logout_and_gc_forget_tokens(app, client, keys, monkeypatch):
    open_with_mailbox(client, keys)
    auth = login(client, keys)
    assert client.delete("/api/v1/mailbox/session", headers=auth).status_code == 204
    r = client.get("/api/v1/mailbox", headers=auth)
    assert r.status_code == 401 and r.json["error"] == "invalid_token"
    assert client.delete("/api/v1/mailbox/session", headers=auth).status_code == 401
    login(client, keys)
    svc = app.extensions["tipline"]
    assert mailbox_service.purge_expired(svc.sessions()) == 0  # nothing has expired yet
    later = now() + timedelta(hours=3)
    monkeypatch.setattr(mailbox_service, "now", lambda: later)
    assert mailbox_service.purge_expired(svc.sessions()) == 3  # one token, two answered challenges
    with svc.sessions() as s:
        assert s.scalars(select(MailboxToken)).all() == [] and s.scalars(select(UsedChallenge)).all() == []
