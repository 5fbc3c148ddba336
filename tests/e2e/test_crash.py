"""Kill the server (SIGKILL, master and workers) in the middle of a chunk upload, restart it,
resume: one complete item, byte-identical; nothing half-written was ever listed."""

import hashlib
import os
import socket

from envelope.constants import Kind
from envelope.open import decrypt_bytes
from tests.e2e.conftest import OPERATOR, OPERATOR_PASSWORD
from tests.support.api import digest
from tests.support.gunicorn import GunicornServer
from tests.support.pg import wait_for
from tests.support.phone import Phone

CHUNK = 1024 * 1024


def start_partial_chunk(url: str, path: str, body: bytes, sent: int, headers: dict | None = None) -> socket.socket:
    """Send the request line, headers and only ``sent`` bytes of a chunk, then stop talking."""
    host, port = url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=30)
    extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
    head = (f"PUT {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/octet-stream\r\n"
            f"Content-Length: {len(body)}\r\nContent-Digest: {digest(body)}\r\n{extra}\r\n").encode()
    sock.sendall(head + body[:sent])
    return sock


def test_sigkill_mid_chunk_then_resume(deployment, tmp_path, db_kind):
    phone = Phone(deployment.url, tmp_path, chunk_size=CHUNK)
    bundle = phone.fetch_bundle(deployment.root_public, "https://signalement.test")
    case_id = os.urandom(16).hex()
    phone.open_case(case_id)
    content = os.urandom(5 * CHUNK + 777)
    src = tmp_path / "video.mp4"
    src.write_bytes(content)
    sealed = phone.seal_attachment(case_id, 1, src, "video.mp4", "video/mp4", bundle.public_keys)
    envelope_bytes = sealed.path.read_bytes()
    state = phone.create_upload(sealed)
    assert state["chunk_count"] == 6
    for i in (0, 1, 2):
        assert phone.put_chunk(sealed, i).status_code == 201

    # chunk 3 is half sent when the whole server dies
    chunk3 = envelope_bytes[3 * CHUNK:4 * CHUNK]
    sock = start_partial_chunk(deployment.url, f"/api/v1/cases/{case_id}/uploads/{sealed.item_id}/chunks/3", chunk3,
                               CHUNK // 3)
    spool_dir = deployment.root / "data" / "blobs" / "tmp"
    wait_for(lambda: any(p.name.startswith(".tmp-") and p.stat().st_size > 0 for p in spool_dir.iterdir()))
    deployment.server.kill()
    sock.close()

    # the same data, database and blobs, a new server process
    server = GunicornServer(deployment.env, tmp_path / "server-2.log").start()
    try:
        phone.base = server.url + "/api/v1"
        status = phone.http.get(phone.upload_url(sealed), timeout=30).json()
        assert status["received"] == [0, 1, 2] and status["complete"] is False
        assert phone.http.get(f"{server.url}/api/v1/cases/{case_id}", timeout=30).json()["items"] == []

        item = phone.upload_chunked(sealed)  # resumes: sends 3, 4, 5 and completes
        assert item["sha256"] == hashlib.sha256(envelope_bytes).hexdigest()
        assert [i["item_id"] for i in phone.http.get(f"{server.url}/api/v1/cases/{case_id}").json()["items"]] == \
            [sealed.item_id]

        login = phone.http.post(f"{server.url}/api/operator/v1/session",
                                json={"username": OPERATOR, "password": OPERATOR_PASSWORD}).json()
        stored = phone.http.get(f"{server.url}/api/operator/v1/items/{sealed.item_id}/content",
                                headers={"Authorization": f"Bearer {login['token']}"}).content
        assert stored == envelope_bytes
        desk_keys = __import__("desk.keyring", fromlist=["Keyring"]).Keyring(deployment.desk_home / "keyring")
        from tests.support.desk import PASSPHRASE

        plain, opened = decrypt_bytes(stored, desk_keys.identities(PASSPHRASE))
        assert plain == content and opened.header.kind is Kind.ATTACHMENT
        # what the crash left behind is not listed, and gc removes it
        from tests.support.desk import server_cli

        server_cli(deployment.env, "gc", "--grace-minutes", "0")
        assert not list((deployment.root / "data" / "blobs" / "uploads").rglob(sealed.item_id + "*"))
        assert not list((deployment.root / "data" / "blobs").rglob(".tmp-*"))
    finally:
        server.stop()


def test_client_vanishing_mid_body_leaves_nothing(deployment, tmp_path):
    """A phone losing its connection halfway through a PUT: no item, no chunk, no temp file."""
    phone = Phone(deployment.url, tmp_path, chunk_size=CHUNK)
    bundle = phone.fetch_bundle(deployment.root_public, "https://signalement.test")
    case_id = os.urandom(16).hex()
    phone.open_case(case_id)
    src = tmp_path / "photo.jpg"
    src.write_bytes(os.urandom(3 * CHUNK))
    sealed = phone.seal_attachment(case_id, 1, src, "photo.jpg", "image/jpeg", bundle.public_keys)
    data = sealed.path.read_bytes()
    blobs = deployment.root / "data" / "blobs"

    sock = start_partial_chunk(deployment.url, f"/api/v1/cases/{case_id}/items/{sealed.item_id}", data, len(data) // 2,
                               phone.work("upload", len(data)))
    wait_for(lambda: list(blobs.rglob(".tmp-*")))  # the server is spooling the body
    sock.close()
    wait_for(lambda: not list(blobs.rglob(".tmp-*")))  # and drops it when the client goes
    phone.create_upload(sealed)
    sock = start_partial_chunk(deployment.url, f"/api/v1/cases/{case_id}/uploads/{sealed.item_id}/chunks/0",
                               data[:CHUNK], CHUNK // 2)
    wait_for(lambda: list(blobs.rglob(".tmp-*")))
    sock.close()
    wait_for(lambda: not list(blobs.rglob(".tmp-*")))

    assert phone.http.get(f"{deployment.url}/api/v1/cases/{case_id}").json()["items"] == []
    assert phone.http.get(phone.upload_url(sealed)).json()["received"] == []
    assert not [p for p in (blobs / "items").rglob("*") if p.is_file()]
    # and the same phone simply tries again
    assert phone.upload_chunked(sealed)["sha256"] == sealed.sha256
