"""Standing rules the folder tree must keep: the server cannot decrypt, keeps no client
detail, and no private key is ever in the repository."""

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_server_never_imports_decrypting_code():
    code = (
        "import pkgutil, importlib, sys, server\n"
        "for m in pkgutil.walk_packages(server.__path__, 'server.'):\n"
        "    if m.name not in ('server.wsgi', 'server.__main__', 'server.gunicorn_conf', 'server.migrations.env'):\n"
        "        importlib.import_module(m.name)\n"
        "bad = sorted(n for n in sys.modules if n == 'envelope.open' or n == 'desk' or n.startswith('desk.'))\n"
        "print(','.join(bad))\n"
        "assert 'server.app' in sys.modules and 'envelope.header' in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""


def test_server_source_never_touches_client_details():
    pattern = re.compile(r"remote_addr|REMOTE_ADDR|X-Forwarded-For|user_agent|HTTP_USER_AGENT|set_cookie|%\(h\)s")
    hits = [f"{p}:{n}" for p in (REPO / "server").rglob("*.py") for n, line in enumerate(p.read_text().splitlines(), 1)
            if pattern.search(line) and not line.lstrip().startswith("#")]
    assert hits == []


def test_gunicorn_writes_no_access_log():
    conf: dict = {}
    exec((REPO / "server" / "gunicorn_conf.py").read_text(), conf)
    assert conf["accesslog"] is None
    assert conf["forwarded_allow_ips"] == ""
    assert conf["logconfig_dict"]["loggers"]["gunicorn.access"]["handlers"] == []
    assert conf["bind"].startswith("127.0.0.1:")


def test_no_private_key_is_tracked():
    """No key file, and no desk key file (JSON of type tipline.secret-key), is in the repository."""
    if not (REPO / ".git").exists():
        return
    files = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True).stdout.split()
    assert [n for n in files if re.search(r"\.(key|pem|sk|p12)$", n)] == []
    secret_files = [n for n in files if n.endswith(".json") and '"tipline.secret-key"' in (REPO / n).read_text()]
    assert secret_files == []


def test_citizen_app_names_no_other_origin():
    """No URL of another origin in the app's own files, but the quick-exit page it navigates to."""
    pattern = re.compile(r"https?://(?!127\.0\.0\.1|localhost)[a-z0-9.-]+", re.I)
    allowed = {(REPO / "pwa" / "src" / "app" / "quick-exit.js", "https://www.google.fr")}
    hits = []
    for path in (REPO / "pwa").rglob("*"):
        skip = {"node_modules", "dist"} & set(path.parts) or path.name == "package-lock.json"
        if skip or not path.is_file() or path.suffix not in (".html", ".js", ".mjs", ".css", ".webmanifest", ".json"):
            continue
        hits += [f"{path}: {m.group(0)}" for m in pattern.finditer(path.read_text(errors="replace"))
                 if (path, m.group(0)) not in allowed]
    assert hits == []


def test_services_know_nothing_of_flask():
    """Services take plain values and streams; reading requests is the routes' job (server/http.py)."""
    pattern = re.compile(r"^\s*(from|import)\s+(flask|werkzeug)\b|from \.\.http import|from server\.http import")
    hits = [f"{p.name}:{n}" for p in (REPO / "server" / "services").rglob("*.py")
            for n, line in enumerate(p.read_text().splitlines(), 1) if pattern.search(line)]
    assert hits == []


def test_item_kinds_and_statuses_are_defined_once():
    """envelope/vocabulary.py names them; a second list elsewhere would drift from it."""
    lists = re.compile(r"""(["'])(report|new)\1\s*,\s*(["'])(attachment|in_progress)\3""")
    hits = [f"{p.relative_to(REPO)}:{n}" for top in ("server", "desk", "envelope", "bench")
            for p in (REPO / top).rglob("*.py") if p.name != "vocabulary.py"
            for n, line in enumerate(p.read_text().splitlines(), 1) if lists.search(line)]
    assert hits == []
