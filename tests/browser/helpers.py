"""Steps a citizen takes in the app, and checks on what the server received."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.support import media

# Typed into the form: none of these may ever reach the server in the clear.
FORM_CANARIES = {
    "place.text": "CANARY-LIEU place de l'Europe, devant le bâtiment X",
    "when.frequency": "CANARY-FREQ tous les soirs entre 18 h et 20 h",
    "people.0.clothing": "CANARY-HABITS veste noire, casquette rouge",
    "people.0.height": "environ 1,80 m",
    "details": "CANARY-DETAILS échanges rapides près du hall B",
}
EXIF_MARKERS = [*media.MARKERS, b"CANARY-MAKE", b"CANARY-MODEL", b"CANARY-COMMENT"]


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


def send(page: Page) -> str:
    page.get_by_role("button", name=re.compile("Chiffrer et envoyer")).click()
    page.wait_for_url(re.compile(r"#/envoi/[0-9a-f]{32}$"), timeout=60_000)
    return page.url.rsplit("/", 1)[1]


def case_state(page: Page) -> str:
    return page.locator("[data-case-state]").get_attribute("data-case-state")


def wait_delivered(page: Page, timeout_ms: int = 120_000) -> None:
    expect(page.locator('[data-case-state="delivered"]')).to_be_visible(timeout=timeout_ms)


def scan_requests(requests: list[bytes], needles: list[bytes]) -> list[bytes]:
    """The needles found in any request the server received (must stay empty)."""
    return sorted({n for r in requests for n in needles if n in r})
