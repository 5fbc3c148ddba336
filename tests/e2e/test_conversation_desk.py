"""The conversation with the desk in the loop, on a real gunicorn server (SQLite and PostgreSQL):
a citizen stand-in (the real envelope code, the real HTTP API) opens a case with a mailbox and
sends a report; ``tipline-desk reply`` seals an answer with a photo that the receipt's key opens;
``tipline-desk watch`` rings when the citizen writes back with a photo; ``tipline-desk messages``
shows both sides verified, refuses a message the receipt did not sign, and marks the citizen's
messages read; an interrupted reply waits in the outbox and goes with ``--retry``. The server
keeps no plaintext of any of it."""

from __future__ import annotations

import base64
import io
import json
import os
import subprocess
import sys
import time

import requests

from envelope import conversation as cv
from envelope.constants import Kind
from envelope.conversation_open import check_attachment, open_item
from envelope.names import display_text
from envelope.open import Identity, decrypt_bytes
from envelope.receipt import derive_receipt_keys, new_receipt
from tests.e2e.conftest import OPERATOR, OPERATOR_PASSWORD, citizen_http, scan
from tests.support import media
from tests.support.desk import PASSPHRASE, REPO, desk
from tests.support.gunicorn import GunicornServer
from tests.support.phone import Phone, digest_header

REPLY = "CANARY-REPLY Merci. À quelle heure exactement ? Quelle entrée ?"
MESSAGE = "CANARY-MESSAGE Vers 22 h, entrée B, deux hommes.\x1b[2J"
FORGED = "CANARY-FORGED Le trafic a lieu demain à 15 h, place du marché."


class Citizen:
    """What the phone does, with the project's envelope code (the PWA's twin is tested in JS)."""

    def __init__(self, deployment, tmp_path):
        self.http = citizen_http()
        self.phone = Phone(deployment.url, tmp_path, http=self.http)
        self.base = deployment.url + "/api/v1"
        self.keys = derive_receipt_keys(new_receipt())
        self.bundle = self.phone.fetch_bundle(deployment.root_public, "https://signalement.test")
        self.case_id = os.urandom(16).hex()
        self.token = None

    def open_case_and_report(self) -> None:
        box = {"id": self.keys.mailbox_id, "verify_key": base64.b64encode(self.keys.ed25519_public).decode()}
        r = self.http.put(f"{self.base}/cases/{self.case_id}", json={"mailbox": box}, timeout=30,
                          headers=self.phone.work("case"))
        assert r.status_code == 201, r.text
        mailbox = {"id": self.keys.mailbox_id, "x25519": base64.b64encode(self.keys.x25519_public).decode(),
                   "ed25519": base64.b64encode(self.keys.ed25519_public).decode()}
        report = self.phone.seal_report(self.case_id, {"lieu": "CANARY-LIEU hall B", "mailbox": mailbox}, [],
                                        self.bundle.public_keys)
        self.phone.upload(report)

    def put(self, item_id: str, data: bytes) -> None:
        url = f"{self.base}/cases/{self.case_id}/items/{item_id}"
        headers = {"Content-Type": "application/octet-stream", "Content-Digest": digest_header(data)}
        r = self.http.put(url, data=data, headers=headers, timeout=60)
        if r.status_code == 428:  # past the case's free allowance: pay for the item's size
            r = self.http.put(url, data=data, headers={**headers, **self.phone.work("upload", len(data))}, timeout=60)
        assert r.status_code in (200, 201), r.text

    def send_message(self, text: str, photo: bytes, *, signing_key=None) -> str:
        case = bytes.fromhex(self.case_id)
        recipients = cv.conversation_recipients(Kind.MESSAGE, self.bundle.public_keys, self.keys.x25519_public)
        sink = io.BytesIO()
        entry, sealed = cv.seal_attachment(io.BytesIO(photo), sink, content_length=len(photo), case_id=case,
                                           recipients=recipients, part=cv.new_attachment_part(),
                                           name="IMG_0042.jpg", media_type="image/jpeg")
        body = cv.build_body(Kind.MESSAGE, text=text, written_at=cv.written_at(), attachments=[entry])
        data, result = cv.seal_item(kind=Kind.MESSAGE, case_id=case, body=body, recipients=recipients,
                                    signing_key=signing_key or self.keys.ed25519_secret)
        self.put(sealed.header.envelope_id.hex(), sink.getvalue())
        self.put(result.header.envelope_id.hex(), data)
        return result.header.envelope_id.hex()

    def login(self) -> dict:
        from nacl.signing import SigningKey

        r = self.http.post(f"{self.base}/mailbox/challenge", json={"mailbox": self.keys.mailbox_id}, timeout=30)
        challenge = r.json()["challenge"]
        signature = SigningKey(self.keys.ed25519_secret[:32]).sign(b"tipline-mailbox-v1\n" + challenge.encode())
        r = self.http.post(f"{self.base}/mailbox/session", timeout=30, json={
            "mailbox": self.keys.mailbox_id, "challenge": challenge,
            "signature": base64.b64encode(signature.signature).decode()})
        assert r.status_code == 201, r.text
        return {"Authorization": f"Bearer {r.json()['token']}"}

    def mailbox(self, auth: dict) -> dict:
        r = self.http.get(f"{self.base}/mailbox", headers=auth, timeout=30)
        assert r.status_code == 200, r.text
        return r.json()

    def fetch(self, auth: dict, item_id: str) -> bytes:
        r = self.http.get(f"{self.base}/mailbox/items/{item_id}", headers=auth, timeout=30)
        assert r.status_code == 200, r.text
        return r.content


def listed(case_id: str, item: dict) -> dict:
    return {"item_id": item["id"], "case_id": case_id, "kind": item["kind"], "part_index": item["part_index"]}


def operator_case(deployment, case_id: str) -> dict:
    session = json.loads((deployment.desk_home / "session.json").read_text())
    r = requests.get(f"{deployment.url}/api/operator/v1/cases/{case_id}", timeout=30,
                     headers={"Authorization": f"Bearer {session['token']}"})
    assert r.status_code == 200, r.text
    return r.json()


def start_watch(home, *args) -> subprocess.Popen:
    env = {**os.environ, "TIPLINE_DESK_PASSPHRASE": PASSPHRASE, "COLUMNS": "200"}
    return subprocess.Popen([sys.executable, "-m", "desk", "--home", str(home), "watch", *args], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_the_desk_converses_with_a_citizen_through_the_real_server(deployment, tmp_path, request):
    citizen = Citizen(deployment, tmp_path)
    citizen.open_case_and_report()
    home = deployment.desk_home
    desk(home, "login", "--server", deployment.url, "--username", OPERATOR, "--password-stdin",
         stdin=OPERATOR_PASSWORD + "\n")
    shown = desk(home, "messages", citizen.case_id)
    assert "report verified" in shown.stdout and "no message yet" in shown.stdout

    # --- the operator replies with a photo --------------------------------------------------
    photo = tmp_path / "véhicule.jpg"
    photo.write_bytes(media.jpeg_with_exif())
    empty = desk(home, "reply", citizen.case_id, "--text", " ", check=False)
    assert empty.returncode == 1 and "nothing to send" in empty.stderr
    sent = desk(home, "reply", citizen.case_id, "--attach", str(photo), "--author", "Agent Dupont", stdin=REPLY + "\n")
    assert "has EXIF or XMP metadata" in sent.stderr  # the officer is told what the photo may reveal
    assert not any((home / "outbox" / citizen.case_id).iterdir())  # sent and confirmed: nothing left behind

    # the citizen, with the receipt alone, reads it and its photo
    auth = citizen.login()
    box = citizen.mailbox(auth)
    replies = [i for i in box["items"] if i["kind"] == "reply"]
    assert len(replies) == 1 and replies[0]["sender"] == "police"
    mine = [Identity(citizen.keys.x25519_secret)]
    opened = open_item(citizen.fetch(auth, replies[0]["id"]), mine, listed=listed(citizen.case_id, replies[0]),
                       verify_key=None)
    assert opened.body.text == REPLY and opened.body.author == "Agent Dupont"
    entry = opened.body.attachments[0]
    files = [i for i in box["items"] if i["kind"] == "attachment" and i["part_index"] == entry.part]
    content, result = decrypt_bytes(citizen.fetch(auth, files[0]["id"]), mine)
    check_attachment(entry, result, case_id=bytes.fromhex(citizen.case_id))
    assert content == photo.read_bytes()
    r = citizen.http.post(f"{citizen.base}/mailbox/read", json={"up_to": replies[0]["seq"]}, headers=auth, timeout=30)
    assert r.status_code == 200, r.text  # the citizen has read the reply

    # --- the citizen answers with a photo while the desk watches -----------------------------
    watcher = start_watch(home, "--max-events", "1", "--seconds", "90", "--interval", "0.5")
    time.sleep(2)  # let it reach its first long poll
    answer = media.jpeg_with_exif()
    message_id = citizen.send_message(MESSAGE, answer)
    out, err = watcher.communicate(timeout=120)
    assert watcher.returncode == 0, err
    assert f"new message from the citizen in case {citizen.case_id}" in out and "\a" in out

    # a message the receipt did not sign (what the server could write): refused, never shown
    forged_id = citizen.send_message(FORGED, b"\xff\xd8\xff forged", signing_key=os.urandom(32))

    desk(home, "sync", "--quiet")
    listed_cases = desk(home, "cases").stdout
    row = next(line for line in listed_cases.splitlines() if citizen.case_id in line)
    assert " 2 " in row  # two citizen messages unread (the forged one too: the server cannot tell)
    shown = desk(home, "messages", citizen.case_id, check=False)
    lines = shown.stdout
    assert display_text(MESSAGE).split("\n")[0] in lines and "\x1b" not in lines
    assert REPLY in lines and "police - Agent Dupont  (read by the citizen)" in lines
    assert "REFUSED message" in lines and "message_bad_signature" in lines and "CANARY-FORGED" not in lines
    assert "image/jpeg found" in lines
    case_dir = home / "cases" / citizen.case_id
    saved = sorted((case_dir / "messages" / "files").iterdir())
    assert answer in [p.read_bytes() for p in saved] and photo.read_bytes() in [p.read_bytes() for p in saved]
    verification = json.loads((case_dir / "verification.json").read_text())
    statuses = {m["item_id"]: m["status"] for m in verification["messages"]}
    assert statuses[message_id] == "verified" and sorted(statuses.values()) == ["failed", "verified", "verified"]

    # read marks: the police read up to the citizen's (verified) message, and the citizen sees it
    row = next(line for line in desk(home, "cases").stdout.splitlines() if citizen.case_id in line)
    assert " 2 " not in row and " 1 " not in row  # both read (the forged one was shown as refused)
    listed_items = json.loads((home / "ciphertext" / citizen.case_id / "case.json").read_text())["items"]
    assert operator_case(deployment, citizen.case_id)["read_by_police_up_to"] == listed_items[forged_id]["seq"]
    assert listed_items[forged_id]["seq"] > listed_items[message_id]["seq"]
    assert citizen.mailbox(auth)["read_by_police_up_to"] is not None

    # --- an interrupted reply waits in the outbox and goes with --retry ----------------------
    deployment.server.stop()
    away = desk(home, "watch", "--seconds", "2", "--interval", "0.5")  # keeps watching, bounded here
    assert "trying again" in away.stdout
    bundle = os.path.join(deployment.env["TIPLINE_KEYS_DIR"], "bundle.json")  # sealing needs no server
    failed = desk(home, "reply", citizen.case_id, "CANARY-LATE Êtes-vous en sécurité ?", "--bundle", bundle,
                  check=False)
    assert failed.returncode == 1 and "--retry" in failed.stderr
    assert len(list((home / "outbox" / citizen.case_id).iterdir())) == 1
    restarted = GunicornServer(deployment.env, tmp_path / "server-2.log", port=deployment.server.port).start()
    request.addfinalizer(restarted.stop)
    desk(home, "reply", citizen.case_id, "--retry")
    assert not any((home / "outbox" / citizen.case_id).iterdir())
    texts = []
    for item in citizen.mailbox(auth)["items"]:
        if item["kind"] == "reply":
            texts.append(open_item(citizen.fetch(auth, item["id"]), mine, listed=listed(citizen.case_id, item),
                                   verify_key=None).body.text)
    assert texts == [REPLY, "CANARY-LATE Êtes-vous en sécurité ?"]

    # --- the server holds ciphertext only --------------------------------------------------
    restarted.stop()
    stored = [deployment.root / "data", deployment.server.log_path, tmp_path / "server-2.log"]
    if deployment.db_kind == "postgresql":
        dump = tmp_path / "pg_dump.sql"
        dump.write_bytes(request.getfixturevalue("postgres").dump(deployment.pg_name))
        stored.append(dump)
    canaries = [b"CANARY-REPLY", b"CANARY-MESSAGE", b"CANARY-FORGED", b"CANARY-LATE", b"CANARY-LIEU",
                b"Agent Dupont", "véhicule".encode(), media.CANARY_GPS.encode()]
    assert scan(stored, canaries) == []
    assert {n for _, n in scan([case_dir], canaries)} >= {b"CANARY-MESSAGE", b"CANARY-LIEU"}
