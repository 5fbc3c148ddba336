"""The production front, tested with the real parts: Debian's nginx with deploy/nginx/ in front
of gunicorn and the events process (server/topology.py, as scripts/serve runs them).

- 500 slow connections (250 sending their headers a line at a time, 250 sending an 8 MiB body a
  byte at a time, from 100 loopback addresses) leave /api/healthz answering, and an upload still
  goes through; nginx closes the header trickles at its header timeout. The time healthz takes is
  measured and printed, never asserted (bench/front_bench.py writes docs/benchmarks.md).
- Header and body limits answer in the API's JSON shape; the connection limit per address holds.
- Security headers are sent once each; no client address reaches the app.
- deploy/nginx/tipline-site.conf itself, with a test certificate: TLS 1.2+ only, HSTS, HTTP
  redirected to HTTPS.
"""

from __future__ import annotations

import os
import socket
import ssl
import statistics
import subprocess
from pathlib import Path

import pytest
import requests

from envelope.constants import Kind
from server.topology import DEPLOY, INCLUDES, TEMP_DIRS, free_port, nginx_binary
from tests.support.api import OCTETS, envelope, new_id
from tests.support.pow import TEST_MAX_NUMBER, requests_get, work_headers
from tests.support.slowclients import SlowClients, timed_get
from tests.support.topology import ServedTopology

pytestmark = pytest.mark.e2e
SECURITY = ("X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options", "Cross-Origin-Opener-Policy",
            "Cross-Origin-Resource-Policy", "Permissions-Policy")


@pytest.fixture
def served(tmp_path, test_keys):
    (tmp_path / "data").mkdir(mode=0o700)
    from server.migrations import runner

    runner.upgrade(f"sqlite:///{tmp_path / 'data' / 'tipline.sqlite3'}")
    env = {"TIPLINE_DATA_DIR": str(tmp_path / "data"), "TIPLINE_KEYS_DIR": str(test_keys.dir),
           "TIPLINE_ORIGIN": test_keys.origin, "TIPLINE_POW_MAX_NUMBER": str(TEST_MAX_NUMBER)}
    with ServedTopology(env, tmp_path / "served.log") as server:
        yield server


def upload_one(url: str, keys) -> int:
    work = requests_get(requests, url)
    case_id = new_id()
    r = requests.put(f"{url}/api/v1/cases/{case_id}", headers=work_headers(work, "case"), timeout=60)
    assert r.status_code == 201, r.text
    item_id, data, _ = envelope(case_id, keys, kind=Kind.REPORT, content=b'{"lieu": "ici"}')
    r = requests.put(f"{url}/api/v1/cases/{case_id}/items/{item_id}", data=data, timeout=60,
                     headers={"Content-Type": OCTETS, **work_headers(work, "upload", len(data))})
    return r.status_code


def test_500_slow_connections_leave_healthz_answering(served, test_keys):
    host, port = served.binds.listen.split(":")
    baseline = [timed_get(served.url + "/api/healthz") for _ in range(20)]
    assert all(status == 200 for status, _ in baseline)
    path = f"/api/v1/cases/{new_id()}/items/{new_id()}"
    with SlowClients(host, int(port), headers=250, bodies=250, path=path) as slow:
        during = [timed_get(served.url + "/api/healthz") for _ in range(20)]
        assert [s for s, _ in during] == [200] * 20, during
        assert upload_one(served.url, test_keys.public_keys) == 201
        # nginx drops each header trickle at client_header_timeout (10 s); bodies that keep moving
        # stay (client_body_timeout is between two reads), costing nginx a connection each, no more.
        import time

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and slow.closed_by_server(slow.header_socks) < len(slow.header_socks):
            time.sleep(1)
        assert slow.closed_by_server(slow.header_socks) == len(slow.header_socks)
        assert all(status == 200 for status, _ in (timed_get(served.url + "/api/healthz") for _ in range(5)))
    p95 = lambda xs: statistics.quantiles([t for _, t in xs], n=20)[-1]  # noqa: E731
    print(f"\nhealthz through nginx: p95 {p95(baseline) * 1000:.1f} ms alone, "
          f"{p95(during) * 1000:.1f} ms with 500 slow connections")


def test_limits_answer_in_json(served):
    # headers over 4 x 8 KiB
    r = requests.get(served.url + "/api/healthz", headers={"X-Big": "x" * 20000}, timeout=30)
    assert r.status_code in (400, 431)
    # a body over any route's ceiling, refused by nginx before the app sees it
    r = requests.put(f"{served.url}/api/v1/cases/{new_id()}/items/{new_id()}", data=b"\0" * (17 * 1024 * 1024),
                     headers={"Content-Type": OCTETS}, timeout=60)
    assert r.status_code == 413 and r.json()["error"] == "too_large"


def test_connection_limit_per_address(served):
    """64 requests at once per address: the 65th and later are refused (503, JSON, Retry-After)."""
    host, port = served.binds.listen.split(":")
    path = f"/api/v1/cases/{new_id()}/items/{new_id()}"
    with SlowClients(host, int(port), headers=0, bodies=64, path=path, addresses=1, first_address=250):
        extra = socket.create_connection((host, int(port)), timeout=30, source_address=("127.0.0.250", 0))
        try:
            extra.sendall(f"GET /api/healthz HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
            answer = b""
            while chunk := extra.recv(65536):
                answer += chunk
        finally:
            extra.close()
        assert answer.startswith(b"HTTP/1.1 503") and b"Retry-After: 5" in answer and b'"unavailable"' in answer
        # another address is served as usual
        assert timed_get(served.url + "/api/healthz")[0] == 200


def test_security_headers_once_and_no_address_forwarded(served):
    r = requests.get(served.url + "/api/healthz", timeout=30, headers={"X-Forwarded-For": "203.0.113.9"})
    assert r.status_code == 200
    for name in SECURITY:
        assert len(r.raw.headers.getlist(name)) == 1, name
    assert "nginx/" not in r.headers.get("Server", "") and "gunicorn" not in r.headers.get("Server", "")
    r = requests.put(f"{served.url}/api/v1/cases/{new_id()}/items/{new_id()}", data=b"\0" * (17 * 1024 * 1024),
                     headers={"Content-Type": OCTETS}, timeout=60)
    assert r.status_code == 413 and all(r.headers.get(n) for n in SECURITY)
    assert "203.0.113.9" not in served.log() and "127.0.0.1" not in served.log()


# --- the production site file, with TLS ----------------------------------------------------------
def make_certificate(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "fullchain.pem", folder / "privkey.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-days", "2", "-subj", "/CN=signalement.test", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


@pytest.fixture
def production_site(served, tmp_path):
    """deploy/nginx/tipline-site.conf as shipped, with only its names, ports and paths replaced."""
    prefix = tmp_path / "nginx-prod"
    prefix.mkdir(mode=0o711)
    cert, key = make_certificate(prefix)
    https, http = free_port(), free_port()
    site = (DEPLOY / "tipline-site.conf").read_text()
    replacements = {
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https} ssl http2;",
        "listen [::]:443 ssl http2;": "",
        "listen 80;": f"listen 127.0.0.1:{http};",
        "listen [::]:80;": "",
        "server 127.0.0.1:8001;": f"server {served.binds.app};",
        "server 127.0.0.1:8002;": f"server {served.binds.events};",
        "/etc/ssl/tipline/fullchain.pem": str(cert),
        "/etc/ssl/tipline/privkey.pem": str(key),
        "error_log /var/log/nginx/tipline-error.log crit;": "error_log stderr crit;",
    }
    for old, new in replacements.items():
        assert old in site, old
        site = site.replace(old, new)
    for name in INCLUDES:
        (prefix / name).write_text((DEPLOY / name).read_text())
    (prefix / "site.conf").write_text(site)
    user = "user nobody nogroup;" if os.geteuid() == 0 else ""
    temps = "\n".join(f"{name}_temp_path {prefix / name};" for name in TEMP_DIRS)
    for name in TEMP_DIRS:
        (prefix / name).mkdir(mode=0o700)
        if os.geteuid() == 0:
            import pwd

            nobody = pwd.getpwnam("nobody")
            os.chown(prefix / name, nobody.pw_uid, nobody.pw_gid)
    (prefix / "nginx.conf").write_text(
        f"{user}\nworker_processes 1;\npid {prefix / 'nginx.pid'};\nerror_log stderr warn;\ndaemon off;\n"
        f"events {{ worker_connections 1024; }}\n"
        f"http {{\n include tipline-http.conf;\n default_type application/octet-stream;\n{temps}\n"
        f" include site.conf;\n}}\n")
    check = subprocess.run([nginx_binary(), "-t", "-p", str(prefix), "-c", str(prefix / "nginx.conf")],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    proc = subprocess.Popen([nginx_binary(), "-p", str(prefix), "-c", str(prefix / "nginx.conf")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        from tests.support.pg import wait_for

        wait_for(lambda: _open(https))
        yield https, http, cert
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _open(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def test_production_site_tls_hsts_and_redirect(production_site):
    https, http, cert = production_site
    r = requests.get(f"https://127.0.0.1:{https}/api/healthz", verify=str(cert), timeout=30)
    assert r.status_code == 200 and r.json()["status"] in ("ok", "degraded")
    assert r.headers["Strict-Transport-Security"] == "max-age=63072000; includeSubDomains"
    for name in SECURITY:
        assert len(r.raw.headers.getlist(name)) == 1, name
    # a client that would speak TLS 1.0 or 1.1 (its own library's floor lowered) is refused by the
    # server; the same client allowed TLS 1.2 gets through
    def handshake(highest):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.load_verify_locations(str(cert))
        ctx.set_ciphers("ALL:@SECLEVEL=0")
        ctx.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
        ctx.maximum_version = highest
        with socket.create_connection(("127.0.0.1", https), timeout=10) as raw:
            with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
                return tls.version()

    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        for highest in (ssl.TLSVersion.TLSv1, ssl.TLSVersion.TLSv1_1):
            with pytest.raises(ssl.SSLError):
                handshake(highest)
    assert handshake(ssl.TLSVersion.TLSv1_2) == "TLSv1.2"
    assert handshake(ssl.TLSVersion.MAXIMUM_SUPPORTED) == "TLSv1.3"
    # plain HTTP only redirects
    r = requests.get(f"http://127.0.0.1:{http}/api/healthz", allow_redirects=False, timeout=30)
    assert r.status_code == 301 and r.headers["Location"].startswith("https://")
