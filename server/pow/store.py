"""What the proof of work keeps in the database: its HMAC key (made on first use, shared by all
worker processes) and the solutions already used. Single use is the primary key: two requests
racing with one solution both INSERT, one wins, on SQLite and on PostgreSQL alike."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..models import PowSpent, ServerSecret
from ..services.clock import round_up

KEY_NAME = "pow-hmac"
_keys: dict[str, bytes] = {}  # database url -> key (it never changes while the server runs)


def hmac_key(session: Session) -> bytes:
    url = str(session.get_bind().url)
    if url not in _keys:
        _keys[url] = _read_or_make_key(session)
    return _keys[url]


def _read_or_make_key(session: Session) -> bytes:
    """The key that signs challenges: read, or made once (the first process to commit wins)."""
    with session.begin():
        row = session.get(ServerSecret, KEY_NAME)
        if row is not None:
            return bytes.fromhex(row.value)
    try:
        with session.begin():
            session.add(ServerSecret(name=KEY_NAME, value=secrets.token_hex(32)))
    except IntegrityError:
        pass  # another process made it first: use theirs
    with session.begin():
        return bytes.fromhex(session.get(ServerSecret, KEY_NAME).value)


def spend(session: Session, *, challenge: str, purpose: str, expires: datetime, resolution: int) -> bool:
    """Record a solution as used; False if it already was. The expiry is kept rounded up (a
    coarse time, never shorter than the challenge's own)."""
    try:
        with session.begin():
            session.add(PowSpent(challenge=challenge, purpose=purpose, expires_at=round_up(expires, resolution)))
    except IntegrityError:
        return False
    return True


def recent_cases(session: Session, *, now: datetime, resolution: int) -> int:
    """Case openings whose record is younger than one time granule past its expiry: those of the
    last hour or two with the default resolution (the window is ``load_window``)."""
    with session.begin():
        return session.scalar(select(func.count()).select_from(PowSpent).where(
            PowSpent.purpose == "case", PowSpent.expires_at > now - timedelta(seconds=resolution)))


def load_window(now: datetime, *, resolution: int, ttl: int) -> float:
    """How many seconds back ``recent_cases`` reaches, given that expiries are rounded up."""
    ts = now.timestamp()
    return ts % resolution + resolution + ttl


def purge(session: Session, *, now: datetime, resolution: int) -> int:
    """Forget solutions whose challenge expired more than a granule ago (``tipline-server gc``)."""
    with session.begin():
        result = session.execute(delete(PowSpent).where(PowSpent.expires_at <= now - timedelta(seconds=resolution)))
    return result.rowcount or 0
