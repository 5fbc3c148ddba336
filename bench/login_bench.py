"""Citizens' write latency during an operator login flood (issue 8), in one process on SQLite.

Four threads store cases (a write transaction each, through services.cases.open_case, as a
citizen's first request does) for a fixed time while four other threads fail logins as fast as
they can. Three runs: no logins (the baseline), logins as the server does them now (Argon2
before any transaction), and logins as before issue 8 (Argon2 inside the write transaction that
counted the failure). Each run reports writes done and failed (SQLite gives up after waiting
30 s for its lock), and the median and 95th percentile latency, as ratios to the baseline's.
Usage: ``.venv/bin/python -m bench.login_bench [--seconds 10]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.exc import OperationalError

from server.app import create_app
from server.config import Settings
from server.migrations import runner
from server.models import Operator, OperatorToken
from server.services import cases, operators
from server.services.clock import now

WRITERS = LOGINS = 4


def _old_login(session, username: str, password: str) -> None:
    """The login's shape before issue 8: the write lock taken first, Argon2 run while it is held."""
    with session.begin():
        session.execute(delete(OperatorToken).where(OperatorToken.expires_at < now()))
        op = session.scalars(select(Operator).where(Operator.username == username).with_for_update()).first()
        operators.check_password(op.password_hash if op else operators._dummy_hash(), password)


def _run(svc, mode: str, seconds: float) -> tuple[list[float], int, int]:
    """Writers store cases for ``seconds`` while the flood runs; returns the write latencies, the
    writes that failed (SQLite gave up waiting for its lock: 30 s) and the logins answered."""
    stop_flood, stop_writes = threading.Event(), threading.Event()
    latencies: list[float] = []
    failed = [0]
    logins = [0]
    lock = threading.Lock()

    def flood():
        session = svc.sessions()
        while not stop_flood.is_set():
            try:
                if mode == "now":
                    operators.login(session, svc.settings, "agent", "a wrong password")
                else:
                    _old_login(session, "agent", "a wrong password")
            except Exception:  # noqa: BLE001 - the refusal is the point
                session.rollback()
            with lock:
                logins[0] += 1
        session.close()

    def write():
        session = svc.sessions()
        while not stop_writes.is_set():
            t0 = time.perf_counter()
            try:
                cases.open_case(session, svc.settings, os.urandom(16).hex())
            except OperationalError:
                session.rollback()
                with lock:
                    failed[0] += 1
                continue
            elapsed = time.perf_counter() - t0
            with lock:
                latencies.append(elapsed)
        session.close()

    flooders = [threading.Thread(target=flood) for _ in range(LOGINS if mode != "baseline" else 0)]
    for t in flooders:
        t.start()
    time.sleep(0.5 if flooders else 0)
    writers = [threading.Thread(target=write) for _ in range(WRITERS)]
    for t in writers:
        t.start()
    time.sleep(seconds)
    stop_writes.set()
    for t in writers:
        t.join(timeout=60)  # a write waiting for the lock gives up after SQLite's 30 s
    stop_flood.set()
    for t in flooders:
        t.join(timeout=60)
    return latencies, failed[0], logins[0]


def measure(seconds: float, root: Path) -> dict:
    results = {}
    for mode in ("baseline", "now", "before"):
        url = f"sqlite:///{root / (mode + '.sqlite3')}"
        runner.upgrade(url)
        settings = Settings.from_env(env={}, database_url=url, blob_dir=root / "blobs", keys_dir=root / "keys",
                                     origin="https://signalement.test",
                                     # a flood that is never slowed down: the worst case for the database
                                     login_max_failures=10**9)
        app = create_app(settings, check_schema=False, announce=False)
        svc = app.extensions["tipline"]
        operators.create_operator(svc.sessions(), "agent", "the right password here")
        lat, failed, logins = _run(svc, mode, seconds)
        lat.sort()
        results[mode] = {
            "writes": len(lat), "failed_writes": failed, "logins": logins,
            "p50_ms": statistics.median(lat) * 1000 if lat else None,
            "p95_ms": lat[int(len(lat) * 0.95)] * 1000 if lat else None,
        }
        svc.engine.dispose()
    base = results["baseline"]
    for mode in ("now", "before"):
        r = results[mode]
        r["writes_ratio"] = r["writes"] / base["writes"]
        r["p50_ratio"] = r["p50_ms"] / base["p50_ms"] if r["p50_ms"] else None
        r["p95_ratio"] = r["p95_ms"] / base["p95_ms"] if r["p95_ms"] else None
    return results


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seconds", type=float, default=10.0, help="how long the writers write, per run")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _keys(root / "keys")
        print(json.dumps(measure(args.seconds, root), indent=2))


def _keys(directory: Path) -> None:
    """A throwaway signed bundle in the temp dir (the app will not start without one)."""
    from datetime import UTC, datetime, timedelta

    from nacl.signing import SigningKey

    from envelope import bundle as kb

    seed = os.urandom(32)
    issued = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
    payload = kb.make_payload(origin="https://signalement.test", sequence=1, issued=issued,
                              expires=issued + timedelta(days=30), recipients=[(os.urandom(32), "primary")])
    directory.mkdir(parents=True)
    (directory / "bundle.json").write_text(json.dumps(kb.sign_bundle(payload, seed)))
    (directory / "root-key.json").write_text(json.dumps(kb.root_key_document(bytes(SigningKey(seed).verify_key))))


if __name__ == "__main__":
    main()
