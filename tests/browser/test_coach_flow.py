"""The report coach and the path to sending, in Debian's Chromium against the real server: the
review screen, an empty report refused, a vague one confirmed once, danger-now advice (a ticked
box, an English threat), contact details checked, and a draft kept on the phone only when asked,
sealed with a passphrase, restored after a reload and gone after quick exit or sending."""

from __future__ import annotations

import json
import re

from playwright.sync_api import expect

from tests.browser.conftest import desk_decrypt
from tests.browser.helpers import (
    camera_jpeg,
    confirm_send,
    outbox_count,
    open_app,
    review,
    send,
    wait_delivered,
    wait_for_key,
)
from tests.browser.test_app_shell import assert_no_raw_text, axe_violations

# the phone's kept draft as someone holding the phone could read it
_DRAFT = """async () => {
    if (!(await indexedDB.databases()).some(d => d.name === 'tipline-draft')) return null;
    const db = await new Promise(r => { const q = indexedDB.open('tipline-draft'); q.onsuccess = () => r(q.result); });
    const rec = await new Promise(r => { const q = db.transaction('kept').objectStore('kept').get('current');
        q.onsuccess = () => r(q.result); });
    db.close();
    if (!rec) return { empty: true };
    const bytes = new Uint8Array(rec.ciphertext);
    return { caseId: rec.caseId, kdf: { saltLength: rec.kdf.salt.length, opslimit: rec.kdf.opslimit,
             memlimit: rec.kdf.memlimit }, size: bytes.length,
             text: new TextDecoder('utf-8', { fatal: false }).decode(bytes), keys: Object.keys(rec).sort() };
}"""


def kept_draft(page):
    return page.evaluate(_DRAFT)


def test_review_shows_what_will_be_sent_then_sends_with_the_coach_verdict(app_server, page, media, tmp_path):
    page.set_viewport_size({"width": 320, "height": 640})
    photo = camera_jpeg(media, tmp_path / "IMG_0312.jpg")
    open_app(page, app_server.url, "signaler")
    wait_for_key(page)
    page.locator('[name="place.text"]').fill("CANARY-LIEU devant le 14 ter r. des Glacis, entrée B")
    page.locator('[name="when.frequency"]').fill("tlj de 17h à minuit")
    page.locator('[name="people.0.clothing"]').fill("doudoune noire, casquette Lacoste")
    page.locator('[name="people.0.height"]').fill("grand, maigre")
    page.get_by_role("button", name="Ajouter une personne").click()
    page.locator('[name="people.1.role"]').fill("guetteur sur le muret")
    page.locator('[name="details"]').fill(
        "CANARY-DETAILS une 208 blanche GH-218-KP passe, le conducteur tend une liasse")
    page.locator('[data-input="gallery"]').set_input_files(str(photo))
    expect(page.locator('.file [data-status="sealed"]')).to_have_count(1, timeout=120_000)

    review(page)
    main = page.locator("main")
    expect(main).to_contain_text("CANARY-LIEU devant le 14 ter r. des Glacis, entrée B")
    expect(main).to_contain_text("Personne 2")
    expect(main).to_contain_text("guetteur sur le muret")
    expect(page.locator('[data-review-file="IMG_0312.jpg"] [data-review-removed]')).to_contain_text("position GPS")
    expect(page.locator("[data-review-anonymous]")).to_be_visible()
    expect(page.locator("[data-review-level]")).to_have_attribute("data-review-level", "3")
    expect(page.locator("[data-review-level]")).to_contain_text("Très précis")
    # what is still missing, one line each, with what to add
    expect(page.locator('[data-review-level] [data-check="time"]')).to_have_count(0)  # "17h" is there
    expect(page.locator('[data-review-level] [data-check="risks"]')).to_contain_text("Des enfants à proximité")
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    assert_no_raw_text(page)

    # "Modifier" goes back to the form as it was
    page.get_by_role("button", name="Modifier").click()
    expect(page.locator("main h1")).to_have_text("Votre signalement")
    assert page.locator('[name="people.1.role"]').input_value() == "guetteur sur le muret"
    expect(page.locator('.file [data-status="sealed"]')).to_have_count(1)

    case_id = send(page)
    wait_delivered(page)
    assert page.js_errors == []
    verdicts = desk_decrypt(app_server)
    assert verdicts[case_id]["verdict"] == "VERIFIED", verdicts
    report = json.loads((app_server.desk_home / "cases" / case_id / "report.json").read_text())
    coach = report["coach"]
    assert coach["version"] == 1 and coach["level"] == 3
    assert coach["checks"]["place"] == "present" and coach["checks"]["plate"] == "present"
    assert coach["checks"]["evidence"] == "present" and coach["danger"] == {"active": False, "kinds": [], "fields": []}
    assert set(coach["checks"]) == {"place", "time", "frequency", "people", "vehicles", "plate", "evidence", "risks"}
    assert "risks" in coach["missing"] and coach["languages"] == ["fr"]
    assert report["people"][1] == {"role": "guetteur sur le muret"}


def test_an_empty_report_cannot_be_sent(app_server, page):
    open_app(page, app_server.url, "signaler")
    wait_for_key(page)
    submit = page.get_by_role("button", name="Relire avant l'envoi")
    submit.click()
    expect(page.locator("[data-form-status]")).to_contain_text("Votre signalement est vide")
    assert page.url.endswith("#/signaler")
    assert page.evaluate("document.activeElement.name") == "place.text"
    # spaces, punctuation, a ticked box or contact details alone are still an empty report
    page.locator('[name="details"]').fill("  ... !!  ")
    page.locator('[name="risks.children"]').check()
    page.locator('[name="contact.wanted"]').check()
    page.locator('[name="contact.phone"]').fill("06 12 34 56 78")
    submit.click()
    expect(page.locator("[data-form-status]")).to_contain_text("Votre signalement est vide")
    assert page.url.endswith("#/signaler")
    # the review screen cannot be reached by its address either
    page.goto(f"{app_server.url}/#/relire")
    expect(page.locator("main h1")).to_have_text("Votre signalement")
    assert outbox_count(page, "items") == 0
    assert page.js_errors == []


def test_a_very_vague_report_asks_once_and_is_never_blocked(app_server, page):
    open_app(page, app_server.url, "signaler")
    wait_for_key(page)
    page.locator('[name="details"]').fill("à tous les coups ça deale, tout le monde le sait")
    review(page)
    expect(page.locator("[data-review-level]")).to_have_attribute("data-review-level", "0")
    page.get_by_role("button", name="Envoyer", exact=True).click()
    confirm = page.locator("[data-review-confirm]")
    expect(confirm).to_contain_text("très peu précis")
    expect(page.get_by_role("button", name="Envoyer quand même")).to_be_focused()
    assert page.url.endswith("#/relire")  # nothing sent yet
    page.get_by_role("button", name="Envoyer quand même").click()
    page.wait_for_url(re.compile(r"#/envoi/[0-9a-f]{32}$"), timeout=60_000)
    expect(page.locator("[data-receipt]")).to_be_visible()
    assert page.js_errors == []


def test_danger_advice_at_once_for_a_ticked_box_at_the_top_and_beside_it(app_server, page):
    open_app(page, app_server.url, "signaler")
    banner = page.locator("[data-danger-banner]")
    expect(banner).to_be_hidden()
    page.locator('label[for]', has_text="J'ai vu des armes").click()
    expect(banner).to_be_visible(timeout=2_000)  # at once, not after a pause in typing (2 s: a loaded CI machine)
    expect(banner).to_contain_text("17")
    expect(banner).to_contain_text("Ne vous mettez pas en danger")
    expect(banner).to_contain_text("une arme")
    note = page.locator('[data-danger-note="risks.weapons"]')
    expect(note).to_be_visible()
    # the note sits right after the box and describes it for screen readers
    assert page.evaluate("""() => {
        const box = document.querySelector('[name="risks.weapons"]');
        const note = document.querySelector('[data-danger-note="risks.weapons"]');
        return box.closest('.check').nextElementSibling === note
            && box.getAttribute('aria-describedby').split(' ').includes(note.id);
    }""")
    # the banner sits above the form's first field
    assert page.evaluate("""() => document.querySelector('[data-danger-banner]')
        .compareDocumentPosition(document.querySelector('[name="place.text"]')) & Node.DOCUMENT_POSITION_FOLLOWING""")
    page.locator('label[for]', has_text="J'ai vu des armes").click()
    expect(banner).to_be_hidden()
    expect(note).to_have_count(0)
    assert axe_violations(page) == []


def test_danger_advice_for_an_english_threat_in_the_french_interface(app_server, page):
    open_app(page, app_server.url, "signaler")
    page.locator('[name="details"]').type("they threatened me, they know where I live")
    banner = page.locator("[data-danger-banner]")
    expect(banner).to_be_visible(timeout=2_000)
    expect(banner).to_contain_text("des menaces")
    expect(page.locator('[data-danger-note="details"]')).to_contain_text("17 ou 112")
    # and in English when the interface is English
    page.get_by_role("button", name="English").click()
    expect(banner).to_contain_text("Do not put yourself in danger")
    expect(banner).to_contain_text("threats")
    assert page.locator('[name="details"]').input_value() == "they threatened me, they know where I live"
    assert page.js_errors == []


def test_contact_details_are_checked_with_a_clear_message(app_server, page):
    open_app(page, app_server.url, "signaler")
    wait_for_key(page)
    page.locator('[name="place.text"]').fill("parking du gymnase")
    page.locator('[name="contact.wanted"]').check()
    expect(page.get_by_text("Votre signalement ne sera plus anonyme pour la police")).to_be_visible()
    phone = page.locator('[name="contact.phone"]')
    email = page.locator('[name="contact.email"]')
    phone.fill("abc")
    email.fill("nom@exemple")
    phone.press("Tab")  # leaving the field shows the problem
    expect(page.locator('[data-field-error="contact.phone"]')).to_contain_text("Ce numéro ne semble pas valide")
    expect(phone).to_have_attribute("aria-invalid", "true")
    page.get_by_role("button", name="Relire avant l'envoi").click()
    expect(page.locator('[data-field-error="contact.email"]')).to_contain_text("nom@exemple.fr")
    assert page.url.endswith("#/signaler")
    assert page.evaluate("document.activeElement.name") == "contact.phone"
    phone.fill("+33 6 12 34 56 78")
    expect(page.locator('[data-field-error="contact.phone"]')).to_have_text("")
    email.fill("")
    review(page)
    expect(page.locator("[data-review-contact]")).to_contain_text("ne sera plus anonyme")
    expect(page.locator("main")).to_contain_text("+33 6 12 34 56 78")
    # asking to be contacted with no way to be reached is pointed out too
    page.get_by_role("button", name="Modifier").click()
    phone.fill("")
    page.get_by_role("button", name="Relire avant l'envoi").click()
    expect(page.locator('[data-field-error="contact.phone"]')).to_contain_text(
        "Donnez un téléphone ou une adresse e-mail")
    assert page.js_errors == []


def test_a_draft_is_kept_only_when_asked_restored_after_a_reload_and_gone_after_quick_exit(app_server, page, media,
                                                                                           tmp_path):
    page.context.route("https://www.google.fr/**", lambda route: route.fulfill(body="<title>Google</title>",
                                                                             content_type="text/html"))
    passphrase = "trois mots au hasard"
    open_app(page, app_server.url, "signaler")
    wait_for_key(page)
    keep = page.locator("[data-keep-draft]")
    expect(keep).not_to_be_checked()  # off by default
    page.locator('[name="place.text"]').fill("CANARY-LIEU hall du 5 rue Brulard")
    page.reload()  # not kept: gone
    expect(page.locator('[name="place.text"]')).to_have_value("")
    assert kept_draft(page) is None

    page.locator('[name="place.text"]').fill("CANARY-LIEU hall du 5 rue Brulard")
    page.locator('label[for]', has_text="Garder le brouillon sur ce téléphone").click()
    expect(page.get_by_text("pas même vous")).to_be_visible()  # what it protects, said plainly
    page.locator("[data-draft-code]").fill("court")
    page.get_by_role("button", name="Garder le brouillon").click()
    expect(page.get_by_text("Au moins 8 caractères").last).to_be_visible()
    page.locator("[data-draft-code]").fill(passphrase)
    page.get_by_role("button", name="Garder le brouillon").click()
    expect(page.locator("[data-draft-status]")).to_contain_text("Enregistré à", timeout=30_000)
    page.locator('[name="people.0.clothing"]').fill("doudoune rouge")
    page.get_by_role("button", name="Ajouter un véhicule").click()
    page.locator('[name="vehicles.0.plate"]').fill("AB-1?3-C?")
    page.locator('[name="risks.threats"]').check()
    page.locator('[name="details"]').fill("CANARY-DETAILS ils me regardent")
    page.locator('[data-input="gallery"]').set_input_files(str(camera_jpeg(media, tmp_path / "IMG_7.jpg")))
    expect(page.locator('.file [data-status="sealed"]')).to_have_count(1, timeout=120_000)
    page.wait_for_timeout(1_200)  # the keeper saves a moment after the last change
    stored = kept_draft(page)
    assert stored["keys"] == ["caseId", "ciphertext", "iv", "kdf", "v"]
    assert re.fullmatch(r"[0-9a-f]{32}", stored["caseId"])
    assert stored["kdf"] == {"saltLength": 16, "opslimit": 3, "memlimit": 64 * 1024 * 1024}
    assert "CANARY" not in stored["text"] and "Brulard" not in stored["text"] and "doudoune" not in stored["text"]

    page.reload()
    locked = page.locator("[data-draft-locked]")
    expect(locked).to_be_visible()
    expect(page.locator('[name="place.text"]')).to_have_count(0)  # nothing shown before the code
    page.locator("[data-draft-code]").fill("pas le bon code")
    page.get_by_role("button", name="Reprendre le brouillon").click()
    expect(locked).to_contain_text("Code incorrect", timeout=30_000)
    page.locator("[data-draft-code]").fill(passphrase)
    page.get_by_role("button", name="Reprendre le brouillon").click()
    expect(page.locator('[name="place.text"]')).to_have_value("CANARY-LIEU hall du 5 rue Brulard", timeout=30_000)
    assert page.locator('[name="people.0.clothing"]').input_value() == "doudoune rouge"
    assert page.locator('[name="vehicles.0.plate"]').input_value() == "AB-1?3-C?"
    assert page.locator('[name="risks.threats"]').is_checked()
    expect(page.locator("[data-danger-banner]")).to_be_visible()  # restored state is read again
    expect(page.locator('.file [data-status="sealed"]')).to_have_count(1)  # the sealed photo came back too
    expect(page.locator("[data-keep-draft]")).to_be_checked()

    page.get_by_role("button", name="Quitter rapidement").click()
    page.wait_for_url("https://www.google.fr/**")
    open_app(page, app_server.url, "signaler")
    expect(page.locator("[data-draft-locked]")).to_have_count(0)
    expect(page.locator('[name="place.text"]')).to_have_value("")
    assert kept_draft(page) is None
    assert outbox_count(page, "items") == 0  # the draft's sealed photo went with it
    assert page.js_errors == []


def test_a_kept_draft_is_wiped_once_sent(app_server, page):
    open_app(page, app_server.url, "signaler")
    wait_for_key(page)
    page.locator('[name="place.text"]').fill("CANARY-LIEU arrêt Époisses")
    page.locator('label[for]', has_text="Garder le brouillon sur ce téléphone").click()
    page.locator("[data-draft-code]").fill("un code assez long")
    page.get_by_role("button", name="Garder le brouillon").click()
    expect(page.locator("[data-draft-status]")).to_contain_text("Enregistré à", timeout=30_000)
    assert kept_draft(page)["size"] > 0
    review(page)
    confirm_send(page)
    expect(page.locator("[data-receipt]")).to_be_visible()
    assert kept_draft(page) is None
    # unticking the box wipes it too
    page.get_by_role("link", name="Faire un autre signalement").click()
    page.locator('[name="place.text"]').fill("quelque chose")
    page.locator('label[for]', has_text="Garder le brouillon sur ce téléphone").click()
    page.locator("[data-draft-code]").fill("un code assez long")
    page.get_by_role("button", name="Garder le brouillon").click()
    expect(page.locator("[data-draft-status]")).to_contain_text("Enregistré à", timeout=30_000)
    page.locator('label[for]', has_text="Garder le brouillon sur ce téléphone").click()
    expect(page.locator("[data-draft-status]")).to_contain_text("effacé")
    assert kept_draft(page) is None
    assert page.js_errors == []
