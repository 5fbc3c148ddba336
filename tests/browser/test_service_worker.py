"""The service worker's two jobs seen from a real browser: a new version is offered, never forced
while a report is being written; and it delivers the outbox on Background Sync with no page open."""

from __future__ import annotations

import re
import shutil
import time

from playwright.sync_api import expect

from tests.browser.conftest import make_app_server
from tests.browser.helpers import (
    open_app,
    queue_offline,
    report_items,
    send,
    wait_for_key,
    wait_for_service_worker,
)

VERSION = re.compile(r'self\.__TIPLINE_VERSION="([0-9a-f]+)"')


def deploy_new_version(dist) -> str:
    """What a deployment that changes the app does to the service worker: a new version id."""
    sw = dist / "service-worker.js"
    text = sw.read_text()
    old = VERSION.search(text).group(1)
    new = "f" * len(old) if old != "f" * len(old) else "e" * len(old)
    sw.write_text(text.replace(f'"{old}"', f'"{new}"', 1))
    for compressed in (dist / "service-worker.js.br", dist / "service-worker.js.gz"):
        compressed.unlink(missing_ok=True)
    return new


def test_update_is_offered_but_never_forced_while_writing(tmp_path, desk_keys, pwa_build, page):
    dist = shutil.copytree(pwa_build, tmp_path / "dist")
    srv = make_app_server(tmp_path / "srv", desk_keys, dist).start()
    try:
        open_app(page, srv.url, "signaler")
        wait_for_key(page)
        wait_for_service_worker(page)
        page.locator('[name="place.text"]').fill("en cours d'écriture")
        new = deploy_new_version(dist)
        page.evaluate("navigator.serviceWorker.getRegistration().then(r => r.update())")
        page.wait_for_function("() => navigator.serviceWorker.getRegistration().then(r => r.waiting !== null)",
                               timeout=30_000)
        # writing: the update is mentioned, with no button to apply it
        banner = page.locator(".update")
        expect(banner).to_be_visible()
        expect(banner.get_by_role("button")).to_have_count(0)
        assert page.locator('[name="place.text"]').input_value() == "en cours d'écriture"
        # the form survives a visit elsewhere in the app, so the update still waits there
        page.get_by_role("link", name="Signalement anonyme").click()
        expect(page.locator("h1")).to_have_text("Signaler un trafic de stupéfiants")
        expect(banner.get_by_role("button")).to_have_count(0)
        page.get_by_role("button", name="Signaler un trafic").click()
        assert page.locator('[name="place.text"]').input_value() == "en cours d'écriture"
        send(page)  # once the report is sealed and queued, the update may be applied
        banner.get_by_role("button", name="Mettre à jour").click()
        page.wait_for_function(f"() => caches.keys().then(k => k.length === 1 && k[0].endsWith('{new}'))",
                               timeout=30_000)
        expect(page.locator("main h1")).to_be_visible()
        assert page.js_errors == []
    finally:
        srv.stop()


def test_background_sync_delivers_with_no_page_open(app_server, context):
    page = context.new_page()
    case_id = queue_offline(page, app_server)
    page.close()  # no page left: only the service worker can deliver now
    app_server.start()

    watcher = context.new_page()  # a blank page, only to reach the DevTools protocol
    cdp = context.new_cdp_session(watcher)
    registrations = []
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda e: registrations.extend(e["registrations"]))
    cdp.send("ServiceWorker.enable")
    deadline = time.monotonic() + 30
    while not any(r["scopeURL"].startswith(app_server.url) for r in registrations) and time.monotonic() < deadline:
        watcher.wait_for_timeout(100)
    registration = next(r for r in registrations if r["scopeURL"].startswith(app_server.url))

    def items():
        return report_items(app_server, case_id)

    cdp.send("ServiceWorker.dispatchSyncEvent", {"origin": app_server.url, "registrationId":
                                                 registration["registrationId"], "tag": "tipline-outbox",
                                                 "lastChance": False})
    deadline = time.monotonic() + 60
    while items() != ["report"] and time.monotonic() < deadline:
        time.sleep(0.5)
    assert items() == ["report"]
    # the app, opened again, shows it delivered (the worker updated the outbox), and sends nothing twice
    page = context.new_page()
    open_app(page, app_server.url, f"envoi/{case_id}")
    expect(page.locator('[data-case-state="delivered"]')).to_be_visible(timeout=30_000)
    page.wait_for_timeout(1000)
    assert items() == ["report"]
