"""The operator API on SQLite and PostgreSQL: authentication, the change feed, ciphertext, triage."""

from datetime import timedelta

import pytest

from envelope.constants import Kind
from server.models import OperatorToken
from server.services import operators
from server.services.clock import now
from tests.support.api import envelope, new_id, open_case, put_item

PASSWORD = "correct horse battery staple"


@pytest.fixture
def operator(app):
    svc = app.extensions["tipline"]
    operators.create_operator(svc.sessions(), "agent", PASSWORD)
    return "agent"


@pytest.fixture
def auth(client, operator):
    r = client.post("/api/operator/v1/session", json={"username": operator, "password": PASSWORD})
    assert r.status_code == 201, r.json
    return {"Authorization": f"Bearer {r.json['token']}"}


OPERATOR_ROUTES = [
    ("get", "/api/operator/v1/whoami"),
    ("get", "/api/operator/v1/changes"),
    ("get", f"/api/operator/v1/cases/{'a' * 32}"),
    ("put", f"/api/operator/v1/cases/{'a' * 32}/status"),
    ("get", f"/api/operator/v1/items/{'a' * 32}/content"),
    ("get", f"/api/operator/v1/cases/{'a' * 32}/audit"),
    ("put", f"/api/operator/v1/cases/{'a' * 32}/assignee"),
    ("post", f"/api/operator/v1/cases/{'a' * 32}/audit"),
    ("delete", "/api/operator/v1/session"),
]


@pytest.mark.parametrize("method, url", OPERATOR_ROUTES)
def test_unauthenticated_calls_get_401(client, method, url):
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic YWdlbnQ6eA=="}):
        r = getattr(client, method)(url, headers=headers)
        assert r.status_code == 401, (url, headers)
        assert r.json["error"] in ("unauthorized", "invalid_token")
        assert r.headers["WWW-Authenticate"].startswith("Bearer")


def test_login_logout_and_expiry(app, client, operator, auth):
    assert client.get("/api/operator/v1/whoami", headers=auth).json == {"username": "agent"}
    assert client.delete("/api/operator/v1/session", headers=auth).status_code == 204
    assert client.get("/api/operator/v1/whoami", headers=auth).status_code == 401
    # an expired token is refused
    r = client.post("/api/operator/v1/session", json={"username": "agent", "password": PASSWORD})
    token = r.json["token"]
    svc = app.extensions["tipline"]
    with svc.sessions() as s, s.begin():
        for record in s.query(OperatorToken):
            record.expires_at = now() - timedelta(seconds=1)
    r = client.get("/api/operator/v1/whoami", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401 and r.json["error"] == "invalid_token"


def test_tokens_are_stored_hashed(app, client, auth):
    token = auth["Authorization"].split()[1]
    svc = app.extensions["tipline"]
    with svc.sessions() as s:
        stored = [t.token_hash for t in s.query(OperatorToken)]
    assert token not in stored and len(stored) == 1


def test_wrong_password_and_missing_fields(app, client, operator):
    # the slow-down, the second factor and the audit trail: tests/server/test_operator_login.py
    r = client.post("/api/operator/v1/session", json={"username": operator, "password": "wrong password!"})
    assert r.status_code == 401 and r.json["error"] == "invalid_credentials"
    r = client.post("/api/operator/v1/session", json={"username": "nobody", "password": PASSWORD})
    assert r.status_code == 401 and r.json["error"] == "invalid_credentials"
    r = client.post("/api/operator/v1/session", json={"username": operator})
    assert r.status_code == 400


def test_disabled_operator(app, client, operator, auth):
    operators.set_disabled(app.extensions["tipline"].sessions(), operator, True)
    assert client.get("/api/operator/v1/whoami", headers=auth).status_code == 401
    r = client.post("/api/operator/v1/session", json={"username": operator, "password": PASSWORD})
    assert r.status_code == 401


def test_change_feed_pages_in_order(client, auth, test_keys):
    sent = []
    for _ in range(3):
        case_id = open_case(client)
        for kind, part in ((Kind.ATTACHMENT, 1), (Kind.REPORT, 0)):
            item_id, data, _ = envelope(case_id, test_keys.public_keys, kind=kind, part=part)
            assert put_item(client, case_id, item_id, data).status_code == 201
            sent.append(item_id)
    seen_items, seen_cases, cursor, pages = [], set(), 0, 0
    while True:
        r = client.get(f"/api/operator/v1/changes?since={cursor}&limit=2", headers=auth)
        assert r.status_code == 200
        page = r.json
        seen_items += [i["item_id"] for i in page["items"]]
        seen_cases |= {c["case_id"] for c in page["cases"]}
        assert page["cursor"] >= cursor
        cursor = page["cursor"]
        pages += 1
        if not page["more"]:
            break
    assert seen_items == sent and len(seen_cases) == 3 and pages == 5
    # nothing new: same cursor, empty page
    r = client.get(f"/api/operator/v1/changes?since={cursor}", headers=auth).json
    assert r == {"cases": [], "items": [], "deleted": [], "reads": [], "cursor": cursor, "more": False}
    assert client.get("/api/operator/v1/changes?since=-1", headers=auth).status_code == 400
    assert client.get("/api/operator/v1/changes?limit=5000", headers=auth).status_code == 400


def test_status_change_moves_the_case_in_the_feed(client, auth, test_keys):
    case_id = open_case(client)
    cursor = client.get("/api/operator/v1/changes", headers=auth).json["cursor"]
    r = client.put(f"/api/operator/v1/cases/{case_id}/status", headers=auth, json={"status": "useful"})
    assert r.status_code == 200 and r.json["status"] == "useful" and r.json["status_changed_at"]
    page = client.get(f"/api/operator/v1/changes?since={cursor}", headers=auth).json
    assert [c["case_id"] for c in page["cases"]] == [case_id]
    assert page["cases"][0]["status"] == "useful"
    r = client.put(f"/api/operator/v1/cases/{case_id}/status", headers=auth, json={"status": "bogus"})
    assert r.status_code == 400
    r = client.put(f"/api/operator/v1/cases/{new_id()}/status", headers=auth, json={"status": "closed"})
    assert r.status_code == 404


def test_ciphertext_download_with_ranges(client, auth, test_keys):
    case_id = open_case(client)
    item_id, data, _ = envelope(case_id, test_keys.public_keys, content=b"x" * 10_000)
    put_item(client, case_id, item_id, data)
    r = client.get(f"/api/operator/v1/items/{item_id}/content", headers=auth)
    assert r.status_code == 200 and r.data == data
    assert r.headers["Content-Type"] == "application/octet-stream"
    r = client.get(f"/api/operator/v1/items/{item_id}/content", headers={**auth, "Range": "bytes=1000-"})
    assert r.status_code == 206 and r.data == data[1000:]
    r = client.get(f"/api/operator/v1/items/{new_id()}/content", headers=auth)
    assert r.status_code == 404 and r.json["error"] == "item_not_found"
    detail = client.get(f"/api/operator/v1/cases/{case_id}", headers=auth).json
    assert detail["status"] == "new" and [i["item_id"] for i in detail["items"]] == [item_id]
