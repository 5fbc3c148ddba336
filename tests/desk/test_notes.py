"""The desk's internal notes, offline: sealed to the bundle only into the outbox, decrypted and
checked from what a sync leaves, refused ones reported and never shown, the report's verdict
untouched. With a real server and two desks: tests/browser/test_console.py."""

import json
import os

from desk import notes
from desk.decrypt import decrypt_case
from desk.workspace import Workspace
from envelope import notes as nt
from envelope.constants import Kind
from envelope.header import parse_header
from envelope.keys import key_id
from envelope.open import Identity
from envelope.seal import encrypt_bytes

POLICE = [Identity(os.urandom(32)), Identity(os.urandom(32))]
CITIZEN = Identity(os.urandom(32))


def file_item(ws, case_id: str, data: bytes, seq: int) -> dict:
    header = parse_header(data)
    item = {"item_id": header.envelope_id.hex(), "case_id": case_id, "seq": seq, "kind": header.kind.name.lower(),
            "part_index": header.part_index, "size": len(data), "sha256": "x"}
    path = ws.envelope_path(case_id, item["item_id"])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    meta = ws.load_case_meta(case_id)
    meta.setdefault("items", {})[item["item_id"]] = item
    ws.save_case_meta(case_id, meta)
    return item


def test_a_note_goes_through_the_outbox_and_is_read_on_another_desk(tmp_path):
    writer, reader = Workspace(tmp_path / "a"), Workspace(tmp_path / "b")
    case = os.urandom(16)
    report, _ = encrypt_bytes(b'{"lieu": "ici", "attachments": []}', kind=Kind.REPORT, case_id=case, part_index=0,
                              recipients=[p.public_key for p in POLICE])
    file_item(reader, case.hex(), report, 1)
    path = notes.prepare_note(writer, case.hex(), text="Revu le parking <b>B</b>\u202e, rappeler lundi.",
                              author="agent.martin", bundle_keys=[p.public_key for p in POLICE])
    assert [(c, p) for c, p in notes.pending(writer)] == [(case.hex(), path)]
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    data = path.read_bytes()
    header = parse_header(data)
    assert header.kind is Kind.NOTE and header.part_index == 0
    assert {s.key_id for s in header.stanzas} == {key_id(p.public_key) for p in POLICE}  # nobody else
    assert b"rappeler" not in data
    item = file_item(reader, case.hex(), data, 2)
    result = decrypt_case(reader, case.hex(), POLICE[1:])
    assert result.verdict == "VERIFIED"
    assert [(n.item_id, n.status, n.author) for n in result.notes] == [(item["item_id"], "verified", "agent.martin")]
    record = json.loads((reader.case_dir(case.hex()) / result.notes[0].saved_as).read_text())
    assert record["text"] == "Revu le parking <b>B</b>\u202e, rappeler lundi."
    verification = json.loads((reader.case_dir(case.hex()) / "verification.json").read_text())
    assert [n["status"] for n in verification["notes"]] == ["verified"]


def test_a_bad_note_is_reported_not_shown_and_leaves_the_report_alone(tmp_path):
    ws = Workspace(tmp_path)
    case = os.urandom(16)
    report, _ = encrypt_bytes(b'{"lieu": "ici", "attachments": []}', kind=Kind.REPORT, case_id=case, part_index=0,
                              recipients=[p.public_key for p in POLICE])
    file_item(ws, case.hex(), report, 1)
    # sealed to someone else, and a body that is not a note
    other, _ = nt.seal_note(case_id=case, body=nt.build_body(text="x", written_at=nt.written_at(), author="a"),
                            bundle_keys=[CITIZEN.public_key])
    bad, _ = encrypt_bytes(b'{"v":1,"type":"note","text":""}', kind=Kind.NOTE, case_id=case, part_index=0,
                           recipients=[p.public_key for p in POLICE])
    file_item(ws, case.hex(), other, 2)
    file_item(ws, case.hex(), bad, 3)
    result = decrypt_case(ws, case.hex(), POLICE)
    assert result.verdict == "VERIFIED"
    assert [(n.status, n.error_code, n.saved_as) for n in result.notes] == [
        ("failed", "no_matching_recipient", None), ("failed", "note_invalid", None)]
    assert not (ws.case_dir(case.hex()) / "notes").exists()


def test_watch_tells_of_a_note_without_the_bell():
    from desk.watch import describe

    said = describe({"items": [{"case_id": "ab" * 16, "seq": 9, "kind": "note"}]})
    assert [(a.ring, "tipline-desk notes " + "ab" * 16 in a.line) for a in said] == [(False, True)]
