"""The inbox: newest first, the row's facts, the filters and the accent- and case-folding search."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from desk.console import journal
from desk.console.index import Filters, fts_query, inbox
from tests.desk.console.builder import jpeg, png

NOW = datetime.now(UTC)


def case_ids(page: str) -> list[str]:
    return re.findall(r'data-case="([0-9a-f]{32})"', page)


def test_newest_first_with_each_rows_facts(console, desk):
    old = desk.add_case({"place": {"text": "Rue Battant"}}, received_at=NOW - timedelta(days=3))
    new = desk.add_case({"place": {"text": "Place de l'Europe, bâtiment X\nsecond line"},
                         "risks": {"children": True, "threats": True},
                         "coach": {"level": 2, "danger": {"active": True, "kinds": ["weapon"]}},
                         "contact": {"wanted": True, "phone": "06"}},
                        [("a.jpg", "image/jpeg", jpeg()), ("b.png", "image/png", png()),
                         ("c.bin", "application/octet-stream", b"\x00\x01 not a known type")],
                        messages=["bonjour", "encore moi"], received_at=NOW - timedelta(hours=2))
    console.reindex()
    page = console.get("/").text
    assert case_ids(page) == [new, old]
    row = page.split(f'data-case="{new}"')[1].split("</tr>")[0]
    assert "Place de l&#39;Europe, bâtiment X" in row and "second line" not in row
    assert "Assez précis" in row
    for marker in ("risk-children", "risk-threats", "risk-weapons", "risk-danger"):
        assert marker in row
    assert "Souhaité" in row and "2 photo(s)" in row and "vidéo" not in row
    assert '<span class="unread">2</span>' in row
    assert "Nouveau" in row and "VÉRIFIÉ" in row
    old_row = page.split(f'data-case="{old}"')[1].split("</tr>")[0]
    assert "risk-" not in old_row and "Souhaité" not in old_row and "unread" not in old_row


def test_opening_a_case_marks_its_messages_read(console, desk):
    cid = desk.add_case({"details": "x"}, messages=["un", "deux"])
    console.reindex()
    assert case_ids(console.get("/?unread=1").text) == [cid]
    console.get(f"/cases/{cid}")
    assert case_ids(console.get("/?unread=1").text) == []


def test_search_folds_accents_and_case(console, desk):
    a = desk.add_case({"details": "Deal devant l'ÉCOLE Jules-Ferry, tous les soirs"})
    b = desk.add_case({"vehicles": [{"plate": "AB-123-CD", "make": "Peugeot"}]})
    c = desk.add_case({"people": [{"clothing": "veste noire"}]}, messages=["Le guetteur est revenu à 18 h"])
    console.reindex()
    assert case_ids(console.get("/?q=ecole").text) == [a]
    assert case_ids(console.get("/?q=École+jules").text) == [a]
    assert case_ids(console.get("/?q=peug").text) == [b]  # prefixes
    assert case_ids(console.get("/?q=ab-123").text) == [b]
    assert case_ids(console.get("/?q=GUETTEUR").text) == [c]  # citizen messages too
    assert case_ids(console.get("/?q=noire+peugeot").text) == []  # every word must match
    # FTS5 syntax in the input is only text
    for q in ('"', "NEAR(a b)", "* OR 1", "école)", "-x", "^a", "a:b"):
        assert console.get("/", query_string={"q": q}).status_code == 200


def test_fts_query_quotes_every_word():
    assert fts_query('é"cole OR x') == '"é"* AND "cole"* AND "OR"* AND "x"*'
    assert fts_query("  ") is None


def test_filters(console, desk):
    risky = desk.add_case({"risks": {"weapons": True}}, status="in_progress")
    useful = desk.add_case({"details": "x"}, status="useful", received_at=NOW - timedelta(days=20))
    plain = desk.add_case({"details": "y"}, received_at=NOW - timedelta(days=200))
    console.reindex()
    meta = desk.ws.load_case_meta(useful)
    desk.ws.save_case_meta(useful, {**meta, "assignee": "agent.martin"})  # as the change feed brings it
    console.reindex()
    st = console.state.store
    ids = lambda **kw: [r["case_id"] for r in inbox(st, Filters(**kw)).rows]  # noqa: E731
    assert ids(status="useful") == [useful]
    assert ids(risk="weapons") == [risky] and ids(risk="any") == [risky] and ids(risk="children") == []
    assert ids(assignee="agent.martin") == [useful] and set(ids(assignee="-")) == {risky, plain}
    assert set(ids(period="30d")) == {risky, useful} and ids(period="7d") == [risky]
    # the query string is read strictly: unknown values are no filter
    page = console.get("/?status=nope&risk=1%3D1&period=x&page=-4").text
    assert set(case_ids(page)) == {risky, useful, plain}
    assert "agent.martin" in console.get("/").text  # offered in the assignee filter


def test_pages(console, desk):
    for i in range(53):
        desk.add_case({"details": f"n{i}"}, received_at=NOW - timedelta(hours=i + 1), decrypt=False)
    console.reindex()
    first, second = console.get("/").text, console.get("/?page=2").text
    assert len(case_ids(first)) == 50 and len(case_ids(second)) == 3
    assert "53 signalement(s)" in first and 'rel="next"' in first


def test_cases_the_server_deleted_leave_the_index(console, desk):
    import shutil
    kept = desk.add_case({"details": "reste"})
    gone = desk.add_case({"details": "supprimé par la conservation"})
    console.reindex()
    journal.add_note(console.state.store, gone, "une note sur ce cas", "agent.test")
    shutil.rmtree(desk.ws.ciphertext_dir(gone))  # what desk.sync's forget_case does
    shutil.rmtree(desk.ws.case_dir(gone))
    from desk.console.index import forget, orphans
    assert orphans(console.state.store, desk.ws) == [gone]
    forget(console.state.store, orphans(console.state.store, desk.ws))
    assert case_ids(console.get("/").text) == [kept]
    assert case_ids(console.get("/?q=conservation").text) == []
    assert journal.notes(console.state.store, gone) == []
    assert console.get(f"/cases/{gone}").status_code == 404
