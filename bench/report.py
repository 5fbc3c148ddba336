"""Results: a readable table (rich) and machine-readable JSON (bench/out/results.json)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from rich.console import Console
from rich.table import Table

from .common import MiB


def _mib(nbytes: int | None) -> str:
    return f"{nbytes / MiB:g} MiB" if nbytes else "?"


def _spread(values: list[float] | None) -> str:
    if not values or len(values) < 2:
        return ""
    return f"{min(values):.2f}–{max(values):.2f}"


def summary_rows(results: dict) -> list[dict]:
    """One row per headline figure: value, baseline, ratio (value / baseline), target."""
    rows = []
    env = results.get("envelope")
    if env:
        tp, mem = env["throughput"], env["memory"]
        base = f"{tp['baseline']['mb_s']:.0f} MB/s raw AEAD encrypt, 64 KiB pieces"
        for op in ("encrypt", "decrypt"):
            rows.append({
                "benchmark": "envelope",
                "measure": f"{op}_stream, {_mib(tp['input_bytes'])} file to file",
                "value": f"{tp[op]['mb_s']:.0f} MB/s",
                "baseline": base,
                "ratio": tp[op]["ratio"],
                "ratio_per_round": _spread(tp[op]["ratio_per_round"]),
                "target": "none set",
                "met": None,
            })
        rows.append({
            "benchmark": "envelope",
            "measure": f"peak memory decrypting a {_mib(mem['nominal_bytes'])} envelope "
                       "(fresh interpreter, discarding sink)",
            "value": f"+{mem['delta_mib']:.1f} MiB",
            "baseline": f"{mem['baseline_mib']:.1f} MiB ru_maxrss after imports",
            "ratio": None,
            "target": f"< {mem['target_mib']} MiB above baseline",
            "met": mem["met"],
        })
    ing = results.get("ingest")
    if ing:
        up, rep, srv = ing["upload"], ing["reports"], ing["server"]
        rows.append({
            "benchmark": "ingest",
            "measure": f"chunked upload, {_mib(up['nominal_bytes'])} envelope in {_mib(up['chunk_bytes'])} chunks",
            "value": f"{up['mb_s']:.0f} MB/s",
            "baseline": f"{up['baseline']['mb_s']:.0f} MB/s copyfile + fsync, same disk (best of 3 per round)",
            "ratio": up["ratio"],
            "ratio_per_round": _spread(up["ratio_per_round"]),
            "target": "none set",
            "met": None,
        })
        m = up["memory"]
        rows.append({
            "benchmark": "ingest",
            "measure": f"server RSS during the upload ({m['processes']} processes, sampled every 50 ms)",
            "value": f"peak {m['peak_total_mib']:.0f} MiB total, {m['peak_worker_mib']:.0f} MiB per worker",
            "baseline": f"idle {m['idle_total_mib']:.0f} MiB total, {m['idle_worker_mib']:.0f} MiB per worker",
            "ratio": None,
            "target": "none set",
            "met": None,
        })
        rows.append({
            "benchmark": "ingest",
            "measure": f"small reports accepted, {rep['clients']} clients, "
                       f"{srv['workers']} workers x {srv['threads']} threads, {srv['database'].split()[0]}",
            "value": f"{rep['reports_per_s']:.0f} reports/s",
            "baseline": f"{rep['baseline']['req_s']:.0f} req/s GET /api/healthz, same clients",
            "ratio": rep["ratio"],
            "ratio_per_round": _spread(rep["ratio_per_round"]),
            "target": "none set",
            "met": None,
        })
    rows.extend(_browser_rows(results.get("browser")))
    rows.extend(_delivery_rows(results.get("delivery")))
    return rows


def _delivery_rows(dl: dict | None) -> list[dict]:
    if not dl:
        return []
    link = dl["link"]
    files = dl["files"]
    return [{
        "benchmark": "delivery",
        "measure": f"the real app over a {link['mb_s_each_way']:g} MB/s, {link['rtt_ms']:g} ms link: tap on send to "
                   f"delivered, {len(files) - 1} photos + a {files[-1] / 1e6:.0f} MB video "
                   f"({dl['envelope_bytes'] / 1e6:.1f} MB of envelopes)",
        "value": f"{dl['tap_to_delivered_s']:.1f} s",
        "baseline": f"{dl['raw_transfer_s']:.1f} s one raw PUT of the same bytes, same link, same page",
        "ratio": dl["ratio"],
        "ratio_per_round": _spread(dl["ratio_per_round"]),
        "target": "<= 1.1",
        "met": dl["ratio"] <= 1.1,
    }]


def _kb(nbytes: int) -> str:
    return f"{nbytes / 1000:.0f} KB"


def _browser_rows(web: dict | None) -> list[dict]:
    if not web:
        return []
    rows = []
    enc = web.get("encrypt")
    if enc:
        size = _mib(enc["input_bytes"])
        rows.append({
            "benchmark": "browser",
            "measure": f"sealStream in a Web Worker, {size} Blob, 64 KiB reads served from a 1 MiB read-ahead "
                       "(as crypto-worker.js)",
            "value": f"{enc['tipline']['mb_s']:.0f} MB/s",
            "baseline": f"{enc['webcrypto_aes_gcm']['mb_s']:.0f} MB/s WebCrypto AES-GCM, 64 KiB calls, same worker",
            "ratio": enc["ratio_to_webcrypto"],
            "ratio_per_round": _spread(enc["ratio_to_webcrypto_per_round"]),
            "target": "none set",
            "met": None,
        })
        rows.append({
            "benchmark": "browser",
            "measure": f"sealStream, same {size} Blob",
            "value": f"{enc['tipline']['mb_s']:.0f} MB/s",
            "baseline": f"{enc['openpgp']['mb_s']:.0f} MB/s OpenPGP.js {enc['openpgp']['key']['openpgp'].split()[-1]} "
                        "encrypt to a public key, streamed from the same Blob",
            "ratio": enc["ratio_to_openpgp"],
            "ratio_per_round": _spread(enc["ratio_to_openpgp_per_round"]),
            "target": "none set",
            "met": None,
        })
        store = enc.get("store")
        if store:
            rows.append({
                "benchmark": "browser",
                "measure": f"seal-and-store: sealStream into the outbox as the app does (IndexedDB, 1 MiB records, "
                           f"puts overlapped with sealing), same {size} Blob, on-disk profile",
                "value": f"{store['mb_s']['tipline-outbox']:.0f} MB/s",
                "baseline": f"{store['mb_s']['sodium-raw']:.0f} MB/s libsodium.js XChaCha20-Poly1305 alone, 64 KiB "
                            "calls, bytes in memory, same worker",
                "ratio": store["ratio_to_aead"]["tipline-outbox"],
                "ratio_per_round": _spread(store["ratio_to_aead_per_round"]["tipline-outbox"]),
                "target": "none set",
                "met": None,
            })
        tip = [m for m in enc["memory"] if m["op"] == "tipline"]
        if tip:
            rows.append({
                "benchmark": "browser",
                "measure": "worker's JS heap (V8 used) while sealStream runs: peak at " +
                           " / ".join(f"{m['size_mib']} MiB" for m in tip),
                "value": " / ".join(f"{m['peak_used_bytes'] / MiB:.1f} MiB" for m in tip),
                "baseline": " / ".join(f"{m['before_used_bytes'] / MiB:.1f} MiB" for m in tip) + " before (after GC)",
                "ratio": round(tip[-1]["peak_used_bytes"] / tip[0]["peak_used_bytes"], 2),
                "target": "flat (largest / smallest peak near 1)",
                "met": tip[-1]["peak_used_bytes"] <= 1.25 * tip[0]["peak_used_bytes"],
            })
    send = web.get("send") or {}
    wl = send.get("worker_level")
    if wl:
        n = len(send["photos"])
        rows.append({
            "benchmark": "browser",
            "measure": f"{n} photos of ~{sum(send['photos']) / n / 1e6:.1f} MB: pick to queued, app's crypto worker "
                       f"driven as draft.js does (tap send to queued alone: {wl['send_to_queued_ms']:.0f} ms)",
            "value": f"{wl['pick_to_queued_ms'] / 1000:.2f} s",
            "baseline": f"{wl['baseline_store_ms'] / 1000:.2f} s to put the {n} File objects in IndexedDB",
            "ratio": wl["ratio"],
            "ratio_per_round": _spread(wl["ratio_per_round"]),
            "target": "none set",
            "met": None,
        })
        rows.append({
            "benchmark": "browser",
            "measure": "same, against a baseline that copies the bytes",
            "value": f"{wl['pick_to_queued_ms'] / 1000:.2f} s",
            "baseline": f"{wl['baseline_store_bytes_ms'] / 1000:.2f} s to read each file into an ArrayBuffer and "
                        "put the bytes in IndexedDB",
            "ratio": wl["ratio_to_bytes"],
            "ratio_per_round": _spread(wl["ratio_to_bytes_per_round"]),
            "target": "none set",
            "met": None,
        })
    ra = send.get("real_app")
    if ra and "error" not in ra and wl:
        rows.append({
            "benchmark": "browser",
            "measure": f"same, through the real app and server: pick to all sealed + tap send to queued "
                       f"({ra['pick_to_sealed_ms']:.0f} + {ra['send_to_queued_ms']:.0f} ms)",
            "value": f"{ra['pick_to_queued_ms'] / 1000:.2f} s",
            "baseline": f"{wl['baseline_store_bytes_ms'] / 1000:.2f} s IndexedDB put of the same files' bytes "
                        "(bench page)",
            "ratio": round(ra["pick_to_queued_ms"] / wl["baseline_store_bytes_ms"], 2),
            "target": "none set",
            "met": None,
        })
    shell = web.get("shell")
    if shell and "error" not in shell:
        for key, what in (("first_load", "first page load (index.html, app JS, CSS, manifest, icons it links)"),
                          ("precache", "service worker precache list (the whole shell, worker and libsodium too)")):
            s = shell[key]
            rows.append({
                "benchmark": "browser",
                "measure": f"app shell, {what}, brotli",
                "value": _kb(s["br_bytes"]),
                "baseline": f"target {_kb(shell['target_bytes'])} ({_kb(s['raw_bytes'])} uncompressed)",
                "ratio": s["ratio_to_target"],
                "target": f"< {_kb(shell['target_bytes'])}",
                "met": s["met"],
            })
    return rows


def print_table(console: Console, results: dict) -> None:
    facts = results["machine"]
    title = (f"tipline benchmarks ({results['profile']}), {results['date']}: {facts['nproc']} CPUs "
             f"{facts['cpu_model']}, Python {facts['python']}, libsodium {facts['libsodium'].split()[0]}")
    table = Table(title=title, title_justify="left", show_lines=True)
    for name, kw in (("benchmark", {}), ("measure", {"ratio": 3}), ("result", {"justify": "right"}),
                     ("baseline (same run)", {"ratio": 2}), ("ratio", {"justify": "right"}), ("target", {})):
        table.add_column(name, overflow="fold", **kw)
    for row in summary_rows(results):
        ratio = "" if row["ratio"] is None else f"{row['ratio']:.2f}"
        if row.get("ratio_per_round"):
            ratio += f"\n[dim]rounds {row['ratio_per_round']}[/]"
        target = row["target"]
        if row["met"] is not None:
            target += " [green]met[/]" if row["met"] else " [red]NOT met[/]"
        table.add_row(row["benchmark"], row["measure"], row["value"], row["baseline"], ratio, target)
    console.print(table)
    details = _details(results)
    if details:
        console.print(details)


def _details(results: dict) -> Table | None:
    """Figures that explain the headline ratios (same run)."""
    t = Table(title="details", title_justify="left", show_header=True)
    t.add_column("what", overflow="fold")
    t.add_column("value", justify="right", overflow="fold")
    env = results.get("envelope")
    if env:
        c, tp, mem = env["throughput"]["components"], env["throughput"], env["memory"]
        t.add_row("encrypt_stream to a discarding sink (no file write): MB/s, ratio",
                  f"{c['encrypt_no_write_mb_s']:.0f} MB/s, {c['encrypt_no_write_ratio']:.2f}")
        t.add_row("decrypt_stream to a discarding sink (no file write): MB/s, ratio",
                  f"{c['decrypt_no_write_mb_s']:.0f} MB/s, {c['decrypt_no_write_ratio']:.2f}")
        t.add_row("raw AEAD then SHA-256, one after the other: MB/s, ratio",
                  f"{c['aead_plus_sha256_mb_s']:.0f} MB/s, {c['aead_plus_sha256_ratio']:.2f}")
        t.add_row("raw AEAD decrypt, 64 KiB pieces", f"{c['aead_decrypt_mb_s']:.0f} MB/s")
        t.add_row("SHA-256 (hashlib), 64 KiB pieces", f"{c['sha256_mb_s']:.0f} MB/s")
        t.add_row("read + write the file in 64 KiB pieces (no crypto)", f"{c['io_copy_64k_mb_s']:.0f} MB/s")
        t.add_row("padded plaintext / input (PADMÉ)", f"{tp['padded_bytes'] / tp['input_bytes']:.3f}")
        t.add_row("memory probe: ru_maxrss after imports (before reset) / peak",
                  f"{mem['after_imports_maxrss_mib']:.1f} / {mem['peak_mib']:.1f} MiB")
        t.add_row("memory probe: decrypt speed of the large envelope", f"{mem['decrypt_mb_s']:.0f} MB/s")
    ing = results.get("ingest")
    if ing:
        up, rep = ing["upload"], ing["reports"]
        t.add_row("upload: chunk PUTs alone / complete alone", f"{up['phases']['chunk_puts_mb_s']:.0f} / "
                  f"{up['phases']['complete_mb_s']:.0f} MB/s")
        comp = up.get("components")
        if comp:
            t.add_row(f"gunicorn body reader, {comp['server_read_block'] // 1024} KiB reads (server/http.py) / 1 MiB "
                      "reads, in-memory socket",
                      f"{comp['gunicorn_body_read_server_block_mb_s']:.0f} / "
                      f"{comp['gunicorn_body_read_1_mib_mb_s']:.0f} MB/s")
        fr = up["phases"]["fastest_round"]
        t.add_row("upload, fastest round: chunk PUTs wall / server CPU / client CPU",
                  f"{fr['chunks_seconds']:.2f} / {fr['cpu_s']['chunks_server']:.2f} / "
                  f"{fr['cpu_s']['chunks_client']:.2f} s")
        t.add_row("upload, fastest round: complete wall / server CPU",
                  f"{fr['complete_seconds']:.2f} / {fr['cpu_s']['complete_server']:.2f} s")
        lat = rep["latency_ms"]
        if lat["report"] and lat["healthz"]:
            t.add_row("report latency p50 / p95 (open case + PUT)",
                      f"{lat['report']['p50']:.0f} / {lat['report']['p95']:.0f} ms")
            t.add_row("healthz latency p50 / p95", f"{lat['healthz']['p50']:.0f} / {lat['healthz']['p95']:.0f} ms")
        cpu = rep["cpu_s"]["report"]
        t.add_row("server CPU per report (both requests)", f"{1000 * cpu['server'] / rep['count']:.1f} ms")
        hc = rep["cpu_s"]["healthz"]
        t.add_row("server CPU per health check", f"{1000 * hc['server'] / rep['healthz_requests']:.1f} ms")
        t.add_row("client threads' CPU per report / per health check (same 2 cores)",
                  f"{1000 * cpu['client'] / rep['count']:.1f} / {1000 * hc['client'] / rep['healthz_requests']:.1f} ms")
    _browser_details(t, results.get("browser"))
    return t if t.row_count else None


def _browser_details(t: Table, web: dict | None) -> None:
    if not web:
        return
    enc = web.get("encrypt")
    if enc:
        c = enc["components"]
        names = {"blob-read": "Blob.slice(64 KiB).arrayBuffer() alone, whole file",
                 "blob-read-1m": "Blob.slice(1 MiB).arrayBuffer() alone, whole file",
                 "sodium-raw": "libsodium.js XChaCha20-Poly1305 alone, 64 KiB calls (in memory)",
                 "sodium-sha256": "libsodium.js SHA-256 alone, 64 KiB updates (sealStream hashes twice)"}
        for key, label in names.items():
            if key in c:
                t.add_row(f"browser: {label}", f"{c[key]['mb_s']:.0f} MB/s")
        store = enc.get("store")
        if store:
            labels = {"tipline-outbox-serial": "seal-and-store as before: each IndexedDB put awaited",
                      "tipline-opfs": "seal-and-store into OPFS (sync access handle, 1 MiB writes)"}
            for op, label in labels.items():
                t.add_row(f"browser: {label}", f"{store['mb_s'][op]:.0f} MB/s (ratio to AEAD alone "
                          f"{store['ratio_to_aead'][op]:.2f})")
            a = store["storage_alone_mb_s"]
            t.add_row("browser: storage alone, 1 MiB records: IndexedDB awaited / 3 in flight / OPFS",
                      f"{a['idb-serial']:.0f} / {a['idb-overlapped']:.0f} / {a['opfs-only']:.0f} MB/s")
        for m in enc["memory"]:
            t.add_row(f"browser heap, {m['op']} {m['size_mib']} MiB: V8 used before / peak, peak total, "
                      f"peak ArrayBuffers, wasm memory",
                      f"{m['before_used_bytes'] / MiB:.1f} / {m['peak_used_bytes'] / MiB:.1f}, "
                      f"{m['peak_total_bytes'] / MiB:.1f}, {m['peak_backing_bytes'] / MiB:.1f}, "
                      f"{(m['wasm_bytes'] or 0) / MiB:.0f} MiB ({m['samples']} samples)")
    send = (web.get("send") or {})
    wl = send.get("worker_level")
    if wl:
        t.add_row("browser send (worker level): pick to all sealed / tap send to queued",
                  f"{wl['pick_to_sealed_ms']:.0f} / {wl['send_to_queued_ms']:.0f} ms")
        t.add_row("browser send (worker level): pick to all sealed without metadata stripping (force, one run)",
                  f"{wl['pick_to_sealed_no_strip_ms']:.0f} ms")
    ra = send.get("real_app")
    if ra and "error" in ra:
        t.add_row("browser send through the real app", "failed: " + ra["error"].splitlines()[0][:120])
    shell = web.get("shell") or {}
    fv = shell.get("first_visit")
    if fv:
        t.add_row("app shell: bytes received on a first visit (page + service worker, bodies; encodings)",
                  f"{fv['body_bytes'] / 1000:.0f} KB in {fv['requests']} requests; {', '.join(fv['encodings'])}")
        if fv.get("fetched_twice"):
            t.add_row("app shell: fetched twice on a first visit (page, then the precache with cache: reload)",
                      ", ".join(fv["fetched_twice"]))
    if "error" in shell:
        t.add_row("app shell", "build failed: " + shell["error"].splitlines()[-1][:120])


def write_json(path: Path, results: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(results, indent=2, sort_keys=False) + "\n")
    os.replace(tmp, path)


def markdown_table(results: dict) -> str:
    """The headline rows as a Markdown table (what docs/benchmarks.md shows)."""
    lines = ["| benchmark | measure | result | baseline (same run) | ratio (per round) | target |",
             "|---|---|---|---|---|---|"]
    for row in summary_rows(results):
        ratio = "" if row["ratio"] is None else f"**{row['ratio']:.2f}**"
        if row.get("ratio_per_round"):
            ratio += f" ({row['ratio_per_round']})"
        target = row["target"] + ("" if row["met"] is None else (": **met**" if row["met"] else ": **NOT met**"))
        cells = (row["benchmark"], row["measure"], row["value"], row["baseline"], ratio, target)
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
