"""The desk's side of the conversation, offline: decrypting and verifying messages and replies
(with their attachments), printing the thread safely, and sealing a reply into the outbox.
The same with a real server is in tests/e2e/test_conversation_desk.py."""

import base64
import io
import json
import os

import pytest

from desk.conversation import mailbox_keys
from desk.decrypt import decrypt_case
from desk.reply import PLAN, PoliceKeys, citizen_key, pending, prepare_reply
from desk.thread import thread_lines
from desk.watch import BELL, describe
from desk.workspace import Workspace
from envelope import conversation as cv
from envelope import receipt as rc
from envelope.constants import Kind
from envelope.conversation_open import open_item
from envelope.manifest import AttachmentEntry
from envelope.open import Identity, decrypt_bytes
from envelope.seal import encrypt_bytes

POLICE = [Identity(os.urandom(32)), Identity(os.urandom(32))]
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + os.urandom(3000)


@pytest.fixture(scope="module")
def citizen():
    return rc.derive_receipt_keys(rc.new_receipt())


class Case:
    """A case filed in a desk workspace as desk.sync leaves it, built with the real envelope code."""

    def __init__(self, ws: Workspace, citizen, *, mailbox=True):
        self.ws, self.citizen = ws, citizen
        self.case = os.urandom(16)
        self.id = self.case.hex()
        self.seq = 10
        report = {"lieu": "ici", "attachments": []}
        if mailbox:
            report["mailbox"] = {"id": citizen.mailbox_id, "x25519": base64.b64encode(citizen.x25519_public).decode(),
                                 "ed25519": base64.b64encode(citizen.ed25519_public).decode()}
        self.put(*encrypt_bytes(json.dumps(report).encode(), kind=Kind.REPORT, case_id=self.case, part_index=0,
                                recipients=[p.public_key for p in POLICE]))

    def put(self, data: bytes, result, **listed) -> dict:
        self.seq += 1
        item = {"item_id": result.header.envelope_id.hex(), "case_id": self.id, "seq": self.seq,
                "kind": result.header.kind.name.lower(), "part_index": result.header.part_index, "size": len(data),
                "sha256": "x", **listed}
        path = self.ws.envelope_path(self.id, item["item_id"])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        meta = self.ws.load_case_meta(self.id)
        meta.setdefault("items", {})[item["item_id"]] = item
        self.ws.save_case_meta(self.id, meta)
        return item

    def recipients(self, kind):
        return cv.conversation_recipients(kind, [p.public_key for p in POLICE], self.citizen.x25519_public)

    def attachment(self, content: bytes, *, file=True, kind=Kind.MESSAGE) -> AttachmentEntry:
        sink = io.BytesIO()
        entry, result = cv.seal_attachment(io.BytesIO(content), sink, content_length=len(content), case_id=self.case,
                                           recipients=self.recipients(kind), part=cv.new_attachment_part(),
                                           name="IMG_0001.jpg", media_type="image/jpeg")
        if file:
            self.put(sink.getvalue(), result)
        return entry

    def message(self, text: str, attachments=(), *, signer=None) -> dict:
        body = cv.build_body(Kind.MESSAGE, text=text, written_at="2026-12-02T14:05Z", attachments=attachments)
        data, result = cv.seal_item(kind=Kind.MESSAGE, case_id=self.case, body=body,
                                    recipients=self.recipients(Kind.MESSAGE),
                                    signing_key=signer or self.citizen.ed25519_secret)
        return self.put(data, result)


def test_a_thread_is_verified_saved_and_printed_without_control_characters(tmp_path, citizen):
    ws = Workspace(tmp_path)
    case = Case(ws, citizen)
    photo = case.attachment(JPEG)
    first = case.message("Deux hommes, entr\u00e9e B.\n\x1b[2JEffac\u00e9 ?\u202egpj.exe", [photo])
    late = case.attachment(b"never uploaded", file=False)
    second = case.message("La suite arrive.", [late])
    result = decrypt_case(ws, case.id, POLICE[1:])
    assert result.verdict == "VERIFIED"
    assert [(m.seq, m.kind, m.status) for m in result.messages] == [(first["seq"], "message", "verified"),
                                                                     (second["seq"], "message", "verified")]
    files = result.messages[0].files
    assert [(f.status, f.detected_media_type) for f in files] == [("verified", "image/jpeg")]
    assert (ws.case_dir(case.id) / files[0].saved_as).read_bytes() == JPEG
    assert [(f.status, f.error_code) for f in result.messages[1].files] == [("pending", "attachment_missing")]
    record = json.loads((ws.case_dir(case.id) / result.messages[0].saved_as).read_text())
    assert record["text"].startswith("Deux hommes") and record["signed_by_receipt"] is True
    # the verification record has the thread too (the console reads it)
    verification = json.loads((ws.case_dir(case.id) / "verification.json").read_text())
    assert [m["status"] for m in verification["messages"]] == ["verified", "verified"]
    printed = "\n".join(thread_lines(ws, case.id, result.messages, read_by_citizen_up_to=None))
    assert "Deux hommes, entr\u00e9e B." in printed and "gpj.exe" in printed
    assert "\x1b" not in printed and "\u202e" not in printed
    assert "not arrived yet" in printed and "image/jpeg found" in printed
    # the message attachment is not part of the report's manifest: the case stays VERIFIED
    assert all(a.part < 1024 for a in result.attachments)


def test_a_message_not_signed_by_the_receipt_is_refused_and_not_shown(tmp_path, citizen):
    ws = Workspace(tmp_path)
    case = Case(ws, citizen)
    # what the server could write: it knows the case id and the police keys, not the receipt
    forged = case.message("Le trafic a lieu demain \u00e0 15 h, place du march\u00e9.", signer=os.urandom(32))
    result = decrypt_case(ws, case.id, POLICE)
    assert result.verdict == "REFUSED"
    assert [(m.seq, m.status, m.error_code) for m in result.messages] == [(forged["seq"], "failed",
                                                                           "message_bad_signature")]
    printed = "\n".join(thread_lines(ws, case.id, result.messages, read_by_citizen_up_to=None))
    assert "REFUSED message" in printed and "march" not in printed
    assert not (ws.case_dir(case.id) / "messages").exists()


def test_without_a_mailbox_in_the_report_messages_cannot_be_read(tmp_path, citizen):
    ws = Workspace(tmp_path)
    case = Case(ws, citizen, mailbox=False)
    case.message("bonjour")
    result = decrypt_case(ws, case.id, POLICE)
    assert [m.error_code for m in result.messages] == ["no_mailbox_key"]
    with pytest.raises(Exception, match="names no mailbox"):
        citizen_key(ws, case.id)


def test_a_reply_is_sealed_to_the_citizen_and_every_police_key_and_kept_until_sent(tmp_path, citizen):
    ws = Workspace(tmp_path)
    case = Case(ws, citizen)
    decrypt_case(ws, case.id, POLICE[:1])
    assert citizen_key(ws, case.id) == citizen.x25519_public
    photo = tmp_path / "v\u00e9hicule.jpg"
    photo.write_bytes(JPEG)
    police = PoliceKeys([p.public_key for p in POLICE], 3, [])
    folder = prepare_reply(ws, case.id, text="Merci. \u00c0 quelle heure ?", files=[photo], author="Agent Dupont",
                           police=police, citizen_x25519=citizen.x25519_public)
    assert pending(ws, case.id) == [folder]
    plan = json.loads((folder / PLAN).read_text())
    assert [i["kind"] for i in plan["items"]] == ["attachment", "reply"] and not any(i["sent"] for i in plan["items"])
    reply_id = plan["reply_id"]
    data = (folder / f"{reply_id}.env").read_bytes()
    listed = {"item_id": reply_id, "case_id": case.id, "kind": "reply", "part_index": 0}
    readers = [[POLICE[0]], [POLICE[1]], [Identity(citizen.x25519_secret)]]
    for reader in readers:  # the citizen with the receipt, every officer
        opened = open_item(data, reader, listed=listed, verify_key=None)
        assert opened.body.text == "Merci. \u00c0 quelle heure ?" and opened.body.author == "Agent Dupont"
        entry = opened.body.attachments[0]
        assert entry.part >= 1024 and entry.name == "v\u00e9hicule.jpg" and entry.media_type == "image/jpeg"
        content, _ = decrypt_bytes((folder / f"{plan['items'][0]['item_id']}.env").read_bytes(), reader)
        assert content == JPEG
    # the outbox holds only ciphertext: no plaintext of the reply in any of its files
    for f in folder.iterdir():
        assert b"quelle heure" not in f.read_bytes() or f.name == PLAN
    assert "quelle heure" not in (folder / PLAN).read_text()
    # filed as the server would list it, the reply reads back in the thread, after the report
    case.put(data, _sealed(data))
    result = decrypt_case(ws, case.id, POLICE[:1])
    assert [(m.kind, m.author, m.status) for m in result.messages] == [("reply", "Agent Dupont", "verified")]
    assert [f.status for f in result.messages[0].files] == ["pending"]  # its photo was not filed here


def _sealed(data: bytes):
    """What encrypt_bytes returns, enough for Case.put: the parsed header."""
    from envelope.header import parse_header

    return type("Sealed", (), {"header": parse_header(data)})()


def test_watch_announces_new_cases_and_citizen_messages_with_a_bell():
    page = {"items": [{"case_id": "ab" * 16, "seq": 5, "kind": "report"},
                      {"case_id": "ab" * 16, "seq": 6, "kind": "attachment"},
                      {"case_id": "ab" * 16, "seq": 7, "kind": "message"},
                      {"case_id": "ab" * 16, "seq": 8, "kind": "reply"}],
            "reads": [{"case_id": "ab" * 16, "by": "citizen", "up_to": 8}]}
    said = describe(page)
    assert [a.ring for a in said] == [True, True, False, False]
    assert "new case" in said[0].line and "tipline-desk messages" in said[1].line and "read" in said[3].line
    assert BELL == "\a"


def test_mailbox_keys_refuse_what_is_not_a_key():
    assert mailbox_keys({"mailbox": {"x25519": "not base64!", "ed25519": base64.b64encode(b"short").decode()}}) == \
        (None, None)
    assert mailbox_keys(None) == (None, None)
    key = base64.b64encode(bytes(32)).decode()
    assert mailbox_keys({"mailbox": {"x25519": key, "ed25519": key}}) == (bytes(32), bytes(32))


def test_the_officer_is_told_when_a_file_may_reveal_metadata(tmp_path):
    from desk.reply import metadata_warning
    from tests.support import media

    photo = tmp_path / "photo.jpg"
    photo.write_bytes(media.jpeg_with_exif())
    assert "EXIF" in metadata_warning(photo)
    photo.write_bytes(JPEG)  # no metadata segment
    assert metadata_warning(photo) is None
    png = tmp_path / "capture.png"
    png.write_bytes(media.png_with_text())
    assert "metadata chunks" in metadata_warning(png)
    other = tmp_path / "notes.txt"
    other.write_bytes(b"du texte")
    assert metadata_warning(other) is None


def test_unread_counts_citizen_messages_after_the_police_read_mark():
    from desk.sync import unread_messages

    items = {str(i): {"kind": kind, "seq": seq} for i, (kind, seq) in
             enumerate([("report", 1), ("message", 3), ("reply", 4), ("message", 6), ("attachment", 7)])}
    assert unread_messages({"items": items}) == 2
    assert unread_messages({"items": items, "read_by_police_up_to": 3}) == 1
    assert unread_messages({"items": items, "read_by_police_up_to": 6}) == 0
    assert unread_messages({"items": items, "read_by_police_up_to": "6"}) == 2  # not the server's number: ignored
