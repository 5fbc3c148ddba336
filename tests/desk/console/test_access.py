"""Who gets in: the passphrase, the inactivity lock, CSRF on every state-changing request,
local hosts only, and the headers on every page."""

from __future__ import annotations

import pytest

from desk.console.vault import Vault
from tests.desk.console.builder import jpeg
from tests.desk.console.conftest import Console


def test_locked_until_the_key_passphrase_opens_the_keys(make_console):
    c = make_console()
    assert c.get("/").status_code == 302 and "/unlock" in c.get("/").location
    refused = c.unlock("not the passphrase at all")
    assert refused.status_code == 401 and "Phrase secrète refusée" in refused.text
    assert c.get("/").status_code == 302
    assert c.unlock().status_code == 302
    assert c.get("/").status_code == 200


def test_another_browser_session_must_unlock_too(console):
    stranger = Console(console.app)
    assert stranger.get("/").status_code == 302  # the keys are open, but not for this session
    assert stranger.get("/api/live").status_code == 401


def test_inactivity_locks_and_drops_the_keys(desk):
    now = [1000.0]
    vault = Vault(desk.keyring, lock_after=60, clock=lambda: now[0])
    from tests.desk.console.builder import PASSPHRASE
    gen = vault.unlock(PASSPHRASE)
    now[0] += 59
    assert vault.check(gen, touch=True)
    now[0] += 59  # active a second ago: still open
    assert vault.check(gen, touch=False)
    now[0] += 2  # the page's own polling does not count as activity
    assert not vault.check(gen, touch=False)
    assert vault.identities() is None


def test_lock_button_locks(console):
    assert console.post("/lock").status_code == 302
    assert console.get("/").status_code == 302
    assert console.state.vault.identities() is None


@pytest.mark.parametrize("path,data", [("/cases/{cid}/status", {"status": "useful"}),
                                       ("/cases/{cid}/assign", {"assignee": "agent.x"}),
                                       ("/cases/{cid}/notes", {"body": "note"}),
                                       ("/cases/{cid}/export.pdf", {}), ("/cases/{cid}/originals.zip", {}),
                                       ("/lock", {}), ("/sync", {}), ("/language", {"lang": "en"}),
                                       ("/unlock", {"passphrase": "x"}),
                                       ("/server", {"server": "http://127.0.0.1:1", "username": "a", "password": "b"})])
def test_csrf_refused_without_a_token(console, desk, path, data):
    cid = desk.add_case({"details": "x"})
    console.reindex()
    answer = console.http.post(path.format(cid=cid), data=data)
    assert answer.status_code == 400
    assert "CSRF" in answer.text or "csrf" in answer.text
    assert console.state.vault.identities() is not None  # /lock without a token did nothing
    from desk.console import journal
    assert journal.notes(console.state.store, cid) == [] and "assignee" not in desk.ws.load_case_meta(cid)


def test_csrf_token_of_another_session_is_refused(console, desk):
    cid = desk.add_case({"details": "x"})
    other = Console(console.app)
    foreign = other.token("/unlock")
    answer = console.http.post(f"/cases/{cid}/notes", data={"csrf_token": foreign, "body": "x"})
    assert answer.status_code == 400


def test_only_local_host_names(console):
    assert console.get("/", headers={"Host": "evil.example:8080"}).status_code == 421
    assert console.get("/", headers={"Host": "127.0.0.1:5000"}).status_code != 421


def test_strict_headers_on_every_page(console, desk):
    cid = desk.add_case({"details": "x"}, [("a.jpg", "image/jpeg", jpeg())])
    console.reindex()
    for path in ("/", "/unlock", f"/cases/{cid}", "/statistics", "/statistics.csv", f"/cases/{cid}/attachments/1/view"):
        r = console.get(path)
        csp = r.headers["Content-Security-Policy"]
        assert "default-src 'none'" in csp and "unsafe-inline" not in csp
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["Cache-Control"] == "no-store"
        assert r.headers["Referrer-Policy"] == "no-referrer"
    page = console.get("/").text
    assert "<script>" not in page and " on" not in page.split("<body", 1)[1].split(">", 1)[0]
    assert 'src="http' not in page and 'href="http' not in page  # nothing from anywhere else


def test_unlock_never_redirects_off_the_console(make_console):
    c = make_console()
    token = c.token("/unlock")
    from tests.desk.console.builder import PASSPHRASE
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        r = c.http.post(f"/unlock?next={target}", data={"csrf_token": token, "passphrase": PASSPHRASE})
        assert r.status_code == 302 and r.location == "/", target
        token = c.token("/unlock")
