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
            "baseline": f"{up['baseline']['mb_s']:.0f} MB/s copyfile + fsync, same disk",
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
    return t if t.row_count else None


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
