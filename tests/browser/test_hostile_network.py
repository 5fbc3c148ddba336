"""The outbox against a hostile network, in Chromium, with a proxy of our own between the phone
and the real server (tests/support/netproxy.py): dropped connections, stalls, 5xx, a 507 with
Retry-After, a proxy's HTML 413 page, a captive portal answering 200 to everything, a 32 kbit/s
uplink, and a refusal by the server itself. Each test checks what arrives (exactly once, the
desk's verdict), that nothing stalls behind a blocked item, and what the citizen reads."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import desk_decrypt, make_app_server
from tests.browser.helpers import (
    EXIF_MARKERS,
    FORM_CANARIES,
    attach,
    camera_video,
    fill_report,
    open_app,
    outbox_count,
    report_items,
    scan_requests,
    send,
    wait_delivered,
    wait_for_key,
    wait_for_service_worker,
)
from tests.media.fixtures import exiftool_write, ffmpeg
from tests.support.netproxy import NetProxy, html_page, json_error, path_matches
from tests.support.pg import free_port

UPLOADS = r"/api/v1/cases/\w+/uploads/"
PIECES = r"/api/v1/cases/\w+/uploads/\w+/chunks/\d+$"


@pytest.fixture
def net(tmp_path, desk_keys, pwa_build):
    """The real server behind the proxy; the app is served (and its bundle signed) at the proxy."""
    proxy_port = free_port()
    srv = make_app_server(tmp_path, desk_keys, pwa_build, public_port=proxy_port,
                          env={"TIPLINE_MAX_ITEM_BYTES": str(3_000_000)}).start()
    proxy = NetProxy(srv.port, port=proxy_port).start()
    yield srv, proxy
    proxy.stop()
    srv.stop()
    needles = [v.encode() for v in FORM_CANARIES.values()] + EXIF_MARKERS
    assert scan_requests(srv.requests(), needles) == [], "plaintext reached the server"


def noise_jpeg(path: Path, target_bytes: int, seed: int = 1) -> Path:
    """A camera-like JPEG of about ``target_bytes`` (noise does not compress away), with GPS."""
    side = int((target_bytes / 4.1e6) ** 0.5 * 2880) // 16 * 16
    ffmpeg("-f", "lavfi", "-i", f"color=c=gray:s={side}x{side * 3 // 4 // 16 * 16},noise=alls=40:allf=t:"
           f"all_seed={seed}", "-frames:v", "1", "-q:v", "3", path)
    exiftool_write(path, "-GPSLatitude=48.8566", "-GPSLatitudeRef=N", "-GPSLongitude=2.3522", "-GPSLongitudeRef=E")
    return path


def start(page: Page, proxy: NetProxy, path: str = "signaler") -> None:
    """Open the app through the proxy, with the police key verified and stored, the service worker up."""
    open_app(page, proxy.url, path)
    wait_for_key(page)
    wait_for_service_worker(page)


def report_with(page: Page, proxy: NetProxy, files: list[Path], place: str) -> str:
    page.goto(f"{proxy.url}/#/signaler")
    wait_for_key(page)
    fill_report(page, {"place.text": place})
    if files:
        attach(page, files)
    return send(page)


def server_items(srv, case_id: str) -> list[dict]:
    import requests

    answer = requests.get(f"{srv.url}/api/v1/cases/{case_id}", timeout=10)
    return answer.json()["items"] if answer.ok else []


def phone_items(page: Page, case_id: str) -> list[dict]:
    return page.evaluate("""async (caseId) => {
        const db = await new Promise(r => {
            const q = indexedDB.open('tipline-outbox'); q.onsuccess = () => r(q.result); });
        const items = await new Promise(r => { const q = db.transaction('items').objectStore('items').index('byCase')
            .getAll(caseId); q.onsuccess = () => r(q.result); });
        db.close();
        return items.map(i => ({ itemId: i.itemId, kind: i.kind, state: i.state, size: i.size, sha256: i.sha256,
                                 wait: i.wait ?? null, error: i.error ?? null }));
    }""", case_id)


def exactly_once(srv, page: Page, case_id: str) -> None:
    """What the server holds for the case is what the phone sealed, each item once, nothing else."""
    held = server_items(srv, case_id)
    sealed = [i for i in phone_items(page, case_id) if i["state"] != "withdrawn"]
    assert sorted((i["item_id"], i["sha256"], i["size"]) for i in held) == \
        sorted((i["itemId"], i["sha256"], i["size"]) for i in sealed)


def state_of(page: Page) -> tuple[str | None, str | None]:
    line = page.locator("[data-case-state]")
    return line.get_attribute("data-case-state"), line.get_attribute("data-wait")


def test_lossy_link_delivers_every_case_exactly_once(net, page, tmp_path):
    srv, proxy = net
    photo = noise_jpeg(tmp_path / "IMG_0101.jpg", 900_000)
    video = camera_video(tmp_path / "VID_0102.mov", megabytes=2)
    start(page, proxy)
    # a bad cell: connections dropped halfway through a piece, gateways answering 502 and 503,
    # one piece swallowed without an answer
    proxy.add(path_matches(PIECES), "drop", after=40_000, times=3)
    proxy.add(path_matches(r"/api/v1/cases/\w+$", "PUT"), "respond", **html_page(502, "502 Bad Gateway"), times=1)
    proxy.add(path_matches(PIECES), "respond", **json_error(503, "unavailable", **{"Retry-After": "1"}), times=2)
    proxy.add(path_matches(r"/complete$"), "drop", times=1)
    proxy.add(path_matches(PIECES), "stall", seconds=40, times=1)
    first = report_with(page, proxy, [photo, video], "CANARY-LIEU parking du centre commercial")
    second = report_with(page, proxy, [], "CANARY-LIEU devant le hall B")
    for case_id in (first, second):
        page.goto(f"{proxy.url}/#/envoi/{case_id}")
        wait_delivered(page, timeout_ms=240_000)
        exactly_once(srv, page, case_id)
    assert sorted(report_items(srv, first)) == ["attachment", "attachment", "report"]
    assert report_items(srv, second) == ["report"]
    assert proxy.seen("drop") and proxy.seen("stall") and proxy.seen("answered 503")
    verdicts = desk_decrypt(srv)
    assert verdicts[first]["verdict"] == "VERIFIED" and verdicts[second]["verdict"] == "VERIFIED"
    assert outbox_count(page, "chunks") == 0  # nothing left behind on the phone
    assert page.js_errors == []


def test_a_full_server_holds_no_other_case_and_the_report_is_said_to_wait(net, page, tmp_path):
    srv, proxy = net
    photo = noise_jpeg(tmp_path / "IMG_0201.jpg", 300_000)
    start(page, proxy)
    # the server is out of space for uploads (the proxy answers as the server will)
    full = proxy.add(path_matches(UPLOADS), "respond", **json_error(507, "insufficient_storage",
                                                                    **{"Retry-After": "60"}))
    blocked = report_with(page, proxy, [photo], "CANARY-LIEU rue des Lilas")
    expect(page.locator('[data-case-state="waiting"][data-wait="full"]')).to_be_visible(timeout=30_000)
    expect(page.locator("[data-case-state]")).to_contain_text("le serveur manque de place pour le moment")
    expect(page.get_by_text("refus")).to_have_count(0)
    expect(page.locator('[data-item-state="failed"]')).to_have_count(0)
    # a later case is not held behind it
    later = report_with(page, proxy, [], "CANARY-LIEU place du marché")
    wait_delivered(page, timeout_ms=60_000)
    assert report_items(srv, later) == ["report"]
    assert report_items(srv, blocked) == ["report"]  # its report went; its photo waits
    page.get_by_role("link", name="Retour à l'accueil").click()
    page.get_by_role("link", name=re.compile("Mes envois")).click()
    row = page.locator(f'[data-case="{blocked}"]')
    expect(row).to_have_attribute("data-state", "waiting")
    expect(row.get_by_text("le serveur manque de place")).to_be_visible()
    # space is back; "send now" does not wait for the server's Retry-After (60 s)
    proxy.remove(full)
    page.goto(f"{proxy.url}/#/envoi/{blocked}")
    started = time.monotonic()
    page.get_by_role("button", name="Envoyer maintenant").click()
    wait_delivered(page, timeout_ms=30_000)
    assert time.monotonic() - started < 30
    exactly_once(srv, page, blocked)
    assert page.js_errors == []


def test_a_proxy_html_413_is_not_a_refusal(net, page, tmp_path):
    srv, proxy = net
    photo = noise_jpeg(tmp_path / "IMG_0301.jpg", 400_000)
    start(page, proxy)
    page413 = proxy.add(path_matches(PIECES), "respond",
                        **html_page(413, "413 Request Entity Too Large"))
    case_id = report_with(page, proxy, [photo], "CANARY-LIEU sortie du collège")
    expect(page.locator('[data-case-state="waiting"][data-wait="unreached"]')).to_be_visible(timeout=30_000)
    expect(page.locator("[data-case-state]")).to_contain_text("le réseau ne laisse pas encore passer l'envoi")
    expect(page.locator('[data-item-state="failed"]')).to_have_count(0)
    assert len(proxy.seen("answered 413")) >= 1
    proxy.remove(page413)  # the citizen moves to another network
    wait_delivered(page, timeout_ms=60_000)
    exactly_once(srv, page, case_id)
    assert sorted(report_items(srv, case_id)) == ["attachment", "report"]


def test_a_captive_portal_changes_nothing_and_its_end_is_noticed(net, page, tmp_path):
    srv, proxy = net
    start(page, proxy, "")
    # a hotel Wi-Fi: every request gets its login page, with a 200
    portal = proxy.add(lambda r: True, "respond", **html_page(200, "Connectez-vous au Wi-Fi de l'hôtel"))
    page.reload()  # the shell comes from the service worker; the key bundle request gets the portal
    page.wait_for_selector("main h1")
    page.wait_for_timeout(1500)
    expect(page.locator('html[data-police-key="ok"]')).to_be_attached()
    expect(page.locator('[data-key-status="invalid"]')).to_have_count(0)
    case_id = report_with(page, proxy, [noise_jpeg(tmp_path / "IMG_0401.jpg", 150_000)],
                          "CANARY-LIEU arrêt de bus Liberté")
    expect(page.locator('[data-case-state="waiting"][data-wait="unreached"]')).to_be_visible(timeout=30_000)
    assert outbox_count(page, "chunks") >= 2  # nothing deleted on a 200 that confirms nothing
    assert server_items(srv, case_id) == []
    # the citizen logs into the portal: no 'online' event, the app notices by itself
    proxy.remove(portal)
    started = time.monotonic()
    wait_delivered(page, timeout_ms=45_000)
    assert time.monotonic() - started < 40, "the healed network was not noticed within tens of seconds"
    exactly_once(srv, page, case_id)
    assert page.js_errors == []


def test_a_32_kbit_uplink_still_delivers(net, page, tmp_path):
    srv, proxy = net
    photo = noise_jpeg(tmp_path / "IMG_0501.jpg", 520_000)
    start(page, proxy)
    page.goto(f"{proxy.url}/#/signaler")
    wait_for_key(page)
    fill_report(page, {"place.text": "CANARY-LIEU sous-sol du parking"})
    attach(page, [photo])  # sealed on the phone before the network matters
    proxy.shape(up=4000, down=32_000, rtt_ms=400)  # EDGE in a basement: 32 kbit/s up
    started = time.monotonic()
    case_id = send(page)
    expect(page.locator('[data-case-state="sending"]')).to_be_visible(timeout=60_000)
    expect(page.locator("[data-item-progress]").filter(has_text=re.compile(r"\d+ Ko sur"))).not_to_have_count(0)
    wait_delivered(page, timeout_ms=400_000)
    took = time.monotonic() - started
    exactly_once(srv, page, case_id)
    envelope = sum(i["size"] for i in server_items(srv, case_id))
    assert took > envelope / 4000 * 0.8, "the link was not shaped"
    # pieces small enough for the link (the server accepts 64 KiB to 8 MiB), none cut while moving
    sizes = [json.loads(r.split(b"\n\n", 1)[1])["chunk_size"] for r in srv.requests()
             if re.match(rb"PUT /api/v1/cases/\w+/uploads/\w+\n", r)]
    assert sizes and max(sizes) <= 256 * 1024
    assert not proxy.seen("drop")
    verdicts = desk_decrypt(srv)
    assert verdicts[case_id]["verdict"] == "VERIFIED"


def test_a_refusal_by_the_server_is_explained_and_the_rest_is_sent(net, page, tmp_path):
    srv, proxy = net  # the server takes at most 3 MB per item
    photo = noise_jpeg(tmp_path / "IMG_0601.jpg", 200_000)
    video = camera_video(tmp_path / "VID_0602.mov", megabytes=4)
    start(page, proxy)
    case_id = report_with(page, proxy, [photo, video], "CANARY-LIEU cour de l'immeuble C")
    expect(page.locator('[data-case-state="choice"]')).to_be_visible(timeout=60_000)
    refused = page.locator('[data-item-state="failed"]')
    expect(refused).to_have_count(1)
    expect(refused.get_by_text("Le serveur refuse ce fichier : il est trop volumineux.")).to_be_visible()
    expect(refused.locator('[data-choice="reseal"]')).to_be_visible()
    # the report waits for the citizen's choice; the photo went
    wait_until(lambda: sorted(report_items(srv, case_id)) == ["attachment"])
    refused.get_by_role("button", name="Envoyer le reste sans ce fichier").click()
    expect(page.get_by_text("Fichier retiré. Le signalement, chiffré à nouveau sans lui")).to_be_visible()
    wait_delivered(page, timeout_ms=60_000)
    expect(page.get_by_text(re.compile(r"Livré à la police, sans les fichiers retirés \(1\)"))).to_be_visible()
    exactly_once(srv, page, case_id)
    assert sorted(report_items(srv, case_id)) == ["attachment", "report"]
    verdicts = desk_decrypt(srv)
    assert verdicts[case_id]["verdict"] == "VERIFIED", verdicts[case_id]  # the manifest names only the photo
    report = json.loads((srv.desk_home / "cases" / case_id / "report.json").read_text())
    assert [a["name"] for a in report["attachments"]] == ["IMG_0601.jpg"]
    assert report["withdrawn"] == [{"part": 2, "name": "VID_0602.mov", "media_type": "video/quicktime",
                                    "length": report["withdrawn"][0]["length"], "reason": "item_too_large"}]
    assert page.js_errors == []


def wait_until(check, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("the condition did not come true in time")
        time.sleep(0.25)
