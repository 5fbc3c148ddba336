"""The desk refuses cases whose parts do not match their report or whose envelopes the server
lists as something else, and writes safe names typed by the decrypted bytes."""

import json
import os

import pytest

from desk.client import DeskError
from desk.decrypt import decrypt_case
from desk.names import attachment_file_name
from desk.sync import check_page, sync
from desk.workspace import Workspace
from envelope.constants import Kind
from envelope.manifest import AttachmentEntry
from envelope.open import Identity
from envelope.seal import encrypt_bytes

KEY = Identity(os.urandom(32))


JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"  # what the desk recognises as a JPEG


def put(ws: Workspace, case_id: str, data: bytes, result, seq: int, listed: dict | None = None):
    """File an envelope as sync does, under the server's listing of it (``listed`` alters it)."""
    item = {"item_id": result.header.envelope_id.hex(), "case_id": case_id, "seq": seq,
            "kind": result.header.kind.name.lower(), "part_index": result.header.part_index, "size": len(data),
            "sha256": "x", **(listed or {})}
    path = ws.envelope_path(item["case_id"], item["item_id"])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    meta = ws.load_case_meta(item["case_id"])
    meta.setdefault("items", {})[item["item_id"]] = item
    ws.save_case_meta(item["case_id"], meta)


def seal(case: bytes, kind: Kind, part: int, content: bytes):
    return encrypt_bytes(content, kind=kind, case_id=case, part_index=part, recipients=[KEY.public_key])


def make_case(ws: Workspace, *, swap=False, drop=False, extra=False, foreign=False, uncleaned=(), names=None,
              listing=None):
    case = os.urandom(16)
    photos = [JPEG + b"photo one" * 100, b"photo two" * 100]  # the second is of no known type
    sealed = [seal(case, Kind.ATTACHMENT, i + 1, p) for i, p in enumerate(photos)]
    names = names or [f"p{i}.jpg" for i in range(len(sealed))]
    entries = [AttachmentEntry.from_seal(r, name=names[i], media_type="image/jpeg").to_json()
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
        put(ws, cid, data, result, 11 + n, (listing or {}).get(n + 1))
    if extra:
        data, result = seal(case, Kind.ATTACHMENT, 3, b"not in the manifest")
        put(ws, cid, data, result, 20)
    return cid


def test_complete_case_is_verified(tmp_path):
    ws = Workspace(tmp_path)
    cid = make_case(ws)
    result = decrypt_case(ws, cid, [KEY])
    assert result.verdict == "VERIFIED"
    assert (ws.case_dir(cid) / "attachments" / "01-p0.jpg").read_bytes() == JPEG + b"photo one" * 100
    # the second claims to be a JPEG and is not: no extension, whatever the name and media_type say
    assert (ws.case_dir(cid) / "attachments" / "02-p1").read_bytes() == b"photo two" * 100
    assert [(p.media_type, p.detected_media_type) for p in result.attachments] == \
        [("image/jpeg", "image/jpeg"), ("image/jpeg", None)]
    # running it again is harmless
    assert decrypt_case(ws, cid, [KEY]).verdict == "VERIFIED"
    assert sorted(p.name for p in (ws.case_dir(cid) / "attachments").iterdir()) == ["01-p0.jpg", "02-p1"]


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
        assert "02-p1" not in saved
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


@pytest.mark.parametrize("listing, where", [
    ({2: {"part_index": 3}}, 2),        # the server renumbers an attachment
    ({2: {"kind": "message"}}, None),   # lists an attachment as a message
    ({1: {"item_id": "cd" * 16}}, 1),   # under another item id
])
def test_an_envelope_the_listing_misdescribes_is_refused(tmp_path, listing, where):
    ws = Workspace(tmp_path)
    cid = make_case(ws, listing=listing)
    result = decrypt_case(ws, cid, [KEY])
    assert result.verdict == "REFUSED"
    assert "listing_mismatch" in [p.error_code for p in result.failures]
    saved = {p.name for p in (ws.case_dir(cid) / "attachments").iterdir()}
    assert not any(n.startswith(f"0{where}-") for n in saved) if where else True


@pytest.mark.parametrize("kind, listed_kind", [(Kind.MESSAGE, "message"), (Kind.MESSAGE, "reply"),
                                               (Kind.REPLY, "message")])
def test_messages_from_another_case_or_of_another_kind_are_refused(tmp_path, kind, listed_kind):
    ws = Workspace(tmp_path)
    cid = make_case(ws)
    other_case = kind is Kind.MESSAGE and listed_kind == "message"
    data, result = seal(os.urandom(16) if other_case else bytes.fromhex(cid), kind, 1, b"hello")
    put(ws, cid, data, result, 30, {"kind": listed_kind})
    result = decrypt_case(ws, cid, [KEY])
    assert result.verdict == "REFUSED"
    assert [(p.status, p.error_code) for p in result.messages] == [("failed", "listing_mismatch")]
    assert not (ws.case_dir(cid) / "messages").exists() or not any((ws.case_dir(cid) / "messages").iterdir())


def test_a_report_the_server_lists_as_an_attachment_is_refused(tmp_path):
    ws = Workspace(tmp_path)
    cid = make_case(ws)
    meta = ws.load_case_meta(cid)
    report = next(i for i in meta["items"].values() if i["kind"] == "report")
    report.update(kind="attachment", part_index=3)
    ws.save_case_meta(cid, meta)
    result = decrypt_case(ws, cid, [KEY])
    assert result.verdict == "REFUSED" and result.report.status == "missing"
    assert not (ws.case_dir(cid) / "report.json").exists()


HOSTILE = [
    ("photo\u202egpj.exe", "photogpj.jpg"),            # shows as "photoexe.jpg" in a right-to-left override
    ("../../.ssh/authorized_keys", "authorized_keys.jpg"),
    ("..\\..\\Windows\\System32\\cmd.exe", "cmd.jpg"),
    ("CON.jpg", "_CON.jpg"),
    ("nul", "_nul.jpg"),
    ("a\x00b\x1bc.jpg", "a_b_c.jpg"),
    ("\u200b\ufeff\u2066", "attachment.jpg"),
    ("facture.pdf\u2003\u2003\u2003\u2003.exe", "facture_pdf.jpg"),
    ("é" * 250 + ".jpg", "é" * 100 + ".jpg"),
    ("文件" * 120, "文件" * 33 + ".jpg"),
    ("раураl.jpg", "раураl.jpg"),  # mixed scripts are kept: they are not a path or a control
]


@pytest.mark.parametrize("claimed, saved", HOSTILE)
def test_hostile_names_are_saved_safely(tmp_path, claimed, saved):
    ws = Workspace(tmp_path)
    cid = make_case(ws, names=[claimed, "two"])
    result = decrypt_case(ws, cid, [KEY])
    assert result.verdict == "VERIFIED"
    folder = ws.case_dir(cid) / "attachments"
    assert sorted(p.name for p in folder.iterdir()) == sorted([f"01-{saved}", "02-two"])
    assert (folder / f"01-{saved}").read_bytes().startswith(JPEG)
    assert len(f"01-{saved}".encode()) <= 255
    # the record keeps what was claimed, with nothing in it that acts on a terminal
    record = json.loads((ws.case_dir(cid) / "verification.json").read_text())["attachments"][0]
    assert record["saved_as"] == f"attachments/01-{saved}"
    assert not any(ch in record["name"] for ch in "\u202e\x00\x1b\u200b\ufeff\u2066")


@pytest.mark.parametrize("name, detected, expected", [
    ("IMG_0001.jpg", "image/jpeg", "03-IMG_0001.jpg"),
    ("IMG_0001.jpg", None, "03-IMG_0001"),
    ("clip.exe", "video/mp4", "03-clip.mp4"),
    ("", None, "03-attachment"),
    ("...", None, "03-___"),
    ("x" * 300 + ".jpeg", "image/jpeg", "03-" + "x" * 100 + ".jpg"),
])
def test_attachment_file_names(name, detected, expected):
    assert attachment_file_name(name, 3, detected) == expected


class FakeServer:
    server = "https://signalement.test"

    def __init__(self, page):
        self.page = page
        self.downloads = []

    def changes(self, since, limit):
        return self.page

    def download(self, item, dest, progress):
        self.downloads.append(dest)


def good_item(**over):
    return {"item_id": "a" * 32, "case_id": "b" * 32, "kind": "report", "part_index": 0, "size": 4288,
            "sha256": "c" * 64, "seq": 1, "received_at": "2026-12-02T06:00:00Z", **over}


@pytest.mark.parametrize("item", [
    good_item(case_id="../../../../tmp/evil"),
    good_item(item_id="../x"),
    good_item(case_id="B" * 32),
    good_item(kind="../report"),
    good_item(part_index="0"),
    good_item(size=-1),
    good_item(sha256="../" * 20),
])
def test_sync_refuses_a_listing_that_could_not_come_from_an_honest_server(tmp_path, item):
    page = {"cases": [], "items": [item], "cursor": 1, "more": False}
    with pytest.raises(DeskError, match="malformed"):
        check_page(page)
    ws = Workspace(tmp_path / "desk")
    server = FakeServer(page)
    with pytest.raises(DeskError):
        sync(server, ws, show_progress=False)
    assert server.downloads == [] and not (tmp_path / "tmp").exists()
    assert sorted(p.name for p in (tmp_path / "desk").iterdir()) == []
    check_page({"cases": [], "items": [good_item()], "cursor": 1, "more": False})
