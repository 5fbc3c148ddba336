"""Proof of work (issue 10): what it costs a citizen, what it leaves an attacker. Run by
``python -m bench.pow_bench`` (``--quick`` for a smoke run); results in docs/benchmarks.md.

1. The citizen: challenges made by the server's own code (server.pow.scheme.issue, with the
   default TIPLINE_POW_MAX_NUMBER unless --max-number) solved by the app's solver (pwa/src/pow)
   in headless Debian Chromium slowed down 4x with CDP ``Emulation.setCPUThrottlingRate`` (a
   mid-range phone against this machine's core), on the page's thread, where the throttling is
   certain, and in a dedicated worker, as the app solves (the report says whether the throttling
   reached the worker). The same run measures three ways of hashing in the browser on the same
   salt: the app's SHA-256 on the salt's saved state, libsodium's crypto_hash_sha256 (whole text
   each time) and WebCrypto's digest awaited per candidate (ALTCHA's own widget).
2. The attacker, one client thread (one core) against the real server (gunicorn, 2 workers,
   SQLite) on 127.0.0.1: new cases per second (GET /pow, solve with hashlib on the salt's saved
   state, PUT the case), and accepted bytes per second (valid-framed junk: one real attachment
   envelope of ~8 MB whose ids and part are rewritten for each item, each PUT with its work, a
   new case when one is full), with the default difficulty and with proof of work off, in the
   same run, as ratios. Loops are bounded by count and time; the server stops itself if this
   process dies (bench.serverapp).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import struct
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import requests

from envelope.constants import Kind
from envelope.seal import encrypt_bytes
from server.config import Settings
from server.pow import policy
from server.pow.scheme import issue
from tests.support.desk import server_cli
from tests.support.gunicorn import GunicornServer
from tests.support.pow import header_value, solve_number

from .browser_bench import CHROMIUM, CHROMIUM_ARGS, ESBUILD, PWA, static_server
from .common import MB, REPO
from .ingest_bench import ORIGIN, _write_keys

THROTTLE = 4
DEFAULTS = Settings.from_env(env={}, database_url="sqlite://", blob_dir=Path("."), keys_dir=Path("."),
                             pwa_dir=Path("."), origin=ORIGIN)


# --- 1. the citizen ------------------------------------------------------------------------------
def bundle_page(site: Path) -> None:
    site.mkdir(parents=True, exist_ok=True)
    (site / "index.html").write_text("<!doctype html><meta charset=utf-8><title>pow</title>"
                                     "<script type=module src=pow-page.js></script>")
    env = {**os.environ, "NODE_PATH": str(PWA / "node_modules")}
    args = [str(REPO / "bench" / "browser" / "pow-page.js"), str(REPO / "bench" / "browser" / "pow-worker.js"),
            "--bundle", "--format=esm", "--target=es2022", "--log-level=warning", f"--outdir={site}"]
    import subprocess

    done = subprocess.run([str(ESBUILD), *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"esbuild failed: {done.stdout}{done.stderr}")


def challenges(count: int, max_number: int) -> list[dict]:
    """Challenges as the server issues them (its salt, its params), with the default TTL."""
    key = os.urandom(32)
    return [issue(key, purpose="case", size=0, max_number=max_number, ttl=timedelta(minutes=5)) for _ in range(count)]


def citizen(max_number: int, solves: int, rate_ms: int, log) -> dict:
    from playwright.sync_api import sync_playwright

    out: dict = {"max_number": max_number, "throttle": THROTTLE}
    with tempfile.TemporaryDirectory() as tmp, static_server(Path(tmp)) as url, sync_playwright() as p:
        bundle_page(Path(tmp))
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page()
            page.goto(url + "/index.html")
            page.wait_for_function("() => globalThis.powBench && globalThis.powBench.ready", timeout=60_000)
            salt = challenges(1, max_number)[0]["salt"]
            cdp = page.context.new_cdp_session(page)
            for rate in (1, THROTTLE):
                cdp.send("Emulation.setCPUThrottlingRate", {"rate": rate})
                log(f"pow: hash rates in Chromium, CPU throttling {rate}x")
                out[f"rates_{rate}x"] = page.evaluate("([s, ms]) => powBench.rates(s, ms)", [salt, rate_ms])
                for where in ("Main", "Worker"):
                    runs = []
                    for c in challenges(solves, max_number):
                        t0 = time.perf_counter()
                        found = page.evaluate(f"c => powBench.solve{where}(c)", c)
                        wall = time.perf_counter() - t0
                        if found is None or found["number"] != solve_number(c):
                            raise RuntimeError("the browser's solver found a wrong number")
                        runs.append({"tries": found["tries"], "ms": found["ms"], "wall_ms": wall * 1000})
                    tries = sum(r["tries"] for r in runs)
                    ms = sum(r["ms"] for r in runs)
                    out[f"solve_{where.lower()}_{rate}x"] = {
                        "runs": len(runs), "tries_per_ms": tries / ms, "mean_ms": statistics.mean(r["ms"] for r in runs),
                        "mean_wall_ms": statistics.mean(r["wall_ms"] for r in runs),
                        # the number is uniform in [0, max]: on average max/2 + 1 tries
                        "expected_ms": (max_number / 2 + 1) / (tries / ms), "worst_ms": (max_number + 1) / (tries / ms),
                    }
                    log(f"pow:   {where.lower()}: {tries / ms:.0f} tries/ms, expected {out[f'solve_{where.lower()}_{rate}x']['expected_ms']:.0f} ms")
        finally:
            browser.close()
    return out


# --- 2. the attacker -----------------------------------------------------------------------------
@contextmanager
def server(tmp: Path, max_number: int, log):
    root = tmp / f"pow-{max_number}"
    data_dir, keys_dir = root / "data", root / "keys"
    data_dir.mkdir(parents=True)
    _write_keys(keys_dir)
    env = {"TIPLINE_DATA_DIR": str(data_dir), "TIPLINE_KEYS_DIR": str(keys_dir), "TIPLINE_ORIGIN": ORIGIN,
           "TIPLINE_POW_MAX_NUMBER": str(max_number), "TIPLINE_BENCH_OWNER": str(os.getpid()),
           "TIPLINE_BENCH_DEADLINE": str(time.time() + 900)}
    server_cli(env, "db", "upgrade")
    srv = GunicornServer(env, root / "server.log", workers=2, threads=4, app="bench.serverapp:app")
    log(f"pow: server with TIPLINE_POW_MAX_NUMBER={max_number}")
    srv.start(timeout=60)
    try:
        yield srv.url
    finally:
        srv.stop()


class Attacker:
    """One thread, one keep-alive connection, the cheapest valid requests the server takes."""

    def __init__(self, url: str, template: bytes):
        self.url = url
        self.http = requests.Session()
        self.template = bytearray(template)
        self.solve_s = 0.0
        self.tries = 0

    def work(self, purpose: str, size: int = 0) -> dict:
        r = self.http.get(f"{self.url}/api/v1/pow", params={"purpose": purpose, "size": size}, timeout=30)
        if r.status_code == 404:
            return {}
        c = r.json()
        t0 = time.perf_counter()
        n = solve_number(c)
        self.solve_s += time.perf_counter() - t0
        self.tries += n + 1
        return {"X-Tipline-Pow": header_value(c, n)}

    def open_case(self) -> str:
        case_id = os.urandom(16).hex()
        r = self.http.put(f"{self.url}/api/v1/cases/{case_id}", headers=self.work("case"), timeout=30)
        if r.status_code != 201:
            raise RuntimeError(f"case refused: {r.status_code} {r.text[:200]}")
        return case_id

    def put_junk(self, case_id: str, part: int) -> int:
        item_id = os.urandom(16)
        # magic(7) version kind n reserved(2) | envelope_id(16) case_id(16) part(4): the server reads
        # only the layout, so one real envelope's bytes under new ids are accepted as a new item
        self.template[12:28] = item_id
        self.template[28:44] = bytes.fromhex(case_id)
        self.template[44:48] = struct.pack(">I", part)
        headers = {"Content-Type": "application/octet-stream", **self.work("upload", len(self.template))}
        r = self.http.put(f"{self.url}/api/v1/cases/{case_id}/items/{item_id.hex()}", data=bytes(self.template),
                          headers=headers, timeout=60)
        if r.status_code != 201:
            raise RuntimeError(f"item refused: {r.status_code} {r.text[:200]}")
        return len(self.template)


def attack_cases(url: str, template: bytes, seconds: float, cap: int) -> dict:
    a = Attacker(url, template)
    n = 0
    t0 = time.perf_counter()
    while n < cap and time.perf_counter() - t0 < seconds:
        a.open_case()
        n += 1
    elapsed = time.perf_counter() - t0
    return {"cases": n, "seconds": elapsed, "cases_per_s": n / elapsed, "solving_share": a.solve_s / elapsed,
            "tries_per_s": a.tries / a.solve_s if a.solve_s else None}


def attack_bytes(url: str, template: bytes, seconds: float, cap_bytes: int) -> dict:
    a = Attacker(url, template)
    stored = 0
    case_id, part = a.open_case(), 1
    t0 = time.perf_counter()
    while stored < cap_bytes and time.perf_counter() - t0 < seconds:
        stored += a.put_junk(case_id, part)
        part += 1
        if part >= 190:
            case_id, part = a.open_case(), 1
    elapsed = time.perf_counter() - t0
    return {"bytes": stored, "seconds": elapsed, "mb_per_s": stored / elapsed / MB, "solving_share": a.solve_s / elapsed,
            "tries_per_s": a.tries / a.solve_s if a.solve_s else None}


def junk_template() -> bytes:
    """A real attachment envelope just under the direct-PUT limit (8 MiB)."""
    data, _ = encrypt_bytes(os.urandom(7_800_000), kind=Kind.ATTACHMENT, case_id=os.urandom(16), part_index=1,
                            recipients=[os.urandom(32)], envelope_id=os.urandom(16))
    assert len(data) <= DEFAULTS.max_direct_put_bytes, len(data)
    return data


def native_tries_per_s() -> float | None:
    """What a native solver would do on one core: OpenSSL's SHA-256 of 64-byte messages (two
    compressions each, with the padding block), times two, as a candidate on the salt's saved
    state costs one compression. No SIMD multi-buffer tricks: a floor for a determined attacker."""
    import re
    import subprocess

    try:
        done = subprocess.run(["openssl", "speed", "-seconds", "3", "-bytes", "64", "sha256"], capture_output=True,
                              text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    m = re.search(r"^sha256\s+([\d.]+)k", done.stdout, re.M)
    return float(m.group(1)) * 1000 / 64 * 2 if m else None


def attacker(max_number: int, seconds: float, cap_bytes: int, log) -> dict:
    template = junk_template()
    out: dict = {"max_number": max_number, "item_bytes": len(template),
                 "item_max_number": policy.max_number(replace(DEFAULTS, pow_max_number=max_number), "upload",
                                                      len(template), 1.0),
                 "native_tries_per_s": native_tries_per_s()}
    with tempfile.TemporaryDirectory(dir=REPO / "var" if (REPO / "var").is_dir() else None) as tmp:
        for label, number in (("with", max_number), ("without", 0)):
            with server(Path(tmp), number, log) as url:
                log(f"pow: attacker, cases, {label} proof of work")
                out[f"cases_{label}"] = attack_cases(url, template, seconds, cap=100_000)
                log(f"pow: attacker, bytes, {label} proof of work")
                out[f"bytes_{label}"] = attack_bytes(url, template, seconds, cap_bytes)
    out["cases_ratio"] = out["cases_with"]["cases_per_s"] / out["cases_without"]["cases_per_s"]
    out["bytes_ratio"] = out["bytes_with"]["mb_per_s"] / out["bytes_without"]["mb_per_s"]
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.pow_bench", description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="fewer solves, shorter attacks")
    p.add_argument("--max-number", type=int, default=None, help="the case's difficulty (default: the server's)")
    p.add_argument("--only", choices=("citizen", "attacker"))
    p.add_argument("--out", type=Path, default=REPO / "bench" / "out" / "pow.json")
    args = p.parse_args(argv)
    max_number = args.max_number or DEFAULTS.pow_max_number or 2_000_000
    log = lambda msg: print(msg, file=sys.stderr, flush=True)  # noqa: E731
    results: dict = {"when": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()), "cpus": os.cpu_count()}
    if args.only in (None, "citizen"):
        results["citizen"] = citizen(max_number, solves=3 if args.quick else 8, rate_ms=300 if args.quick else 1000,
                                     log=log)
    if args.only in (None, "attacker"):
        results["attacker"] = attacker(max_number, seconds=5 if args.quick else 15,
                                       cap_bytes=(256 if args.quick else 1536) * MB, log=log)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
