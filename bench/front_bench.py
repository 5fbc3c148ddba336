"""/api/healthz under slow clients (issue 10): the served topology (nginx in front of gunicorn
and the events process, server/topology.py) with and without 500 slow connections, and, for
comparison, gunicorn alone with 64 of them (what the issue measured: it stops answering).

Slow connections: half send their request headers one line every 2 s and never finish them
(slowloris), half send the headers of an 8 MiB PUT then one byte of body every 2 s, each from one
of 100 loopback addresses. Each run asks healthz ``--requests`` times in a row, each on a new
connection with a 10 s limit (a failure counts as 10 s), and reports p50, p95 and failures, and the
ratio of p95 to the baseline's (nginx, no slow connection) measured in the same run.
Usage: ``.venv/bin/python -m bench.front_bench [--requests 200] [--slow 500]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
from pathlib import Path

from server.migrations import runner
from tests.support.gunicorn import GunicornServer
from tests.support.slowclients import SlowClients, timed_get
from tests.support.topology import ServedTopology

from .common import REPO

LIMIT = 10.0


def measure(url: str, n: int) -> dict:
    results = [timed_get(url + "/api/healthz", timeout=LIMIT) for _ in range(n)]
    times = [t if status == 200 else LIMIT for status, t in results]
    q = statistics.quantiles(times, n=20)
    return {"requests": n, "failed": sum(status != 200 for status, _ in results),
            "p50_ms": statistics.median(times) * 1000, "p95_ms": q[-1] * 1000}


def run(requests_n: int, slow: int, bare_slow: int, root: Path) -> dict:
    data = root / "data"
    data.mkdir(mode=0o700)
    runner.upgrade(f"sqlite:///{data / 'tipline.sqlite3'}")
    from tests.conftest import ORIGIN, SessionKeys  # noqa: F401  (the tests' key material, made here)
    from envelope.open import Identity
    from nacl.signing import SigningKey

    seed = os.urandom(32)
    keys = SessionKeys(root / "keys", seed, bytes(SigningKey(seed).verify_key), [Identity(os.urandom(32)),
                                                                                 Identity(os.urandom(32))])
    keys.write_bundle(keys.dir)
    env = {"TIPLINE_DATA_DIR": str(data), "TIPLINE_KEYS_DIR": str(keys.dir), "TIPLINE_ORIGIN": ORIGIN}
    out = {}
    path = "/api/v1/cases/" + "a" * 32 + "/items/" + "b" * 32
    with ServedTopology(env, root / "served.log") as served:
        host, port = served.binds.listen.split(":")
        timed_get(served.url + "/api/healthz")  # warm up
        out["nginx, no slow connection"] = measure(served.url, requests_n)
        with SlowClients(host, int(port), headers=slow // 2, bodies=slow - slow // 2, path=path):
            out[f"nginx, {slow} slow connections"] = measure(served.url, requests_n)
    server = GunicornServer(env, root / "bare.log", workers=2, threads=4).start()
    try:
        host, port = server.url.removeprefix("http://").split(":")
        out["gunicorn alone, no slow connection"] = measure(server.url, requests_n)
        with SlowClients(host, int(port), headers=bare_slow // 2, bodies=bare_slow - bare_slow // 2, path=path):
            out[f"gunicorn alone, {bare_slow} slow connections"] = measure(server.url, min(requests_n, 5))
    finally:
        server.kill()
    base = out["nginx, no slow connection"]["p95_ms"]
    for row in out.values():
        row["p95_ratio"] = row["p95_ms"] / base if base else float("inf")
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--requests", type=int, default=200)
    p.add_argument("--slow", type=int, default=500)
    p.add_argument("--bare-slow", type=int, default=64)
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="tipline-front-bench-") as tmp:
        os.chmod(tmp, 0o711)
        results = run(args.requests, args.slow, args.bare_slow, Path(tmp))
    print(f"{'run':42} {'failed':>6} {'p50 ms':>8} {'p95 ms':>8} {'p95/base':>9}")
    for name, r in results.items():
        print(f"{name:42} {r['failed']:>6} {r['p50_ms']:>8.1f} {r['p95_ms']:>8.1f} {r['p95_ratio']:>9.2f}")
    out = REPO / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / "front.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
