"""Steps a citizen takes in the app, and checks on what the server received."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.media.fixtures import CANARIES, LAT, LON, MediaFactory, exiftool_write, ffmpeg
from tests.support import media

# Typed into the form: none of these may ever reach the server in the clear.
FORM_CANARIES = {
    "place.text": "CANARY-LIEU place de l'Europe, devant le bâtiment X",
    "when.frequency": "CANARY-FREQ tous les soirs entre 18 h et 20 h",
    "people.0.clothing": "CANARY-HABITS veste noire, casquette rouge",
    "people.0.height": "environ 1,80 m",
    "details": "CANARY-DETAILS échanges rapides près du hall B",
}
EXIF_MARKERS = [*media.MARKERS, *(c.encode() for c in CANARIES.values())]


# --- files a phone would hold (made by tests/media/fixtures.py, with camera-style metadata) ------
def camera_jpeg(factory: MediaFactory, path: Path) -> Path:
    """A phone photo: Exif with GPS, make, model, serial, thumbnail; XMP; IPTC; a comment."""
    return Path(shutil.copyfile(factory.camera_jpeg(), path))


def png_with_text(factory: MediaFactory, path: Path) -> Path:
    """A screenshot-style PNG with tEXt, iTXt, zTXt, tIME and eXIf chunks."""
    return Path(shutil.copyfile(factory.png(), path))


def camera_video(path: Path, megabytes: int) -> Path:
    """An iPhone-style QuickTime movie of about ``megabytes`` MB (raw frames, so it is quick to make
    and big), with Apple keys for position, make, model and software."""
    frame = 640 * 480 * 2
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=640x480:rate=25", "-frames:v", str(megabytes * 1_000_000 // frame + 1),
           "-c:v", "rawvideo", "-pix_fmt", "uyvy422", "-metadata", "creation_time=2024-05-01T10:00:00Z",
           "-f", "mov", path)
    exiftool_write(path, f"-Keys:GPSCoordinates={LAT}, {LON}, 35", f"-Keys:Make={CANARIES['make']}",
                   f"-Keys:Model={CANARIES['model']}", f"-Keys:Software={CANARIES['software']}")
    return path


def open_app(page: Page, url: str, path: str = "") -> None:
    page.goto(f"{url}/#/{path}")
    page.wait_for_selector("main h1")


def wait_for_key(page: Page) -> None:
    """The police key is fetched and verified: the send button becomes usable."""
    page.wait_for_selector('html[data-police-key="ok"]', state="attached", timeout=60_000)


def fill_report(page: Page, fields: dict[str, str] = FORM_CANARIES) -> None:
    for name, value in fields.items():
        page.locator(f'[name="{name}"]').fill(value)
    page.locator('[name="when.seen_at"]').fill("2026-11-27T19:10")
    page.locator('[name="risks.children"]').check()


def attach(page: Page, files: list[Path]) -> None:
    page.locator('[data-input="gallery"]').set_input_files([str(f) for f in files])
    expect(page.locator('.file [data-status="sealed"]')).to_have_count(len(files), timeout=120_000)


def review(page: Page) -> None:
    """From the form to the review screen ("Relire avant l'envoi")."""
    page.get_by_role("button", name="Relire avant l'envoi").click()
    expect(page.locator("main h1")).to_have_text("Relisez avant d'envoyer")


def confirm_send(page: Page) -> str:
    """On the review screen: "Envoyer" (and "Envoyer quand même" if the coach asks, once)."""
    page.get_by_role("button", name="Envoyer", exact=True).click()
    anyway = page.get_by_role("button", name="Envoyer quand même")
    sent = re.compile(r"#/envoi/[0-9a-f]{32}$")
    page.wait_for_function(r"""() => /#\/envoi\/[0-9a-f]{32}$/.test(location.hash)
        || document.querySelector('[data-review-confirm]:not([hidden])') !== null""", timeout=60_000)
    if anyway.count():
        anyway.click()
    page.wait_for_url(sent, timeout=60_000)
    return page.url.rsplit("/", 1)[1]


def send(page: Page) -> str:
    """The citizen's whole send: review, then send. Returns the case id."""
    review(page)
    return confirm_send(page)


def wait_for_service_worker(page: Page) -> None:
    """The service worker controls the page: from now on the app opens with no network."""
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=30_000)


def queue_offline(page: Page, srv) -> str:
    """Visit once, lose the network (the server stops), then write and send a report: it waits,
    encrypted, in the outbox. Returns its case id."""
    open_app(page, srv.url)
    wait_for_key(page)
    wait_for_service_worker(page)
    srv.stop()
    open_app(page, srv.url, "signaler")
    fill_report(page)
    case_id = send(page)
    expect(page.locator('[data-case-state="waiting"]')).to_be_visible(timeout=30_000)
    return case_id


def report_items(srv, case_id: str) -> list[str]:
    """The kinds of the items the server holds for a case (the citizen API's own view)."""
    import requests

    answer = requests.get(f"{srv.url}/api/v1/cases/{case_id}", timeout=10)
    return [i["kind"] for i in answer.json().get("items", [])] if answer.ok else []


# The phone's outbox as someone holding the phone could read it (IndexedDB, "tipline-outbox").
_OUTBOX = """async ([op, arg]) => {
    if (!(await indexedDB.databases()).some(d => d.name === 'tipline-outbox')) return null;
    const db = await new Promise(r => { const q = indexedDB.open('tipline-outbox'); q.onsuccess = () => r(q.result); });
    const ask = (store, method, ...args) => new Promise(r => {
        const q = db.transaction(store).objectStore(store)[method](...args); q.onsuccess = () => r(q.result); });
    const answer = op === 'count' ? await ask(arg, 'count') : await ask('cases', 'get', arg);
    db.close();
    return answer;
}"""


def outbox_count(page: Page, store: str) -> int:
    """How many records a store of the outbox holds (0 if the app never opened it)."""
    return page.evaluate(_OUTBOX, ["count", store]) or 0


def case_record(page: Page, case_id: str) -> dict | None:
    """The phone's own record of a case."""
    return page.evaluate(_OUTBOX, ["case", case_id])


def case_state(page: Page) -> str:
    return page.locator("[data-case-state]").get_attribute("data-case-state")


def wait_delivered(page: Page, timeout_ms: int = 120_000) -> None:
    expect(page.locator('[data-case-state="delivered"]')).to_be_visible(timeout=timeout_ms)


def scan_requests(requests: list[bytes], needles: list[bytes]) -> list[bytes]:
    """The needles found in any request the server received (must stay empty)."""
    return sorted({n for r in requests for n in needles if n in r})
