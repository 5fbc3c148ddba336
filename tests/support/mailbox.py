"""A citizen's side of the mailbox in tests: receipt keys derived with envelope.receipt (kept in
memory only), case opening with the mailbox, and login by a real Ed25519 signature."""

from __future__ import annotations

import base64
from functools import lru_cache

from nacl.signing import SigningKey

from envelope.receipt import ReceiptKeys, derive_receipt_keys, new_receipt
from tests.support.pow import flask_get, work_headers


@lru_cache(maxsize=8)
def receipt_keys(slot: int = 0) -> ReceiptKeys:
    """Keys of a fresh random receipt (one Argon2id run each, cached per slot for the session)."""
    return derive_receipt_keys(new_receipt())


def work(client) -> dict:
    """A fresh proof of work for opening a case (server.pow), as the phone sends it."""
    return work_headers(flask_get(client), "case")


def registration(keys: ReceiptKeys) -> dict:
    return {"mailbox": {"id": keys.mailbox_id, "verify_key": base64.b64encode(keys.ed25519_public).decode()}}


def sign(keys: ReceiptKeys, challenge: str) -> str:
    """What the phone signs (docs/conversation.md), written out here rather than imported from the server."""
    signing_key = SigningKey(keys.ed25519_secret[:32])
    message = b"tipline-mailbox-v1\n" + challenge.encode("utf-8")
    return base64.b64encode(signing_key.sign(message).signature).decode()


def challenge(client, mailbox_id: str) -> str:
    r = client.post("/api/v1/mailbox/challenge", json={"mailbox": mailbox_id})
    assert r.status_code == 200, r.json
    return r.json["challenge"]


def login(client, keys: ReceiptKeys) -> dict:
    """Authorization headers for the mailbox of ``keys``."""
    c = challenge(client, keys.mailbox_id)
    r = client.post("/api/v1/mailbox/session", json={"mailbox": keys.mailbox_id, "challenge": c,
                                                      "signature": sign(keys, c)})
    assert r.status_code == 201, r.json
    return {"Authorization": f"Bearer {r.json['token']}"}
