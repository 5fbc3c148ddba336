"""The login slow-down: failures per username, known or unknown alike, answered at once up to
``login_max_failures``, then each attempt waits 1, 2, 4… seconds, at most
``login_max_delay_seconds``: never a lockout. The count is forgotten after ``login_decay_seconds``
without a failure.

A desk that has logged in before carries a device token (OperatorDevice): its attempts are not
held by the username's slow-down, so a stranger who fails on purpose slows only other strangers.
A device token that fails too often is dropped (its holder then waits like anyone)."""

from __future__ import annotations

import hashlib
import math
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..config import Settings
from ..models import LoginThrottle

DEVICE_MAX_FAILURES = 10


def _key(username: str) -> str:
    return hashlib.sha256(b"tipline login\n" + username.encode("utf-8")).hexdigest()


def wait_seconds(session: Session, username: str, t: datetime) -> int:
    """Seconds until this username may try again (0: now). Locks its row for the transaction."""
    row = session.scalars(select(LoginThrottle).where(LoginThrottle.key == _key(username)).with_for_update()).first()
    if row is None:
        return 0
    return max(0, math.ceil(row.not_before - t.timestamp()))


def failed(session: Session, settings: Settings, username: str, t: datetime) -> int:
    """Count a failure; returns the seconds the next attempt must wait."""
    forget_old(session, settings, t)
    row = session.get(LoginThrottle, _key(username), with_for_update=True)
    if row is None:
        row = LoginThrottle(key=_key(username), failures=0, not_before=int(t.timestamp()))
        session.add(row)
    row.failures += 1
    over = row.failures - settings.login_max_failures
    delay = 0 if over <= 0 else min(2 ** min(over - 1, 30), settings.login_max_delay_seconds)
    ts = t.timestamp()
    row.not_before = math.ceil(ts) + delay if delay else math.floor(ts)
    return delay


def forget_old(session: Session, settings: Settings, t: datetime) -> int:
    """Drop the rows whose failures are forgotten (``tipline-server gc``, hourly): their exact
    times stay on disk only as long as they matter."""
    forgotten = t.timestamp() - settings.login_decay_seconds
    return session.execute(delete(LoginThrottle).where(LoginThrottle.not_before < forgotten)).rowcount


def succeeded(session: Session, username: str) -> None:
    session.execute(delete(LoginThrottle).where(LoginThrottle.key == _key(username)))
