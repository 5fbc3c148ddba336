"""gc removes what a crash leaves (temp files, unlisted blobs, stale uploads), never a listed item."""

import os
import time
from datetime import timedelta

import pytest

from envelope.constants import Kind
from server.models import Upload
from server.services.clock import now
from server.services.maintenance import collect_garbage
from tests.support.api import create_upload, envelope, open_case, put_item


@pytest.mark.parametrize("db_kind", ["sqlite"], indirect=False)
def test_gc(app, client, test_keys):
    svc = app.extensions["tipline"]
    case_id = open_case(client)
    item_id, data, _ = envelope(case_id, test_keys.public_keys)
    put_item(client, case_id, item_id, data)
    listed = list((svc.blobs.root / "items").rglob("*.*"))
    orphan = svc.blobs.root / "items" / "ab" / ("ab" * 16) / "dead.beef"
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(b"x")
    tmp = svc.blobs.tmp_dir / ".tmp-crash"
    tmp.write_bytes(b"half")
    old = time.time() - 7200
    for p in (orphan, tmp):
        os.utime(p, (old, old))
    up_id, up_data, result = envelope(case_id, test_keys.public_keys, kind=Kind.ATTACHMENT, part=1,
                                      content=os.urandom(100_000))
    assert create_upload(client, case_id, up_id, up_data, result.header.size, 65536).status_code == 201
    with svc.sessions() as s, s.begin():
        s.get(Upload, up_id).created_at = now() - timedelta(days=10)
    report = collect_garbage(svc.sessions(), svc.settings, svc.blobs, grace=timedelta(minutes=60))
    assert report == {"temp_files": 1, "orphan_blobs": 1, "stale_uploads": 1, "orphan_upload_dirs": 0}
    assert all(p.exists() for p in listed) and not orphan.exists() and not tmp.exists()
    assert client.get(f"/api/v1/cases/{case_id}").json["items"][0]["item_id"] == item_id
