"""The app as an installable, accessible, offline-first shell that trusts only the pinned key."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import desk_decrypt, make_app_server
from tests.browser.helpers import (
    camera_video,
    confirm_send,
    fill_report,
    open_app,
    outbox_count,
    review,
    scan_requests,
    send,
    wait_delivered,
    wait_for_key,
)
from tests.support.desk import desk

REPO = Path(__file__).resolve().parents[2]
AXE = (REPO / "pwa" / "node_modules" / "axe-core" / "axe.min.js").read_text()
SCREENS = ["", "signaler", "questions", "anonymat", "envois"]


def axe_violations(page) -> list[dict]:
    """Serious and critical axe-core violations (WCAG 2.0, 2.1, 2.2 A and AA) on the current screen."""
    page.evaluate(AXE)  # through the DevTools protocol: the app's CSP stays as it is
    result = page.evaluate("""() => axe.run(document, {runOnly: {type: 'tag',
        values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}})""")
    return [{"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


def assert_no_raw_text(page) -> None:
    """No "null", "undefined", unfilled {placeholder} or untranslated catalog key on screen."""
    text = page.inner_text("main")
    # "nullnull": two missing values side by side have no word boundary between them
    raw = re.findall(r"\b(?:null|undefined|NaN)+\b|\[object \w+\]|\{\w+\}"
                     r"|\b(?:coach|report|home|media|file|sent|outbox|errors|nav|key)\.[a-z_]+\b", text)
    assert raw == [], raw


def test_installable_and_opens_offline_after_one_visit(app_server, page):
    open_app(page, app_server.url)
    wait_for_key(page)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=30_000)
    cdp = page.context.new_cdp_session(page)
    errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    assert [e["errorId"] for e in errors if e["errorId"] != "in-incognito"] == [], errors
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["errors"] == []
    app_server.stop()
    page.reload()
    expect(page.locator("h1")).to_have_text("Signaler un trafic de stupéfiants")
    page.goto(f"{app_server.url}/#/questions")
    expect(page.locator("h1")).to_have_text("Questions fréquentes")
    assert page.js_errors == []


def test_no_request_leaves_for_another_origin(app_server, page):
    others = []
    page.context.on("request", lambda r: others.append(r.url) if not r.url.startswith(app_server.url) else None)
    for screen in SCREENS:
        open_app(page, app_server.url, screen)
    wait_for_key(page)
    assert others == []


def test_every_screen_passes_axe_at_320_px_and_fits(app_server, page):
    page.set_viewport_size({"width": 320, "height": 640})
    for screen in SCREENS:
        open_app(page, app_server.url, screen)
        wait_for_key(page)
        assert axe_violations(page) == [], screen
        assert page.evaluate("document.documentElement.scrollWidth") <= 320, f"{screen} scrolls sideways at 320 px"
        assert_no_raw_text(page)
    # the form with the coach's flags showing, and the contact fields open
    open_app(page, app_server.url, "signaler")
    page.locator('[name="details"]').fill("ça sent le trafic, des groupes suspects, l'un d'eux a une arme")
    page.locator('[name="contact.wanted"]').check()
    # danger now: shown at once, at the top and beside the field, pointing to 17
    expect(page.locator("[data-danger-banner]")).to_contain_text("17")
    expect(page.locator('[data-danger-note="details"]')).to_be_visible()
    expect(page.locator("[data-coach] summary")).to_contain_text("2 conseil")
    page.locator("[data-coach] summary").click()
    expect(page.locator('[data-coach] [data-flag="vague"]')).to_have_count(2)
    assert axe_violations(page) == []
    assert_no_raw_text(page)
    # the review screen (with the contact block asked for), then the receipt screen
    fill_report(page)
    page.locator('[name="contact.phone"]').fill("06 12 34 56 78")
    review(page)
    expect(page.locator("[data-review-contact]")).to_be_visible()
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 320, "the review scrolls sideways at 320 px"
    assert_no_raw_text(page)
    confirm_send(page)
    expect(page.locator("[data-receipt]")).to_be_visible(timeout=60_000)
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 320


def test_touch_targets_are_large_enough(app_server, page):
    open_app(page, app_server.url, "signaler")
    # A checkbox's target is its row: the box and its associated label (clicking either toggles it).
    small = page.evaluate("""() => [...document.querySelectorAll('button, a, input, select, textarea')]
        .filter(e => e.offsetParent !== null && !e.closest('p, li, dd'))
        .map(e => {
            const box = e.type === 'checkbox' && e.labels.length ? e.closest('.check') : e;
            return [e.outerHTML.slice(0, 60), box.getBoundingClientRect().height];
        })
        .filter(([, h]) => h < 44)""")
    assert small == []
    checks = page.locator('input[type="checkbox"]')
    assert checks.count() >= 4
    page.locator('label[for]', has_text="Des enfants").click()
    assert page.locator('[name="risks.children"]').is_checked()


def test_a_bundle_signed_by_another_root_is_refused(tmp_path, desk_keys, pwa_build, page):
    """The server serves a bundle whose signature does not chain to the root the app pins."""
    rogue = tmp_path / "rogue"
    desk(rogue, "keygen", "--root", "--kdf", "interactive")
    desk(rogue, "keygen", "--kdf", "interactive")
    srv = make_app_server(tmp_path / "srv", desk_keys, pwa_build, keys_dir=None)
    keys = srv.root / "keys"
    desk(rogue, "sign-bundle", "--origin", srv.url, "--out", str(keys / "bundle.json"),
         "--root-out", str(keys / "root-key.json"))
    srv.start()
    try:
        open_app(page, srv.url, "signaler")
        expect(page.locator('[data-key-status="invalid"]')).to_be_visible(timeout=60_000)
        expect(page.get_by_role("button", name="Relire avant l'envoi")).to_be_disabled()
        expect(page.get_by_role("button", name="Choisir dans la galerie")).to_be_disabled()
        fill_report(page)
        assert scan_requests(srv.requests(), [b"PUT /api/v1/cases"]) == []
        assert outbox_count(page, "items") == 0
    finally:
        srv.stop()


def test_quick_exit_leaves_and_takes_the_app_out_of_history(app_server, page):
    page.context.route("https://www.google.fr/**", lambda route: route.fulfill(body="<title>Google</title>",
                                                                             content_type="text/html"))
    open_app(page, app_server.url)
    entries = page.evaluate("history.length")  # Playwright's first about:blank counts as one
    page.keyboard.press("Tab")  # the skip link moves focus to the content, not the address
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main" and page.url.endswith("#/")
    page.get_by_role("link", name="Questions fréquentes").first.click()  # links and buttons alike
    expect(page.locator("h1")).to_have_text("Questions fréquentes")
    page.get_by_role("link", name="Signalement anonyme").click()
    page.get_by_role("button", name="Signaler un trafic").click()
    page.locator('[name="place.text"]').fill("quelque chose de sensible")
    page.get_by_role("button", name="Quitter rapidement").click()
    page.wait_for_url("https://www.google.fr/**")
    assert page.evaluate("history.length") == entries  # the app's page was replaced, not stacked
    page.go_back()
    assert not page.url.startswith(app_server.url)  # Back does not lead into the app


def test_english_through_the_message_catalog(app_server, page):
    open_app(page, app_server.url)
    page.get_by_role("button", name="English").click()
    expect(page.locator("h1")).to_have_text("Report drug trafficking")
    expect(page.locator(".emergency__call")).to_have_text("Call 17")
    assert page.evaluate("document.documentElement.lang") == "en"
    page.reload()
    expect(page.locator("h1")).to_have_text("Report drug trafficking")
    # switching language in the middle of a report keeps what was typed, the focus, and
    # translates the coach too
    page.get_by_role("button", name="Report trafficking").click()
    page.locator('[name="place.text"]').fill("dans le quartier")
    page.get_by_role("button", name="Français").focus()
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Votre signalement")
    expect(page.locator("[data-coach] summary")).to_contain_text("Précision de votre signalement")
    assert page.locator('[name="place.text"]').input_value() == "dans le quartier"
    assert page.evaluate("document.activeElement.dataset.focusKey") == "lang"
    page.keyboard.press("Enter")
    expect(page.locator("[data-coach] summary")).to_contain_text("How precise your report is")


@pytest.mark.parametrize("name, content, status, media_type", [
    ("scan.bin", b"%PDF-1.4\n" + b"x" * 2000, "unsupported", "application/pdf"),
])
def test_a_file_that_cannot_be_cleaned_is_never_sent_silently(app_server, page, tmp_path, name, content, status,
                                                               media_type):
    path = tmp_path / name
    path.write_bytes(content)
    open_app(page, app_server.url, "signaler")
    wait_for_key(page)
    page.locator('[data-input="gallery"]').set_input_files(str(path))
    expect(page.locator(f'.file [data-status="{status}"]')).to_be_visible(timeout=60_000)
    expect(page.get_by_role("button", name="Relire avant l'envoi")).to_be_enabled()
    page.get_by_role("button", name="Ne pas l'envoyer").click()
    expect(page.locator(".file")).to_have_count(0)
    page.locator('[data-input="gallery"]').set_input_files(str(path))
    page.get_by_role("button", name="L'envoyer quand même").click()
    expect(page.locator('.file [data-status="sealed"]')).to_be_visible(timeout=60_000)
    case_id = send(page)
    wait_delivered(page)
    assert json.dumps(page.js_errors) == "[]"
    verdicts = desk_decrypt(app_server)
    assert verdicts[case_id]["verdict"] == "VERIFIED"
    report = json.loads((app_server.desk_home / "cases" / case_id / "report.json").read_text())
    # the operator is told the file was sent as it was, with the type read from its bytes
    assert report["attachments"][0]["media_type"] == media_type
    assert report["attachments"][0]["cleaned"] is False
    assert verdicts[case_id]["attachments"][0]["metadata_kept"] is True  # the desk warns the operator


def test_a_file_too_big_for_the_phones_space_is_refused_with_a_clear_message(app_server, page, tmp_path):
    video = camera_video(tmp_path / "VID_0100.mov", megabytes=12)
    open_app(page, app_server.url, "signaler")
    wait_for_key(page)
    # A phone with 20 MB free. Chromium's quota cannot be shrunk from outside (CDP's
    # Storage.overrideQuotaForOrigin does not reach estimate() here), so the crypto worker's
    # estimate() answers as such a phone would; the rest is the real app.
    low_space = """() => {
        self.realEstimate ??= StorageManager.prototype.estimate;
        StorageManager.prototype.estimate = async function () {
            return self.lowSpace ? { quota: 20 * 1024 * 1024, usage: 1024 * 1024 } : self.realEstimate.call(this);
        };
        self.lowSpace = true;
    }"""
    # the long-lived crypto worker (a throwaway one may be drawing the receipt and end meanwhile)
    workers = [w for w in page.workers if "crypto-worker" in w.url]
    patched = []
    for w in workers:
        try:
            w.evaluate(low_space)
            patched.append(w)
        except Exception:  # noqa: BLE001 - the receipt's throwaway worker ended
            pass
    assert patched
    page.locator('[data-input="gallery"]').set_input_files(str(video))
    expect(page.locator('.file [data-status="no_space"]')).to_be_visible(timeout=60_000)
    expect(page.locator('.file [data-status="no_space"]')).to_contain_text("Pas assez d'espace sur le téléphone")
    # nothing of it was written to the outbox
    assert [outbox_count(page, "items"), outbox_count(page, "chunks")] == [0, 0]
    for w in patched:
        w.evaluate("() => { self.lowSpace = false; }")  # space again: the real estimate
    page.get_by_role("button", name="Retirer VID_0100.mov").click()
    page.locator('[data-input="gallery"]').set_input_files(str(video))
    expect(page.locator('.file [data-status="sealed"]')).to_be_visible(timeout=120_000)


FOCUS_STATE = """() => {
    const el = document.activeElement;
    const r = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    const coach = document.querySelector('[data-coach]');
    let hidden = r.bottom <= 0 || r.top >= innerHeight;
    if (coach && !coach.contains(el)) {
        const c = coach.getBoundingClientRect();  // the coach's bar sticks to the bottom of the screen
        hidden = hidden || (r.top >= c.top && r.bottom <= c.bottom);
    }
    return { tag: el.tagName, name: el.name || el.textContent.trim().slice(0, 40), hidden,
             ring: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
             // Chromium's own date picker button, inside the field's shadow tree, is drawn by the
             // browser with its own focus style; the field's segments show ours.
             browserWidget: el.type === 'datetime-local' && !el.matches(':focus') };
}"""


def test_a_report_can_be_written_and_sent_with_the_keyboard_alone(app_server, page):
    page.set_viewport_size({"width": 360, "height": 640})
    open_app(page, app_server.url)
    wait_for_key(page)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Aller au contenu"  # skip link first

    def tab_to(predicate, limit=120):
        for _ in range(limit):
            page.keyboard.press("Tab")
            state = page.evaluate(FOCUS_STATE)
            for _ in range(10):  # a date field moves focus into its inner segments a moment later
                if state["ring"]:
                    break
                page.wait_for_timeout(50)
                state = page.evaluate(FOCUS_STATE)
            assert not state["hidden"], f"focus hidden: {state}"  # WCAG 2.4.11
            assert state["ring"] or state["browserWidget"], f"no visible focus ring: {state}"  # WCAG 2.4.7
            if predicate(state):
                return state
        raise AssertionError("never reached")

    tab_to(lambda s: s["name"] == "Signaler un trafic")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Votre signalement")
    tab_to(lambda s: s["name"] == "place.text")
    page.keyboard.type("CANARY-LIEU parking du gymnase, côté rue Pasteur")
    tab_to(lambda s: s["name"] == "risks.children")
    page.keyboard.press("Space")
    assert page.locator('[name="risks.children"]').is_checked()
    tab_to(lambda s: s["name"] == "details")
    page.keyboard.type("CANARY-DETAILS échanges rapides")
    tab_to(lambda s: s["name"].startswith("Relire avant l'envoi"))
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Relisez avant d'envoyer")
    tab_to(lambda s: s["name"] == "Envoyer")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"#/envoi/[0-9a-f]{32}$"), timeout=60_000)
    expect(page.locator("[data-receipt]")).to_be_visible()
    expect(page.locator('[data-case-state="delivered"]')).to_be_visible(timeout=60_000)
