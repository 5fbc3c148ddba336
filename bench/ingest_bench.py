"""Ingest benchmarks against the real server: gunicorn with server/gunicorn_conf.py on 127.0.0.1.

A deployment is made in a temp dir as tests/e2e/conftest.py makes one: a signed key bundle
in TIPLINE_KEYS_DIR, ``python -m server db upgrade``, TIPLINE_DATA_DIR for the SQLite file
and the blobs. The keys are made in memory here (the server needs only the public bundle and
the root public key; no private key is written anywhere), and the phone stand-in fetches the
bundle and verifies it, as a phone does.

1. Chunked upload of one large attachment envelope (tests/support/phone.py's protocol:
   create, status, PUT each chunk with its Content-Digest, complete), as a ratio of MB/s to
   ``shutil.copyfile`` + ``fsync`` of the same envelope file on the same disk (the best of three
   copies in each round: one copy alone moved by 2x between rounds on this VM). A thread
   samples the RSS of the gunicorn master and all its children every ~50 ms.
2. Small reports: N client threads each take the next prepared report, open its case
   (PUT /cases/{id}) and PUT its envelope in one request. Reported as reports per second and
   as a ratio to GET /api/healthz requests per second with the same clients, same run (the
   baseline makes as many HTTP requests as the reports do: two per report).

Client loops are bounded (a fixed list of jobs, timeouts on every request); the server is
stopped at the end, and bench.serverapp's watchdog stops it if this process dies.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import queue
import shutil
import statistics
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psutil
import requests
from nacl.bindings import crypto_scalarmult_base
from nacl.signing import SigningKey

from envelope import bundle as kb
from envelope.constants import Kind
from envelope.padding import padded_length
from envelope.seal import encrypt_bytes
from tests.support.desk import server_cli
from tests.support.gunicorn import GunicornServer
from tests.support.phone import Phone

from .common import MiB, RepeatingReader, Stopwatch, best, fsync_path, mb_per_s

ORIGIN = "https://signalement.bench.test"  # what the bundle is signed for; the server checks it
REQUEST_TIMEOUT = 60


# --- the deployment ------------------------------------------------------------------------------
@dataclass
class Deployment:
    root: Path
    data_dir: Path
    work_dir: Path
    server: GunicornServer
    root_public: bytes
    database: str

    @property
    def url(self) -> str:
        return self.server.url


def _write_keys(keys_dir: Path) -> bytes:
    """A signed bundle naming two fresh X25519 keys (primary and backup), as operators publish one.

    The private halves are never kept: the ingest benchmark only encrypts. Returns the root public key.
    """
    keys_dir.mkdir(parents=True)
    root_seed = os.urandom(32)
    recipients = [(crypto_scalarmult_base(os.urandom(32)), role) for role in ("primary", "backup")]
    issued = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
    payload = kb.make_payload(origin=ORIGIN, sequence=1, issued=issued, expires=issued + timedelta(days=2),
                              recipients=recipients)
    document = kb.sign_bundle(payload, root_seed)
    root_public = bytes(SigningKey(root_seed).verify_key)
    (keys_dir / "bundle.json").write_text(json.dumps(document))
    (keys_dir / "root-key.json").write_text(json.dumps(kb.root_key_document(root_public)))
    return root_public


@contextmanager
def deployment(tmp: Path, *, workers: int, threads: int, postgres: bool, deadline_s: float, log):
    root = tmp / "ingest"
    data_dir, keys_dir, work_dir = root / "data", root / "keys", root / "phone"
    for d in (data_dir, work_dir):
        d.mkdir(parents=True)
    root_public = _write_keys(keys_dir)
    # proof of work off: this measures the server's ingest; bench/pow_bench.py measures the work
    env = {"TIPLINE_DATA_DIR": str(data_dir), "TIPLINE_KEYS_DIR": str(keys_dir), "TIPLINE_ORIGIN": ORIGIN,
           "TIPLINE_POW_MAX_NUMBER": "0"}
    pg = None
    server = None
    try:
        database = "sqlite"
        if postgres:
            pg, url = _start_postgres(log)
            env["DATABASE_URL"] = url
            database = "postgresql (test server: fsync off)"
        log("ingest: migrating the database (python -m server db upgrade)")
        server_cli(env, "db", "upgrade")
        env["TIPLINE_BENCH_OWNER"] = str(os.getpid())
        env["TIPLINE_BENCH_DEADLINE"] = str(time.time() + deadline_s)
        server = GunicornServer(env, root / "server.log", workers=workers, threads=threads, app="bench.serverapp:app")
        log(f"ingest: starting gunicorn ({workers} workers x {threads} threads) on 127.0.0.1")
        server.start(timeout=60)
        yield Deployment(root, data_dir, work_dir, server, root_public, database)
    finally:
        if server is not None:
            server.stop()
        if pg is not None:
            pg.stop()


def _start_postgres(log):
    import psycopg

    from tests.support.pg import LocalPostgres

    log("ingest: starting a throwaway PostgreSQL on 127.0.0.1")
    pg = LocalPostgres().start()
    try:
        with psycopg.connect(f"host=127.0.0.1 port={pg.port} user=postgres dbname=postgres", autocommit=True) as c:
            c.execute("CREATE DATABASE tipline_bench")
    except BaseException:
        pg.stop()
        raise
    return pg, pg.database_url("tipline_bench")


# --- server memory -------------------------------------------------------------------------------
class RssSampler:
    """Samples the RSS of the gunicorn master and all its children every ``interval`` seconds.

    Peaks are kept per phase (``phase`` may be changed while sampling). RSS counts shared pages
    (libraries, copy-on-write memory from the master) in every process, so the total overstates
    what the server holds together; the per-worker peak is the figure to watch.
    """

    def __init__(self, master_pid: int, interval: float = 0.05):
        self.master = psutil.Process(master_pid)
        self.interval = interval
        self.phase = "idle"
        self.peaks: dict[str, dict] = {}
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def sample(self) -> tuple[float, float, int]:
        procs = [self.master]
        try:
            procs += self.master.children(recursive=True)
        except psutil.Error:
            pass
        total, worker_max = 0, 0
        for i, p in enumerate(procs):
            try:
                rss = p.memory_info().rss
            except psutil.Error:
                continue
            total += rss
            if i > 0:
                worker_max = max(worker_max, rss)
        peak = self.peaks.setdefault(self.phase, {"total_mib": 0.0, "worker_mib": 0.0, "processes": 0})
        peak["total_mib"] = max(peak["total_mib"], total / MiB)
        peak["worker_mib"] = max(peak["worker_mib"], worker_max / MiB)
        peak["processes"] = max(peak["processes"], len(procs))
        self.samples += 1
        return total / MiB, worker_max / MiB, len(procs)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def __enter__(self):
        self.sample()
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=5)
        self.sample()


def _worker_cpu(master_pid: int) -> dict[int, float]:
    out = {}
    try:
        master = psutil.Process(master_pid)
        procs = [master, *master.children(recursive=True)]
    except psutil.Error:
        return out
    for p in procs:
        try:
            t = p.cpu_times()
            out[p.pid] = t.user + t.system
        except psutil.Error:
            pass
    return out


# --- 1. chunked upload ---------------------------------------------------------------------------
COPY_TRIES = 3
def _copy_baseline(src: Path, dst: Path) -> float:
    with Stopwatch() as sw:
        shutil.copyfile(src, dst)
        fsync_path(dst)
    dst.unlink()
    return sw.seconds


def _upload(phone: Phone, sealed, sampler: RssSampler, master_pid: int) -> dict:
    """The phone's chunked upload (tests/support/phone.py Phone.upload_chunked), with its phases timed."""
    http = phone.http
    cpu0, client0 = _worker_cpu(master_pid), time.process_time()
    t0 = time.perf_counter()
    sampler.phase = "upload"
    state = phone.create_upload(sealed)
    held = set(http.get(phone.upload_url(sealed), timeout=REQUEST_TIMEOUT).json()["received"])
    for index in range(state["chunk_count"]):
        if index not in held:
            phone.put_chunk(sealed, index).raise_for_status()
    t1 = time.perf_counter()
    cpu1, client1 = _worker_cpu(master_pid), time.process_time()
    sampler.phase = "complete"
    r = http.post(f"{phone.upload_url(sealed)}/complete", timeout=600)
    r.raise_for_status()
    t2 = time.perf_counter()
    cpu2 = _worker_cpu(master_pid)
    sampler.phase = "after"
    item = r.json()["item"]
    if item["sha256"] != sealed.sha256 or item["size"] != sealed.size:
        raise RuntimeError("the server stored something other than the envelope sent")

    def spent(a, b):
        return sum(b[pid] - a.get(pid, 0.0) for pid in b)

    return {"seconds": t2 - t0, "chunks_seconds": t1 - t0, "complete_seconds": t2 - t1, "chunks": state["chunk_count"],
            "cpu_s": {"chunks_server": spent(cpu0, cpu1), "chunks_client": client1 - client0,
                      "complete_server": spent(cpu1, cpu2)}}


def upload(dep: Deployment, phone: Phone, recipients: list[bytes], *, size: int, chunk_size: int, rounds: int,
           log) -> dict:
    length = size - 8 if padded_length(size - 8) == size else size  # an envelope of about ``size`` bytes
    runs = {"upload_mb_s": [], "copy_mb_s": [], "copy_tries_mb_s": [], "chunks_mb_s": [], "complete_mb_s": [],
            "seconds": []}
    peaks: dict[str, dict] = {}
    idle = None
    samples = 0
    envelope_size = chunks = None
    for r in range(rounds):
        case_id = os.urandom(16).hex()
        phone.open_case(case_id)
        log(f"ingest: round {r + 1}/{rounds}: sealing a {size / MiB:g} MiB attachment")
        sealed = phone.seal(case_id, Kind.ATTACHMENT, 1, RepeatingReader(length), length, recipients)
        envelope_size = sealed.size
        os.sync()  # untimed: the copy and the upload both start with nothing waiting to be written
        try:
            def copy():
                # A single copy + fsync moved by 2x between rounds on this VM (page-cache writeback):
                # the baseline is the best of COPY_TRIES, each after an untimed sync.
                tries = []
                for i in range(COPY_TRIES):
                    if i:
                        os.sync()
                    tries.append(mb_per_s(sealed.size, _copy_baseline(sealed.path, dep.data_dir / "copy.bin")))
                runs["copy_mb_s"].append(max(tries))
                runs["copy_tries_mb_s"].append([round(v, 1) for v in tries])

            def send():
                nonlocal idle, samples, chunks
                with RssSampler(dep.server.proc.pid) as sampler:
                    first = sampler.sample()
                    idle = first if idle is None else (min(idle[0], first[0]), min(idle[1], first[1]), first[2])
                    done = _upload(phone, sealed, sampler, dep.server.proc.pid)
                for phase, peak in sampler.peaks.items():
                    have = peaks.setdefault(phase, {"total_mib": 0.0, "worker_mib": 0.0, "processes": 0})
                    for k in have:
                        have[k] = max(have[k], peak[k])
                samples += sampler.samples
                chunks = done["chunks"]
                runs["upload_mb_s"].append(mb_per_s(sealed.size, done["seconds"]))
                runs["chunks_mb_s"].append(mb_per_s(sealed.size, done["chunks_seconds"]))
                runs["complete_mb_s"].append(mb_per_s(sealed.size, done["complete_seconds"]))
                runs["seconds"].append({k: round(done[k], 3) for k in ("seconds", "chunks_seconds", "complete_seconds")}
                                       | {"cpu_s": {k: round(v, 2) for k, v in done["cpu_s"].items()}})

            log(f"ingest: round {r + 1}/{rounds}: copy baseline and chunked upload")
            for i, step in enumerate((copy, send) if r % 2 == 0 else (send, copy)):  # alternate the order
                if i:
                    os.sync()  # untimed, so the second step does not pay for the first one's writeback
                step()
        finally:
            sealed.path.unlink(missing_ok=True)
    b = {k: best(v) for k, v in runs.items() if k not in ("seconds", "copy_tries_mb_s")}
    fastest = max(range(len(runs["upload_mb_s"])), key=runs["upload_mb_s"].__getitem__)
    during = [peaks.get(p, {}) for p in ("upload", "complete")]
    return {
        "nominal_bytes": size,
        "envelope_bytes": envelope_size,
        "chunk_bytes": chunk_size,
        "chunks": chunks,
        "rounds": rounds,
        "unit": "MB/s of envelope bytes (10^6 bytes/s), best of the rounds",
        "baseline": {"name": f"shutil.copyfile + fsync of the same envelope, same disk, best of {COPY_TRIES} per round",
                     "mb_s": b["copy_mb_s"]},
        "mb_s": b["upload_mb_s"],
        "ratio": b["upload_mb_s"] / b["copy_mb_s"],
        "ratio_per_round": [u / c for u, c in zip(runs["upload_mb_s"], runs["copy_mb_s"])],
        "components": body_read_speed(),
        "phases": {"chunk_puts_mb_s": b["chunks_mb_s"], "complete_mb_s": b["complete_mb_s"],
                   "fastest_round": runs["seconds"][fastest]},
        "memory": {
            "interval_s": 0.05,
            "samples": samples,
            "idle_total_mib": idle[0] if idle else None,
            "idle_worker_mib": idle[1] if idle else None,
            "processes": idle[2] if idle else None,
            "peak_total_mib": max((p.get("total_mib", 0.0) for p in during), default=0.0),
            "peak_worker_mib": max((p.get("worker_mib", 0.0) for p in during), default=0.0),
            "by_phase": peaks,
            "note": "RSS summed over the gunicorn master and its workers (shared pages counted in each)",
        },
        "runs": runs,
    }


class _FakeSocket:
    """Gives ``total`` bytes from memory, at most 1 MiB per recv(), as a loopback socket can."""

    def __init__(self, total: int):
        self.left = total
        self.block = os.urandom(MiB)

    def recv(self, n: int) -> bytes:
        n = min(n, self.left, len(self.block))
        self.left -= n
        return self.block[:n]


def body_read_speed(total: int = 64 * MiB) -> dict:
    """CPU cost of reading a request body through gunicorn's reader, in the server's piece size.

    server/http.py reads bodies READ_BLOCK bytes at a time; gunicorn's Unreader receives up to
    1 MiB at once and copies what is left of its buffer on every read, so small pieces cost
    more than the bytes themselves. Measured on an in-memory socket: no network, no disk.
    """
    from gunicorn.http.body import Body, LengthReader
    from gunicorn.http.unreader import SocketUnreader

    from server.http import READ_BLOCK

    out = {"server_read_block": READ_BLOCK, "bytes": total}
    for label, piece in (("server_block", READ_BLOCK), ("1_mib", MiB)):
        body = Body(LengthReader(SocketUnreader(_FakeSocket(total)), total))
        with Stopwatch() as sw:
            while body.read(piece):
                pass
        out[f"gunicorn_body_read_{label}_mb_s"] = mb_per_s(total, sw.seconds)
    return out


# --- 2. small reports ----------------------------------------------------------------------------
def _report_content(i: int) -> bytes:
    """A report of realistic size (~1 KB of JSON, docs/report.md), padded by the format to 4 KiB."""
    return json.dumps({
        "type": "tipline.report", "version": 1, "language": "fr", "written_at": "2026-11-28T18:42:00+01:00",
        "place": {"text": f"place de l'Europe, devant le bâtiment {i}, côté parking"},
        "when": {"seen_at": "2026-11-27T19:10", "frequency": "tous les soirs entre 18:00 et 20:00"},
        "people": [{"clothing": "veste noire, casquette rouge", "height": "environ 1,80 m",
                    "role": "guetteur à l'entrée"}],
        "vehicles": [{"type": "berline", "colour": "grise", "make": "Peugeot", "plate": "AB-1?3-C?"}],
        "risks": {"children": True, "weapons": False, "threats": False, "details": "sortie d'école à 16:30"},
        "details": "Des allers-retours tous les soirs, toujours les mêmes personnes. " * 4,
        "mailbox": {"id": os.urandom(16).hex(), "x25519": base64.b64encode(os.urandom(32)).decode(),
                    "ed25519": base64.b64encode(os.urandom(32)).decode()},
        "attachments": [],
    }, ensure_ascii=False).encode()


@dataclass
class ReportJob:
    case_id: str
    item_id: str
    body: bytes
    digest: str


def prepare_reports(n: int, recipients: list[bytes]) -> list[ReportJob]:
    jobs = []
    for i in range(n):
        case_id, item_id = os.urandom(16), os.urandom(16)
        body, _ = encrypt_bytes(_report_content(i), kind=Kind.REPORT, case_id=case_id, part_index=0,
                                recipients=recipients, envelope_id=item_id)
        digest = "sha-256=:" + base64.b64encode(hashlib.sha256(body).digest()).decode() + ":"
        jobs.append(ReportJob(case_id.hex(), item_id.hex(), body, digest))
    return jobs


def _send_report(http: requests.Session, api: str, job: ReportJob) -> None:
    r = http.put(f"{api}/cases/{job.case_id}", timeout=REQUEST_TIMEOUT)
    if r.status_code != 201:
        raise RuntimeError(f"open case: {r.status_code} {r.text[:200]}")
    r = http.put(f"{api}/cases/{job.case_id}/items/{job.item_id}", data=job.body, timeout=REQUEST_TIMEOUT,
                 headers={"Content-Type": "application/octet-stream", "Content-Digest": job.digest})
    if r.status_code != 201:
        raise RuntimeError(f"put report: {r.status_code} {r.text[:200]}")


def _health(http: requests.Session, url: str, _job) -> None:
    r = http.get(url, timeout=REQUEST_TIMEOUT)
    if r.status_code != 200:
        raise RuntimeError(f"healthz: {r.status_code}")


def drive(sessions: list[requests.Session], health_url: str, jobs: list, op, master_pid: int) -> dict:
    """Run ``op(session, job)`` for every job from len(sessions) threads; wall time from a common start."""
    work: queue.SimpleQueue = queue.SimpleQueue()
    for job in jobs:
        work.put(job)
    clients = len(sessions)
    barrier = threading.Barrier(clients + 1)
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors: list[str] = []

    def client(i: int) -> None:
        http = sessions[i]
        try:
            http.get(health_url, timeout=REQUEST_TIMEOUT)  # a fresh keep-alive connection, untimed
        except requests.RequestException as exc:
            errors.append(repr(exc))
        try:
            barrier.wait(timeout=120)
        except threading.BrokenBarrierError:
            return
        while True:
            try:
                job = work.get_nowait()
            except queue.Empty:
                return
            t0 = time.perf_counter()
            try:
                op(http, job)
            except Exception as exc:  # noqa: BLE001 - counted and reported
                errors.append(repr(exc))
            latencies[i].append(time.perf_counter() - t0)

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    barrier.wait(timeout=120)
    cpu0, client0, t0 = _worker_cpu(master_pid), time.process_time(), time.perf_counter()
    for t in threads:
        t.join(timeout=900)
    seconds = time.perf_counter() - t0
    client_cpu, cpu1 = time.process_time() - client0, _worker_cpu(master_pid)
    if any(t.is_alive() for t in threads):
        raise RuntimeError("client threads did not finish in 900 s")
    lat = sorted(x for per in latencies for x in per)
    server_cpu = {pid: cpu1[pid] - cpu0.get(pid, 0.0) for pid in cpu1}
    return {
        "count": len(jobs),
        "seconds": seconds,
        "per_s": len(jobs) / seconds,
        "errors": len(errors),
        "first_errors": errors[:5],
        "latency_ms": ({"p50": 1000 * statistics.median(lat), "p95": 1000 * lat[int(0.95 * (len(lat) - 1))]}
                       if lat else {}),
        "cpu_s": {"server": sum(server_cpu.values()), "server_by_process": sorted(server_cpu.values(), reverse=True),
                  "client": client_cpu},
    }


def reports(dep: Deployment, recipients: list[bytes], *, count: int, clients: int, rounds: int, log) -> dict:
    log(f"ingest: encrypting {count * rounds} small reports for {clients} clients (untimed)")
    jobs = prepare_reports(count * rounds, recipients)
    api, health_url = dep.url + "/api/v1", dep.url + "/api/healthz"
    sessions = [requests.Session() for _ in range(clients)]
    runs: dict[str, list[dict]] = {"healthz": [], "reports": []}
    try:
        for r in range(rounds):
            batch = jobs[r * count : (r + 1) * count]

            def health():
                runs["healthz"].append(drive(sessions, health_url, [None] * (2 * count),  # as many requests
                                             lambda http, job: _health(http, health_url, job), dep.server.proc.pid))

            def send():
                runs["reports"].append(drive(sessions, health_url, batch,
                                             lambda http, job: _send_report(http, api, job), dep.server.proc.pid))

            log(f"ingest: round {r + 1}/{rounds}: {2 * count} health checks and {count} reports, {clients} clients")
            for step in ((health, send) if r % 2 == 0 else (send, health)):
                step()
    finally:
        for s in sessions:
            s.close()
    errors = sum(run["errors"] for runs_ in runs.values() for run in runs_)
    if errors:
        first = [e for runs_ in runs.values() for run in runs_ for e in run["first_errors"]][:5]
        raise RuntimeError(f"{errors} requests failed during the small-report benchmark: {first}")
    best_reports = max(runs["reports"], key=lambda x: x["per_s"])
    best_health = max(runs["healthz"], key=lambda x: x["per_s"])
    return {
        "count": count,
        "healthz_requests": 2 * count,
        "clients": clients,
        "rounds": rounds,
        "envelope_bytes": len(jobs[0].body),
        "baseline": {"name": "GET /api/healthz, same clients", "req_s": best_health["per_s"]},
        "reports_per_s": best_reports["per_s"],
        "ratio": best_reports["per_s"] / best_health["per_s"],
        "ratio_per_round": [r["per_s"] / h["per_s"] for r, h in zip(runs["reports"], runs["healthz"])],
        "http_requests_per_s": 2 * best_reports["per_s"],
        "latency_ms": {"report": best_reports["latency_ms"], "healthz": best_health["latency_ms"]},
        "cpu_s": {"report": best_reports["cpu_s"], "healthz": best_health["cpu_s"]},
        "runs": runs,
    }


def run(tmp: Path, *, size: int, chunk_size: int, upload_rounds: int, report_count: int, clients: int,
        report_rounds: int, workers: int, threads: int, postgres: bool, deadline_s: float, log) -> dict:
    with deployment(tmp, workers=workers, threads=threads, postgres=postgres, deadline_s=deadline_s, log=log) as dep:
        phone = Phone(dep.url, dep.work_dir, chunk_size=chunk_size)
        recipients = phone.fetch_bundle(dep.root_public, ORIGIN).public_keys
        result = {
            "server": {"workers": workers, "threads": threads, "database": dep.database, "bind": dep.url,
                       "config": "server/gunicorn_conf.py"},
            "recipients": len(recipients),
            "upload": upload(dep, phone, recipients, size=size, chunk_size=chunk_size, rounds=upload_rounds, log=log),
            "reports": reports(dep, recipients, count=report_count, clients=clients, rounds=report_rounds, log=log),
        }
        phone.http.close()
    return result
