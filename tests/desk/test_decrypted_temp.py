"""desk.decrypt.decrypted_temp: the one way the desk decrypts to disk; plaintext stays only where
the caller renames it, whatever happens."""

import os
import stat

import pytest

from desk.decrypt import Opener, decrypted_temp
from envelope.constants import Kind
from envelope.open import Identity
from envelope.seal import encrypt_bytes

KEY = Identity(os.urandom(32))


def _envelope(tmp_path):
    case_id, item_id = os.urandom(16), os.urandom(16)
    data, _ = encrypt_bytes(b"secret words", kind=Kind.MESSAGE, case_id=case_id, part_index=0,
                            recipients=[KEY.public_key], envelope_id=item_id)
    path = tmp_path / "item.env"
    path.write_bytes(data)
    listed = {"item_id": item_id.hex(), "case_id": case_id.hex(), "kind": "message", "part_index": 0}
    return path, listed


def test_kept_only_where_renamed_and_owner_only(tmp_path):
    path, listed = _envelope(tmp_path)
    out = tmp_path / "out"
    with decrypted_temp(Opener([KEY]), path, listed, out, "m") as plain:
        assert plain.file.read() == b"secret words"
        assert stat.S_IMODE(plain.path.stat().st_mode) == 0o600
        plain.path.replace(out / "kept.txt")
    assert sorted(p.name for p in out.iterdir()) == ["kept.txt"]


def test_removed_when_a_check_fails_or_nothing_is_kept(tmp_path):
    path, listed = _envelope(tmp_path)
    out = tmp_path / "out"
    with pytest.raises(ValueError):
        with decrypted_temp(Opener([KEY]), path, listed, out, "m") as plain:
            assert plain.path.exists()
            raise ValueError("the manifest disagrees")
    with decrypted_temp(Opener([KEY]), path, listed, out, "m"):
        pass
    # an envelope the listing misdescribes never leaves its plaintext behind either
    with pytest.raises(Exception):
        with decrypted_temp(Opener([KEY]), path, {**listed, "kind": "reply"}, out, "m"):
            pass
    assert list(out.iterdir()) == []
