"""The server's clock. Every time it stores is coarse (``TIPLINE_TIME_RESOLUTION``, an hour by
default), so that a stolen database says little about when a given phone was active: times of
things that happened are rounded down, deadlines (token expiry, lockout) rounded up so that
they are never shortened. Order comes from the feed counter instead."""

from datetime import UTC, datetime, timedelta


def now() -> datetime:
    return datetime.now(UTC)


def round_down(t: datetime, resolution_seconds: int) -> datetime:
    ts = int(t.timestamp())
    return datetime.fromtimestamp(ts - ts % resolution_seconds, UTC)


def round_up(t: datetime, resolution_seconds: int) -> datetime:
    down = round_down(t, resolution_seconds)
    return down if down == t else down + timedelta(seconds=resolution_seconds)


def coarse_now(resolution_seconds: int) -> datetime:
    """Now, rounded down: when something happened, to the granule."""
    return round_down(now(), resolution_seconds)


def coarse_deadline(after: timedelta, resolution_seconds: int) -> datetime:
    """Now plus ``after``, rounded up: a deadline stored coarsely is never earlier than asked."""
    return round_up(now() + after, resolution_seconds)
