"""Statistics against a known set of cases, the CSV, and the case file PDF and zip read back."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
import subprocess
import zipfile
from datetime import UTC, datetime, timedelta

import pytest

from desk.console import journal
from desk.console.statistics import compute
from tests.desk.console.builder import jpeg

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)


def test_figures_of_a_known_unit(console, desk):
    st = console.state.store
    # six cases: 3 useful, 1 not actionable, 1 closed, 1 new; two with risks
    spec = [("useful", NOW - timedelta(days=1), {"risks": {"children": True}}),
            ("useful", NOW - timedelta(days=2), {}),
            ("useful", NOW - timedelta(days=9), {"coach": {"danger": {"active": True, "kinds": ["threat"]}}}),
            ("not_actionable", NOW - timedelta(days=10), {}),
            ("closed", NOW - timedelta(days=40), {}),
            ("new", NOW - timedelta(days=41), {})]
    ids = [desk.add_case({"details": "x", **extra}, status=s, received_at=t) for s, t, extra in spec]
    console.reindex()
    # first looks 1 h, 3 h and 5 h after arrival (median 3 h)
    with st.connect() as db:
        for cid, hours in zip(ids, (1, 3, 5)):
            received = datetime.fromisoformat(desk.ws.load_case_meta(cid)["created_at"])
            at = (received + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%SZ")
            db.execute("INSERT INTO events (case_id, at, officer, action) VALUES (?, ?, 'a', 'opened')", (cid, at))
        db.execute("UPDATE cases SET first_reply_at = ? WHERE case_id = ?",
                   ((NOW - timedelta(days=1) + timedelta(hours=2)).strftime("%Y-%m-%dT%H:00:00Z"), ids[0]))
    fig = compute(st, now=NOW)
    assert fig.total == 6
    assert fig.by_status == {"new": 1, "in_progress": 0, "useful": 3, "not_actionable": 1, "closed": 1}
    assert fig.share("useful") == 0.5 and fig.useful_among_decided == 0.75
    assert fig.with_risk == 2 and fig.by_risk["children"] == 1 and fig.by_risk["threats"] == 1
    assert fig.by_risk["danger"] == 1
    assert fig.median_first_look_h == 3 and fig.looked == 3
    assert fig.median_first_reply_h == 2 and fig.replied == 1
    assert dict(fig.months)["2026-11"] == 4 and dict(fig.months)["2026-10"] == 2
    assert dict(fig.weeks)["2026-W48"] == 2 and sum(n for _, n in fig.weeks) == 6
    # the CSV says the same
    rows = {(r[0], r[1]): r[2] for r in csv.reader(io.StringIO(console.get("/statistics.csv").text))}
    assert rows[("cases_total", "")] == "6" and rows[("status_useful", "")] == "3"
    page = console.get("/statistics").text
    assert 'data-figure="total">6<' in page and "<svg" in page and "<rect" in page


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (scripts/debian-packages.txt)")
def test_case_file_pdf_read_back(console, desk, tmp_path):
    cid = desk.add_case({"place": {"text": "Place de l'Europe, bâtiment X"}, "details": "Échange à 18 h <b>ici</b>",
                         "vehicles": [{"plate": "AB-1?3-C?"}], "risks": {"weapons": True}},
                        [("IMG_2041.jpg", "image/jpeg", jpeg())])
    console.reindex()
    console.get(f"/cases/{cid}")
    r = console.post(f"/cases/{cid}/export.pdf", token_from=f"/cases/{cid}")
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/pdf"
    assert r.headers["Content-Disposition"].startswith("attachment;")
    (tmp_path / "f.pdf").write_bytes(r.data)
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "f.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    ver = json.loads((desk.ws.case_dir(cid) / "verification.json").read_text())
    items = desk.ws.load_case_meta(cid)["items"]
    for needle in ("Place de l'Europe, bâtiment X", "Échange à 18 h <b>ici</b>", "AB-1?3-C?", "Armes", "VERIFIED",
                   "IMG_2041.jpg", ver["report"]["sha256"], ver["attachments"][0]["sha256"],
                   items[ver["attachments"][0]["item_id"]]["sha256"], items[ver["report"]["item_id"]]["sha256"],
                   "Chaîne de conservation", "agent.test", "exporté : dossier PDF (non inscrit au journal du serveur)"):
        assert needle in text, needle
    assert any(e["action"] == "exported" for e in journal.history(console.state.store, cid))
    with pytest.raises(AssertionError):
        assert "<b>" not in text  # the sender's markup is text in the PDF too


def test_originals_zip(console, desk):
    photo = jpeg()
    cid = desk.add_case({"details": "x"}, [("a.jpg", "image/jpeg", photo)])
    console.reindex()
    r = console.post(f"/cases/{cid}/originals.zip", token_from=f"/cases/{cid}")
    assert r.status_code == 200
    zf = zipfile.ZipFile(io.BytesIO(r.data))
    names = zf.namelist()
    assert "dechiffre/attachments/01-a.jpg" in names and "dechiffre/report.json" in names
    assert sum(n.startswith("chiffre/") and n.endswith(".env") for n in names) == 2
    assert zf.read("dechiffre/attachments/01-a.jpg") == photo
    sums = dict(reversed(line.split("  ", 1)) for line in zf.read("SHA256SUMS").decode().splitlines())
    for name in names:
        if name != "SHA256SUMS":
            assert hashlib.sha256(zf.read(name)).hexdigest() == sums[name]
    assert not list(desk.ws.home.glob(".export-*"))  # the temp file is gone once sent
