"""The built citizen app, file by file: what a browser will trust before running any of it
(strict CSP, no inline script, integrity hashes, an install manifest, a complete precache list,
no other origin). No browser needed: these are properties of the bytes the server sends."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import struct

import requests

QUICK_EXIT = "https://www.google.fr/"


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_index_has_no_inline_script_and_every_asset_has_its_integrity(pwa_build):
    html = (pwa_build / "index.html").read_text()
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, re.S)
    assert scripts, "the app has a script"
    for attrs, body in scripts:
        assert body.strip() == "" and 'src="' in attrs, "inline script: the CSP would (rightly) block it"
    assert not re.search(r"\son[a-z]+=", html), "inline event handler"
    tagged = re.findall(r'(?:src|href)="(/assets/[^"]+)" integrity="(sha384-[^"]+)"', html)
    assert len(tagged) == 2  # the app and its stylesheet
    for path, integrity in tagged:
        digest = hashlib.sha384((pwa_build / path.lstrip("/")).read_bytes()).digest()
        assert integrity == "sha384-" + base64.b64encode(digest).decode()


def test_manifest_makes_the_app_installable(pwa_build):
    manifest = json.loads((pwa_build / "manifest.webmanifest").read_text())
    assert {"name", "short_name", "id", "start_url", "scope", "theme_color", "background_color"} <= manifest.keys()
    assert manifest["display"] == "standalone" and manifest["lang"] == "fr"
    sizes = {}
    for icon in manifest["icons"]:
        width, height = png_size((pwa_build / icon["src"].lstrip("/")).read_bytes())
        assert icon["sizes"] == f"{width}x{height}" and width == height
        sizes.setdefault(icon.get("purpose", "any"), set()).add(width)
    assert {192, 512} <= sizes["any"] and 512 in sizes["maskable"]
    html = (pwa_build / "index.html").read_text()
    touch = re.search(r'<link rel="apple-touch-icon" href="([^"]+)"', html).group(1)
    assert png_size((pwa_build / touch.lstrip("/")).read_bytes()) == (180, 180)


def test_precache_lists_the_whole_shell_and_nothing_missing(pwa_build):
    sw = (pwa_build / "service-worker.js").read_text()
    precache = json.loads(re.search(r"self\.__TIPLINE_PRECACHE=(\[.*?\]);", sw).group(1))
    build = json.loads((pwa_build / "build.json").read_text())
    for path in precache:
        assert (pwa_build / path.lstrip("/")).is_file(), path
    assert {"/index.html", "/manifest.webmanifest", build["app"], build["worker"], build["styles"]} <= set(precache)
    for path in (build["app"], build["worker"], build["styles"]):
        assert re.fullmatch(r"/assets/[a-z-]+-[A-Z0-9]{8}\.(js|css)", path), "assets carry a content hash"


def test_no_built_file_names_another_origin(pwa_build):
    found = set()
    for path in pwa_build.rglob("*"):
        if path.suffix in {".js", ".css", ".html", ".webmanifest", ".json"}:
            found |= set(re.findall(r"https?://[^\s\"'`)]+", path.read_text(errors="replace")))
    assert found <= {QUICK_EXIT}, found


def test_served_with_a_strict_content_security_policy(app_server):
    answer = requests.get(app_server.url + "/", headers={"Accept-Encoding": "br"}, timeout=10)
    assert answer.status_code == 200 and answer.headers["Content-Encoding"] == "br"
    csp = dict(part.strip().split(" ", 1) for part in answer.headers["Content-Security-Policy"].split(";"))
    assert csp["default-src"] == "'self'"
    assert csp["script-src"] == "'self' 'wasm-unsafe-eval'"  # libsodium's WebAssembly; no inline, no eval
    assert csp["connect-src"] == "'self'" and csp["object-src"] == "'none'" and csp["frame-ancestors"] == "'none'"
    assert all("http" not in value and "*" not in value for value in csp.values())
    assert answer.headers["Referrer-Policy"] == "no-referrer"
    assert answer.headers["Cache-Control"] == "no-cache"
    index = requests.get(app_server.url + "/", timeout=10).text  # gzip, which requests decodes
    app = re.search(r'src="(/assets/app-[^"]+)"', index).group(1)
    cached = requests.get(app_server.url + app, timeout=10)
    assert cached.headers["Cache-Control"] == "public, max-age=31536000, immutable"
