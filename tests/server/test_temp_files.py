"""Temp files never outlive their request: a failed completion removes its assembled file, and a
writer that died (its lock gone) has its file removed when the store is opened again."""

import fcntl
import os

import pytest

from envelope.constants import Kind
from server.blobs import BlobStore
from server.services import items as items_service
from server.services import uploads as uploads_service
from tests.server.test_citizen_api import store_state
from tests.support.api import chunks_of, create_upload, envelope, open_case, put_chunk

CHUNK = 64 * 1024


@pytest.fixture
def ready(client, test_keys):
    """An upload whose chunks are all held, ready to complete."""
    case_id = open_case(client)
    item_id, data, result = envelope(case_id, test_keys.public_keys, kind=Kind.ATTACHMENT, part=1,
                                     content=os.urandom(150_000))
    assert create_upload(client, case_id, item_id, data, result.header.size, CHUNK).status_code == 201
    for i, chunk in enumerate(chunks_of(data, CHUNK)):
        assert put_chunk(client, case_id, item_id, i, chunk).status_code == 201
    return case_id, item_id


@pytest.mark.parametrize("where", ["parse", "commit"])
def test_failed_complete_leaves_no_temp_file(app, client, ready, monkeypatch, where):
    case_id, item_id = ready

    def boom(*a, **kw):
        raise OSError(5, "simulated I/O error")

    if where == "parse":
        monkeypatch.setattr(uploads_service, "parse_header", boom)
    else:
        monkeypatch.setattr(type(app.extensions["tipline"].blobs), "commit_item", boom)
    r = client.post(f"/api/v1/cases/{case_id}/uploads/{item_id}/complete")
    assert r.status_code == 500
    assert store_state(app) == (0, 0, 0)  # no item, no item file, no temp file
    monkeypatch.undo()
    r = client.post(f"/api/v1/cases/{case_id}/uploads/{item_id}/complete")
    assert r.status_code == 200 and r.json["complete"] is True
    assert store_state(app) == (1, 1, 0)


def test_a_blob_whose_row_fails_is_removed(app, client, ready, monkeypatch):
    """The item's file is renamed into place inside the transaction; if the commit fails, it goes."""
    case_id, item_id = ready

    def fail(session):
        raise OSError(28, "simulated full disk")

    monkeypatch.setattr(items_service, "next_seq", fail)
    r = client.post(f"/api/v1/cases/{case_id}/uploads/{item_id}/complete")
    assert r.status_code >= 500
    assert store_state(app) == (0, 0, 0)


def test_dead_writers_temp_files_are_swept_at_start(tmp_path):
    store = BlobStore(tmp_path / "blobs")
    dead = store.tmp_dir / ".tmp-dead"
    dead.write_bytes(b"x" * 1000)  # what a SIGKILLed writer leaves: no lock on it
    live = store.tmp_dir / ".tmp-live"
    live.write_bytes(b"y")
    fd = os.open(live, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX)  # a writer of another process still at work
    try:
        BlobStore(tmp_path / "blobs")  # a worker starting
        assert not dead.exists() and live.exists()
    finally:
        os.close(fd)
    assert store.sweep_temp_files() == 1 and not live.exists()


def test_spooled_file_is_locked_until_committed(tmp_path):
    store = BlobStore(tmp_path / "blobs")
    spooled = store.spool([b"abc"])
    assert store.sweep_temp_files() == 0 and spooled.path.exists()
    store.commit(spooled, store.root / "items" / "00" / "x")
    assert spooled.lock_fd == -1 and (store.root / "items" / "00" / "x").read_bytes() == b"abc"
