"""``python -m bench`` (or ``scripts/bench``): run the benchmarks, print a table, write JSON.

    scripts/bench                 the full run (a few minutes on 2 cores)
    scripts/bench --quick         a smoke run, well under a minute
    scripts/bench --only envelope --size-mib 512 --decrypt-gib 2
    scripts/bench --only ingest --reports 1000 --clients 16
    scripts/bench browser         the citizen app in headless Chromium (= --only browser)
    scripts/bench delivery        tap-to-delivered over a shaped 2 MB/s, 50 ms link (= --only delivery)

Explicit sizes win over --quick's. Everything is written under one temp dir (removed at the
end); the results go to bench/out/results.json.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console

from . import browser_bench, delivery_bench, envelope_bench, ingest_bench, report
from .common import REPO, GiB, MiB, machine_facts

FULL = {"size_mib": 256, "decrypt_gib": 1.0, "reports": 500, "rounds": 3, "upload_rounds": 3, "report_rounds": 2,
        "browser_mib": 200, "browser_heap_mib": "50,200", "browser_rounds": 2, "send_rounds": 3,
        "delivery_rounds": 2, "video_mb": 50}
QUICK = {"size_mib": 32, "decrypt_gib": 0.125, "reports": 100, "rounds": 1, "upload_rounds": 1, "report_rounds": 1,
         "browser_mib": 16, "browser_heap_mib": "8,16", "browser_rounds": 1, "send_rounds": 1,
         "delivery_rounds": 1, "video_mb": 10}
BENCHMARKS = ("envelope", "ingest", "browser", "delivery")
DEFAULT_BENCHMARKS = ("envelope", "ingest")  # the browser and delivery benchmarks run when asked for


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="scripts/bench", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="small sizes and one round each: a smoke run")
    p.add_argument("--only", action="append", choices=BENCHMARKS, help="run only this benchmark (repeatable)")
    sizes = p.add_argument_group("sizes (defaults: full run / --quick)")
    sizes.add_argument("--size-mib", type=int, help="input of the envelope benchmark and the uploaded envelope "
                       f"(MiB; {FULL['size_mib']} / {QUICK['size_mib']})")
    sizes.add_argument("--decrypt-gib", type=float, help="envelope decrypted by the memory probe "
                       f"(GiB; {FULL['decrypt_gib']:g} / {QUICK['decrypt_gib']:g})")
    sizes.add_argument("--reports", type=int, help=f"small reports per round ({FULL['reports']} / {QUICK['reports']})")
    sizes.add_argument("--rounds", type=int, help="envelope throughput rounds, best kept "
                       f"({FULL['rounds']} / {QUICK['rounds']})")
    sizes.add_argument("--upload-rounds", type=int, help=f"upload rounds ({FULL['upload_rounds']} / "
                       f"{QUICK['upload_rounds']})")
    sizes.add_argument("--report-rounds", type=int, help=f"small-report rounds ({FULL['report_rounds']} / "
                       f"{QUICK['report_rounds']})")
    srv = p.add_argument_group("server")
    srv.add_argument("--chunk-mib", type=int, default=4, help="upload chunk size in MiB (default 4; server max 8)")
    srv.add_argument("--clients", type=int, default=8, help="concurrent client threads for small reports (default 8)")
    srv.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2, as server/gunicorn_conf.py)")
    srv.add_argument("--threads", type=int, default=4,
                     help="threads per worker (default 4, as server/gunicorn_conf.py)")
    srv.add_argument("--postgres", action="store_true",
                     help="PostgreSQL instead of SQLite (a throwaway server from tests/support/pg.py, fsync off)")
    srv.add_argument("--server-deadline", type=float, default=1800,
                     help="the benchmark server stops itself after this many seconds whatever happens (default 1800)")
    web = p.add_argument_group("browser (scripts/bench browser; headless Debian Chromium)")
    web.add_argument("--browser-mib", type=int, help="file encrypted in the browser (MiB; "
                     f"{FULL['browser_mib']} / {QUICK['browser_mib']})")
    web.add_argument("--browser-heap-mib", help="file sizes of the heap runs, comma-separated (MiB; "
                     f"{FULL['browser_heap_mib']} / {QUICK['browser_heap_mib']})")
    web.add_argument("--browser-rounds", type=int, help="encryption rounds, best kept "
                     f"({FULL['browser_rounds']} / {QUICK['browser_rounds']})")
    web.add_argument("--send-rounds", type=int, help=f"send-path rounds ({FULL['send_rounds']} / "
                     f"{QUICK['send_rounds']})")
    web.add_argument("--photos", type=int, default=5, help="photos in the report (default 5)")
    web.add_argument("--photo-mb", type=float, default=4.0, help="size of each photo (MB; default 4)")
    web.add_argument("--no-real-app", action="store_true",
                     help="skip the send path through the real app (server + UI); the worker-level one still runs")
    dl = p.add_argument_group("delivery (scripts/bench delivery; the real app over a shaped link)")
    dl.add_argument("--delivery-rounds", type=int, help="rounds, best kept "
                    f"({FULL['delivery_rounds']} / {QUICK['delivery_rounds']})")
    dl.add_argument("--video-mb", type=int, help=f"the report's video (MB; {FULL['video_mb']} / {QUICK['video_mb']}); "
                    "--photos and --photo-mb give its photos")
    dl.add_argument("--link-mbps", type=float, default=2.0, help="the link's rate, MB/s each way (default 2)")
    dl.add_argument("--rtt-ms", type=float, default=50.0, help="the link's round-trip time (default 50 ms)")
    out = p.add_argument_group("output")
    out.add_argument("--out", type=Path, default=REPO / "bench" / "out" / "results.json", help="JSON results file")
    out.add_argument("--tmpdir", type=Path, help="where the temp dir goes (default: the system's)")
    if argv and argv[0] in BENCHMARKS:  # scripts/bench browser  ==  scripts/bench --only browser
        argv = ["--only", argv[0], *argv[1:]]
    args = p.parse_args(argv)
    profile = QUICK if args.quick else FULL
    for key, value in profile.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    for name in ("size_mib", "reports", "rounds", "upload_rounds", "report_rounds", "chunk_mib", "clients", "workers",
                 "threads", "browser_mib", "browser_rounds", "send_rounds", "photos", "delivery_rounds", "video_mb"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.decrypt_gib <= 0:
        p.error("--decrypt-gib must be positive")
    if args.chunk_mib > 8:
        p.error("--chunk-mib is at most 8 (the server's default TIPLINE_MAX_CHUNK_BYTES)")
    try:
        args.browser_heap_mib = [int(x) for x in str(args.browser_heap_mib).split(",") if x.strip()]
    except ValueError:
        p.error("--browser-heap-mib takes sizes in MiB separated by commas, e.g. 50,200")
    if not args.browser_heap_mib or min(args.browser_heap_mib) < 1:
        p.error("--browser-heap-mib needs sizes of at least 1 MiB")
    if args.photo_mb <= 0:
        p.error("--photo-mb must be positive")
    args.only = args.only or list(DEFAULT_BENCHMARKS)
    return args


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    console = Console(width=None if sys.stdout.isatty() else 160)
    err = Console(stderr=True)
    started = time.perf_counter()

    def log(message: str) -> None:
        err.print(f"[dim]{time.perf_counter() - started:6.1f}s[/] {message}", highlight=False)

    size, decrypt_size = args.size_mib * MiB, int(args.decrypt_gib * GiB)
    decrypt_size -= decrypt_size % 4096
    results: dict = {
        "schema": 1,
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "profile": "quick" if args.quick else "full",
        "command": "scripts/bench" + ("" if not argv else " " + shlex.join(argv)),
        "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "note": "ratios are value / baseline, both measured in this run; MB = 10^6 bytes",
    }
    with tempfile.TemporaryDirectory(prefix="tipline-bench-", dir=args.tmpdir) as tmp_name:
        tmp = Path(tmp_name)
        results["machine"] = machine_facts(tmp)
        log(f"temp dir {tmp} ({results['machine'].get('temp_fs', '?')})")
        if "envelope" in args.only:
            results["envelope"] = envelope_bench.run(tmp, size=size, decrypt_size=decrypt_size, rounds=args.rounds,
                                                     log=log)
        if "ingest" in args.only:
            results["ingest"] = ingest_bench.run(
                tmp, size=size, chunk_size=args.chunk_mib * MiB, upload_rounds=args.upload_rounds,
                report_count=args.reports, clients=args.clients, report_rounds=args.report_rounds,
                workers=args.workers, threads=args.threads, postgres=args.postgres,
                deadline_s=args.server_deadline, log=log)
        if "browser" in args.only:
            results["browser"] = browser_bench.run(
                tmp, size_mib=args.browser_mib, heap_sizes_mib=args.browser_heap_mib, rounds=args.browser_rounds,
                photos=args.photos, photo_mb=args.photo_mb, send_rounds=args.send_rounds,
                real_app=not args.no_real_app, log=log)
        if "delivery" in args.only:
            results["delivery"] = delivery_bench.run(
                tmp, rounds=args.delivery_rounds, photos=args.photos, photo_mb=args.photo_mb, video_mb=args.video_mb,
                rate_mb_s=args.link_mbps, rtt_ms=args.rtt_ms, log=log)
    results["duration_s"] = round(time.perf_counter() - started, 1)
    results["summary"] = report.summary_rows(results)
    report.write_json(args.out, results)
    report.print_table(console, results)
    log(f"done in {results['duration_s']:.0f}s; results in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
