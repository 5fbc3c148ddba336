"""Delivery that fills the citizen's link (issue 10): tap-to-delivered through the real app and
server over a shaped link, against one raw transfer of the same bytes over the same link.

The real build of the app is served by the real server (gunicorn, SQLite, bench/serverapp.py's
watchdog) behind tests/support/netproxy.py, which shapes the link: ``--link-mbps`` megabytes per
second each way, shared by all connections as a radio link is, and ``--rtt-ms`` added to every
request. Debian's Chromium runs headless with a persistent, on-disk profile. Each round:

1. the app: a fresh report with ``--photos`` camera-like JPEGs and a ``--video-mb`` QuickTime
   video, picked and sealed (not timed: that happens while the citizen writes), then the clock
   runs from the tap on the review screen's "Envoyer" until the sent screen says "delivered". The
   phone's remembered uplink estimate is erased and the page reloaded first, so every round
   starts as a first visit does;
2. the baseline: one PUT of the same number of bytes (the envelopes' total) from the same page
   to the proxy's sink, over the same link: what the link itself allows.

The order of the two alternates between rounds. The ratio is app time / raw time.
"""

from __future__ import annotations

import os
import time
from contextlib import contextmanager
from pathlib import Path

from .browser_bench import CHROMIUM, CHROMIUM_ARGS, _keys, build_app, make_photos
from .common import MB

_READ_ITEMS = """async (caseId) => {
    const db = await new Promise(r => { const q = indexedDB.open('tipline-outbox'); q.onsuccess = () => r(q.result); });
    const items = await new Promise(r => { const q = db.transaction('items').objectStore('items').index('byCase')
        .getAll(caseId); q.onsuccess = () => r(q.result); });
    db.close();
    return items.map(i => ({ kind: i.kind, size: i.size, state: i.state, pieces: i.uploadChunkSize ?? null }));
}"""

_FORGET_UPLINK = """async () => {
    const db = await new Promise(r => { const q = indexedDB.open('tipline-outbox'); q.onsuccess = () => r(q.result); });
    await new Promise(r => { const tx = db.transaction('meta', 'readwrite'); tx.objectStore('meta').delete('uplink');
        tx.oncomplete = r; });
    db.close();
}"""

# The body is a Blob made before the clock starts: an ArrayBuffer body is first copied through
# the renderer (3.5 to 6 s before the first byte for 40 to 70 MB here), which is not the link.
_RAW = """async (bytes) => {
    const filled = new Uint8Array(bytes);
    for (let i = 0; i < bytes; i += 4096) filled[i] = i & 255;
    const body = new Blob([filled]);
    await new Promise((r) => setTimeout(r, 500));
    const t0 = performance.now();
    const response = await fetch('/__sink', { method: 'PUT', body, cache: 'no-store' });
    await response.arrayBuffer();
    return { ms: performance.now() - t0, status: response.status };
}"""


@contextmanager
def proxied_server(tmp: Path, log):
    """The app built and served by the real server, behind the shaping proxy: yields (proxy, server)."""
    from tests.support.desk import server_cli
    from tests.support.gunicorn import GunicornServer
    from tests.support.netproxy import NetProxy
    from tests.support.pg import free_port

    root = tmp / "delivery"
    public = free_port()
    origin = f"http://127.0.0.1:{public}"
    keys = root / "keys"
    _keys(keys, origin)
    dist, error = build_app(root / "dist", keys / "root-key.json")
    if dist is None:
        raise RuntimeError(f"pwa/build.mjs failed: {error}")
    env = {"TIPLINE_DATA_DIR": str(root / "data"), "TIPLINE_KEYS_DIR": str(keys), "TIPLINE_ORIGIN": origin,
           "TIPLINE_PWA_DIR": str(dist), "TIPLINE_BENCH_OWNER": str(os.getpid()),
           "TIPLINE_BENCH_DEADLINE": str(time.time() + 1800),
           # proof of work off: its cost to the citizen is measured apart (bench/pow_bench.py)
           "TIPLINE_POW_MAX_NUMBER": "0"}
    server_cli(env, "db", "upgrade")
    server = GunicornServer(env, root / "server.log", workers=2, threads=4, app="bench.serverapp:app")
    server.start(timeout=60)
    proxy = NetProxy(server.port, port=public).start()
    log(f"delivery: app on {origin} through the shaping proxy")
    try:
        yield proxy, server
    finally:
        proxy.stop()
        server.stop()


def _server_time(timings: list) -> dict:
    """How long the server took to answer once a request's body was through (proxy's view)."""
    waits = sorted(answered - sent for _m, _p, _n, _b, sent, answered, _e in timings)
    pieces = sorted(answered - sent for _m, p, _n, _b, sent, answered, _e in timings if "/chunks/" in p)
    completes = [round(answered - sent, 3) for _m, p, _n, _b, sent, answered, _e in timings if p.endswith("/complete")]
    def pick(v, q):
        return round(v[min(len(v) - 1, int(q * len(v)))], 3) if v else None

    return {"requests": len(waits), "total_s": round(sum(waits), 2), "piece_p50_s": pick(pieces, 0.5),
            "piece_p95_s": pick(pieces, 0.95), "complete_s": completes}


class LinkWatch:
    """Samples the bytes the proxy carried up, every 50 ms, to show when the link sat idle."""

    def __init__(self, proxy, interval: float = 0.05):
        self.proxy, self.interval = proxy, interval
        self.samples: list[tuple[float, int]] = []
        self._stop = False
        self._thread = None

    def __enter__(self):
        import threading

        def run():
            while not self._stop:
                self.samples.append((time.perf_counter(), self.proxy.up.bytes))
                time.sleep(self.interval)

        self._thread = threading.Thread(target=run, daemon=True, name="linkwatch")
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop = True
        self._thread.join(timeout=5)

    def summary(self, rate: float, start: float, end: float) -> dict:
        """Seconds in which the link carried under half its rate, from the first byte to the end."""
        pts = [(t, b) for t, b in self.samples if start <= t <= end]
        if len(pts) < 2:
            return {}
        first = next((i for i in range(1, len(pts)) if pts[i][1] > pts[0][1]), 1) - 1
        slow = sum(t1 - t0 for (t0, b0), (t1, b1) in zip(pts[first:], pts[first + 1:])
                   if (b1 - b0) < 0.5 * rate * (t1 - t0))
        return {"before_first_byte_s": round(pts[first][0] - start, 2), "under_half_rate_s": round(slow, 2)}


def _video(path: Path, megabytes: int) -> Path:
    from tests.browser.helpers import camera_video

    return camera_video(path, megabytes)


def run(tmp: Path, *, rounds: int, photos: int, photo_mb: float, video_mb: int, rate_mb_s: float, rtt_ms: float,
        log) -> dict:
    from playwright.sync_api import sync_playwright

    from tests.browser.helpers import attach, confirm_send, fill_report, review, wait_for_key

    rate = rate_mb_s * MB
    media = tmp / "delivery-media"
    log(f"delivery: making {photos} photos of ~{photo_mb:g} MB and a {video_mb} MB video")
    files = make_photos(media, photos, int(photo_mb * MB)) + [_video(media / "VID_0001.mov", video_mb)]
    app_runs, raw_runs = [], []
    log(f"delivery: link of {rate_mb_s:g} MB/s each way, {rtt_ms:g} ms round trip")
    with proxied_server(tmp, log) as (proxy, server), sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(str(tmp / "delivery-profile"), executable_path=CHROMIUM,
                                                   args=CHROMIUM_ARGS, headless=True, locale="fr-FR",
                                                   viewport={"width": 390, "height": 844})
        try:
            page = ctx.pages[0] if ctx.pages else ctx.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(f"{proxy.url}/#/signaler")
            wait_for_key(page)
            page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=30_000)
            for r in range(rounds):
                for which in (("app", "raw") if r % 2 == 0 else ("raw", "app")):
                    if which == "app":
                        page.evaluate(_FORGET_UPLINK)
                        proxy.shape()  # unshaped while the page loads and the files are sealed
                        page.goto(f"{proxy.url}/#/")
                        page.reload()
                        page.goto(f"{proxy.url}/#/signaler")
                        wait_for_key(page)
                        fill_report(page, {"place.text": "parking du centre commercial, niveau -2"})
                        attach(page, files)
                        review(page)  # "Relire avant l'envoi": the review screen, before the clock
                        proxy.shape(up=rate, down=rate, rtt_ms=rtt_ms)
                        requests_before = len(proxy.seen())
                        timings_before = len(proxy.timings)
                        up_before = proxy.up.bytes
                        with LinkWatch(proxy) as watch:
                            started = time.perf_counter()
                            confirm_send(page)  # the review's "Envoyer": the tap the clock starts at
                            queued = time.perf_counter()
                            page.wait_for_selector('[data-case-state="delivered"]', timeout=900_000)
                            done = time.perf_counter()
                        case_id = page.url.rsplit("/", 1)[1]
                        items = page.evaluate(_READ_ITEMS, case_id)
                        if len(items) != len(files) + 1 or any(i["state"] != "delivered" for i in items):
                            raise RuntimeError(f"not everything was delivered: {items}")
                        app_runs.append({"seconds": done - started, "tap_to_queued_s": queued - started,
                                         "envelope_bytes": sum(i["size"] for i in items),
                                         "pieces": sorted({i["pieces"] for i in items if i["pieces"]}),
                                         "requests": len(proxy.seen()) - requests_before,
                                         "uplink_bytes": proxy.up.bytes - up_before,
                                         "link": watch.summary(rate, started, done),
                                         "server": _server_time(proxy.timings[timings_before:]),
                                         "trace": {"t0": started, "link": watch.samples,
                                                   "requests": proxy.timings[timings_before:]}})
                        log(f"delivery: round {r + 1}/{rounds}: tap to delivered {app_runs[-1]['seconds']:.2f} s "
                            f"({app_runs[-1]['requests']} requests, pieces {app_runs[-1]['pieces']})")
                    else:
                        total = app_runs[-1]["envelope_bytes"] if app_runs else None
                        if total is None:  # the raw transfer goes first: size it from the files
                            total = sum(f.stat().st_size for f in files) + 4096 * (len(files) + 1)
                        proxy.shape(up=rate, down=rate, rtt_ms=rtt_ms)
                        with LinkWatch(proxy) as watch:
                            t0 = time.perf_counter()
                            raw = page.evaluate(_RAW, total)
                            t1 = time.perf_counter()
                        if raw["status"] != 204:
                            raise RuntimeError(f"the sink answered {raw['status']}")
                        raw_runs.append({"seconds": raw["ms"] / 1000, "bytes": total,
                                         "link": watch.summary(rate, t0, t1)})
                        log(f"delivery: round {r + 1}/{rounds}: one raw transfer of {total / MB:.1f} MB "
                            f"{raw_runs[-1]['seconds']:.2f} s")
                    proxy.shape()
            if errors:
                raise RuntimeError(f"page errors: {errors}")
        finally:
            ctx.close()
    # the raw transfer of round 0 may have been sized before the envelopes were known: scale it
    envelope = app_runs[0]["envelope_bytes"]
    for raw in raw_runs:
        raw["seconds_for_envelopes"] = raw["seconds"] * envelope / raw["bytes"]
    best_app = min(x["seconds"] for x in app_runs)
    best_raw = min(x["seconds_for_envelopes"] for x in raw_runs)
    return {
        "link": {"mb_s_each_way": rate_mb_s, "rtt_ms": rtt_ms},
        "files": [f.stat().st_size for f in files],
        "envelope_bytes": envelope,
        "tap_to_delivered_s": round(best_app, 2),
        "raw_transfer_s": round(best_raw, 2),
        "link_time_s": round(envelope / rate, 2),
        "ratio": round(best_app / best_raw, 3),
        "ratio_per_round": [round(a["seconds"] / b["seconds_for_envelopes"], 3) for a, b in zip(app_runs, raw_runs)],
        "app_runs": app_runs,
        "raw_runs": raw_runs,
    }
