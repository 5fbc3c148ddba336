"""Real cases in a real desk folder for the console's tests: reports and attachments sealed
with envelope.seal to a key made here, filed as desk.sync files them, then opened by
desk.decrypt, exactly as an operator's machine holds them. Keys live in the test's temp dir."""

from __future__ import annotations

import base64
import io
import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from nacl.bindings import crypto_scalarmult_base
from nacl.signing import SigningKey
from PIL import Image

from desk.decrypt import decrypt_case
from desk.keyring import Keyring
from desk.workspace import Workspace
from envelope import conversation as cv
from envelope.constants import Kind
from envelope.manifest import AttachmentEntry
from envelope.seal import encrypt_bytes

PASSPHRASE = "console test passphrase, not a real one"


def jpeg(colour=(200, 30, 30), size=(32, 24)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG")
    return out.getvalue()


def png(colour=(30, 30, 200), size=(16, 16)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


@dataclass
class Desk:
    ws: Workspace
    keyring: Keyring
    identities: list = field(default_factory=list)
    seq: int = 0

    @property
    def public_keys(self) -> list[bytes]:
        return [i.public_key for i in self.identities]

    def _file(self, case_id: str, data: bytes, result, received_at: datetime) -> dict:
        self.seq += 1
        item = {"item_id": result.header.envelope_id.hex(), "case_id": case_id, "seq": self.seq,
                "kind": result.header.kind.name.lower(), "part_index": result.header.part_index, "size": len(data),
                "sha256": __import__("hashlib").sha256(data).hexdigest(),
                "received_at": received_at.strftime("%Y-%m-%dT%H:00:00+00:00")}
        path = self.ws.envelope_path(case_id, item["item_id"])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        meta = self.ws.load_case_meta(case_id)
        meta.setdefault("items", {})[item["item_id"]] = item
        self.ws.save_case_meta(case_id, meta)
        return item

    def add_case(self, report: dict, attachments: list[tuple[str, str, bytes]] = (), *, status: str = "new",
                 received_at: datetime | None = None, messages: list[str] = (), decrypt: bool = True) -> str:
        """A case with ``report`` fields and ``attachments`` as (claimed name, claimed type, bytes)."""
        case = os.urandom(16)
        cid = case.hex()
        received_at = received_at or datetime.now(UTC) - timedelta(hours=1)
        self.ws.save_case_meta(cid, {"case_id": cid, "created_at": received_at.strftime("%Y-%m-%dT%H:00:00+00:00"),
                                     "status": status, "status_changed_at": None, "change_seq": 1, "items": {}})
        entries = []
        for i, (name, media_type, data) in enumerate(attachments):
            blob, result = encrypt_bytes(data, kind=Kind.ATTACHMENT, case_id=case, part_index=i + 1,
                                         recipients=self.public_keys)
            entries.append(AttachmentEntry.from_seal(result, name=name, media_type=media_type).to_json())
            self._file(cid, blob, result, received_at)
        # the mailbox keys a receipt would give (random here: the desk only needs the public halves)
        signer, x25519 = SigningKey.generate(), crypto_scalarmult_base(os.urandom(32))
        mailbox = {"id": os.urandom(16).hex(), "x25519": base64.b64encode(x25519).decode(),
                   "ed25519": base64.b64encode(bytes(signer.verify_key)).decode()}
        body = json.dumps({"type": "tipline.report", "version": 1, "mailbox": mailbox, **report,
                           "attachments": entries}, ensure_ascii=False).encode()
        blob, result = encrypt_bytes(body, kind=Kind.REPORT, case_id=case, part_index=0, recipients=self.public_keys)
        self._file(cid, blob, result, received_at)
        for text in messages:  # docs/envelope.md section 17: signed by the receipt's key
            payload = cv.build_body(Kind.MESSAGE, text=text, written_at="2026-12-01T10:00Z")
            blob, result = cv.seal_item(kind=Kind.MESSAGE, case_id=case, body=payload, signing_key=bytes(signer),
                                        recipients=cv.conversation_recipients(Kind.MESSAGE, self.public_keys, x25519))
            self._file(cid, blob, result, received_at)
        if decrypt:
            decrypt_case(self.ws, cid, self.identities)
        return cid


def make_desk(home) -> Desk:
    ws = Workspace(home)
    keyring = Keyring(ws.keyring_dir)
    keyring.generate("x25519", PASSPHRASE, label="console test", profile="interactive")
    return Desk(ws, keyring, keyring.identities(PASSPHRASE))
