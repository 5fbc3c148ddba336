"""The citizen app in headless Chromium (issue 3, section 7): encryption speed and heap, the send
path, and the size of the app shell. Run by ``scripts/bench browser`` (``--only browser``).

1. Encryption of a 200 MB file in a Web Worker: ``sealStream`` of pwa/src/crypto/seal.js
   reading a Blob by ``Blob.slice`` 64 KiB at a time, as pwa/src/worker/crypto-worker.js reads
   a picked file, into a sink that discards. Baselines in the same worker and run: WebCrypto
   AES-GCM over the same bytes in 64 KiB calls, and OpenPGP.js (npm ``openpgp``) encrypting
   the same Blob to a public key, streamed. The data is made in the browser (a Blob repeating
   one random 1 MiB piece), so nothing large crosses the CDP pipe. The worker's V8 heap is
   sampled over CDP (``Runtime.getHeapUsage`` on the worker target) in separate runs at two
   sizes, to show whether it grows with the file.
2. The send path with five ~4 MB photos, from the pick to "queued": through the app's own
   crypto worker (bundled from pwa/src/worker/crypto-worker.js with a root key) called as
   pwa/src/app/draft.js calls it, and, if the app builds and its form works, through the real
   app served by the real server. Baseline: the same five File objects put in IndexedDB.
3. The app shell: pwa built into the temp dir; compressed bytes of the first page load and of
   the service worker's precache list, against the 300 KB target; and, when the real app ran,
   the bytes Chromium actually received on a first visit.

The bench page and workers (bench/browser/) are bundled with pwa's esbuild into the temp dir
and served by a small threaded HTTP server on 127.0.0.1 (the app's CSP forbids the inline
scripts a bench page would otherwise need).
"""

from __future__ import annotations

import base64
import functools
import http.server
import json
import os
import re
import subprocess
import threading
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from .common import MB, REPO, MiB, best, mb_per_s

CHROMIUM = os.environ.get("TIPLINE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
PWA = REPO / "pwa"
ESBUILD = PWA / "node_modules" / ".bin" / "esbuild"
SHELL_TARGET_BYTES = 300_000  # "under 300 KB" (issue 3), KB = 1000 bytes
HEAP_SAMPLE_MS = 25
JOB_TIMEOUT_S = 240


# --- preparing the pages ---------------------------------------------------------------------------
def _keys(keys_dir: Path, origin: str) -> list[str]:
    """A root key document and a bundle signed for ``origin`` (two fresh recipients, private halves
    dropped at once). Returns the recipients' public keys in base64, as the app passes them."""
    from nacl.bindings import crypto_scalarmult_base
    from nacl.signing import SigningKey

    from envelope import bundle as kb

    keys_dir.mkdir(parents=True, exist_ok=True)
    root_seed = os.urandom(32)
    recipients = [(crypto_scalarmult_base(os.urandom(32)), role) for role in ("primary", "backup")]
    issued = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
    payload = kb.make_payload(origin=origin, sequence=1, issued=issued, expires=issued + timedelta(days=2),
                              recipients=recipients)
    (keys_dir / "bundle.json").write_text(json.dumps(kb.sign_bundle(payload, root_seed)))
    (keys_dir / "root-key.json").write_text(json.dumps(kb.root_key_document(bytes(SigningKey(root_seed).verify_key))))
    return [base64.b64encode(pk).decode() for pk, _ in recipients]


def build_app(out: Path, root_key: Path) -> tuple[Path | None, str]:
    """pwa/build.mjs into ``out``: (the build, "") or (None, why it failed)."""
    done = subprocess.run(["node", str(PWA / "build.mjs"), "--out", str(out), "--root-key", str(root_key)],
                          cwd=PWA, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        return None, (done.stdout + done.stderr).strip()[-2000:]
    return out, ""


def bundle_bench(site: Path, root_key: Path) -> None:
    """bench/browser/*.js and the app's crypto worker, bundled into ``site`` with pwa's esbuild."""
    site.mkdir(parents=True, exist_ok=True)
    (site / "index.html").write_bytes((REPO / "bench" / "browser" / "index.html").read_bytes())
    env = {**os.environ, "NODE_PATH": str(PWA / "node_modules")}
    common = ["--bundle", "--format=esm", "--target=es2022", "--log-level=warning", f"--outdir={site}"]
    for args in (
        [str(REPO / "bench" / "browser" / "page.js"), str(REPO / "bench" / "browser" / "enc-worker.js")],
        [f"crypto-worker={PWA / 'src' / 'worker' / 'crypto-worker.js'}",
         f"--define:__TIPLINE_ROOT_KEY__={root_key.read_text().strip()}"],
    ):
        done = subprocess.run([str(ESBUILD), *args, *common], cwd=REPO, env=env, capture_output=True, text=True,
                              timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"esbuild failed: {done.stdout}{done.stderr}")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, ".js": "text/javascript"}

    def log_message(self, *args) -> None:
        pass


@contextmanager
def static_server(root: Path):
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(root)))
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.2}, name="bench-static",
                              daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{srv.server_address[1]}"
    finally:
        srv.shutdown()
        srv.server_close()
        thread.join(timeout=5)


def make_photos(folder: Path, count: int, target_bytes: int) -> list[Path]:
    """``count`` camera-like JPEGs of about ``target_bytes`` each (noise, so they do not compress
    away), with Exif GPS, make and model for the app's stripping to remove."""
    folder.mkdir(parents=True, exist_ok=True)
    # 2880x2160 at -q:v 3 gives ~4.1 MB of noise; scale the side for other targets
    scale = (target_bytes / 4.1e6) ** 0.5
    w, h = int(2880 * scale) // 16 * 16, int(2160 * scale) // 16 * 16
    photos = []
    for i in range(count):
        path = folder / f"IMG_{2041 + i}.jpg"
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                        f"color=c=gray:s={w}x{h},noise=alls=40:allf=t:all_seed={i + 1}", "-frames:v", "1",
                        "-q:v", "3", str(path)], check=True, timeout=120)
        subprocess.run(["exiftool", "-q", "-overwrite_original", "-GPSLatitude=48.8566", "-GPSLatitudeRef=N",
                        "-GPSLongitude=2.3522", "-GPSLongitudeRef=E", "-Make=BenchPhone", "-Model=BP-1",
                        "-DateTimeOriginal=2026:11:27 19:10:00", "-Orientation#=6", str(path)], check=True,
                       timeout=60)
        photos.append(path)
    return photos


# --- the browser -------------------------------------------------------------------------------------
class WorkerHeap:
    """``Runtime.getHeapUsage`` of a page's dedicated worker, over the page's CDP session.

    The session auto-attaches to the page's workers in the non-flat mode, so the worker's
    commands and answers travel inside Target.sendMessageToTarget / receivedMessageFromTarget.
    Events arrive only while Playwright runs a call, so sampling waits with page.wait_for_timeout.
    """

    def __init__(self, page, worker_name: str):
        self.page = page
        self.name = worker_name
        self.cdp = page.context.new_cdp_session(page)
        self.sessions: dict[str, str] = {}
        self.answers: dict[int, dict] = {}
        self.next_id = 0
        self.cdp.on("Target.attachedToTarget", self._attached)
        self.cdp.on("Target.receivedMessageFromTarget", self._message)
        self.cdp.send("Target.setAutoAttach", {"autoAttach": True, "waitForDebuggerOnStart": False, "flatten": False})

    def _attached(self, event) -> None:
        info = event["targetInfo"]
        self.sessions[info.get("title") or info.get("url")] = event["sessionId"]

    def _message(self, event) -> None:
        message = json.loads(event["message"])
        if "id" in message:
            self.answers[message["id"]] = message

    def request(self, method: str, params: dict | None = None) -> int:
        self.next_id += 1
        payload = {"id": self.next_id, "method": method, "params": params or {}}
        self.cdp.send("Target.sendMessageToTarget", {"sessionId": self.sessions[self.name],
                                                     "message": json.dumps(payload)})
        return self.next_id

    def call(self, method: str, params: dict | None = None, timeout_s: float = 10) -> dict:
        wanted = self.request(method, params)
        deadline = time.monotonic() + timeout_s
        while wanted not in self.answers:
            if time.monotonic() > deadline:
                raise TimeoutError(f"no answer from the worker to {method}")
            self.page.wait_for_timeout(5)
        answer = self.answers.pop(wanted)
        if "error" in answer:
            raise RuntimeError(f"{method}: {answer['error']}")
        return answer["result"]

    def collect_garbage(self) -> None:
        self.call("HeapProfiler.collectGarbage")

    def usage(self) -> dict:
        return self.call("Runtime.getHeapUsage")


def _job(page, op: str, args: dict | None = None, heap: WorkerHeap | None = None) -> tuple[dict, list[dict]]:
    """Run one operation in the encryption worker; with ``heap``, sample the worker's heap meanwhile."""
    page.evaluate("([op, args]) => window.startJob(op, args)", [op, args or {}])
    samples: list[dict] = []
    pending: list[int] = []
    deadline = time.monotonic() + JOB_TIMEOUT_S
    while not page.evaluate("window.job.done"):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{op} did not finish in {JOB_TIMEOUT_S} s")
        if heap is not None:
            pending = [i for i in pending if i not in heap.answers]
            if not pending:  # one request in flight at a time
                pending.append(heap.request("Runtime.getHeapUsage"))
            samples.extend(heap.answers.pop(i)["result"] for i in sorted(heap.answers) if "result" in heap.answers[i])
        page.wait_for_timeout(HEAP_SAMPLE_MS if heap else 50)
    job = page.evaluate("window.job")
    if job["error"]:
        raise RuntimeError(f"{op}: {job['error']}")
    if heap is not None:
        page.wait_for_timeout(50)
        samples.extend(heap.answers.pop(i)["result"] for i in sorted(heap.answers) if "result" in heap.answers[i])
    return job["value"], samples


def encryption(page, *, size_mib: int, heap_sizes_mib: list[int], rounds: int, log) -> dict:
    heap = WorkerHeap(page, "bench-encrypt")
    pgp = page.evaluate("encCall('openpgpKey')")
    page.evaluate("(mib) => encCall('blob', {mib})", size_mib)
    size = size_mib * MiB
    main_ops = ("tipline", "webcrypto", "openpgp")
    per_round: dict[str, list[float]] = {op: [] for op in main_ops}
    runs: dict[str, list[dict]] = {op: [] for op in main_ops}
    for r in range(rounds):
        order = main_ops if r % 2 == 0 else tuple(reversed(main_ops))
        for op in order:
            value, _ = _job(page, op)
            per_round[op].append(mb_per_s(size, value["ms"] / 1000))
            runs[op].append(value)
        log(f"browser: encryption round {r + 1}/{rounds}: " +
            ", ".join(f"{op} {per_round[op][-1]:.0f} MB/s" for op in main_ops))
    # what explains the ratios (one run each)
    components = {}
    for op in ("blob-read", "blob-read-1m", "sodium-raw", "sodium-sha256"):
        value, _ = _job(page, op)
        components[op] = {"mb_s": round(mb_per_s(size, value["ms"] / 1000), 1), "ms": round(value["ms"], 1)}
    log("browser: components " + ", ".join(f"{k} {v['mb_s']:.0f}" for k, v in components.items()) + " MB/s")
    # heap: separate runs (the sampling costs time), sizes small to large, GC before each
    memory = []
    for mib in heap_sizes_mib:
        page.evaluate("(mib) => encCall('blob', {mib})", mib)
        for op in ("tipline", "openpgp"):
            heap.collect_garbage()
            before = heap.usage()
            value, samples = _job(page, op, heap=heap)
            if not samples:
                raise RuntimeError("no heap sample was taken")
            memory.append({
                "op": op, "size_mib": mib, "samples": len(samples),
                "before_used_bytes": before["usedSize"], "before_backing_bytes": before.get("backingStorageSize"),
                "peak_used_bytes": max(s["usedSize"] for s in samples),
                "peak_total_bytes": max(s["totalSize"] for s in samples),
                "peak_backing_bytes": max(s.get("backingStorageSize", 0) for s in samples),
                "wasm_bytes": value.get("wasmBytes"),
                "mb_s_while_sampled": round(mb_per_s(mib * MiB, value["ms"] / 1000), 1),
            })
            log(f"browser: heap {op} {mib} MiB: peak used {memory[-1]['peak_used_bytes'] / MiB:.1f} MiB, "
                f"ArrayBuffers {memory[-1]['peak_backing_bytes'] / MiB:.1f} MiB ({len(samples)} samples)")
    store = seal_and_store(page, size=size, rounds=rounds, log=log)
    base = best(per_round["webcrypto"])
    tip = best(per_round["tipline"])
    pgp_best = best(per_round["openpgp"])
    return {
        "input_bytes": size,
        "envelope_bytes": runs["tipline"][0]["envelopeSize"],
        "openpgp_output_bytes": runs["openpgp"][0]["outBytes"],
        "tipline": {"mb_s": round(tip, 1), "mb_s_per_round": [round(v, 1) for v in per_round["tipline"]]},
        "webcrypto_aes_gcm": {"mb_s": round(base, 1), "mb_s_per_round": [round(v, 1) for v in per_round["webcrypto"]]},
        "openpgp": {"mb_s": round(pgp_best, 1), "mb_s_per_round": [round(v, 1) for v in per_round["openpgp"]],
                    "key": pgp},
        "ratio_to_webcrypto": round(tip / base, 3),
        "ratio_to_webcrypto_per_round": [round(t / b, 3) for t, b in zip(per_round["tipline"],
                                                                           per_round["webcrypto"], strict=True)],
        "ratio_to_openpgp": round(tip / pgp_best, 3),
        "ratio_to_openpgp_per_round": [round(t / b, 3) for t, b in zip(per_round["tipline"],
                                                                         per_round["openpgp"], strict=True)],
        "components": components,
        "memory": memory,
        "store": store,
    }


STORE_OPS = ("sodium-raw", "tipline-outbox", "tipline-outbox-serial", "tipline-opfs")


def seal_and_store(page, *, size: int, rounds: int, log) -> dict:
    """Sealing into the phone's storage, against the same run's AEAD alone: the app's writer
    (puts overlapped with sealing), the writer as it was (each put awaited), and the ciphertext
    written to the Origin Private File System instead; then storage alone, with no crypto."""
    per_round: dict[str, list[float]] = {op: [] for op in STORE_OPS}
    for r in range(rounds):
        for op in (STORE_OPS if r % 2 == 0 else tuple(reversed(STORE_OPS))):
            value, _ = _job(page, op)
            per_round[op].append(mb_per_s(size, value["ms"] / 1000))
        log(f"browser: seal-and-store round {r + 1}/{rounds}: " +
            ", ".join(f"{op} {per_round[op][-1]:.0f} MB/s" for op in STORE_OPS))
    alone = {}
    for op in ("idb-serial", "idb-overlapped", "opfs-only"):
        value, _ = _job(page, op)
        alone[op] = round(mb_per_s(size, value["ms"] / 1000), 1)
    log("browser: storage alone " + ", ".join(f"{k} {v:.0f} MB/s" for k, v in alone.items()))
    aead = best(per_round["sodium-raw"])
    return {
        "mb_s": {op: round(best(v), 1) for op, v in per_round.items()},
        "mb_s_per_round": {op: [round(x, 1) for x in v] for op, v in per_round.items()},
        "ratio_to_aead": {op: round(best(v) / aead, 3) for op, v in per_round.items() if op != "sodium-raw"},
        "ratio_to_aead_per_round": {op: [round(x / a, 3) for x, a in zip(v, per_round["sodium-raw"], strict=True)]
                                    for op, v in per_round.items() if op != "sodium-raw"},
        "storage_alone_mb_s": alone,
    }


def send_worker_level(page, photos: list[Path], recipients: list[str], rounds: int, log) -> dict:
    page.locator("#photos").set_input_files([str(p) for p in photos])
    app_runs, base_runs, bytes_runs = [], [], []
    for r in range(rounds):
        for which in (("app", "base") if r % 2 == 0 else ("base", "app")):
            if which == "app":
                app_runs.append(page.evaluate("(r) => sendFlow(r)", recipients))
            else:
                base_runs.append(page.evaluate("storePlain()"))
                bytes_runs.append(page.evaluate("storePlain(true)"))
        a, b = app_runs[-1], base_runs[-1]
        if a["state"] != "queued" or a["items"] != len(photos) + 1 or b["stored"] != len(photos):
            raise RuntimeError(f"the send path did not queue everything: {a} / {b}")
        log(f"browser: send round {r + 1}/{rounds} (worker level): pick to queued {a['totalMs']:.0f} ms "
            f"(send to queued {a['sendToQueuedMs']:.0f} ms); IndexedDB baseline {b['ms']:.0f} ms "
            f"(as bytes {bytes_runs[-1]['ms']:.0f} ms)")
    # the same without the metadata stripping (seal-file's "send anyway" path): what encryption alone costs
    no_strip = page.evaluate("(r) => sendFlow(r, true)", recipients)
    log(f"browser: send without stripping (force): pick to sealed {no_strip['pickToSealedMs']:.0f} ms")
    total = min(x["totalMs"] for x in app_runs)
    base = min(x["ms"] for x in base_runs)
    return {
        "input_bytes": app_runs[0]["inputBytes"], "envelope_bytes": app_runs[0]["envelopeBytes"],
        "pick_to_queued_ms": round(total, 1),
        "pick_to_sealed_ms": round(min(x["pickToSealedMs"] for x in app_runs), 1),
        "send_to_queued_ms": round(min(x["sendToQueuedMs"] for x in app_runs), 1),
        "baseline_store_ms": round(base, 1),
        "ratio": round(total / base, 2),
        "ratio_per_round": [round(a["totalMs"] / b["ms"], 2) for a, b in zip(app_runs, base_runs, strict=True)],
        "pick_to_sealed_no_strip_ms": round(no_strip["pickToSealedMs"], 1),
        "baseline_store_bytes_ms": round(min(x["ms"] for x in bytes_runs), 1),
        "ratio_to_bytes": round(total / min(x["ms"] for x in bytes_runs), 2),
        "ratio_to_bytes_per_round": [round(a["totalMs"] / b["ms"], 2) for a, b in zip(app_runs, bytes_runs,
                                                                                    strict=True)],
        "runs": app_runs, "baseline_runs": base_runs, "baseline_bytes_runs": bytes_runs,
    }


# --- the real app -------------------------------------------------------------------------------------
_TIMING_HOOKS = """() => {
  window.__bench = {};
  const count = () => document.querySelectorAll('.file [data-status="sealed"]').length;
  document.addEventListener('change', (e) => {
    if (e.target.matches('input[type=file]')) window.__bench.pick = performance.now();
  }, true);
  document.addEventListener('click', (e) => {
    if (e.target.closest('[data-review-send]')) window.__bench.send ??= performance.now();
  }, true);
  new MutationObserver(() => {
    if (window.__bench.pick && count() >= window.__bench.want && !window.__bench.sealed) {
      window.__bench.sealed = performance.now();
    }
  }).observe(document.body, { subtree: true, childList: true, attributes: true });
  window.addEventListener('hashchange', () => {
    if (/#\\/envoi\\/[0-9a-f]{32}$/.test(location.hash)) window.__bench.queued ??= performance.now();
  });
}"""


def send_real_app(launch, url: str, photos: list[Path], rounds: int, log) -> dict:
    """Pick the photos in the app's report form and tap send, as tests/browser/test_report_flow.py does."""
    from tests.browser.helpers import fill_report, open_app, review, wait_for_key

    results = []
    first_visit = None
    for r in range(rounds):
        ctx = launch(f"app-{r}", viewport={"width": 390, "height": 844}, locale="fr-FR", service_workers="allow")
        try:
            page = ctx.pages[0] if ctx.pages else ctx.new_page()
            finished = []
            if r == 0:
                ctx.on("requestfinished", lambda req: finished.append(req))
            errors: list[str] = []
            page.on("pageerror", lambda exc, errors=errors: errors.append(str(exc)))
            started = time.perf_counter()
            open_app(page, url, "signaler")
            wait_for_key(page)
            if r == 0:  # the first visit: everything the page and its service worker fetched
                page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=30_000)
                page.wait_for_timeout(500)
                first_visit = _wire_bytes(finished, time.perf_counter() - started)
            fill_report(page)
            page.evaluate(_TIMING_HOOKS)
            page.evaluate(f"window.__bench.want = {len(photos)}")
            page.locator('[data-input="gallery"]').set_input_files([str(p) for p in photos])
            page.wait_for_function("() => window.__bench.sealed !== undefined", timeout=180_000)
            review(page)  # the form's "Relire avant l'envoi", then the review's "Envoyer" (the timed tap)
            page.locator("[data-review-send]").click()
            page.wait_for_function("() => window.__bench.queued !== undefined", timeout=120_000)
            t = page.evaluate("window.__bench")
            if errors:
                raise RuntimeError(f"page errors: {errors}")
            results.append({"pick_to_sealed_ms": t["sealed"] - t["pick"], "send_to_queued_ms": t["queued"] - t["send"],
                            "pick_to_queued_ms": (t["sealed"] - t["pick"]) + (t["queued"] - t["send"])})
            log(f"browser: send round {r + 1}/{rounds} (real app): pick to sealed "
                f"{results[-1]['pick_to_sealed_ms']:.0f} ms, "
                f"tap send to queued {results[-1]['send_to_queued_ms']:.0f} ms")
        finally:
            ctx.close()
    fastest = min(results, key=lambda x: x["pick_to_queued_ms"])  # its parts, so that they add up
    return {
        "pick_to_sealed_ms": round(fastest["pick_to_sealed_ms"], 1),
        "send_to_queued_ms": round(fastest["send_to_queued_ms"], 1),
        "pick_to_queued_ms": round(fastest["pick_to_queued_ms"], 1),
        "send_to_queued_ms_min": round(min(x["send_to_queued_ms"] for x in results), 1),
        "runs": results,
        "first_visit": first_visit,
    }


def _wire_bytes(finished, seconds: float) -> dict:
    rows = []
    for req in finished:
        try:
            sizes = req.sizes()
            resp = req.response()
            encoding = (resp.headers.get("content-encoding") if resp else None) or "identity"
        except Exception:  # noqa: BLE001 - a request that vanished with its context
            continue
        rows.append({"url": re.sub(r"^https?://[^/]+", "", req.url), "body": sizes["responseBodySize"],
                     "headers": sizes["responseHeadersSize"], "encoding": encoding,
                     "by": "service worker" if getattr(req, "service_worker", None) else "page"})
    return {
        "requests": len(rows),
        "body_bytes": sum(max(r["body"], 0) for r in rows),  # a response served from cache can show a negative size
        "with_headers_bytes": sum(max(r["body"], 0) + max(r["headers"], 0) for r in rows),
        "fetched_twice": sorted({r["url"] for r in rows if r["body"] > 0 and sum(
            1 for o in rows if o["url"] == r["url"] and o["body"] > 0) > 1}),
        "encodings": sorted({r["encoding"] for r in rows}),
        "seconds_to_controlled": round(seconds, 2),
        "rows": rows,
    }


@contextmanager
def app_server(tmp: Path, log):
    """The real server (gunicorn, bench/serverapp.py's watchdog) serving a fresh build of the app."""
    from tests.support.desk import server_cli
    from tests.support.gunicorn import GunicornServer
    from tests.support.pg import free_port

    root = tmp / "app"
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    keys = root / "keys"
    _keys(keys, origin)
    dist, error = build_app(root / "dist", keys / "root-key.json")
    if dist is None:
        yield None, error
        return
    env = {"TIPLINE_DATA_DIR": str(root / "data"), "TIPLINE_KEYS_DIR": str(keys), "TIPLINE_ORIGIN": origin,
           "TIPLINE_PWA_DIR": str(dist), "TIPLINE_BENCH_OWNER": str(os.getpid()),
           "TIPLINE_BENCH_DEADLINE": str(time.time() + 900),
           # proof of work off: its cost to the citizen is measured apart (bench/pow_bench.py)
           "TIPLINE_POW_MAX_NUMBER": "0"}
    server_cli(env, "db", "upgrade")
    server = GunicornServer(env, root / "server.log", port=port, app="bench.serverapp:app")
    log(f"browser: starting the app server on {origin}")
    server.start(timeout=60)
    try:
        yield origin, ""
    finally:
        server.stop()


# --- the app shell -------------------------------------------------------------------------------------
def shell_size(dist: Path) -> dict:
    info = json.loads((dist / "build.json").read_text())
    files = info["files"]

    def wire(url: str) -> int:
        entry = files[url]
        return entry.get("br", entry["size"])

    html = (dist / "index.html").read_text()
    first = ["/index.html"] + sorted({u for u in re.findall(r'(?:href|src)="(/[^"#?]+)"', html) if u in files})
    sw = (dist / "service-worker.js").read_text()
    match = re.search(r"__TIPLINE_PRECACHE=(\[.*?\]);", sw)
    precache = json.loads(match.group(1)) if match else []
    missing = [u for u in precache if u not in files]
    if missing:
        raise RuntimeError(f"precache entries missing from build.json: {missing}")

    def summary(urls: list[str]) -> dict:
        total = sum(wire(u) for u in urls)
        return {"files": {u: {"raw": files[u]["size"], "br": files[u].get("br")} for u in urls},
                "raw_bytes": sum(files[u]["size"] for u in urls), "br_bytes": total,
                "ratio_to_target": round(total / SHELL_TARGET_BYTES, 3), "met": total < SHELL_TARGET_BYTES}

    with_sw = [*precache, "/service-worker.js"] if "/service-worker.js" not in precache else precache
    return {"target_bytes": SHELL_TARGET_BYTES, "first_load": summary(first), "precache": summary(precache),
            "precache_and_service_worker": summary(with_sw), "version": info.get("version")}


# --- the whole benchmark ----------------------------------------------------------------------------------
def run(tmp: Path, *, size_mib: int, heap_sizes_mib: list[int], rounds: int, photos: int, photo_mb: float,
        send_rounds: int, real_app: bool, log) -> dict:
    from playwright.sync_api import sync_playwright

    root = tmp / "browser"
    keys = root / "keys"
    recipients = _keys(keys, "http://127.0.0.1")  # the worker-level send path never checks the bundle
    log("browser: bundling bench/browser and the app's crypto worker with esbuild")
    bundle_bench(root / "site", keys / "root-key.json")
    log(f"browser: making {photos} photos of ~{photo_mb:g} MB (ffmpeg, exiftool)")
    pics = make_photos(root / "photos", photos, int(photo_mb * MB))
    results: dict = {"chromium": None}
    with sync_playwright() as p, static_server(root / "site") as site:
        # Every context has an on-disk profile, as a phone's browser does: in an in-memory
        # (incognito-like) context IndexedDB is faster and OPFS about 10 times slower than on disk.
        def launch(name: str, **options):
            return p.chromium.launch_persistent_context(str(root / "profiles" / name), executable_path=CHROMIUM,
                                                        args=CHROMIUM_ARGS, headless=True, **options)

        ctx = launch("bench")
        try:
            page = ctx.pages[0] if ctx.pages else ctx.new_page()
            version = ctx.new_cdp_session(page).send("Browser.getVersion")["product"].split("/")[-1]
            results["chromium"] = version
            results["profile"] = "persistent, on disk (launch_persistent_context)"
            page_errors: list[str] = []
            page.on("pageerror", lambda exc: page_errors.append(str(exc)))
            page.goto(f"{site}/index.html")
            page.wait_for_function("window.benchReady === true", timeout=30_000)
            log(f"browser: Chromium {version}; encryption of {size_mib} MiB, {rounds} rounds")
            results["encrypt"] = encryption(page, size_mib=size_mib, heap_sizes_mib=heap_sizes_mib, rounds=rounds,
                                            log=log)
            results["send"] = {"photos": [p.stat().st_size for p in pics],
                               "worker_level": send_worker_level(page, pics, recipients, send_rounds, log)}
            if page_errors:
                raise RuntimeError(f"bench page errors: {page_errors}")
            ctx.close()
            ctx = None
            with app_server(tmp, log) as (origin, error):
                if origin is None:
                    log("browser: the app does not build; no real-app send path, no shell size")
                    results["shell"] = {"error": error}
                    results["send"]["real_app"] = {"error": "pwa/build.mjs failed: " + error[-500:]}
                else:
                    results["shell"] = shell_size(tmp / "app" / "dist")
                    if real_app:
                        try:
                            results["send"]["real_app"] = send_real_app(launch, origin, pics, send_rounds, log)
                            results["shell"]["first_visit"] = results["send"]["real_app"].pop("first_visit")
                        except Exception as exc:  # noqa: BLE001 - the app is being finished: record why
                            log(f"browser: the real app's send path failed: {str(exc).splitlines()[0][:200]}")
                            results["send"]["real_app"] = {"error": str(exc)[:2000]}
        finally:
            if ctx is not None:
                ctx.close()
    return results
