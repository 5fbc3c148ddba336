"""Unlock with the key passphrase, lock, the server session, the language."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for

from ...client import Client, DeskError
from ...files import read_json, write_json
from ...keyring import KeyringError, WrongPassphrase
from ..forms import ActionForm, LanguageForm, ServerLoginForm, UnlockForm
from ..i18n import gettext as _
from ..state import state

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only a path of this console (no scheme, no //host) may follow an unlock."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("inbox.index")


@bp.route("/unlock", methods=["GET", "POST"])
def unlock():
    st = state()
    form = UnlockForm()
    error = None
    if form.validate_on_submit():
        try:
            generation = st.vault.unlock(form.passphrase.data)
        except KeyringError as exc:
            error = _("Phrase secrète refusée.") if isinstance(exc, WrongPassphrase) else str(exc)
        else:
            session.clear()
            session["generation"] = generation
            session["lang"] = request.form.get("lang_keep") or "fr"
            if st.worker is not None:
                st.worker.after_unlock()
            return redirect(_safe_next(request.args.get("next")))
    elif request.method == "POST":
        error = _("Le formulaire a expiré : recommencez.")
    keys = st.keyring.keys("x25519")
    return render_template("unlock.html", form=form, error=error, keys=keys), (401 if error else 200)


@bp.post("/lock")
def lock():
    if ActionForm().validate_on_submit():
        state().vault.lock()
        session.pop("generation", None)
    return redirect(url_for("auth.unlock"))


@bp.post("/language")
def language():
    form = LanguageForm()
    if form.validate_on_submit():
        session["lang"] = form.lang.data
    return redirect(_safe_next(request.form.get("next")))


@bp.route("/server", methods=["GET", "POST"])
def server_login():
    """Log in to the server from the console (same session file as `tipline-desk login`)."""
    st = state()
    form = ServerLoginForm()
    error = None
    if form.validate_on_submit():
        try:
            client = Client(form.server.data.strip())
            # the device token from an earlier login: strangers' failures do not slow this desk down
            device = (read_json(st.ws.device_file, {}) or {}).get(form.username.data)
            answer = client.login(form.username.data, form.password.data, (form.code.data or "").strip() or None,
                                  device)
        except DeskError as exc:
            error = str(exc)
        else:
            if answer.get("device"):
                write_json(st.ws.device_file, {**(read_json(st.ws.device_file, {}) or {}),
                                               form.username.data: answer["device"]})
            write_json(st.ws.session_file, {"server": client.server, "username": form.username.data,
                                            "token": answer["token"], "expires_at": answer["expires_at"]})
            st.officer = form.username.data
            if st.worker is not None:
                st.worker.kick()
            flash(_("Connecté au serveur."))
            return redirect(url_for("inbox.index"))
    return render_template("server_login.html", form=form, error=error), (400 if error else 200)


@bp.post("/sync")
def sync_now():
    st = state()
    if ActionForm().validate_on_submit() and st.worker is not None:
        st.worker.kick()
    return redirect(_safe_next(request.form.get("next")))
