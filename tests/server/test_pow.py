"""Proof of work (server.pow, docs/api.md "Proof of work"), on SQLite and PostgreSQL: a flood
without work is refused, valid work is accepted once, and work that is replayed, expired,
forged, or done for another purpose or a smaller size is refused; nothing is stored meanwhile."""

import base64
import json
import os
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from envelope.constants import Kind
from server.models import Case, Item, PowSpent, Upload
from server.pow import policy, store
from server.pow.scheme import issue
from tests.support.api import OCTETS, create_upload, envelope, new_id, open_case, put_item
from tests.support.pow import HEADER, TEST_MAX_NUMBER, flask_get, header_value, solve, solve_number, work_headers


@pytest.fixture(autouse=True)
def _fresh_load():
    policy.forget_load()
    yield
    policy.forget_load()


def challenge(client, purpose="case", size=0):
    r = client.get("/api/v1/pow", query_string={"purpose": purpose, "size": size})
    assert r.status_code == 200, r.json
    assert r.headers["Cache-Control"] == "no-store"
    return r.json


def count(app, model):
    svc = app.extensions["tipline"]
    with svc.sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


def refused(r, status, code, reason=None):
    assert r.status_code == status, r.json
    assert r.json["error"] == code
    if reason:
        assert r.json["details"]["reason"] == reason, r.json
    return True


def test_challenge_is_altcha_shaped_and_signed_for_its_purpose(client):
    c = challenge(client, "upload", 5000)
    assert set(c) == {"algorithm", "challenge", "maxnumber", "salt", "signature"}
    assert c["algorithm"] == "SHA-256" and len(c["challenge"]) == 64 and len(c["signature"]) == 64
    query = c["salt"].split("?", 1)[1]
    assert "purpose=upload" in query and "size=5000" in query and "expires=" in query
    assert c["maxnumber"] >= policy.MIN_NUMBER
    assert challenge(client)["maxnumber"] == TEST_MAX_NUMBER
    assert challenge(client)["salt"] != challenge(client)["salt"]  # stateless, but never the same twice


@pytest.mark.parametrize("query", [{}, {"purpose": "login"}, {"purpose": "upload", "size": 0},
                                   {"purpose": "upload", "size": -1}, {"purpose": "upload", "size": "x"},
                                   {"purpose": "upload", "size": 3 * 1024**3}])
def test_challenge_query_is_checked(client, query):
    r = client.get("/api/v1/pow", query_string=query)
    assert r.status_code == 400 and r.json["error"] in ("invalid_request",)


def test_flood_without_work_is_refused_and_stores_nothing(app, client):
    for _ in range(20):
        r = client.put(f"/api/v1/cases/{new_id()}")
        assert refused(r, 428, "pow_required")
        assert r.json["details"] == {"purpose": "case", "size": 0}
    assert count(app, Case) == 0


def test_valid_work_opens_a_case_once_and_reopening_is_free(app, client):
    case_id = new_id()
    headers = solve(challenge(client))
    r = client.put(f"/api/v1/cases/{case_id}", headers=headers)
    assert r.status_code == 201, r.json
    assert client.put(f"/api/v1/cases/{case_id}").status_code == 200  # no work to open it again
    assert count(app, Case) == 1 and count(app, PowSpent) == 1


def test_replayed_solution_is_refused(app, client):
    headers = solve(challenge(client))
    assert client.put(f"/api/v1/cases/{new_id()}", headers=headers).status_code == 201
    assert refused(client.put(f"/api/v1/cases/{new_id()}", headers=headers), 403, "pow_invalid", "spent")
    assert count(app, Case) == 1


def test_racing_requests_with_one_solution_open_one_case(app, client):
    headers = solve(challenge(client))
    answers = []

    def attempt():
        with app.test_client() as c:
            answers.append(c.put(f"/api/v1/cases/{new_id()}", headers=headers).status_code)

    threads = [threading.Thread(target=attempt) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(answers) == [201] + [403] * 5
    assert count(app, Case) == 1


def test_expired_work_is_refused(app, client, monkeypatch):
    headers = solve(challenge(client))
    later = datetime.now(UTC) + timedelta(seconds=app.extensions["tipline"].settings.pow_ttl_seconds + 1)
    monkeypatch.setattr("server.pow.guard.now", lambda: later)
    assert refused(client.put(f"/api/v1/cases/{new_id()}", headers=headers), 403, "pow_invalid", "expired")
    assert count(app, Case) == 0 and count(app, PowSpent) == 0


def test_work_issued_already_expired_is_refused(app, client):
    svc = app.extensions["tipline"]
    with svc.sessions() as s:
        key = store.hmac_key(s)
    c = issue(key, purpose="case", size=0, max_number=1000, ttl=timedelta(seconds=-1))
    r = client.put(f"/api/v1/cases/{new_id()}", headers=solve(c))
    assert refused(r, 403, "pow_invalid", "expired")


def test_forged_and_malformed_work_is_refused(app, client):
    c = challenge(client)
    n = solve_number(c)
    forged = dict(c, salt=c["salt"].replace("purpose=case", "purpose=upload"))
    cases = [
        ({HEADER: header_value(c, n + 1 if n < c["maxnumber"] else n - 1)}, "wrong_number"),
        ({HEADER: header_value(dict(c, signature="0" * 64), n)}, "signature"),
        ({HEADER: header_value(forged, n)}, "wrong_number"),
        ({HEADER: "not base64!"}, "malformed"),
        ({HEADER: base64.b64encode(b"[1, 2]").decode()}, "malformed"),
        ({HEADER: base64.b64encode(json.dumps({"number": n}).encode()).decode()}, "malformed"),
        ({HEADER: "A" * 2000}, "malformed"),
    ]
    for headers, reason in cases:
        assert refused(client.put(f"/api/v1/cases/{new_id()}", headers=headers), 403, "pow_invalid", reason)
    # a salt of our making, solved and signed by someone without the key
    with app.extensions["tipline"].sessions() as s:
        key = store.hmac_key(s)
    other = issue(os.urandom(32), purpose="case", size=0, max_number=1000, ttl=timedelta(minutes=5))
    assert refused(client.put(f"/api/v1/cases/{new_id()}", headers=solve(other)), 403, "pow_invalid", "signature")
    assert key != b"" and count(app, Case) == 0


def test_work_for_another_purpose_or_a_smaller_size_is_refused(app, client, test_keys):
    upload_work = solve(challenge(client, "upload", 10 * 1024 * 1024))
    assert refused(client.put(f"/api/v1/cases/{new_id()}", headers=upload_work), 403, "pow_invalid", "purpose")
    case_id = open_case(client)
    item_id, data, result = envelope(case_id, test_keys.public_keys, kind=Kind.ATTACHMENT, part=1,
                                     content=os.urandom(300_000))
    hsize = result.header.size
    r = create_upload(client, case_id, item_id, data, hsize, 64 * 1024, work=False,)
    assert refused(r, 428, "pow_required") and r.json["details"] == {"purpose": "upload", "size": len(data)}
    small = solve(challenge(client, "upload", len(data) - 1))
    body = {"size": len(data), "chunk_size": 64 * 1024, "sha256": __import__("hashlib").sha256(data).hexdigest(),
            "header": base64.b64encode(data[:hsize]).decode()}
    url = f"/api/v1/cases/{case_id}/uploads/{item_id}"
    assert refused(client.put(url, json=body, headers=small), 403, "pow_invalid", "size")
    assert refused(client.put(url, json=body, headers=solve(challenge(client))), 403, "pow_invalid", "purpose")
    assert count(app, Upload) == 0
    r = client.put(url, json=body, headers=solve(challenge(client, "upload", len(data))))
    assert r.status_code == 201, r.json
    assert client.put(url, json=body).status_code == 200  # resuming the same upload costs nothing


def test_free_allowance_then_work_scaled_to_size(app, client, test_keys):
    settings = app.extensions["tipline"].settings
    case_id = open_case(client)
    # a report (small) goes without work
    item_id, data, _ = envelope(case_id, test_keys.public_keys, content=b'{"lieu": "ici"}')
    assert put_item(client, case_id, item_id, data, work=False).status_code == 201
    # until the case holds its free allowance: then every item needs work, even a small one
    part = 1
    while True:
        item_id, data, _ = envelope(case_id, test_keys.public_keys, kind=Kind.ATTACHMENT, part=part,
                                    content=os.urandom(60_000))
        part += 1
        r = put_item(client, case_id, item_id, data, work=False)
        if r.status_code == 428:
            break
        assert r.status_code == 201, r.json
        assert part < 10
    assert r.json["details"] == {"purpose": "upload", "size": len(data)}
    with app.extensions["tipline"].sessions() as s:
        held = s.scalar(select(func.sum(Item.size)).where(Item.case_id == case_id))
    assert held <= settings.pow_free_case_bytes < held + len(data)
    assert put_item(client, case_id, item_id, data, work=True).status_code == 201
    assert put_item(client, case_id, item_id, data, work=False).status_code == 200  # the same bytes again
    # the work asked grows with the size
    big, small = challenge(client, "upload", 64 * 1024 * 1024), challenge(client, "upload", 1024**2)
    assert big["maxnumber"] > small["maxnumber"]


def test_difficulty_rises_under_load_and_is_capped(app, client):
    settings = app.extensions["tipline"].settings
    base = challenge(client)["maxnumber"]
    svc = app.extensions["tipline"]
    later = datetime.now(UTC) + timedelta(minutes=5)
    rows = settings.pow_load_cases_per_hour * 4
    with svc.sessions() as s, s.begin():
        s.add_all([PowSpent(challenge=os.urandom(32).hex(), purpose="case", expires_at=later) for _ in range(rows)])
    policy.forget_load()
    raised = challenge(client)["maxnumber"]
    assert base < raised <= base * settings.pow_max_load_factor
    with svc.sessions() as s, s.begin():
        s.add_all([PowSpent(challenge=os.urandom(32).hex(), purpose="case", expires_at=later)
                   for _ in range(rows * settings.pow_max_load_factor)])
    policy.forget_load()
    assert challenge(client)["maxnumber"] == base * settings.pow_max_load_factor
    # and a raised challenge still opens a case
    assert client.put(f"/api/v1/cases/{new_id()}", headers=solve(challenge(client))).status_code == 201


def test_spent_records_are_coarse_and_purged(app, client):
    settings = app.extensions["tipline"].settings
    assert client.put(f"/api/v1/cases/{new_id()}", headers=solve(challenge(client))).status_code == 201
    svc = app.extensions["tipline"]
    with svc.sessions() as s:
        (expires,) = s.scalars(select(PowSpent.expires_at)).all()
    assert int(expires.timestamp()) % settings.time_resolution == 0
    assert expires > datetime.now(UTC)
    with svc.sessions() as s:
        assert store.purge(s, now=datetime.now(UTC), resolution=settings.time_resolution) == 0
        gone = store.purge(s, now=expires + timedelta(seconds=settings.time_resolution),
                           resolution=settings.time_resolution)
    assert gone == 1 and count(app, PowSpent) == 0


@pytest.mark.parametrize("settings_overrides", [{"pow_max_number": 0}])
def test_work_can_be_turned_off(app, client, settings_overrides):
    assert client.put(f"/api/v1/cases/{new_id()}").status_code == 201
    r = client.get("/api/v1/pow", query_string={"purpose": "case"})
    assert r.status_code == 404 and r.json["error"] == "pow_disabled"
    assert work_headers(flask_get(client), "case") == {}


def test_unknown_case_is_404_before_any_work(client):
    r = client.put(f"/api/v1/cases/{new_id()}/items/{new_id()}", data=b"x" * 1_000_000,
                   headers={"Content-Type": OCTETS})
    assert r.status_code == 404 and r.json["error"] == "case_not_found"


@pytest.mark.parametrize("settings_overrides", [{"max_item_bytes": 3_000_000, "pow_max_number": TEST_MAX_NUMBER}])
def test_an_item_over_the_limit_is_refused_for_its_size_not_for_work(client, settings_overrides):
    case_id = open_case(client)
    body = {"size": 4_000_000, "chunk_size": 1024 * 1024, "sha256": "0" * 64, "header": "AAAA"}
    r = client.put(f"/api/v1/cases/{case_id}/uploads/{new_id()}", json=body)
    assert r.status_code == 413 and r.json["error"] == "item_too_large"
    assert client.get("/api/v1/pow", query_string={"purpose": "upload", "size": 4_000_000}).status_code == 400
