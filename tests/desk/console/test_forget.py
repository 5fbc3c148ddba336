"""Cases the server deleted (retention): the desk's sync removes their folders, and the console
forgets their index row, their searchable (decrypted) text and its local notes about them."""

from __future__ import annotations

from datetime import UTC, datetime

from desk.console.index import Filters, forget, inbox
from desk.sync import forget_case


def test_forgotten_case_leaves_no_trace_in_the_console(console, desk):
    kept = desk.add_case({"place": {"text": "Rue Battant"}}, received_at=datetime.now(UTC))
    gone = desk.add_case({"place": {"text": "Quai Vauban CANARY"}}, received_at=datetime.now(UTC))
    console.reindex()
    store = console.state.store
    with store.connect(write=True) as db:
        db.execute("INSERT INTO notes (case_id, author, at, body) VALUES (?, 'a', '2026-12-02', 'vu CANARY')", (gone,))
    assert {r["case_id"] for r in inbox(store, Filters(q="CANARY")).rows} == {gone}

    assert forget_case(desk.ws, gone) is True
    assert not desk.ws.case_dir(gone).exists() and not desk.ws.ciphertext_dir(gone).exists()
    forget(store, [gone])
    assert inbox(store, Filters(q="CANARY")).rows == []
    assert [r["case_id"] for r in inbox(store, Filters()).rows] == [kept]
    with store.connect() as db:
        assert db.execute("SELECT count(*) FROM notes WHERE case_id = ?", (gone,)).fetchone()[0] == 0
        assert db.execute("SELECT count(*) FROM case_text WHERE body LIKE '%CANARY%'").fetchone()[0] == 0
    assert forget_case(desk.ws, gone) is False  # twice is harmless
