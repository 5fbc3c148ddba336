"""The blob folder's durability rules: temp file, fsync, rename, and every directory a new file
lives under made durable too; every folder exists before the first write; owner-only modes."""

from __future__ import annotations

import stat

import server.blobs as blobs


def test_commit_fsyncs_the_rename_and_no_folder_is_made_for_a_case(tmp_path, monkeypatch):
    store = blobs.BlobStore(tmp_path / "blobs")
    folders = sorted(p for p in store.root.rglob("*") if p.is_dir())
    assert len(folders) == 2 + 2 * 256 + 1  # items/, uploads/, their 256 prefixes, tmp/
    synced = []
    real = blobs._fsync_dir
    monkeypatch.setattr(blobs, "_fsync_dir", lambda path: (synced.append(path), real(path)))

    spooled = store.spool([b"ciphertext ", b"only"])
    assert spooled.path.parent == store.tmp_dir and spooled.path.name.startswith(".tmp-")
    key = store.item_key("ab" * 16, "cd" * 16, spooled.sha256)
    store.commit_item(spooled, key)

    final = store.path(key)
    assert final.read_bytes() == b"ciphertext only" and not spooled.path.exists()
    assert final.parent == store.root / "items" / "ab"
    assert synced == [final.parent]  # the rename's directory; no directory was created
    assert sorted(p for p in store.root.rglob("*") if p.is_dir()) == folders
    assert stat.S_IMODE(final.stat().st_mode) == 0o600
    assert {stat.S_IMODE(p.stat().st_mode) for p in folders} == {0o700}


def test_folders_made_wider_by_hand_are_tightened(tmp_path):
    blobs.BlobStore(tmp_path / "blobs")
    (tmp_path / "blobs" / "items" / "7f").chmod(0o755)
    (tmp_path / "blobs").chmod(0o755)
    blobs.BlobStore(tmp_path / "blobs")
    assert stat.S_IMODE((tmp_path / "blobs" / "items" / "7f").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "blobs").stat().st_mode) == 0o700


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


def test_items_stored_under_the_earlier_layout_are_still_read_and_listed(tmp_path):
    store = blobs.BlobStore(tmp_path / "blobs")
    legacy = "items/ab/" + "ab" * 16 + "/" + "cd" * 16 + ".0123456789abcdef"
    store.path(legacy).parent.mkdir()
    store.path(legacy).write_bytes(b"old")
    assert store.open(legacy).read() == b"old"
    assert [k for k, _ in store.item_keys()] == [legacy]
