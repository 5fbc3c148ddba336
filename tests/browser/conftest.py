"""Browser tests: Debian's Chromium driven by Playwright, against the real server (gunicorn)
serving the real build of the citizen app, with keys made by the desk."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tests.browser.helpers import EXIF_MARKERS, FORM_CANARIES, scan_requests
from tests.media.fixtures import MediaFactory
from tests.support.desk import desk, server_cli
from tests.support.gunicorn import GunicornServer
from tests.support.pg import free_port
from tests.support.pow import TEST_MAX_NUMBER

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("TIPLINE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
OPERATOR, OPERATOR_PASSWORD = "agent.browser", "operator password for browser tests"


def build_pwa(out: Path, root_key: Path) -> Path:
    done = subprocess.run(["node", str(REPO / "pwa" / "build.mjs"), "--out", str(out), "--root-key", str(root_key)],
                          cwd=REPO / "pwa", capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return out


@pytest.fixture(scope="session")
def pwa_build(tmp_path_factory, desk_keys) -> Path:
    """The citizen app, built once, pinning the root key of the session's desk."""
    _, keys = desk_keys
    return build_pwa(tmp_path_factory.mktemp("pwa") / "dist", keys / "root-key.json")


@dataclass
class AppServer:
    """The real server on a fixed port (so it can be stopped and restarted at the same origin)."""

    root: Path
    port: int
    env: dict
    desk_home: Path
    capture: Path
    server: GunicornServer | None = None
    logs: list[Path] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> AppServer:
        log = self.root / f"server-{len(self.logs)}.log"
        self.logs.append(log)
        self.server = GunicornServer(self.env, log, port=self.port, app="tests.support.capture:app").start()
        return self

    def stop(self) -> None:
        if self.server:
            self.server.stop()

    def kill(self) -> None:
        if self.server:
            self.server.kill()

    def requests(self) -> list[bytes]:
        """Every request the server received so far (method, path, headers, body)."""
        return [p.read_bytes() for p in sorted(self.capture.glob("*.req"))]

    def log_text(self) -> str:
        return "".join(p.read_text(errors="replace") for p in self.logs if p.exists())


def make_app_server(root: Path, desk_keys, pwa_build: Path, *, keys_dir: Path | None = None,
                    public_port: int | None = None, env: dict | None = None) -> AppServer:
    """The real server, not started. With ``public_port``, phones reach it through something
    listening there (tests/support/netproxy.py): the bundle and the origin name that port."""
    template_home, _ = desk_keys
    home = root / "desk-home"
    shutil.copytree(template_home, home)
    port = free_port()
    origin = f"http://127.0.0.1:{public_port or port}"
    if keys_dir is None:
        keys_dir = root / "keys"
        desk(home, "sign-bundle", "--origin", origin, "--out", str(keys_dir / "bundle.json"),
             "--root-out", str(keys_dir / "root-key.json"))
    capture = root / "capture"
    env = {"TIPLINE_DATA_DIR": str(root / "data"), "TIPLINE_KEYS_DIR": str(keys_dir), "TIPLINE_ORIGIN": origin,
           "TIPLINE_REQUIRE_TOTP": "0",
           "TIPLINE_PWA_DIR": str(pwa_build), "TIPLINE_TEST_CAPTURE_DIR": str(capture),
           # proofs of work on, at the tests' low difficulty: every browser test goes through them
           "TIPLINE_POW_MAX_NUMBER": str(TEST_MAX_NUMBER), **(env or {})}
    server_cli(env, "db", "upgrade")
    server_cli(env, "create-operator", OPERATOR, "--password-stdin", stdin=OPERATOR_PASSWORD + "\n")
    return AppServer(root, port, env, home, capture)


@pytest.fixture
def app_server(tmp_path, desk_keys, pwa_build):
    srv = make_app_server(tmp_path, desk_keys, pwa_build).start()
    yield srv
    srv.stop()
    # Whatever the test did, no request the server received held a canary typed into the form
    # or metadata of a photo or video in the clear.
    needles = [v.encode() for v in FORM_CANARIES.values()] + EXIF_MARKERS
    assert scan_requests(srv.requests(), needles) == [], "plaintext reached the server"


@pytest.fixture(scope="session")
def media(tmp_path_factory) -> MediaFactory:
    """Camera-style photos and videos, each made once per session."""
    return MediaFactory(tmp_path_factory.mktemp("media"))


@pytest.fixture(scope="session")
def playwright_driver():
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def chromium(playwright_driver):
    browser = playwright_driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    yield browser
    browser.close()


@pytest.fixture
def context(chromium):
    ctx = chromium.new_context(viewport={"width": 390, "height": 844}, locale="fr-FR", service_workers="allow")
    yield ctx
    ctx.close()


@pytest.fixture
def page(context):
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    return page


def desk_decrypt(srv: AppServer) -> dict[str, dict]:
    """Log in with the desk, sync and decrypt everything: {case_id: verification}."""
    desk(srv.desk_home, "login", "--server", srv.url, "--username", OPERATOR, "--password-stdin",
         stdin=OPERATOR_PASSWORD + "\n")
    desk(srv.desk_home, "sync", "--quiet")
    desk(srv.desk_home, "decrypt", check=False)
    cases = srv.desk_home / "cases"
    return {p.name: json.loads((p / "verification.json").read_text()) for p in cases.iterdir()} if cases.exists() \
        else {}
