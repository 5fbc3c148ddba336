"""The desk's keys and bundles, through its command line."""

import json
import os
import stat

import pytest

from desk.keyring import Keyring, KeyringError, WrongPassphrase, open_secret
from envelope import bundle as kb
from envelope import errors
from envelope.constants import Kind
from envelope.open import decrypt_bytes
from envelope.seal import encrypt_bytes
from tests.support.desk import PASSPHRASE, desk

ORIGIN = "https://signalement.test"


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    base = tmp_path_factory.mktemp("desk")
    home = base / "home"
    desk(home, "keygen", "--root", "--kdf", "interactive")
    desk(home, "keygen", "--kdf", "interactive", "--label", "desk A")
    return home


def test_private_keys_are_encrypted_and_owner_only(home):
    ring = home / "keyring"
    assert stat.S_IMODE(ring.stat().st_mode) == 0o700
    files = list(ring.glob("*.json"))
    assert len(files) == 2
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        doc = json.loads(path.read_text())
        assert doc["kdf"]["name"] == "argon2id13" and doc["cipher"] == "xsalsa20poly1305"
        assert "secret" not in json.dumps(doc).lower().replace("secret-key", "")
        with pytest.raises(WrongPassphrase):
            open_secret(doc, "not the passphrase")
        assert len(open_secret(doc, PASSPHRASE)) == 32


def test_short_passphrase_refused(tmp_path):
    with pytest.raises(KeyringError):
        Keyring(tmp_path).generate("x25519", "short")


def test_sign_bundle_fingerprint_and_rotation(home, tmp_path):
    keys = tmp_path / "keys"
    out = desk(home, "sign-bundle", "--origin", ORIGIN, "--out", str(keys / "bundle.json"), "--root-out",
               str(keys / "root-key.json")).stdout
    root = kb.parse_root_key_document((keys / "root-key.json").read_text())
    first = kb.verify_bundle((keys / "bundle.json").read_text(), root, origin=ORIGIN)
    assert first.sequence == 1
    ring = Keyring(home / "keyring")
    old_key = ring.keys("x25519")[0]
    assert old_key.fingerprint in out  # shown for reading aloud
    fp = desk(home, "fingerprint", str(keys / "bundle.json"), str(keys / "root-key.json")).stdout
    assert old_key.fingerprint in fp and ring.keys("ed25519")[0].fingerprint in fp

    # a case sealed to the old key
    case = os.urandom(16)
    old_case, _ = encrypt_bytes(b"old report", kind=Kind.REPORT, case_id=case, part_index=0,
                                recipients=first.public_keys)

    # rotation: a new key, a new bundle with a higher sequence (the old key as backup)
    desk(home, "keygen", "--kdf", "interactive", "--label", "desk A 2027")
    new_key = [k for k in ring.keys("x25519") if k.key_id != old_key.key_id][0]
    desk(home, "sign-bundle", "--origin", ORIGIN, "--recipient", new_key.key_id[:6],
         "--recipient", old_key.key_id + ":backup", "--out", str(keys / "bundle.json"),
         "--root-out", str(keys / "root-key.json"))
    second = kb.verify_bundle((keys / "bundle.json").read_text(), root, origin=ORIGIN, min_sequence=first.sequence)
    assert second.sequence == 2
    assert [r.role for r in second.recipients] == ["primary", "backup"]
    with pytest.raises(errors.BundleSequenceRollback):
        kb.verify_bundle(json.dumps(kb.sign_bundle(first.payload, ring.root_seed(PASSPHRASE)[1])), root,
                         origin=ORIGIN, min_sequence=second.sequence)
    # the old key still opens the old case
    identities = ring.identities(PASSPHRASE)
    assert decrypt_bytes(old_case, identities)[0] == b"old report"
    # an explicit lower sequence is refused by the desk
    done = desk(home, "sign-bundle", "--origin", ORIGIN, "--sequence", "1", "--recipient", new_key.key_id,
                "--out", str(keys / "bundle.json"), "--root-out", str(keys / "root-key.json"), check=False)
    assert done.returncode == 1 and "above the previous" in done.stderr


def test_sign_bundle_keeps_within_the_maximum_lifetime(home, tmp_path):
    keys = tmp_path / "keys"
    ring = Keyring(home / "keyring")
    args = ["--origin", ORIGIN, "--out", str(keys / "bundle.json"), "--root-out", str(keys / "root-key.json"),
            "--recipient", ring.keys("x25519")[0].key_id]
    done = desk(home, "sign-bundle", *args, "--expires-days", "91", check=False)
    assert done.returncode == 2 and "91" in done.stderr and not (keys / "bundle.json").exists()
    desk(home, "sign-bundle", *args)
    root = kb.parse_root_key_document((keys / "root-key.json").read_text())
    bundle = kb.verify_bundle((keys / "bundle.json").read_text(), root, origin=ORIGIN)
    assert (bundle.expires - bundle.issued).days == 60  # the default leaves a margin below the 90 allowed
    desk(home, "sign-bundle", *args, "--expires-days", "90")
    # a bundle signed before the limit existed (a year long) is still read for its sequence
    old = json.loads(kb.make_payload(origin=ORIGIN, sequence=7, issued=bundle.issued, expires=bundle.issued +
                                     __import__("datetime").timedelta(days=30),
                                     recipients=[(ring.keys("x25519")[0].public_key, "primary")]))
    old["expires"] = "2099-01-01T00:00:00Z"
    text = json.dumps(old, sort_keys=True, separators=(",", ":")).encode()
    (keys / "bundle.json").write_text(json.dumps(kb.sign_bundle(text, ring.root_seed(PASSPHRASE)[1])))
    desk(home, "sign-bundle", *args)
    assert kb.verify_bundle((keys / "bundle.json").read_text(), root, origin=ORIGIN).sequence == 8


def test_export_public_and_sign_with_another_operators_key(home, tmp_path):
    other = tmp_path / "other"
    desk(other, "keygen", "--kdf", "interactive")
    info = Keyring(other / "keyring").keys("x25519")[0]
    pub = tmp_path / "backup.pub.json"
    desk(other, "export-public", info.key_id, "--out", str(pub))
    assert "ciphertext" not in pub.read_text()
    keys = tmp_path / "keys"
    desk(home, "sign-bundle", "--origin", ORIGIN, "--recipient", Keyring(home / "keyring").keys("x25519")[0].key_id,
         "--recipient-file", f"{pub}:backup", "--out", str(keys / "bundle.json"), "--root-out",
         str(keys / "root-key.json"))
    bundle = kb.parse_payload(kb.load_document((keys / "bundle.json").read_text())["payload"].encode())
    assert info.public_key in bundle.public_keys


def test_desk_errors_are_one_clear_line(home, tmp_path):
    done = desk(home, "sign-bundle", "--origin", "not an origin", "--out", str(tmp_path / "b.json"), check=False)
    assert done.returncode == 1 and "Error:" in done.stderr and "Traceback" not in done.stderr
    done = desk(tmp_path / "empty", "sync", check=False)
    assert done.returncode == 1 and "not logged in" in done.stderr
