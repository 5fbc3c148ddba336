"""The blob folder's durability rules: temp file, fsync, rename, and every directory a new file
lives under made durable too."""

from __future__ import annotations

import server.blobs as blobs


def test_commit_fsyncs_the_file_and_every_new_directory(tmp_path, monkeypatch):
    store = blobs.BlobStore(tmp_path / "blobs")
    synced = []
    real = blobs._fsync_dir
    monkeypatch.setattr(blobs, "_fsync_dir", lambda path: (synced.append(path), real(path)))

    spooled = store.spool([b"ciphertext ", b"only"])
    assert spooled.path.parent == store.tmp_dir and spooled.path.name.startswith(".tmp-")
    key = store.item_key("ab" * 16, "cd" * 16, spooled.sha256)
    store.commit_item(spooled, key)

    final = store.path(key)
    assert final.read_bytes() == b"ciphertext only" and not spooled.path.exists()
    # items/ab/ and items/ab/<case>/ were created: their parents were synced, then the rename's directory
    assert synced == [store.root / "items", final.parent.parent, final.parent]


def test_spool_failure_leaves_no_temp_file(tmp_path):
    store = blobs.BlobStore(tmp_path / "blobs")

    def pieces():
        yield b"half"
        raise ConnectionError("client went away")

    try:
        store.spool(pieces())
    except ConnectionError:
        pass
    assert list(store.tmp_dir.iterdir()) == []
