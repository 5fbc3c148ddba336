"""The database (with its -wal and -shm), the blobs and every data folder are the server user's
only, even when the process runs with a permissive umask, and files made wider by an earlier
version are tightened at start."""

from __future__ import annotations

import os
import stat

import pytest

from envelope.constants import Kind
from server.app import create_app
from server.config import Settings
from server.migrations import runner
from tests.conftest import ORIGIN, REPO
from tests.support.api import chunks_of, create_upload, envelope, open_case, put_chunk, put_item


@pytest.fixture
def permissive_umask():
    old = os.umask(0o022)
    yield
    os.umask(old)


def modes(root):
    return {str(p.relative_to(root.parent)): stat.S_IMODE(p.lstat().st_mode) for p in [root, *root.rglob("*")]}


def test_everything_written_is_owner_only(tmp_path, test_keys, permissive_umask):
    data = tmp_path / "data"
    settings = Settings.from_env(env={"TIPLINE_DATA_DIR": str(data)}, keys_dir=test_keys.dir, origin=ORIGIN,
                                 pwa_dir=REPO / "pwa")
    runner.upgrade(settings.database_url)
    app = create_app(settings)
    try:
        client = app.test_client()
        case_id = open_case(client)
        item_id, body, _ = envelope(case_id, test_keys.public_keys)
        assert put_item(client, case_id, item_id, body).status_code == 201
        up_id, up_data, result = envelope(case_id, test_keys.public_keys, kind=Kind.ATTACHMENT, part=1,
                                          content=os.urandom(100_000))
        create_upload(client, case_id, up_id, up_data, result.header.size, 65536)
        assert put_chunk(client, case_id, up_id, 0, chunks_of(up_data, 65536)[0]).status_code == 201
        seen = modes(data)
        files = {p for p in seen if (tmp_path / p).is_file()}  # while the -wal and -shm exist
    finally:
        app.extensions["tipline"].engine.dispose()
    assert {"data/tipline.sqlite3", "data/tipline.sqlite3-wal", "data/tipline.sqlite3-shm"} <= files
    assert sum(1 for p in files if p.startswith("data/blobs/items/")) == 1
    assert sum(1 for p in files if p.startswith("data/blobs/uploads/")) == 1
    wrong = {p: oct(m) for p, m in seen.items() if m != (0o600 if p in files else 0o700)}
    assert wrong == {}


def test_an_older_world_readable_database_is_tightened(tmp_path, test_keys, permissive_umask):
    db = tmp_path / "old.sqlite3"
    runner.upgrade(f"sqlite:///{db}")
    os.chmod(db, 0o644)
    settings = Settings.from_env(env={}, database_url=f"sqlite:///{db}", blob_dir=tmp_path / "blobs",
                                 keys_dir=test_keys.dir, origin=ORIGIN, pwa_dir=REPO / "pwa")
    app = create_app(settings)
    try:
        assert app.test_client().get("/api/healthz").status_code == 200
        assert stat.S_IMODE(db.stat().st_mode) == 0o600
        assert stat.S_IMODE((tmp_path / "old.sqlite3-wal").stat().st_mode) == 0o600
    finally:
        app.extensions["tipline"].engine.dispose()
