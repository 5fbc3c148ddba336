"""gc removes what a crash leaves (temp files, unlisted blobs, stale uploads), never a listed item,
never a file written within the grace period (judged by its ctime: mtimes are coarse)."""

import os
from datetime import timedelta

import pytest

from envelope.constants import Kind
from server.models import Upload
from server.services.clock import now
from server.services.maintenance import collect_garbage
from tests.support.api import create_upload, envelope, open_case, put_chunk, put_item


@pytest.mark.parametrize("db_kind", ["sqlite"], indirect=False)
def test_gc(app, client, test_keys):
    svc = app.extensions["tipline"]
    case_id = open_case(client)
    item_id, data, _ = envelope(case_id, test_keys.public_keys)
    put_item(client, case_id, item_id, data)
    listed = [p for p in (svc.blobs.root / "items").rglob("*") if p.is_file()]
    orphan = svc.blobs.root / "items" / "ab" / f"{'ab' * 16}.{'cd' * 16}.deadbeef"
    orphan.write_bytes(b"x")
    tmp = svc.blobs.tmp_dir / ".tmp-crash"
    tmp.write_bytes(b"half")
    stray_chunk = svc.blobs.chunk_path("ef" * 16, 0, "0" * 64)  # a chunk of an upload no row lists
    stray_chunk.write_bytes(b"c")
    up_id, up_data, result = envelope(case_id, test_keys.public_keys, kind=Kind.ATTACHMENT, part=1,
                                      content=os.urandom(100_000))
    assert create_upload(client, case_id, up_id, up_data, result.header.size, 65536).status_code == 201
    assert put_chunk(client, case_id, up_id, 0, up_data[:65536]).status_code == 201
    with svc.sessions() as s, s.begin():
        s.get(Upload, up_id).created_at = now() - timedelta(days=10)

    # Everything was written just now: within an hour's grace, only the stale upload goes.
    report = collect_garbage(svc.sessions(), svc.settings, svc.blobs, grace=timedelta(minutes=60))
    assert {k: v for k, v in report.items() if k not in ("restamped", "recopied", "login_slowdowns_forgotten")} == \
        {"temp_files": 0, "orphan_blobs": 0, "stale_uploads": 1, "orphan_uploads": 0}
    assert orphan.exists() and tmp.exists() and stray_chunk.exists()
    assert svc.blobs.upload_files(up_id) == []
    # Without grace, the crash's leftovers go too; the listed item stays.
    report = collect_garbage(svc.sessions(), svc.settings, svc.blobs, grace=timedelta(0))
    assert {k: v for k, v in report.items() if k not in ("restamped", "recopied", "login_slowdowns_forgotten")} == \
        {"temp_files": 1, "orphan_blobs": 1, "stale_uploads": 0, "orphan_uploads": 1}
    assert all(p.exists() for p in listed) and not orphan.exists() and not tmp.exists()
    assert not stray_chunk.exists()
    assert client.get(f"/api/v1/cases/{case_id}").json["items"][0]["item_id"] == item_id
