"""The events process (``tipline-server events``): the live long polls, many at once, cheaply.

One asyncio process (aiohttp) answers ``GET /api/v1/events/mailbox`` and
``GET /api/operator/v1/events/operator`` exactly as the gunicorn fallback does, but a waiting
request costs a few kilobytes and a future instead of a worker thread, so thousands of open
conversation screens do not starve uploads or the operator API (docs/operations.md).

Waking: on PostgreSQL one connection LISTENs to the channel that writing transactions NOTIFY
(server.events.notify) at commit; a resync every few seconds covers a notification lost while
that connection was being re-established. On SQLite a cheap poll of the feed counter (every
change moves it) runs a few times a second, and only when the counter moved are the waiting
mailboxes' revisions read. Database reads run in a small thread pool through the same
SQLAlchemy code as the app (server.events.state).

Nothing about a requester is read or logged: no access log, no address; tokens are only hashed
and looked up, as in the app.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import resource
from collections import defaultdict
from dataclasses import dataclass, field

from aiohttp import web
from sqlalchemy.engine import make_url

from ..config import Settings
from ..db import make_engine, make_sessionmaker
from ..privacy import SECURITY_HEADERS
from . import state
from .notify import CHANNEL

log = logging.getLogger("tipline.events")
SQLITE_POLL_SECONDS = 0.25
PG_RESYNC_SECONDS = 5.0
MAX_AFTER = 2**53


@dataclass(eq=False)
class Waiter:
    after: int
    future: asyncio.Future = field(default_factory=lambda: asyncio.get_running_loop().create_future())

    def offer(self, value: int) -> None:
        if value != self.after and not self.future.done():
            self.future.set_result(value)


class Hub:
    """Who waits for what, and the watcher that wakes them."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.engine = make_engine(settings.database_url, time_resolution=settings.time_resolution)
        self.sessions = make_sessionmaker(self.engine)
        self.mailboxes: dict[str, set[Waiter]] = defaultdict(set)
        self.feed: set[Waiter] = set()
        self.feed_seq: int | None = None
        self.epoch = 0  # moves whenever the watcher has looked: a waiter registered late re-reads
        self._task: asyncio.Task | None = None

    @property
    def postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    async def read(self, fn, *args):
        def run():
            with self.sessions() as s:
                return fn(s, *args)
        return await asyncio.get_running_loop().run_in_executor(None, run)

    # --- waking ---------------------------------------------------------------------------------
    def wake_feed(self, seq: int) -> None:
        self.feed_seq = seq
        for w in list(self.feed):
            w.offer(seq)

    def wake_mailbox(self, mailbox_id: str, revision: int) -> None:
        for w in list(self.mailboxes.get(mailbox_id, ())):
            w.offer(revision)

    async def resync(self) -> None:
        """Read the feed counter and, if it moved, every waiting mailbox's revision."""
        seq = await self.read(state.feed_seq)
        if seq != self.feed_seq:
            waiting = [m for m, ws in self.mailboxes.items() if ws]
            if waiting:
                for mailbox_id, revision in (await self.read(state.mailbox_revisions, waiting)).items():
                    self.wake_mailbox(mailbox_id, revision)
            self.wake_feed(seq)
        self.epoch += 1

    async def _poll_sqlite(self) -> None:
        while True:
            try:
                await self.resync()
            except Exception as exc:  # noqa: BLE001 - a busy or locked database: try again soon
                log.warning("events: reading the database failed (%s)", type(exc).__name__)
            await asyncio.sleep(SQLITE_POLL_SECONDS)

    async def _listen_postgres(self) -> None:
        import psycopg

        url = make_url(self.settings.database_url).set(drivername="postgresql").render_as_string(hide_password=False)
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    await self.resync()  # whatever happened while not listening
                    async for note in conn.notifies(timeout=PG_RESYNC_SECONDS):
                        self._on_payload(note.payload)
                        self.epoch += 1
                await self.resync()  # the timeout: a safety net, cheap
            except Exception as exc:  # noqa: BLE001 - the database went away: listen again
                log.warning("events: listening failed (%s); again in a second", type(exc).__name__)
                await asyncio.sleep(1)

    def _on_payload(self, payload: str) -> None:
        parts = payload.split()
        try:
            if parts[0] == "f" and len(parts) == 2:
                self.wake_feed(int(parts[1]))
            elif parts[0] == "m" and len(parts) == 3:
                self.wake_mailbox(parts[1], int(parts[2]))
        except (ValueError, IndexError):
            pass

    async def start(self, _app=None) -> None:
        self._task = asyncio.create_task(self._listen_postgres() if self.postgres else self._poll_sqlite())

    async def stop(self, _app=None) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self.engine.dispose()

    # --- waiting --------------------------------------------------------------------------------
    async def wait(self, registry: set[Waiter], after: int, current: int, epoch: int, reread) -> int:
        """``current`` was read when the epoch was ``epoch``; wait until the value differs from
        ``after`` or the time is up."""
        if current != after:
            return current
        waiter = Waiter(after)
        registry.add(waiter)
        try:
            if self.epoch != epoch:  # the watcher looked while we were reading: look again
                waiter.offer(await reread())
            # Spread over the last fifth of the wait, so polls opened together do not all come
            # back together.
            wait = self.settings.events_wait_seconds * (0.8 + 0.2 * random.random())
            try:
                return await asyncio.wait_for(asyncio.shield(waiter.future), wait)
            except asyncio.TimeoutError:
                return after
        finally:
            registry.discard(waiter)


def _json(status: int, body: dict, headers: dict | None = None) -> web.Response:
    response = web.json_response(body, status=status, headers=headers)
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    response.headers["Cache-Control"] = "no-store"
    return response


def _error(status: int, code: str, message: str, realm: str | None = None) -> web.Response:
    headers = {"WWW-Authenticate": f'Bearer realm="{realm}"'} if realm else None
    return _json(status, {"error": code, "message": message}, headers)


def _after(request: web.Request) -> int | None:
    raw = request.query.get("after", "0")
    if not raw.isascii() or not raw.isdigit() or len(raw) > 16 or int(raw) > MAX_AFTER:
        return None
    return int(raw)


BAD_AFTER = (400, "invalid_request", "after must be an integer from 0 to 2^53")


async def mailbox_events(request: web.Request) -> web.Response:
    hub: Hub = request.app["hub"]
    epoch = hub.epoch
    found = await hub.read(state.mailbox_of_token, request.headers.get("Authorization"))
    if found is None:
        return _error(401, "invalid_token", "the mailbox token is unknown or has expired: open the mailbox again",
                      "tipline-mailbox")
    after = _after(request)
    if after is None:
        return _error(*BAD_AFTER)
    mailbox_id, revision = found

    async def reread():
        return (await hub.read(state.mailbox_revisions, [mailbox_id])).get(mailbox_id, revision)

    value = await hub.wait(hub.mailboxes[mailbox_id], after, revision, epoch, reread)
    if not hub.mailboxes.get(mailbox_id):
        hub.mailboxes.pop(mailbox_id, None)
    return _json(200, {"revision": value})


async def operator_events(request: web.Request) -> web.Response:
    hub: Hub = request.app["hub"]
    epoch = hub.epoch
    if not await hub.read(state.operator_token_ok, request.headers.get("Authorization")):
        return _error(401, "invalid_token", "the token is unknown or has expired: log in again", "tipline-operators")
    after = _after(request)
    if after is None:
        return _error(*BAD_AFTER)
    seq = await hub.read(state.feed_seq)
    return _json(200, {"seq": await hub.wait(hub.feed, after, seq, epoch, lambda: hub.read(state.feed_seq))})


async def health(request: web.Request) -> web.Response:
    return _json(200, {"status": "ok", "waiting": sum(map(len, request.app["hub"].mailboxes.values()))
                       + len(request.app["hub"].feed)})


def make_app(settings: Settings) -> web.Application:
    app = web.Application(client_max_size=1024)
    hub = Hub(settings)
    app["hub"] = hub
    app.on_startup.append(hub.start)
    app.on_cleanup.append(hub.stop)
    app.router.add_get("/api/v1/events/mailbox", mailbox_events)
    app.router.add_get("/api/operator/v1/events/operator", operator_events)
    app.router.add_get("/events/healthz", health)
    return app


def raise_fd_limit() -> None:
    """Each idle connection is a file descriptor: take all the process may have."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def serve(settings: Settings, host: str, port: int) -> None:
    raise_fd_limit()
    # No access log: it would hold the client's address (the app never logs one either).
    web.run_app(make_app(settings), host=host, port=port, access_log=None, print=None, backlog=2048,
                shutdown_timeout=2)
