"""Internal notes (docs/envelope.md section 18): tests/vectors/notes-v1.json, then what the
vectors cannot show (sealing with fresh randomness, recipients, limits)."""

import base64

import pytest
from nacl.bindings import crypto_scalarmult_base

from envelope import errors
from envelope import notes as nt
from envelope import receipt as rc
from envelope.constants import MAX_BUNDLE_RECIPIENTS, Kind
from envelope.header import parse_header
from envelope.keys import key_id
from envelope.listing import KIND_NAMES
from envelope.notes_open import open_note
from envelope.open import Identity
from tests.support import vectors as tv

NV = tv.load("notes-v1.json")
ENVELOPES = {e["name"]: e for e in NV["envelopes"]}


@pytest.fixture(scope="module")
def readers():
    citizen = rc.derive_receipt_keys(bytes.fromhex(NV["citizen"]["receipt"]))
    return {**{n: [i] for n, i in tv.identities().items()}, "citizen": [Identity(citizen.x25519_secret)]}


def envelope(name: str) -> bytes:
    return base64.b64decode(ENVELOPES[name]["envelope"])


def listing(name: str, **changes) -> dict:
    e = ENVELOPES[name]
    return {"item_id": e["item_id"], "case_id": e["case_id"], "kind": KIND_NAMES[Kind(e["kind"])],
            "part_index": e["part_index"], **changes}


def test_parameters_are_the_modules():
    p = NV["parameters"]
    assert p["kind"] == Kind.NOTE == 5
    assert (p["max_padded_length"], p["max_content_bytes"]) == (nt.MAX_PADDED_LENGTH, nt.MAX_CONTENT_BYTES)
    assert (p["max_text_code_points"], p["max_author_code_points"]) == (nt.MAX_TEXT_CODE_POINTS,
                                                                        nt.MAX_AUTHOR_CODE_POINTS)


@pytest.mark.parametrize("item", NV["items"], ids=[i["name"] for i in NV["items"]])
def test_every_officer_reads_the_same_note(item, readers):
    want = item["expected"]
    for reader in item["open_with"]:
        opened = open_note(envelope(item["name"]), readers[reader], listed=listing(item["name"]))
        assert (opened.item_id, opened.case_id) == (want["item_id"], want["case_id"])
        assert (opened.body.text, opened.body.written_at, opened.body.author) == (
            want["text"], want["written_at"], want["author"])


@pytest.mark.parametrize("case", NV["invalid"], ids=[c["name"] for c in NV["invalid"]])
def test_every_reader_refuses_the_same_way(case, readers):
    data = tv.apply(envelope(case["envelope"]), case["mutations"], {})
    with pytest.raises(errors.EnvelopeError) as info:
        open_note(data, readers[case["open_with"]], listed=case["listing"])
    assert info.value.code == case["error"]


def test_a_note_is_sealed_to_the_bundle_only(readers):
    ids = tv.identities()
    police = [crypto_scalarmult_base(ids[n].secret_key) for n in ("alice", "bob")]
    body = nt.build_body(text="à revoir demain", written_at=nt.written_at(), author="Agent Martin")
    case_id = bytes(range(16))
    env, result = nt.seal_note(case_id=case_id, body=body, bundle_keys=police)
    header = parse_header(env)
    assert header.kind is Kind.NOTE and header.part_index == 0 and header.case_id == case_id
    assert [s.key_id for s in header.stanzas] == [key_id(k) for k in police]
    listed = {"item_id": header.envelope_id.hex(), "case_id": case_id.hex(), "kind": "note", "part_index": 0}
    for name in ("alice", "bob"):
        assert open_note(env, readers[name], listed=listed).body.text == "à revoir demain"
    with pytest.raises(errors.NoMatchingRecipient):
        open_note(env, readers["citizen"], listed=listed)
    assert body not in env  # sealed, not copied


def test_writers_refuse_what_readers_refuse():
    with pytest.raises(errors.NoteInvalid):
        nt.build_body(text="", written_at=nt.written_at(), author="A")
    with pytest.raises(errors.NoteInvalid):
        nt.build_body(text="x", written_at="2026-12-02T14:05:00Z", author="A")
    with pytest.raises(errors.NoteInvalid):
        nt.build_body(text="x", written_at=nt.written_at(), author="")
    with pytest.raises(errors.NoRecipients):
        nt.note_recipients([])
    with pytest.raises(errors.TooManyRecipients):
        nt.note_recipients([bytes([i]) * 32 for i in range(MAX_BUNDLE_RECIPIENTS + 1)])
