from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)


def coarse_now(resolution_seconds: int) -> datetime:
    """Now, rounded down: citizen-side times are stored coarsely so they say less about who sent what."""
    ts = int(now().timestamp())
    return datetime.fromtimestamp(ts - ts % resolution_seconds, UTC)
