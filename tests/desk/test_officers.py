"""Per-officer keys: each officer decrypts alone with their own key and passphrase; adding or
removing one signs a new bundle (higher sequence), and a removed officer's key receives no new case."""

import json
import os

import pytest

from desk import officers as roster
from desk.keyring import Keyring, WrongPassphrase
from envelope import bundle as kb
from envelope import errors
from envelope.constants import MAX_BUNDLE_RECIPIENTS, MAX_RECIPIENTS, Kind
from envelope.open import decrypt_bytes
from envelope.seal import encrypt_bytes
from tests.support.desk import PASSPHRASE, desk

ORIGIN = "https://signalement.test"
NAMES = ("agent.dupont", "agent.martin", "backup")


@pytest.fixture(scope="module")
def unit(tmp_path_factory):
    """A root holder and three officers (the last a backup), each with an own home and passphrase."""
    base = tmp_path_factory.mktemp("unit")
    root_home = base / "root"
    desk(root_home, "keygen", "--root", "--kdf", "interactive")
    people = {}
    for name in NAMES:
        secret = base / f"{name}.pass"
        secret.write_text(f"the passphrase of {name}, long enough\n")
        home = base / name
        desk(home, "keygen", "--kdf", "interactive", "--label", name, "--passphrase-file", str(secret))
        key = Keyring(home / "keyring").keys("x25519")[0]
        pub = base / f"{name}.pub.json"
        desk(home, "export-public", key.key_id, "--out", str(pub))
        people[name] = {"home": home, "pass": secret.read_text().rstrip("\n"), "pub": pub, "key": key}
    keys = base / "keys"
    return {"root": root_home, "people": people, "bundle": keys / "bundle.json", "root_out": keys / "root-key.json"}


def _officer(unit, *args, check=True):
    where = ["--out", str(unit["bundle"])] + (["--root-out", str(unit["root_out"])] if args[0] != "list" else [])
    return desk(unit["root"], "officer", *args, *where, check=check)


def _bundle(unit, min_sequence=0) -> kb.KeyBundle:
    root = kb.parse_root_key_document(unit["root_out"].read_text())
    return kb.verify_bundle(unit["bundle"].read_text(), root, origin=ORIGIN, min_sequence=min_sequence)


def _seal(bundle: kb.KeyBundle) -> bytes:
    sealed, _ = encrypt_bytes(b"a report", kind=Kind.REPORT, case_id=os.urandom(16), part_index=0,
                              recipients=bundle.public_keys)
    return sealed


def _opens(unit, name, envelope) -> bool:
    person = unit["people"][name]
    try:
        return decrypt_bytes(envelope, Keyring(person["home"] / "keyring").identities(person["pass"]))[0] == b"a report"
    except errors.NoMatchingRecipient:
        return False


def test_each_officer_decrypts_alone_and_a_removed_one_gets_no_new_case(unit):
    people = unit["people"]
    _officer(unit, "add", "agent.dupont", "--key-file", str(people["agent.dupont"]["pub"]), "--origin", ORIGIN)
    assert _bundle(unit).sequence == 1
    _officer(unit, "add", "agent.martin", "--key-file", str(people["agent.martin"]["pub"]))  # origin kept
    _officer(unit, "add", "backup", "--key-file", str(people["backup"]["pub"]), "--role", "backup")
    third = _bundle(unit, min_sequence=2)
    assert third.sequence == 3
    assert [r.role for r in third.recipients] == ["primary", "primary", "backup"]
    listing = _officer(unit, "list").stdout
    assert all(name in listing for name in NAMES) and "NO" not in listing
    # the roster names officers; the public bundle does not
    assert "dupont" not in unit["bundle"].read_text()

    before = _seal(third)
    assert all(_opens(unit, name, before) for name in NAMES)  # each alone, with their own passphrase

    _officer(unit, "remove", "agent.martin")
    fourth = _bundle(unit, min_sequence=third.sequence)
    assert fourth.sequence == 4
    assert people["agent.martin"]["key"].public_key not in fourth.public_keys
    after = _seal(fourth)
    assert _opens(unit, "agent.dupont", after) and _opens(unit, "backup", after)
    assert not _opens(unit, "agent.martin", after)
    assert _opens(unit, "agent.martin", before)  # what was sealed to them stays readable by them
    # a phone that has seen sequence 4 refuses the bundle that still named the removed officer
    root_seed = Keyring(unit["root"] / "keyring").root_seed(PASSPHRASE)[1]
    with pytest.raises(errors.BundleSequenceRollback):
        kb.verify_bundle(json.dumps(kb.sign_bundle(third.payload, root_seed)),
                         kb.parse_root_key_document(unit["root_out"].read_text()), origin=ORIGIN,
                         min_sequence=fourth.sequence)
    listing = _officer(unit, "list").stdout
    assert "agent.martin" not in listing


def test_roster_refusals_leave_the_bundle_as_it_was(unit):
    people = unit["people"]
    if not unit["bundle"].exists():
        _officer(unit, "add", "agent.dupont", "--key-file", str(people["agent.dupont"]["pub"]), "--origin", ORIGIN)
    before = unit["bundle"].read_text()
    done = _officer(unit, "add", "someone", "--key-file", str(people["agent.dupont"]["pub"]), check=False)
    assert done.returncode == 1 and "already" in done.stderr
    done = _officer(unit, "remove", "nobody", check=False)
    assert done.returncode == 1 and "not on the roster" in done.stderr
    done = _officer(unit, "add", "bad name/..", "--key-file", str(people["agent.martin"]["pub"]), check=False)
    assert done.returncode == 1 and "name" in done.stderr
    # a wrong root passphrase signs nothing and changes no roster
    wrong = unit["root"] / "wrong.pass"
    wrong.write_text("not the root passphrase at all\n")
    roster_before = roster.load(roster.roster_path(unit["root"] / "keyring"))
    done = _officer(unit, "add", "agent.leroy", "--key-file", str(people["agent.martin"]["pub"]),
                    "--passphrase-file", str(wrong), check=False)
    assert done.returncode == 1 and "wrong passphrase" in done.stderr and "Traceback" not in done.stderr
    assert unit["bundle"].read_text() == before
    assert roster.load(roster.roster_path(unit["root"] / "keyring")) == roster_before


def test_a_roster_holds_at_most_the_envelopes_recipients_and_a_primary():
    officers = []
    assert MAX_BUNDLE_RECIPIENTS == MAX_RECIPIENTS - 1  # room for the citizen's key in a reply
    for i in range(MAX_BUNDLE_RECIPIENTS):
        officers = roster.add(officers, f"officer{i}", os.urandom(32))
    with pytest.raises(roster.RosterError, match=str(MAX_BUNDLE_RECIPIENTS)):
        roster.add(officers, "one.too.many", os.urandom(32))
    # a full roster still makes a bundle an envelope can be sealed to
    payload = kb.make_payload(origin=ORIGIN, sequence=1, issued=kb.parse_time("2026-01-01T00:00:00Z"),
                              expires=kb.parse_time("2026-02-01T00:00:00Z"), recipients=roster.recipients(officers))
    full = kb.parse_payload(payload)
    assert len(_seal(full)) > 0
    one = roster.add([], "only", os.urandom(32))
    with pytest.raises(roster.RosterError, match="last primary"):
        roster.remove(roster.add(one, "spare", os.urandom(32), "backup"), "only")


def test_a_shared_keyring_unlocks_only_the_keys_of_the_passphrase_typed(tmp_path):
    ring = Keyring(tmp_path / "keyring")
    mine = ring.generate("x25519", "my own long passphrase", profile="interactive")
    ring.generate("x25519", "a colleague's long passphrase", profile="interactive")
    opened = ring.identities("my own long passphrase")
    assert [i.public_key for i in opened] == [mine.public_key]
    with pytest.raises(WrongPassphrase):
        ring.identities("nobody's passphrase here")

