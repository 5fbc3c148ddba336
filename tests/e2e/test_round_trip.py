"""The whole path, with real parts: a phone stand-in encrypts a report and three attachments
(one over 5 MB) and uploads them to gunicorn over HTTP; the desk syncs and decrypts them with
its own keys; everything matches. Then nothing readable is left on the server: not in the
database, not in its dump, not in the blob folder, not in the log, not the citizen's address."""

import json

from tests.e2e.conftest import CITIZEN_ADDRESS, CITIZEN_AGENT, OPERATOR, OPERATOR_PASSWORD, citizen_http, scan
from tests.support import media
from tests.support.desk import desk
from tests.support.phone import Phone

REPORT = {
    "lieu": "CANARY-LIEU place de l'Europe, devant le bâtiment X",
    "horaires": "tous les soirs entre 18:00 et 20:00",
    "personnes": [{"description": "CANARY-PERSONNE veste noire, 1,80 m"}],
    "vehicules": [{"description": "berline grise", "plaque": "CANARY-PLAQUE AB-123"}],
    "contact": "CANARY-CONTACT 06 12 34 56 78",
}
CANARIES = [b"CANARY-LIEU", b"CANARY-PERSONNE", b"CANARY-PLAQUE", b"CANARY-CONTACT", b"18:00 et 20:00",
            media.CANARY_GPS.encode(), media.CANARY_MODEL.encode(), media.CANARY_TEXT.encode(),
            media.CANARY_VIDEO.encode(), b"CANARY-COOKIE", CITIZEN_AGENT.encode(), CITIZEN_ADDRESS.encode()]


def test_report_with_attachments_round_trip_and_only_ciphertext_on_the_server(deployment, tmp_path, request):
    files = tmp_path / "phone-files"
    files.mkdir()
    originals = {
        "IMG_2041.jpg": ("image/jpeg", media.jpeg_with_exif()),
        "capture écran.png": ("image/png", media.png_with_text()),
        "VID_0007.mp4": ("video/mp4", media.video_like(6 * 1024 * 1024 + 4321)),
    }
    attachments = []
    for name, (media_type, data) in originals.items():
        (files / name).write_bytes(data)
        attachments.append((files / name, name, media_type))

    phone = Phone(deployment.url, tmp_path, http=citizen_http(), chunk_size=1024 * 1024)
    bundle = phone.fetch_bundle(deployment.root_public, "https://signalement.test")
    sent = phone.send_report(REPORT, attachments, bundle.public_keys)
    assert [a.size > 5 * 1024 * 1024 for a in sent.attachments] == [False, False, True]

    home = deployment.desk_home
    desk(home, "login", "--server", deployment.url, "--username", OPERATOR, "--password-stdin",
         stdin=OPERATOR_PASSWORD + "\n")
    desk(home, "sync", "--quiet")
    done = desk(home, "decrypt")
    assert "VERIFIED" in done.stdout

    case_dir = home / "cases" / sent.case_id
    report = json.loads((case_dir / "report.json").read_text())
    assert {k: report[k] for k in REPORT} == REPORT
    verification = json.loads((case_dir / "verification.json").read_text())
    assert verification["verdict"] == "VERIFIED"
    assert [a["status"] for a in verification["attachments"]] == ["verified"] * 3
    for part, (name, (_, data)) in enumerate(originals.items(), start=1):
        saved = case_dir / "attachments" / f"{part:02d}-{name}"
        assert saved.read_bytes() == data, name
        assert saved.stat().st_mode & 0o777 == 0o600
    assert (case_dir.stat().st_mode & 0o777) == 0o700

    # triage from the desk reaches the server
    desk(home, "status", sent.case_id, "useful")
    assert "useful" in desk(home, "cases").stdout

    # --- ciphertext only ---------------------------------------------------------------------
    deployment.server.stop()  # flush everything: WAL, logs
    data_dir = deployment.root / "data"
    stored = [data_dir]
    if deployment.db_kind == "postgresql":
        dump = tmp_path / "pg_dump.sql"
        dump.write_bytes(request.getfixturevalue("postgres").dump(deployment.pg_name))
        assert b"CREATE TABLE public.items" in dump.read_bytes()
        stored.append(dump)
    else:
        assert any(p.suffix == ".sqlite3" for p in data_dir.iterdir())
    assert sum(1 for p in (data_dir / "blobs" / "items").rglob("*") if p.is_file()) == 4
    assert scan(stored + [deployment.server.log_path], CANARIES + media.MARKERS) == []
    # the scan does find what it looks for: in the phone's own plaintext and the desk's output
    assert len({n for _, n in scan([files, case_dir], CANARIES + media.MARKERS)}) >= 9
    log = deployment.server.log()
    assert "PUT /api/v1/cases/<id:case_id>" not in log  # successful citizen requests are not logged by default
    assert sent.case_id not in log
