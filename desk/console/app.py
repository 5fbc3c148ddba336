"""The console's Flask app factory. It serves one officer on their own machine (127.0.0.1)."""

from __future__ import annotations

import getpass
import os
from pathlib import Path

from flask import Flask, abort, g, jsonify, redirect, request, session, url_for
from flask_wtf.csrf import CSRFProtect

from ..files import read_json
from ..keyring import Keyring
from ..workspace import Workspace
from . import headers, i18n, labels
from .live import Live
from .state import ConsoleState
from .store import Store
from .vault import Vault

# Requests that neither need the keys unlocked nor count as the officer's activity.
OPEN_ENDPOINTS = {"auth.unlock", "auth.language", "static", "live.poll"}
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]"}


def officer_name(ws: Workspace) -> str:
    """Who is at this desk: the server account it logged in with, else the system user."""
    session_doc = read_json(ws.session_file)
    if isinstance(session_doc, dict) and isinstance(session_doc.get("username"), str):
        return session_doc["username"]
    return getpass.getuser()


def create_app(home: Path, *, keyring_dir: Path | None = None, lock_after: float = 600, poll_seconds: float = 5,
               port: int | None = None, start_sync: bool = True, officer: str | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=os.urandom(32),  # a new one each start: sessions and forms never outlive the process
        SESSION_COOKIE_NAME=f"tipline_console_{port or 'test'}",  # cookies ignore ports: one per console
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        WTF_CSRF_TIME_LIMIT=None,  # the token dies with the process's secret and the session
        MAX_CONTENT_LENGTH=1 << 20,
        TEMPLATES_AUTO_RELOAD=False,
    )
    ws = Workspace(Path(home))
    keyring = Keyring(keyring_dir or ws.keyring_dir)
    st = ConsoleState(ws=ws, keyring=keyring, store=Store(ws.home / "console.sqlite3"),
                      vault=Vault(keyring, lock_after), live=Live(), officer=officer or officer_name(ws))
    st.vault.on_lock.append(st.live.bump)  # open pages notice and leave
    app.extensions["tipline_console"] = st
    CSRFProtect(app)
    app.jinja_env.globals.update(_=i18n.gettext, lang=i18n.current_language)
    app.jinja_env.autoescape = True  # every template, whatever its name: all shown text is hostile
    labels.register(app)
    app.jinja_env.globals.update(sync_error=lambda: st.live.sync_error, last_sync=lambda: st.live.last_sync,
                                 officer=lambda: st.officer, no_session=lambda: st.live.no_session)

    from .views import auth, case, export, inbox, live, stats
    for module in (auth, inbox, case, stats, export, live):
        app.register_blueprint(module.bp)

    @app.before_request
    def guard():
        # the revision this page is at least as new as: its script refreshes once it moves
        g.revision = st.live.revision
        host = (request.host or "").rsplit(":", 1)[0]
        if host not in LOCAL_HOSTS:  # a page elsewhere rebinding its name to 127.0.0.1 gets nothing
            abort(421)
        if request.endpoint in OPEN_ENDPOINTS:
            return None
        if not st.vault.check(session.get("generation"), touch=True):
            if request.method == "GET" and not request.path.startswith("/api/"):
                return redirect(url_for("auth.unlock", next=request.full_path if request.args else request.path))
            return jsonify(error="locked"), 401
        return None

    app.after_request(headers.secure)

    if start_sync:
        from .worker import SyncWorker
        st.worker = SyncWorker(st, poll_seconds).start()
    return app
