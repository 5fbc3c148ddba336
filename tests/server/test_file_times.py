"""File times, with a two-second granule so that a granule ends within the test: reads leave
access times alone, and once its granule is over gc replaces each file whose birth time (which
nothing can set) tells when it came, without changing its bytes, its times or what it serves."""

from __future__ import annotations

import hashlib
import os
import stat
import time
from datetime import timedelta

import pytest

from envelope.constants import Kind
from server.filetimes import birth_time, coarse, is_coarse, walk
from server.models import AuditEntry, Item, Operator
from server.services import operators
from server.services.maintenance import collect_garbage
from tests.support.api import chunks_of, create_upload, envelope, open_case, put_chunk, put_item

RESOLUTION = 2


@pytest.fixture
def settings_overrides():
    return {"time_resolution": RESOLUTION}


@pytest.fixture
def auth(app, client):
    svc = app.extensions["tipline"]
    operators.create_operator(svc.sessions(), "agent", "a password for tests", time_resolution=RESOLUTION)
    r = client.post("/api/operator/v1/session", json={"username": "agent", "password": "a password for tests"})
    return {"Authorization": f"Bearer {r.json['token']}"}


def files_under(root):
    return {p: st for p, st in walk(root) if stat.S_ISREG(st.st_mode)}


@pytest.mark.parametrize("db_kind", ["sqlite"], indirect=False)
def test_reads_keep_access_times_and_gc_replaces_files_born_at_arrival(app, client, auth, test_keys):
    svc = app.extensions["tipline"]
    root = svc.blobs.root
    case_id = open_case(client)
    item_id, data, _ = envelope(case_id, test_keys.public_keys, content=os.urandom(30_000))
    assert put_item(client, case_id, item_id, data).status_code == 201
    up_id, up_data, result = envelope(case_id, test_keys.public_keys, kind=Kind.ATTACHMENT, part=1,
                                      content=os.urandom(150_000))
    create_upload(client, case_id, up_id, up_data, result.header.size, 65536)
    parts = chunks_of(up_data, 65536)
    for i in (0, 1):
        assert put_chunk(client, case_id, up_id, i, parts[i]).status_code == 201
    before = files_under(root)
    assert len(before) == 3 and all(is_coarse(st.st_atime_ns, RESOLUTION) for st in before.values())

    # an operator's download reads the blob: its access time does not move
    r = client.get(f"/api/operator/v1/items/{item_id}/content", headers=auth)
    assert r.data == data
    r = client.get(f"/api/operator/v1/items/{item_id}/content", headers={**auth, "Range": "bytes=100-"})
    assert r.status_code == 206 and r.data == data[100:]
    after_read = files_under(root)
    assert {p: st.st_atime_ns for p, st in after_read.items()} == {p: st.st_atime_ns for p, st in before.items()}

    born = {p: birth_time(p) for p in before}
    if None in born.values():
        pytest.skip("this file system does not report birth times")
    granule_end = max(coarse(st.st_mtime, RESOLUTION) for st in before.values()) + RESOLUTION
    time.sleep(max(0.0, granule_end - time.time()) + 0.2)
    gc_started = time.time()
    report = collect_garbage(svc.sessions(), svc.settings, svc.blobs, grace=timedelta(minutes=60))
    assert report["recopied"] == 3

    after = files_under(root)
    assert set(after) == set(before)
    for path, st in after.items():
        assert birth_time(path) >= gc_started > born[path]
        assert st.st_ino != before[path].st_ino and st.st_mtime_ns == before[path].st_mtime_ns
        assert st.st_atime_ns == before[path].st_atime_ns and stat.S_IMODE(st.st_mode) == 0o600
    # the same bytes are served, the upload completes from the copied chunks
    assert client.get(f"/api/operator/v1/items/{item_id}/content", headers=auth).data == data
    for i in range(2, len(parts)):
        assert put_chunk(client, case_id, up_id, i, parts[i]).status_code == 201
    r = client.post(f"/api/v1/cases/{case_id}/uploads/{up_id}/complete")
    assert r.json["complete"] is True and r.json["item"]["sha256"] == hashlib.sha256(up_data).hexdigest()
    # a second run has nothing left to copy
    time.sleep(max(0.0, coarse(time.time(), RESOLUTION) + RESOLUTION - time.time()) + 0.2)
    collect_garbage(svc.sessions(), svc.settings, svc.blobs, grace=timedelta(minutes=60))
    assert collect_garbage(svc.sessions(), svc.settings, svc.blobs, grace=timedelta(minutes=60))["recopied"] == 0


def test_operator_times_are_coarse_and_tokens_keep_their_exact_expiry(app, client, settings_overrides):
    svc = app.extensions["tipline"]
    operators.create_operator(svc.sessions(), "agent", "a password for tests", time_resolution=RESOLUTION)
    r = client.post("/api/operator/v1/session", json={"username": "agent", "password": "a password for tests"})
    token = r.json["token"]
    assert client.get("/api/operator/v1/whoami", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    body, _, expiry = token.rpartition(".")
    # the expiry inside the token is covered by its stored hash: changing it makes the token unknown
    forged = f"{body}.{int(expiry) + 86400}"
    assert client.get("/api/operator/v1/whoami", headers={"Authorization": f"Bearer {forged}"}).status_code == 401
    assert client.get("/api/operator/v1/whoami", headers={"Authorization": f"Bearer {body}"}).status_code == 401
    for _ in range(svc.settings.login_max_failures):
        client.post("/api/operator/v1/session", json={"username": "agent", "password": "wrong password!!"})
    with svc.sessions() as s:
        op = s.query(Operator).one()
        assert op.created_at.timestamp() % RESOLUTION == 0
        # the audit trail's times are coarse too; its order is its sequence
        entries = s.query(AuditEntry).all()
        assert {e.action for e in entries} >= {"login", "login_failed"}
        assert all(e.at.timestamp() % RESOLUTION == 0 for e in entries)
        assert all(i.received_at.timestamp() % RESOLUTION == 0 for i in s.query(Item))


@pytest.mark.parametrize("db_kind", ["sqlite"], indirect=False)
def test_times_that_cannot_be_set_never_fail_a_request(app, client, test_keys, monkeypatch, caplog):
    """Files or folders of another owner (made by root with an admin command, say): a warning
    per folder, without ids, and the request still succeeds."""
    import server.filetimes as ft

    def denied(*args, **kwargs):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(ft.os, "utime", denied)
    monkeypatch.setattr(ft, "_warned", set())
    case_id = open_case(client)
    item_id, data, _ = envelope(case_id, test_keys.public_keys)
    assert put_item(client, case_id, item_id, data).status_code == 201
    warnings = [r.getMessage() for r in caplog.records if "cannot make file times coarse" in r.getMessage()]
    assert warnings and len(warnings) == len(set(warnings))
    assert not any(case_id in w or item_id in w for w in warnings)
