"""The desk refuses cases whose parts do not match their report, and writes safe names."""

import json
import os

import pytest

from desk.decrypt import decrypt_case
from desk.names import safe_filename
from desk.workspace import Workspace
from envelope.constants import Kind
from envelope.manifest import AttachmentEntry
from envelope.open import Identity
from envelope.seal import encrypt_bytes

KEY = Identity(os.urandom(32))


def put(ws: Workspace, case_id: str, data: bytes, result, seq: int):
    item_id = result.header.envelope_id.hex()
    path = ws.envelope_path(case_id, item_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    meta = ws.load_case_meta(case_id)
    meta.setdefault("items", {})[item_id] = {"item_id": item_id, "case_id": case_id, "seq": seq,
                                             "kind": result.header.kind.name.lower(),
                                             "part_index": result.header.part_index, "size": len(data),
                                             "sha256": "x"}
    ws.save_case_meta(case_id, meta)


def seal(case: bytes, kind: Kind, part: int, content: bytes):
    return encrypt_bytes(content, kind=kind, case_id=case, part_index=part, recipients=[KEY.public_key])


def make_case(ws: Workspace, *, swap=False, drop=False, extra=False, foreign=False, uncleaned=()):
    case = os.urandom(16)
    photos = [b"photo one" * 100, b"photo two" * 100]
    sealed = [seal(case, Kind.ATTACHMENT, i + 1, p) for i, p in enumerate(photos)]
    entries = [AttachmentEntry.from_seal(r, name=f"p{i}.jpg", media_type="image/jpeg").to_json()
               for i, (_, r) in enumerate(sealed)]
    for entry in entries:
        if entry["part"] in uncleaned:
            entry["cleaned"] = False  # the phone could not clean it; the citizen sent it anyway
    rep, rres = seal(case, Kind.REPORT, 0, json.dumps({"lieu": "ici", "attachments": entries}).encode())
    cid = case.hex()
    put(ws, cid, rep, rres, 10)
    if swap:  # a different photo 2, sealed for the same case and part
        sealed[1] = seal(case, Kind.ATTACHMENT, 2, b"another photo")
    if foreign:  # the server files another case's envelope under this case
        sealed[1] = seal(os.urandom(16), Kind.ATTACHMENT, 2, photos[1])
    for n, (data, result) in enumerate(sealed[:1] if drop else sealed):
        put(ws, cid, data, result, 11 + n)
    if extra:
        data, result = seal(case, Kind.ATTACHMENT, 3, b"not in the manifest")
        put(ws, cid, data, result, 20)
    return cid


def test_complete_case_is_verified(tmp_path):
    ws = Workspace(tmp_path)
    cid = make_case(ws)
    result = decrypt_case(ws, cid, [KEY])
    assert result.verdict == "VERIFIED"
    assert (ws.case_dir(cid) / "attachments" / "01-p0.jpg").read_bytes() == b"photo one" * 100
    # running it again is harmless
    assert decrypt_case(ws, cid, [KEY]).verdict == "VERIFIED"


def test_a_file_sent_with_its_metadata_is_flagged(tmp_path):
    ws = Workspace(tmp_path)
    cid = make_case(ws, uncleaned={2})
    result = decrypt_case(ws, cid, [KEY])
    assert result.verdict == "VERIFIED"  # nothing wrong with the case: a warning, not a failure
    assert [p.metadata_kept for p in result.attachments] == [False, True]
    verification = json.loads((ws.case_dir(cid) / "verification.json").read_text())
    assert [a["metadata_kept"] for a in verification["attachments"]] == [False, True]


@pytest.mark.parametrize("kw, code", [
    ({"swap": True}, "attachment_mismatch"),
    ({"extra": True}, "attachment_unexpected"),
    ({"foreign": True}, "attachment_mismatch"),
])
def test_altered_cases_are_refused(tmp_path, kw, code):
    ws = Workspace(tmp_path)
    cid = make_case(ws, **kw)
    result = decrypt_case(ws, cid, [KEY])
    assert result.verdict == "REFUSED"
    assert [p.error_code for p in result.failures] == [code]
    bad = result.failures[0]
    assert bad.saved_as is None
    saved = {p.name for p in (ws.case_dir(cid) / "attachments").iterdir()}
    assert not any(n.startswith(".tmp-") for n in saved)
    if kw != {"extra": True}:
        assert "02-p1.jpg" not in saved
    verification = json.loads((ws.case_dir(cid) / "verification.json").read_text())
    assert verification["verdict"] == "REFUSED"


def test_missing_attachment_is_incomplete(tmp_path):
    ws = Workspace(tmp_path)
    cid = make_case(ws, drop=True)
    result = decrypt_case(ws, cid, [KEY])
    assert result.verdict == "INCOMPLETE"
    assert [(p.part, p.error_code) for p in result.missing] == [(2, "attachment_missing")]


def test_wrong_key_fails_cleanly(tmp_path):
    ws = Workspace(tmp_path)
    cid = make_case(ws)
    result = decrypt_case(ws, cid, [Identity(os.urandom(32))])
    assert result.verdict == "REFUSED"
    assert result.report.error_code == "no_matching_recipient"
    assert not (ws.case_dir(cid) / "report.json").exists()


@pytest.mark.parametrize("name, expected", [
    ("IMG_0001.jpg", "03-IMG_0001.jpg"),
    ("../../etc/passwd", "03-passwd"),
    ("..\\..\\windows\\system32.dll", "03-system32.dll"),
    ("", "03-piece-jointe"),
    ("...", "03-piece-jointe"),
    ("a\x00b\x1fc.png", "03-a_b_c.png"),
    ("vidéo\u202egnp.exe", "03-vidéognp.exe"),
    ("CON", "03-CON"),
    ("x" * 300 + ".jpeg", "03-" + "x" * 95 + ".jpeg"),
])
def test_safe_filenames(name, expected):
    assert safe_filename(name, 3) == expected
