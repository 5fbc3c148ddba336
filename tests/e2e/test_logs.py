"""What the real server (gunicorn, server/gunicorn_conf.py) writes to its log when requests are
malformed or the database fails: never a client address (IPv4 or IPv6), never request data,
never SQL or its parameters. Every request below carries canaries: an id, a marker string, and
the client's own address; the log is then searched for them and for anything shaped like an
address at all."""

from __future__ import annotations

import os
import re
import socket
import sqlite3

import psycopg
import pytest
import requests

from tests.e2e.conftest import CITIZEN_ADDRESS, citizen_http
from tests.support.gunicorn import GunicornServer
from tests.support.pow import requests_get, work_headers

MARKER = b"CANARY-REQ"
ANY_ADDRESS = re.compile(r"(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?![\d.])|::1\b|\[::|ip=", re.I)


def malformed_requests(case_id: str, item_id: str) -> dict[str, bytes]:
    path = f"/api/v1/cases/{case_id}".encode()
    item = f"/api/v1/cases/{case_id}/items/{item_id}".encode()
    upload = f"/api/v1/cases/{case_id}/uploads/{item_id}".encode()
    host = b"Host: signalement.test\r\n"
    return {
        "bad request line": b"GET " + path + b"?q=" + MARKER + b" HTTP/1.1 junk\r\n" + host + b"\r\n",
        "bad method": b"G(T " + path + b" HTTP/1.1\r\n" + host + b"\r\n",
        "bad HTTP version": b"GET " + path + b"?" + MARKER + b" HTTP/9.9\r\n" + host + b"\r\n",
        "bad header name": b"GET " + path + b" HTTP/1.1\r\n" + host + b"Bad Header: " + MARKER + b"\r\n\r\n",
        "control character in a header": b"GET " + path + b" HTTP/1.1\r\n" + host + b"X-A: " + MARKER
                                         + b"\x00\x01\r\n\r\n",
        "oversized header": b"GET " + path + b" HTTP/1.1\r\n" + host + b"X-Big: " + MARKER + b"A" * 9000
                            + b"\r\n\r\n",
        "too many headers": b"GET " + path + b" HTTP/1.1\r\n" + host
                            + b"".join(b"X-%d: %s\r\n" % (i, MARKER) for i in range(150)) + b"\r\n",
        "request line too long": b"GET " + path + b"?" + MARKER + b"A" * 9000 + b" HTTP/1.1\r\n" + host + b"\r\n",
        "folded header": b"GET " + path + b" HTTP/1.1\r\n" + host + b"X-A: a\r\n " + MARKER + b"\r\n\r\n",
        "bad content length": b"PUT " + item + b" HTTP/1.1\r\n" + host + b"Content-Length: " + MARKER + b"\r\n\r\n",
        "length and chunked": b"PUT " + item + b" HTTP/1.1\r\n" + host + b"Content-Length: 5\r\n"
                              b"Transfer-Encoding: chunked\r\n\r\n5\r\n" + MARKER[:5] + b"\r\n0\r\n\r\n",
        "invalid chunked encoding": b"PUT " + upload + b" HTTP/1.1\r\n" + host + b"Content-Type: application/json\r\n"
                                    b"Transfer-Encoding: chunked\r\n\r\nZZZ\r\n" + MARKER + b"\r\n0\r\n\r\n",
        "bad chunk terminator": b"PUT " + upload + b" HTTP/1.1\r\n" + host + b"Content-Type: application/json\r\n"
                                b"Transfer-Encoding: chunked\r\n\r\n3\r\n" + MARKER + b"\r\n0\r\n\r\n",
    }


def send_raw(server: GunicornServer, source: str, data: bytes) -> bytes:
    family = socket.AF_INET6 if ":" in source else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.settimeout(10)
        sock.bind((source, 0))
        sock.connect((server.host.strip("[]"), server.port))
        sock.sendall(data)
        try:
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        answer = b""
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except (TimeoutError, ConnectionResetError):
            pass
        return answer


def status_of(answer: bytes) -> int | None:
    match = re.match(rb"HTTP/1\.[01] (\d{3})", answer)
    return int(match.group(1)) if match else None


def force_database_error(deployment) -> None:
    """A real failure of the database on the next case insert, whose message quotes the row."""
    if deployment.db_kind == "sqlite":
        with sqlite3.connect(deployment.root / "data" / "tipline.sqlite3") as conn:
            conn.execute("CREATE TRIGGER forced BEFORE INSERT ON cases BEGIN "
                         "SELECT RAISE(ABORT, 'forced failure'); END")
        return
    with psycopg.connect(deployment.env["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://"),
                         autocommit=True) as conn:
        conn.execute("CREATE FUNCTION forced() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                     "RAISE EXCEPTION 'forced failure for %', NEW.id USING DETAIL = 'Key (id)=(' || NEW.id || ')'; "
                     "END $$")
        conn.execute("CREATE TRIGGER forced BEFORE INSERT ON cases FOR EACH ROW EXECUTE FUNCTION forced()")


def assert_clean(log: str, canaries: list[str]) -> None:
    assert ANY_ADDRESS.findall(log) == []
    assert [c for c in canaries if c in log] == []
    assert [w for w in ("[SQL", "INSERT INTO", "[parameters", "DETAIL: Key") if w in log] == []


def test_malformed_requests_and_database_errors_leave_no_address_or_request_data(deployment, tmp_path):
    case_id, item_id = os.urandom(16).hex(), os.urandom(16).hex()
    requests_ = malformed_requests(case_id, item_id)
    statuses = {name: status_of(send_raw(deployment.server, CITIZEN_ADDRESS, data)) for name, data in requests_.items()}
    # each was refused by gunicorn or the app as the client's fault (or the connection dropped)
    assert {name: s for name, s in statuses.items() if s is not None and not 400 <= s < 500 and s != 501} == {}

    force_database_error(deployment)
    failing_case = os.urandom(16).hex()
    http = citizen_http()
    work = work_headers(requests_get(http, deployment.url), "case")
    r = http.put(f"{deployment.url}/api/v1/cases/{failing_case}", timeout=30, headers=work)
    assert r.status_code == 500 and r.json() == {"error": "internal_error",
                                                  "message": "the server could not handle this request"}
    deployment.server.stop()
    log = deployment.server.log()
    assert log.count("invalid request refused") >= 8  # gunicorn did log them, without the detail
    assert "unexpected error" in log and "Traceback" in log and "forced" not in log
    assert ("SQLSTATE P0001" in log) == (deployment.db_kind == "postgresql")
    assert_clean(log, [case_id, item_id, failing_case, MARKER.decode(), CITIZEN_ADDRESS])


@pytest.mark.parametrize("db_kind", ["sqlite"])
def test_malformed_requests_over_ipv6_leave_no_address(deployment, tmp_path):
    if not socket.has_ipv6:
        pytest.skip("no IPv6 here")
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        pytest.skip("no IPv6 loopback here")
    deployment.server.stop()
    server = GunicornServer(deployment.env, tmp_path / "server-v6.log", host="[::1]").start()
    try:
        case_id, item_id = os.urandom(16).hex(), os.urandom(16).hex()
        for data in malformed_requests(case_id, item_id).values():
            send_raw(server, "::1", data)
        assert requests.get(f"{server.url}/api/v1/cases/{case_id}", timeout=30).status_code == 404
    finally:
        server.stop()
    log = server.log()
    assert log.count("invalid request refused") >= 8
    assert_clean(log, [case_id, item_id, MARKER.decode()])
