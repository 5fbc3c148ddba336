"""How much work what costs. Opening a case costs ``pow_max_number`` (the phone tries half of
that many numbers on average); an item costs in proportion to its size, a case's worth per
``pow_bytes_per_case``, once the case holds more than ``pow_free_case_bytes`` (a report and a
few messages go free). Under load, when more cases were opened in the last hour or so than
``pow_load_cases_per_hour``, every price is multiplied by the excess, up to
``pow_max_load_factor``: a flood makes itself dearer, a citizen pays at most that factor."""

from __future__ import annotations

import math
import threading
import time
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..config import Settings
from ..models import Item, Upload
from ..services.clock import now
from . import store

MIN_NUMBER = 1000  # below this the work is noise next to the round trip
LOAD_CACHE_SECONDS = 10.0

_load_lock = threading.Lock()
_load_cache: dict[str, tuple[float, float]] = {}  # database url -> (when measured, factor)


def enabled(settings: Settings) -> bool:
    return settings.pow_max_number > 0


def load_factor(session: Session, settings: Settings) -> float:
    """The recent rate of new cases over the configured normal rate (at least 1, at most the
    cap); measured at most every ten seconds per process: it costs a COUNT."""
    url = str(session.get_bind().url)
    with _load_lock:
        cached = _load_cache.get(url)
        if cached and time.monotonic() - cached[0] < LOAD_CACHE_SECONDS:
            return cached[1]
    at = now()
    count = store.recent_cases(session, now=at, resolution=settings.time_resolution)
    window = store.load_window(at, resolution=settings.time_resolution, ttl=settings.pow_ttl_seconds)
    rate = count * 3600 / window
    factor = min(float(settings.pow_max_load_factor), max(1.0, rate / settings.pow_load_cases_per_hour))
    with _load_lock:
        _load_cache[url] = (time.monotonic(), factor)
    return factor


def forget_load() -> None:
    """Measure the load afresh on the next request (tests)."""
    with _load_lock:
        _load_cache.clear()


def units(settings: Settings, purpose: str, size: int) -> float:
    """The work asked, in cases' worth."""
    return 1.0 if purpose == "case" else size / settings.pow_bytes_per_case


def max_number(settings: Settings, purpose: str, size: int, factor: float) -> int:
    return max(MIN_NUMBER, round(settings.pow_max_number * units(settings, purpose, size) * factor))


def ttl(settings: Settings, purpose: str, size: int, factor: float) -> timedelta:
    """Time to solve and use a challenge: longer for bigger work, so a slow phone still makes it."""
    return timedelta(seconds=settings.pow_ttl_seconds * max(1, math.ceil(units(settings, purpose, size) * factor)))


def item_needs_work(session: Session, settings: Settings, *, case_id: str, item_id: str, size: int) -> bool:
    """Whether storing ``size`` more bytes in the case goes past its free allowance."""
    if size > settings.pow_free_case_bytes:
        return True
    with session.begin():
        held = session.scalar(select(func.coalesce(func.sum(Item.size), 0)).where(Item.case_id == case_id))
        held += session.scalar(select(func.coalesce(func.sum(Upload.size), 0)).where(
            Upload.case_id == case_id, Upload.item_id != item_id))
    return held + size > settings.pow_free_case_bytes
