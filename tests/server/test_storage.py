"""Back-pressure and full disks, on SQLite and PostgreSQL, on real small file systems (tmpfs):
the budget and the low-disk watermark answer 507 with Retry-After before anything fills; a disk
that fills anyway (blob store or database) gives that same 507, never a 500, and leaves nothing
half-stored; uploads go through once room is made again."""

import os
import pwd
import shutil
import uuid

import psycopg
import pytest
from sqlalchemy import func, select

from envelope.constants import Kind
from server.app import create_app
from server.config import Settings
from server.models import Case, Item, UploadChunk
from server.services import storage
from tests.conftest import ORIGIN, REPO
from tests.support.api import chunks_of, create_upload, envelope, new_id, open_case, put_chunk, put_item
from tests.support.smallfs import fill, small_tmpfs

MiB = 1024 * 1024
CHUNK = 256 * 1024


def make_app(database_url, blob_dir, test_keys, **overrides):
    settings = Settings.from_env(env={}, database_url=database_url, blob_dir=blob_dir, keys_dir=test_keys.dir,
                                 pwa_dir=REPO / "pwa", origin=ORIGIN, **overrides)
    app = create_app(settings)
    app.config["TESTING"] = True
    return app


def state(app):
    """(case rows, item rows, item files, chunk rows, chunk files, temp files)."""
    svc = app.extensions["tipline"]
    with svc.sessions() as s:
        cases = s.scalar(select(func.count(Case.id)))
        items = s.scalar(select(func.count(Item.id)))
        chunks = s.scalar(select(func.count()).select_from(UploadChunk))
    root = svc.blobs.root
    files = lambda sub: len([p for p in (root / sub).rglob("*") if p.is_file()])  # noqa: E731
    return cases, items, files("items"), chunks, files("uploads"), files("tmp")


def attachment(client, keys, case_id, part, size):
    item_id, data, result = envelope(case_id, keys, kind=Kind.ATTACHMENT, part=part, content=os.urandom(size))
    HEADERS[item_id] = result.header.size
    return item_id, data


HEADERS: dict[str, int] = {}


def assert_full(r):
    assert r.status_code == 507, (r.status_code, r.json)
    assert r.json["error"] == "insufficient_storage"
    assert int(r.headers["Retry-After"]) > 0


@pytest.fixture
def small(tmp_path):
    with small_tmpfs(tmp_path / "small", 8 * MiB) as mount:
        yield mount


def test_watermark_refuses_before_the_disk_fills(database_url, small, test_keys):
    filler = small / "room"
    filler.write_bytes(os.urandom(3 * MiB))  # made room later by deleting it
    app = make_app(database_url, small / "blobs", test_keys, min_free_bytes=3 * MiB)
    client = app.test_client()
    case_id = open_case(client)
    keys = test_keys.public_keys
    assert client.get("/api/healthz").json == {"status": "ok", "reasons": []}
    refused = None
    for part in range(1, 8):
        item_id, data = attachment(client, keys, case_id, part, MiB - 4096)
        r = put_item(client, case_id, item_id, data)
        if r.status_code != 201:
            refused = (part, item_id, data)
            assert_full(r)
            break
    assert refused is not None and refused[0] > 1
    stored = refused[0] - 1
    assert state(app) == (1, stored, stored, 0, 0, 0)  # nothing partial
    assert client.get("/api/healthz").json["status"] == "ok"  # still above the watermark
    # below it (another program wrote): the rest of the citizen API refuses too, before writing
    other = small / "other"
    other.write_bytes(os.urandom(MiB))
    assert_full(client.put(f"/api/v1/cases/{new_id()}"))
    big_id, big = attachment(client, keys, case_id, 20, 2 * MiB)
    assert_full(create_upload(client, case_id, big_id, big, HEADERS[big_id], CHUNK))
    health = client.get("/api/healthz")
    assert health.status_code == 200 and health.json == {"status": "degraded", "reasons": ["low_disk"]}
    # room again: the very same request goes through
    filler.unlink()
    other.unlink()
    part, item_id, data = refused
    assert put_item(client, case_id, item_id, data).status_code == 201
    assert client.get("/api/healthz").json["status"] == "ok"
    app.extensions["tipline"].engine.dispose()


def test_storage_budget(database_url, tmp_path, test_keys):
    app = make_app(database_url, tmp_path / "blobs", test_keys, storage_budget_bytes=200 * 1024)
    client = app.test_client()
    case_id = open_case(client)
    keys = test_keys.public_keys
    codes = []
    for part in range(1, 6):
        item_id, data = attachment(client, keys, case_id, part, 60 * 1024)
        r = put_item(client, case_id, item_id, data)
        codes.append(r.status_code)
        if r.status_code == 507:
            assert_full(r)
    assert codes == [201, 201, 201, 507, 507], codes
    # an upload reserves its whole size at creation
    big_id, big = attachment(client, keys, case_id, 9, 100 * 1024)
    assert_full(create_upload(client, case_id, big_id, big, HEADERS[big_id], 64 * 1024))
    assert state(app)[1:] == (3, 3, 0, 0, 0)
    app.extensions["tipline"].engine.dispose()


def test_budget_reached_is_degraded_health(database_url, tmp_path, test_keys):
    case_id = new_id()
    item_id, data = attachment(None, test_keys.public_keys, case_id, 1, 100 * 1024)
    app = make_app(database_url, tmp_path / "blobs", test_keys, storage_budget_bytes=len(data))
    client = app.test_client()
    open_case(client, case_id)
    assert client.get("/api/healthz").json == {"status": "ok", "reasons": []}
    assert put_item(client, case_id, item_id, data).status_code == 201  # exactly the budget
    item_id, data = attachment(client, test_keys.public_keys, case_id, 2, 1000)
    assert_full(put_item(client, case_id, item_id, data))
    assert_full(client.put(f"/api/v1/cases/{new_id()}"))
    assert client.get("/api/healthz").json == {"status": "degraded", "reasons": ["storage_budget"]}
    app.extensions["tipline"].engine.dispose()


@pytest.fixture
def no_precheck(monkeypatch):
    """The disk fills between the watermark check and the write (another program, another
    worker): the write itself meets ENOSPC on the real file system."""
    monkeypatch.setattr(storage, "check", lambda *a, **kw: None)


def test_enospc_in_the_blob_store_is_507_and_leaves_nothing(database_url, tmp_path, test_keys, no_precheck):
    with small_tmpfs(tmp_path / "small", 6 * MiB) as small:
        app = make_app(database_url, small / "blobs", test_keys, min_free_bytes=0)
        client = app.test_client()
        keys = test_keys.public_keys
        case_id = open_case(client)
        filler = fill(small, 1536 * 1024)
        item_id, data = attachment(client, keys, case_id, 1, MiB - 4096)
        assert put_item(client, case_id, item_id, data).status_code == 201
        # a whole envelope that does not fit
        item_id, data = attachment(client, keys, case_id, 2, MiB - 4096)
        assert_full(put_item(client, case_id, item_id, data))
        assert state(app) == (1, 1, 1, 0, 0, 0)
        # an upload: its chunks fit, the assembled copy does not
        up_id, up = attachment(client, keys, case_id, 3, 400 * 1024)
        assert create_upload(client, case_id, up_id, up, HEADERS[up_id], CHUNK).status_code == 201
        results = [put_chunk(client, case_id, up_id, i, c) for i, c in enumerate(chunks_of(up, CHUNK))]
        assert [r.status_code for r in results] == [201, 201]
        assert_full(client.post(f"/api/v1/cases/{case_id}/uploads/{up_id}/complete"))
        assert state(app) == (1, 1, 1, 2, 2, 0)  # the upload is intact, no assembled leftover
        # a chunk that does not fit
        filler2 = fill(small, 64 * 1024)
        up2_id, up2 = attachment(client, keys, case_id, 4, 300 * 1024)
        assert create_upload(client, case_id, up2_id, up2, HEADERS[up2_id], CHUNK).status_code == 201
        assert_full(put_chunk(client, case_id, up2_id, 0, chunks_of(up2, CHUNK)[0]))
        assert state(app) == (1, 1, 1, 2, 2, 0)
        # room again: everything resumes where it stopped
        filler.unlink()
        filler2.unlink()
        assert put_item(client, case_id, item_id, data).status_code == 201
        r = client.post(f"/api/v1/cases/{case_id}/uploads/{up_id}/complete")
        assert r.status_code == 200 and r.json["complete"] is True
        assert state(app) == (1, 3, 3, 0, 0, 0)
        app.extensions["tipline"].engine.dispose()


@pytest.fixture
def full_database(request, db_kind, tmp_path):
    """A migrated database whose file system has (almost) no room left."""
    if db_kind == "sqlite":
        with small_tmpfs(tmp_path / "dbfs", 4 * MiB) as small:
            path = small / "tipline.sqlite3"
            shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
            yield f"sqlite:///{path}", small
        return
    pg = request.getfixturevalue("postgres")
    template = request.getfixturevalue("pg_template")
    pw = pwd.getpwnam("postgres") if os.geteuid() == 0 else None
    owner = (pw.pw_uid, pw.pw_gid) if pw else None
    name, space = "t_" + uuid.uuid4().hex[:12], "ts_" + uuid.uuid4().hex[:8]
    admin = f"host=127.0.0.1 port={pg.port} user=postgres dbname=postgres"
    # under the server's own folder: PostgreSQL's user cannot reach into pytest's temp dirs
    with small_tmpfs(pg.dir / space, 24 * MiB, owner=owner) as small:
        (small / "space").mkdir()
        if owner:
            os.chown(small / "space", *owner)
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"CREATE TABLESPACE {space} LOCATION '{small / 'space'}'")
            conn.execute(f"CREATE DATABASE {name} TEMPLATE {template} TABLESPACE {space}")
        try:
            yield pg.database_url(name), small
        finally:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
                conn.execute(f"DROP TABLESPACE IF EXISTS {space}")


def test_enospc_in_the_database_is_507_and_leaves_nothing(full_database, tmp_path, test_keys, db_kind,
                                                          no_precheck):
    url, small = full_database
    app = make_app(url, tmp_path / "blobs", test_keys, min_free_bytes=0)
    client = app.test_client()
    keys = test_keys.public_keys
    case_id = open_case(client)
    filler = fill(small, 0)
    # write until the database cannot grow: each answer is a success or a 507, never a 500
    answers = []
    for n in range(400):
        item_id, data = attachment(client, keys, case_id, 1 + n, 2048)
        r = put_item(client, case_id, item_id, data)
        answers.append(r.status_code)
        assert r.status_code in (201, 507), (n, r.status_code, r.json)
        if r.status_code == 507:
            assert_full(r)
            break
        r = client.put(f"/api/v1/cases/{new_id()}")
        assert r.status_code in (201, 507), r.json
        if r.status_code == 507:
            assert_full(r)
            break
    assert 507 in answers or r.status_code == 507, "the database never filled"
    cases, items, item_files, *_rest, temps = state(app)
    assert items == item_files and temps == 0  # a blob whose row could not be written is gone
    assert client.get("/api/healthz").status_code == 200  # reads still work
    filler.unlink()
    item_id, data = attachment(client, keys, case_id, 999, 2048)
    assert put_item(client, case_id, item_id, data).status_code == 201
    app.extensions["tipline"].engine.dispose()


def test_unreachable_database_is_503_with_retry_after(tmp_path, test_keys):
    from tests.support.pg import free_port

    settings = Settings.from_env(env={}, database_url=f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/none",
                                 blob_dir=tmp_path / "blobs", keys_dir=test_keys.dir, pwa_dir=REPO / "pwa",
                                 origin=ORIGIN)
    app = create_app(settings, check_schema=False)
    client = app.test_client()
    for r in (client.put(f"/api/v1/cases/{new_id()}"), client.get(f"/api/v1/cases/{new_id()}"),
              client.post("/api/operator/v1/session", json={"username": "a", "password": "b"})):
        assert r.status_code == 503 and r.json["error"] == "unavailable", r.json
        assert int(r.headers["Retry-After"]) > 0
    assert client.get("/api/healthz").status_code == 503
