"""With the real server (gunicorn): a keep-alive connection is reused after an answer given
without reading the body (a chunk already held, an early 4xx); a body larger than any route takes
closes the connection and says so; a server killed while ``complete`` writes its temp file leaves
nothing once it starts again."""

import http.client
import os
import socket

from envelope.constants import Kind
from tests.support.api import chunks_of, digest, envelope
from tests.support.gunicorn import GunicornServer
from tests.support.pg import wait_for
from tests.support.pow import requests_get, work_headers

CHUNK = 1024 * 1024


def exchange(sock: socket.socket, method: str, path: str, body: bytes = b"", **headers) -> http.client.HTTPResponse:
    """One request on an open socket; the response is read whole, the socket stays open."""
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {len(body)}"]
    lines += [f"{k.replace('_', '-')}: {v}" for k, v in headers.items()]
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
    response = http.client.HTTPResponse(sock, method=method)
    response.begin()
    response.read()
    return response


def connect(url: str) -> socket.socket:
    host, port = url.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=30)


def upload_case(url: str, keys, size: int):
    """A case and an upload whose chunks are sent (one connection per call, as phones do)."""
    import requests

    case_id = os.urandom(16).hex()
    work = requests_get(requests.Session(), url)  # proofs of work, as a phone solves them
    r = requests.put(f"{url}/api/v1/cases/{case_id}", timeout=30, headers=work_headers(work, "case"))
    assert r.status_code == 201
    item_id, data, result = envelope(case_id, keys, kind=Kind.ATTACHMENT, part=1, content=os.urandom(size))
    base = f"{url}/api/v1/cases/{case_id}/uploads/{item_id}"
    import base64
    import hashlib

    r = requests.put(base, json={"size": len(data), "chunk_size": CHUNK, "sha256": hashlib.sha256(data).hexdigest(),
                                 "header": base64.b64encode(data[:result.header.size]).decode()}, timeout=30,
                     headers=work_headers(work, "upload", len(data)))
    assert r.status_code == 201, r.text
    return case_id, item_id, data, base


def test_keepalive_survives_unread_bodies(deployment, db_kind):
    import requests

    keys = _bundle_keys(deployment)
    case_id, item_id, data, base = upload_case(deployment.url, keys, 3 * CHUNK)
    chunk0 = chunks_of(data, CHUNK)[0]
    path = base.removeprefix(deployment.url)
    assert requests.put(f"{base}/chunks/0", data=chunk0, timeout=30,
                        headers={"Content-Type": "application/octet-stream",
                                 "Content-Digest": digest(chunk0)}).status_code == 201
    sock = connect(deployment.url)
    try:
        for _ in range(3):
            # the chunk again: answered at once, its 1 MiB body unread by the view
            r = exchange(sock, "PUT", f"{path}/chunks/0", chunk0, Content_Type="application/octet-stream",
                         Content_Digest=digest(chunk0))
            assert r.status == 200 and r.getheader("Connection") == "keep-alive"
            # an early refusal (wrong type): the body is not read either
            r = exchange(sock, "PUT", f"{path}/chunks/1", os.urandom(CHUNK), Content_Type="text/plain")
            assert r.status == 415 and r.getheader("Connection") == "keep-alive"
            # and the same connection still serves the next request
            r = exchange(sock, "GET", f"{path}")
            assert r.status == 200
    finally:
        sock.close()

    # a body larger than any route accepts is not read: the answer says the connection closes
    sock = connect(deployment.url)
    try:
        head = (f"PUT {path}/chunks/1 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\n"
                f"Content-Length: {64 * CHUNK}\r\nContent-Digest: {digest(b'')}\r\n\r\n").encode()
        sock.sendall(head + os.urandom(CHUNK))
        response = http.client.HTTPResponse(sock, method="PUT")
        response.begin()
        assert response.status == 413 and response.getheader("Connection") == "close"
    finally:
        sock.close()


def _bundle_keys(deployment):
    from envelope.bundle import verify_bundle

    text = open(os.path.join(deployment.env["TIPLINE_KEYS_DIR"], "bundle.json")).read()
    return [r.public_key for r in verify_bundle(text, deployment.root_public, origin=None).recipients]


def test_kill_during_complete_leaves_no_temp_file(deployment, tmp_path, db_kind):
    import requests

    keys = _bundle_keys(deployment)
    deployment.server.stop()
    slow = GunicornServer(deployment.env, tmp_path / "slow.log", app="tests.support.slow_complete:app").start()
    try:
        case_id, item_id, data, base = upload_case(slow.url, keys, 6 * CHUNK)
        base = base.replace(deployment.url, slow.url)
        for i, chunk in enumerate(chunks_of(data, CHUNK)):
            r = requests.put(f"{base}/chunks/{i}", data=chunk, timeout=30,
                             headers={"Content-Type": "application/octet-stream", "Content-Digest": digest(chunk)})
            assert r.status_code == 201
        spool = deployment.root / "data" / "blobs" / "tmp"
        sock = connect(slow.url)
        sock.sendall(f"POST {base.removeprefix(slow.url)}/complete HTTP/1.1\r\nHost: x\r\n"
                     "Content-Length: 0\r\n\r\n".encode())
        wait_for(lambda: any(p.name.startswith(".tmp-") and p.stat().st_size >= CHUNK for p in spool.iterdir()))
        slow.kill()
        sock.close()
        assert any(p.name.startswith(".tmp-") for p in spool.iterdir())  # what the kill left
    finally:
        slow.stop()
    server = GunicornServer(deployment.env, tmp_path / "server-2.log").start()
    try:
        assert not list(spool.iterdir())  # removed as the server started, not an hour later by gc
        r = requests.post(f"{server.url}{base.removeprefix(slow.url)}/complete", timeout=60)
        assert r.status_code == 200 and r.json()["complete"] is True
        assert not list(spool.iterdir())
    finally:
        server.stop()
