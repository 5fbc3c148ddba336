"""Settings from environment variables, with safe defaults for the embedded setup."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path

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
    pwa_dir: Path | None  # None: the API alone, the citizen app served from elsewhere
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
    # back-pressure (server.services.storage): 507 with Retry-After before the disk fills
    storage_budget_bytes: int = 0  # all ciphertext stored and reserved; 0: no budget, the watermark alone
    min_free_bytes: int = 1 * GiB  # free space kept on the blob store's and the SQLite file's file systems
    storage_retry_after_seconds: int = 600
    # retention (server.services.retention): days after the last status change; 0 keeps forever
    retention_not_actionable_days: int = 30
    retention_closed_days: int = 90
    retention_useful_days: int = 0
    retention_new_days: int = 0
    empty_case_ttl_hours: int = 72  # a case that never received a report
    tombstone_days: int = 365  # how long desks are told about a deleted case
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
    # proof of work (server.pow, docs/api.md "Proof of work"): ALTCHA's max number for opening a
    # case, i.e. twice the SHA-256 evaluations a phone makes on average; 0 turns the work off
    # 500 000: about a second on a phone 4x slower than this machine's core (docs/benchmarks.md)
    pow_max_number: int = 500_000
    pow_bytes_per_case: int = 16 * MiB  # an item of this size costs as much work as opening a case
    pow_free_case_bytes: int = 256 * 1024  # items fit free of work while the case holds at most this
    pow_ttl_seconds: int = 300  # a challenge's life, per case's worth of work it asks for
    pow_load_cases_per_hour: int = 120  # above this rate of new cases the work grows in proportion
    pow_max_load_factor: int = 32

    @classmethod
    def from_env(cls, env=None, **overrides) -> Settings:
        """Settings from ``env`` (default: the environment). Paths have no default inside the
        code's own folder: a deployment (or scripts/serve, or a test) names them."""
        env = os.environ if env is None else env
        data_dir = env.get("TIPLINE_DATA_DIR")

        def path(name: str, variable: str, under_data: str | None) -> Path | None:
            if name in overrides:
                return overrides[name]
            if env.get(variable):
                return Path(env[variable])
            if data_dir and under_data:
                return Path(data_dir) / under_data
            return None

        database_url = overrides.get("database_url") or env.get("DATABASE_URL")
        if not database_url and data_dir:
            database_url = f"sqlite:///{Path(data_dir) / 'tipline.sqlite3'}"
        values = dict(
            database_url=database_url,
            blob_dir=path("blob_dir", "TIPLINE_BLOB_DIR", "blobs"),
            keys_dir=path("keys_dir", "TIPLINE_KEYS_DIR", None),
            pwa_dir=path("pwa_dir", "TIPLINE_PWA_DIR", None),
            origin=env.get("TIPLINE_ORIGIN") or "http://127.0.0.1:8000",
        )
        missing = [variable for name, variable in (("database_url", "DATABASE_URL or TIPLINE_DATA_DIR"),
                                                   ("blob_dir", "TIPLINE_BLOB_DIR or TIPLINE_DATA_DIR"),
                                                   ("keys_dir", "TIPLINE_KEYS_DIR"))
                   if values[name] is None]
        if missing:
            raise ValueError("set " + ", ".join(missing) + " (README, 'Configuration')")
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
        if self.storage_budget_bytes < 0 or self.min_free_bytes < 0:
            raise ValueError("TIPLINE_STORAGE_BUDGET_BYTES and TIPLINE_MIN_FREE_BYTES must not be negative")
        if self.time_resolution < 1:
            raise ValueError("TIPLINE_TIME_RESOLUTION must be at least 1 second")
        if self.pow_max_number < 0 or self.pow_bytes_per_case < 1 or self.pow_ttl_seconds < 10:
            raise ValueError("TIPLINE_POW_MAX_NUMBER must be >= 0, TIPLINE_POW_BYTES_PER_CASE >= 1, "
                             "TIPLINE_POW_TTL_SECONDS >= 10")
        if self.pow_load_cases_per_hour < 1 or self.pow_max_load_factor < 1:
            raise ValueError("TIPLINE_POW_LOAD_CASES_PER_HOUR and TIPLINE_POW_MAX_LOAD_FACTOR must be >= 1")
        if self.database_url.startswith("postgres://"):
            raise ValueError("use postgresql+psycopg://… in DATABASE_URL")
