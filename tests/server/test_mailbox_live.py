"""The served topology (nginx, gunicorn, the events process) on SQLite and PostgreSQL: a long
poll held by the events process wakes when a reply is stored, the operators' one when the feed
moves, nothing identifying reaches any log, and uploads pass through nginx as before."""

from __future__ import annotations

import threading

import pytest
import requests

from envelope.constants import Kind
from tests.support.api import OCTETS, envelope, new_id
from tests.support.mailbox import receipt_keys, registration, sign
from tests.support.pow import TEST_MAX_NUMBER, requests_get, work_headers
from tests.support.topology import ServedTopology

pytestmark = pytest.mark.e2e
PASSWORD = "correct horse battery staple"


@pytest.fixture
def served(request, db_kind, tmp_path, test_keys):
    env = {"TIPLINE_DATA_DIR": str(tmp_path / "data"), "TIPLINE_KEYS_DIR": str(test_keys.dir),
           "TIPLINE_ORIGIN": test_keys.origin, "TIPLINE_POW_MAX_NUMBER": str(TEST_MAX_NUMBER),
           "TIPLINE_REQUIRE_TOTP": "0",
           # the events process would wait a minute; gunicorn's fallback not at all: an answer
           # with the new revision can only come from the events process, woken by the change
           "TIPLINE_EVENTS_WAIT_SECONDS": "60", "TIPLINE_EVENTS_FALLBACK_WAIT_SECONDS": "0"}
    if db_kind == "postgresql":
        env["DATABASE_URL"], _ = request.getfixturevalue("fresh_pg_database")
    else:
        (tmp_path / "data").mkdir(mode=0o700)
        from server.migrations import runner

        runner.upgrade(f"sqlite:///{tmp_path / 'data' / 'tipline.sqlite3'}")
    from server.app import create_app
    from server.config import Settings
    from server.services import operators

    settings = Settings.from_env(env=env)
    app = create_app(settings, announce=False)
    operators.create_operator(app.extensions["tipline"].sessions(), "agent", PASSWORD)
    app.extensions["tipline"].engine.dispose()
    with ServedTopology(env, tmp_path / "served.log") as server:
        yield server


def test_replies_wake_the_citizen_and_the_desk_through_nginx(served, test_keys):
    http = requests.Session()
    keys = receipt_keys(0)
    case_id = new_id()
    r = http.put(f"{served.url}/api/v1/cases/{case_id}", json=registration(keys),
                 headers=work_headers(requests_get(http, served.url), "case"), timeout=30)
    assert r.status_code == 201, r.text
    c = http.post(f"{served.url}/api/v1/mailbox/challenge", json={"mailbox": keys.mailbox_id}, timeout=30).json()
    r = http.post(f"{served.url}/api/v1/mailbox/session", timeout=30,
                  json={"mailbox": keys.mailbox_id, "challenge": c["challenge"], "signature": sign(keys, c["challenge"])})
    citizen = {"Authorization": f"Bearer {r.json()['token']}"}
    r = http.post(f"{served.url}/api/operator/v1/session", json={"username": "agent", "password": PASSWORD},
                  timeout=30)
    police = {"Authorization": f"Bearer {r.json()['token']}"}
    revision = http.get(f"{served.url}/api/v1/mailbox", headers=citizen, timeout=30).json()["revision"]
    seq = http.get(f"{served.url}/api/operator/v1/events/operator?after=0", headers=police, timeout=30).json()["seq"]

    answers = {}

    def wait(name, url, headers):
        answers[name] = requests.get(url, headers=headers, timeout=90).json()

    waiting = [threading.Thread(target=wait, args=("citizen", f"{served.url}/api/v1/events/mailbox?after={revision}",
                                                   citizen)),
               threading.Thread(target=wait, args=("desk", f"{served.url}/api/operator/v1/events/operator?after={seq}",
                                                   police))]
    for t in waiting:
        t.start()
    # both are held by the events process before the reply is sent
    for _ in range(200):
        if requests.get(served.events_url + "/events/healthz", timeout=5).json()["waiting"] == 2:
            break
        threading.Event().wait(0.05)
    assert requests.get(served.events_url + "/events/healthz", timeout=5).json()["waiting"] == 2
    item_id, data, _ = envelope(case_id, [keys.x25519_public, *test_keys.public_keys], kind=Kind.REPLY,
                                content=b"quelle entree ?")
    r = http.put(f"{served.url}/api/operator/v1/cases/{case_id}/items/{item_id}", data=data,
                 headers={**police, "Content-Type": OCTETS}, timeout=30)
    assert r.status_code == 201, r.text
    for t in waiting:
        t.join(timeout=90)
    assert answers["citizen"] == {"revision": revision + 1}
    assert answers["desk"]["seq"] > seq
    box = http.get(f"{served.url}/api/v1/mailbox", headers=citizen, timeout=30).json()
    assert [i["kind"] for i in box["items"]] == ["reply"]
    # refusals from the events process are the API's JSON
    r = http.get(f"{served.url}/api/v1/events/mailbox?after=0", timeout=30)
    assert r.status_code == 401 and r.json()["error"] == "invalid_token"
    r = http.get(f"{served.url}/api/v1/events/mailbox?after=-1", headers=citizen, timeout=30)
    assert r.status_code == 400 and r.json()["error"] == "invalid_request"
    # no address, id or token in any log line of the three processes
    log = served.log()
    for needle in ("127.0.0.1", case_id, keys.mailbox_id, citizen["Authorization"].split()[1]):
        assert needle not in log, needle


def test_nginx_refuses_in_json_and_passes_no_address(served):
    r = requests.put(f"{served.url}/api/v1/cases/{new_id()}/items/{new_id()}", data=b"x" * (17 * 1024 * 1024),
                     headers={"Content-Type": OCTETS, "X-Forwarded-For": "203.0.113.9"}, timeout=60)
    assert r.status_code == 413 and r.json()["error"] == "too_large"
    r = requests.get(f"{served.url}/api/v1/key-bundle", headers={"X-Forwarded-For": "203.0.113.9"}, timeout=30)
    assert r.status_code == 200 and "nginx/" not in r.headers.get("Server", "")
