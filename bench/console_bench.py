"""The operators' console with a large workspace: the inbox page and searches with 10,000
decrypted cases (target: each under 200 ms on this machine), as ratios to baselines measured
in the same run.

    .venv/bin/python -m bench.console_bench                  # 10,000 cases, 30 rounds
    .venv/bin/python -m bench.console_bench --cases 1000 --rounds 5

The workspace holds what ``desk.sync`` and ``desk.decrypt`` leave on disk for each case
(``ciphertext/<case>/case.json``, ``cases/<case>/report.json`` and ``verification.json``),
written directly: decrypting 10,000 envelopes is the envelope benchmark's subject, not this
one's. Reports are varied French texts (places, times, people, vehicles, risks), so the
full-text index has a realistic vocabulary. Requests go through the console's real Flask app
(unlocked, CSRF on) with its test client: the figures are the app's time, without a socket.

Baselines, same run: ``floor`` is the cheapest request the app answers (a static file through
the same client and security checks); ``folder scan`` is what listing cases cost before the
console: reading every case's JSON files, as ``tipline-desk cases`` does.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from desk.console.app import create_app
from desk.console.index import refresh_all
from desk.files import read_json
from desk.keyring import Keyring
from desk.workspace import Workspace

PASSPHRASE = "bench passphrase, not a real one"
PLACES = ["place de l'Europe", "rue Battant", "quai Vauban", "avenue de Montrapon", "parking de la gare Viotte",
          "cité des Orchamps", "école Jules-Ferry", "square Saint-Amour", "boulevard Diderot", "passage Pasteur",
          "résidence Planoise", "allée du Cerisier", "chemin des Tilleuls", "centre commercial Châteaufarine"]
TIMES = ["tous les soirs entre 18:00 et 20:00", "le samedi après-midi", "vers minuit en semaine",
         "à la sortie de l'école", "le matin très tôt", "chaque jour vers 17 h"]
CLOTHES = ["veste noire", "casquette rouge", "survêtement gris", "doudoune bleue", "capuche verte"]
CARS = [("berline", "grise", "Peugeot"), ("scooter", "noir", "Yamaha"), ("utilitaire", "blanc", "Renault"),
        ("citadine", "rouge", "Clio")]
DETAILS = ["Échanges rapides de petits paquets près du banc.", "Des guetteurs surveillent l'entrée du hall.",
           "Va-et-vient de voitures qui ne restent que deux minutes.",
           "Un homme cache quelque chose derrière le compteur.",
           "Les enfants passent juste à côté en sortant de l'école.", "Ils ont menacé un voisin qui les regardait."]


def plate(rng: random.Random) -> str:
    letters = "ABCDEFGHJKLMNPRSTVWXYZ"
    pair = lambda: rng.choice(letters) + rng.choice(letters)  # noqa: E731
    return f"{pair()}-{rng.randint(100, 999)}-{pair()}"


def make_workspace(home: Path, cases: int, seed: int = 7) -> Workspace:
    rng = random.Random(seed)
    ws = Workspace(home)
    Keyring(ws.keyring_dir).generate("x25519", PASSPHRASE, label="bench", profile="interactive")
    now = datetime.now(UTC)
    statuses = ["new"] * 4 + ["in_progress", "useful", "useful", "not_actionable", "closed"]
    for n in range(cases):
        cid = rng.randbytes(16).hex()
        received = now - timedelta(hours=rng.randint(1, 24 * 365))
        report_item, photo_item = rng.randbytes(16).hex(), rng.randbytes(16).hex()
        car = rng.choice(CARS)
        report = {"type": "tipline.report", "version": 1, "language": "fr",
                  "place": {"text": f"{rng.randint(1, 80)} {rng.choice(PLACES)}, "
                                    f"devant le bâtiment {rng.choice('ABCDEF')}"},
                  "when": {"frequency": rng.choice(TIMES)},
                  "people": [{"clothing": rng.choice(CLOTHES), "height": f"environ 1,{rng.randint(60, 95)} m"}],
                  "vehicles": [{"type": car[0], "colour": car[1], "make": car[2], "plate": plate(rng)}],
                  "risks": {"children": rng.random() < 0.15, "weapons": rng.random() < 0.05,
                            "threats": rng.random() < 0.05},
                  "details": " ".join(rng.sample(DETAILS, 2)) + f" (signalement {n})",
                  "coach": {"level": rng.randint(0, 3), "danger": {"active": rng.random() < 0.05, "kinds": []}},
                  "attachments": [{"part": 1, "name": f"IMG_{n:05d}.jpg", "media_type": "image/jpeg"}]}
        if rng.random() < 0.3:
            report["contact"] = {"wanted": True, "phone": f"06 {rng.randint(10, 99)} {rng.randint(10, 99)} 00 00"}
        meta = {"case_id": cid, "created_at": received.strftime("%Y-%m-%dT%H:00:00+00:00"),
                "status": rng.choice(statuses), "status_changed_at": None, "change_seq": n + 1,
                "items": {report_item: {"item_id": report_item, "case_id": cid, "kind": "report", "part_index": 0,
                                        "seq": 2 * n + 2, "size": 4096, "sha256": rng.randbytes(32).hex()},
                          photo_item: {"item_id": photo_item, "case_id": cid, "kind": "attachment", "part_index": 1,
                                       "seq": 2 * n + 1, "size": 90_112, "sha256": rng.randbytes(32).hex()}}}
        ver = {"case_id": cid, "checked_at": now.strftime("%Y-%m-%dT%H:%M:%SZ"), "verdict": "VERIFIED",
               "report": {"item_id": report_item, "kind": "report", "part": 0, "status": "verified",
                          "saved_as": "report.json", "sha256": rng.randbytes(32).hex()},
               "attachments": [{"item_id": photo_item, "kind": "attachment", "part": 1, "status": "verified",
                                "name": f"IMG_{n:05d}.jpg", "media_type": "image/jpeg",
                                "detected_media_type": "image/jpeg", "saved_as": f"attachments/01-IMG_{n:05d}.jpg",
                                "length": 88_000, "sha256": rng.randbytes(32).hex(), "metadata_kept": False}],
               "messages": []}
        meta_dir, case_dir = ws.ciphertext_dir(cid), ws.case_dir(cid)
        meta_dir.mkdir(parents=True)
        case_dir.mkdir(parents=True)
        (meta_dir / "case.json").write_text(json.dumps(meta))
        (case_dir / "report.json").write_text(json.dumps(report, ensure_ascii=False))
        (case_dir / "verification.json").write_text(json.dumps(ver))
    return ws


def timed(fn, rounds: int) -> dict:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {"median_ms": round(statistics.median(times), 2), "p95_ms": round(times[int(0.95 * (len(times) - 1))], 2),
            "best_ms": round(times[0], 2), "rounds": rounds}


def folder_scan(ws: Workspace) -> int:
    """What `tipline-desk cases` does: every case's JSON, read to list them."""
    n = 0
    for cid in ws.synced_cases():
        read_json(ws.case_meta_file(cid))
        read_json(ws.case_dir(cid) / "verification.json")
        read_json(ws.case_dir(cid) / "report.json")
        n += 1
    return n


def run(tmp: Path, cases: int, rounds: int, log=print) -> dict:
    home = tmp / "desk-home"
    start = time.perf_counter()
    ws = make_workspace(home, cases)
    log(f"{cases} decrypted cases written in {time.perf_counter() - start:.1f}s")
    app = create_app(home, start_sync=False, officer="bench")
    state = app.extensions["tipline_console"]
    start = time.perf_counter()
    refresh_all(state.store, ws)
    index_s = time.perf_counter() - start
    log(f"index built in {index_s:.1f}s ({index_s / cases * 1000:.2f} ms per case)")
    client = app.test_client()
    import re
    token = re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', client.get("/unlock").text).group(1)
    assert client.post("/unlock", data={"csrf_token": token, "passphrase": PASSPHRASE}).status_code == 302

    def get(path: str, expect: str | None = None):
        def call():
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            if expect is not None:
                assert expect in response.text, (path, expect)
        return call

    some_case = ws.synced_cases()[cases // 2]
    requests_ = {
        "inbox page": get("/", "signalement(s)"),
        "inbox page 100": get("/?page=100"),
        "search, common words (école jules)": get("/?q=%C3%A9cole+jules"),
        "search, one case (signalement 4242)": get(f"/?q=signalement+{min(4242, cases - 1)}"),
        "search, a plate prefix + filters": get("/?q=peugeot&status=new&risk=any&period=365d"),
        "filter only (risk=children, unread)": get("/?risk=children&period=30d"),
        "case page": get(f"/cases/{some_case}"),
        "statistics page": get("/statistics"),
    }
    for call in requests_.values():  # warm: templates compiled, SQLite pages cached
        call()
    results = {"cases": cases, "index_build_s": round(index_s, 2), "requests": {}}
    floor = timed(get("/static/console.css"), rounds)
    scan = timed(lambda: folder_scan(ws), max(3, rounds // 10))
    results["baselines"] = {"floor (static file through the app)": floor, "folder scan (tipline-desk cases)": scan}
    for name, call in requests_.items():
        r = timed(call, rounds)
        r["x_floor"] = round(r["median_ms"] / floor["median_ms"], 1)
        r["x_folder_scan"] = round(r["median_ms"] / scan["median_ms"], 4)
        r["under_200_ms"] = r["p95_ms"] < 200
        results["requests"][name] = r
    return results


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--cases", type=int, default=10_000)
    p.add_argument("--rounds", type=int, default=30)
    p.add_argument("--out", type=Path, help="write the results as JSON here")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="tipline-console-bench-") as tmp:
        os.umask(0o077)
        results = run(Path(tmp), args.cases, args.rounds, log=lambda m: print(m, file=sys.stderr, flush=True))
    text = json.dumps(results, indent=2, ensure_ascii=False)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
