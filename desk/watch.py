"""``tipline-desk watch``: follow the change feed live and announce new cases and citizen
messages (with the terminal's bell) until interrupted or, for scripts and tests, until a number
of announcements or a time is reached. Each time the feed moves, the new ciphertext is synced,
so what is announced is already on this machine (``tipline-desk messages CASE`` reads it).

The server's long poll (``GET /events/operator?after=``) answers as soon as the feed moves; a
server without it is polled every ``interval`` seconds instead.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from .client import ApiFailure, Client, DeskError
from .files import read_json
from .safe import plain
from .sync import sync as run_sync

BELL = "\a"
_ID = re.compile(r"[0-9a-f]{32}")
LONG_POLL_SECONDS = 60  # the server answers within about 25 s; this is only the socket's patience


@dataclass
class Announcement:
    line: str
    ring: bool  # a new case or a citizen's message: someone should look


def describe(page: dict) -> list[Announcement]:
    """What a change-feed page brings that an operator should hear of. Ids come from a page that
    desk.sync has already checked (32 hex digits); kinds are the listing's, said as such."""
    out = []
    for item in page.get("items", []):
        case, seq = item["case_id"], item["seq"]
        if item["kind"] == "report":
            out.append(Announcement(f"new case {case} (#{seq})", True))
        elif item["kind"] == "message":
            out.append(Announcement(f"new message from the citizen in case {case} (#{seq}): "
                                    f"tipline-desk messages {case}", True))
        elif item["kind"] == "reply":
            out.append(Announcement(f"reply stored in case {case} (#{seq})", False))
        elif item["kind"] == "note":
            out.append(Announcement(f"internal note stored in case {case} (#{seq}): tipline-desk notes {case}", False))
    for mark in page.get("reads") or []:
        # read marks are not checked by desk.sync: nothing unchecked reaches the terminal
        case = mark.get("case_id") if isinstance(mark, dict) else None
        if isinstance(case, str) and _ID.fullmatch(case) and mark.get("by") == "citizen" \
                and type(mark.get("up_to")) is int:
            out.append(Announcement(f"the citizen read the replies of case {case} up to #{mark['up_to']}", False))
    return out


@dataclass
class Watcher:
    client: Client
    ws: object
    echo: Callable[[str], None]
    interval: float = 5.0
    bell: bool = True
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    announced: int = 0
    live: bool = True
    _pages: list = field(default_factory=list)

    def run(self, *, max_events: int | None = None, seconds: float | None = None) -> int:
        """Follow the feed; returns how many rings were announced."""
        deadline = None if seconds is None else self.clock() + seconds
        while max_events is None or self.announced < max_events:
            left = None if deadline is None else deadline - self.clock()
            if left is not None and left <= 0:
                break
            try:
                if self._moved(left):
                    self._catch_up()
            except ApiFailure as exc:
                if exc.status in (401, 403):
                    raise  # the session ended: `tipline-desk login` again
                self._pause(exc, left)
            except DeskError as exc:  # the network or the server is away for a moment: keep watching
                self._pause(exc, left)
        return self.announced

    def _pause(self, exc: Exception, left: float | None) -> None:
        self.echo(f"({plain(exc)}; trying again in {self.interval:g} s)")
        self.sleep(self.interval if left is None else max(0.0, min(self.interval, left)))

    def _moved(self, left: float | None) -> bool:
        cursor = int((read_json(self.ws.sync_file, {}) or {}).get("cursor", 0))
        if self.live:
            seq = self.client.wait_for_changes(cursor, timeout=LONG_POLL_SECONDS)
            if seq is not None:
                return seq != cursor
            self.live = False
            self.echo(f"(this server has no live feed: looking every {self.interval:g} s)")
        self.sleep(self.interval if left is None else max(0.0, min(self.interval, left)))
        return True

    def _catch_up(self) -> None:
        pages = []
        run_sync(self.client, self.ws, show_progress=False, on_page=pages.append)
        for page in pages:
            for a in describe(page):
                self.echo(a.line + (BELL if a.ring and self.bell else ""))
                self.announced += a.ring
