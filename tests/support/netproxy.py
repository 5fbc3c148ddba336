"""A hostile network between the phone and the server, for tests and benchmarks.

An HTTP/1.1 proxy on 127.0.0.1 (keep-alive, one upstream connection per client connection)
that can:

- shape the link: a rate for each direction, shared by all connections as one radio link is,
  and a round-trip time added to every request (half on the way up, half on the way back);
- inject faults by rules matched on each request: answer in its place (a proxy's HTML 413, a
  507 with Retry-After, a captive portal's 200 page), drop the connection after some bytes of
  the body, or stall (read the request, then say nothing for a while and close).

It runs its own asyncio loop in a thread, so a synchronous test (Playwright's sync API) drives
it with plain method calls. Nothing here is specific to the tip line's API.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

READ = 64 * 1024
HOP_HEADERS = ("connection", "keep-alive", "proxy-connection")


class Pipe:
    """One direction of the link: bytes wait their turn at `rate` bytes per second (None: no limit).

    A token bucket holding BURST seconds of credit: waking up a little late from a sleep (the
    event loop's own latency) is made up by the next pieces instead of lowering the rate.
    """

    BURST = 0.1

    def __init__(self, rate: float | None = None):
        self.rate = rate
        self.free_at = 0.0
        self.bytes = 0

    async def carry(self, n: int) -> None:
        self.bytes += n
        if not self.rate:
            return
        loop = asyncio.get_running_loop()
        now = loop.time()
        self.free_at = max(now - self.BURST, self.free_at) + n / self.rate
        delay = self.free_at - now
        if delay > 0:
            await asyncio.sleep(delay)


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    length: int


@dataclass
class Rule:
    """What to do with requests that `match`; `times` limits how often (None: always)."""

    match: Callable[[Request], bool]
    action: str  # "respond", "drop", "stall"
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    after: int = 0  # drop: bytes of the body let through first
    seconds: float = 0.0  # stall: how long to say nothing
    times: int | None = None
    hits: int = 0


def html_page(status: int, text: str, **headers: str) -> dict:
    """Arguments for a Rule answering an HTML page (a proxy's error page, a portal)."""
    body = f"<!DOCTYPE html><html><head><title>{text}</title></head><body><h1>{text}</h1></body></html>".encode()
    return {"status": status, "body": body, "headers": {"Content-Type": "text/html; charset=utf-8", **headers}}


def json_error(status: int, code: str, **headers: str) -> dict:
    """Arguments for a Rule answering in the server's own error shape."""
    body = ('{"error": "%s", "message": "%s (injected by the test proxy)"}' % (code, code)).encode()
    return {"status": status, "body": body, "headers": {"Content-Type": "application/json", **headers}}


def path_matches(pattern: str, method: str | None = None) -> Callable[[Request], bool]:
    rx = re.compile(pattern)
    return lambda r: (method is None or r.method == method) and rx.search(r.path) is not None


class NetProxy:
    def __init__(self, upstream_port: int, *, port: int = 0):
        self.upstream_port = upstream_port
        self.port = port
        self.up = Pipe()
        self.down = Pipe()
        self.rtt = 0.0
        self.rules: list[Rule] = []
        self.log: list[tuple[float, str, str, str]] = []  # (time, method, path, what happened)
        # forwarded requests: (method, path, body bytes, head received, body received, answer began, answer sent)
        self.timings: list[tuple[str, str, int, float, float, float, float]] = []
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.base_events.Server | None = None
        self._thread: threading.Thread | None = None
        self._tasks: set[asyncio.Task] = set()

    # --- control (any thread) ---------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def shape(self, *, up: float | None = None, down: float | None = None, rtt_ms: float = 0.0) -> None:
        """Rates in bytes per second (None: unlimited) and a round-trip time."""
        self.up.rate, self.down.rate, self.rtt = up, down, rtt_ms / 1000

    def add(self, match: Callable[[Request], bool], action: str, **kwargs) -> Rule:
        rule = Rule(match=match, action=action, **kwargs)
        with self._lock:
            self.rules.append(rule)
        return rule

    def remove(self, rule: Rule) -> None:
        with self._lock:
            if rule in self.rules:
                self.rules.remove(rule)

    def clear(self) -> None:
        with self._lock:
            self.rules.clear()

    def seen(self, what: str | None = None) -> list[tuple[float, str, str, str]]:
        with self._lock:
            return [e for e in self.log if what is None or e[3] == what]

    def start(self) -> NetProxy:
        ready = threading.Event()

        def main() -> None:
            self._loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self._loop)
            self._server = self._loop.run_until_complete(
                asyncio.start_server(self._client, "127.0.0.1", self.port, reuse_address=True))
            self.port = self._server.sockets[0].getsockname()[1]
            ready.set()
            self._loop.run_forever()
            self._loop.close()

        self._thread = threading.Thread(target=main, name="netproxy", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the proxy did not start")
        return self

    def stop(self) -> None:
        if self._loop is None:
            return

        async def close() -> None:
            self._server.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop = None

    def __enter__(self) -> NetProxy:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- the proxy (its own loop) ----------------------------------------------------------------
    def _note(self, req: Request, what: str) -> None:
        with self._lock:
            self.log.append((time.monotonic(), req.method, req.path, what))

    def _rule_for(self, req: Request) -> Rule | None:
        with self._lock:
            for rule in self.rules:
                if (rule.times is None or rule.hits < rule.times) and rule.match(req):
                    rule.hits += 1
                    return rule
        return None

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        self._tasks.add(task)
        upstream: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        try:
            while True:
                head = await self._read_head(reader, self.up)
                if head is None:
                    return
                req = _parse_request(head)
                rule = self._rule_for(req)
                if rule is not None and rule.action == "drop":
                    self._note(req, "drop")
                    await self._read_body(reader, min(rule.after, req.length), self.up)
                    return
                if rule is not None and rule.action == "stall":
                    self._note(req, "stall")
                    await self._read_body(reader, req.length, self.up)
                    await asyncio.sleep(rule.seconds)
                    return
                if rule is not None or req.path == "/__sink":
                    await self._read_body(reader, req.length, self.up)
                    await asyncio.sleep(self.rtt)
                    status, body, headers = (rule.status, rule.body, rule.headers) if rule else (204, b"", {})
                    self._note(req, f"answered {status}" if rule else "sink")
                    keep = req.headers.get("connection", "").lower() != "close"
                    await self._write(writer, _response(status, body, headers, keep), self.down)
                    if not keep:
                        return
                    continue
                began = time.monotonic()
                if upstream is None:
                    upstream = await asyncio.open_connection("127.0.0.1", self.upstream_port)
                up_reader, up_writer = upstream
                await asyncio.sleep(self.rtt / 2)
                up_writer.write(head)
                await self._pump(reader, up_writer, req.length, self.up)
                await up_writer.drain()
                sent = time.monotonic()
                closing, answered = await self._relay_response(up_reader, writer, req)
                with self._lock:
                    self.timings.append((req.method, req.path, req.length, began, sent, answered, time.monotonic()))
                self._note(req, "forwarded")
                if closing:
                    return
        except (ConnectionError, asyncio.IncompleteReadError, OSError):
            return
        except asyncio.CancelledError:
            return
        finally:
            for w in ([writer] + ([upstream[1]] if upstream else [])):
                with contextlib.suppress(Exception):
                    w.close()
            self._tasks.discard(task)

    async def _read_head(self, reader: asyncio.StreamReader, pipe: Pipe) -> bytes | None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            return None
        await pipe.carry(len(head))
        return head

    async def _read_body(self, reader: asyncio.StreamReader, n: int, pipe: Pipe) -> None:
        while n > 0:
            data = await reader.read(min(READ, n))
            if not data:
                raise ConnectionError("the client went away")
            n -= len(data)
            await pipe.carry(len(data))

    async def _pump(self, reader, writer, n: int, pipe: Pipe) -> None:
        while n > 0:
            data = await reader.read(min(READ, n))
            if not data:
                raise ConnectionError("the body ended early")
            n -= len(data)
            await pipe.carry(len(data))
            writer.write(data)
            await writer.drain()

    async def _write(self, writer: asyncio.StreamWriter, data: bytes, pipe: Pipe) -> None:
        for i in range(0, len(data), READ):
            piece = data[i:i + READ]
            await pipe.carry(len(piece))
            writer.write(piece)
            await writer.drain()

    async def _relay_response(self, up_reader, writer, req: Request) -> tuple[bool, float]:
        """Copy one response back: (whether the connection must close afterwards, when it began)."""
        head = await up_reader.readuntil(b"\r\n\r\n")
        answered = time.monotonic()
        await asyncio.sleep(self.rtt / 2)
        status, headers = _parse_response(head)
        await self._write(writer, head, self.down)
        no_body = req.method == "HEAD" or status in (204, 304) or 100 <= status < 200
        if no_body:
            pass
        elif "content-length" in headers:
            await self._copy(up_reader, writer, int(headers["content-length"]))
        elif "chunked" in headers.get("transfer-encoding", "").lower():
            while True:
                line = await up_reader.readuntil(b"\r\n")
                await self._write(writer, line, self.down)
                size = int(line.split(b";")[0].strip(), 16)
                if size == 0:
                    while True:  # trailers, then the empty line
                        trailer = await up_reader.readuntil(b"\r\n")
                        await self._write(writer, trailer, self.down)
                        if trailer == b"\r\n":
                            break
                    break
                await self._copy(up_reader, writer, size + 2)
        else:
            while data := await up_reader.read(READ):
                await self._write(writer, data, self.down)
            return True, answered
        return (headers.get("connection", "").lower() == "close" or
                req.headers.get("connection", "").lower() == "close"), answered

    async def _copy(self, reader, writer, n: int) -> None:
        while n > 0:
            data = await reader.read(min(READ, n))
            if not data:
                raise ConnectionError("the server's answer ended early")
            n -= len(data)
            await self._write(writer, data, self.down)


def _parse_request(head: bytes) -> Request:
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
    return Request(method, target.split("?", 1)[0], headers, int(headers.get("content-length") or 0))


def _parse_response(head: bytes) -> tuple[int, dict[str, str]]:
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
    return status, headers


_REASONS = {200: "OK", 204: "No Content", 413: "Payload Too Large", 429: "Too Many Requests", 500:
            "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable", 507: "Insufficient Storage"}


def _response(status: int, body: bytes, headers: dict[str, str], keep: bool) -> bytes:
    lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}"]
    lines += [f"{k}: {v}" for k, v in headers.items() if k.lower() not in HOP_HEADERS and k.lower() != "content-length"]
    lines.append(f"Content-Length: {len(body)}")
    lines.append("Cache-Control: no-store")
    lines.append("Connection: keep-alive" if keep else "Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
