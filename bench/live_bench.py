"""Live delivery under load (issue 7): the served topology (nginx, gunicorn, the events process)
on 127.0.0.1, with 1,000 idle citizens' long polls open and uploads running.

Two phases in one run, on the same server:

1. **baseline**: uploads only, plus the long polls of the few mailboxes the probe replies to;
2. **loaded**: the same, with ``--idle`` (1,000) more mailboxes' long polls open and idle.

In each phase ``--uploaders`` threads PUT fresh attachment envelopes (``--item-mib`` each, sealed
on the fly) for ``--seconds``, while an operator thread sends ``--replies`` replies, one every
``--reply-every`` seconds, to the probe mailboxes in turn. For each reply the delay is from the
operator receiving ``201`` (the reply is stored) to the citizen's long poll answering with the
new revision (it can be slightly negative: the wake-up may overtake the 201). Reported: p50 and
p95 of that delay in each phase; the loaded phase's upload MB/s as a ratio to the baseline's;
the events process's and nginx's resident memory per idle connection (RSS with the idle polls
open minus RSS before them, divided by their number).

The client holds its polls in one asyncio loop (aiohttp) in a thread of this process. Every
loop is bounded in count and time, every request has a timeout, and the three servers are
stopped at the end. Usage: ``scripts/bench live`` or ``.venv/bin/python -m bench.live_bench
[--idle 1000] [--seconds 20] [--postgres]``; results in bench/out/live.json.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import resource
import shutil
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import aiohttp
import psutil
import requests
from nacl.bindings import crypto_scalarmult_base
from nacl.signing import SigningKey

from envelope.constants import Kind
from envelope.seal import encrypt_bytes
from server.topology import Binds, Topology, free_port
from tests.support.desk import server_cli

from .common import REPO, MiB, machine_facts
from .ingest_bench import ORIGIN, _start_postgres, _write_keys

TIMEOUT = 60
PASSWORD = "bench operator password"
OCTETS = "application/octet-stream"


def _log(msg: str) -> None:
    print(f"[live] {msg}", file=sys.stderr, flush=True)


def _id() -> str:
    return os.urandom(16).hex()


class Mailbox:
    def __init__(self):
        self.case_id = _id()
        self.key = SigningKey.generate()
        self.mailbox_id = _id()
        self.token = ""
        self.revision = 0
        self.arrivals: dict[int, float] = {}  # revision -> when the long poll answered it


def _prepare(http: requests.Session, url: str, box: Mailbox) -> None:
    """Open the case with its mailbox and log in, as a phone does (the keys are random: the
    server sees only the id and the public key, whatever derived them)."""
    body = {"mailbox": {"id": box.mailbox_id, "verify_key": base64.b64encode(bytes(box.key.verify_key)).decode()}}
    r = http.put(f"{url}/api/v1/cases/{box.case_id}", json=body, timeout=TIMEOUT)
    r.raise_for_status()
    challenge = http.post(f"{url}/api/v1/mailbox/challenge", json={"mailbox": box.mailbox_id},
                          timeout=TIMEOUT).json()["challenge"]
    signature = box.key.sign(b"tipline-mailbox-v1\n" + challenge.encode()).signature
    r = http.post(f"{url}/api/v1/mailbox/session", timeout=TIMEOUT,
                  json={"mailbox": box.mailbox_id, "challenge": challenge,
                        "signature": base64.b64encode(signature).decode()})
    r.raise_for_status()
    box.token = r.json()["token"]
    box.revision = http.get(f"{url}/api/v1/mailbox", headers={"Authorization": f"Bearer {box.token}"},
                            timeout=TIMEOUT).json()["revision"]


class Pollers:
    """Long polls held in one asyncio loop in a thread; each answers, records, and asks again."""

    def __init__(self, url: str, deadline: float):
        self.url = url
        self.deadline = deadline
        self.loop = asyncio.new_event_loop()
        self.session: aiohttp.ClientSession | None = None
        self.tasks: list[asyncio.Task] = []
        self.errors = 0
        threading.Thread(target=self.loop.run_forever, daemon=True, name="pollers").start()
        asyncio.run_coroutine_threadsafe(self._open(), self.loop).result(30)

    async def _open(self):
        self.session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0, force_close=False),
                                             timeout=aiohttp.ClientTimeout(total=TIMEOUT))

    async def _poll(self, box: Mailbox):
        headers = {"Authorization": f"Bearer {box.token}"}
        while time.monotonic() < self.deadline:
            try:
                async with self.session.get(f"{self.url}/api/v1/events/mailbox?after={box.revision}",
                                            headers=headers) as r:
                    body = await r.json()
                if r.status != 200:
                    self.errors += 1
                    await asyncio.sleep(1)
                    continue
                if body["revision"] != box.revision:
                    box.arrivals[body["revision"]] = time.monotonic()
                    box.revision = body["revision"]
            except (aiohttp.ClientError, asyncio.TimeoutError):
                self.errors += 1
                await asyncio.sleep(1)

    def hold(self, boxes: list[Mailbox]) -> None:
        async def start():
            self.tasks += [asyncio.create_task(self._poll(b)) for b in boxes]
        asyncio.run_coroutine_threadsafe(start(), self.loop).result(30)

    def close(self) -> None:
        async def stop():
            for t in self.tasks:
                t.cancel()
            await asyncio.gather(*self.tasks, return_exceptions=True)
            await self.session.close()
        asyncio.run_coroutine_threadsafe(stop(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)


def _uploads(url: str, recipients: list[bytes], item_size: int, seconds: float, threads: int) -> dict:
    """``threads`` phones storing fresh attachments (a new case every 100) for ``seconds``."""
    stop = time.monotonic() + seconds
    done = [0] * threads
    failed = [0] * threads

    def phone(n: int):
        http = requests.Session()
        case_id, part = None, 100
        while time.monotonic() < stop:
            if part >= 100:
                case_id, part = _id(), 1
                http.put(f"{url}/api/v1/cases/{case_id}", timeout=TIMEOUT).raise_for_status()
            item_id = _id()
            data, _ = encrypt_bytes(os.urandom(item_size), kind=Kind.ATTACHMENT, case_id=bytes.fromhex(case_id),
                                    part_index=part, recipients=recipients, envelope_id=bytes.fromhex(item_id))
            r = http.put(f"{url}/api/v1/cases/{case_id}/items/{item_id}", data=data,
                         headers={"Content-Type": OCTETS}, timeout=TIMEOUT)
            if r.status_code == 201:
                done[n] += len(data)
            else:
                failed[n] += 1
            part += 1

    started = time.monotonic()
    workers = [threading.Thread(target=phone, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=seconds + 2 * TIMEOUT)
    elapsed = time.monotonic() - started
    return {"bytes": sum(done), "seconds": round(elapsed, 2), "mb_per_s": round(sum(done) / elapsed / 1e6, 1),
            "failed": sum(failed)}


def _replies(url: str, police: dict, probes: list[Mailbox], count: int, every: float) -> dict:
    """Replies to the probes in turn; the delay from 201 to the citizen's poll answering."""
    http = requests.Session()
    delays, missed = [], 0
    for i in range(count):
        box = probes[i % len(probes)]
        want = box.revision + 1
        item_id = _id()
        data, _ = encrypt_bytes(b'{"v": 1, "type": "reply", "text": "quelle entree ?"}', kind=Kind.REPLY,
                                case_id=bytes.fromhex(box.case_id), part_index=0,
                                recipients=[crypto_scalarmult_base(os.urandom(32))], envelope_id=bytes.fromhex(item_id))
        time.sleep(every)
        r = http.put(f"{url}/api/operator/v1/cases/{box.case_id}/items/{item_id}", data=data,
                     headers={**police, "Content-Type": OCTETS}, timeout=TIMEOUT)
        accepted = time.monotonic()
        r.raise_for_status()
        limit = accepted + 30
        while want not in box.arrivals and time.monotonic() < limit:
            time.sleep(0.002)
        if want in box.arrivals:
            delays.append(box.arrivals[want] - accepted)
        else:
            missed += 1
    return _percentiles(delays) | {"replies": count, "missed": missed}


def _percentiles(values: list[float]) -> dict:
    if not values:
        return {"p50_ms": None, "p95_ms": None}
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"p50_ms": round(statistics.median(ordered) * 1000, 1), "p95_ms": round(p95 * 1000, 1),
            "max_ms": round(ordered[-1] * 1000, 1)}


def _phase(url, police, recipients, probes, args) -> dict:
    out: dict = {}
    t = threading.Thread(target=lambda: out.update(replies=_replies(url, police, probes, args.replies,
                                                                    args.reply_every)))
    t.start()
    out["uploads"] = _uploads(url, recipients, args.item_mib * MiB, args.seconds, args.uploaders)
    t.join(timeout=args.replies * (args.reply_every + 31))
    return out


def _rss(pid: int, *, children: bool = False) -> int:
    p = psutil.Process(pid)
    procs = [p, *p.children(recursive=True)] if children else [p]
    return sum(q.memory_info().rss for q in procs)


def _waiting(events_url: str) -> int:
    return requests.get(f"{events_url}/events/healthz", timeout=TIMEOUT).json()["waiting"]


def _wait_for_waiting(events_url: str, n: int, limit: float = 120) -> int:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if (w := _waiting(events_url)) >= n:
            return w
        time.sleep(0.2)
    return _waiting(events_url)


def run(args) -> dict:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    tmp = Path(tempfile.mkdtemp(prefix="tipline-live-bench-", dir=args.tmpdir))
    data, keys = tmp / "data", tmp / "keys"
    data.mkdir(mode=0o700)
    _write_keys(keys)
    recipients = [crypto_scalarmult_base(os.urandom(32)) for _ in range(2)]
    env = {"TIPLINE_DATA_DIR": str(data), "TIPLINE_KEYS_DIR": str(keys), "TIPLINE_ORIGIN": ORIGIN,
           "TIPLINE_POW_MAX_NUMBER": "0", "TIPLINE_REQUIRE_TOTP": "0", "TIPLINE_MESSAGES_PER_HOUR": "1000"}
    pg = None
    database = "sqlite"
    if args.postgres:
        pg, env["DATABASE_URL"] = _start_postgres(_log)
        database = "postgresql (test server: fsync off)"
    topology = None
    pollers = None
    try:
        server_cli(env, "db", "upgrade")
        server_cli(env, "create-operator", "bench", "--password-stdin", stdin=PASSWORD + "\n")
        binds = Binds(f"127.0.0.1:{free_port()}", f"127.0.0.1:{free_port()}", f"127.0.0.1:{free_port()}")
        log = open(tmp / "servers.log", "ab")
        topology = Topology(binds, env={**os.environ, **env}, log=log).start()
        url, events_url = f"http://{binds.listen}", f"http://{binds.events}"
        for _ in range(600):  # up to a minute
            try:
                if requests.get(url + "/api/healthz", timeout=2).ok and requests.get(events_url + "/events/healthz",
                                                                                     timeout=2).ok:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.1)
        else:
            raise RuntimeError(f"the served topology did not come up; see {tmp / 'servers.log'}")
        _log(f"served topology up ({database}); opening {args.idle + args.probes} mailboxes")
        boxes = [Mailbox() for _ in range(args.idle + args.probes)]
        with ThreadPoolExecutor(8) as pool:
            sessions = threading.local()

            def prepare(box):
                if not hasattr(sessions, "http"):
                    sessions.http = requests.Session()
                _prepare(sessions.http, url, box)
            list(pool.map(prepare, boxes))
        probes, idle = boxes[:args.probes], boxes[args.probes:]
        r = requests.post(f"{url}/api/operator/v1/session", json={"username": "bench", "password": PASSWORD},
                          timeout=TIMEOUT)
        r.raise_for_status()
        police = {"Authorization": f"Bearer {r.json()['token']}"}
        deadline = time.monotonic() + 4 * args.seconds + args.replies * args.reply_every * 2 + 600
        pollers = Pollers(url, deadline)
        pollers.hold(probes)
        _wait_for_waiting(events_url, len(probes))

        _log(f"baseline: {args.uploaders} uploaders for {args.seconds}s, {args.replies} replies, "
             f"{len(probes)} polls open")
        baseline = _phase(url, police, recipients, probes, args)

        events_pid, nginx_pid = topology.procs["events"].pid, topology.procs["nginx"].pid
        before = {"events": _rss(events_pid), "nginx": _rss(nginx_pid, children=True)}
        _log(f"opening {len(idle)} idle long polls")
        pollers.hold(idle)
        held = _wait_for_waiting(events_url, len(boxes))
        time.sleep(1)
        after = {"events": _rss(events_pid), "nginx": _rss(nginx_pid, children=True)}
        _log(f"loaded: {held} polls held; the same uploads and replies")
        loaded = _phase(url, police, recipients, probes, args)
        still = _waiting(events_url)
        n_idle = max(1, held - len(probes))
        return {
            "database": database,
            "idle_connections": held - len(probes),
            "held_after_loaded_phase": still,
            "poll_errors": pollers.errors,
            "baseline": baseline,
            "loaded": loaded,
            "upload_ratio": round(loaded["uploads"]["mb_per_s"] / baseline["uploads"]["mb_per_s"], 2)
            if baseline["uploads"]["mb_per_s"] else None,
            "rss_before_mib": {k: round(v / MiB, 1) for k, v in before.items()},
            "rss_after_mib": {k: round(v / MiB, 1) for k, v in after.items()},
            "kib_per_idle_connection": {k: round((after[k] - before[k]) / n_idle / 1024, 1) for k in before},
            "settings": {k: getattr(args, k) for k in ("idle", "probes", "seconds", "replies", "reply_every",
                                                       "uploaders", "item_mib")},
            "machine": machine_facts(tmp),
        }
    finally:
        if pollers is not None:
            pollers.close()
        if topology is not None:
            topology.stop()
        if pg is not None:
            pg.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="scripts/bench live", description=__doc__.split("\n\n")[0])
    p.add_argument("--idle", type=int, default=1000, help="idle long polls in the loaded phase (default 1000)")
    p.add_argument("--probes", type=int, default=20, help="mailboxes the replies go to (default 20)")
    p.add_argument("--seconds", type=float, default=20, help="upload time per phase (default 20)")
    p.add_argument("--replies", type=int, default=60, help="replies per phase (default 60)")
    p.add_argument("--reply-every", type=float, default=0.3, help="seconds between replies (default 0.3)")
    p.add_argument("--uploaders", type=int, default=4, help="uploading phones (default 4)")
    p.add_argument("--item-mib", type=int, default=1, help="size of each uploaded attachment (MiB, default 1)")
    p.add_argument("--postgres", action="store_true", help="PostgreSQL instead of SQLite")
    p.add_argument("--out", type=Path, default=REPO / "bench" / "out" / "live.json")
    p.add_argument("--tmpdir", type=Path)
    args = p.parse_args(argv)
    results = run(args)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps({k: v for k, v in results.items() if k != "machine"}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
