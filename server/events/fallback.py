"""The live routes answered inside gunicorn: a short poll, bounded in time, that holds a worker
thread while it waits. A bare gunicorn (tests, a tiny install) works; the served topology sends
these routes to the events process instead (docs/operations.md, "Live events")."""

from __future__ import annotations

import time

from . import state

POLL_SECONDS = 0.25


def _wait(services, read, differs) -> int:
    deadline = time.monotonic() + services.settings.events_fallback_wait_seconds
    while True:
        with services.sessions() as s:
            value = read(s)
        if differs(value) or time.monotonic() >= deadline:
            return value
        time.sleep(POLL_SECONDS)


def wait_for_mailbox(services, mailbox_id: str, after: int) -> int:
    return _wait(services, lambda s: state.mailbox_revisions(s, [mailbox_id]).get(mailbox_id, 0),
                 lambda revision: revision != after)


def wait_for_feed(services, after: int) -> int:
    return _wait(services, state.feed_seq, lambda seq: seq != after)
