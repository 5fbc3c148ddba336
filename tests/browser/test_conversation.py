"""The conversation (issue 7) in Chromium, with the real server behind a fault proxy
(tests/support/netproxy.py) and the desk in the loop: a report is sent; the open conversation
shows the operator's `tipline-desk reply` live; the citizen answers offline with a photo,
delivered once when the network is back and decrypted by the desk with its metadata gone; a
fresh browser with the same receipt reads the whole thread; a mistyped receipt is caught by its
check character before anything is asked; a wrong receipt shows nothing; no plaintext reaches
the server's requests, logs, database or blobs."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Page, expect

from envelope.receipt import format_receipt, new_receipt
from tests.browser.conftest import OPERATOR, OPERATOR_PASSWORD, desk_decrypt, make_app_server
from tests.browser.helpers import (
    EXIF_MARKERS,
    FORM_CANARIES,
    camera_jpeg,
    png_with_text,
    fill_report,
    open_app,
    scan_requests,
    send,
    wait_delivered,
    wait_for_key,
    wait_for_service_worker,
)
from tests.browser.test_app_shell import assert_no_raw_text, axe_violations
from tests.browser.test_report_flow import exiftool, frames_md5
from tests.media.fixtures import CANARIES as MEDIA_CANARIES
from tests.support.desk import desk
from tests.support.netproxy import NetProxy, path_matches
from tests.support.pg import free_port
from tests.support.topology import ServedTopology

REPLY_CANARY = "CANARY-REPLY quelle entrée exactement, la A ou la B ?"
MESSAGE_CANARY = "CANARY-MESSAGE l'entrée B, côté parking, vers 19 h"
CANARIES = [v.encode() for v in FORM_CANARIES.values()] + [REPLY_CANARY.encode(), MESSAGE_CANARY.encode()]


@pytest.fixture
def net(tmp_path, desk_keys, pwa_build):
    """The real server behind the proxy; the app is served (and its bundle signed) at the proxy."""
    proxy_port = free_port()
    srv = make_app_server(tmp_path, desk_keys, pwa_build, public_port=proxy_port).start()
    proxy = NetProxy(srv.port, port=proxy_port).start()
    yield srv, proxy
    proxy.stop()
    srv.stop()
    assert scan_requests(srv.requests(), CANARIES + EXIF_MARKERS) == [], "plaintext reached the server"


def type_receipt(page: Page, receipt: str) -> None:
    box = page.locator("[data-receipt-input]")
    box.fill("")
    box.press_sequentially(receipt, delay=5)


def open_conversation(page: Page, receipt: str) -> None:
    type_receipt(page, receipt)
    page.get_by_role("button", name="Ouvrir la conversation").click()
    expect(page).to_have_url(re.compile(r"#/conversation/[0-9a-f]{32}$"), timeout=60_000)
    expect(page.locator("h1")).to_have_text("Votre conversation avec la police")


def mailbox_requests(srv) -> list[bytes]:
    return [r for r in srv.requests() if b"/api/v1/mailbox" in r.split(b"\r\n", 1)[0]]


def phone_outbox(page: Page, case_id: str) -> list[str]:
    """The states of the case's items the phone has not delivered yet."""
    return page.evaluate("""async (caseId) => {
        const db = await new Promise(r => {
          const q = indexedDB.open('tipline-outbox'); q.onsuccess = () => r(q.result);
        });
        const items = await new Promise(r => { const q = db.transaction('items').objectStore('items').index('byCase')
            .getAll(caseId); q.onsuccess = () => r(q.result); });
        db.close();
        return items.filter(i => i.state !== 'delivered').map(i => `${i.kind}:${i.state}`);
    }""", case_id)


def swap_two(receipt: str) -> str:
    """The receipt with two adjacent characters swapped (the likeliest slip when copying by hand)."""
    chars = [c for c in receipt if c != " "]
    for i in range(len(chars) - 1):
        if chars[i] != chars[i + 1]:
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
            return "".join(chars)
    raise AssertionError("a receipt of one repeated character")


def test_a_mistyped_receipt_is_caught_at_once_and_nothing_is_asked(app_server, page):
    page.set_viewport_size({"width": 320, "height": 640})
    open_app(page, app_server.url)
    page.locator("[data-have-receipt]").click()
    expect(page.locator("h1")).to_have_text("J'ai un reçu")
    receipt = format_receipt(new_receipt())
    # two characters swapped: the check characters say so as soon as the 18th is typed
    type_receipt(page, swap_two(receipt))
    expect(page.locator("[data-receipt-error]")).to_contain_text("faute de frappe")
    expect(page.locator("[data-receipt-input]")).to_have_attribute("aria-invalid", "true")
    page.get_by_role("button", name="Ouvrir la conversation").click()
    expect(page.locator("[data-receipt-error]")).to_contain_text("faute de frappe")
    # a character no receipt holds, at once, with its place
    type_receipt(page, "7K3 MQU")
    expect(page.locator("[data-receipt-error]")).to_contain_text(
        "« U » ne peut pas figurer dans un reçu (caractère n° 6)")
    # too short, said on submit only
    type_receipt(page, receipt[:9])
    expect(page.locator("[data-receipt-error]")).to_have_text("")
    page.get_by_role("button", name="Ouvrir la conversation").click()
    expect(page.locator("[data-receipt-error]")).to_contain_text("Il manque des caractères")
    # forgiving: lower case, dashes, O for 0 and L for 1 are the same receipt
    forgiving = receipt.lower().replace(" ", "-").replace("0", "o").replace("1", "l")
    type_receipt(page, forgiving)
    expect(page.locator("[data-receipt-count]")).to_have_text("Le reçu est bien formé.")
    expect(page.locator("[data-receipt-error]")).to_have_text("")
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    assert_no_raw_text(page)
    # none of it left the phone: no challenge was asked for a mistyped receipt
    assert mailbox_requests(app_server) == []
    assert page.js_errors == []


def test_a_wrong_receipt_shows_nothing_and_leaks_nothing(app_server, page):
    open_app(page, app_server.url, "recu")
    wrong = format_receipt(new_receipt())  # well formed, opens no mailbox
    open_attempt = page.get_by_role("button", name="Ouvrir la conversation")
    type_receipt(page, wrong)
    open_attempt.click()
    denied = "Aucun dossier ne correspond à ce reçu"
    expect(page.locator("[data-receipt-error]")).to_contain_text(denied, timeout=60_000)
    assert "#/recu" in page.url
    expect(page.locator("[data-thread]")).to_have_count(0)
    # the receipt itself never travelled, only the mailbox id derived from it
    plain = wrong.replace(" ", "").encode()
    assert scan_requests(app_server.requests(), [plain, wrong.encode()]) == []
    assert plain.decode() not in app_server.log_text()
    assert page.js_errors == []


def test_conversation_with_the_desk_live_offline_and_on_another_phone(net, page, chromium, tmp_path, media):
    srv, proxy = net
    open_app(page, proxy.url, "signaler")
    wait_for_key(page)
    wait_for_service_worker(page)
    fill_report(page)
    case_id = send(page)
    receipt = page.locator("[data-receipt]").inner_text()
    assert re.fullmatch(r"[0-9A-Z]{3}( [0-9A-Z]{3}){5}", receipt)  # v2: six groups of three
    wait_delivered(page)

    # the citizen opens the conversation from the sent screen (the receipt is still in memory)
    page.locator("[data-open-conversation]").click()
    expect(page).to_have_url(re.compile(rf"#/conversation/{case_id}$"), timeout=60_000)
    expect(page.locator("[data-conversation-status]")).to_contain_text("Reçu")
    expect(page.locator("[data-report-summary]")).to_contain_text("Votre signalement du")
    assert_no_raw_text(page)
    page.evaluate("window.__sameDocument = true")  # a reload would forget this

    # the operator reads the report and replies from the desk; the open screen shows it live
    verdicts = desk_decrypt(srv)
    assert verdicts[case_id]["verdict"] == "VERIFIED"
    desk(srv.desk_home, "reply", case_id, "--text", REPLY_CANARY)
    replied = time.monotonic()
    reply = page.locator('[data-from="police"] [data-message-text]')
    expect(reply).to_have_text(REPLY_CANARY, timeout=15_000)
    shown_after = time.monotonic() - replied
    print(f"reply shown {shown_after:.2f} s after `tipline-desk reply` returned")
    assert page.evaluate("window.__sameDocument") is True  # live, no reload
    expect(page.locator("[data-announce]")).to_contain_text(REPLY_CANARY)  # said to screen readers

    # offline (the network drops every API request), the citizen answers with a photo
    cut = proxy.add(path_matches(r"^/api/v1/(cases|mailbox|events)"), "drop")
    photo = camera_jpeg(media, tmp_path / "IMG_3001.jpg")
    page.locator("[data-message-input]").fill(MESSAGE_CANARY)
    page.locator('[data-composer] [data-input="gallery"]').set_input_files([str(photo)])
    expect(page.locator('[data-composer] .file [data-status="sealed"]')).to_have_count(1, timeout=120_000)
    page.locator("[data-message-send]").click()
    mine = page.locator('[data-from="citizen"]')
    expect(mine.locator("[data-message-text]")).to_have_text(MESSAGE_CANARY)
    expect(mine.locator('[data-message-state="queued"]')).to_be_visible()
    proxy.remove(cut)  # the network is back
    expect(mine.locator('[data-message-state="sent"], [data-message-state="read"]')).to_be_visible(timeout=120_000)
    held = requests.get(f"{srv.url}/api/v1/cases/{case_id}", timeout=10).json()["items"]
    kinds = sorted(i["kind"] for i in held if i["kind"] != "reply")  # the police's reply may be listed or not
    assert kinds == ["attachment", "message", "report"], kinds  # what the phone sent, exactly once each
    assert phone_outbox(page, case_id) == []  # nothing left to send on the phone

    # the desk decrypts the message and its photo, which has no metadata left
    desk(srv.desk_home, "sync", "--quiet")
    desk(srv.desk_home, "decrypt", check=False)
    thread = desk(srv.desk_home, "messages", case_id).stdout
    assert MESSAGE_CANARY in thread and REPLY_CANARY in thread
    case_dir = srv.desk_home / "cases" / case_id
    jpegs = [p for p in case_dir.rglob("*") if p.is_file() and p.read_bytes()[:3] == b"\xff\xd8\xff"]
    assert jpegs, sorted(str(p.relative_to(case_dir)) for p in case_dir.rglob("*"))
    for decrypted in jpegs:
        meta = exiftool(decrypted)
        leaks = [k for k in meta if k.split(":")[-1] in ("GPSLatitude", "GPSLongitude", "GPSPosition", "Make", "Model",
                                                          "Comment", "ThumbnailImage", "Software", "SerialNumber")]
        assert leaks == [], (decrypted.name, leaks)
        assert scan_requests([decrypted.read_bytes()], [c.encode() for c in MEDIA_CANARIES.values()]) == []
        assert frames_md5(decrypted) == frames_md5(photo)  # the picture itself is intact

    # another phone (a fresh browser profile) with the same receipt reads the whole thread
    other = chromium.new_context(viewport={"width": 320, "height": 700}, locale="fr-FR")
    try:
        phone = other.new_page()
        open_app(phone, proxy.url, "recu")
        open_conversation(phone, receipt.lower())
        expect(phone.locator('[data-from="police"] [data-message-text]')).to_have_text(REPLY_CANARY, timeout=30_000)
        expect(phone.locator('[data-from="citizen"] [data-message-text]')).to_have_text(MESSAGE_CANARY)
        expect(phone.locator('[data-from="citizen"]')).to_contain_text("IMG_3001.jpg")
        # the police send a picture: it arrives live, and is shown once opened and checked on the phone
        picture = png_with_text(media, tmp_path / "plan-du-quartier.png")
        desk(srv.desk_home, "reply", case_id, "--text", "Est-ce cette entrée ?", "--attach", str(picture))
        second = phone.locator('[data-from="police"]').nth(1)
        expect(second.locator("[data-message-text]")).to_have_text("Est-ce cette entrée ?", timeout=30_000)
        second.locator("[data-show-file]").click()
        shown = second.locator("img")
        expect(shown).to_be_visible(timeout=30_000)
        assert shown.evaluate("img => img.complete && img.naturalWidth > 0")
        assert shown.get_attribute("src").startswith("blob:")
        assert axe_violations(phone) == []
        assert phone.evaluate("document.documentElement.scrollWidth") <= 320
        assert_no_raw_text(phone)
        small = phone.evaluate("""() => [...document.querySelectorAll('main button, main a, main input, main textarea')]
            .filter(e => e.offsetParent !== null && !e.closest('p, li, dd'))
            .map(e => [e.outerHTML.slice(0, 60), (e.type === 'checkbox' ? e.closest('.check') : e)
              .getBoundingClientRect().height]).filter(([, h]) => h < 44)""")
        assert small == []  # thumb-sized targets
        # what that phone keeps: ciphertext and counts, never a decrypted word
        stored = phone.evaluate("""async () => {
            const out = [];
            for (const { name } of await indexedDB.databases()) {
              const db = await new Promise(r => { const q = indexedDB.open(name); q.onsuccess = () => r(q.result); });
              for (const store of db.objectStoreNames) {
                const all = await new Promise(r => { const q = db.transaction(store).objectStore(store).getAll();
                  q.onsuccess = () => r(q.result); });
                out.push(JSON.stringify(all, (k, v) => v instanceof Uint8Array ? Array.from(v) : v));
              }
              db.close();
            }
            return out.join('\\n');
        }""")
        assert MESSAGE_CANARY not in stored and REPLY_CANARY not in stored
        assert receipt.replace(" ", "") not in stored.upper()  # not kept: the box was not ticked
    finally:
        other.close()

    # nothing in the clear on the server: requests, log, database and blobs
    assert scan_requests(srv.requests(), CANARIES + EXIF_MARKERS) == []
    on_disk = [p.read_bytes() for p in Path(srv.env["TIPLINE_DATA_DIR"]).rglob("*") if p.is_file()]
    assert scan_requests(on_disk, CANARIES) == []
    assert not any(c.decode() in srv.log_text() for c in CANARIES)
    assert page.js_errors == []


def test_unread_replies_are_marked_at_home_and_quick_exit_forgets_the_kept_receipt(app_server, page):
    page.context.route("https://www.google.fr/**", lambda route: route.fulfill(body="<title>Google</title>",
                                                                             content_type="text/html"))
    open_app(page, app_server.url, "signaler")
    wait_for_key(page)
    fill_report(page, {"place.text": "CANARY-LIEU devant le hall B"})
    case_id = send(page)
    receipt = page.locator("[data-receipt]").inner_text()
    wait_delivered(page)
    assert desk_decrypt(app_server)[case_id]["verdict"] == "VERIFIED"
    # the citizen comes back with the receipt and keeps it on this phone
    open_app(page, app_server.url, "recu")
    type_receipt(page, receipt)
    page.locator("[data-keep-receipt]").check()
    page.get_by_role("button", name="Ouvrir la conversation").click()
    expect(page).to_have_url(re.compile(rf"#/conversation/{case_id}$"), timeout=60_000)
    assert stored_receipts(page) == [receipt]
    page.get_by_role("button", name="Fermer la conversation").click()
    expect(page.locator("h1")).to_have_text("Signaler un trafic de stupéfiants")
    # the police answer while the app is closed; opened again, the home screen says so, in a count
    desk(app_server.desk_home, "reply", case_id, "--text", REPLY_CANARY)
    page.reload()
    marker = page.locator(f'[data-unread="{case_id}"]')
    expect(marker).to_contain_text("1 nouvelle", timeout=60_000)
    assert "CANARY" not in page.inner_text("main")  # counted, not read
    marker.get_by_role("link", name="Lire la réponse").click()
    expect(page.locator('[data-from="police"] [data-message-text]')).to_have_text(REPLY_CANARY, timeout=60_000)
    page.get_by_role("button", name="Fermer la conversation").click()
    expect(page.locator("[data-unread]")).to_have_count(0)  # read now
    # the kept receipt without a network: said plainly, and tried again when asked
    app_server.stop()
    page.evaluate(f"location.replace('#/conversation/{case_id}')")
    expect(page.locator("[data-conversation-offline]")).to_contain_text("Le serveur ne répond pas", timeout=60_000)
    app_server.start()
    page.get_by_role("button", name="Réessayer").click()
    expect(page.locator('[data-from="police"] [data-message-text]')).to_have_text(REPLY_CANARY, timeout=60_000)
    page.get_by_role("button", name="Fermer la conversation").click()
    # quick exit: the kept receipt, the conversation's records and its ciphertext go
    page.get_by_role("button", name="Quitter rapidement").click()
    page.wait_for_url("https://www.google.fr/**")
    open_app(page, app_server.url)
    names = page.evaluate("async () => (await indexedDB.databases()).map(d => d.name)")
    assert "tipline-mailbox" not in names
    expect(page.locator("[data-unread]")).to_have_count(0)
    assert page.js_errors == []


def stored_receipts(page: Page) -> list[str | None]:
    """The receipts the phone's conversation records keep (None: not kept)."""
    return page.evaluate("""async () => {
        const db = await new Promise(r => {
          const q = indexedDB.open('tipline-mailbox'); q.onsuccess = () => r(q.result);
        });
        const all = await new Promise(r => { const q = db.transaction('mailboxes').objectStore('mailboxes').getAll();
          q.onsuccess = () => r(q.result); });
        db.close();
        return all.map(r => r.receipt ?? null);
    }""")


def test_the_open_conversation_is_woken_through_nginx_and_the_events_process(tmp_path, desk_keys, pwa_build, page):
    """The served topology (scripts/serve): nginx in front of gunicorn and the events process.
    Gunicorn's fallback answers at once here, so only the events process, woken by the reply,
    can bring it to the open screen: the phone's long poll (bearer token, no cookie) goes there."""
    served = ServedTopology({}, tmp_path / "served.log")
    port = int(served.binds.listen.rsplit(":", 1)[1])
    srv = make_app_server(tmp_path, desk_keys, pwa_build, public_port=port,
                          env={"TIPLINE_EVENTS_WAIT_SECONDS": "60", "TIPLINE_EVENTS_FALLBACK_WAIT_SECONDS": "0"})
    served.env.update(srv.env)
    with served:
        open_app(page, served.url, "signaler")
        wait_for_key(page)
        fill_report(page, {"place.text": "CANARY-LIEU sortie du parking, côté gare"})
        case_id = send(page)
        wait_delivered(page)
        polls = []
        page.on("request", lambda r: polls.append(r) if "/api/v1/events/mailbox" in r.url else None)
        page.locator("[data-open-conversation]").click()
        expect(page).to_have_url(re.compile(rf"#/conversation/{case_id}$"), timeout=60_000)
        desk(srv.desk_home, "login", "--server", served.url, "--username", OPERATOR, "--password-stdin",
             stdin=OPERATOR_PASSWORD + "\n")
        desk(srv.desk_home, "sync", "--quiet")
        desk(srv.desk_home, "decrypt", check=False)
        page.wait_for_timeout(2000)  # the desk's sync may move the mailbox: the phone polls again
        before = len(polls)
        page.wait_for_timeout(6000)  # then a quiet while: the poll is held by the events process, not repeated
        # (gunicorn's fallback answers at once here, which the phone would repeat every 1.5 s)
        assert polls and len(polls) == before, [p.url for p in polls]
        desk(srv.desk_home, "reply", case_id, "--text", REPLY_CANARY)
        expect(page.locator('[data-from="police"] [data-message-text]')).to_have_text(REPLY_CANARY, timeout=15_000)
        assert all(p.headers.get("authorization", "").startswith("Bearer ") for p in polls)
        assert all("cookie" not in p.headers for p in polls)
        log = served.log()
        assert REPLY_CANARY not in log and "CANARY-LIEU" not in log
        on_disk = [p.read_bytes() for p in Path(srv.env["TIPLINE_DATA_DIR"]).rglob("*") if p.is_file()]
        assert scan_requests(on_disk, [REPLY_CANARY.encode(), b"CANARY-LIEU"]) == []
        assert page.js_errors == []
        page.goto("about:blank")  # the held poll ends before the topology stops
