"""Slow clients for the front tests and the bench: connections that send their headers or their
body a few bytes at a time (slowloris), each from one of many loopback addresses (127.0.0.0/8 is
all this machine's), as a botnet would rather than one address a per-address limit would stop.
Everything is bounded: a fixed number of sockets, a trickle thread that stops when told."""

from __future__ import annotations

import resource
import socket
import threading
import time


def raise_fd_limit(wanted: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(wanted, hard), hard))


class SlowClients:
    def __init__(self, host: str, port: int, *, headers: int, bodies: int, path: str, addresses: int = 100,
                 first_address: int = 10, interval: float = 2.0):
        self.host, self.port, self.path = host, port, path
        self.counts = (headers, bodies)
        self.addresses, self.first_address, self.interval = addresses, first_address, interval
        self.header_socks: list[socket.socket] = []
        self.body_socks: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _connect(self, n: int) -> socket.socket:
        source = f"127.0.{(self.first_address + n % self.addresses) // 256}.{(self.first_address + n % self.addresses) % 256}"
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.settimeout(10)
        sock.bind((source, 0))
        sock.connect((self.host, self.port))
        return sock

    def start(self) -> SlowClients:
        raise_fd_limit(4096)
        headers, bodies = self.counts
        for n in range(headers):
            s = self._connect(n)
            s.sendall(f"GET /api/healthz HTTP/1.1\r\nHost: {self.host}\r\n".encode())  # never finished
            self.header_socks.append(s)
        for n in range(bodies):
            s = self._connect(headers + n)
            s.sendall((f"PUT {self.path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Type: application/octet-stream\r\n"
                       f"Content-Length: {8 * 1024 * 1024}\r\n\r\n").encode() + b"\0" * 1024)
            self.body_socks.append(s)
        self._thread = threading.Thread(target=self._trickle, daemon=True)
        self._thread.start()
        return self

    def _trickle(self) -> None:
        """A header line or a byte of body per connection, every ``interval``, until stopped."""
        n = 0
        while not self._stop.wait(self.interval):
            n += 1
            for s in self.header_socks:
                _send(s, f"X-Slow-{n}: x\r\n".encode())
            for s in self.body_socks:
                _send(s, b"\0")

    def closed_by_server(self, socks: list[socket.socket]) -> int:
        """How many of these the server has closed (a read sees the end or a reset)."""
        closed = 0
        for s in socks:
            s.setblocking(False)
            try:
                data = s.recv(65536)
                closed += data == b"" or data.startswith(b"HTTP/1.1 408") or b"\r\n\r\n" in data
            except BlockingIOError:
                pass
            except OSError:
                closed += 1
            finally:
                s.setblocking(True)
        return closed

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)
        for s in self.header_socks + self.body_socks:
            s.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def _send(sock: socket.socket, data: bytes) -> None:
    try:
        sock.send(data)
    except OSError:
        pass  # closed by the server: what a timeout does


def timed_get(url: str, timeout: float = 10.0) -> tuple[int, float]:
    """(status, seconds) of one GET on a new connection; status 0 when it failed or timed out."""
    import requests

    start = time.perf_counter()
    try:
        status = requests.get(url, timeout=timeout, headers={"Connection": "close"}).status_code
    except requests.RequestException:
        status = 0
    return status, time.perf_counter() - start
