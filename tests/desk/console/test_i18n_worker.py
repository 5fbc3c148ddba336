"""French first with a complete English catalog; the background round decrypts only while unlocked."""

from __future__ import annotations

import json
import re
from pathlib import Path

from desk.console import labels
from desk.console.worker import SyncWorker, needs_decrypt

CONSOLE = Path(__file__).resolve().parents[3] / "desk" / "console"
CALL = re.compile(r'''\b_\(\s*(["'])((?:(?!\1).)+)\1''')


def french_texts() -> set[str]:
    found = set()
    for path in [*CONSOLE.rglob("*.html"), *CONSOLE.rglob("*.py")]:
        found.update(m.group(2) for m in CALL.finditer(path.read_text(encoding="utf-8")))
    for table in (labels.STATUS, labels.LEVEL, labels.RISK, labels.VERDICT, labels.PERIOD, labels.ACTION,
                  labels.SERVER_ACTION):
        found.update(table.values())
    return found | {"Inconnu", "Non évalué", "Non déchiffré"}


def test_every_text_has_an_english_entry():
    english = json.loads((CONSOLE / "locales" / "en.json").read_text(encoding="utf-8"))
    texts = french_texts()
    assert len(texts) > 150
    assert sorted(texts - set(english)) == []
    for french, translated in english.items():  # same {fields} on both sides
        assert set(re.findall(r"{\w+}", french)) == set(re.findall(r"{\w+}", translated)), french


def test_the_pages_in_english(console, desk):
    cid = desk.add_case({"risks": {"children": True}, "details": "x"})
    console.reindex()
    assert 'lang="fr"' in console.get("/").text and "Boîte de réception" in console.get("/").text
    console.post("/language", {"lang": "en", "next": "/"})
    page = console.get("/").text
    assert 'lang="en"' in page and "Inbox" in page and "Children" in page and "Boîte" not in page
    assert "Place" in console.get(f"/cases/{cid}").text


def test_a_round_decrypts_only_while_unlocked(make_console, desk):
    cid = desk.add_case({"details": "arrivé pendant le verrouillage"}, decrypt=False)
    c = make_console()
    worker = SyncWorker(c.state, poll_seconds=1)  # not started: rounds are run by hand
    worker.kick([cid])
    worker.round()  # locked: nothing decrypted, the case waits
    assert needs_decrypt(desk.ws, cid)
    assert c.unlock().status_code == 302
    worker.round()
    assert not needs_decrypt(desk.ws, cid)
    page = c.get("/?q=verrouillage").text
    assert cid in page
    history = c.get(f"/cases/{cid}").text
    assert "déchiffré et vérifié" in history and "VERIFIED" in history


def test_cases_decrypted_while_the_console_was_off_are_indexed_at_start(make_console, desk):
    c = make_console()
    later = desk.add_case({"details": "déchiffré par la ligne de commande"})  # the console's index has not seen it
    from desk.console.index import stale_cases
    assert stale_cases(c.state.store, desk.ws) == [later]
    worker = SyncWorker(c.state, poll_seconds=1)
    worker.kick(stale_cases(c.state.store, desk.ws))
    worker.round()
    assert stale_cases(c.state.store, desk.ws) == []
    c.unlock()
    assert later in c.get("/?q=commande").text


def test_an_index_of_an_older_layout_is_rebuilt(desk, make_console):
    import sqlite3
    path = desk.ws.home / "console.sqlite3"
    db = sqlite3.connect(path)
    db.executescript("CREATE TABLE cases (case_id TEXT PRIMARY KEY); CREATE TABLE notes (id INTEGER PRIMARY KEY, "
                     "case_id TEXT, author TEXT, at TEXT, body TEXT); "
                     "INSERT INTO notes VALUES (1, 'c', 'a', 't', 'kept');")
    db.commit()
    db.close()
    c = make_console()  # opens the store: the index is rebuilt, the journal kept
    with c.state.store.connect() as conn:
        assert "source_mtime" in [r[1] for r in conn.execute("PRAGMA table_info(cases)")]
        assert conn.execute("SELECT body FROM notes").fetchone()[0] == "kept"


def test_without_a_server_session_the_pages_offer_the_login(make_console, desk):
    c = make_console()
    c.unlock()
    SyncWorker(c.state, poll_seconds=1).round()  # no session.json in this desk folder
    page = c.get("/").text
    assert "Pas de session sur le serveur" in page and 'href="/server"' in page
