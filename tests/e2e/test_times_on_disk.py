"""No stored time is finer than TIPLINE_TIME_RESOLUTION: after a realistic run (cases, direct
items, chunked uploads completed, aborted and left open, operator logins and a lockout, a desk
sync and triage, then gc), every file and folder of the data folder has coarse access and
modification times, a change time no earlier than the gc run and an owner-only mode, and
every time column of the database (found by asking the database, so tables added later are
covered) is coarse."""

from __future__ import annotations

import os
import sqlite3
import stat
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import requests

from server.filetimes import is_coarse, walk
from tests.e2e.conftest import OPERATOR, OPERATOR_PASSWORD, citizen_http
from tests.support.desk import desk, server_cli
from tests.support.phone import Phone

RESOLUTION = 3600  # the default; the deployment does not override it
CHUNK = 256 * 1024


def run_like_production(deployment, tmp_path: Path) -> None:
    phone = Phone(deployment.url, tmp_path, http=citizen_http(), chunk_size=CHUNK)
    bundle = phone.fetch_bundle(deployment.root_public, "https://signalement.test")
    files = tmp_path / "phone-files"
    files.mkdir()
    (files / "photo.jpg").write_bytes(os.urandom(50_000))
    (files / "video.mp4").write_bytes(os.urandom(9 * 1024 * 1024 + 17))  # above the direct-PUT limit
    sent = phone.send_report({"lieu": "place du marché"},
                             [(files / "photo.jpg", "photo.jpg", "image/jpeg"),
                              (files / "video.mp4", "video.mp4", "video/mp4")], bundle.public_keys)
    # an upload given up, and one left open (its chunk file stays)
    for action in ("abort", "leave"):
        case_id = os.urandom(16).hex()
        phone.open_case(case_id)
        sealed = phone.seal_attachment(case_id, 1, files / "video.mp4", "v.mp4", "video/mp4", bundle.public_keys)
        phone.create_upload(sealed)
        assert phone.put_chunk(sealed, 0).status_code == 201
        if action == "abort":
            assert phone.http.delete(phone.upload_url(sealed), timeout=30).status_code == 204
    # an operator slowed down by failed logins
    server_cli(deployment.env, "create-operator", "agent.b", "--password-stdin", stdin="another password 123\n")
    for _ in range(5):
        r = requests.post(f"{deployment.url}/api/operator/v1/session", timeout=30,
                          json={"username": "agent.b", "password": "wrong password!"})
        assert r.status_code == 401
    # the desk: login, sync (downloads every item), decrypt, triage
    home = deployment.desk_home
    desk(home, "login", "--server", deployment.url, "--username", OPERATOR, "--password-stdin",
         stdin=OPERATOR_PASSWORD + "\n")
    desk(home, "sync", "--quiet")
    assert "VERIFIED" in desk(home, "decrypt").stdout
    desk(home, "status", sent.case_id, "useful")


def time_columns_sqlite(path: Path) -> dict[str, list]:
    out = {}
    with sqlite3.connect(path) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            for _, column, declared, *_ in conn.execute(f'PRAGMA table_info("{table}")'):
                if any(word in (declared or "").upper() for word in ("DATE", "TIME")):
                    values = [r[0] for r in conn.execute(f'SELECT "{column}" FROM "{table}"')]
                    out[f"{table}.{column}"] = [datetime.fromisoformat(v).replace(tzinfo=UTC)
                                                for v in values if v is not None]
    return out


def time_columns_postgres(url: str) -> dict[str, list]:
    out = {}
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        columns = conn.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' "
            "AND (data_type LIKE 'timestamp%' OR data_type LIKE 'time %' OR data_type = 'date' "
            "OR data_type = 'interval')").fetchall()
        for table, column in columns:
            values = [r[0] for r in conn.execute(f'SELECT "{column}" FROM "{table}"')]
            out[f"{table}.{column}"] = [v for v in values if v is not None]
    return out


def test_no_stored_time_is_finer_than_the_resolution(deployment, tmp_path):
    run_like_production(deployment, tmp_path)
    deployment.server.stop()
    gc_started = time.time_ns()
    server_cli(deployment.env, "gc")

    data = deployment.root / "data"
    entries = list(walk(data))
    fine = [(str(p), kind, getattr(st, f"st_{kind}_ns")) for p, st in entries for kind in ("atime", "mtime")
            if not is_coarse(getattr(st, f"st_{kind}_ns"), RESOLUTION)]
    assert fine == []
    # ctime cannot be set: gc moved every one past the citizen's requests, to its own run (the
    # data folder itself changed last when the blob folder was made in it, at the first start)
    assert [str(p) for p, st in entries if st.st_ctime_ns < gc_started and p != data] == []
    # the walk did see what the run wrote
    names = [p.name for p, _ in entries]
    assert sum(1 for p, st in entries if p.parent.parent.name == "items" and p.is_file()) == 3
    assert sum(1 for p, st in entries if p.parent.parent.name == "uploads" and p.is_file()) == 1
    assert "tmp" in names and ("tipline.sqlite3" in names) == (deployment.db_kind == "sqlite")
    # and all of it is the server user's only (gunicorn and the admin commands set the umask)
    wide = [(str(p), oct(st.st_mode)) for p, st in entries
            if stat.S_IMODE(st.st_mode) != (0o700 if stat.S_ISDIR(st.st_mode) else 0o600)]
    assert wide == []

    if deployment.db_kind == "sqlite":
        columns = time_columns_sqlite(data / "tipline.sqlite3")
    else:
        columns = time_columns_postgres(deployment.env["DATABASE_URL"])
    fine = {name: [v.isoformat() for v in values if v.microsecond or int(v.timestamp()) % RESOLUTION]
            for name, values in columns.items()}
    assert {name: v for name, v in fine.items() if v} == {}
    filled = {name for name, values in columns.items() if values}
    assert filled >= {"cases.created_at", "cases.status_changed_at", "items.received_at", "uploads.created_at",
                      "operators.created_at", "audit_log.at", "operator_tokens.created_at",
                      "operator_tokens.expires_at"}
