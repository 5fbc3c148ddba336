"""Internal notes with the desk in the loop, on a real gunicorn server (SQLite and PostgreSQL):
``tipline-desk note`` seals a note to the unit's keys, a second desk reads it with ``notes``,
the citizen's mailbox neither lists nor serves it, a note written while the server is away
waits in the outbox and goes with ``--retry``, and the server keeps no plaintext of any of it."""

from __future__ import annotations

import json
import os
import shutil

import requests

from tests.e2e.conftest import OPERATOR, OPERATOR_PASSWORD, scan
from tests.e2e.test_conversation_desk import Citizen, operator_case
from tests.support.desk import desk
from tests.support.gunicorn import GunicornServer

NOTE = "CANARY-NOTE Berline grise revue à 19 h 20 <b>ici</b>\x1b[2J, rappeler le collège."
LATE = "CANARY-NOTE-LATE écrite pendant la panne du serveur"


def test_a_note_goes_from_one_desk_to_another_and_never_to_the_citizen(deployment, tmp_path, request):
    citizen = Citizen(deployment, tmp_path)
    citizen.open_case_and_report()
    home = deployment.desk_home
    desk(home, "login", "--server", deployment.url, "--username", OPERATOR, "--password-stdin",
         stdin=OPERATOR_PASSWORD + "\n")
    other = tmp_path / "desk-home-b"  # a colleague's desk: the same unit's keys, nothing of this desk's notes
    shutil.copytree(home, other)
    assert "no note yet" in desk(other, "notes", citizen.case_id).stdout

    sent = desk(home, "note", citizen.case_id, "--text", NOTE, "--author", "Agent Martin")
    assert "sealed to 1 police key" in sent.stderr  # the desk's messages go to standard error
    assert not any((home / "notes-outbox" / citizen.case_id).iterdir())
    shown = desk(other, "notes", citizen.case_id).stdout
    assert "Agent Martin" in shown and "rappeler le coll" in shown and "<b>ici</b>" in shown
    assert "\x1b" not in shown  # the terminal never receives the writer's escape sequence
    items = operator_case(deployment, citizen.case_id)["items"]
    note_ids = [i["item_id"] for i in items if i["kind"] == "note"]
    assert len(note_ids) == 1

    # --- the citizen: not listed, not served ------------------------------------------------
    auth = citizen.login()
    assert [i["kind"] for i in citizen.mailbox(auth)["items"]] == ["report"]
    r = citizen.http.get(f"{citizen.base}/mailbox/items/{note_ids[0]}", headers=auth, timeout=30)
    assert r.status_code == 404
    r = citizen.http.get(f"{citizen.base}/cases/{citizen.case_id}", timeout=30)
    assert [i["kind"] for i in r.json()["items"]] == ["report"]

    # --- written while the server is away: sealed, kept, sent with --retry -------------------
    deployment.server.stop()
    bundle = os.path.join(deployment.env["TIPLINE_KEYS_DIR"], "bundle.json")  # sealing needs no server
    failed = desk(home, "note", citizen.case_id, LATE, "--bundle", bundle, check=False)
    assert failed.returncode == 1 and "--retry" in failed.stderr
    assert len(list((home / "notes-outbox" / citizen.case_id).iterdir())) == 1
    restarted = GunicornServer(deployment.env, tmp_path / "server-2.log", port=deployment.server.port).start()
    request.addfinalizer(restarted.stop)
    assert "sent 1 note" in desk(home, "note", citizen.case_id, "--retry").stderr
    assert not any((home / "notes-outbox" / citizen.case_id).iterdir())
    shown = desk(other, "notes", citizen.case_id).stdout
    assert shown.index("rappeler le coll") < shown.index("pendant la panne")
    session = json.loads((home / "session.json").read_text())
    trail = requests.get(f"{deployment.url}/api/operator/v1/cases/{citizen.case_id}/audit", timeout=30,
                         headers={"Authorization": f"Bearer {session['token']}"}).json()["entries"]
    assert [e["actor"] for e in trail if e["action"] == "note_added"] == [OPERATOR, OPERATOR]

    # --- the server holds ciphertext only --------------------------------------------------
    restarted.stop()
    stored = [deployment.root / "data", deployment.server.log_path, tmp_path / "server-2.log"]
    if deployment.db_kind == "postgresql":
        dump = tmp_path / "pg_dump.sql"
        dump.write_bytes(request.getfixturevalue("postgres").dump(deployment.pg_name))
        stored.append(dump)
    canaries = [b"CANARY-NOTE", b"Agent Martin", "rappeler le collège".encode()]
    assert scan(stored, canaries) == []
    assert {n for _, n in scan([other / "cases" / citizen.case_id], canaries)} >= {b"CANARY-NOTE", b"Agent Martin"}
