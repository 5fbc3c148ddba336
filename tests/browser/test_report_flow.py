"""The citizen's path in a real browser (Debian's Chromium), against the real server, with the
operators' desk decrypting what arrived: online, offline, across reloads and browser restarts,
and through a server crash in the middle of a video upload."""

from __future__ import annotations

import json
import re
import subprocess
import time

from playwright.sync_api import expect

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, desk_decrypt
from tests.browser.helpers import (
    EXIF_MARKERS,
    FORM_CANARIES,
    attach,
    case_record,
    fill_report,
    open_app,
    queue_offline,
    report_items,
    scan_requests,
    send,
    wait_delivered,
    wait_for_key,
)
from tests.browser.helpers import camera_jpeg, camera_video, png_with_text
from tests.media.corpus import (
    CORPUS, decoded, exiftool_leaks, identifying_needles, identifying_tags, leaks, with_metadata_copy_in_mdat,
)
from tests.support.pg import wait_for


def exiftool(path) -> dict:
    out = subprocess.run(["exiftool", "-j", "-G1", "-a", "-u", str(path)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)[0]


def frames_md5(path) -> str:
    out = subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-map", "0:v", "-f", "framemd5", "-"],
                         capture_output=True, text=True, check=True)
    return "\n".join(line for line in out.stdout.splitlines() if not line.startswith("#"))


def test_online_report_with_photos_is_decrypted_intact_by_the_desk(app_server, page, media, tmp_path):
    jpeg, png = camera_jpeg(media, tmp_path / "IMG_2041.jpg"), png_with_text(media, tmp_path / "capture.png")
    open_app(page, app_server.url, "signaler")
    wait_for_key(page)
    fill_report(page)
    attach(page, [jpeg, png])
    removed = page.locator("[data-removed]").evaluate_all("els => els.map(e => e.dataset.removed)")
    assert "gps" in removed and "make_model" in removed
    expect(page.get_by_text("position GPS retirée").first).to_be_visible()
    case_id = send(page)
    wait_delivered(page)
    assert page.js_errors == []
    # delivered: the "send now" button and the "it will leave" notice are gone
    expect(page.get_by_role("button", name="Envoyer maintenant")).to_be_hidden()
    expect(page.get_by_text("Vous pouvez fermer l'application")).to_be_hidden()

    verdicts = desk_decrypt(app_server)
    assert verdicts[case_id]["verdict"] == "VERIFIED", verdicts
    case_dir = app_server.desk_home / "cases" / case_id
    report = json.loads((case_dir / "report.json").read_text())
    assert report["place"]["text"] == FORM_CANARIES["place.text"]
    assert report["when"] == {"seen_at": "2026-11-27T19:10", "frequency": FORM_CANARIES["when.frequency"]}
    assert report["people"][0]["clothing"] == FORM_CANARIES["people.0.clothing"]
    assert report["people"][0]["height"] == FORM_CANARIES["people.0.height"]
    assert report["details"] == FORM_CANARIES["details"]
    assert report["risks"] == {"children": True}
    assert "contact" not in report and len(report["mailbox"]["id"]) == 32
    saved = {a["name"]: case_dir / a["saved_as"] for a in verdicts[case_id]["attachments"]}
    for original in (jpeg, png):
        decrypted = saved[original.name]
        meta = exiftool(decrypted)
        leaks = [k for k in meta if k.split(":")[-1] in ("GPSLatitude", "GPSLongitude", "GPSPosition", "Make", "Model",
                                                          "Comment", "ThumbnailImage", "Software", "SerialNumber")]
        assert leaks == [], (original.name, leaks)
        assert frames_md5(decrypted) == frames_md5(original), f"pixels changed in {original.name}"

    # nothing the citizen typed, and no metadata of the photos, ever reached the server in the clear
    found = scan_requests(app_server.requests(), [v.encode() for v in FORM_CANARIES.values()] + EXIF_MARKERS)
    assert found == []
    assert b"CANARY-LIEU" in json.dumps(report).encode()  # the scan looks for what really was typed


def test_iphone_live_photo_heic_and_video_are_decrypted_clean_by_the_desk(app_server, page, tmp_path):
    """A real iPhone Live Photo (HEIC still and its video, the video with the copy of its metadata
    iPhones leave in the media data: tests/data/media/SOURCES.md), sent from Chromium, decrypted by
    the desk: no identifying value of either file survives, nothing links the two, and libheif and
    ffmpeg decode the same pixels, frames and sound."""
    still = tmp_path / "IMG_7943.HEIC"
    still.write_bytes((CORPUS / "livephoto-IMG_7943.heic").read_bytes())
    video = with_metadata_copy_in_mdat(CORPUS / "livephoto-IMG_7943.mov", tmp_path / "IMG_7943.MOV")
    open_app(page, app_server.url, "signaler")
    wait_for_key(page)
    fill_report(page)
    attach(page, [still, video])
    expect(page.get_by_text("position GPS retirée").first).to_be_visible()
    expect(page.get_by_text("lieu de tournage retiré").first).to_be_visible()
    case_id = send(page)
    wait_delivered(page)
    assert page.js_errors == []

    verdicts = desk_decrypt(app_server)
    assert verdicts[case_id]["verdict"] == "VERIFIED", verdicts
    case_dir = app_server.desk_home / "cases" / case_id
    # the phone names a file with the extension of the type found in its bytes: IMG_7943.heic
    saved = {a["name"].casefold(): case_dir / a["saved_as"] for a in verdicts[case_id]["attachments"]}
    uuid = next(iter(identifying_tags(still)["Apple:MediaGroupUUID"]))
    for original in (still, video):
        decrypted = saved[original.name.casefold()]
        assert exiftool_leaks(decrypted) == {}, original.name
        assert leaks(original, decrypted) == [], original.name
        assert decoded(decrypted) == decoded(original), f"pixels or sound changed in {original.name}"
        assert uuid.encode() not in decrypted.read_bytes()  # nothing links the still to its video
    # and nothing identifying reached the server in the clear (long needles: ciphertext is random)
    needles = [n for f in (still, video) for n in identifying_needles(f) if len(n) >= 8]
    assert needles and scan_requests(app_server.requests(), needles) == []


def test_offline_report_is_delivered_when_the_server_returns(app_server, page):
    open_app(page, app_server.url)
    wait_for_key(page)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=30_000)
    app_server.stop()  # the network is gone (Playwright's offline mode does not cut a worker's own fetches)
    page.get_by_role("button", name="Signaler un trafic").click()
    fill_report(page)
    case_id = send(page)
    expect(page.locator('[data-case-state="waiting"]')).to_be_visible(timeout=30_000)
    page.get_by_role("link", name="Retour à l'accueil").click()
    page.get_by_role("link", name=re.compile("Mes envois")).click()
    expect(page.locator(f'[data-case="{case_id}"][data-state="waiting"]')).to_be_visible()
    app_server.start()
    # by the backoff timer alone (nobody touches the page), and the list follows live
    expect(page.locator(f'[data-case="{case_id}"][data-state="delivered"]')).to_be_visible(timeout=180_000)
    page.goto(f"{app_server.url}/#/envoi/{case_id}")
    wait_delivered(page)
    assert report_items(app_server, case_id) == ["report"]
    assert page.js_errors == []


def test_queued_report_survives_reload_and_browser_restart(app_server, playwright_driver, tmp_path):
    profile = tmp_path / "profile"

    def launch():
        ctx = playwright_driver.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True,
            viewport={"width": 390, "height": 844}, locale="fr-FR")
        return ctx, ctx.pages[0] if ctx.pages else ctx.new_page()

    ctx, page = launch()
    case_id = queue_offline(page, app_server)
    page.reload()  # offline: the app comes from the service worker, the report from IndexedDB
    page.goto(f"{app_server.url}/#/envoi/{case_id}")
    expect(page.locator('[data-case-state="waiting"]')).to_be_visible(timeout=30_000)
    ctx.close()

    app_server.start()
    ctx, page = launch()
    open_app(page, app_server.url, f"envoi/{case_id}")
    wait_delivered(page)
    page.reload()
    time.sleep(2)  # give a duplicate every chance to appear
    items = report_items(app_server, case_id)
    assert items == ["report"]
    ctx.close()


def test_server_killed_mid_video_upload_then_resumed(app_server, page, tmp_path):
    video = camera_video(tmp_path / "VID_0007.mov", megabytes=50)
    open_app(page, app_server.url, "signaler")
    wait_for_key(page)
    fill_report(page, {"place.text": "CANARY-LIEU parking du centre commercial"})
    attach(page, [video])
    case_id = send(page)
    uploads = app_server.root / "data" / "blobs" / "uploads"
    wait_for(lambda: uploads.exists() and any(len(list(d.iterdir())) >= 5 for d in uploads.iterdir()),
             timeout=120, interval=0.01)
    app_server.kill()  # SIGKILL, master and workers, in the middle of the upload
    app_server.start()
    wait_delivered(page, timeout_ms=240_000)
    items = report_items(app_server, case_id)
    assert sorted(items) == ["attachment", "report"]
    verdicts = desk_decrypt(app_server)
    assert verdicts[case_id]["verdict"] == "VERIFIED"
    video_out = app_server.desk_home / "cases" / case_id / verdicts[case_id]["attachments"][0]["saved_as"]
    assert video_out.stat().st_size == video.stat().st_size  # boxes neutralised in place: same size
    assert frames_md5(video_out) == frames_md5(video)
    assert scan_requests(app_server.requests(), EXIF_MARKERS) == []


def test_receipt_derives_the_keys_in_the_report_and_stays_only_if_asked(app_server, page):
    import base64

    from envelope.receipt import derive_receipt_keys, parse_receipt

    open_app(page, app_server.url, "signaler")
    wait_for_key(page)
    page.locator('[name="place.text"]').fill("CANARY-LIEU devant le hall B, 4 rue Victor Hugo")
    case_id = send(page)
    shown = page.locator("[data-receipt]").inner_text()
    assert re.fullmatch(r"[0-9A-Z]{3}( [0-9A-Z]{3}){5}", shown)  # 80 bits and a check, hand-copyable groups
    assert "receipt" not in case_record(page, case_id)  # not kept unless the citizen asks
    wait_delivered(page)

    # the desk finds in the report the public keys Python derives from the very receipt shown
    verdicts = desk_decrypt(app_server)
    assert verdicts[case_id]["verdict"] == "VERIFIED"
    report = json.loads((app_server.desk_home / "cases" / case_id / "report.json").read_text())
    keys = derive_receipt_keys(parse_receipt(shown))
    assert report["mailbox"] == {"id": keys.mailbox_id, "x25519": base64.b64encode(keys.x25519_public).decode(),
                                 "ed25519": base64.b64encode(keys.ed25519_public).decode()}
    assert shown.replace(" ", "") not in app_server.log_text()
    assert scan_requests(app_server.requests(), [shown.encode(), shown.replace(" ", "").encode()]) == []

    # kept when asked, shown again after a reload; forgotten when unticked
    page.locator("#keep-receipt").check()
    expect(page.get_by_text("Le reçu est gardé sur ce téléphone.")).to_be_visible()
    assert case_record(page, case_id)["receipt"] == shown
    page.reload()
    expect(page.locator("[data-receipt]")).to_have_text(shown)
    page.locator("#keep-receipt").uncheck()
    expect(page.get_by_text("Le reçu n'est pas gardé sur ce téléphone.")).to_be_visible()
    assert "receipt" not in case_record(page, case_id)
    page.reload()
    expect(page.locator("[data-receipt]")).to_have_count(0)
    assert page.js_errors == []
