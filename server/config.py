"""Settings from environment variables, with safe defaults for the embedded setup."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MiB = 1024 * 1024
GiB = 1024 * MiB


def _int(env, name, default):
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"{name} must be an integer, got {raw!r}") from None


@dataclass(frozen=True)
class Settings:
    database_url: str
    blob_dir: Path
    keys_dir: Path
    pwa_dir: Path
    origin: str
    # limits: each breach is a 4xx, never a crash
    max_item_bytes: int = 2 * GiB  # largest envelope, chunked upload
    max_direct_put_bytes: int = 8 * MiB  # largest envelope sent in one PUT
    min_chunk_bytes: int = 64 * 1024
    max_chunk_bytes: int = 8 * MiB
    max_items_per_case: int = 200
    max_case_bytes: int = 4 * GiB
    max_open_uploads_per_case: int = 16
    max_json_bytes: int = 64 * 1024
    # anonymity: citizen-side timestamps are stored rounded down to this many seconds
    time_resolution: int = 3600
    upload_ttl_hours: int = 72
    # operators
    token_ttl_seconds: int = 3600
    # failures (per username) answered at once; then each waits longer, up to the maximum delay,
    # and the count is forgotten after the decay (services.throttle)
    login_max_failures: int = 5
    login_max_delay_seconds: int = 60
    login_decay_seconds: int = 900
    # 1: an operator without an enrolled second factor cannot log in (tipline-server enroll-totp)
    require_totp: int = 1
    # the conversation (docs/conversation.md): citizen messages, mailbox login, live events
    max_message_bytes: int = 64 * 1024  # padded length of a message (kind 3)
    messages_per_hour: int = 30  # citizen messages per case
    mailbox_challenge_seconds: int = 60
    mailbox_token_ttl_seconds: int = 900
    events_wait_seconds: int = 25  # the events process's long poll
    events_fallback_wait_seconds: int = 5  # the same routes on gunicorn: short, each holds a thread
    check_schema: bool = True

    @classmethod
    def from_env(cls, env=None, **overrides) -> Settings:
        env = os.environ if env is None else env
        data_dir = Path(env.get("TIPLINE_DATA_DIR") or REPO / "var")
        values = dict(
            database_url=env.get("DATABASE_URL") or f"sqlite:///{data_dir / 'tipline.sqlite3'}",
            blob_dir=Path(env.get("TIPLINE_BLOB_DIR") or data_dir / "blobs"),
            keys_dir=Path(env.get("TIPLINE_KEYS_DIR") or REPO / "keys"),
            pwa_dir=Path(env.get("TIPLINE_PWA_DIR") or REPO / "pwa" / "dist"),
            origin=env.get("TIPLINE_ORIGIN") or "http://127.0.0.1:8000",
        )
        for f in fields(cls):
            if f.name in values or f.type not in ("int", int):
                continue
            values[f.name] = _int(env, "TIPLINE_" + f.name.upper(), f.default)
        values.update(overrides)
        settings = cls(**values)
        settings.validate()
        return settings

    def validate(self) -> None:
        if not self.min_chunk_bytes <= self.max_chunk_bytes:
            raise ValueError("TIPLINE_MIN_CHUNK_BYTES must not exceed TIPLINE_MAX_CHUNK_BYTES")
        if self.min_chunk_bytes < 2048:
            raise ValueError("chunks must be at least 2048 bytes so the first one holds the whole header")
        if self.time_resolution < 1:
            raise ValueError("TIPLINE_TIME_RESOLUTION must be at least 1 second")
        if self.database_url.startswith("postgres://"):
            raise ValueError("use postgresql+psycopg://… in DATABASE_URL")
