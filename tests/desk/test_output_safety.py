"""What the desk prints cannot act on the officer's terminal (desk/safe.py).

A hostile server (a real HTTP server on 127.0.0.1, serving real envelopes sealed with the
project's envelope code) answers with rich markup, escape sequences, an OSC 8 hyperlink, a
carriage return, a backspace and bidirectional controls in every field the desk shows: the
case's status, dates and assignee, the login's expiry, its error messages; the citizen's report, message,
attachment names and types and a reply's author carry them too. The real ``tipline-desk``
commands run against it in subprocesses, as an officer runs them: their output shows those
characters escaped, never raw and never rendered as markup; no file the desk writes gets one
in its name.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from desk.keyring import Keyring
from envelope import conversation as cv
from envelope import receipt as rc
from envelope.constants import Kind
from envelope.manifest import AttachmentEntry
from envelope.seal import encrypt_bytes
from tests.support.desk import PASSPHRASE, REPO, desk

# Every trick at once: markup and a link for rich, a screen wipe, an OSC 8 hyperlink, a carriage
# return and a backspace that overwrite what came before, a right-to-left override and isolate.
EVIL = ("[bold red]x[/] [link=https://evil]y[/link] \x1b[2J \x1b]8;;https://evil\x1b\\z\x1b]8;;\x1b\\ "
        "a\rb c\x08d \u202egpj.exe \u2066e\u2069 :skull:")
RAW = ["\x1b", "\r", "\x08", "\u202e", "\u2066", "\u2069", "\x9b", "\x07"]
ESCAPED = ["[bold red]x[/]", "[link=https://evil]y[/link]", "\\u{001B}[2J", "\\u{001B}]8;;https://evil",
           "a\\u{000D}b", "c\\u{0008}d", "\\u{202E}gpj.exe", "\\u{2066}e\\u{2069}", ":skull:"]
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + os.urandom(2000)


def run(home: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    """``tipline-desk`` in a wide terminal, so that no table cell is wrapped across lines."""
    env = {**os.environ, "TIPLINE_DESK_PASSPHRASE": PASSPHRASE, "COLUMNS": "3000"}
    env.pop("FORCE_COLOR", None)
    return subprocess.run([sys.executable, "-m", "desk", "--home", str(home), *args], cwd=REPO, env=env,
                          input=stdin, capture_output=True, text=True, timeout=120)


def assert_safe(done: subprocess.CompletedProcess, *expected: str) -> str:
    shown = done.stdout + done.stderr
    for ch in RAW:
        assert ch not in shown, (repr(ch), shown)
    for text in expected:
        assert text in shown, (text, shown)
    return shown


class Hostile:
    """A server speaking the operator API with the desk's real envelopes and hostile words."""

    def __init__(self, case_id: str, items: list[tuple[dict, bytes]]):
        self.case_id, self.items = case_id, items
        self.fail = False  # every route answers a 400 whose error and message are EVIL
        case = {"case_id": case_id, "status": EVIL, "created_at": EVIL, "updated_at": EVIL, "assignee": EVIL}
        self.page = {"cases": [case], "items": [i for i, _ in items], "cursor": len(items), "more": False,
                     "deleted": [], "reads": []}
        self.blobs = {i["item_id"]: data for i, data in items}
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def answer(self, status: int, body) -> None:
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json" if not isinstance(body, bytes)
                                 else "application/octet-stream")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def route(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                url = urlsplit(self.path)
                path = url.path.removeprefix("/api/operator/v1")
                if path == "/events/operator":
                    return self.answer(404, {"error": "not_found", "message": "no live feed"})
                if owner.fail:
                    return self.answer(400, {"error": EVIL, "message": EVIL})
                if method == "POST" and path == "/session":
                    return self.answer(201, {"token": "t" * 40, "expires_at": EVIL})
                if method == "GET" and path == "/changes":
                    since = int(parse_qs(url.query).get("since", ["0"])[0])
                    if since >= owner.page["cursor"]:
                        return self.answer(200, {**owner.page, "cases": [], "items": []})
                    return self.answer(200, owner.page)
                if method == "GET" and path.startswith("/items/") and path.endswith("/content"):
                    return self.answer(200, owner.blobs[path.split("/")[2]])
                if method == "GET" and path == f"/cases/{owner.case_id}":
                    return self.answer(200, {**case, "items": owner.page["items"]})
                if method == "PUT" and path in (f"/cases/{owner.case_id}/status",
                                                f"/cases/{owner.case_id}/assignee"):
                    return self.answer(200, {**case, "items": []})
                if method == "POST" and path == f"/cases/{owner.case_id}/read":
                    return self.answer(400, {"error": EVIL, "message": EVIL})
                return self.answer(404, {"error": "not_found", "message": EVIL})

            def do_GET(self):
                self.route("GET")

            def do_POST(self):
                self.route("POST")

            def do_PUT(self):
                self.route("PUT")

            def do_DELETE(self):
                self.route("DELETE")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)


def _listed(case_id: str, seq: int, data: bytes, header) -> tuple[dict, bytes]:
    return ({"item_id": header.envelope_id.hex(), "case_id": case_id, "seq": seq,
             "kind": header.kind.name.lower(), "part_index": header.part_index, "size": len(data),
             "sha256": hashlib.sha256(data).hexdigest()}, data)


def hostile_case(police: list[bytes]) -> tuple[str, list[tuple[dict, bytes]]]:
    """A report (with a photo), a citizen's message (with a photo) and a reply, every sender-made
    field EVIL, sealed with the real envelope code to the desk's key."""
    case = os.urandom(16)
    case_id = case.hex()
    citizen = rc.derive_receipt_keys(rc.new_receipt())
    photo, sealed_photo = encrypt_bytes(JPEG, kind=Kind.ATTACHMENT, case_id=case, part_index=1, recipients=police)
    entry = AttachmentEntry.from_seal(sealed_photo, name=EVIL, media_type=EVIL)
    mailbox = {"id": citizen.mailbox_id, "x25519": base64.b64encode(citizen.x25519_public).decode(),
               "ed25519": base64.b64encode(citizen.ed25519_public).decode()}
    report = {"lieu": EVIL, "description": EVIL, "mailbox": mailbox, "attachments": [entry.to_json()]}
    report_data, sealed_report = encrypt_bytes(json.dumps(report).encode(), kind=Kind.REPORT, case_id=case,
                                               part_index=0, recipients=police)
    items = [_listed(case_id, 1, report_data, sealed_report.header), _listed(case_id, 2, photo, sealed_photo.header)]

    message_recipients = cv.conversation_recipients(Kind.MESSAGE, police, citizen.x25519_public)
    sink = io.BytesIO()
    file_entry, sealed_file = cv.seal_attachment(io.BytesIO(JPEG), sink, content_length=len(JPEG), case_id=case,
                                                 recipients=message_recipients, part=cv.new_attachment_part(),
                                                 name=EVIL, media_type=EVIL)
    items.append(_listed(case_id, 3, sink.getvalue(), sealed_file.header))
    body = cv.build_body(Kind.MESSAGE, text=EVIL, written_at="2026-12-02T14:05Z", attachments=[file_entry])
    data, sealed = cv.seal_item(kind=Kind.MESSAGE, case_id=case, body=body, recipients=message_recipients,
                                signing_key=citizen.ed25519_secret)
    items.append(_listed(case_id, 4, data, sealed.header))
    body = cv.build_body(Kind.REPLY, text=EVIL, written_at="2026-12-02T14:10Z", author=EVIL[:60])
    data, sealed = cv.seal_item(kind=Kind.REPLY, case_id=case, body=body,
                                recipients=cv.conversation_recipients(Kind.REPLY, police, citizen.x25519_public))
    items.append(_listed(case_id, 5, data, sealed.header))
    return case_id, items


@pytest.fixture(scope="module")
def desk_home(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("desk-safe") / "home"
    desk(home, "keygen", "--kdf", "interactive", "--label", "test desk")
    return home


def test_no_command_lets_a_sender_or_the_server_act_on_the_terminal(desk_home):
    home = desk_home
    police = [k.public_key for k in Keyring(home / "keyring").keys("x25519")]
    case_id, items = hostile_case(police)
    with Hostile(case_id, items) as server:
        login = run(home, "login", "--server", server.url, "--username", "agent", "--password-stdin",
                    stdin="pw\n\n")
        assert login.returncode == 0, login.stderr
        assert_safe(login, *ESCAPED)

        synced = run(home, "sync")  # with its progress bars
        assert synced.returncode == 0, synced.stderr
        assert_safe(synced, "5 new items")

        listed = run(home, "cases")
        assert listed.returncode == 0, listed.stderr
        row = next(line for line in assert_safe(listed, *ESCAPED).splitlines() if case_id in line)
        assert row.count("\\u{202E}gpj.exe") == 3  # status, date and assignee, each escaped in its own cell

        status = run(home, "status", case_id, "in_progress")
        assert status.returncode == 0, status.stderr
        assert_safe(status, *ESCAPED)

        assigned = run(home, "assign", case_id, "agent.dupont")
        assert assigned.returncode == 0, assigned.stderr
        assert_safe(assigned, *ESCAPED)

        decrypted = run(home, "decrypt", case_id)
        assert decrypted.returncode == 0, decrypted.stderr
        assert_safe(decrypted, "VERIFIED")

        shown = run(home, "messages", case_id)
        assert shown.returncode == 0, shown.stderr
        text = assert_safe(shown, *ESCAPED)  # status, the files' names and types, the server's error
        # message text and an author are shown as section 17 says: lines kept, controls U+FFFD,
        # invisible and bidirectional characters removed, markup never read
        assert "\ufffd[2J" in text and "gpj.exe" in text and "police - [bold red]x[/]" in text
        assert "the server did not take the read mark" in text

        server.fail = True
        failed = run(home, "sync")
        assert failed.returncode == 1
        assert_safe(failed, *ESCAPED)
        watched = run(home, "watch", "--seconds", "1.5", "--interval", "0.5", "--no-bell")
        assert watched.returncode == 0, watched.stderr
        assert_safe(watched, "trying again", *ESCAPED)

    # file names: only the sanitised ones (desk.names); the contents are JSON, its controls escaped
    for path in home.rglob("*"):
        assert all(ch.isprintable() and ch not in "\u202e\u2066\u2069" for ch in path.name), path
    case_dir = home / "cases" / case_id
    assert {p.suffix for p in (case_dir / "attachments").iterdir()} == {".jpg"}
    for record in [case_dir / "report.json", case_dir / "verification.json"]:
        raw = record.read_text(encoding="utf-8")
        assert not any(ch in raw for ch in "\x1b\r\x08")
        json.loads(raw)


def test_an_exported_public_key_is_the_json_as_written(tmp_path):
    """A label is the operator's own text, but it is JSON going to a file or a colleague: rich's
    markup and line wrapping must not touch it."""
    home = tmp_path / "home"
    label = "[bold]desk 1[/bold] [link=https://evil]2026[/link] " + "long " * 40
    desk(home, "keygen", "--kdf", "interactive", "--label", label)
    key_id = Keyring(home / "keyring").keys("x25519")[0].key_id
    exported = run(home, "export-public", key_id)
    assert exported.returncode == 0, exported.stderr
    assert json.loads(exported.stdout)["label"] == label
